"""Subclasses of allauth's forms (ACCOUNT_FORMS, MFA_FORMS).

Apart from forms.py because allauth.account.forms imports ACCOUNT_SIGNUP_FORM_CLASS from
forms.py at import time: importing allauth's forms there would be a cycle.
"""

from allauth.account.adapter import get_adapter
from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SetPasswordForm as AllauthSetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import encrypt
from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

from . import selectors
from .adapters import VERIFIED_EMAIL_KEY


class LoginForm(AllauthLoginForm):
    """allauth's log-in form in the Console's words; the reset link sits under the form."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""
        if "remember" in self.fields:
            self.fields["remember"].label = "Remember me"
        session = getattr(self.request, "session", None)
        if not self.is_bound and session is not None and VERIFIED_EMAIL_KEY in session:
            self.initial["login"] = session[VERIFIED_EMAIL_KEY]
            # The password comes next: the browser should land there.
            self.fields["password"].widget.attrs["autofocus"] = True
            self.fields["login"].widget.attrs.pop("autofocus", None)


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form (with accounts.forms.SignupForm's organization name), which
    never tells whether the address is registered: not by its answer, not by its time."""

    def validate_unique_email(self, value: str) -> str:
        # Other accounts' unverified email changes don't hold the address: the sign-up goes
        # ahead, and whoever verifies it first keeps it (services.email_address_claim).
        if selectors.email_held_only_by_pending_changes(value):
            self.account_already_exists = False
            return get_adapter().validate_unique_email(value)
        return super().validate_unique_email(value)

    def try_save(self, request):
        if self.account_already_exists:
            # A new account's password is hashed; this branch would answer ten times faster
            # without the same work.
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """allauth's set-up form, whose confirming code is then spent: allauth checks it without
    marking it used, so it would log in once more while still current."""

    def clean_code(self) -> str:
        code = super().clean_code()
        # validate_code marks the code used, for this user, until it can no longer be current.
        pending = Authenticator(
            user=self.user, type=Authenticator.Type.TOTP, data={"secret": encrypt(self.secret)}
        )
        TOTP(pending).validate_code(code)
        return code


# allauth's password forms in sentence case, like every other label of the Console.
SENTENCE_CASE = {
    "oldpassword": "Current password",
    "password1": "New password",
    "password2": "New password (again)",
}


class _SentenceCaseLabels:
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, label in SENTENCE_CASE.items():
            if name in self.fields:
                self.fields[name].label = label


class ChangePasswordForm(_SentenceCaseLabels, AllauthChangePasswordForm):
    pass


class SetPasswordForm(_SentenceCaseLabels, AllauthSetPasswordForm):
    pass


class ResetPasswordKeyForm(_SentenceCaseLabels, AllauthResetPasswordKeyForm):
    pass


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
