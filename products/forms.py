from django import forms
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from accounts.forms import BoundedModelMultipleChoiceField

from .models import MonthlyVolume, Product


class SalesContactForm(forms.Form):
    company_name = forms.CharField(
        label="Company name",
        max_length=200,
        error_messages={"required": "Enter your company's name."},
    )
    work_email = forms.EmailField(
        label="Work email",
        max_length=254,
        error_messages={
            "required": "Enter your work email.",
            "invalid": "Enter a valid email address.",
        },
    )
    country = LazyTypedChoiceField(
        label="Country",
        choices=[("", "Choose a country")] + list(countries),
        error_messages={
            "required": "Choose your company's country.",
            "invalid_choice": "Choose a country from the list.",
        },
    )
    website = forms.URLField(
        label="Website",
        max_length=200,
        assume_scheme="https",
        error_messages={
            "required": "Enter your company's website.",
            "invalid": "Enter a valid URL, like https://example.com.",
        },
    )
    products = BoundedModelMultipleChoiceField(
        label="Products of interest",
        queryset=Product.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one product.",
            "invalid_choice": "Choose products from the list.",
            "invalid_pk_value": "Choose products from the list.",
        },
    )
    monthly_volume = forms.ChoiceField(
        label="Expected monthly volume",
        choices=[("", "Choose a volume")] + MonthlyVolume.choices,
        help_text="End users or payments a month, once you are live.",
        error_messages={
            "required": "Choose an expected monthly volume.",
            "invalid_choice": "Choose an expected monthly volume.",
        },
    )
    message = forms.CharField(
        label="Message",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Anything our business team should know (optional).",
    )
