import hashlib
import logging
import random
import secrets
import smtplib
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from . import audit, encryption, permissions
from .models import AuditEvent, Invitation, Membership, Organization, OutboundEmail, Role, User
from .secure_links import SecureLink
from .validators import name_clean

logger = logging.getLogger(__name__)


def organization_create(*, name: str, owner: User) -> Organization:
    name = name_clean(name, field="organization_name", label="your organization's name")
    organization = Organization.objects.create(name=name)
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    return organization


def audit_record(
    *,
    organization: Organization,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: str,
    target_label: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append one entry to the audit log, with the current request's origin if there is one."""
    origin = audit.current_origin()
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:200],
        details=details or {},
        ip=origin.ip if origin else None,
        user_agent=origin.user_agent if origin else "",
    )


# --- The email outbox -----------------------------------------------------------------------


class EmailDeliveryError(Exception):
    """A delivery that may succeed later (the SMTP server is down or refused for now)."""


def email_queue(*, message: EmailMessage) -> OutboundEmail:
    """Keep a rendered message in the outbox and hand it to the worker after commit.

    If the transaction rolls back, the row and the task go with it: nothing is sent for a
    sign-up that did not happen. If the broker is down, the row stays pending and
    outbox_flush queues it again once the broker is back.
    """
    html = ""
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            html = content
    text = message.body
    if getattr(message, "content_subtype", "plain") == "html" and not html:
        html, text = message.body, ""
    outbound = OutboundEmail.objects.create(
        to=list(message.to),
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        subject=message.subject[:255],
        body_text_encrypted=encryption.encrypt(text),
        body_html_encrypted=encryption.encrypt(html),
    )
    transaction.on_commit(lambda: email_publish(outbox_id=str(outbound.pk)))
    return outbound


def email_publish(*, outbox_id: str) -> bool:
    """Queue the delivery task; never raise, since the outbox row already keeps the message."""
    from .tasks import deliver_email

    try:
        deliver_email.apply_async(args=[outbox_id])
    except Exception as exc:  # any broker failure: the outbox row is the safety net
        logger.warning(
            "Broker unavailable (%s); email %s stays in the outbox.", type(exc).__name__, outbox_id
        )
        return False
    return True


EMAIL_RETRY_CAP_SECONDS = 600


def email_retry_countdown(*, retries: int) -> float:
    """Seconds before retry number `retries` + 1: exponential, capped, with "equal jitter".

    Half of the interval is fixed and half random, so retries of many messages after one
    outage spread out, yet none comes back immediately.
    """
    ceiling = min(EMAIL_RETRY_CAP_SECONDS, settings.CONSOLE_EMAIL_RETRY_BACKOFF * 2**retries)
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - spreading load, not a secret


def email_deliver(*, outbox_id: str, retry_in: float = 0) -> bool:
    """Send one outbox message over SMTP, at most once as far as this database can tell.

    The row is locked for the duration of the send, so two workers running the same task
    (late acks make that possible) cannot both send it: the second skips the locked row,
    then finds it sent. Returns True if this call sent it.

    On failure the row records the attempt and is marked as queued `retry_in` seconds from
    now, the time of the task's own retry, so outbox_flush leaves it alone until that retry
    is overdue: one message never has two retry chains.

    Delivery is at least once: a worker that dies after the SMTP server took the message but
    before the commit sends it again, with the same Message-ID for the receiver to drop.
    """
    failure: Exception | None = None
    with transaction.atomic():
        outbound = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=outbox_id, status=OutboundEmail.Status.PENDING)
            .first()
        )
        if outbound is None:
            return False
        try:
            _smtp_send(outbound)
        except (smtplib.SMTPException, OSError) as exc:
            failure = exc
            outbound.attempts += 1
            outbound.last_error = f"{type(exc).__name__}: {exc}"[:255]
            outbound.queued_at = timezone.now() + timedelta(seconds=retry_in)
            outbound.save(update_fields=["attempts", "last_error", "queued_at"])
        else:
            outbound.status = OutboundEmail.Status.SENT
            outbound.sent_at = timezone.now()
            outbound.attempts += 1
            outbound.last_error = ""
            # The bodies carry one-time links; nothing needs them once sent.
            outbound.body_text_encrypted = ""
            outbound.body_html_encrypted = ""
            outbound.save()
    if failure is not None:
        raise EmailDeliveryError(str(failure)) from failure
    return True


