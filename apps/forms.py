from django import forms

from .models import App
from .services import FORM_TOKEN, NAME_MAX_LENGTH

NO_FORM_TOKEN = (
    "This form came without its one-time token, so no secret was created. "  # noqa: S105 - text
    "Enter your password again and select Create."
)


class AppCreateForm(forms.Form):
    name = forms.CharField(
        label="App name",
        max_length=NAME_MAX_LENGTH,
        help_text="Only people in your organization see this name. You can change it later.",
        error_messages={"required": "Enter an app name."},
    )
    display_name = forms.CharField(
        label="Display name (public)",
        max_length=NAME_MAX_LENGTH,
        help_text="Your customers see this name in the Tink flow. It can't be changed later.",
        error_messages={"required": "Enter a display name."},
    )
    app_type = forms.ChoiceField(
        label="App type",
        choices=App.Type.choices,
        initial=App.Type.SANDBOX,
        widget=forms.RadioSelect,
        help_text="The app type can't be changed later.",
        error_messages={
            "required": "Choose Sandbox or Production.",
            "invalid_choice": "Choose Sandbox or Production.",
        },
    )


class AppRenameForm(forms.Form):
    name = forms.CharField(
        label="App name",
        max_length=NAME_MAX_LENGTH,
        help_text="Only people in your organization see this name.",
        error_messages={"required": "Enter an app name."},
    )


class ClientSecretCreateForm(forms.Form):
    """Asks for the account password again: a stolen session alone can't mint secrets."""

    name = forms.CharField(
        label="Name (optional)",
        max_length=NAME_MAX_LENGTH,
        required=False,
        help_text="For example, where you'll use it: “Staging server”.",
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Your Console account password.",
        error_messages={"required": "Enter your Console account password."},
    )
    # Required, but checked in clean(): Django would show a hidden field's own error as
    # "(Hidden field form_token) …".
    form_token = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        if not FORM_TOKEN.fullmatch(cleaned.get("form_token") or ""):
            raise forms.ValidationError(NO_FORM_TOKEN, code="no_form_token")
        return cleaned


class RedirectURIForm(forms.Form):
    uri = forms.CharField(
        label="Redirect URI",
        max_length=2000,
        strip=True,
        help_text="For example https://example.com/callback, or awesomeapp://callback for a "
        "mobile app. http only for localhost.",
        error_messages={"required": "Enter a redirect URI."},
        widget=forms.TextInput(attrs={"inputmode": "url", "spellcheck": "false"}),
    )
