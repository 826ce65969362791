from django import forms

from accounts.validators import NAME_MAX_LENGTH

from .models import App
from .services import FORM_TOKEN

NO_FORM_TOKEN = (
    "This form came without its one-time token, so no secret was created. "  # noqa: S105 - text
    "Enter your password again and select Create."
)


APP_TYPE_DESCRIPTIONS = {
    App.Type.SANDBOX: "Test with test credentials and test data only, using Demo Bank.",
    App.Type.PRODUCTION: "Connects with live banks and stores real end-user data.",
}
PRODUCTION_LOCKED = "Contact sales first."


class AppTypeSelect(forms.RadioSelect):
    """The two app types as cards, each with what it is for; a type that can't be chosen yet
    is shown disabled with the reason (the service refuses it too)."""

    template_name = "apps/widgets/app_type.html"
    option_template_name = "apps/widgets/app_type_option.html"

    def __init__(self, *args, locked: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.locked = locked or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["description"] = APP_TYPE_DESCRIPTIONS.get(value, "")
        option["locked"] = self.locked.get(value, "")
        described_by = f"{option['attrs']['id']}_description" if option["attrs"].get("id") else ""
        if option["locked"]:
            option["attrs"]["disabled"] = True
            option["selected"] = False
            option["attrs"].pop("checked", None)
        if described_by:
            option["attrs"]["aria-describedby"] = described_by
        return option


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
        widget=AppTypeSelect,
        help_text="The app type can't be changed later, so choose it yourself.",
        error_messages={
            "required": "Choose Sandbox or Production.",
            "invalid_choice": "Choose Sandbox or Production.",
        },
    )

    def __init__(self, *args, sales_contacted: bool, preselect: str | None = None, **kwargs):
        """No type is chosen for the user, since it can never change; a link that says which
        (the go-live checklist's ?type=production) preselects it, when it can be chosen."""
        super().__init__(*args, **kwargs)
        locked = {} if sales_contacted else {App.Type.PRODUCTION: PRODUCTION_LOCKED}
        self.fields["app_type"].widget.locked = locked
        if preselect in App.Type.values and preselect not in locked:
            self.initial["app_type"] = preselect


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
