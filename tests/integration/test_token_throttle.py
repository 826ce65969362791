"""The token endpoint's throttle holds across processes: two gunicorn servers share it
through Redis, and a correct secret is never refused by it."""

import uuid
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from apps import credentials, services

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def token(server, **fields) -> tuple[int, dict]:
    request = Request(
        server.url + "/api/v1/oauth/token",
        data=urlencode({"grant_type": "client_credentials", **fields}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urlopen(request, timeout=10) as response:  # noqa: S310 - our own local server
            return response.status, dict(response.headers)
    except HTTPError as error:
        return error.code, dict(error.headers)


@pytest.fixture
def two_servers(worker_db_url, redis_url, tmp_path):
    from .harness import WebServer

    env = {
        "CONSOLE_TOKEN_FAILURES_PER_CLIENT": "5",
        "CONSOLE_TOKEN_FAILURES_PER_IP": "1000",
        "CONSOLE_USAGE_PREFIX": f"console-it:{uuid.uuid4().hex}",
    }
    servers = [WebServer(worker_db_url, redis_url, tmp_path, extra_env=env) for _ in range(2)]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def test_failures_on_one_server_count_on_the_other(two_servers, alice, make_app):
    first, second = two_servers
    app = make_app(alice, name=f"Throttled {uuid.uuid4().hex[:6]}")
    _, plaintext = services.client_secret_create(app=app, created_by=alice)
    wrong = {"client_id": app.client_id}
    statuses = []
    for n in range(8):
        server = first if n % 2 == 0 else second
        status, headers = token(server, client_secret=credentials.generate(), **wrong)
        statuses.append(status)
    assert statuses == [401] * 5 + [429] * 3
    assert 1 <= int(headers["Retry-After"]) <= 60
    # The right secret still works, on both servers.
    for server in two_servers:
        status, _ = token(server, client_id=app.client_id, client_secret=plaintext)
        assert status == 200
