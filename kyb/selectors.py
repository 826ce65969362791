from dataclasses import dataclass

from django.urls import reverse

from accounts import permissions
from accounts.models import Organization, User
from products import selectors as product_selectors
from products.models import Product, SalesContact

from .models import (
    DocumentKind,
    KybDocument,
    KybStatus,
    KybStep,
    KybSubmission,
    ProductionAccessRequest,
)


@dataclass(frozen=True)
class ProductRow:
    product: Product
    access: ProductionAccessRequest | None

    @property
    def status_label(self) -> str:
        return self.access.get_status_display() if self.access else "Not requested"

    @property
    def status(self) -> str:
        return self.access.status if self.access else "not_requested"


def product_rows(*, organization: Organization) -> list[ProductRow]:
    """The catalog with each product's production status for the organization (two queries)."""
    requests = {
        access.product_id: access
        for access in ProductionAccessRequest.objects.filter(organization=organization)
    }
    return [
        ProductRow(product=product, access=requests.get(product.pk))
        for product in Product.objects.all()
    ]


def kyb_submission(*, organization: Organization) -> KybSubmission | None:
    return (
        KybSubmission.objects.filter(organization=organization)
        .prefetch_related("owners", "directors", "documents", "reviews")
        .first()
    )


def kyb_status(*, organization: Organization | int) -> KybStatus | None:
    """The organization's KYB status, or None before its first draft."""
    status = (
        KybSubmission.objects.filter(organization=organization)
        .values_list("status", flat=True)
        .first()
    )
    return KybStatus(status) if status else None


# --- The KYB draft: what is missing, step by step --------------------------------------------

DOCUMENTS_NEEDED = {
    DocumentKind.INCORPORATION: "the certificate of incorporation",
    DocumentKind.PROOF_OF_ADDRESS: "the proof of address",
    DocumentKind.DIRECTOR_ID: "the ID of a director",
}

# The field of the owners and directors pages where their problems are fixed: a link to a
# field's id scrolls to it and puts the cursor in it, without any script.
FIELD_ANCHORS = {
    "owner": "owner_full_name",
    "no_beneficial_owners": "id_no_beneficial_owners",
    "director": "director_full_name",
}


@dataclass(frozen=True)
class KybProblem:
    """Something missing before the KYB can be submitted, and where it is fixed: the step, and
    the field there (a company field, "owner", "no_beneficial_owners", "director", or the kind
    of document to upload)."""

    step: KybStep
    field: str
    message: str

    def __str__(self) -> str:
        return self.message

    @property
    def url(self) -> str:
        """The step's page, at the field that fixes it."""
        page = reverse(f"kyb:{self.step}")
        if self.step == KybStep.COMPANY:
            return f"{page}#id_{self.field}"
        if self.step == KybStep.DOCUMENTS:
            return f"{page}?kind={self.field}#id_file"
        return f"{page}#{FIELD_ANCHORS[self.field]}"


COMPANY_REQUIRED = {
    "legal_name": "the legal entity name",
    "registration_number": "the registration number",
    "country": "the country of registration",
    "registered_address": "the registered address",
    "tax_id": "the VAT or tax id",
    "website": "the website",
    "industry": "the industry",
    "monthly_volume": "the expected monthly volume",
}


def kyb_problems(submission: KybSubmission | None) -> list[KybProblem]:
    """What is still missing before the KYB can be submitted (empty when it is complete), in
    the order of the steps; everything for a KYB not begun (None). Reads the owners, directors
    and documents through .all(), so a submission from kyb_submission() costs no query."""
    if submission is None:
        submission = KybSubmission()
        owners, directors, kinds = [], [], set()
    else:
        owners = list(submission.owners.all())
        directors = list(submission.directors.all())
        kinds = {document.kind for document in submission.documents.all()}
    problems = [
        KybProblem(KybStep.COMPANY, field, f"Enter {label}.")
        for field, label in COMPANY_REQUIRED.items()
        if not getattr(submission, field)
    ]
    if not owners and not submission.no_beneficial_owners:
        problems.append(
            KybProblem(
                KybStep.OWNERS,
                "owner",
                "Add the beneficial owners, or confirm that no person owns 25 % or more.",
            )
        )
    if owners and submission.no_beneficial_owners:
        problems.append(
            KybProblem(
                KybStep.OWNERS,
                "no_beneficial_owners",
                "You listed beneficial owners and also confirmed there are none: remove one or "
                "the other.",
            )
        )
    if not directors:
        problems.append(KybProblem(KybStep.DIRECTORS, "director", "Add at least one director."))
    for kind, what in DOCUMENTS_NEEDED.items():
        if kind not in kinds:
            problems.append(KybProblem(KybStep.DOCUMENTS, kind, f"Upload {what}."))
    return problems


