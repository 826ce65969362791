from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .admin_mixins import RefusesWrites
from .models import AuditEvent, Membership, Organization, OutboundEmail, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(RefusesWrites, admin.ModelAdmin):
    """Read-only: the bodies hold one-time links and are never shown."""

    refuses = frozenset({"add", "change"})

    list_display = ["subject", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    fields = ["id", "to", "subject", "status", "attempts", "last_error", "created_at", "sent_at"]
    readonly_fields = fields


@admin.register(AuditEvent)
class AuditEventAdmin(RefusesWrites, admin.ModelAdmin):
    """Append-only: entries are viewed here, never added, changed or deleted."""

    list_display = ["created_at", "action", "actor_email", "organization", "target_label", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_email", "target_label", "target_id", "organization__name"]
    list_select_related = ["organization"]
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
