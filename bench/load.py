"""The load generator: one wrk run against one target, read back from wrk_post.lua's line."""

import argparse
import os
import re
import subprocess

from bench.common import LUA, CannotRun, Run, Target
from bench.cpu import cpu_seconds, cpu_used, db_backend_pids, group_pids

BENCH_LINE = re.compile(r"^BENCH (.*)$", re.MULTILINE)


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
