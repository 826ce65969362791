from django import forms
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from accounts.forms import BoundedModelMultipleChoiceField
from apps.models import App
from products.models import MonthlyVolume

from .models import DocumentKind, Industry

COUNTRY_CHOICES = [("", "Choose a country"), *countries]


def _country_field(label: str, *, required: bool, message: str) -> LazyTypedChoiceField:
    return LazyTypedChoiceField(
        label=label,
        choices=COUNTRY_CHOICES,
        required=required,
        error_messages={"required": message, "invalid_choice": "Choose a country from the list."},
    )


class ProductionAccessForm(forms.Form):
    apps = BoundedModelMultipleChoiceField(
        label="Production apps",
        queryset=App.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The production apps that will use this product.",
        error_messages={
            "required": "Choose the production app or apps this access is for.",
            "invalid_choice": "Choose only production apps of your organization.",
            "invalid_pk_value": "Choose only production apps of your organization.",
        },
    )
    use_case = forms.CharField(
        label="Use case",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you will use the product for, and for whom.",
        error_messages={"required": "Tell us what you will use the product for."},
    )

    def __init__(self, *args, organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["apps"].queryset = App.objects.filter(
            organization=organization, app_type=App.Type.PRODUCTION
        ).order_by("name")
        self.fields["apps"].label_from_instance = lambda app: f"{app.name} ({app.client_id})"


class KybCompanyForm(forms.Form):
    """The company part of the KYB; every field may stay blank in a draft."""

    legal_name = forms.CharField(label="Legal entity name", max_length=200, required=False)
    registration_number = forms.CharField(
        label="Registration number",
        max_length=100,
        required=False,
        help_text="The number in the company register, e.g. 556677-8899.",
    )
    country = _country_field("Country of registration", required=False, message="")
    registered_address = forms.CharField(
        label="Registered address",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tax_id = forms.CharField(label="VAT or tax id", max_length=100, required=False)
    website = forms.URLField(
        label="Website",
        max_length=200,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a valid URL, like https://example.com."},
    )
    industry = forms.ChoiceField(
        label="Industry",
        choices=[("", "Choose an industry"), *Industry.choices],
        required=False,
        error_messages={"invalid_choice": "Choose an industry from the list."},
    )
    monthly_volume = forms.ChoiceField(
        label="Expected monthly volume",
        choices=[("", "Choose a volume"), *MonthlyVolume.choices],
        required=False,
        error_messages={"invalid_choice": "Choose an expected monthly volume."},
    )


class TypedInput:
    """For the small "add" forms of a step page: whether anything was typed into them, so
    Next or Back adds what was typed (or shows why it can't) instead of dropping it."""

    def has_input(self) -> bool:
        return any(
            str(self.data.get(self.add_prefix(name), "")).strip() for name in self.fields
        ) or any(self.add_prefix(name) in self.files for name in self.fields)


class NoBeneficialOwnersForm(forms.Form):
    """The owners step's own answer; always valid."""

    no_beneficial_owners = forms.BooleanField(
        label="No person owns 25 % or more of the company",
        required=False,
    )


class BeneficialOwnerForm(TypedInput, forms.Form):
    """Its ids carry their own prefix, so they never clash with another form's on a page."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "owner_%s")
        super().__init__(*args, **kwargs)

    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter the owner's full name."},
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Enter the owner's date of birth.",
            "invalid": "Enter the date of birth as YYYY-MM-DD.",
        },
    )
    nationality = _country_field(
        "Nationality", required=True, message="Choose the owner's nationality."
    )
    ownership = forms.DecimalField(
        label="Ownership (%)",
        max_digits=5,
        decimal_places=2,
        help_text="From 25 to 100.",
        error_messages={
            "required": "Enter the percentage this person owns.",
            "invalid": "Enter the percentage as a number, like 40 or 33.33.",
            "max_digits": "Enter a percentage from 25 to 100.",
            "max_decimal_places": "Use at most two decimals.",
            "max_whole_digits": "Enter a percentage from 25 to 100.",
        },
    )


class DirectorForm(TypedInput, forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "director_%s")
        super().__init__(*args, **kwargs)

    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter the director's full name."},
    )
    nationality = _country_field(
        "Nationality", required=True, message="Choose the director's nationality."
    )


class DropZoneInput(forms.FileInput):
    """A file input inside a drop zone: a label to click or to drop a file on (the drag and
    drop is static/js/console.js; without it the input is shown and takes drops itself)."""

    template_name = "kyb/widgets/drop_zone.html"


class DocumentForm(TypedInput, forms.Form):
    kind = forms.ChoiceField(
        label="Document",
        choices=[("", "Choose a document"), *DocumentKind.choices],
        error_messages={
            "required": "Choose which document this is.",
            "invalid_choice": "Choose which document this is.",
        },
    )
    file = forms.FileField(
        label="File",
        help_text="PDF, PNG or JPEG, at most 10 MB.",
        widget=DropZoneInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
        error_messages={
            "required": "Choose a file to upload.",
            "empty": "This file is empty.",
            "invalid": "Choose a file to upload.",
        },
    )


class ReviewNoteForm(forms.Form):
    """The staff's note that goes with a decision (the admin's review actions)."""

    note = forms.CharField(
        label="Note to the organization",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        max_length=2000,
    )
