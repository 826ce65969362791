import hashlib
import logging
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from . import emails, permissions, selectors
from .audit import audit_record
from .models import AuditEvent, Invitation, Membership, Organization, Role, User
from .secure_links import SecureLink
from .validators import name_clean

logger = logging.getLogger(__name__)


def organization_create(*, name: str, owner: User) -> Organization:
    name = name_clean(name, field="organization_name", label="your organization's name")
    organization = Organization.objects.create(name=name)
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    return organization


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


@transaction.atomic
def invitation_create(
    *, organization: Organization, email: str, role: str, invited_by: User
) -> Invitation:
    """Invite `email` with `role`; the link goes out by email and lives INVITATION_DAYS days."""
    organization = Organization.objects.lock(organization)
    inviter_role = selectors.organization_role(organization, invited_by)
    permissions.require(inviter_role, "team.invite")
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    if not permissions.may_touch(inviter_role, role):
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
    emails.invitation_send(invitation=invitation, token=token)
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
    organization = Organization.objects.lock(invitation.organization)
    permissions.require(selectors.organization_role(organization, resent_by), "team.invite")
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
    emails.invitation_send(invitation=invitation, token=token)
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, cancelled_by: User) -> Invitation:
    organization = Organization.objects.lock(invitation.organization)
    permissions.require(selectors.organization_role(organization, cancelled_by), "team.invite")
    invitation = _lock_open_invitation(invitation)
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    _audit_team(
        organization, cancelled_by, AuditEvent.Action.INVITATION_CANCEL, email=invitation.email
    )
    return invitation


def _locked_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organization")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )
    problem = selectors.invitation_problem(invitation)
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


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """A logged-in user joins, if the invitation is for their address and still pending."""
    invitation = _locked_invitation(token)
    refusal = selectors.invitation_refusal(invitation=invitation, user=user)
    if refusal is not None:
        raise refusal
    return _join(invitation, user)


@transaction.atomic
def invitation_signup(*, token: str, password: str) -> Membership:
    """A new user, whose address the invitation proves, joins the inviting organization."""
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
    organization = Organization.objects.lock(membership.organization)
    return organization, Membership.objects.select_related("user").get(pk=membership.pk)


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, changed_by: User) -> Membership:
    organization, membership = _lock_membership(membership)
    actor_role = selectors.organization_role(organization, changed_by)
    permissions.require(actor_role, "team.change_role")
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    if not (
        permissions.may_touch(actor_role, membership.role)
        and permissions.may_touch(actor_role, role)
    ):
        raise ValidationError("Only an owner can make someone an owner or change an owner's role.")
    owners = selectors.owner_count(organization)
    if role != Role.OWNER and permissions.stays_owner(membership.role, owners=owners):
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
    actor_role = selectors.organization_role(organization, removed_by)
    permissions.require(actor_role, "team.remove")
    if membership.user_id == removed_by.pk:
        raise ValidationError("To leave the organization yourself, use Leave organization.")
    if not permissions.may_touch(actor_role, membership.role):
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
    if permissions.stays_owner(membership.role, owners=selectors.owner_count(organization)):
        raise ValidationError(LAST_OWNER, code="last_owner")
    membership.delete()
    _audit_team(
        organization, membership.user, AuditEvent.Action.MEMBER_LEAVE, email=membership.user.email
    )


@transaction.atomic
def ownership_transfer(*, organization: Organization, to: Membership, by: User) -> Membership:
    """`to` becomes an owner and `by`, an owner, becomes an admin."""
    organization = Organization.objects.lock(organization)
    permissions.require(selectors.organization_role(organization, by), "organization.transfer")
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


def _organization_setting(
    organization: Organization,
    changed_by: User,
    *,
    field: str,
    value: bool,
    action: str,
    detail: str,
) -> Organization:
    """Set one of the organization's switches, audited when it changes; the caller holds the
    organization's row lock and has checked the permission."""
    if getattr(organization, field) != value:
        setattr(organization, field, value)
        organization.save(update_fields=[field])
        audit_record(
            organization=organization,
            actor=changed_by,
            action=action,
            target=organization,
            details={detail: value},
        )
    return organization


@transaction.atomic
def organization_unused_secret_emails(
    *, organization: Organization, enabled: bool, changed_by: User
) -> Organization:
    """Turn the weekly email about unused client secrets on or off (apps.tasks sends it)."""
    organization = Organization.objects.lock(organization)
    permissions.require(
        selectors.organization_role(organization, changed_by), "organization.unused_secret_emails"
    )
    return _organization_setting(
        organization,
        changed_by,
        field="unused_secret_emails",
        value=enabled,
        action=AuditEvent.Action.UNUSED_SECRET_EMAILS,
        detail="enabled",
    )


@transaction.atomic
def organization_require_two_factor(
    *, organization: Organization, required: bool, changed_by: User, has_two_factor: bool
) -> Organization:
    """Turn the organization-wide two-factor requirement on or off. The owner turning it on
    must have two-factor log-in already (`has_two_factor`), or they would lock themselves out
    of the very page they are on."""
    organization = Organization.objects.lock(organization)
    permissions.require(
        selectors.organization_role(organization, changed_by), "organization.require_two_factor"
    )
    if required and not has_two_factor:
        raise ValidationError(
            "Set up two-factor log-in for your own account first.", code="owner_without_2fa"
        )
    return _organization_setting(
        organization,
        changed_by,
        field="require_two_factor",
        value=required,
        action=AuditEvent.Action.MFA_REQUIRE,
        detail="required",
    )


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the account, and each organization where the user was the only member."""
    problem = selectors.account_delete_problem(user=user)
    if problem:
        raise ValidationError(problem, code="last_owner")
    alone = [organization.pk for organization in selectors.organizations_alone_in(user)]
    # Every browser of the account loses its session now, not at its next request.
    for session in UserSession.objects.filter(user=user):
        session.end()
    Organization.objects.filter(pk__in=alone).delete()
    user.delete()


@transaction.atomic
def organization_delete(*, organization: Organization, deleted_by: User, confirm_name: str) -> None:
    """Delete the organization with its apps, secrets, KYB and audit log. The owner types its
    name to confirm; no other path deletes one."""
    organization = Organization.objects.lock(organization)
    permissions.require(
        selectors.organization_role(organization, deleted_by), "organization.delete"
    )
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
            target=user,
            details=details,
        )
    return user
