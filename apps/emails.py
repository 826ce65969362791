"""The emails about an organization's client secrets, to its owners and admins."""

from accounts.emails import email_send
from accounts.links import absolute_url
from accounts.models import Organization
from accounts.selectors import managers_of

from .models import UNUSED_DAYS, App, ClientSecret


def secret_leaked(*, app: App, secret: ClientSecret, reporter: str) -> None:
    """Which secret, where it was found, that it is revoked, and how to roll."""
    recipients = managers_of(app.organization)
    if not recipients:
        return
    email_send(
        template_prefix="apps/email/secret_leaked",
        to=recipients,
        context={
            "app": app,
            "secret": secret,
            "reporter": reporter,
            "api_client_url": absolute_url("apps:api_client", app.client_id),
        },
    )


def unused_secrets(*, organization: Organization, secrets: list[ClientSecret]) -> None:
    """The weekly list of secrets nobody used for UNUSED_DAYS days."""
    recipients = managers_of(organization)
    if not recipients:
        return
    email_send(
        template_prefix="apps/email/unused_secrets",
        to=recipients,
        context={
            "organization": organization,
            "secrets": [
                {
                    "secret": secret,
                    "app": secret.app,
                    "url": absolute_url("apps:api_client", secret.app.client_id),
                }
                for secret in secrets
            ],
            "days": UNUSED_DAYS,
            "settings_url": absolute_url("accounts:organization_settings"),
        },
    )
