"""Subclasses of allauth's forms (ACCOUNT_FORMS).

Apart from forms.py because allauth.account.forms imports ACCOUNT_SIGNUP_FORM_CLASS from
forms.py at import time: importing allauth's forms there would be a cycle.
"""

from allauth.account.forms import LoginForm as AllauthLoginForm


class LoginForm(AllauthLoginForm):
    """allauth's log-in form in the Console's words; the reset link sits under the form."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""
        if "remember" in self.fields:
            self.fields["remember"].label = "Remember me"
