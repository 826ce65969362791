from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's own app (allauth.account: email addresses) is "Accounts" in the admin already.
    verbose_name = "Users and organizations"

    def ready(self) -> None:
        # The audit log's receivers, and <id:…> for every app's URLs (before any is read).
        from . import converters, signals  # noqa: F401
