from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from .models import AuditEvent, Invitation, Membership, Organization, Role, User

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
    outlive their user's account), or the name of who acted without an account ("GitHub secret
    scanning"); the dates are whole UTC days, both included."""
    events = AuditEvent.objects.filter(organization=organization)
    if actor:
        events = events.filter(Q(actor_email=actor) | Q(actor_email="", actor_name=actor))
    if action:
        events = events.filter(action=action)
    if date_from is not None:
        events = events.filter(created_at__gte=_utc_midnight(date_from))
    if date_to is not None and date_to < date.max:
        events = events.filter(created_at__lt=_utc_midnight(date_to + timedelta(days=1)))
    return events.order_by("-created_at", "-pk")


def audit_actors(*, organization: Organization) -> list[str]:
    """Every actor seen in the organization's log (emails, then names of who acted without an
    account), for the actor filter."""
    entries = AuditEvent.objects.filter(organization=organization)
    emails = entries.exclude(actor_email="").values_list("actor_email", flat=True)
    names = entries.filter(actor_email="").exclude(actor_name="")
    return sorted(set(emails.distinct().order_by())) + sorted(
        set(names.values_list("actor_name", flat=True).distinct().order_by())
    )


def email_held_only_by_pending_changes(email: str) -> bool:
    """Whether the only claims on `email` are other accounts' unverified email changes (not
    an account's log-in address): such an address is free to sign up with."""
    holders = list(EmailAddress.objects.filter(email__iexact=email).values("verified", "primary"))
    if not holders or User.objects.filter(email__iexact=email).exists():
        return False
    return not any(holder["verified"] or holder["primary"] for holder in holders)


def managers_of(organization: Organization) -> list[str]:
    """The addresses that hear about the organization's production steps: owners and admins."""
    return list(
        Membership.objects.filter(organization=organization, role__in=[Role.OWNER, Role.ADMIN])
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


# --- The team ---------------------------------------------------------------------------------


def organization_role(organization: Organization, user: User | None) -> str | None:
    """The user's role in the organization, or None for a visitor or a non-member."""
    if user is None:
        return None
    return (
        Membership.objects.filter(organization=organization, user=user)
        .values_list("role", flat=True)
        .first()
    )


def owner_count(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.OWNER).count()


INVITATION_UNKNOWN = "This invitation link isn't valid. Ask for a new invitation."
INVITATION_USED = "This invitation was already used. Ask for a new invitation if you need one."
INVITATION_CANCELLED = "This invitation was cancelled. Ask for a new invitation if you need one."
INVITATION_EXPIRED = "This invitation has expired. Ask for a new invitation."


def invitation_problem(invitation: Invitation | None) -> str:
    """Why the invitation can't be accepted, or "" when it can."""
    if invitation is None:
        return INVITATION_UNKNOWN
    if invitation.accepted_at is not None:
        return INVITATION_USED
    if invitation.cancelled_at is not None:
        return INVITATION_CANCELLED
    if invitation.expires_at <= timezone.now():
        return INVITATION_EXPIRED
    return ""


def invitation_refusal(*, invitation: Invitation, user: User) -> ValidationError | None:
    """Why `user` can't join with this pending invitation, or None: the page shows it before
    anyone presses Join, and invitation_accept raises it."""
    if user.email.lower() != invitation.email.lower():
        return ValidationError(
            f"This invitation is for {invitation.email}, and you are logged in as {user.email}. "
            f"Log out, then open the link again and log in or sign up as {invitation.email}.",
            code="wrong_account",
        )
    if Membership.objects.filter(organization=invitation.organization, user=user).exists():
        return ValidationError(
            f"You are already a member of {invitation.organization.name}.", code="member"
        )
    return None


def _others_in(user: User):
    return Membership.objects.filter(organization=OuterRef("pk")).exclude(user=user)


def organizations_alone_in(user: User) -> list[Organization]:
    """The organizations where the user is the only member (deleted with the account)."""
    return list(
        Organization.objects.filter(memberships__user=user)
        .exclude(Exists(_others_in(user)))
        .order_by("name", "pk")
    )


def account_delete_problem(*, user: User) -> str:
    """Why the account can't be deleted now, or "": the last owner of a team must hand it on."""
    stuck = (
        Organization.objects.filter(memberships__user=user, memberships__role=Role.OWNER)
        .filter(Exists(_others_in(user)))
        .exclude(Exists(_others_in(user).filter(role=Role.OWNER)))
        .order_by("pk")
        .first()
    )
    if stuck is None:
        return ""
    return f"You are the last owner of {stuck.name}. Transfer ownership to another member first."
