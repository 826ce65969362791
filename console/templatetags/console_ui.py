"""Presentation helpers shared by every page: messages shown where the user looks, browsers
named as people name them."""

from functools import lru_cache

from django import template
from ua_parser import parse

register = template.Library()

SECTION_TAG = "section:"


def message_section(message) -> str:
    """The page section a message belongs next to ("" for the top of the page): a view says
    so with extra_tags="section:<id>" and redirects to <url>#<id>."""
    for tag in (message.extra_tags or "").split():
        if tag.startswith(SECTION_TAG):
            return tag.removeprefix(SECTION_TAG)
    return ""


@register.inclusion_tag("includes/messages.html", takes_context=True)
def messages_here(context, section: str = ""):
    """The messages for this place: the top of the page, or the section named."""
    messages = context.get("messages") or []
    return {"messages": [m for m in messages if message_section(m) == section]}


@lru_cache(maxsize=1024)
def _browser(user_agent: str) -> str:
    result = parse(user_agent)
    name = result.user_agent.family if result.user_agent else ""
    system = result.os.family if result.os else ""
    name = {"HeadlessChrome": "Chrome (headless)"}.get(name, name)
    if name in ("", "Other"):
        return "Unknown browser"
    if system in ("", "Other"):
        return name
    return f"{name} on {system}"


@register.filter
def browser(user_agent: str | None) -> str:
    """ "Chrome on Linux" for a user-agent string; the raw string stays in the CSV export."""
    if not user_agent:
        return "Unknown browser"
    return _browser(user_agent[:500])
