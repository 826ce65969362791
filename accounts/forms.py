from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from . import services
from .models import MAX_ID, AuditEvent, Membership, Role, User
from .validators import name_clean

# --- Ids of rows ----------------------------------------------------------------------------
# An id from a form is bounded before it reaches a query: SQLite raises OverflowError on an
# integer beyond 64 bits (a 500) where PostgreSQL finds nothing. Every app's forms use these.


class IdField(forms.IntegerField):
    """A row's id: a whole number from 1 to MAX_ID, else the field's own error."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


def _key_fits(field: forms.ModelChoiceField, value) -> bool:
    """Whether `value` is something the key column of the field's queryset can hold: in
    range for an integer key, well-formed for a UUID."""
    meta = field.queryset.model._meta
    key = meta.get_field(field.to_field_name) if field.to_field_name else meta.pk
    try:
        key.run_validators(key.to_python(value))
    except ValidationError:
        return False
    return True


class BoundedModelChoiceField(forms.ModelChoiceField):
    """A key the column can't hold is the field's invalid_choice error, with no query."""

    def to_python(self, value):
        if (
            value not in self.empty_values
            and not isinstance(value, self.queryset.model)
            and not _key_fits(self, value)
        ):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A key the column can't hold is the field's invalid_pk_value error, with no query."""

    def _check_values(self, value):
        for pk in value:
            if not _key_fits(self, pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class SignupForm(forms.Form):
    """Extra fields of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    field_order = ["email", "password1", "password2", "organization_name"]

    organization_name = forms.CharField(
        label="Organization name",
        max_length=100,
        error_messages={"required": "Enter your organization's name."},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )

    def clean_organization_name(self) -> str:
        """The organization's name rule, checked before allauth creates the user."""
        try:
            return name_clean(
                self.cleaned_data["organization_name"],
                field="organization_name",
                label="your organization's name",
            )
        except ValidationError as error:
            raise ValidationError(error.message_dict["organization_name"]) from None

    def signup(self, request: HttpRequest, user: User) -> None:
        """Called by allauth in the sign-up's transaction, once the user exists."""
        services.organization_create(name=self.cleaned_data["organization_name"], owner=user)


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


# --- The team -------------------------------------------------------------------------------


class InvitationForm(forms.Form):
    """Invite a member. `roles` are the roles the inviter may give (an admin can't make an
    owner); the service checks again."""

    email = forms.EmailField(
        label="Email",
        max_length=254,
        error_messages={"required": "Enter the email address of the person to invite."},
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label="Role", error_messages={"required": "Choose a role."})

    def __init__(self, *args, roles: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        self.fields["role"].error_messages["invalid_choice"] = "Choose one of the roles listed."


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        error_messages={"required": "Choose a role.", "invalid_choice": "Choose a role."},
    )


class OwnershipTransferForm(forms.Form):
    member = BoundedModelChoiceField(
        label="New owner",
        queryset=Membership.objects.none(),
        empty_label="Choose a member",
        error_messages={
            "required": "Choose the member who becomes an owner.",
            "invalid_choice": "Choose a member of this organization.",
        },
    )

    def __init__(self, *args, candidates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        field.queryset = candidates
        field.label_from_instance = lambda membership: (
            f"{membership.user.email} ({membership.get_role_display()})"
        )


class TwoFactorRequirementForm(forms.Form):
    required = forms.BooleanField(
        label="Require two-factor log-in for every member", required=False
    )


class UnusedSecretEmailsForm(forms.Form):
    enabled = forms.BooleanField(
        label="Email owners and admins every week about client secrets unused for 90 days",
        required=False,
    )


class OrganizationDeleteForm(forms.Form):
    confirm_name = forms.CharField(
        label="Organization name",
        max_length=100,
        strip=False,  # the service compares what was typed, trimmed, with the name
        error_messages={"required": "Type the organization's name to confirm."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class OrganizationSwitchForm(forms.Form):
    organization = IdField()


class InvitationSignupForm(forms.Form):
    """A new account for the invited address, which the invitation already proves."""

    email = forms.EmailField(label="Email", disabled=True, required=False)
    password1 = forms.CharField(
        label="Password",
        strip=False,
        error_messages={"required": "Choose a password."},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password (again)",
        strip=False,
        error_messages={"required": "Type the password again."},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if (
            data.get("password1")
            and data.get("password2")
            and data["password1"] != data["password2"]
        ):
            self.add_error("password2", "You must type the same password each time.")
        return data


class AccountDeleteForm(forms.Form):
    """Asks for the password again: a stolen session alone can't delete the account."""

    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Your Console account password.",
        error_messages={"required": "Enter your Console account password."},
    )


NOT_APPLIED = "This filter was not applied."


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(
        label="Actor",
        required=False,
        error_messages={"invalid_choice": f"Choose an actor from the list. {NOT_APPLIED}"},
    )
    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "All actions"), *AuditEvent.Action.choices],
        error_messages={"invalid_choice": f"Choose an action from the list. {NOT_APPLIED}"},
    )
    date_from = forms.DateField(
        label="From (UTC)",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": f"Enter a date as YYYY-MM-DD. {NOT_APPLIED}"},
    )
    date_to = forms.DateField(
        label="To (UTC)",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": f"Enter a date as YYYY-MM-DD. {NOT_APPLIED}"},
    )

    def __init__(self, data, *, actors: list[str]) -> None:
        super().__init__(data)
        self.fields["actor"].choices = [("", "All actors"), *((email, email) for email in actors)]

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", f"Choose a date on or after the start date. {NOT_APPLIED}")
        return cleaned

    def filters(self) -> dict:
        """The filters that make sense; one with an error is left out (cleaned_data has no
        field that failed)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
