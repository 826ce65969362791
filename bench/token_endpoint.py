"""Load the token endpoint under gunicorn next to the Django floor, django-oauth-toolkit and the
console pages, in interleaved rounds, and check the goals of issue 4.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/console_bench \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
        make bench [BENCH_ARGS="--rounds 5 --duration 5"]

The script migrates the database (created when missing; without DATABASE_URL a temporary
SQLite file), collects static files into a temporary folder, seeds a user, an organization, a
sandbox app with a client secret and two django-oauth-toolkit applications, checks each target
once in-process (status and query counts), then starts one gunicorn on 127.0.0.1 with
bench.settings and runs wrk (Debian's `wrk` package) against each target, every round in a
rotated order. It prints the environment, a table per target, and the median of the
within-round ratios against the goals. Everything it made is deleted at the end. No secret,
token or session key is printed: they travel to wrk in its environment only.

Targets, all on the same server:
- floor: bench/urls.py's small JSON view, full middleware, no database;
- DOT hashed / DOT unhashed: django-oauth-toolkit's TokenView, client_credentials, with its
  default hashed secret (CLIENT_SECRET_HASHER "default": the first of PASSWORD_HASHERS) and with
  hash_client_secret=False;
- ours: POST /api/v1/oauth/token, client_credentials, the same form fields;
- the console pages of a logged-in owner: the app list, the API client tab, and analytics.

Exit status: 0 when the run completed, 1 when a target had errors (or, with --strict, when a
goal was missed), 2 when it could not run.
"""

import argparse
import contextlib
import http.client
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
# Import bench.* and the project from the checkout, not bench/ itself.
sys.path[0] = str(ROOT)
LUA = ROOT / "bench" / "wrk_post.lua"

GOALS = {
    "ours_floor": 0.5,
    "ours_dot_plain": 5.0,
    "ours_dot_hashed": 150.0,
    "ours_p99_ms": 25.0,
    "pages_floor": 0.3,
}


class CannotRun(Exception):
    """The run can't go on (a target's answer, gunicorn, wrk): exit status 2."""


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    errors: int
    detail: str
    server_cpu_ms: float = 0.0  # gunicorn's processes, CPU time per answered request
    db_cpu_ms: float = 0.0  # PostgreSQL's backends of this database, likewise


@dataclass
class Target:
    key: str
    label: str
    path: str
    method: str = "GET"
    body: str = field(default="", repr=False)  # holds a client secret: never printed
    cookie: str = field(default="", repr=False)  # holds a session key: never printed
    expect: str = ""
    duration: float = 5.0
    timeout: float = 10.0
    queries: str = "-"
    runs: list[Run] = field(default_factory=list)


def parse_args() -> argparse.Namespace:
    cpus = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per target")
    parser.add_argument(
        "--hashed-duration",
        type=float,
        default=None,
        help="seconds for DOT with hashed secrets (default: twice --duration, at least 10)",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=min(2, cpus))
    # The production image's shape (Dockerfile): 3 sync workers.
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated target keys to load (floor,dot_hashed,dot_plain,ours,"
        "page_apps,page_api_client,page_analytics); default: all",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="no server: time N in-process requests per target and cProfile one (CPU time)",
    )
    parser.add_argument(
        "--profile-target", default="ours", metavar="KEY", help="the target --profile profiles"
    )
    parser.add_argument(
        "--dot-hasher",
        default="default",
        help="DOT's CLIENT_SECRET_HASHER for the hashed application: 'default' (the first of "
        "PASSWORD_HASHERS, Argon2 here) or a hasher's algorithm, e.g. pbkdf2_sha256",
    )
    parser.add_argument("--keep", action="store_true", help="keep the seeded rows and files")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args()
    if args.rounds < 1 or args.duration <= 0 or args.connections < 1:
        parser.error("--rounds, --duration and --connections must be positive")
    if args.hashed_duration is None:
        args.hashed_duration = max(10.0, 2 * args.duration)
    return args


