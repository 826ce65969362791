"""The real services the integration tests drive: an SMTP server, Redis, a Celery worker.

The worker is a subprocess on the production settings (console.settings), reading the
pytest-django test database on PostgreSQL, consuming a queue of its own and delivering to an
aiosmtpd server that runs in the test process. Every wait is bounded, and a failed wait says
what the worker logged last (never an email body: the worker does not log them, and nothing
here prints one).
"""

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings

from tests.conftest import skip_or_fail

# Short enough that an outage test finishes in seconds; the production defaults are 30/60/5.
WORKER_TIMINGS = {
    "CONSOLE_OUTBOX_FLUSH_SECONDS": "1",
    "CONSOLE_OUTBOX_STALE_SECONDS": "2",
    "CONSOLE_EMAIL_RETRY_BACKOFF": "1",
}
WORKER_START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    condition: Callable[[], object],
    *,
    timeout: float,
    what: str,
    diagnostics: Callable[[], str] = lambda: "",
    interval: float = 0.1,
):
    """Poll until condition() is truthy and return its value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}.\n{diagnostics()}")
        time.sleep(interval)


def run_python(args: list[str], *, env: dict[str, str], timeout: float = 120):
    """The project's interpreter with `args` in the checkout, its output captured."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --- SMTP -----------------------------------------------------------------------------------


@dataclass
class ReceivedMessage:
    arrived_at: float  # time.monotonic() in this process
    envelope_to: list[str]  # RCPT TO, as the SMTP server saw it
    message: EmailMessage


