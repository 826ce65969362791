from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.models import App

from .models import Outcome, UsageCount

RANGES = (7, 30, 90)
DEFAULT_RANGE = 30
FAILURES = [outcome for outcome in Outcome.values if outcome != Outcome.ISSUED]


@dataclass(frozen=True)
class Total:
    outcome: str
    label: str
    count: int


@dataclass
class Day:
    day: date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def issued(self) -> int:
        return self.counts.get(Outcome.ISSUED, 0)

    @property
    def failed(self) -> int:
        return sum(self.counts.get(outcome, 0) for outcome in FAILURES)

    @property
    def any(self) -> bool:
        return any(self.counts.values())

    def row(self) -> list[int]:
        return [self.counts.get(outcome, 0) for outcome in Outcome.values]

    def cells(self) -> list[Total]:
        """The day's count of each outcome, in the table's column order."""
        return [
            Total(outcome, label, self.counts.get(outcome, 0)) for outcome, label in Outcome.choices
        ]


@dataclass
class Usage:
    days: list[Day]

    @property
    def issued(self) -> int:
        return sum(day.issued for day in self.days)

    @property
    def failed(self) -> int:
        return sum(day.failed for day in self.days)

    @property
    def totals(self) -> list[Total]:
        """Every outcome with its total over the days, tokens issued first."""
        return [
            Total(outcome, label, sum(day.counts.get(outcome, 0) for day in self.days))
            for outcome, label in Outcome.choices
        ]

    @property
    def failures_by_reason(self) -> list[Total]:
        return [total for total in self.totals if total.outcome != Outcome.ISSUED]

    @property
    def days_with_requests(self) -> list[Day]:
        """The days that had any request, newest first: the table leaves the others out."""
        return [day for day in reversed(self.days) if day.any]

    @property
    def empty(self) -> bool:
        return not (self.issued or self.failed)


def days_of(request_value: str | None) -> int:
    try:
        days = int(request_value or DEFAULT_RANGE)
    except ValueError:
        return DEFAULT_RANGE
    return days if days in RANGES else DEFAULT_RANGE


def _first_day(days: int) -> tuple[date, datetime]:
    first = timezone.now().astimezone(UTC).date() - timedelta(days=days - 1)
    return first, datetime.combine(first, time.min, tzinfo=UTC)


def usage(*, apps: list[App], days: int) -> Usage:
    """Token requests per UTC day and outcome over the last `days` days, in one query."""
    first, since = _first_day(days)
    rows = (
        UsageCount.objects.filter(app__in=apps, hour__gte=since)
        .annotate(day=TruncDate("hour", tzinfo=UTC))
        .values("day", "outcome")
        .annotate(total=Sum("count"))
    )
    by_day = {first + timedelta(days=n): Day(first + timedelta(days=n)) for n in range(days)}
    for row in rows:
        if row["day"] in by_day:
            by_day[row["day"]].counts[row["outcome"]] = row["total"]
    return Usage(days=list(by_day.values()))


def usage_per_app(*, apps: list[App], days: int) -> dict[int, tuple[int, int]]:
    """(issued, failed) per app id over the last `days` days, in one query."""
    _, since = _first_day(days)
    rows = (
        UsageCount.objects.filter(app__in=apps, hour__gte=since)
        .values("app", "outcome")
        .annotate(total=Sum("count"))
    )
    totals = {app.pk: [0, 0] for app in apps}
    for row in rows:
        slot = 0 if row["outcome"] == Outcome.ISSUED else 1
        totals[row["app"]][slot] += row["total"]
    return {pk: (issued, failed) for pk, (issued, failed) in totals.items()}
