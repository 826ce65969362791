"""The admin's read-only rule, written once: every write the Console allows goes through a
service (an action, a save_model that calls one), never through the admin's own forms."""

from django.http import HttpRequest


class RefusesWrites:
    """Mix into a ModelAdmin or an inline, before it: the writes named in `refuses` ("add",
    "change", "delete") are nobody's, superusers' included; the others follow Django's
    permissions. Viewing is never refused here."""

    refuses: frozenset[str] = frozenset({"add", "change", "delete"})

    # *args: a ModelAdmin's has_add_permission takes (request), an inline's (request, obj).
    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return "add" not in self.refuses and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return "change" not in self.refuses and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return "delete" not in self.refuses and super().has_delete_permission(request, obj)
