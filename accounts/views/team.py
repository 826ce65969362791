"""The Team page: members and their roles, invitations, ownership, the two-factor rule, leaving
and deleting the organization; and the top bar's organization switcher.

Every change is a POST to its own URL, checked against accounts.permissions, and done by a
service in accounts.services; a refusal comes back on the Team page with a 400.
"""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import permissions, selectors, services
from ..decorators import organization_required, post_only, role_of
from ..forms import (
    InvitationForm,
    MemberRoleForm,
    OrganizationDeleteForm,
    OrganizationSwitchForm,
    OwnershipTransferForm,
    TwoFactorRequirementForm,
    UnusedSecretEmailsForm,
)
from ..middleware import SECOND_FACTORS
from ..models import Invitation, Membership, Role

# The permission table in words, for the Team page's roles table.


_form_action = post_only("accounts:team_index")


def _has_two_factor(request: HttpRequest) -> bool:
    """Two-factor log-in as the requirement counts it: recovery codes alone are not enough."""
    return is_mfa_enabled(request.user, SECOND_FACTORS)


def _invitation_form(request: HttpRequest, data=None) -> InvitationForm:
    return InvitationForm(
        data,
        roles=permissions.roles_given_by(role_of(request)),
        initial={"role": Role.DEVELOPER},
        auto_id="invite-%s",
    )


def _transfer_form(request: HttpRequest, data=None) -> OwnershipTransferForm:
    candidates = (
        Membership.objects.filter(organization=request.organization)
        .exclude(user=request.user)
        .select_related("user")
        .order_by("user__email")
    )
    return OwnershipTransferForm(data, candidates=candidates, auto_id="transfer-%s")


