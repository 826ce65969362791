"""Steps 3 and 4 of going to production, and the staff review that ends the road.

Every step calls kyb.gate.require first. Statuses change only here, through TRANSITIONS, and
every transition locks the organization's row: a request made while its KYB is being
submitted or reviewed waits, then sees the new status, so no request is left behind.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django_countries import countries

from accounts import encryption
from accounts.audit import audit_record
from accounts.models import AuditEvent, Organization, User
from apps.models import App
from products.models import GoLiveStep, MonthlyVolume, Product
from products.services import production_grant_create

from . import emails, gate, selectors
from .models import (
    AccessStatus,
    BeneficialOwner,
    Director,
    Industry,
    KybReview,
    KybStatus,
    KybSubmission,
    ProductionAccessRequest,
)

REVIEW_PERMISSION = "kyb.review_kybsubmission"
MAX_DIRECTORS = 20
OLDEST_BIRTH_YEAR = 1900

TRANSITIONS: dict[KybStatus, frozenset[KybStatus]] = {
    KybStatus.DRAFT: frozenset({KybStatus.SUBMITTED}),
    KybStatus.SUBMITTED: frozenset(
        {KybStatus.APPROVED, KybStatus.CHANGES_REQUESTED, KybStatus.REJECTED}
    ),
    KybStatus.CHANGES_REQUESTED: frozenset({KybStatus.SUBMITTED}),
    KybStatus.APPROVED: frozenset(),
    KybStatus.REJECTED: frozenset(),
}

# How the products under review follow their KYB's decision.
REQUESTS_FOLLOW = {
    KybStatus.SUBMITTED: AccessStatus.UNDER_REVIEW,
    KybStatus.CHANGES_REQUESTED: AccessStatus.CHANGES_REQUESTED,
    KybStatus.APPROVED: AccessStatus.APPROVED,
    KybStatus.REJECTED: AccessStatus.REJECTED,
}
REQUESTS_MOVING = {
    KybStatus.SUBMITTED: (AccessStatus.REQUESTED, AccessStatus.CHANGES_REQUESTED),
    KybStatus.CHANGES_REQUESTED: (AccessStatus.UNDER_REVIEW,),
    KybStatus.APPROVED: (AccessStatus.UNDER_REVIEW,),
    KybStatus.REJECTED: (AccessStatus.UNDER_REVIEW,),
}

REJECTED_KYB = (
    "Your KYB was rejected, so production access can't be requested. Contact sales to talk "
    "about it."
)
NOT_EDITABLE = {
    KybStatus.SUBMITTED: "Your KYB is under review and can't be changed now.",
    KybStatus.APPROVED: "Your KYB is approved and can't be changed.",
    KybStatus.REJECTED: "Your KYB was rejected and can't be changed. Contact sales.",
}


def _audit(organization: Organization, actor: User | None, action: str, **details) -> None:
    audit_record(
        organization=organization,
        actor=actor,
        action=action,
        target=organization,
        details=details,
    )


# --- Step 3: production access, per product ------------------------------------------------


@transaction.atomic
def production_access_request(
    *,
    organization: Organization,
    product: Product,
    apps: list[App],
    use_case: str,
    requested_by: User | None,
) -> ProductionAccessRequest:
    organization = Organization.objects.lock(organization)
    gate.require(organization, GoLiveStep.PRODUCTION_ACCESS)
    use_case = use_case.strip()
    errors: dict[str, str] = {}
    if not apps:
        errors["apps"] = "Choose the production app or apps this access is for."
    elif any(
        app.organization_id != organization.pk or app.app_type != App.Type.PRODUCTION
        for app in apps
    ):
        errors["apps"] = "Choose only production apps of your organization."
    if not use_case:
        errors["use_case"] = "Tell us what you will use the product for."
    elif len(use_case) > 2000:
        errors["use_case"] = "Describe your use case in at most 2000 characters."
    if errors:
        raise ValidationError(errors)
    if ProductionAccessRequest.objects.filter(organization=organization, product=product).exists():
        raise ValidationError(
            f"Production access to {product.name} was already requested.", code="duplicate"
        )
    kyb_status = selectors.kyb_status(organization=organization)
    if kyb_status == KybStatus.REJECTED:
        raise ValidationError(REJECTED_KYB, code="kyb_rejected")
    # A KYB already with our team (or approved) reviews the new product too.
    status = (
        AccessStatus.UNDER_REVIEW
        if kyb_status in (KybStatus.SUBMITTED, KybStatus.APPROVED)
        else AccessStatus.REQUESTED
    )
    access = ProductionAccessRequest.objects.create(
        organization=organization,
        product=product,
        use_case=use_case,
        status=status,
        requested_by=requested_by,
    )
    access.apps.set(apps)
    _audit(
        organization,
        requested_by,
        AuditEvent.Action.PRODUCTION_ACCESS_REQUEST,
        product=product.slug,
        apps=[app.client_id for app in apps],
    )
    return access


# --- Step 4: KYB, a draft until it is submitted ---------------------------------------------


def editable_submission(organization: Organization) -> KybSubmission:
    """The organization's KYB, created as a draft on first use; refused before step 3 and
    once it is no longer editable. Call inside a transaction holding the organization lock."""
    gate.require(organization, GoLiveStep.KYB)
    submission, _ = KybSubmission.objects.select_for_update().get_or_create(
        organization=organization
    )
    if not submission.editable:
        raise ValidationError(NOT_EDITABLE[submission.status], code="not_editable")
    return submission


def _country(value: str, field: str, errors: dict[str, str]) -> str:
    value = (value or "").strip().upper()
    if value and value not in countries:
        errors[field] = "Choose a country from the list."
    return value


@transaction.atomic
def kyb_company_update(
    *,
    organization: Organization,
    updated_by: User | None,
    legal_name: str = "",
    registration_number: str = "",
    country: str = "",
    registered_address: str = "",
    tax_id: str = "",
    website: str = "",
    industry: str = "",
    monthly_volume: str = "",
) -> KybSubmission:
    """Save the company part of the draft; blanks are allowed until submission."""
    submission = editable_submission(Organization.objects.lock(organization))
    errors: dict[str, str] = {}
    country = _country(country, "country", errors)
    website = website.strip()
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            errors["website"] = "Enter a valid URL, like https://example.com."
    if industry and industry not in Industry.values:
        errors["industry"] = "Choose an industry from the list."
    if monthly_volume and monthly_volume not in MonthlyVolume.values:
        errors["monthly_volume"] = "Choose an expected monthly volume."
    if errors:
        raise ValidationError(errors)
    submission.legal_name = legal_name.strip()[:200]
    submission.registration_number = registration_number.strip()[:100]
    submission.registration_number_index = encryption.blind_index(registration_number)
    submission.country = country
    submission.registered_address = registered_address.strip()[:500]
    submission.tax_id = tax_id.strip()[:100]
    submission.website = website
    submission.industry = industry
    submission.monthly_volume = monthly_volume
    submission.updated_by = updated_by
    submission.save()
    return submission


@transaction.atomic
def beneficial_owners_update(
    *, organization: Organization, updated_by: User | None, no_beneficial_owners: bool
) -> KybSubmission:
    """Save the owners step's answer to "does anyone own 25 % or more?" (owners themselves
    are added and removed one by one)."""
    submission = editable_submission(Organization.objects.lock(organization))
    if submission.no_beneficial_owners != no_beneficial_owners:
        submission.no_beneficial_owners = no_beneficial_owners
        submission.updated_by = updated_by
        submission.save(update_fields=["no_beneficial_owners", "updated_by", "updated_at"])
    return submission


def _owner_errors(
    submission: KybSubmission, *, full_name: str, date_of_birth: date | None, ownership
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not full_name.strip():
        errors["full_name"] = "Enter the owner's full name."
    if date_of_birth is None:
        errors["date_of_birth"] = "Enter the owner's date of birth."
    elif date_of_birth >= timezone.now().date():
        errors["date_of_birth"] = "Enter a date of birth in the past."
    elif date_of_birth.year < OLDEST_BIRTH_YEAR:
        errors["date_of_birth"] = f"Enter a date of birth after {OLDEST_BIRTH_YEAR}."
    if ownership is None:
        errors["ownership"] = "Enter the percentage this person owns."
    elif not Decimal(25) <= ownership <= Decimal(100):
        errors["ownership"] = (
            "Beneficial owners own 25 % or more: enter a percentage from 25 to 100."
        )
    elif ownership.as_tuple().exponent < -2:
        errors["ownership"] = "Use at most two decimals."
    else:
        held = sum(owner.ownership for owner in submission.owners.all())
        if held + ownership > 100:
            errors["ownership"] = (
                f"The owners would hold {held + ownership} % together; "
                "ownership can't add up to more than 100 %."
            )
    return errors


@transaction.atomic
def beneficial_owner_add(
    *,
    organization: Organization,
    added_by: User | None,
    full_name: str,
    date_of_birth: date | None,
    nationality: str,
    ownership: Decimal | None,
) -> BeneficialOwner:
    submission = editable_submission(Organization.objects.lock(organization))
    errors = _owner_errors(
        submission, full_name=full_name, date_of_birth=date_of_birth, ownership=ownership
    )
    nationality = _country(nationality, "nationality", errors)
    if not nationality:
        errors["nationality"] = "Choose the owner's nationality."
    if errors:
        raise ValidationError(errors)
    owner = BeneficialOwner(
        submission=submission,
        full_name=full_name.strip()[:200],
        nationality=nationality,
        ownership=ownership,
        added_by=added_by,
    )
    owner.date_of_birth = date_of_birth
    owner.save()
    return owner


@transaction.atomic
def beneficial_owner_remove(*, organization: Organization, owner_id: int) -> None:
    submission = editable_submission(Organization.objects.lock(organization))
    submission.owners.filter(pk=owner_id).delete()


@transaction.atomic
def director_add(
    *, organization: Organization, added_by: User | None, full_name: str, nationality: str
) -> Director:
    submission = editable_submission(Organization.objects.lock(organization))
    errors: dict[str, str] = {}
    if not full_name.strip():
        errors["full_name"] = "Enter the director's full name."
    nationality = _country(nationality, "nationality", errors)
    if not nationality:
        errors.setdefault("nationality", "Choose the director's nationality.")
    if errors:
        raise ValidationError(errors)
    if submission.directors.count() >= MAX_DIRECTORS:
        raise ValidationError(f"A KYB lists at most {MAX_DIRECTORS} directors.", code="too_many")
    return Director.objects.create(
        submission=submission,
        full_name=full_name.strip()[:200],
        nationality=nationality,
        added_by=added_by,
    )


@transaction.atomic
def director_remove(*, organization: Organization, director_id: int) -> None:
    submission = editable_submission(Organization.objects.lock(organization))
    submission.directors.filter(pk=director_id).delete()


def _transition(
    submission: KybSubmission, to: KybStatus, *, actor: User | None, note: str = ""
) -> KybSubmission:
    current = KybStatus(submission.status)
    if to not in TRANSITIONS[current]:
        raise ValidationError(
            f"A KYB that is {current.label.lower()} can't become {to.label.lower()}.",
            code="invalid_transition",
        )
    now = timezone.now()
    submission.status = to
    if to == KybStatus.SUBMITTED:
        submission.submitted_at, submission.submitted_by = now, actor
    else:
        submission.decided_at = now
        submission.reviewer_note = note
    submission.save()
    ProductionAccessRequest.objects.filter(
        organization=submission.organization_id, status__in=REQUESTS_MOVING[to]
    ).update(status=REQUESTS_FOLLOW[to], decided_at=None if to == KybStatus.SUBMITTED else now)
    KybReview.objects.create(
        submission=submission,
        decision=to,
        note=note,
        actor=actor,
        actor_email=actor.email if actor else "",
    )
    return submission


@transaction.atomic
def kyb_submit(*, organization: Organization, submitted_by: User | None) -> KybSubmission:
    """Lock the KYB for review and tell the organization and the review team."""
    submission = editable_submission(Organization.objects.lock(organization))
    problems = selectors.kyb_problems(submission)
    if problems:
        raise ValidationError(
            [ValidationError(problem.message, code="incomplete") for problem in problems]
        )
    _transition(submission, KybStatus.SUBMITTED, actor=submitted_by)
    _audit(submission.organization, submitted_by, AuditEvent.Action.KYB_SUBMIT)
    emails.kyb_submitted(submission=submission)
    return submission


# --- The staff review ------------------------------------------------------------------------


def _require_reviewer(reviewer: User) -> None:
    if not (reviewer.is_active and reviewer.is_staff and reviewer.has_perm(REVIEW_PERMISSION)):
        raise PermissionDenied("Only KYB reviewers can decide on a KYB.")


# What each review decision records in the audit log: a KYB's, and a production access
# request's decided on its own.
DECISIONS: dict[KybStatus, str] = {
    KybStatus.APPROVED: AuditEvent.Action.KYB_APPROVE,
    KybStatus.CHANGES_REQUESTED: AuditEvent.Action.KYB_REQUEST_CHANGES,
    KybStatus.REJECTED: AuditEvent.Action.KYB_REJECT,
}

ACCESS_DECISIONS: dict[AccessStatus, str] = {
    AccessStatus.APPROVED: AuditEvent.Action.PRODUCTION_ACCESS_APPROVE,
    AccessStatus.REJECTED: AuditEvent.Action.PRODUCTION_ACCESS_REJECT,
}

# The one note rule, for a KYB and for a production access request decided on its own: the
# note a decision can't go without, by the status it leads to (the values are the same strings
# in KybStatus and AccessStatus).
NOTE_NEEDED: dict[str, str] = {
    KybStatus.CHANGES_REQUESTED.value: "Tell the organization what to change.",
    KybStatus.REJECTED.value: "Give the reason for the rejection.",
}


def review_note_problem(*, to: str, note: str) -> str:
    """What is wrong with the note of a decision leading to status `to`, or "" if nothing."""
    return "" if note.strip() else NOTE_NEEDED.get(str(to), "")


def _review_note(to: str, note: str) -> str:
    """The decision's note as recorded, or the note rule's ValidationError."""
    problem = review_note_problem(to=to, note=note)
    if problem:
        raise ValidationError({"note": problem})
    return note.strip()


@transaction.atomic
def _decide(submission: KybSubmission, to: KybStatus, *, reviewer: User, note: str):
    note = _review_note(to, note)
    _require_reviewer(reviewer)
    Organization.objects.lock(submission.organization)
    submission = KybSubmission.objects.select_for_update().get(pk=submission.pk)
    approved_products = list(
        Product.objects.filter(
            pk__in=ProductionAccessRequest.objects.filter(
                organization=submission.organization_id, status=AccessStatus.UNDER_REVIEW
            ).values("product")
        )
    )
    _transition(submission, to, actor=reviewer, note=note)
    if to == KybStatus.APPROVED:
        for product in approved_products:
            production_grant_create(organization=submission.organization, product=product)
    _audit(submission.organization, reviewer, DECISIONS[to], note=note)
    emails.kyb_decided(submission=submission)
    return submission


def kyb_submission_approve(
    *, submission: KybSubmission, reviewer: User, note: str = ""
) -> KybSubmission:
    """Approve the KYB: production access to every product under review is granted."""
    return _decide(submission, KybStatus.APPROVED, reviewer=reviewer, note=note)


def kyb_submission_request_changes(
    *, submission: KybSubmission, reviewer: User, note: str
) -> KybSubmission:
    return _decide(submission, KybStatus.CHANGES_REQUESTED, reviewer=reviewer, note=note)


def kyb_submission_reject(*, submission: KybSubmission, reviewer: User, note: str) -> KybSubmission:
    return _decide(submission, KybStatus.REJECTED, reviewer=reviewer, note=note)


@transaction.atomic
def _access_decide(
    access: ProductionAccessRequest, to: AccessStatus, *, reviewer: User, note: str
) -> ProductionAccessRequest:
    """A product requested after the organization's KYB was approved is reviewed on its own."""
    note = _review_note(to, note)
    _require_reviewer(reviewer)
    organization = Organization.objects.lock(access.organization)
    access = ProductionAccessRequest.objects.select_for_update().get(pk=access.pk)
    kyb_status = selectors.kyb_status(organization=organization)
    if kyb_status != KybStatus.APPROVED or access.status != AccessStatus.UNDER_REVIEW:
        raise ValidationError(
            "Only a request under review, of an organization whose KYB is approved, is decided "
            "on its own; the others follow their KYB.",
            code="invalid_transition",
        )
    access.status = to
    access.decided_at = timezone.now()
    access.save(update_fields=["status", "decided_at"])
    if to == AccessStatus.APPROVED:
        production_grant_create(organization=organization, product=access.product)
    _audit(organization, reviewer, ACCESS_DECISIONS[to], product=access.product.slug, note=note)
    emails.production_access_decided(access=access, note=note)
    return access


def production_access_approve(
    *, access: ProductionAccessRequest, reviewer: User, note: str = ""
) -> ProductionAccessRequest:
    """Grant production access to the product: its organization's KYB was approved earlier."""
    return _access_decide(access, AccessStatus.APPROVED, reviewer=reviewer, note=note)


def production_access_reject(
    *, access: ProductionAccessRequest, reviewer: User, note: str
) -> ProductionAccessRequest:
    return _access_decide(access, AccessStatus.REJECTED, reviewer=reviewer, note=note)