def _smtp_send(outbound: OutboundEmail) -> None:
    text = encryption.decrypt(outbound.body_text_encrypted)
    html = encryption.decrypt(outbound.body_html_encrypted)
    message = EmailMultiAlternatives(
        subject=outbound.subject,
        body=text,
        from_email=outbound.from_email,
        to=outbound.to,
        headers={"Message-ID": outbound.message_id},
        connection=get_connection(fail_silently=False),
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def outbox_requeue(*, older_than: timedelta | None = None) -> int:
    """Queue again every pending message that has waited too long (broker or SMTP outage)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.CONSOLE_OUTBOX_STALE_SECONDS)
    now = timezone.now()
    # Links in these emails expire after a few days; older ones are not worth sending.
    horizon = now - timedelta(days=settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS)
    stale = list(
        OutboundEmail.objects.filter(
            status=OutboundEmail.Status.PENDING,
            queued_at__lte=now - older_than,
            created_at__gte=horizon,
        )
        .order_by("queued_at")
        .values_list("pk", flat=True)[:500]
    )
    if not stale:
        return 0
    OutboundEmail.objects.filter(pk__in=stale).update(queued_at=now)
    queued = 0
    for pk in stale:
        if not email_publish(outbox_id=str(pk)):
            break
        queued += 1
    return queued


# --- The team: invitations, roles, ownership ------------------------------------------------

INVITATION_DAYS = 7
MAX_PENDING_INVITATIONS = 50
# A resend mints a new link; once a minute is plenty for a person and stops an email flood.
INVITATION_RESEND_SECONDS = 60
LAST_OWNER = (
    "You are the organization's last owner. Transfer ownership to another member first, "
    "or delete the organization."
)


def invitation_token_hash(token: str) -> str:
    """The stored form of an invitation link's token (256 random bits: a plain SHA-256 will do,
    as for any random token)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _role_in(organization: Organization, user: User | None) -> str | None:
    if user is None:
        return None
    return (
        Membership.objects.filter(organization=organization, user=user)
        .values_list("role", flat=True)
        .first()
    )


def _lock_organization(organization: Organization) -> Organization:
    # One team change at a time per organization: the last-owner and pending-invitation counts
    # stay true under concurrent requests.
    return Organization.objects.select_for_update().get(pk=organization.pk)


def _audit_team(
    organization: Organization, actor: User | None, action: str, *, email: str, **details
) -> None:
    audit_record(
        organization=organization,
        actor=actor,
        action=action,
        target_type="user",
        target_id=email,
        target_label=email,
        details=details,
    )


def _send_invitation(invitation: Invitation, token: str) -> None:
    from . import emails

    emails.invitation_send(invitation=invitation, token=token)


