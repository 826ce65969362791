"""Subclasses of allauth's forms (ACCOUNT_FORMS, MFA_FORMS).

Apart from forms.py because allauth.account.forms imports ACCOUNT_SIGNUP_FORM_CLASS from
forms.py at import time: importing allauth's forms there would be a cycle.
"""

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput


class LoginForm(AllauthLoginForm):
    """allauth's log-in form in the Console's words; the reset link sits under the form."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""
        if "remember" in self.fields:
            self.fields["remember"].label = "Remember me"


class CredentialField(forms.JSONField):
    """A security key's answer (JSON). Django's JSONField catches only JSONDecodeError, when
    it cleans the value and when it shows it again, but a number longer than Python converts
    (4300 digits) raises a bare ValueError: a 500."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except ValueError:
            return InvalidJSONInput(data)


def _credential_field() -> CredentialField:
    return CredentialField(required=True, widget=forms.HiddenInput)


class AddWebAuthnForm(webauthn_forms.AddWebAuthnForm):
    credential = _credential_field()


class AuthenticateWebAuthnForm(webauthn_forms.AuthenticateWebAuthnForm):
    credential = _credential_field()


class ReauthenticateWebAuthnForm(webauthn_forms.ReauthenticateWebAuthnForm):
    credential = _credential_field()
