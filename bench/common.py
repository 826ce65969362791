"""What the token benchmark's modules share: the targets, one run's figures, and small helpers."""

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "wrk_post.lua"
# The embedded configuration's tuned peer keeps its SQLite connection this long (seconds).
TUNED_CONN_MAX_AGE = 600


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
    server: str = "default"  # "tuned": the embedded configuration's second server (DOT tuned)
    runs: list[Run] = field(default_factory=list)


def redis_shown(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"


def loadavg() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"
