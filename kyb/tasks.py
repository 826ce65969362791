from celery import shared_task

from . import documents


@shared_task
def storage_sweep() -> int:
    """Periodic (Celery beat): remove KYB files that no document row names."""
    return documents.kyb_storage_sweep()
