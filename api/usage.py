"""Counting token requests without a database write on the token path.

The endpoint adds one to a field of a Redis hash (HINCRBY, its only write); a periodic Celery
task (api.tasks.usage_fold) folds the counts into UsageCount and moves each secret's "last
used" to the time of the fold that found tokens issued with it.

A fold first renames the live hash to a batch name (atomic: new requests go to a fresh
hash), then adds the batch to the database in one transaction that also records the batch
id, and only then deletes the batch from Redis. A crash before the commit leaves the batch in
Redis for the next fold; a crash after it leaves a batch whose id is recorded, which the next
fold deletes without adding it again. Web processes keep nothing in memory, so a restart loses
nothing.

Without Redis (`make run`'s embedded default) each process adds the counts to a buffer of its
own (UsageBuffer) and writes them in one transaction about once a second, from a thread of its
own, when a console page is served (console.middleware.usage_flush) and when the process exits
cleanly. With CONSOLE_USAGE_FLUSH_SECONDS=0 each count is written as it is made.
"""

import atexit
import logging
import os
import threading
import time
import uuid
import weakref
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from apps import services as app_services
from apps.models import App

from .models import Outcome, UsageFold

logger = logging.getLogger(__name__)
_clients: dict[str, object] = {}

UPSERT = (
    "INSERT INTO api_usagecount (app_id, secret_pk, hour, outcome, count) "
    "VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (app_id, secret_pk, hour, outcome) "
    "DO UPDATE SET count = api_usagecount.count + excluded.count"
)


def redis_client():
    """The usage Redis client, or None when counts go straight to the database."""
    url = settings.CONSOLE_USAGE_REDIS_URL
    if not url:
        return None
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return _clients[url]


def _live_key() -> str:
    return f"{settings.CONSOLE_USAGE_PREFIX}:counts"


def _hour(at: datetime) -> int:
    return int(at.timestamp()) // 3600 * 3600


def record(*, app_id: int, outcome: str, secret_pk: int = 0, at: datetime | None = None) -> None:
    """Count one token request of an app: a single HINCRBY, or without Redis an addition to
    this process's buffer; nothing else on the token path."""
    at = at or timezone.now()
    field = f"{_hour(at)}|{app_id}|{secret_pk}|{outcome}"
    client = redis_client()
    if client is not None:
        try:
            client.hincrby(_live_key(), field, 1)
            return
        except Exception as exc:  # Redis down: keep the count, in the database this time
            reason = type(exc).__name__
            logger.warning("Usage counter unavailable (%s); writing it directly.", reason)
    elif settings.CONSOLE_USAGE_FLUSH_SECONDS > 0:
        _buffer.add(field, interval=settings.CONSOLE_USAGE_FLUSH_SECONDS)
        return
    _add({field: 1}, used_at=at)


def flush() -> bool:
    """Write the counts this process holds (none with Redis); False if that failed and they
    wait for the next try. Cheap when there are none. Call it outside a transaction: counts
    written inside one would go with it if it rolled back."""
    return _buffer.flush()


class UsageBuffer:
    """Counts of one process waiting to be added to the database, with the thread that adds
    them about once every `interval` seconds.

    Thread-safe: request threads add under a lock; a flush swaps the dict out under that lock
    and writes it in one transaction (api.usage._add), so nothing is counted twice or lost
    between the swap and the write; a failed write puts its counts back. One flush at a time:
    the exit flush waits for the thread's. A forked child starts empty, with locks and a thread
    of its own (its parent still holds, and writes, what it had counted). Its size is bounded
    by its keys (hour, app, secret, outcome): at MAX_KEYS it is flushed by the request that
    filled it.
    """

    MAX_KEYS = 10_000

    def __init__(self, *, autoflush: bool = True) -> None:
        self.autoflush = autoflush  # False: only flush() writes (tests)
        self._reset()
        if hasattr(os, "register_at_fork"):
            reset = weakref.WeakMethod(self._reset)
            os.register_at_fork(after_in_child=lambda: (method := reset()) and method())

    def _reset(self) -> None:
        # In a forked child the parent's locks may be held by a thread that doesn't exist here:
        # new ones, never an acquire.
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._counts: dict[str, int] = {}
        self._waiting = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def add(self, field: str, count: int = 1, *, interval: float) -> None:
        if self._pid != os.getpid():  # forked without os.register_at_fork's hook
            self._reset()
        with self._lock:
            self._counts[field] = self._counts.get(field, 0) + count
            full = len(self._counts) >= self.MAX_KEYS
            start = self.autoflush and self._thread is None
            if start:
                self._thread = threading.Thread(
                    target=self._run, args=(interval,), name="usage-flush", daemon=True
                )
        if start:
            self._thread.start()
        self._waiting.set()
        if full and not connection.in_atomic_block:
            self.flush()

    def pending(self) -> dict[str, int]:
        """A copy of the counts waiting (for tests and the shell)."""
        with self._lock:
            return dict(self._counts) if self._pid == os.getpid() else {}

    def flush(self) -> bool:
        if self._pid != os.getpid():
            self._reset()
            return True
        with self._flushing:
            with self._lock:
                counts, self._counts = self._counts, {}
            if not counts:
                return True
            try:
                _add(counts, used_at=timezone.now())
            except Exception as exc:
                with self._lock:
                    for field, count in counts.items():
                        self._counts[field] = self._counts.get(field, 0) + count
                logger.warning(
                    "Token counts not written (%s); %d kept for the next try.",
                    type(exc).__name__,
                    len(counts),
                )
                return False
        return True

    def _run(self, interval: float) -> None:
        """The flushing thread: after the first count since the last flush, wait `interval`
        and write everything counted by then. Idle while nothing is counted."""
        while True:
            self._waiting.wait()
            time.sleep(interval)
            self._waiting.clear()  # what is counted from now on sets it again
            # Its own connection, closed or kept as a request's would be (CONN_MAX_AGE).
            try:
                close_old_connections()
                if not self.flush():
                    self._waiting.set()  # try again after another interval
                close_old_connections()
            except Exception as exc:  # the thread outlives any error: it is the only writer
                logger.warning("Token counts' flush failed (%s).", type(exc).__name__)
                self._waiting.set()