def prepare_environment(workdir: Path) -> dict[str, str]:
    """The settings' environment, shared by this process and gunicorn; returns what to report."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DEBUG"] = "0"  # production settings, whatever the shell says
    # Persistent connections that outlive the run (production: 60 s), so that each worker keeps
    # one database backend whose CPU time can be read.
    os.environ.setdefault("CONN_MAX_AGE", "600")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    if not os.environ.get("CONSOLE_SIGNING_KEYS"):
        from api.keys import new_key  # settings-free

        os.environ["CONSOLE_SIGNING_KEYS"] = new_key()
    os.environ["BENCH_STATIC_ROOT"] = str(workdir / "static")
    report = {}
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        report["database_note"] = "temporary SQLite file (set DATABASE_URL for PostgreSQL)"
    return report


def redis_shown(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"


# --- Seeding and in-process checks ----------------------------------------------------------


@dataclass
class Seed:
    tag: str
    user: object
    organization: object
    app: object
    dot_apps: list
    session_key: str = field(repr=False)
    ours_body: str = field(repr=False)
    dot_hashed_body: str = field(repr=False)
    dot_plain_body: str = field(repr=False)
    dot_hasher: str = ""


def seed(tag: str) -> Seed:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import identify_hasher
    from django.test import Client
    from oauth2_provider.generators import generate_client_secret
    from oauth2_provider.models import get_application_model

    from accounts.models import User
    from accounts.services import organization_create
    from apps.models import App
    from apps.services import app_create, client_secret_create

    email = f"bench-{tag}@example.com"
    user = User.objects.create_user(email=email)  # no usable password: sessions only
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    organization = organization_create(name=f"Bench {tag}", owner=user)
    app = app_create(
        organization=organization,
        name="Bench sandbox",
        display_name="Bench",
        app_type=App.Type.SANDBOX,
        created_by=user,
    )
    _, plaintext = client_secret_create(app=app, created_by=user, name="bench")
    ours_body = urlencode(
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": plaintext}
    )

    Application = get_application_model()
    dot_apps, dot_bodies, hasher = [], [], ""
    for hashed in (True, False):
        dot_secret = generate_client_secret()
        dot_app = Application.objects.create(
            name=f"bench-{tag}-{'hashed' if hashed else 'unhashed'}",
            user=user,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=dot_secret,
            hash_client_secret=hashed,
        )
        if hashed:
            hasher = identify_hasher(dot_app.client_secret).algorithm
        dot_apps.append(dot_app)
        dot_bodies.append(
            urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_id": dot_app.client_id,
                    "client_secret": dot_secret,
                }
            )
        )

    client = Client()
    client.force_login(user)
    from django.conf import settings

    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return Seed(
        tag=tag,
        user=user,
        organization=organization,
        app=app,
        dot_apps=dot_apps,
        session_key=session_key,
        ours_body=ours_body,
        dot_hashed_body=dot_bodies[0],
        dot_plain_body=dot_bodies[1],
        dot_hasher=hasher,
    )


def enlarge(data: Seed) -> str:
    """More of everything the pages list: their query counts must not change."""
    from apps.models import App
    from apps.services import (
        app_create,
        client_secret_create,
        client_secret_revoke,
        redirect_uri_add,
    )

    for n in range(2, 6):
        app_create(
            organization=data.organization,
            name=f"Bench app {n}",
            display_name="Bench",
            app_type=App.Type.SANDBOX,
            created_by=data.user,
        )
    extra = [client_secret_create(app=data.app, created_by=data.user)[0] for _ in range(3)]
    client_secret_revoke(secret=extra[-1], revoked_by=data.user)
    client_secret_create(app=data.app, created_by=data.user)
    for n in range(2):
        redirect_uri_add(app=data.app, uri=f"https://bench{n}.example.com/cb", added_by=data.user)
    return "5 apps; 4 active and 1 revoked secrets, 2 redirect URIs on the first"


def in_process_client():
    from django.test import Client

    # The proxy's header, as wrk sends it; the host gunicorn is reached by.
    return Client(SERVER_NAME="127.0.0.1", headers={"x-forwarded-proto": "https"})


def probe(client, target: Target) -> tuple[int, int, bool]:
    """(status, queries, body as expected) of one request in-process; nothing is printed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        if target.method == "POST":
            response = client.post(
                target.path, target.body, content_type="application/x-www-form-urlencoded"
            )
        else:
            response = client.get(target.path)
    body = response.content.decode(errors="replace")
    ok = response.status_code == 200 and (not target.expect or target.expect in body)
    return response.status_code, len(queries), ok


