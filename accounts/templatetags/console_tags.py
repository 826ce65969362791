"""Template tags of the console's pages."""

from django import template
from django.urls import reverse

from .. import reauthentication
from ..links import console_url

register = template.Library()


@register.simple_tag
def absolute_url(viewname: str, *args) -> str:
    """The URL of a view under CONSOLE_BASE_URL, as an API client outside would use it (never
    from the request's Host header)."""
    return console_url(reverse(viewname, args=args))


@register.simple_tag
def reauthentication_cancel_url(next_url: str | None) -> str:
    return reauthentication.cancel_url(next_url)
