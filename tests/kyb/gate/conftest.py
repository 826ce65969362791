"""Helpers and fixtures that several of tests/kyb/gate's test modules share."""

from collections import Counter
from dataclasses import dataclass
from itertools import permutations

from django.core.files.storage import storages
from django.db import connection
from django.db.models import Count

from accounts.models import AuditEvent, Organization, OutboundEmail
from apps.models import App
from kyb import gate, services
from kyb.gate import StepState
from kyb.models import (
    AccessStatus,
    BeneficialOwner,
    Director,
    KybDocument,
    KybReview,
    KybStatus,
    KybSubmission,
    ProductionAccessRequest,
)
from products.models import GoLiveStep, ProductionGrant, SalesContact

ORDER = tuple(GoLiveStep)
ORDERS = list(permutations(ORDER))
USE_CASE = "Categorise our customers' transactions."
# A KYB counts as completed once it is submitted, whatever the review decides.
KYB_COMPLETED = {KybStatus.SUBMITTED, KybStatus.APPROVED, KybStatus.REJECTED}
# The products' statuses each KYB status allows (a product requested after the KYB was
# approved is under review on its own; none can be requested once the KYB is rejected).
ACCESS_WITH_KYB = {
    None: {AccessStatus.REQUESTED},
    KybStatus.DRAFT: {AccessStatus.REQUESTED},
    KybStatus.SUBMITTED: {AccessStatus.UNDER_REVIEW},
    KybStatus.CHANGES_REQUESTED: {AccessStatus.CHANGES_REQUESTED, AccessStatus.REQUESTED},
    KybStatus.APPROVED: {AccessStatus.APPROVED, AccessStatus.UNDER_REVIEW, AccessStatus.REJECTED},
    KybStatus.REJECTED: {AccessStatus.REJECTED},
}
# Every table a production step or a review writes to.
RECORDS = (
    SalesContact,
    App,
    ProductionAccessRequest,
    ProductionAccessRequest.apps.through,
    KybSubmission,
    BeneficialOwner,
    Director,
    KybDocument,
    KybReview,
    ProductionGrant,
    AuditEvent,
    OutboundEmail,
)


def order_id(order: tuple[GoLiveStep, ...]) -> str:
    return "".join(str(ORDER.index(step) + 1) for step in order)


def refusal(step: GoLiveStep) -> str:
    return f"{step.label} first."


def missing_before(step: GoLiveStep, done: list[GoLiveStep]) -> GoLiveStep | None:
    """The first step before `step` that is not done: the one a refusal must name."""
    return next((earlier for earlier in ORDER[: ORDER.index(step)] if earlier not in done), None)


def recorded() -> dict[str, int]:
    """How many rows each table of the road holds (one query), and how many KYB files exist."""
    tables = [model._meta.db_table for model in RECORDS]
    counts = ", ".join(
        f"(SELECT COUNT(*) FROM {connection.ops.quote_name(table)})"  # noqa: S608 - our tables
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        row = cursor.fetchone()
    return {**dict(zip(tables, row, strict=True)), "kyb files": len(storages["kyb"].listdir("")[1])}


@dataclass(frozen=True)
class Road:
    """One organization's road to production, as the database holds it."""

    contacts: int
    production_apps: int
    sandbox_apps: int
    requests: dict[str, str]  # product slug: access status
    grants: frozenset[str]
    kyb: str | None
    legal_name: str
    owners: int
    directors: int
    documents: tuple[str, ...]  # their kinds, sorted
    decisions: tuple[str, ...]  # the review history, oldest first
    checklist: tuple[tuple[StepState, str], ...]  # each step's state, and why if it is locked

    @property
    def facts(self) -> list[bool]:
        """Whether each step's own fact holds, in the order of the road."""
        return [
            self.contacts > 0,
            self.production_apps > 0,
            bool(self.requests),
            self.kyb in KYB_COMPLETED,
        ]


def road_of(organization: Organization) -> Road:
    apps = Counter(App.objects.filter(organization=organization).values_list("app_type", flat=True))
    submission = (
        KybSubmission.objects.filter(organization=organization)
        .annotate(
            owner_count=Count("owners", distinct=True),
            director_count=Count("directors", distinct=True),
        )
        .values("status", "legal_name", "owner_count", "director_count")
        .first()
    ) or {}
    of_organization = {"submission__organization": organization}
    return Road(
        contacts=SalesContact.objects.filter(organization=organization).count(),
        production_apps=apps[App.Type.PRODUCTION],
        sandbox_apps=apps[App.Type.SANDBOX],
        requests=dict(
            ProductionAccessRequest.objects.filter(organization=organization).values_list(
                "product__slug", "status"
            )
        ),
        grants=frozenset(
            ProductionGrant.objects.filter(organization=organization).values_list(
                "product__slug", flat=True
            )
        ),
        kyb=submission.get("status"),
        legal_name=submission.get("legal_name", ""),
        owners=submission.get("owner_count", 0),
        directors=submission.get("director_count", 0),
        documents=tuple(
            sorted(KybDocument.objects.filter(**of_organization).values_list("kind", flat=True))
        ),
        decisions=tuple(
            KybReview.objects.filter(**of_organization).values_list("decision", flat=True)
        ),
        checklist=tuple(
            (step.state, step.reason if step.state == StepState.LOCKED else "")
            for step in gate.go_live(organization).steps
        ),
    )


def expected_checklist(facts: list[bool]) -> tuple[tuple[StepState, str], ...]:
    """The steps done, then the next one, then the locked ones, each naming the missing step."""
    rows = []
    for index, fact in enumerate(facts):
        missing = next((ORDER[i] for i in range(index) if not facts[i]), None)
        if missing is not None:
            rows.append((StepState.LOCKED, refusal(missing)))
        else:
            rows.append((StepState.DONE if fact else StepState.NEXT, ""))
    return tuple(rows)


def assert_road_holds(road: Road) -> None:
    """Each fact of the road holds only if the facts before it hold, and the checklist shows
    exactly those facts; the products follow their KYB; only an approved request has a grant;
    the KYB reached its status through TRANSITIONS, each move recorded in its history."""
    facts = road.facts
    for index, fact in enumerate(facts):
        if fact:
            missing = [ORDER[i].label for i in range(index) if not facts[i]]
            assert not missing, f"{ORDER[index].label} holds without {missing}"
    assert road.kyb is None or road.requests, "a KYB exists without a production access request"
    assert road.checklist == expected_checklist(facts)

    kyb = KybStatus(road.kyb) if road.kyb else None
    assert set(road.requests.values()) <= ACCESS_WITH_KYB[kyb], road
    approved = {slug for slug, status in road.requests.items() if status == AccessStatus.APPROVED}
    assert road.grants == approved, "a grant without an approved request, or the other way round"
    assert not approved or kyb == KybStatus.APPROVED, road

    status = KybStatus.DRAFT
    for decision in road.decisions:
        assert decision in services.TRANSITIONS[status], f"{status} became {decision}"
        status = KybStatus(decision)
    assert status == (kyb or KybStatus.DRAFT), "a status changed without its history entry"
