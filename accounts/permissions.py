"""Who may do what in an organization: the one table that views consult.

Actions are plain strings so that every layer can name them without importing the layer
that implements them. A role missing from an action's set may not take it.
"""

from django.core.exceptions import PermissionDenied

from .models import Role

WRITERS = frozenset({Role.OWNER, Role.ADMIN, Role.DEVELOPER})
MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
OWNERS = frozenset({Role.OWNER})

PERMISSIONS: dict[str, frozenset[str]] = {
    "app.view": frozenset(Role.values),
    "app.create": WRITERS,
    "app.rename": WRITERS,
    "client_secret.create": WRITERS,
    "client_secret.revoke": WRITERS,
    "redirect_uri.change": WRITERS,
    # An app's end users (the sandbox's data): everyone sees them, writers delete one.
    "end_user.delete": WRITERS,
    # Going to production: everyone sees the catalog and the checklist; owners and admins take
    # the steps (a production app is created under app.create). KYB holds personal data, so
    # only they read it, documents included.
    "products.view": frozenset(Role.values),
    "sales.contact": MANAGERS,
    "production_access.request": MANAGERS,
    "kyb.view": MANAGERS,
    "kyb.edit": MANAGERS,
    # The team: every member sees who is in it; owners and admins invite, change roles and
    # remove members (only an owner touches an owner); owners alone transfer ownership,
    # require two-factor log-in and delete the organization.
    "team.view": frozenset(Role.values),
    "team.invite": MANAGERS,
    "team.change_role": MANAGERS,
    "team.remove": MANAGERS,
    "organization.transfer": OWNERS,
    "organization.require_two_factor": OWNERS,
    "organization.unused_secret_emails": OWNERS,
    "organization.delete": OWNERS,
    "audit.view": MANAGERS,
}

# Each action in words, for the Team page's table.
LABELS: dict[str, str] = {
    "app.view": "See apps",
    "app.create": "Create apps",
    "app.rename": "Rename apps",
    "client_secret.create": "Create client secrets",
    "client_secret.revoke": "Revoke client secrets",
    "redirect_uri.change": "Change redirect URIs",
    "end_user.delete": "Delete an app's users and their data",
    "products.view": "See products and the Go live checklist",
    "sales.contact": "Contact sales",
    "production_access.request": "Request production access",
    "kyb.view": "See KYB",
    "kyb.edit": "Complete KYB",
    "team.view": "See the team",
    "team.invite": "Invite people, resend and cancel invitations",
    "team.change_role": "Change members' roles",
    "team.remove": "Remove members",
    "organization.transfer": "Transfer ownership",
    "organization.require_two_factor": "Require two-factor log-in",
    "organization.unused_secret_emails": "Turn the unused secrets email on or off",
    "organization.delete": "Delete the organization",
    "audit.view": "See the audit log",
}

# What the Team page tells people each role may do (the table above, in words).
ROLE_SUMMARY: dict[str, str] = {
    Role.OWNER: "Everything, including ownership, two-factor rules and deleting the organization.",
    Role.ADMIN: "The team, apps, secrets, production steps and KYB; the audit log.",
    Role.DEVELOPER: "Apps, client secrets and redirect URIs.",
    Role.VIEWER: "Read-only: sees apps, products and the team; never creates a secret.",
}

DENIED = "Your role in this organization can't do this. Ask an owner or an admin."


def allows(role: str | None, action: str) -> bool:
    """True when `role` may take `action`; an unknown action is nobody's."""
    return role is not None and role in PERMISSIONS.get(action, frozenset())


def require(role: str | None, action: str) -> None:
    if not allows(role, action):
        raise PermissionDenied(DENIED)


# --- Owners -----------------------------------------------------------------------------------
# Only an owner touches an owner (changes their role or removes them), only an owner makes an
# owner, and the last owner stays one: the team services refuse the rest, and the Team page
# offers only what they allow.


def may_touch(actor_role: str | None, member_role: str) -> bool:
    """Whether `actor_role` may change the role of, or remove, a member with `member_role`."""
    return member_role != Role.OWNER or actor_role == Role.OWNER


def roles_given_by(actor_role: str | None) -> list[tuple[str, str]]:
    """The roles (value, label) that `actor_role` may give: only an owner makes an owner."""
    return [(value, label) for value, label in Role.choices if may_touch(actor_role, value)]


def stays_owner(member_role: str, *, owners: int) -> bool:
    """Whether a member must keep their role: the organization's last owner."""
    return member_role == Role.OWNER and owners == 1
