from celery import shared_task

from . import services


@shared_task
def storage_sweep() -> int:
    """Periodic (Celery beat): remove KYB files that no document row names."""
    return services.kyb_storage_sweep()
