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

Without Redis (`make run`'s embedded default) the endpoint writes the count directly.
"""

import logging
import uuid
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.db import IntegrityError, connection, transaction
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
    """Count one token request of an app: a single HINCRBY, nothing else on the token path."""
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
    _add({field: 1}, used_at=at)


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