# Each step's status as the progress list shows it.
DONE, MISSING, NOT_STARTED, READY, SUBMITTED = (
    "done",
    "missing",
    "not_started",
    "ready",
    "submitted",
)
STEPS: tuple[KybStep, ...] = tuple(KybStep)


@dataclass(frozen=True)
class StepProgress:
    step: KybStep
    state: str
    problems: tuple[KybProblem, ...]

    @property
    def label(self) -> str:
        return self.step.label

    @property
    def number(self) -> int:
        return STEPS.index(self.step) + 1

    @property
    def url(self) -> str:
        return reverse(f"kyb:{self.step}")

    @property
    def status_label(self) -> str:
        if self.state == MISSING:
            count = len(self.problems)
            return f"Missing {count} item{'s' if count != 1 else ''}"
        return {
            DONE: "Done",
            NOT_STARTED: "Not started",
            READY: "Ready to submit",
            SUBMITTED: "Submitted",
        }[self.state]


@dataclass(frozen=True)
class KybProgress:
    steps: tuple[StepProgress, ...]
    problems: tuple[KybProblem, ...]

    def of(self, step: KybStep) -> StepProgress:
        return self.steps[STEPS.index(step)]

    @property
    def first_open(self) -> KybStep:
        """Where to carry on: the first step that isn't done, or the review."""
        return next((s.step for s in self.steps[:-1] if s.state != DONE), KybStep.REVIEW)


def _started(submission: KybSubmission | None, step: KybStep) -> bool:
    if submission is None:
        return False
    if step == KybStep.COMPANY:
        return any(getattr(submission, field) for field in COMPANY_REQUIRED)
    if step == KybStep.OWNERS:
        return submission.no_beneficial_owners or bool(submission.owners.all())
    if step == KybStep.DIRECTORS:
        return bool(submission.directors.all())
    return bool(submission.documents.all())


def kyb_progress(submission: KybSubmission | None) -> KybProgress:
    """Each step's status: done, missing N items or not started (nothing entered yet); the
    review is ready, missing what all the steps miss, or submitted once the KYB left the
    draft. No query for a submission from kyb_submission()."""
    problems = tuple(kyb_problems(submission))
    locked = submission is not None and not submission.editable
    steps = []
    for step in STEPS[:-1]:
        own = tuple(problem for problem in problems if problem.step == step)
        if locked or not own:
            state = DONE
        else:
            state = MISSING if _started(submission, step) else NOT_STARTED
        steps.append(StepProgress(step, state, own))
    review = SUBMITTED if locked else (MISSING if problems else READY)
    steps.append(StepProgress(KybStep.REVIEW, review, problems))
    return KybProgress(tuple(steps), problems)


def kyb_company_initial(
    *, organization: Organization, submission: KybSubmission | None
) -> tuple[dict[str, str], SalesContact | None]:
    """The company form's values: what the draft holds; while its company part is empty,
    what the organization's latest Contact sales lead told us (and that lead)."""
    if submission is not None and _started(submission, KybStep.COMPANY):
        initial = {field: getattr(submission, field) for field in COMPANY_REQUIRED}
        initial["country"] = submission.country.code or ""
        return initial, None
    contact = product_selectors.latest_sales_contact(organization=organization)
    if contact is None:
        return {}, None
    return {
        "legal_name": contact.company_name,
        "country": contact.country.code or "",
        "website": contact.website,
        "monthly_volume": contact.monthly_volume,
    }, contact


def document_for_download(
    *, document_id, user: User, organization: Organization | None, role: str | None
) -> KybDocument | None:
    """The document, if `user` may download it: staff who may view KYB, and the members of
    its organization whose role may see KYB while they act in it; else None (a 404)."""
    if not user.is_authenticated:
        return None
    document = KybDocument.objects.select_related("submission").filter(pk=document_id).first()
    if document is None:
        return None
    if user.is_staff and user.has_perm("kyb.view_kybsubmission"):
        return document
    if (
        organization  # the request's organization: a lazy object, maybe of None
        and organization.pk == document.submission.organization_id
        and permissions.allows(role, "kyb.view")
    ):
        return document
    return None
