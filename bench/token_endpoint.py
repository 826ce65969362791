"""Load the token endpoint under gunicorn next to the Django floor, django-oauth-toolkit and the
console pages, in interleaved rounds, and check the goals of issue 4.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/console_bench \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
        make bench [BENCH_ARGS="--rounds 5 --duration 5"]
    make bench-embedded      # the embedded default: --embedded, or no DATABASE_URL

The script migrates the database (created when missing; with --embedded or without
DATABASE_URL a temporary SQLite file, no Redis and 2 workers), collects static files into a
temporary folder, seeds a user, an organization, a sandbox app with a client secret and two
django-oauth-toolkit applications, checks each target once in-process (status and query
counts), then starts gunicorn on 127.0.0.1 with bench.settings and runs wrk (Debian's `wrk`
package) against each target, every round in a rotated order. It prints the environment, a
table per target, and the median of the within-round ratios against the goals. Everything it
made is deleted at the end. No secret, token or session key is printed: they travel to wrk in
its environment only.

Targets, all on one server but DOT tuned:
- floor: bench/urls.py's small JSON view, full middleware, no database;
- DOT hashed / DOT unhashed: django-oauth-toolkit's TokenView, client_credentials, with its
  default hashed secret (CLIENT_SECRET_HASHER "default": the first of PASSWORD_HASHERS) and with
  hash_client_secret=False;
- DOT tuned (--embedded only): DOT unhashed on a second server whose workers keep their SQLite
  connection (CONN_MAX_AGE; WAL comes with the settings), the peer of the embedded goals;
- ours: POST /api/v1/oauth/token, client_credentials, the same form fields;
- the console pages of a logged-in owner: the app list, the API client tab, and analytics.

Exit status: 0 when the run completed, 1 when a target had errors (or, with --strict, when a
goal was missed), 2 when it could not run.
"""

import argparse
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

# Run as a script, sys.path[0] is bench/: import bench.* and the project from the checkout.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import TUNED_CONN_MAX_AGE, CannotRun, loadavg, redis_shown  # noqa: E402
from bench.load import load  # noqa: E402
from bench.report import print_environment, print_goals, print_targets, profile  # noqa: E402
from bench.seeding import build_targets, cleanup, seed  # noqa: E402
from bench.server import drain, free_port, start_server, stop_server  # noqa: E402


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
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="the embedded default: a fresh SQLite file, no Redis, 2 workers, DOT tuned as the "
        "peer (also without DATABASE_URL); DATABASE_URL and REDIS_URL are ignored",
    )
    # The production image's shape (Dockerfile): 3 sync workers; the embedded shape: 2.
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default 3; embedded: 2)"
    )
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated target keys to load (floor,dot_hashed,dot_plain,dot_tuned,ours,"
        "page_apps,page_api_client,page_analytics); default: all (embedded: all but dot_hashed)",
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
    args.embedded = args.embedded or not os.environ.get("DATABASE_URL")
    if args.workers is None:
        args.workers = 2 if args.embedded else 3
    return args


def prepare_environment(workdir: Path, embedded: bool) -> dict[str, str]:
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
    if embedded:
        # What `make run` gets with nothing set, but DEBUG: SQLite in a fresh file, no Redis.
        ignored = [name for name in ("DATABASE_URL", "REDIS_URL") if os.environ.get(name)]
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        os.environ.pop("REDIS_URL", None)
        if ignored:
            report["ignored"] = f"{' and '.join(ignored)} ignored (the embedded default)"
    return report


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
    facts = prepare_environment(workdir, args.embedded)
    os.environ["BENCH_DOT_HASHER"] = args.dot_hasher

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    # SIGTERM ends the run like Ctrl-C: through the finally blocks, which stop gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    servers = {}  # "default", and with --embedded "tuned": (gunicorn, port)
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
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                journal = cursor.fetchone()[0]
            connection.close()
            db_text = (
                f"SQLite, a fresh temporary file, journal_mode={journal}, "
                f"CONN_MAX_AGE={database.get('CONN_MAX_AGE', 0)} "
                f"(DOT tuned's server: CONN_MAX_AGE={TUNED_CONN_MAX_AGE})"
            )
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
                else "off: token counts buffered in each worker and written once a second, "
                "throttle in local memory" + (f"; {facts['ignored']}" if "ignored" in facts else "")
            ),
            "server": (
                f"gunicorn, {args.workers} {args.worker_class} workers"
                + (f" x {args.threads} threads" if args.threads > 1 else "")
                + ", bench.settings (production settings, DEBUG off), 127.0.0.1"
                + (
                    "; DOT tuned on a second one, the same but for CONN_MAX_AGE"
                    if any(target.server == "tuned" for target in targets)
                    else ""
                )
            ),
            "load": (
                f"{wrk_version[0].split(' [')[0] if wrk_version else 'wrk'}, "
                f"{args.connections} connections, {args.wrk_threads} threads, "
                f"{args.duration:g} s per target"
                + (
                    f" ({args.hashed_duration:g} s for DOT hashed), "
                    if any(target.key == "dot_hashed" for target in targets)
                    else ", "
                )
                + f"{args.rounds} rounds, each in a rotated order"
            ),
        }

        for name in sorted({target.server for target in targets}):
            extra = (
                {"BENCH_SQLITE_CONN_MAX_AGE": str(TUNED_CONN_MAX_AGE)} if name == "tuned" else {}
            )
            port = free_port()
            log = workdir / f"gunicorn-{name}.log"
            servers[name] = (start_server(args, port, log, extra), port)
        load_before = loadavg()
        for target in targets:  # warm every worker up: imports, connections, caches
            if target.key != "dot_hashed":
                server, port = servers[target.server]
                load(target, port, args, 1.0)
                drain(port)
        for round_number in range(args.rounds):
            shift = round_number % len(targets)
            for target in targets[shift:] + targets[:shift]:
                duration = target.duration if target.key == "dot_hashed" else args.duration
                server, port = servers[target.server]
                target.runs.append(load(target, port, args, duration, server))
                drain(port)
            print(f"round {round_number + 1}/{args.rounds} done (load average {loadavg()})")
        environment["load average"] = f"{load_before} before the rounds, {loadavg()} after"
        print()
        print_environment(args, environment)
        print_targets(targets)
        ok = print_goals(targets, args.connections, args.embedded)
        for note in notes:
            print(f"note: {note}")
        errors = sum(run.errors for target in targets for run in target.runs)
        failed = {target.server for target in targets if any(run.errors for run in target.runs)}
        for name in sorted(failed):
            log = workdir / f"gunicorn-{name}.log"
            if log.exists():
                suffix = "" if name == "default" else f"-{name}"
                kept = (
                    Path(tempfile.gettempdir()) / f"console-bench-{data.tag}{suffix}-gunicorn.log"
                )
                shutil.copyfile(log, kept)
                print(f"gunicorn's log, with the failed requests' errors: {kept}")
        if errors:
            return 1
        return 1 if args.strict and not ok else 0
    finally:
        for server, _ in servers.values():
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
