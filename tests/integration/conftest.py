"""Fixtures for the integration tests: the real worker, Redis and SMTP server (harness.py).

The test process publishes to a real broker only inside `celery_broker()` (the `publishing`
and `own_redis_worker` fixtures); everywhere else the suite keeps tests.settings' eager Celery.
"""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from celery.signals import before_task_publish

from tests.conftest import celery_broker, skip_or_fail

from .harness import RedisServer, SmtpServer, Worker, redis_is_up, worker_database_url

# Sign-up → email timings, shown once at the end of the run.
TIMINGS: list[tuple[str, float]] = []


def pytest_terminal_summary(terminalreporter) -> None:
    for label, seconds in TIMINGS:
        terminalreporter.write_line(f"integration timing: {label}: {seconds:.2f} s")


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        skip_or_fail("REDIS_URL is not set, so there is no broker for the integration tests")
    if not redis_is_up(url):
        skip_or_fail("Redis at REDIS_URL does not answer")
    return url


@pytest.fixture(scope="session")
def worker_db_url(django_db_setup) -> str:
    """The test database, for workers. Requiring django_db_setup makes every worker stop before
    the database is dropped (PostgreSQL refuses to drop it while they are connected)."""
    return worker_database_url()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> Iterator[SmtpServer]:
    """The session's SMTP server, running and empty; left running for the next test."""
    smtp_server.start()
    smtp_server.clear()
    yield smtp_server
    smtp_server.start()


@pytest.fixture(scope="session")
def worker(worker_db_url, redis_url, smtp_server, tmp_path_factory) -> Iterator[Worker]:
    """One worker for the session, on the real Redis.

    It runs without beat: the outbox flush would re-queue any pending row of the shared test
    database, hiding whether a delivery came from the task's own retries (the SMTP outage
    test) or from the flush of the broker-outage test's worker, which is the only one beating.
    """
    process_worker = Worker(
        broker_url=redis_url,
        database_url=worker_db_url,
        smtp_url=smtp_server.url,
        workdir=tmp_path_factory.mktemp("worker"),
        beat=False,
    )
    try:
        process_worker.start()
        yield process_worker
    finally:
        process_worker.stop()
        process_worker.forget_queue()


@pytest.fixture
def publishing(worker: Worker) -> Iterator[Worker]:
    """This test's process publishes to the session worker's queue on the real Redis."""
    with celery_broker(worker.broker_url, queue=worker.queue):
        yield worker


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        skip_or_fail("the redis-server binary is not installed")
    server = RedisServer(tmp_path / "redis.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_redis_worker(
    worker_db_url, own_redis: RedisServer, smtp_server, tmp_path
) -> Iterator[Worker]:
    """A worker with beat on this test's own Redis, and this test's process publishing there."""
    process_worker = Worker(
        broker_url=own_redis.url,
        database_url=worker_db_url,
        smtp_url=smtp_server.url,
        workdir=tmp_path / "worker",
    )
    try:
        process_worker.start()
        with celery_broker(own_redis.url, queue=process_worker.queue):
            yield process_worker
    finally:
        process_worker.stop()


@dataclass
class PublishedTask:
    name: str
    args: tuple


@pytest.fixture
def published_tasks() -> Iterator[list[PublishedTask]]:
    """Every task this process publishes during the test (Celery's own signal, no mock)."""
    published: list[PublishedTask] = []

    def record(sender=None, headers=None, body=None, **kwargs) -> None:
        published.append(PublishedTask(name=headers["task"], args=tuple(body[0])))

    before_task_publish.connect(record, weak=False)
    yield published
    before_task_publish.disconnect(record)


@pytest.fixture
def timings() -> list[tuple[str, float]]:
    return TIMINGS
