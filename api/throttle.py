"""Failed client authentications, counted per client_id and per IP in the shared cache.

The cache is Redis whenever REDIS_URL is set, so every web process sees the same counts. A
window opens at the first failure and lasts a minute: the first failure stores the window's
start and the count expires with it, so a burst can't straddle two windows. Only failures
count, and a request whose credentials are right is never refused by the throttle (see
api.services.client_authenticate), so hammering a client_id or an IP never blocks a correct
secret.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def _limits(client_id: str, ip: str | None) -> list[tuple[str, int]]:
    # Hashed: a client_id is whatever a client sent, control characters included.
    client = hashlib.sha256(client_id.encode(errors="replace")).hexdigest()[:32]
    limits = [(f"token-failures:client:{client}", settings.CONSOLE_TOKEN_FAILURES_PER_CLIENT)]
    if ip:
        limits.append((f"token-failures:ip:{ip}", settings.CONSOLE_TOKEN_FAILURES_PER_IP))
    return limits


def _wait(started: float | None, now: float) -> int:
    if started is None:
        return WINDOW_SECONDS
    return max(1, int(started + WINDOW_SECONDS - now + 0.999))


def failure(*, client_id: str, ip: str | None) -> int:
    """Count a failure; returns seconds to wait when a limit is now passed, else 0."""
    now = time.time()
    wait = 0
    for key, limit in _limits(client_id, ip):
        if cache.add(f"{key}:start", now, timeout=WINDOW_SECONDS):
            cache.add(key, 0, timeout=WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # the window closed between the two calls: open a new one
            cache.set(f"{key}:start", now, timeout=WINDOW_SECONDS)
            cache.set(key, 1, timeout=WINDOW_SECONDS)
            count = 1
        if count is None:  # the cache is unreachable (IGNORE_EXCEPTIONS): fail open, as log-in does
            continue
        if count > limit:
            wait = max(wait, _wait(cache.get(f"{key}:start"), now))
    return wait