class _CollectingHandler:
    def __init__(self, server: "SmtpServer") -> None:
        self.server = server

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd hook)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.server._collect(ReceivedMessage(time.monotonic(), envelope.rcpt_tos, parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd server on a fixed port that can be stopped and started again."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self._controller: Controller | None = None
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> None:
        if self._controller is not None:
            return
        controller = Controller(_CollectingHandler(self), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _collect(self, received: ReceivedMessage) -> None:
        with self._lock:
            self._messages.append(received)

    def messages_to(self, address: str) -> list[ReceivedMessage]:
        with self._lock:
            return [m for m in self._messages if address in m.envelope_to]

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()


# --- Redis ----------------------------------------------------------------------------------


def redis_is_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


class RedisServer:
    """A redis-server of the test's own, on a fixed port, that can be stopped and restarted."""

    def __init__(self, logfile: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.logfile = logfile
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        assert self._process is None
        # No persistence: the restarted server comes back empty, as after a real outage.
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no"]  # fmt: skip
        with self.logfile.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                cwd=self.logfile.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(
            lambda: redis_is_up(self.url),
            timeout=10,
            what=f"redis-server on port {self.port}",
            diagnostics=lambda: tail(self.logfile),
        )

    def stop(self) -> None:
        if self._process is None:
            return
        stop_process_group(self._process)
        self._process = None


# --- The Celery worker ----------------------------------------------------------------------


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"({path.name}: no output)"
    return f"--- last lines of {path.name} ---\n" + "\n".join(text.splitlines()[-lines:])


def stop_process_group(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM (a warm shutdown for Celery), then SIGKILL, to the group this test started."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    # The embedded beat is a child in the same group; make sure nothing outlives the test.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=timeout)


def worker_database_url() -> str:
    """DATABASE_URL of the pytest-django test database, for the worker subprocess."""
    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail(
            "the integration tests need PostgreSQL (DATABASE_URL=postgres://…): "
            "a worker process cannot share an in-memory SQLite test database"
        )
    params = connection.settings_dict
    auth = quote(params["USER"] or "", safe="")
    if params["PASSWORD"]:
        auth += ":" + quote(params["PASSWORD"], safe="")
    host = params["HOST"] or "localhost"
    if host.startswith("/"):
        host = quote(host, safe="")
    port = params["PORT"] or "5432"
    return f"postgres://{auth}@{host}:{port}/{quote(params['NAME'], safe='')}"


@dataclass
class Worker:
    """`celery -A console worker` (with its embedded beat unless beat=False) on production
    settings, in a process group of its own."""

    broker_url: str
    database_url: str
    smtp_url: str
    workdir: Path
    beat: bool = True
    queue: str = field(default_factory=lambda: f"console-it-{uuid.uuid4().hex[:12]}")
    process: subprocess.Popen | None = None

    @property
    def logfile(self) -> Path:
        return self.workdir / "worker.log"

    def environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("CELERY_", "CONSOLE_", "DJANGO_"))
            and key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SECRET_KEY"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="console.settings",
            DEBUG="0",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.broker_url,
            EMAIL_URL=self.smtp_url,
            # The test process encrypted the outbox bodies; the worker must decrypt them.
            SECRET_KEY=settings.SECRET_KEY,
            CONSOLE_BASE_URL=settings.CONSOLE_BASE_URL,
            CONSOLE_CELERY_QUEUE=self.queue,
            # Token counts of other runs sharing this Redis are not this worker's to fold.
            CONSOLE_USAGE_PREFIX=f"console-it:{self.queue}",
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
            **WORKER_TIMINGS,
        )
        if settings.CONSOLE_ENCRYPTION_KEYS:
            env["CONSOLE_ENCRYPTION_KEYS"] = ",".join(settings.CONSOLE_ENCRYPTION_KEYS)
        return env

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        celery = Path(sys.executable).with_name("celery")
        command = [
            str(celery), "-A", "console", "worker",
            "--pool", "solo",
            "--queues", self.queue,
            "--hostname", f"{self.queue}@%h",
            "--loglevel", "INFO",
            # Other people's workers may share this Redis: no syncing with them.
            "--without-mingle", "--without-gossip", "--without-heartbeat",
        ]  # fmt: skip
        if self.beat:
            command += ["--beat", "--schedule", str(self.workdir / "celerybeat-schedule")]
        with self.logfile.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(
            self._ready,
            timeout=WORKER_START_TIMEOUT,
            what="the Celery worker to be ready",
            diagnostics=self.diagnostics,
        )

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            pytest.fail(
                f"The Celery worker exited with {self.process.returncode}.\n" + self.diagnostics()
            )
        return self.logfile.exists() and " ready." in self.logfile.read_text(errors="replace")

    def log_size(self) -> int:
        return self.logfile.stat().st_size if self.logfile.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.logfile.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def diagnostics(self) -> str:
        state = "not started"
        if self.process is not None:
            code = self.process.poll()
            state = "running" if code is None else f"exited with {code}"
        return f"worker {state}\n{tail(self.logfile)}"

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process)
            self.process = None

    def forget_queue(self) -> None:
        """Remove this worker's queue from the broker (it is shared with other people)."""
        try:
            client = redis.Redis.from_url(self.broker_url, socket_connect_timeout=1)
            # The queue itself and kombu's binding sets are all named after it.
            keys = list(client.scan_iter(match=f"*{self.queue}*"))
            if keys:
                client.delete(*keys)
        except redis.RedisError:
            pass


@dataclass
class WebServer:
    """gunicorn serving console.wsgi on production settings, against the test database and a
    real Redis (the shared cache; "" for none, as `make run`), in a process group of its own."""

    database_url: str
    redis_url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    workers: int = 1
    threads: int = 1  # more than one: gunicorn's gthread workers
    # tests.settings for pages: it serves static files without collectstatic's manifest.
    settings_module: str = "console.settings"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def logfile(self) -> Path:
        return self.workdir / f"web-{self.port}.log"

    def environment(self) -> dict[str, str]:
        """The server's environment, also for commands run against its database (migrate)."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("CELERY_", "CONSOLE_", "DJANGO_"))
            and key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SECRET_KEY", "DEBUG"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE=self.settings_module,
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            # The test process hashed the secrets and signs with these keys too.
            SECRET_KEY=settings.SECRET_KEY,
            CONSOLE_SIGNING_KEYS=",".join(settings.CONSOLE_SIGNING_KEYS),
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",
            PYTHONUNBUFFERED="1",
            **self.extra_env,
        )
        if settings.CONSOLE_SECRET_HASH_KEY:
            env["CONSOLE_SECRET_HASH_KEY"] = settings.CONSOLE_SECRET_HASH_KEY
        return env

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn), "console.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning",
            "--workers", str(self.workers), "--threads", str(self.threads),
        ]  # fmt: skip
        with self.logfile.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(
            self._ready, timeout=WORKER_START_TIMEOUT, what="gunicorn", diagnostics=self.diagnostics
        )

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            pytest.fail(f"gunicorn exited with {self.process.returncode}.\n" + self.diagnostics())
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def diagnostics(self) -> str:
        return tail(self.logfile)

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process)
            self.process = None
