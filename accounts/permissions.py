"""Who may do what in an organization: the one table that views consult.

Actions are plain strings so that every layer can name them without importing the layer
that implements them. A role missing from an action's set may not take it.
"""

from django.core.exceptions import PermissionDenied

from .models import Role

WRITERS = frozenset({Role.OWNER, Role.ADMIN, Role.DEVELOPER})
MANAGERS = frozenset({Role.OWNER, Role.ADMIN})

PERMISSIONS: dict[str, frozenset[str]] = {
    "app.view": frozenset(Role.values),
    "app.create": WRITERS,
    "app.rename": WRITERS,
    "client_secret.create": WRITERS,
    "client_secret.revoke": WRITERS,
    "redirect_uri.change": WRITERS,
    # Going to production: everyone sees the catalog and the checklist; owners and admins take
    # the steps (a production app is created under app.create). KYB holds personal data, so
    # only they read it, documents included.
    "products.view": frozenset(Role.values),
    "sales.contact": MANAGERS,
    "production_access.request": MANAGERS,
    "kyb.view": MANAGERS,
    "kyb.edit": MANAGERS,
}

DENIED = "Your role in this organization can't do this. Ask an owner or an admin."


def allows(role: str | None, action: str) -> bool:
    """True when `role` may take `action`; an unknown action is nobody's."""
    return role is not None and role in PERMISSIONS.get(action, frozenset())


def require(role: str | None, action: str) -> None:
    if not allows(role, action):
        raise PermissionDenied(DENIED)
