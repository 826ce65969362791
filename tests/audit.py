"""The audit log as a test reads it: take the last entry's id before an action, then look at
every entry written after it, so that "exactly one entry" also means nothing else was written."""

from django.db.models import Max

from accounts.models import AuditEvent


def last_id() -> int:
    return AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0


def written_since(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))


def only_entry(before: int, action: str) -> AuditEvent:
    """The one entry written since `before`, which must be `action`."""
    entries = written_since(before)
    assert [entry.action for entry in entries] == [action]
    return entries[0]


def assert_organization_target(entry: AuditEvent, organization, actor) -> None:
    """The entry is about the organization itself, done by `actor`."""
    assert entry.organization == organization
    assert entry.actor == actor
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "organization",
        str(organization.pk),
        organization.name,
    )
