"""The token benchmark's gunicorn: started on a free port, stopped with its process group."""

import argparse
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, CannotRun


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


def start_server(
    args: argparse.Namespace, port: int, log: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen:
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
            command,
            cwd=ROOT,
            env={**os.environ, **(extra_env or {})},
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT,
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