@transaction.atomic
def invitation_create(
    *, organization: Organization, email: str, role: str, invited_by: User
) -> Invitation:
    """Invite `email` with `role`; the link goes out by email and lives INVITATION_DAYS days."""
    organization = _lock_organization(organization)
    inviter_role = _role_in(organization, invited_by)
    permissions.require(inviter_role, "team.invite")
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    if role == Role.OWNER and inviter_role != Role.OWNER:
        raise ValidationError({"role": "Only an owner can invite another owner."})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {organization.name}."})
    now = timezone.now()
    open_invitations = Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, cancelled_at__isnull=True
    )
    existing = open_invitations.filter(email__iexact=email).first()
    if existing is not None and existing.expires_at > now:
        raise ValidationError(
            {"email": f"{email} is already invited. Resend the invitation from the list below."}
        )
    if existing is not None:  # expired: the new invitation replaces it
        existing.cancelled_at = now
        existing.save(update_fields=["cancelled_at"])
    if open_invitations.filter(expires_at__gt=now).count() >= MAX_PENDING_INVITATIONS:
        raise ValidationError(
            f"{organization.name} already has {MAX_PENDING_INVITATIONS} pending invitations, "
            "the most it can have. Cancel some before you invite more people.",
            code="too_many",
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=invitation_token_hash(token),
        invited_by=invited_by,
        created_at=now,
        sent_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    _audit_team(
        organization, invited_by, AuditEvent.Action.INVITATION_CREATE, email=email, role=role
    )
    _send_invitation(invitation, token)
    return invitation


def _lock_open_invitation(invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.open:
        raise ValidationError(
            "This invitation was already accepted or cancelled.", code="not_pending"
        )
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, resent_by: User) -> Invitation:
    """A new link (the old one stops working) valid INVITATION_DAYS days from now."""
    organization = _lock_organization(invitation.organization)
    permissions.require(_role_in(organization, resent_by), "team.invite")
    invitation = _lock_open_invitation(invitation)
    now = timezone.now()
    if invitation.sent_at > now - timedelta(seconds=INVITATION_RESEND_SECONDS):
        raise ValidationError(
            "This invitation was sent less than a minute ago. Wait a moment before sending it "
            "again.",
            code="too_soon",
        )
    token = secrets.token_urlsafe(32)
    invitation.token_hash = invitation_token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    _audit_team(
        organization, resent_by, AuditEvent.Action.INVITATION_RESEND, email=invitation.email
    )
    _send_invitation(invitation, token)
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, cancelled_by: User) -> Invitation:
    organization = _lock_organization(invitation.organization)
    permissions.require(_role_in(organization, cancelled_by), "team.invite")
    invitation = _lock_open_invitation(invitation)
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    _audit_team(
        organization, cancelled_by, AuditEvent.Action.INVITATION_CANCEL, email=invitation.email
    )
    return invitation


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


def _locked_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organization")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )
    problem = invitation_problem(invitation)
    if problem:
        raise ValidationError(problem, code="invitation")
    return invitation


def _join(invitation: Invitation, user: User) -> Membership:
    now = timezone.now()
    membership = Membership.objects.create(
        user=user, organization=invitation.organization, role=invitation.role
    )
    invitation.accepted_at, invitation.accepted_by = now, user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _audit_team(
        invitation.organization,
        user,
        AuditEvent.Action.INVITATION_ACCEPT,
        email=user.email,
        role=invitation.role,
    )
    return membership


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


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """A logged-in user joins, if the invitation is for their address and still pending."""
    invitation = _locked_invitation(token)
    refusal = invitation_refusal(invitation=invitation, user=user)
    if refusal is not None:
        raise refusal
    return _join(invitation, user)


@transaction.atomic
def invitation_signup(*, token: str, password: str) -> Membership:
    """A new user, whose address the invitation proves, joins the inviting organization."""
    from django.contrib.auth.password_validation import validate_password

    invitation = _locked_invitation(token)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(
            f"An account for {invitation.email} already exists. Log in to accept the invitation.",
            code="exists",
        )
    user = User(email=invitation.email)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from None
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return _join(invitation, user)


def _lock_membership(membership: Membership) -> tuple[Organization, Membership]:
    organization = _lock_organization(membership.organization)
    return organization, Membership.objects.select_related("user").get(pk=membership.pk)


