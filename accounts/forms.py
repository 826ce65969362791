from django import forms
from django.http import HttpRequest

from . import services
from .models import User


class SignupForm(forms.Form):
    """Extra fields of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    field_order = ["email", "password1", "password2", "organization_name"]

    organization_name = forms.CharField(
        label="Organization name",
        max_length=100,
        error_messages={"required": "Enter your organization's name."},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        """Called by allauth in the sign-up's transaction, once the user exists."""
        services.organization_create(name=self.cleaned_data["organization_name"], owner=user)


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
