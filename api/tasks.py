from celery import shared_task

from . import usage


@shared_task
def usage_fold() -> int:
    """Fold the token counts kept in Redis into the database (idempotent, see api.usage)."""
    return usage.usage_fold()
