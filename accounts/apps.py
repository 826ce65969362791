from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # The audit log's receivers, and <id:…> for every app's URLs (before any is read).
        from . import converters, signals  # noqa: F401