def _owners(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.OWNER).count()


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, changed_by: User) -> Membership:
    organization, membership = _lock_membership(membership)
    actor_role = _role_in(organization, changed_by)
    permissions.require(actor_role, "team.change_role")
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    if Role.OWNER in (role, membership.role) and actor_role != Role.OWNER:
        raise ValidationError("Only an owner can make someone an owner or change an owner's role.")
    if membership.role == Role.OWNER and role != Role.OWNER and _owners(organization) == 1:
        raise ValidationError(LAST_OWNER, code="last_owner")
    if membership.role == role:
        return membership
    old_role, membership.role = membership.role, role
    membership.save(update_fields=["role"])
    _audit_team(
        organization,
        changed_by,
        AuditEvent.Action.MEMBER_ROLE_CHANGE,
        email=membership.user.email,
        old_role=old_role,
        new_role=role,
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, removed_by: User) -> None:
    organization, membership = _lock_membership(membership)
    actor_role = _role_in(organization, removed_by)
    permissions.require(actor_role, "team.remove")
    if membership.user_id == removed_by.pk:
        raise ValidationError("To leave the organization yourself, use Leave organization.")
    if membership.role == Role.OWNER and actor_role != Role.OWNER:
        raise ValidationError("Only an owner can remove an owner.")
    membership.delete()
    _audit_team(
        organization,
        removed_by,
        AuditEvent.Action.MEMBER_REMOVE,
        email=membership.user.email,
        role=membership.role,
    )


@transaction.atomic
def membership_leave(*, membership: Membership) -> None:
    organization, membership = _lock_membership(membership)
    if membership.role == Role.OWNER and _owners(organization) == 1:
        raise ValidationError(LAST_OWNER, code="last_owner")
    membership.delete()
    _audit_team(
        organization, membership.user, AuditEvent.Action.MEMBER_LEAVE, email=membership.user.email
    )


@transaction.atomic
def ownership_transfer(*, organization: Organization, to: Membership, by: User) -> Membership:
    """`to` becomes an owner and `by`, an owner, becomes an admin."""
    organization = _lock_organization(organization)
    permissions.require(_role_in(organization, by), "organization.transfer")
    to = Membership.objects.select_related("user").get(pk=to.pk)
    if to.organization_id != organization.pk:
        raise ValidationError("Choose a member of this organization.")
    if to.user_id == by.pk:
        raise ValidationError("You already own this organization. Choose another member.")
    Membership.objects.filter(pk=to.pk).update(role=Role.OWNER)
    Membership.objects.filter(organization=organization, user=by).update(role=Role.ADMIN)
    _audit_team(
        organization,
        by,
        AuditEvent.Action.OWNERSHIP_TRANSFER,
        email=to.user.email,
        old_role=to.role,
    )
    to.role = Role.OWNER
    return to


@transaction.atomic
def organization_require_two_factor(
    *, organization: Organization, required: bool, changed_by: User, has_two_factor: bool
) -> Organization:
    """Turn the organization-wide two-factor requirement on or off. The owner turning it on
    must have two-factor log-in already (`has_two_factor`), or they would lock themselves out
    of the very page they are on."""
    organization = _lock_organization(organization)
    permissions.require(_role_in(organization, changed_by), "organization.require_two_factor")
    if required and not has_two_factor:
        raise ValidationError(
            "Set up two-factor log-in for your own account first.", code="owner_without_2fa"
        )
    if organization.require_two_factor != required:
        organization.require_two_factor = required
        organization.save(update_fields=["require_two_factor"])
        audit_record(
            organization=organization,
            actor=changed_by,
            action=AuditEvent.Action.MFA_REQUIRE,
            target_type="organization",
            target_id=str(organization.pk),
            target_label=organization.name,
            details={"required": required},
        )
    return organization


