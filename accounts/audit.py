"""Appending to the audit log: one entry per sensitive action, with the request's origin."""

from .models import AuditEvent, Organization, User
from .origin import current_origin


def audit_record(
    *,
    organization: Organization,
    actor: User | None,
    action: str,
    target=None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    details: dict | None = None,
    actor_name: str = "",
) -> AuditEvent:
    """Append one entry to the audit log, with the current request's origin if there is one.

    `target` is the object the action was about (anything with an `audit_target`: a user, an
    organization, an app); without one, the target's type, id and label are given by hand (an
    invitation's address, say, which belongs to no account yet). `actor_name` names who acted
    when no account did ("GitHub secret scanning"); with neither, the entry says "Console".
    """
    if target is not None:
        target_type, target_id, target_label = target.audit_target
    origin = current_origin()
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        actor_email=actor.email if actor else "",
        actor_name="" if actor else actor_name,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:200],
        details=details or {},
        ip=origin.ip if origin else None,
        user_agent=origin.user_agent if origin else "",
    )
