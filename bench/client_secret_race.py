"""Race many concurrent creators of client secrets against the five-secret limit, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/console_bench \\
        .venv/bin/python bench/client_secret_race.py [--rounds 20] [--threads 50]

For each k in 0..5, each round gives a fresh app k active secrets, then releases --threads
threads at once (a barrier), each with its own database connection, each calling
apps.services.client_secret_create in its own transaction. A round is a violation when the
app ends with anything but min(k + threads, 5) active secrets in distinct slots 1..5, when the
number of new secrets differs from the expected one, or when a call fails with anything other
than the service's "too many" ValidationError. See bench/README.md.

The database is created when missing and migrated; the organization, user and apps made here
are deleted at the end. No secret is printed.
"""

import argparse
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The suite's settings are production settings (DEBUG off, so no per-query bookkeeping skews the
# timings) with a throwaway SECRET_KEY when none is set; the HMAC key only hashes bench rows.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import Organization, User  # noqa: E402
from accounts.services import organization_create  # noqa: E402
from apps import services  # noqa: E402
from apps.models import MAX_ACTIVE_SECRETS, App, ClientSecret  # noqa: E402
from bench.database import ensure_database  # noqa: E402

SLOTS = list(range(1, MAX_ACTIVE_SECRETS + 1))
HANG_SECONDS = 120  # a round that takes longer than this is stuck, not slow


@dataclass
class Row:
    """What happened for one k over every round."""

    k: int
    expected: int
    observed: list[int] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    violations: int = 0
    problems: list[str] = field(default_factory=list)


def _describe(exc: BaseException) -> str:
    # The first line only: a database error's DETAIL line can quote column values.
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def race(app: App, user: User, threads: int) -> tuple[int, list[float], list[str]]:
    """Release `threads` creators at once; return how many created, each call's ms, errors."""
    barrier = threading.Barrier(threads, timeout=HANG_SECONDS)
    lock = threading.Lock()
    created: list[int] = []
    latencies: list[float] = []
    errors: list[str] = []

    # Each thread gets its own App instance, as each request loads its own.
    own_apps = [App.objects.get(pk=app.pk) for _ in range(threads)]

    def run(n: int) -> None:
        own_app = own_apps[n]
        try:
            try:
                connection.ensure_connection()
            except Exception as exc:
                barrier.abort()
                with lock:
                    errors.append(f"could not connect: {_describe(exc)}")
                return
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                with lock:
                    errors.append("the start barrier broke")
                return
            started = time.perf_counter()
            outcome = None
            try:
                with transaction.atomic():
                    services.client_secret_create(app=own_app, created_by=user, name=f"Bench {n}")
                outcome = "created"
            except ValidationError as exc:
                if getattr(exc, "code", None) != "too_many":
                    outcome = _describe(exc)
            except Exception as exc:
                outcome = _describe(exc)
            elapsed_ms = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed_ms)
                if outcome == "created":
                    created.append(n)
                elif outcome is not None:
                    errors.append(outcome)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(HANG_SECONDS)
    if any(worker.is_alive() for worker in workers):
        errors.append("a thread was still running after the round")
    return len(created), latencies, errors


def run_round(row: Row, organization: Organization, user: User, threads: int) -> None:
    app = services.app_create(
        organization=organization,
        name=f"Bench {uuid.uuid4().hex[:12]}",
        display_name="Bench",
        app_type=App.Type.SANDBOX,
        created_by=user,
    )
    for n in range(row.k):
        services.client_secret_create(app=app, created_by=user, name=f"Existing {n}")

    created, latencies, errors = race(app, user, threads)

    row.observed.append(created)
    row.latencies_ms += latencies
    problems = [f"unexpected {error}" for error in errors]
    if created != row.expected:
        problems.append(f"{created} new secrets, expected {row.expected}")
    slots = sorted(ClientSecret.objects.active().filter(app=app).values_list("slot", flat=True))
    if slots != SLOTS[: min(row.k + threads, MAX_ACTIVE_SECRETS)]:
        problems.append(f"active slots {slots}")
    if problems:
        row.violations += 1
        row.problems += sorted(set(problems))
    app.delete()


def print_table(rows: list[Row], rounds: int, threads: int) -> None:
    header = (
        "k",
        "rounds",
        "threads",
        "expected new",
        "observed min",
        "observed max",
        "violations",
        "p50 ms",
        "p95 ms",
    )
    lines = [header]
    for row in rows:
        lines.append(
            (
                str(row.k),
                str(rounds),
                str(threads),
                str(row.expected),
                str(min(row.observed)),
                str(max(row.observed)),
                str(row.violations),
                f"{_percentile(row.latencies_ms, 0.50):.1f}" if row.latencies_ms else "-",
                f"{_percentile(row.latencies_ms, 0.95):.1f}" if row.latencies_ms else "-",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for index, line in enumerate(lines):
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="rounds for each k (default 20)")
    parser.add_argument("--threads", type=int, default=50, help="creators per round (default 50)")
    args = parser.parse_args()
    if args.rounds < 1 or args.threads < 1:
        parser.error("--rounds and --threads must be at least 1")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        parser.error(
            "set DATABASE_URL=postgres://…: SQLite lets one writer in at a time and hides races"
        )

    ensure_database()
    call_command("migrate", interactive=False, verbosity=0)
    settings = connection.settings_dict
    print(
        f"database {settings['NAME']} on {settings['HOST'] or 'localhost'}; "
        f"{args.rounds} rounds x {args.threads} threads for each k in 0..{MAX_ACTIVE_SECRETS}"
    )

    tag = uuid.uuid4().hex[:12]
    user = User.objects.create_user(email=f"bench-{tag}@example.invalid")  # unusable password
    organization = organization_create(name=f"Bench {tag}", owner=user)
    rows = [
        Row(k=k, expected=min(args.threads, MAX_ACTIVE_SECRETS - k))
        for k in range(MAX_ACTIVE_SECRETS + 1)
    ]
    try:
        for row in rows:
            for _ in range(args.rounds):
                run_round(row, organization, user, args.threads)
    finally:
        # The organization takes its apps, secrets, memberships and audit events with it.
        organization.delete()
        user.delete()

    print_table(rows, args.rounds, args.threads)
    problems = [f"k={row.k}: {problem}" for row in rows for problem in row.problems]
    for problem in sorted(set(problems))[:20]:
        print(problem)
    return 1 if any(row.violations for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
