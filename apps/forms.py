from datetime import UTC, date, datetime, timedelta

from django import forms
from django.utils import timezone

from accounts.validators import NAME_MAX_LENGTH

from .models import MAX_EXPIRY_DAYS, App
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


# When a secret stops working, as Stripe's "Roll key" offers it; "date" takes `expires_on`.
EXPIRY_AFTER = {
    "now": timedelta(0),
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}
ROLL_EXPIRY_CHOICES = [
    ("now", "Now"),
    ("1h", "In 1 hour"),
    ("24h", "In 24 hours"),
    ("7d", "In 7 days"),
    ("date", "On a date"),
]
CREATE_EXPIRY_CHOICES = [("never", "Never"), *ROLL_EXPIRY_CHOICES[1:]]
EXPIRY_DATE_HELP = (
    f"Within {MAX_EXPIRY_DAYS} days. It stops working as that day begins, at 00:00 UTC."
)


def _today() -> date:
    return timezone.now().astimezone(UTC).date()


class ExpiryForm(forms.Form):
    """An expiry chosen from EXPIRY_AFTER, or a date within MAX_EXPIRY_DAYS; `expires_at()`
    turns it into the moment, counted from when the form is sent."""

    expiry_choices = CREATE_EXPIRY_CHOICES
    expiry_initial = "never"  # and what a form sent without a choice means, when not required
    expiry_required = False
    expiry_label = "Expires"

    expires = forms.ChoiceField(
        widget=forms.RadioSelect(attrs={"class": "choice-list"}),
        error_messages={
            "required": "Choose when it expires.",
            "invalid_choice": "Choose when it expires.",
        },
    )
    expires_on = forms.DateField(
        label="Expiry date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "data-expiry-date": ""}, format="%Y-%m-%d"),
        help_text=EXPIRY_DATE_HELP,
        error_messages={"invalid": "Enter a date, like 2026-12-31."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["expires"]
        field.choices = self.expiry_choices
        field.label = self.expiry_label
        field.required = self.expiry_required
        self.initial.setdefault("expires", self.expiry_initial)
        today = _today()
        self.fields["expires_on"].widget.attrs.update(
            min=(today + timedelta(days=1)).isoformat(),
            max=(today + timedelta(days=MAX_EXPIRY_DAYS)).isoformat(),
        )

    def clean_expires(self) -> str:
        return self.cleaned_data["expires"] or self.expiry_initial

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("expires") == "date":
            chosen = cleaned.get("expires_on")
            today = _today()
            if chosen is None and "expires_on" not in self.errors:
                self.add_error("expires_on", "Enter the date it expires.")
            elif chosen is not None and not today < chosen <= today + timedelta(
                days=MAX_EXPIRY_DAYS
            ):
                self.add_error(
                    "expires_on",
                    f"Choose a date from tomorrow to {MAX_EXPIRY_DAYS} days from today.",
                )
        return cleaned

    def expires_at(self) -> datetime | None:
        choice = self.cleaned_data["expires"]
        if choice == "never":
            return None
        if choice == "date":
            return datetime.combine(self.cleaned_data["expires_on"], datetime.min.time(), UTC)
        return timezone.now() + EXPIRY_AFTER[choice]


class ClientSecretCreateForm(ExpiryForm):
    """Asks for the account password again: a stolen session alone can't mint secrets."""

    field_order = ["name", "expires", "expires_on", "password"]
    no_form_token = NO_FORM_TOKEN

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
            raise forms.ValidationError(self.no_form_token, code="no_form_token")
        return cleaned


class ClientSecretRollForm(ClientSecretCreateForm):
    """Roll: a new secret now, and when the old one stops working."""

    expiry_choices = ROLL_EXPIRY_CHOICES
    expiry_initial = "24h"
    expiry_required = True
    expiry_label = "The old secret stops working"
    field_order = ["expires", "expires_on", "password"]
    no_form_token = (
        "This form came without its one-time token, so nothing was rolled. "  # noqa: S105
        "Enter your password again and select Roll secret."
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["name"]  # the new secret keeps the old one's name


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
