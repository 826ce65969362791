import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from api.keys import signing_keys

logger = logging.getLogger(__name__)


def require_secret_key() -> None:
    """Called by the processes that serve (WSGI, the Celery worker): no SECRET_KEY, no start.

    Reading an empty SECRET_KEY raises in Django; that becomes our message at start-up
    instead of a 500 on the first request that signs something.
    """
    try:
        settings.SECRET_KEY  # noqa: B018 - the read is the check
    except ImproperlyConfigured:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.") from None


def require_signing_keys() -> None:
    """The web process refuses to start without keys to sign access tokens with."""
    signing_keys()


def warn_if_rate_limits_are_per_process() -> None:
    """Production without REDIS_URL counts rate limits in each process's memory: with N
    gunicorn workers a client gets N times every limit (log-in, sign-up, password reset, the
    token endpoint). It still runs, and says so once at start-up."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or not backend.endswith("LocMemCache"):
        return
    logger.warning(
        "REDIS_URL is not set: rate limits (log-in, sign-up, password reset, emails, the token "
        "endpoint) are counted per process, so each worker process allows the full limit. "
        "Set REDIS_URL to share them between processes."
    )