def account_delete_problem(*, user: User) -> str:
    """Why the account can't be deleted now, or "": the last owner of a team must hand it on."""
    for membership in Membership.objects.filter(user=user, role=Role.OWNER).select_related(
        "organization"
    ):
        others = Membership.objects.filter(organization=membership.organization).exclude(user=user)
        if others.exists() and _owners(membership.organization) == 1:
            return (
                f"You are the last owner of {membership.organization.name}. Transfer ownership "
                "to another member first."
            )
    return ""


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the account, and each organization where the user was the only member."""
    problem = account_delete_problem(user=user)
    if problem:
        raise ValidationError(problem, code="last_owner")
    alone = [
        membership.organization_id
        for membership in Membership.objects.filter(user=user)
        if not Membership.objects.filter(organization=membership.organization_id)
        .exclude(user=user)
        .exists()
    ]
    Organization.objects.filter(pk__in=alone).delete()
    user.delete()


@transaction.atomic
def organization_delete(*, organization: Organization, deleted_by: User, confirm_name: str) -> None:
    """Delete the organization with its apps, secrets, KYB and audit log. The owner types its
    name to confirm; no other path deletes one."""
    organization = _lock_organization(organization)
    permissions.require(_role_in(organization, deleted_by), "organization.delete")
    if confirm_name.strip() != organization.name:
        raise ValidationError(
            {"confirm_name": "Type the organization's name exactly as shown to confirm."}
        )
    organization.delete()


# --- An address verified: the other claims on it go --------------------------------------------


@transaction.atomic
def email_address_claim(*, email_address: EmailAddress) -> list[User]:
    """`email_address` is about to be verified: from now on it belongs to its account.

    The other unverified claims on the same address go first (the database would refuse a
    second account with it): an account that signed up with it and never verified any
    address is deleted (it could never log in), and other accounts' pending email changes to
    it are dropped. Returns the owners of those dropped changes, who are then told.
    """
    dropped: list[User] = []
    others = (
        EmailAddress.objects.select_related("user")
        .filter(email__iexact=email_address.email, verified=False)
        .exclude(user_id=email_address.user_id)
    )
    for other in others:
        user = other.user
        if user.email.lower() == other.email.lower():
            if not EmailAddress.objects.filter(user=user, verified=True).exists():
                account_delete(user=user)
        else:
            other.delete()
            dropped.append(user)
    return dropped


# --- Securing an account from a notice's link -------------------------------------------------

SECURE_LINK_USED = "This link was already used, or the account was secured since it was sent."
SECURE_LINK_GONE = "This account no longer exists."
# Two-factor methods added since the change a notice reports are removed; the minute covers
# the request that made the change and sent the notice.
SECURE_MARGIN = timedelta(minutes=1)


@transaction.atomic
def account_secure(*, link: SecureLink) -> User:
    """Undo a takeover that a security notice reported, for the address that got the notice.

    The address becomes the account's only one again (unless another account has verified it
    since), the password stops working, two-factor methods added since the notice's change
    are removed and every session ends. The caller then sends a password-reset link to the
    address: from there only its mailbox gets back in.
    """
    # One use per link, even when it is followed twice at once.
    user = User.objects.select_for_update().filter(pk=link.user_id).first()
    if user is None:
        raise ValidationError(SECURE_LINK_GONE, code="gone")
    if user.secured_at is not None and user.secured_at >= link.issued_at:
        raise ValidationError(SECURE_LINK_USED, code="used")
    address = link.address.strip().lower()
    details: dict = {"address": address}
    if user.email.lower() != address:
        taken = (
            User.objects.filter(email__iexact=address).exclude(pk=user.pk).exists()
            or EmailAddress.objects.filter(email__iexact=address, verified=True)
            .exclude(user=user)
            .exists()
        )
        if taken:
            details["restored"] = False
        else:
            details.update(restored=True, from_email=user.email)
            EmailAddress.objects.filter(user=user).delete()
            EmailAddress.objects.create(user=user, email=address, primary=True, verified=True)
            user.email = address
    user.set_unusable_password()
    user.secured_at = timezone.now()
    user.save()
    removed = Authenticator.objects.filter(
        user=user, created_at__gte=link.issued_at - SECURE_MARGIN
    ).delete()[0]
    details["two_factor_removed"] = removed
    for session in UserSession.objects.filter(user=user):
        session.end()
    for membership in Membership.objects.filter(user=user).select_related("organization"):
        audit_record(
            organization=membership.organization,
            actor=user,
            action=AuditEvent.Action.ACCOUNT_SECURE,
            target_type="user",
            target_id=user.email,
            target_label=user.email,
            details=details,
        )
    return user
