from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.admin_mixins import RefusesWrites

from . import services
from .models import App, ClientSecret, RedirectURI


class ClientSecretInline(RefusesWrites, admin.TabularInline):
    refuses = frozenset({"add"})
    """Hints only: the secrets themselves are never stored, and their hashes are not shown."""

    model = ClientSecret
    fields = [
        "hint",
        "name",
        "slot",
        "created_at",
        "created_by",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "ended_reason",
    ]
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


class LeakReportForm(forms.Form):
    """A leak found elsewhere than by GitHub: the same road (apps.services.
    client_secret_leak_report), reported by the staff member."""

    token = forms.CharField(
        label="Client secret",
        strip=True,
        max_length=1000,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "size": 70}),
        help_text="The whole secret as it was found (tink_cs_…). It is hashed, never stored.",
    )
    url = forms.CharField(
        label="Found at",
        max_length=2000,
        required=False,
        help_text="Where it was found: a URL, a ticket, a paste.",
    )
    source = forms.CharField(
        label="Found in",
        max_length=100,
        required=False,
        help_text="For example: commit, issue, pastebin, support email.",
    )


@admin.register(ClientSecret)
class ClientSecretAdmin(RefusesWrites, admin.ModelAdmin):
    refuses = frozenset({"add", "delete"})
    change_list_template = "admin/apps/clientsecret/change_list.html"
    list_display = [
        "hint",
        "name",
        "app",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "ended_reason",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "ended_reason"]
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
        "expires_at",
        "revoked_at",
        "revoked_by",
        "ended_reason",
        "leak_url",
        "leak_source",
    ]
    readonly_fields = fields
    actions = [revoke_secrets]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # The list's "Report a leaked secret" link is for those who may change secrets.
        extra_context = {
            "may_report_leak": self.has_change_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        report = path(
            "report-leak/",
            self.admin_site.admin_view(
                sensitive_post_parameters("token")(
                    require_http_methods(["GET", "POST"])(self.report_leak_view)
                )
            ),
            name="apps_clientsecret_report_leak",
        )
        return [report, *super().get_urls()]

    def report_leak_view(self, request: HttpRequest) -> HttpResponse:
        """Report a leaked secret: revoked at once, the owners emailed, as GitHub's reports."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = LeakReportForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            verdict = services.client_secret_leak_report(
                token=form.cleaned_data["token"],
                url=form.cleaned_data["url"],
                source=form.cleaned_data["source"],
                reported_by=request.user,
            )
            if verdict.revoked:
                self.message_user(
                    request,
                    f"{verdict.secret.hint}… of {verdict.secret.app} is revoked as leaked; its "
                    "organization's owners and admins are emailed.",
                    messages.SUCCESS,
                )
                return redirect("admin:apps_clientsecret_change", verdict.secret.pk)
            if verdict.secret is not None:
                self.message_user(
                    request,
                    f"{verdict.secret.hint}… had already stopped working: nothing changed.",
                    messages.WARNING,
                )
                return redirect("admin:apps_clientsecret_change", verdict.secret.pk)
            form.add_error("token", "This is not a client secret of ours: nothing changed.")
        context = {
            **self.admin_site.each_context(request),
            "title": "Report a leaked client secret",
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(request, "admin/apps/clientsecret/report_leak.html", context)
