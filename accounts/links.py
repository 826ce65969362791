"""Absolute links to the Console, for emails and for the API's documents.

A leaf module: it imports nothing of the project, so the adapters, the emails and the
services can all build links without importing one another.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse


def console_url(url: str) -> str:
    """Rebase a link on CONSOLE_BASE_URL.

    Links in emails never take their host from the request's Host header, which a client
    controls (the password-reset poisoning attack).
    """
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{settings.CONSOLE_BASE_URL}{parts.path}{query}"


def absolute_url(viewname: str, *args) -> str:
    """A link for an email: based on CONSOLE_BASE_URL, never on a request's Host header."""
    return console_url(reverse(viewname, args=args))
