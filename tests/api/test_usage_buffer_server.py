"""The buffer in a real server: gunicorn with two sync workers on a SQLite file, production
settings (DEBUG off) and no Redis, as the embedded default. Its thread writes the counts about
once a second, and a clean shutdown (SIGTERM to gunicorn) writes what is left: no count lost.

The app and its secret are made by a subprocess on the server's settings; the request body
(it holds the secret) travels in a file of the test's own and is never printed.
"""

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.integration.harness import WebServer, run_python

REQUESTS = 40

WORLD = """
import os, sys
from urllib.parse import urlencode
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from accounts.models import User
from accounts.services import organization_create
from apps.models import App
from apps.services import app_create, client_secret_create

user = User.objects.create_user(email="alice@example.com")
organization = organization_create(name="Alice Fintech", owner=user)
app = app_create(
    organization=organization, name="Counted", display_name="Alice Fintech",
    app_type=App.Type.SANDBOX, created_by=user,
)
_, plaintext = client_secret_create(app=app, created_by=user, name="server test")
body = urlencode(
    {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": plaintext}
)
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, body.encode())
os.close(fd)
"""


def counted(database: Path) -> int:
    with sqlite3.connect(database, timeout=20) as db:
        return db.execute("SELECT COALESCE(SUM(count), 0) FROM api_usagecount").fetchone()[0]


def last_used(database: Path) -> str | None:
    with sqlite3.connect(database, timeout=20) as db:
        return db.execute("SELECT MAX(last_used_at) FROM apps_clientsecret").fetchone()[0]


def serve(tmp_path: Path, flush_seconds: int) -> tuple[WebServer, Path, str]:
    database = tmp_path / "console.sqlite3"
    server = WebServer(
        database_url=f"sqlite:///{database}",
        redis_url="",
        workdir=tmp_path,
        workers=2,
        extra_env={"CONSOLE_USAGE_FLUSH_SECONDS": str(flush_seconds), "LOG_LEVEL": "WARNING"},
    )
    body_file = tmp_path / "body"
    result = run_python(["-c", WORLD, str(body_file)], env=server.environment())
    assert result.returncode == 0, result.stderr[-2000:]
    server.start()
    return server, database, body_file.read_text()


def request_tokens(server: WebServer, body: str) -> None:
    for _ in range(REQUESTS):
        response = requests.post(
            server.url + "/api/v1/oauth/token",
            data=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Connection": "close",  # each on a new connection: both workers answer
            },
            timeout=30,
        )
        assert response.status_code == 200, response.status_code


def stop_cleanly(server: WebServer) -> None:
    """SIGTERM to gunicorn's master, as a supervisor stops it; it stops its workers."""
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("gunicorn did not stop within 30 s of SIGTERM\n" + server.diagnostics())
    finally:
        server.stop()


def test_a_clean_shutdown_writes_every_buffered_count(tmp_path):
    # An hour between flushes: only the shutdown can write these counts.
    server, database, body = serve(tmp_path, flush_seconds=3600)
    try:
        request_tokens(server, body)
        assert counted(database) == 0, "the token path wrote to the database"
        assert last_used(database) is None
    finally:
        stop_cleanly(server)
    assert counted(database) == REQUESTS, server.diagnostics()
    assert last_used(database) is not None


def test_the_buffer_is_written_about_once_a_second_while_serving(tmp_path):
    server, database, body = serve(tmp_path, flush_seconds=1)
    try:
        request_tokens(server, body)
        deadline = time.monotonic() + 10
        while counted(database) < REQUESTS and time.monotonic() < deadline:
            time.sleep(0.2)
        assert counted(database) == REQUESTS, server.diagnostics()
        assert last_used(database) is not None
    finally:
        stop_cleanly(server)
    assert counted(database) == REQUESTS  # and the shutdown adds nothing twice
