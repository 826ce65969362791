from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's own app (allauth.account: email addresses) is "Accounts" in the admin already.
    verbose_name = "Users and organizations"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the audit log's receivers
