from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


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
    from api.keys import signing_keys

    signing_keys()
