from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from allauth.account.models import EmailAddress
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from .models import AuditEvent, Membership, Organization, User

SESSION_KEY = "organization_id"
M = TypeVar("M", bound=Model)


def user_memberships(request: HttpRequest) -> list[Membership]:
    """The user's memberships with their organizations, oldest first: one query a request,
    which both the current organization and the top bar's switcher read."""
    if not hasattr(request, "_user_memberships"):
        user = request.user
        request._user_memberships = (
            list(
                Membership.objects.filter(user=user)
                .select_related("organization")
                .order_by("created_at", "pk")
            )
            if user.is_authenticated
            else []
        )
    return request._user_memberships


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership chosen in this session, else the user's oldest one."""
    memberships = user_memberships(request)
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.organization_id == chosen:
            return membership
    return memberships[0] if memberships else None


def current_organization(request: HttpRequest) -> Organization | None:
    membership = current_membership(request)
    return membership.organization if membership else None


def get_for_organization(request: HttpRequest, queryset: QuerySet[M], **lookups) -> M:
    """Fetch one object of the current organization, or raise 404.

    Every view that loads an organization's object goes through here, so another
    organization's ids are indistinguishable from ids that do not exist.
    """
    organization = request.organization
    if not organization:  # a lazy object: test its truth, not its identity
        raise Http404
    obj = queryset.filter(organization=organization, **lookups).first()
    if obj is None:
        raise Http404
    return obj


# --- The audit log ----------------------------------------------------------------------------


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_log(
    *,
    organization: Organization,
    actor: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The organization's entries, newest first. `actor` is an email as recorded (entries
    outlive their user's account); the dates are whole UTC days, both included."""
    events = AuditEvent.objects.filter(organization=organization)
    if actor:
        events = events.filter(actor_email=actor)
    if action:
        events = events.filter(action=action)
    if date_from is not None:
        events = events.filter(created_at__gte=_utc_midnight(date_from))
    if date_to is not None and date_to < date.max:
        events = events.filter(created_at__lt=_utc_midnight(date_to + timedelta(days=1)))
    return events.order_by("-created_at", "-pk")


def audit_actors(*, organization: Organization) -> list[str]:
    """Every actor's email seen in the organization's log, for the actor filter."""
    return list(
        AuditEvent.objects.filter(organization=organization)
        .exclude(actor_email="")
        .order_by("actor_email")
        .values_list("actor_email", flat=True)
        .distinct()
    )


def email_held_only_by_pending_changes(email: str) -> bool:
    """Whether the only claims on `email` are other accounts' unverified email changes (not
    an account's log-in address): such an address is free to sign up with."""
    holders = list(EmailAddress.objects.filter(email__iexact=email).values("verified", "primary"))
    if not holders or User.objects.filter(email__iexact=email).exists():
        return False
    return not any(holder["verified"] or holder["primary"] for holder in holders)
