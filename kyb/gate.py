"""The road to production, as one state machine.

The seed's four steps are mandatory and in this order: Contact sales, Create a production app,
Request production access, Complete KYB; then Tink's team reviews the KYB. A step is done when
its fact holds *and* the step before it is done, so the checklist can never show a later step
done while an earlier one is missing. Every page reads `go_live()`; every service that takes a
step calls `require()` first, which refuses with StepMissing naming the first missing step.
(Step 2 is taken by apps.services.app_create, a layer below this one: it checks step 1 with
products.services.sales_contact_require, the same rule this module applies.)
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse

from accounts.models import Organization
from apps.models import App
from products.models import GoLiveStep, SalesContact
from products.services import StepMissing

from .models import KybStatus, KybSubmission, ProductionAccessRequest

ORDER: tuple[GoLiveStep, ...] = tuple(GoLiveStep)

# A KYB counts as completed once it is submitted, whatever the review decides afterwards.
KYB_COMPLETED = frozenset({KybStatus.SUBMITTED, KybStatus.APPROVED, KybStatus.REJECTED})


class StepState(models.TextChoices):
    DONE = "done", "Done"
    NEXT = "next", "Next"
    LOCKED = "locked", "Locked"


@dataclass(frozen=True)
class Step:
    step: GoLiveStep
    state: StepState
    # What the user reads beside the step: why it is locked, or what to do next.
    reason: str
    url: str

    @property
    def label(self) -> str:
        return self.step.label


@dataclass(frozen=True)
class GoLive:
    steps: tuple[Step, ...]
    kyb_status: KybStatus | None

    def done(self, step: GoLiveStep) -> bool:
        return self.steps[ORDER.index(step)].state == StepState.DONE

    def missing_before(self, step: GoLiveStep) -> GoLiveStep | None:
        """The first step that must be done before `step` can be taken, if any."""
        for earlier in ORDER[: ORDER.index(step)]:
            if not self.done(earlier):
                return earlier
        return None


_URLS = {
    GoLiveStep.CONTACT_SALES: "products:contact_sales",
    GoLiveStep.PRODUCTION_APP: "apps:create",
    GoLiveStep.PRODUCTION_ACCESS: "kyb:products",
    GoLiveStep.KYB: "kyb:kyb",
}

# The checklist's link to step 2 opens the form with Production chosen.
_QUERIES = {GoLiveStep.PRODUCTION_APP: "?type=production"}

_NEXT = {
    GoLiveStep.CONTACT_SALES: "Tell our business team about your company and plans.",
    GoLiveStep.PRODUCTION_APP: "Create an app with the App type Production.",
    GoLiveStep.PRODUCTION_ACCESS: "In Products, request production access for each product.",
    GoLiveStep.KYB: "Tell us about your company, its owners and directors, and upload documents.",
}


def _facts(organization: Organization) -> tuple[dict[GoLiveStep, bool], KybStatus | None]:
    """Every step's fact in one query (the home page shows the checklist on every visit)."""
    in_organization = {"organization": OuterRef("pk")}
    row = (
        Organization.objects.filter(pk=organization.pk)
        .annotate(
            sales=Exists(SalesContact.objects.filter(**in_organization)),
            production_app=Exists(
                App.objects.filter(**in_organization, app_type=App.Type.PRODUCTION)
            ),
            access=Exists(ProductionAccessRequest.objects.filter(**in_organization)),
            kyb=Subquery(KybSubmission.objects.filter(**in_organization).values("status")[:1]),
        )
        .values("sales", "production_app", "access", "kyb")
        .first()
    ) or {"sales": False, "production_app": False, "access": False, "kyb": None}
    kyb_status = KybStatus(row["kyb"]) if row["kyb"] else None
    facts = {
        GoLiveStep.CONTACT_SALES: row["sales"],
        GoLiveStep.PRODUCTION_APP: row["production_app"],
        GoLiveStep.PRODUCTION_ACCESS: row["access"],
        GoLiveStep.KYB: kyb_status in KYB_COMPLETED,
    }
    return facts, kyb_status


def go_live(organization: Organization) -> GoLive:
    """The checklist: each step done, next or locked, and why."""
    facts, kyb_status = _facts(organization)
    steps: list[Step] = []
    previous: Step | None = None
    for step in ORDER:
        url = reverse(_URLS[step]) + _QUERIES.get(step, "")
        if previous is not None and previous.state != StepState.DONE:
            blocker = next(s for s in steps if s.state != StepState.DONE)
            state, reason = StepState.LOCKED, f"{blocker.label} first."
        elif facts[step]:
            state, reason = StepState.DONE, ""
        else:
            state, reason = StepState.NEXT, _NEXT[step]
            if step == GoLiveStep.KYB and kyb_status == KybStatus.CHANGES_REQUESTED:
                reason = "Our team asked for changes: edit your KYB and submit it again."
        previous = Step(step=step, state=state, reason=reason, url=url)
        steps.append(previous)
    return GoLive(steps=tuple(steps), kyb_status=kyb_status)


def require(organization: Organization, step: GoLiveStep) -> GoLive:
    """Refuse to take `step` while an earlier one is missing (raises StepMissing)."""
    state = go_live(organization)
    missing = state.missing_before(step)
    if missing is not None:
        raise StepMissing(missing)
    return state
