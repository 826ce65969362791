from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from . import services


def console_url(url: str) -> str:
    """Rebase a link on CONSOLE_BASE_URL.

    Links in emails never take their host from the request's Host header, which a client
    controls (the password-reset poisoning attack).
    """
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{settings.CONSOLE_BASE_URL}{parts.path}{query}"


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render in the request (allauth's context is not serialisable), queue the strings."""
        context = {"console_base_url": settings.CONSOLE_BASE_URL, "email": email, **context}
        for key in ("activate_url", "password_reset_url", "signup_url"):
            if key in context:
                context[key] = console_url(context[key])
        message = self.render_mail(template_prefix, email, context)
        services.email_queue(message=message)

    def get_reset_password_from_key_url(self, key: str) -> str:
        return console_url(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation) -> str:
        return console_url(super().get_email_confirmation_url(request, emailconfirmation))
