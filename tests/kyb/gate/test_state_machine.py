"""Any sequence of steps, edits and reviews: a Hypothesis state machine.

Part of tests.kyb.gate; the package's docstring says what its tests check.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import User
from apps import services as app_services
from apps.models import App
from kyb import documents as kyb_documents
from kyb import services
from kyb.models import (
    AccessStatus,
    DocumentKind,
    KybDocument,
    KybStatus,
    KybSubmission,
    ProductionAccessRequest,
)
from products.models import GoLiveStep, Product
from products.services import StepMissing
from tests.conftest import contact_sales, organization_of
from tests.kyb import files
from tests.kyb.conftest import COMPANY
from tests.kyb.gate.conftest import (
    KYB_COMPLETED,
    ORDER,
    USE_CASE,
    Road,
    assert_road_holds,
    expected_checklist,
    recorded,
    refusal,
    road_of,
)

SEQUENCES = 500
STEPS = 8  # rules a sequence takes at most, after its start on the road
SLUGS = ("transactions", "account-check", "payment-initiation")
KYB_PARTS = ("company", "owners answer", "owner", "director")
OWNERSHIP = Decimal(40)  # two owners fit, a third would take the total past 100 %
NOT_EDITABLE = {KybStatus.SUBMITTED, KybStatus.APPROVED, KybStatus.REJECTED}
DECISIONS = {
    KybStatus.APPROVED: (services.kyb_submission_approve, AccessStatus.APPROVED),
    KybStatus.CHANGES_REQUESTED: (
        services.kyb_submission_request_changes,
        AccessStatus.CHANGES_REQUESTED,
    ),
    KybStatus.REJECTED: (services.kyb_submission_reject, AccessStatus.REJECTED),
}
# What the sequences must reach between them, or the machine tested too little.
MUST_REACH = {
    *(f"refused: {refusal(step)}" for step in ORDER[:3]),
    "refused: duplicate",
    "refused: kyb_rejected",
    "refused: ownership",
    "refused: incomplete",
    "refused: not_editable",
    "refused: invalid_transition",
    "submitted",
    "resubmitted",
    KybStatus.APPROVED,
    KybStatus.CHANGES_REQUESTED,
    KybStatus.REJECTED,
    "requested while under review",
    "decided on its own",
}

# A refusal the model expects: StepMissing naming a step; a ValidationError with a code or
# about a field (its error_dict names it); or "incomplete", with the list of what is missing.
Refusal = GoLiveStep | str | None


class RoadToProduction(RuleBasedStateMachine):
    """A model of one organization on the road. Each rule predicts whether the service it calls
    succeeds or how it is refused, and a refused call must record nothing; after every rule the
    database must match the model and hold the road's invariants. Each sequence runs in a
    savepoint that teardown() rolls back, so every sequence starts from a clean road."""

    user: User
    reviewer: User
    runs: int
    reached: set[str]

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        type(self).runs += 1
        self.organization = organization_of(self.user)
        self.contacts = 0
        self.production_apps = 0
        self.sandbox_apps = 0
        self.requests: dict[str, AccessStatus] = {}
        self.grants: set[str] = set()
        self.kyb: KybStatus | None = None
        self.legal_name = ""
        self.company_filled = False
        self.no_owners = False
        self.owners = 0
        self.directors = 0
        self.documents: list[str] = []
        self.history: list[KybStatus] = []
        self.edits = 0

    def teardown(self) -> None:
        # The rollback forgets the documents' rows; their encrypted files go too.
        names = (
            []
            if connection.needs_rollback
            else list(
                KybDocument.objects.filter(submission__organization=self.organization).values_list(
                    "storage_name", flat=True
                )
            )
        )
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        for name in names:
            storages["kyb"].delete(name)

    # The model.

    def done(self, step: GoLiveStep) -> bool:
        return {
            GoLiveStep.CONTACT_SALES: self.contacts > 0,
            GoLiveStep.PRODUCTION_APP: self.production_apps > 0,
            GoLiveStep.PRODUCTION_ACCESS: bool(self.requests),
            GoLiveStep.KYB: self.kyb in KYB_COMPLETED,
        }[step]

    def missing(self, step: GoLiveStep) -> GoLiveStep | None:
        return next((s for s in ORDER[: ORDER.index(step)] if not self.done(s)), None)

    def kyb_refusal(self) -> Refusal:
        """Why an edit of the KYB is refused, if it is."""
        if missing := self.missing(GoLiveStep.KYB):
            return missing
        return "not_editable" if self.kyb in NOT_EDITABLE else None

    def complete(self) -> bool:
        return (
            self.company_filled
            and (self.owners > 0) != self.no_owners
            and self.directors > 0
            and set(self.documents) == set(DocumentKind.values)
        )

    def expected_road(self) -> Road:
        facts = [self.done(step) for step in ORDER]
        return Road(
            contacts=self.contacts,
            production_apps=self.production_apps,
            sandbox_apps=self.sandbox_apps,
            requests=self.requests,
            grants=frozenset(self.grants),
            kyb=self.kyb,
            legal_name=self.legal_name,
            owners=self.owners,
            directors=self.directors,
            documents=tuple(sorted(self.documents)),
            decisions=tuple(self.history),
            checklist=expected_checklist(facts),
        )

    def attempt(self, expected: Refusal, call: Callable[[], object]) -> bool:
        """Call a service: True if it succeeded, as the model expected; else check the refusal
        is the one expected and that nothing was recorded."""
        if expected is None:
            call()
            return True
        before = recorded()
        with pytest.raises(ValidationError) as refused:
            call()
        error = refused.value
        if isinstance(expected, GoLiveStep):
            assert isinstance(error, StepMissing), error.messages
            assert error.step == expected
            assert error.messages == [refusal(expected)]
            self.reached.add(f"refused: {refusal(expected)}")
        else:
            assert not isinstance(error, StepMissing), error.messages
            if expected == "incomplete":
                assert error.messages, "an incomplete KYB is refused with what is missing"
            elif hasattr(error, "error_dict"):
                assert expected in error.error_dict, error.message_dict
            else:
                assert error.code == expected, error.messages
            self.reached.add(f"refused: {expected}")
        assert recorded() == before, "a refused call recorded something"
        return False

    # The rules: each one a user's or a reviewer's action.

    @initialize(start=st.integers(0, 5))
    def start_on_the_road(self, start: int) -> None:
        """Sequences start anywhere on the road, so the later steps and the reviews get tried:
        after the first `start` steps, or (5) once the KYB is approved."""
        for _ in range(min(start, 4)):
            self.follow_the_checklist()
        if start == 5:
            self.review(KybStatus.APPROVED)

    @rule()
    def follow_the_checklist(self) -> None:
        """What a user who follows the checklist does next: the next step, whole (for the KYB,
        the parts still missing, then submit); once the four are done, another product."""
        step = next((step for step in ORDER if not self.done(step)), None)
        if step == GoLiveStep.CONTACT_SALES:
            self.contact_sales()
        elif step == GoLiveStep.PRODUCTION_APP:
            self.create_app(production=True)
        elif step == GoLiveStep.KYB:
            parts = ["company"]
            parts += [] if self.owners else ["owner"]
            parts += [] if self.directors else ["director"]
            self.fill_kyb(parts)
            kinds = [kind for kind in DocumentKind.values if kind not in self.documents]
            if kinds:
                self.upload_documents(kinds)
            self.submit_kyb()
        elif slug := next((slug for slug in SLUGS if slug not in self.requests), None):
            self.request_access(slug)

    @rule()
    def contact_sales(self) -> None:
        expected = "too_many" if self.contacts >= 5 else None
        if self.attempt(expected, lambda: contact_sales(self.user)):
            self.contacts += 1

    @rule(production=st.booleans())
    def create_app(self, production: bool) -> None:
        number = self.production_apps + self.sandbox_apps + 1
        app_type = App.Type.PRODUCTION if production else App.Type.SANDBOX

        def create() -> App:
            return app_services.app_create(
                organization=self.organization,
                name=f"App {number}",
                display_name="Alice Fintech",
                app_type=app_type,
                created_by=self.user,
            )

        if self.attempt(self.missing(GoLiveStep.PRODUCTION_APP) if production else None, create):
            if production:
                self.production_apps += 1
            else:
                self.sandbox_apps += 1

    @rule(slug=st.sampled_from(SLUGS))
    def request_access(self, slug: str) -> None:
        expected = self.missing(GoLiveStep.PRODUCTION_ACCESS)
        if expected is None and slug in self.requests:
            expected = "duplicate"
        elif expected is None and self.kyb == KybStatus.REJECTED:
            expected = "kyb_rejected"
        # A production app if there is one; before that, the best a caller has: a sandbox app.
        apps = list(App.objects.filter(organization=self.organization).order_by("app_type")[:1])

        def request() -> ProductionAccessRequest:
            return services.production_access_request(
                organization=self.organization,
                product=Product.objects.get(slug=slug),
                apps=apps,
                use_case=USE_CASE,
                requested_by=self.user,
            )

        if self.attempt(expected, request):
            if self.kyb in (KybStatus.SUBMITTED, KybStatus.APPROVED):
                self.requests[slug] = AccessStatus.UNDER_REVIEW
                self.reached.add("requested while under review")
            else:
                self.requests[slug] = AccessStatus.REQUESTED

    @rule(parts=st.lists(st.sampled_from(KYB_PARTS), min_size=1, max_size=4))
    def fill_kyb(self, parts: list[str]) -> None:
        """Save parts of the KYB: the company, the owners step's answer (turned around each
        time: no person owns 25 % or more, or someone does), a beneficial owner, a director."""
        for part in parts:
            expected = self.kyb_refusal()
            if part == "company":
                self.edits += 1
                legal_name = f"Alice Fintech {self.edits} AB"

                def call(legal_name=legal_name):
                    return services.kyb_company_update(
                        organization=self.organization,
                        updated_by=self.user,
                        **{**COMPANY, "legal_name": legal_name},
                    )

            elif part == "owners answer":

                def call(no_owners=not self.no_owners):
                    return services.beneficial_owners_update(
                        organization=self.organization,
                        updated_by=self.user,
                        no_beneficial_owners=no_owners,
                    )

            elif part == "owner":
                if expected is None and (self.owners + 1) * OWNERSHIP > 100:
                    expected = "ownership"

                def call():
                    return services.beneficial_owner_add(
                        organization=self.organization,
                        added_by=self.user,
                        full_name=f"Owner {self.owners + 1}",
                        date_of_birth=date(1984, 5, 17),
                        nationality="SE",
                        ownership=OWNERSHIP,
                    )

            else:

                def call():
                    return services.director_add(
                        organization=self.organization,
                        added_by=self.user,
                        full_name=f"Director {self.directors + 1}",
                        nationality="SE",
                    )

            if not self.attempt(expected, call):
                continue
            self.kyb = self.kyb or KybStatus.DRAFT
            if part == "company":
                self.company_filled, self.legal_name = True, legal_name
            elif part == "owners answer":
                self.no_owners = not self.no_owners
            elif part == "owner":
                self.owners += 1
            else:
                self.directors += 1

    @rule(kinds=st.lists(st.sampled_from(DocumentKind.values), min_size=1, max_size=3))
    def upload_documents(self, kinds: list[str]) -> None:
        for kind in kinds:
            expected = self.kyb_refusal()
            if expected is None and len(self.documents) >= kyb_documents.MAX_DOCUMENTS:
                expected = "too_many"

            def upload(kind=kind) -> KybDocument:
                return kyb_documents.kyb_document_add(
                    organization=self.organization,
                    uploaded_by=self.user,
                    kind=kind,
                    upload=files.upload(f"{kind}.pdf", files.pdf()),
                )

            if self.attempt(expected, upload):
                self.kyb = self.kyb or KybStatus.DRAFT
                self.documents.append(kind)

    @rule()
    def submit_kyb(self) -> None:
        """Submit, or resubmit once the review asked for changes."""
        expected = self.kyb_refusal()
        if expected is None and not self.complete():
            expected = "incomplete"

        def submit() -> KybSubmission:
            return services.kyb_submit(organization=self.organization, submitted_by=self.user)

        if not self.attempt(expected, submit):
            return
        self.reached.add("resubmitted" if self.kyb == KybStatus.CHANGES_REQUESTED else "submitted")
        self.kyb = KybStatus.SUBMITTED
        self.history.append(KybStatus.SUBMITTED)
        for slug, status in self.requests.items():
            if status in (AccessStatus.REQUESTED, AccessStatus.CHANGES_REQUESTED):
                self.requests[slug] = AccessStatus.UNDER_REVIEW

    @precondition(lambda self: self.kyb is not None)
    @rule(decision=st.sampled_from(list(DECISIONS)))
    def review(self, decision: KybStatus) -> None:
        """A reviewer approves, asks for changes or rejects; the products under review follow."""
        decide, access_status = DECISIONS[decision]
        submission = KybSubmission.objects.get(organization=self.organization)
        expected = None if self.kyb == KybStatus.SUBMITTED else "invalid_transition"
        call = lambda: decide(submission=submission, reviewer=self.reviewer, note="Reviewed.")  # noqa: E731
        if not self.attempt(expected, call):
            return
        self.reached.add(decision)
        self.kyb = decision
        self.history.append(decision)
        for slug, status in self.requests.items():
            if status == AccessStatus.UNDER_REVIEW:
                self.requests[slug] = access_status
                if access_status == AccessStatus.APPROVED:
                    self.grants.add(slug)

    @precondition(lambda self: self.requests)
    @rule(data=st.data(), approve=st.booleans())
    def decide_access(self, data: st.DataObject, approve: bool) -> None:
        """A reviewer decides on one product: only one requested after the KYB was approved."""
        slug = data.draw(st.sampled_from(sorted(self.requests)), label="product")
        on_its_own = (
            self.kyb == KybStatus.APPROVED and self.requests[slug] == AccessStatus.UNDER_REVIEW
        )
        access = ProductionAccessRequest.objects.get(
            organization=self.organization, product__slug=slug
        )

        def decide() -> ProductionAccessRequest:
            return (
                services.production_access_approve if approve else services.production_access_reject
            )(access=access, reviewer=self.reviewer, note="Decided.")

        if self.attempt(None if on_its_own else "invalid_transition", decide):
            self.reached.add("decided on its own")
            self.requests[slug] = AccessStatus.APPROVED if approve else AccessStatus.REJECTED
            if approve:
                self.grants.add(slug)

    @invariant()
    def nothing_illegal_is_reached(self) -> None:
        road = road_of(self.organization)
        assert_road_holds(road)
        assert road == self.expected_road()


def test_no_sequence_of_steps_and_reviews_reaches_an_illegal_state(alice, reviewer, catalog):
    machine = type(
        "Road",
        (RoadToProduction,),
        {"user": alice, "reviewer": reviewer, "runs": 0, "reached": set()},
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=SEQUENCES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    assert machine.runs >= SEQUENCES
    assert machine.reached >= MUST_REACH, MUST_REACH - machine.reached