_buffer = UsageBuffer()


@atexit.register
def _flush_at_exit() -> None:
    """A clean exit (gunicorn's worker on SIGTERM, runserver on Ctrl-C or a reload) writes
    what the process still holds."""
    if _buffer.pending():
        _buffer.flush()


def _add(counts: dict[str, int], *, used_at: datetime) -> int:
    """Add counts (fields as written by record) to the database, and mark the secrets that
    issued tokens among them as last used at `used_at`."""
    rows = []
    for field, count in counts.items():
        hour, app_id, secret_pk, outcome = field.split("|")
        rows.append((int(app_id), int(secret_pk), int(hour), outcome, int(count)))
    app_ids = {row[0] for row in rows}
    existing = set(App.objects.filter(pk__in=app_ids).values_list("pk", flat=True))
    values = [
        (
            app_id,
            secret_pk,
            connection.ops.adapt_datetimefield_value(datetime.fromtimestamp(hour, UTC)),
            outcome,
            count,
        )
        for app_id, secret_pk, hour, outcome, count in rows
        if app_id in existing and count > 0  # an app deleted since: its counts go with it
    ]
    # A secret was last used no later than `used_at` and no later than the end of the last
    # hour it issued a token in (which matters for a batch left over from a failed fold).
    last_hour: dict[int, int] = {}
    for _, secret_pk, hour, outcome, count in rows:
        if outcome == Outcome.ISSUED and secret_pk > 0 and count > 0:
            last_hour[secret_pk] = max(hour, last_hour.get(secret_pk, hour))
    with transaction.atomic():
        if values:
            with connection.cursor() as cursor:
                cursor.executemany(UPSERT, values)
        for secret_pk, hour in last_hour.items():
            used = min(used_at, datetime.fromtimestamp(hour + 3600, UTC))
            app_services.client_secret_mark_used(secret_pk=secret_pk, used_at=used)
    return len(values)


def _decode(mapping: dict) -> dict[str, int]:
    return {key.decode(): int(value) for key, value in mapping.items()}


def _fold_batch(client, batch: str) -> int:
    """Add one batch to the database once (its id is recorded in the same transaction).

    The batch was renamed out of the live hash at most one fold interval ago, so its secrets
    were last used no later than now: "last used" is exact to within that interval.
    """
    key = f"{settings.CONSOLE_USAGE_PREFIX}:batch:{batch}"
    counts = {field.decode(): int(value) for field, value in client.hgetall(key).items()}
    added = 0
    try:
        with transaction.atomic():
            UsageFold.objects.create(batch=batch, rows=len(counts))
            added = _add(counts, used_at=timezone.now())
    except IntegrityError:
        if not UsageFold.objects.filter(batch=batch).exists():
            raise  # not a second fold of this batch: keep it in Redis for the next fold
        logger.info("Usage batch %s was already folded; dropping it.", batch)
    client.delete(key)
    return added


def usage_fold() -> int:
    """Fold every count waiting in Redis into UsageCount; returns the rows added or updated."""
    client = redis_client()
    if client is None:
        return 0
    prefix = settings.CONSOLE_USAGE_PREFIX
    added = 0
    # Batches left by a fold that stopped half-way.
    for key in sorted(client.scan_iter(match=f"{prefix}:batch:*")):
        added += _fold_batch(client, key.decode().rsplit(":", 1)[1])
    batch = uuid.uuid4().hex
    try:
        client.rename(_live_key(), f"{prefix}:batch:{batch}")
    except redis.ResponseError:
        return added  # nothing counted since the last fold (or another fold took it)
    return added + _fold_batch(client, batch)
