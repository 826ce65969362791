"""Presentation helpers shared by every page: messages shown where the user looks, browsers
named as people name them, and {% url %} without reversing the same URL on every request."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaulttags
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
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


@register.simple_tag(takes_context=True)
def messages_here(context, section: str = "") -> str:
    """The messages for this place: the top of the page, or the section named. A page has
    several places and most requests carry no message: those render nothing at all."""
    messages = context.get("messages") or []
    shown = [m for m in messages if message_section(m) == section]
    if not shown:
        return ""
    return render_to_string("includes/messages.html", {"messages": shown})


# --- {% url %}, memoized ----------------------------------------------------------------------

# A URL is a function of the URL patterns and its arguments: the console's pages reverse the
# same few dozen (the navigation twice, the tabs, each row's action) on every request, at a
# tenth of a page's CPU. Only plain str and int arguments are memoized, with what else
# reverse() reads (the URLconf, the script prefix, the current app) in the key.
_MEMOIZED_TYPES = (str, int)


@lru_cache(maxsize=4096)
def _reverse(root_urlconf, urlconf, prefix, view_name, args, kwargs, current_app) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


@receiver(setting_changed)
def _forget_urls(*, setting: str, **kwargs) -> None:
    if setting in ("ROOT_URLCONF", "TEMPLATES"):  # as Django's own caches (tests swap them)
        _reverse.cache_clear()
        _nav.cache_clear()


def memoized_reverse(view_name: str, args=(), kwargs=None, current_app=None) -> str:
    kwargs = kwargs or {}
    values = (view_name, *args, *kwargs.values())
    if not all(isinstance(value, _MEMOIZED_TYPES) for value in values):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    return _reverse(
        settings.ROOT_URLCONF,
        get_urlconf(),
        get_script_prefix(),
        view_name,
        tuple(args),
        tuple(kwargs.items()),
        current_app,
    )


@lru_cache(maxsize=64)
def _nav(section: str, root_urlconf, urlconf, prefix) -> str:
    return render_to_string("console/_nav.html", {"nav_section": section})


@register.simple_tag(takes_context=True)
def console_nav(context) -> str:
    """The console's navigation (console/_nav.html), the same for every page of a section:
    rendered once per section and process, except under DEBUG, where templates change."""
    section = context.get("nav_section") or ""
    if settings.DEBUG or not isinstance(section, str):
        return render_to_string("console/_nav.html", {"nav_section": section})
    return _nav(section, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())


class MemoizedURLNode(defaulttags.URLNode):
    """Django's {% url %} (same arguments, `as var`, current app and errors), through
    memoized_reverse."""

    def render(self, context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = memoized_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token) -> MemoizedURLNode:
    """Replaces the built-in {% url %} in every template (this library is a builtin, loaded
    after Django's)."""
    node = defaulttags.url(parser, token)
    return MemoizedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


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
