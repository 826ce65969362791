"""Without Redis each process buffers its token counts and writes them in one transaction about
once a second (api.usage.UsageBuffer): no write on the token path, nothing counted twice, and
nothing lost when a write fails, a worker forks or a server shuts down cleanly."""

import os
import threading
from urllib.parse import urlencode

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api import usage
from api.models import UsageCount
from apps import credentials, services
from apps.models import ClientSecret

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/oauth/token"


@pytest.fixture
def buffer(settings, monkeypatch) -> usage.UsageBuffer:
    """Buffering on, as on the embedded default, with a buffer of the test's own and no
    flushing thread (it would write outside the test's transaction): only flush() writes."""
    settings.CONSOLE_USAGE_FLUSH_SECONDS = 1
    fresh = usage.UsageBuffer(autoflush=False)
    monkeypatch.setattr(usage, "_buffer", fresh)
    return fresh


@pytest.fixture
def issued(sandbox_app, alice):
    secret, plaintext = services.client_secret_create(app=sandbox_app, created_by=alice)
    return sandbox_app, secret, plaintext


def post(client, **fields):
    return client.post(
        TOKEN, data=urlencode(fields), content_type="application/x-www-form-urlencoded"
    )


def total(app) -> int:
    return sum(UsageCount.objects.filter(app=app).values_list("count", flat=True))


def good(app, plaintext: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": app.client_id,
        "client_secret": plaintext,
    }


def test_token_requests_write_nothing_until_the_flush_adds_them_in_one_transaction(
    client, issued, buffer
):
    app, secret, plaintext = issued
    post(client, **good(app, plaintext))  # the first reads the catalog's scopes
    with CaptureQueriesContext(connection) as queries:
        for _ in range(9):
            assert post(client, **good(app, plaintext)).status_code == 200
        wrong = {**good(app, plaintext), "client_secret": credentials.generate()}
        assert post(client, **wrong).status_code == 401
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert total(app) == 0
    assert ClientSecret.objects.get(pk=secret.pk).last_used_at is None
    assert sum(buffer.pending().values()) == 11

    with CaptureQueriesContext(connection) as queries:
        assert usage.flush()
    upserts = [q for q in queries if "api_usagecount" in q["sql"]]
    assert len(upserts) == 1  # one executemany for every key
    assert {(r.secret_pk, r.outcome): r.count for r in UsageCount.objects.filter(app=app)} == {
        (secret.pk, "issued"): 10,
        (0, "invalid_client"): 1,
    }
    assert ClientSecret.objects.get(pk=secret.pk).last_used_at is not None
    assert buffer.pending() == {}
    assert usage.flush()  # nothing left: nothing added
    assert total(app) == 11


def test_a_failed_flush_keeps_the_counts_for_the_next(client, issued, buffer, monkeypatch, caplog):
    app, _, plaintext = issued
    for _ in range(3):
        post(client, **good(app, plaintext))

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(usage, "_add", locked)
        assert usage.flush() is False
    assert total(app) == 0
    assert sum(buffer.pending().values()) == 3
    assert "OperationalError" in caplog.text and plaintext not in caplog.text
    post(client, **good(app, plaintext))  # counted while the counts wait
    assert usage.flush()
    assert total(app) == 4


def test_concurrent_requests_are_counted_exactly(issued, buffer):
    app, secret, _ = issued
    threads, per_thread = 8, 2_000

    def count() -> None:
        for _ in range(per_thread):
            usage.record(app_id=app.pk, secret_pk=secret.pk, outcome="issued")

    workers = [threading.Thread(target=count) for _ in range(threads)]
    flusher_done = threading.Event()

    def flush_meanwhile() -> None:
        # Swaps the dict out while the others add to it; writing needs the test's connection,
        # so it only takes the counts out and puts them back, as a failed flush does.
        while not flusher_done.is_set():
            with buffer._lock:
                taken, buffer._counts = buffer._counts, {}
            with buffer._lock:
                for field, n in taken.items():
                    buffer._counts[field] = buffer._counts.get(field, 0) + n

    swapper = threading.Thread(target=flush_meanwhile)
    swapper.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    flusher_done.set()
    swapper.join()
    assert sum(buffer.pending().values()) == threads * per_thread
    usage.flush()
    assert total(app) == threads * per_thread


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_does_not_write_its_parents_counts_again(issued, buffer, monkeypatch):
    app, secret, _ = issued
    for _ in range(5):
        usage.record(app_id=app.pk, secret_pk=secret.pk, outcome="issued")
    written: list[dict] = []
    real_add = usage._add

    def add(counts, **kwargs):
        if os.getpid() != parent:
            os._exit(3)  # the child wrote: the parent's counts would be counted twice
        written.append(dict(counts))
        return real_add(counts, **kwargs)

    parent = os.getpid()
    monkeypatch.setattr(usage, "_add", add)
    pid = os.fork()
    if pid == 0:  # the child, as a gunicorn worker forked from a master that counted
        status = 0 if buffer.pending() == {} else 4
        try:
            usage.flush()
            usage._flush_at_exit()
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert usage.flush()
    assert total(app) == 5 and sum(written[0].values()) == 5


def test_a_console_page_shows_the_counts_of_its_process_at_once(alice_client, issued, buffer):
    app, secret, plaintext = issued
    for _ in range(2):
        assert post(alice_client, **good(app, plaintext)).status_code == 200
    assert total(app) == 0
    response = alice_client.get(reverse("apps:api_client", args=[app.client_id]))
    assert response.status_code == 200
    assert total(app) == 2
    assert ClientSecret.objects.get(pk=secret.pk).last_used_at is not None
    assert buffer.pending() == {}


def test_a_full_buffer_is_written_by_the_request_that_filled_it(issued, buffer, monkeypatch):
    app, secret, _ = issued
    monkeypatch.setattr(usage.UsageBuffer, "MAX_KEYS", 3)
    # Outside a transaction, as the token endpoint runs; the test's own is set aside.
    monkeypatch.setattr(type(connection), "in_atomic_block", False, raising=False)
    for outcome in ("issued", "invalid_scope", "throttled"):
        usage.record(app_id=app.pk, secret_pk=secret.pk, outcome=outcome)
    assert buffer.pending() == {}
    assert total(app) == 3
