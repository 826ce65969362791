"""Counting token requests without a database write on the token path.

The endpoint adds one to a field of a Redis hash (HINCRBY) and, on success, stamps the secret's
last use; a periodic Celery task (api.tasks.usage_fold) folds the counts into UsageCount.

A fold first renames the live hashes to a batch name (atomic: new requests go to fresh
hashes), then adds the batch to the database in one transaction that also records the batch
id, and only then deletes the batch from Redis. A crash before the commit leaves the batch in
Redis for the next fold; a crash after it leaves a batch whose id is recorded, which the next
fold deletes without adding it again. Web processes keep nothing in memory, so a restart loses
nothing.

Without Redis (`make run`'s embedded default) the endpoint writes the count directly.
"""

import logging
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.models import App, ClientSecret

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
        import redis

        _clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return _clients[url]


def _keys() -> tuple[str, str]:
    prefix = settings.CONSOLE_USAGE_PREFIX
    return f"{prefix}:counts", f"{prefix}:last_used"


def _hour(at: datetime) -> int:
    return int(at.timestamp()) // 3600 * 3600


def record(*, app_id: int, outcome: str, secret_pk: int = 0, at: datetime | None = None) -> None:
    """Count one token request of an app; on "issued", the secret was just used."""
    at = at or timezone.now()
    field = f"{_hour(at)}|{app_id}|{secret_pk}|{outcome}"
    client = redis_client()
    if client is not None:
        counts, last_used = _keys()
        try:
            pipe = client.pipeline(transaction=False)
            pipe.hincrby(counts, field, 1)
            if outcome == Outcome.ISSUED and secret_pk:
                pipe.hset(last_used, str(secret_pk), int(at.timestamp()))
            pipe.execute()
            return
        except Exception as exc:  # Redis down: keep the count, in the database this time
            logger.warning(
                "Usage counter unavailable (%s); writing it directly.", type(exc).__name__
            )
    _add({field: 1}, {str(secret_pk): int(at.timestamp())} if outcome == Outcome.ISSUED else {})


def _add(counts: dict[str, int], last_used: dict[str, int]) -> int:
    """Add counts (fields as written by record) and last-use stamps to the database."""
    rows = []
    for field, count in counts.items():
        hour, app_id, secret_pk, outcome = field.split("|")
        rows.append((int(app_id), int(secret_pk), int(hour), outcome, int(count)))
    existing = set(App.objects.filter(pk__in={row[0] for row in rows}).values_list("pk", flat=True))
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
    with transaction.atomic():
        if values:
            with connection.cursor() as cursor:
                cursor.executemany(UPSERT, values)
        for secret_pk, stamp in last_used.items():
            if int(secret_pk) <= 0:
                continue
            used_at = datetime.fromtimestamp(int(stamp), UTC)
            ClientSecret.objects.filter(pk=int(secret_pk)).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=used_at)
            ).update(last_used_at=used_at)
    return len(values)


def _decode(mapping: dict) -> dict[str, int]:
    return {key.decode(): int(value) for key, value in mapping.items()}


def _fold_batch(client, batch: str) -> int:
    prefix = settings.CONSOLE_USAGE_PREFIX
    counts_key, last_key = f"{prefix}:batch:{batch}:counts", f"{prefix}:batch:{batch}:last_used"
    counts = _decode(client.hgetall(counts_key))
    last_used = _decode(client.hgetall(last_key))
    added = 0
    try:
        with transaction.atomic():
            UsageFold.objects.create(batch=batch, rows=len(counts))
            added = _add(counts, last_used)
    except IntegrityError:
        logger.info("Usage batch %s was already folded; dropping it.", batch)
    client.delete(counts_key, last_key)
    return added


def usage_fold() -> int:
    """Fold every count waiting in Redis into UsageCount; returns the rows added or updated."""
    client = redis_client()
    if client is None:
        return 0
    prefix = settings.CONSOLE_USAGE_PREFIX
    added = 0
    # Batches left by a fold that stopped half-way.
    left_over = {
        key.decode().split(":batch:")[1].rsplit(":", 1)[0]
        for key in client.scan_iter(match=f"{prefix}:batch:*")
    }
    for batch in sorted(left_over):
        added += _fold_batch(client, batch)
    batch = uuid.uuid4().hex
    counts_key, last_key = _keys()
    pipe = client.pipeline(transaction=True)
    pipe.exists(counts_key)
    pipe.exists(last_key)
    has_counts, has_last = pipe.execute()
    if not has_counts and not has_last:
        return added
    pipe = client.pipeline(transaction=True)
    if has_counts:
        pipe.rename(counts_key, f"{prefix}:batch:{batch}:counts")
    if has_last:
        pipe.rename(last_key, f"{prefix}:batch:{batch}:last_used")
    results = pipe.execute(raise_on_error=False)
    if any(isinstance(result, Exception) for result in results):
        # Another fold renamed them first; it folds them. Anything this one did rename
        # is picked up as a left-over batch by the next fold.
        return added
    return added + _fold_batch(client, batch)
