from django.db.models import QuerySet

from apps.models import App

from .models import EndUser


def end_users(*, app: App) -> QuerySet[EndUser]:
    """The app's users, newest first."""
    return EndUser.objects.filter(app=app).order_by("-created_at", "-pk")
