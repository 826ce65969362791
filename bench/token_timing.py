"""How long the token endpoint takes to refuse each kind of bad client, and to accept a good one.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/console_bench \\
        .venv/bin/python bench/token_timing.py [--rounds 2000]

The issue asks that an unknown client, a wrong secret, a revoked secret and another app's
secret get the same 401 "in indistinguishable time". Each case runs through the real view
(Django's test client, in-process, so the network adds no noise), interleaved round by round;
the table gives the median and 90th percentile in microseconds, and each case's median
relative to the unknown client's. A well-formed wrong secret costs one indexed query like the
others; a secret that fails its checksum is refused before any query, which tells an attacker
only that the checksum (public) was wrong. The rows are deleted at the end; nothing secret is
printed.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import organization_create  # noqa: E402
from apps import credentials, services  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    user = User.objects.create_user(email=f"timing-{time.time_ns()}@example.com", password=None)
    organization = organization_create(name="Timing bench", owner=user)
    try:
        app = services.app_create(
            organization=organization,
            name="Timing",
            display_name="Timing",
            app_type="sandbox",
            created_by=user,
        )
        other = services.app_create(
            organization=organization,
            name="Other",
            display_name="Other",
            app_type="sandbox",
            created_by=user,
        )
        _, good = services.client_secret_create(app=app, created_by=user)
        revoked, revoked_plaintext = services.client_secret_create(app=app, created_by=user)
        services.client_secret_revoke(secret=revoked, revoked_by=user)
        _, others = services.client_secret_create(app=other, created_by=user)
        cases = {
            "unknown client": ("f" * 32, good),
            "wrong secret (well-formed)": (app.client_id, credentials.generate()),
            "revoked secret": (app.client_id, revoked_plaintext),
            "another app's secret": (app.client_id, others),
            "wrong secret (bad checksum)": (app.client_id, good[:-2] + "zz"),
            "correct secret (200)": (app.client_id, good),
        }
        timings = run(cases, args.rounds)
    finally:
        organization.delete()
        user.delete()
    report(timings, args.rounds)
    return 0


def run(cases: dict, rounds: int) -> dict[str, list[float]]:
    client = Client()
    bodies = {
        name: urlencode(
            {"client_id": cid, "client_secret": secret, "grant_type": "client_credentials"}
        )
        for name, (cid, secret) in cases.items()
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    # Throttling would turn refusals into 429s; this measures authentication, not the limit.
    # Counts go to Redis as in production (when REDIS_URL is set), under a prefix of their own.
    with override_settings(
        CONSOLE_TOKEN_FAILURES_PER_CLIENT=10**9,
        CONSOLE_TOKEN_FAILURES_PER_IP=10**9,
        CONSOLE_USAGE_REDIS_URL=os.environ.get("REDIS_URL", ""),
        CONSOLE_USAGE_PREFIX=f"bench-timing:{time.time_ns()}",
    ):
        for _ in range(rounds // 10):  # warm up connections and caches
            for body in bodies.values():
                post(client, body)
        for _ in range(rounds):
            for name, body in bodies.items():
                started = time.perf_counter()
                status = post(client, body)
                timings[name].append((time.perf_counter() - started) * 1e6)
                expected = 200 if name.startswith("correct") else 401
                if status != expected:
                    raise SystemExit(f"{name}: got {status}, expected {expected}")
            cache.clear()
        forget_usage()
    return timings


def forget_usage() -> None:
    from django.conf import settings

    from api import usage

    client = usage.redis_client()
    if client is not None:
        for key in client.scan_iter(match=f"{settings.CONSOLE_USAGE_PREFIX}:*"):
            client.delete(key)


def post(client: Client, body: str) -> int:
    return client.post(
        "/api/v1/oauth/token", data=body, content_type="application/x-www-form-urlencoded"
    ).status_code


def report(timings: dict[str, list[float]], rounds: int) -> None:
    redis = "Redis" if os.environ.get("REDIS_URL") else "the database (no REDIS_URL)"
    print(f"database: {connection.vendor}, counts in {redis}, rounds: {rounds}, in-process")
    base = statistics.median(timings["unknown client"])
    print(f"{'case':30} {'median µs':>10} {'p90 µs':>10} {'vs unknown':>11}")
    for name, values in timings.items():
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:30} {median:10.0f} {p90:10.0f} {median / base:10.2f}×")


if __name__ == "__main__":
    sys.exit(main())