def find_analytics(client, client_id: str) -> tuple[str | None, str]:
    """The app's analytics page, and a note when it doesn't answer 200."""
    from django.urls import reverse

    path = reverse("analytics:app", args=[client_id])
    if client.get(path).status_code != 200:
        return None, f"{path} doesn't answer 200: skipped"
    return path, ""


def build_targets(data: Seed, args: argparse.Namespace) -> tuple[list[Target], list[str]]:
    """The targets, each checked once in-process; returns them and the notes to print."""
    from django.conf import settings

    # Like wrk: the pages with the session cookie, the other targets without any cookie.
    anonymous, client = in_process_client(), in_process_client()
    client.cookies[settings.SESSION_COOKIE_NAME] = data.session_key
    cookie = f"{settings.SESSION_COOKIE_NAME}={data.session_key}"
    api_client = f"/apps/{data.app.client_id}/settings/api-client/"
    targets = [
        Target("floor", "Django floor", "/bench/floor", expect='"ok"'),
        Target(
            "dot_hashed",
            f"DOT, hashed secret ({data.dot_hasher})",
            "/bench/dot/token/",
            "POST",
            data.dot_hashed_body,
            expect='"access_token"',
            duration=args.hashed_duration,
            timeout=60.0,
        ),
        Target(
            "dot_plain",
            "DOT, hash_client_secret=False",
            "/bench/dot/token/",
            "POST",
            data.dot_plain_body,
            expect='"access_token"',
        ),
        Target(
            "ours",
            "ours: /api/v1/oauth/token",
            "/api/v1/oauth/token",
            "POST",
            data.ours_body,
            expect='"access_token"',
        ),
        Target("page_apps", "page: app list", "/apps/", cookie=cookie),
        Target("page_api_client", "page: API client tab", api_client, cookie=cookie),
    ]
    notes = []
    analytics, note = find_analytics(client, data.app.client_id)
    if analytics:
        targets.append(Target("page_analytics", "page: analytics", analytics, cookie=cookie))
    if note:
        notes.append(f"analytics: {note}")

    pages = [target for target in targets if target.key.startswith("page_")]
    before = {}
    for target in targets:
        status, queries, ok = probe(client if target.cookie else anonymous, target)
        if not ok:
            raise CannotRun(
                f"{target.label} ({target.path}) answered {status} in-process, not the expected "
                f"200 answer; nothing was loaded."
            )
        # The second time counts: per-process caches (the catalog's scopes) are warm.
        status, queries, ok = probe(client if target.cookie else anonymous, target)
        before[target.key] = queries
        target.queries = str(queries)
    grown = enlarge(data)
    for target in pages:
        _, queries, ok = probe(client, target)
        constant = queries == before[target.key]
        target.queries = f"{before[target.key]} -> {queries}"
        if not constant:
            notes.append(f"{target.label}: {before[target.key]} queries grew to {queries}")
    notes.insert(0, f"page queries measured with 1 app and 1 secret, then with {grown}")
    only = {key.strip() for key in args.only.split(",") if key.strip()}
    if only:
        targets = [target for target in targets if target.key in only]
    return targets, notes


def cleanup(data: Seed | None) -> None:
    from django.contrib.sessions.models import Session
    from django.db import connection

    if data is None:
        return
    with contextlib.suppress(Exception):
        connection.close()  # a fresh connection: the old one may have died with the server
    for dot_app in data.dot_apps:
        dot_app.delete()  # and its access tokens
    Session.objects.filter(session_key=data.session_key).delete()
    # The organization takes its apps, secrets, usage counts and audit events with it.
    data.organization.delete()
    data.user.delete()
    from django.conf import settings

    from api.usage import redis_client

    client = redis_client()
    if client is not None:
        with contextlib.suppress(Exception):
            keys = list(client.scan_iter(match=f"{settings.CONSOLE_USAGE_PREFIX}:*"))
            if keys:
                client.delete(*keys)


