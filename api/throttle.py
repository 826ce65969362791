"""Failed client authentications, counted per client_id and per IP in the shared cache.

The cache is Redis whenever REDIS_URL is set, so every web process sees the same counts.
Fixed one-minute windows: simple, and a client locked out waits at most until the window ends.
Only failures count, and a request whose credentials are right is never refused by the
throttle (api.services decides that), so hammering one client_id or one IP never blocks a
correct secret.
"""

import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def _keys(client_id: str, ip: str | None, window: int) -> list[tuple[str, int]]:
    keys = [
        (
            f"token-failures:client:{client_id[:64]}:{window}",
            settings.CONSOLE_TOKEN_FAILURES_PER_CLIENT,
        )
    ]
    if ip:
        keys.append((f"token-failures:ip:{ip}:{window}", settings.CONSOLE_TOKEN_FAILURES_PER_IP))
    return keys


def _window() -> tuple[int, int]:
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
    return window, retry_after


def blocked(*, client_id: str, ip: str | None) -> int:
    """Seconds to wait when this client_id or IP has failed too often, else 0."""
    window, retry_after = _window()
    keys = _keys(client_id, ip, window)
    counts = cache.get_many([key for key, _ in keys])
    if any(counts.get(key, 0) >= limit for key, limit in keys):
        return retry_after
    return 0


def failure(*, client_id: str, ip: str | None) -> int:
    """Count a failure; returns seconds to wait when a limit is now passed, else 0."""
    window, retry_after = _window()
    over = False
    for key, limit in _keys(client_id, ip, window):
        cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
            count = 1
        over = over or count > limit
    return retry_after if over else 0
