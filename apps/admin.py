from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.admin_mixins import RefusesWrites

from . import services
from .models import App, ClientSecret, RedirectURI


class ClientSecretInline(RefusesWrites, admin.TabularInline):
    refuses = frozenset({"add"})
    """Hints only: the secrets themselves are never stored, and their hashes are not shown."""

    model = ClientSecret
    fields = ["hint", "name", "slot", "created_at", "created_by", "last_used_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


class RedirectURIInline(RefusesWrites, admin.TabularInline):
    refuses = frozenset({"add"})
    model = RedirectURI
    fields = ["uri", "created_at", "created_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class AppAdminForm(forms.ModelForm):
    class Meta:
        model = App
        fields = ["name"]

    def clean_name(self) -> str:
        try:
            return services.app_name_validate(
                organization=self.instance.organization,
                name=self.cleaned_data["name"],
                exclude=self.instance,
            )
        except ValidationError as error:
            raise ValidationError(error.message_dict["name"]) from None


@admin.register(App)
class AppAdmin(RefusesWrites, admin.ModelAdmin):
    """Staff may rename an app (through app_rename); nothing else about an app changes here."""

    refuses = frozenset({"add", "delete"})

    list_display = ["name", "display_name", "app_type", "organization", "client_id", "created_at"]
    list_filter = ["app_type"]
    search_fields = ["name", "display_name", "client_id", "organization__name"]
    list_select_related = ["organization"]
    fields = [
        "name",
        "display_name",
        "app_type",
        "client_id",
        "organization",
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [field for field in fields if field != "name"]
    form = AppAdminForm
    inlines = [ClientSecretInline, RedirectURIInline]

    def save_model(self, request: HttpRequest, obj: App, form, change: bool) -> None:
        name = form.cleaned_data["name"]
        fresh = App.objects.get(pk=obj.pk)
        services.app_rename(app=fresh, name=name, renamed_by=request.user)


@admin.action(description="Revoke the selected client secrets")
def revoke_secrets(modeladmin, request: HttpRequest, queryset) -> None:
    count = 0
    for secret in queryset.filter(revoked_at__isnull=True).select_related("app"):
        services.client_secret_revoke(secret=secret, revoked_by=request.user)
        count += 1
    modeladmin.message_user(request, f"{count} client secret(s) revoked.", messages.SUCCESS)


@admin.register(ClientSecret)
class ClientSecretAdmin(RefusesWrites, admin.ModelAdmin):
    refuses = frozenset({"add", "delete"})
    list_display = ["hint", "name", "app", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["hint", "name", "app__name", "app__client_id"]
    list_select_related = ["app"]
    fields = [
        "app",
        "hint",
        "name",
        "slot",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields
    actions = [revoke_secrets]