# --- The server and the load ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 30.0) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        return connection.getresponse().status
    finally:
        connection.close()


def start_server(args: argparse.Namespace, port: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "bench.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--chdir",
        str(ROOT),
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
    ]
    # A session of its own: the whole group is stopped at the end, and Ctrl-C in the terminal
    # reaches this script, which stops it, rather than killing workers mid-request.
    # The workers' own output (Django logs errors to stderr) goes to the log too, not to the
    # terminal, where a failing target would bury the table under tracebacks.
    with log.open("ab") as output:
        server = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, start_new_session=True, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                tail = log.read_text()[-3000:] if log.exists() else ""
                raise CannotRun(f"gunicorn exited with {server.returncode}:\n{tail}")
            with contextlib.suppress(OSError):
                if get(port, "/bench/floor", timeout=2) == 200:
                    return server
            time.sleep(0.2)
        raise CannotRun("gunicorn did not answer within 60 s")
    except BaseException:  # the caller never gets the server: stop it here (also on Ctrl-C)
        stop_server(server)
        raise


def stop_server(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def drain(port: int) -> None:
    """Wait until the workers are idle: a slow target leaves requests queued after wrk stops."""
    deadline = time.monotonic() + 120
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.perf_counter()
        with contextlib.suppress(OSError):
            get(port, "/bench/floor", timeout=60)
        if time.perf_counter() - started < 0.1:
            quick += 1
        else:
            quick = 0
            time.sleep(0.5)
    time.sleep(0.5)


BENCH_LINE = re.compile(r"^BENCH (.*)$", re.MULTILINE)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (state) on, or None when the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def group_pids(group: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and int(fields[2]) == group:
                pids.append(int(entry.name))
    return pids


def db_backend_pids() -> list[int]:
    """PostgreSQL backends connected to the benchmark's database, other than this script's."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User plus system CPU time of each process still there."""
    times = {}
    for pid in pids:
        fields = _stat(pid)
        if fields:
            times[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return times


def cpu_used(before: dict[int, float], pids: list[int]) -> float:
    after = cpu_seconds(pids)
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def load(
    target: Target,
    port: int,
    args: argparse.Namespace,
    duration: float,
    server: subprocess.Popen | None = None,
) -> Run:
    env = {
        **os.environ,
        "BENCH_METHOD": target.method,
        "BENCH_BODY": target.body,
        "BENCH_COOKIE": target.cookie,
        "BENCH_EXPECT_BODY": target.expect,
    }
    command = [
        "wrk",
        "-t",
        str(min(args.wrk_threads, args.connections)),
        "-c",
        str(args.connections),
        "-d",
        f"{duration:g}s",
        "--timeout",
        f"{target.timeout:g}s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}{target.path}",
    ]
    server_pids = group_pids(server.pid) if server else []
    db_pids = db_backend_pids() if server else []
    server_before, db_before = cpu_seconds(server_pids), cpu_seconds(db_pids)
    result = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=duration + 120
    )
    # Right when wrk stops: requests still queued are neither counted nor (mostly) served yet.
    server_cpu = cpu_used(server_before, group_pids(server.pid)) if server else 0.0
    db_cpu = cpu_used(db_before, db_backend_pids()) if server else 0.0
    match = BENCH_LINE.search(result.stdout)
    if result.returncode != 0 or not match:
        raise CannotRun(f"wrk failed on {target.label}: {result.stderr.strip()[:500]}")
    values = {
        key: int(value) for key, value in (pair.split("=") for pair in match.group(1).split())
    }
    socket_errors = sum(values[key] for key in ("connect", "read", "write", "timeout"))
    seconds = values["duration_us"] / 1e6
    answered = max(values["requests"], 1)
    return Run(
        server_cpu_ms=server_cpu * 1000 / answered,
        db_cpu_ms=db_cpu * 1000 / answered,
        rps=values["requests"] / seconds if seconds else 0.0,
        p50_ms=values["p50_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        max_ms=values["max_us"] / 1000,
        requests=values["requests"],
        errors=values["bad"] + socket_errors,
        detail=(
            f"not 200 or unexpected body {values['bad']}, connect {values['connect']}, "
            f"read {values['read']}, write {values['write']}, timeout {values['timeout']}"
        ),
    )


# --- The report -------------------------------------------------------------------------------


def loadavg() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


def print_environment(args, facts: dict[str, str]) -> None:
    print("Environment")
    for name, value in facts.items():
        print(f"  {name:<14} {value}")
    print()


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def print_targets(targets: list[Target]) -> None:
    header = (
        "target",
        "path",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
        "queries",
        "CPU ms/req",
    )
    rows = []
    for target in targets:
        runs = target.runs
        path = target.path if len(target.path) <= 34 else target.path[:31] + "..."
        rows.append(
            (
                target.label,
                path,
                fmt(statistics.median(run.rps for run in runs)),
                fmt(statistics.median(run.p50_ms for run in runs), 2),
                fmt(statistics.median(run.p99_ms for run in runs), 2),
                fmt(max(run.max_ms for run in runs), 1),
                str(sum(run.errors for run in runs)),
                target.queries,
                f"{statistics.median(run.server_cpu_ms for run in runs):.2f} + "
                f"{statistics.median(run.db_cpu_ms for run in runs):.2f}",
            )
        )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(
        "Targets (median over rounds; max and errors over all rounds; queries in-process;\n"
        "CPU time per answered request: gunicorn's processes + the database's backends)"
    )
    for n, row in enumerate([header, *rows]):
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  " + "  ".join(cells))
        if n == 0:
            print("  " + "  ".join("-" * width for width in widths))
    print()
    print("Per round, req/s (p99 ms)")
    for target in targets:
        per_round = "  ".join(f"{run.rps:8.1f} ({run.p99_ms:6.1f})" for run in target.runs)
        print(f"  {target.label:<34} {per_round}")
    print()


def ratio_rows(by_key: dict[str, Target]) -> list[tuple]:
    """(label, median, per-round values, goal text, pass) for each goal."""

    def ratios(numerator: str, denominator: str) -> list[float]:
        top, bottom = by_key[numerator].runs, by_key[denominator].runs
        return [a.rps / b.rps if b.rps else float("inf") for a, b in zip(top, bottom, strict=True)]

    rows = []
    if {"ours", "floor"} <= by_key.keys():
        values = ratios("ours", "floor")
        goal = GOALS["ours_floor"]
        rows.append(("ours / floor", values, f">= {goal:g}", statistics.median(values) >= goal))
    if {"ours", "dot_plain"} <= by_key.keys():
        values = ratios("ours", "dot_plain")
        goal = GOALS["ours_dot_plain"]
        rows.append(
            ("ours / DOT unhashed", values, f">= {goal:g}", statistics.median(values) >= goal)
        )
    if {"ours", "dot_hashed"} <= by_key.keys():
        values = ratios("ours", "dot_hashed")
        goal = GOALS["ours_dot_hashed"]
        rows.append(
            ("ours / DOT hashed", values, f">= {goal:g}", statistics.median(values) >= goal)
        )
    for key, target in by_key.items():
        if key.startswith("page_") and "floor" in by_key:
            values = ratios(key, "floor")
            goal = GOALS["pages_floor"]
            rows.append(
                (
                    f"{target.label.removeprefix('page: ')} / floor",
                    values,
                    f">= {goal:g}",
                    statistics.median(values) >= goal,
                )
            )
    return rows


def print_goals(targets: list[Target], connections: int) -> bool:
    by_key = {target.key: target for target in targets}
    lines = []
    for label, values, goal, ok in ratio_rows(by_key):
        per_round = " ".join(f"{value:.2f}" for value in values)
        lines.append((label, f"{statistics.median(values):.2f}", per_round, goal, ok))
    if "ours" in by_key:
        p99s = [run.p99_ms for run in by_key["ours"].runs]
        p99 = statistics.median(p99s)
        per_round = " ".join(f"{value:.1f}" for value in p99s)
        goal = GOALS["ours_p99_ms"]
        lines.append(("ours p99 ms", f"{p99:.1f}", per_round, f"<= {goal:g}", p99 <= goal))
    errors = sum(run.errors for target in targets for run in target.runs)
    lines.append(("errors, all targets", str(errors), "", "= 0", errors == 0))
    pages = [target for target in targets if target.key.startswith("page_")]
    if pages:
        constant = all(len(set(target.queries.split(" -> "))) == 1 for target in pages)
        counts = ", ".join(target.queries for target in pages)
        lines.append(
            ("page queries constant", "yes" if constant else "no", counts, "yes", constant)
        )
    header = ("goal", "value", "per round", "target", "result")
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(4)]
    print("Goals (ratios: median of the within-round ratios of req/s)")
    print(
        "  " + "  ".join(h.ljust(w) for h, w in zip(header[:4], widths, strict=True)) + "  result"
    )
    print("  " + "  ".join("-" * w for w in widths) + "  ------")
    for label, value, per_round, goal, ok in lines:
        cells = (
            label.ljust(widths[0]),
            value.rjust(widths[1]),
            per_round.ljust(widths[2]),
            goal.ljust(widths[3]),
        )
        print("  " + "  ".join(cells) + "  " + ("PASS" if ok else "MISS"))
    print()
    # What the goals allow on this machine: an endpoint can't beat the floor it runs on.
    for peer, label in (("dot_plain", "DOT unhashed"), ("dot_hashed", "DOT hashed")):
        if {"floor", peer} <= by_key.keys():
            ceiling = statistics.median(
                floor.rps / other.rps if other.rps else float("inf")
                for floor, other in zip(by_key["floor"].runs, by_key[peer].runs, strict=True)
            )
            print(
                f"  ceiling: floor / {label} = {ceiling:.2f}, the ratio of an endpoint that cost "
                "no more than the floor"
            )
    if "ours" in by_key:
        print(
            f"  with {connections} connections, mean latency = {connections} / req/s: a p99 of "
            f"{GOALS['ours_p99_ms']:g} ms needs well over "
            f"{connections / GOALS['ours_p99_ms'] * 1000:.0f} req/s"
        )
    print()
    for target in targets:
        for n, run in enumerate(target.runs, 1):
            if run.errors:
                print(f"  errors: {target.label}, round {n}: {run.detail}")
    return all(line[4] for line in lines)


def profile(data: Seed, targets: list[Target], n: int, key: str) -> None:
    """Where a request's time goes, without the server: the Django test Client in this process."""
    import cProfile
    import pstats

    from django.conf import settings

    anonymous, member = in_process_client(), in_process_client()
    member.cookies[settings.SESSION_COOKIE_NAME] = data.session_key

    def requester(target: Target):
        client = member if target.cookie else anonymous
        if target.method == "POST":
            return lambda: client.post(
                target.path, target.body, content_type="application/x-www-form-urlencoded"
            )
        return lambda: client.get(target.path)

    print(f"In-process, {n} requests each (test Client; no gunicorn, no health check)")
    for target in targets:
        if target.key == "dot_hashed":
            continue
        send = requester(target)
        for _ in range(min(n, 50)):
            send()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            send()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"  {target.label:<34} {wall / n * 1000:7.3f} ms wall  "
            f"{cpu / n * 1000:7.3f} ms CPU  per request"
        )
    chosen = next((target for target in targets if target.key == key), None)
    if chosen is None:
        return
    send = requester(chosen)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(n):
        send()
    profiler.disable()
    print()
    print(
        f"cProfile of {chosen.label}, CPU time, {n} requests "
        "(the profiler inflates Python-heavy parts)"
    )
    pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats("cumulative").print_stats(40)


# --- Main -----------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    if not args.profile and shutil.which("wrk") is None:
        print(
            "bench/token_endpoint.py needs wrk, the HTTP load generator: "
            "`apt-get install wrk` (Debian, Ubuntu), `brew install wrk` (macOS).",
            file=sys.stderr,
        )
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="console-bench-"))
    facts = prepare_environment(workdir)
    os.environ["BENCH_DOT_HASHER"] = args.dot_hasher

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    # SIGTERM ends the run like Ctrl-C: through the finally blocks, which stop gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    server = None
    data = None
    ok = True
    try:
        from bench.database import ensure_database

        ensure_database()
        call_command("migrate", "--noinput", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
        data = seed(uuid.uuid4().hex[:10])
        targets, notes = build_targets(data, args)
        if args.profile:
            profile(data, targets, args.profile, args.profile_target)
            return 0
        connection.close()

        import django as dj
        import gunicorn
        import oauth2_provider

        database = settings.DATABASES["default"]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                version = cursor.fetchone()[0]
            connection.close()
            db_text = (
                f"PostgreSQL {version}, persistent connections "
                f"(CONN_MAX_AGE={database['CONN_MAX_AGE']}, "
                f"health checks {'on' if database.get('CONN_HEALTH_CHECKS') else 'off'})"
            )
        else:
            db_text = facts.get("database_note", "SQLite")
        redis_url = settings.CONSOLE_USAGE_REDIS_URL
        wrk_version = subprocess.run(  # noqa: S603
            ["wrk", "--version"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,  # noqa: S607
        ).stdout.splitlines()[:1]
        environment = {
            "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, {platform.system()}",
            "software": (
                f"Python {platform.python_version()}, Django {dj.get_version()}, "
                f"gunicorn {gunicorn.__version__}, "
                f"django-oauth-toolkit {oauth2_provider.__version__}"
            ),
            "database": db_text,
            "redis": (
                f"on, {redis_shown(redis_url)}: token counts and the failure throttle in Redis"
                if redis_url
                else "off: token counts written to the database, throttle in local memory"
            ),
            "server": (
                f"gunicorn, {args.workers} {args.worker_class} workers"
                + (f" x {args.threads} threads" if args.threads > 1 else "")
                + ", bench.settings (production settings, DEBUG off), 127.0.0.1"
            ),
            "load": (
                f"{wrk_version[0].split(' [')[0] if wrk_version else 'wrk'}, "
                f"{args.connections} connections, {args.wrk_threads} threads, "
                f"{args.duration:g} s per target ({args.hashed_duration:g} s for DOT hashed), "
                f"{args.rounds} rounds, each in a rotated order"
            ),
        }

        port = free_port()
        server = start_server(args, port, workdir / "gunicorn.log")
        load_before = loadavg()
        for target in targets:  # warm every worker up: imports, connections, caches
            if target.key != "dot_hashed":
                load(target, port, args, 1.0)
                drain(port)
        for round_number in range(args.rounds):
            shift = round_number % len(targets)
            for target in targets[shift:] + targets[:shift]:
                duration = target.duration if target.key == "dot_hashed" else args.duration
                target.runs.append(load(target, port, args, duration, server))
                drain(port)
            print(f"round {round_number + 1}/{args.rounds} done (load average {loadavg()})")
        environment["load average"] = f"{load_before} before the rounds, {loadavg()} after"
        print()
        print_environment(args, environment)
        print_targets(targets)
        ok = print_goals(targets, args.connections)
        for note in notes:
            print(f"note: {note}")
        errors = sum(run.errors for target in targets for run in target.runs)
        if errors and (workdir / "gunicorn.log").exists():
            kept = Path(tempfile.gettempdir()) / f"console-bench-{data.tag}-gunicorn.log"
            shutil.copyfile(workdir / "gunicorn.log", kept)
            print(f"gunicorn's log, with the failed requests' errors: {kept}")
        if errors:
            return 1
        return 1 if args.strict and not ok else 0
    finally:
        stop_server(server)
        if not args.keep:
            cleanup(data)
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept the seeded rows (tag {data.tag if data else '-'}) and {workdir}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CannotRun as problem:  # main's finally has stopped gunicorn and cleaned up
        print(problem, file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:  # main's finally has stopped gunicorn and cleaned up
        print("interrupted", file=sys.stderr)
        sys.exit(130)