def _team_page(request: HttpRequest, *, status: int = 200, refusal: str = "", **bound):
    organization = request.organization
    role = role_of(request)
    can_change_roles = permissions.allows(role, "team.change_role")
    can_remove = permissions.allows(role, "team.remove")
    roles_to_give = permissions.roles_given_by(role)
    members = []
    memberships = list(
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    owners = sum(1 for membership in memberships if membership.role == Role.OWNER)
    for membership in memberships:
        is_you = membership.user_id == request.user.pk
        touchable = permissions.may_touch(role, membership.role) and not (
            permissions.stays_owner(membership.role, owners=owners)
        )
        members.append(
            {
                "membership": membership,
                "is_you": is_you,
                "role_options": roles_to_give if can_change_roles and touchable else [],
                "removable": can_remove and touchable and not is_you,
            }
        )
    now = timezone.now()
    invitations = (
        Invitation.objects.filter(
            organization=organization, accepted_at__isnull=True, cancelled_at__isnull=True
        )
        .select_related("invited_by")
        .order_by("-sent_at", "-pk")
    )
    context = {
        "members": members,
        "invitations": [
            {"invitation": invitation, "expired": invitation.expires_at <= now}
            for invitation in invitations
        ],
        "max_pending": services.MAX_PENDING_INVITATIONS,
        "invitation_days": services.INVITATION_DAYS,
        "can_invite": permissions.allows(role, "team.invite"),
        "can_change_roles": can_change_roles,
        "can_transfer": permissions.allows(role, "organization.transfer"),
        "can_manage_organization": permissions.allows(role, "organization.delete"),
        "can_view_audit": permissions.allows(role, "audit.view"),
        # The only owner can't leave (services.membership_leave refuses it too): the button
        # is shown disabled, with the reason.
        "last_owner": services.LAST_OWNER if permissions.stays_owner(role, owners=owners) else "",
        "invite_form": bound.get("invite_form") or _invitation_form(request),
        "transfer_form": bound.get("transfer_form") or _transfer_form(request),
        "refusal": refusal,
        "role_summary": [
            (label, permissions.ROLE_SUMMARY.get(value, "")) for value, label in Role.choices
        ],
        "role_labels": [label for _, label in Role.choices],
        "matrix": [
            (
                permissions.LABELS.get(action, action),
                [value in allowed for value in Role.values],
            )
            for action, allowed in permissions.PERMISSIONS.items()
        ],
        "nav_section": "team",
    }
    return render(request, "team/team.html", context, status=status)


def _organization_page(request: HttpRequest, *, status: int = 200, **bound) -> HttpResponse:
    """Organization settings: the two-factor rule and deleting the organization (owners)."""
    organization = request.organization
    role = role_of(request)
    can_require_two_factor = permissions.allows(role, "organization.require_two_factor")
    context = {
        "can_require_two_factor": can_require_two_factor,
        "can_delete": permissions.allows(role, "organization.delete"),
        "has_two_factor": can_require_two_factor and _has_two_factor(request),
        "two_factor_form": bound.get("two_factor_form")
        or TwoFactorRequirementForm(
            initial={"required": organization.require_two_factor}, auto_id="two-factor-%s"
        ),
        "can_change_unused_secret_emails": permissions.allows(
            role, "organization.unused_secret_emails"
        ),
        "unused_secret_emails_form": UnusedSecretEmailsForm(
            initial={"enabled": organization.unused_secret_emails}, auto_id="unused-secrets-%s"
        ),
        "delete_form": bound.get("delete_form") or OrganizationDeleteForm(auto_id="delete-%s"),
        "nav_section": "team",
    }
    return render(request, "team/organization_settings.html", context, status=status)


def _refused(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return _team_page(request, status=400, refusal=" ".join(error.messages))


def _done(
    request: HttpRequest, message: str, anchor: str = "members", page: str = "accounts:team_index"
) -> HttpResponse:
    """Back to the section that changed, where its message shows."""
    messages.success(request, message, extra_tags=f"section:{anchor}")
    return redirect(f"{reverse(page)}#{anchor}")


@organization_required("team.view")
@require_GET
def team_index(request: HttpRequest) -> HttpResponse:
    return _team_page(request)


@organization_required("organization.delete")
@require_GET
def organization_settings(request: HttpRequest) -> HttpResponse:
    return _organization_page(request)


# --- Invitations ---------------------------------------------------------------------------


@organization_required("team.invite")
@_form_action
def invitation_create(request: HttpRequest) -> HttpResponse:
    form = _invitation_form(request, request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                organization=request.organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(
                request,
                f"Invitation sent to {invitation.email}. The link works for "
                f"{services.INVITATION_DAYS} days.",
                "invitations",
            )
    return _team_page(request, status=400, invite_form=form)


def _open_invitation(request: HttpRequest, pk: int) -> Invitation:
    return selectors.get_for_organization(request, Invitation.objects, pk=pk)


@organization_required("team.invite")
@_form_action
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _open_invitation(request, pk)
    try:
        services.invitation_resend(invitation=invitation, resent_by=request.user)
    except ValidationError as error:
        return _refused(request, error)
    return _done(
        request,
        f"Invitation sent again to {invitation.email}. The earlier link no longer works.",
        "invitations",
    )


@organization_required("team.invite")
@_form_action
def invitation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _open_invitation(request, pk)
    try:
        services.invitation_cancel(invitation=invitation, cancelled_by=request.user)
    except ValidationError as error:
        return _refused(request, error)
    return _done(request, f"Invitation to {invitation.email} cancelled.", "invitations")


# --- Members ---------------------------------------------------------------------------------


def _member(request: HttpRequest, pk: int) -> Membership:
    return selectors.get_for_organization(request, Membership.objects.select_related("user"), pk=pk)


@organization_required("team.change_role")
@_form_action
def member_role_change(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request, pk)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        return _refused(request, ValidationError(form.errors["role"]))
    try:
        membership = services.membership_role_change(
            membership=membership, role=form.cleaned_data["role"], changed_by=request.user
        )
    except ValidationError as error:
        return _refused(request, error)
    return _done(
        request, f"{membership.user.email} is now {membership.get_role_display().lower()}."
    )


@organization_required("team.remove")
@_form_action
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request, pk)
    try:
        services.membership_remove(membership=membership, removed_by=request.user)
    except ValidationError as error:
        return _refused(request, error)
    return _done(request, f"{membership.user.email} was removed from {request.organization.name}.")


def _away(request: HttpRequest, message: str) -> HttpResponse:
    """Home, in the user's next organization if there is one (the middleware picks it)."""
    request.session.pop(selectors.SESSION_KEY, None)
    messages.success(request, message)
    return redirect("home")


@organization_required("team.view")
@_form_action
def membership_leave(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    try:
        services.membership_leave(membership=request.membership)
    except ValidationError as error:
        return _refused(request, error)
    return _away(request, f"You left {organization.name}.")


# --- The organization ------------------------------------------------------------------------


@organization_required("organization.transfer")
@_form_action
def ownership_transfer(request: HttpRequest) -> HttpResponse:
    form = _transfer_form(request, request.POST)
    if form.is_valid():
        try:
            to = services.ownership_transfer(
                organization=request.organization, to=form.cleaned_data["member"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(request, f"{to.user.email} is now an owner, and you are an admin.")
    return _team_page(request, status=400, transfer_form=form)


@organization_required("organization.require_two_factor")
@_form_action
def two_factor_requirement(request: HttpRequest) -> HttpResponse:
    form = TwoFactorRequirementForm(request.POST, auto_id="two-factor-%s")
    form.is_valid()  # an unchecked box is valid: it means "not required"
    required = form.cleaned_data.get("required", False)
    try:
        services.organization_require_two_factor(
            organization=request.organization,
            required=required,
            changed_by=request.user,
            has_two_factor=_has_two_factor(request),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _organization_page(request, status=400, two_factor_form=form)
    return _done(
        request,
        "Every member now needs two-factor log-in."
        if required
        else "Two-factor log-in is no longer required.",
        "two-factor",
        page="accounts:organization_settings",
    )


@organization_required("organization.unused_secret_emails")
@_form_action
def unused_secret_emails(request: HttpRequest) -> HttpResponse:
    form = UnusedSecretEmailsForm(request.POST)
    form.is_valid()  # an unchecked box is valid: it means "off"
    enabled = form.cleaned_data.get("enabled", False)
    services.organization_unused_secret_emails(
        organization=request.organization, enabled=enabled, changed_by=request.user
    )
    return _done(
        request,
        "Owners and admins will get the weekly email about unused client secrets."
        if enabled
        else "The weekly email about unused client secrets is turned off.",
        "unused-secrets",
        page="accounts:organization_settings",
    )


@organization_required("organization.delete")
@_form_action
def organization_delete(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    form = OrganizationDeleteForm(request.POST, auto_id="delete-%s")
    if form.is_valid():
        try:
            services.organization_delete(
                organization=organization,
                deleted_by=request.user,
                confirm_name=form.cleaned_data["confirm_name"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _away(request, f"{organization.name} was deleted.")
    return _organization_page(request, status=400, delete_form=form)


# --- The organization switcher ---------------------------------------------------------------


@post_only("home")
def organization_switch(request: HttpRequest) -> HttpResponse:
    """Work in another of the user's organizations; another organization's id is a 404."""
    form = OrganizationSwitchForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose an organization.")
    membership = (
        Membership.objects.filter(
            user=request.user, organization_id=form.cleaned_data["organization"]
        )
        .select_related("organization")
        .first()
    )
    if membership is None:
        raise Http404
    request.session[selectors.SESSION_KEY] = membership.organization_id
    messages.success(request, f"You are now working in {membership.organization.name}.")
    return redirect("home")
