import os

from celery import Celery, signals
from django.core.exceptions import ImproperlyConfigured

from .startup import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

app = Celery("console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _require_secret_key(**kwargs) -> None:
    try:
        require_secret_key()
    except ImproperlyConfigured as exc:
        # Celery logs and swallows exceptions from signal handlers; SystemExit stops it.
        raise SystemExit(f"ImproperlyConfigured: {exc}") from None
