"""Every URL pattern of the project, from the URL resolver, each with a concrete URL.

Tests that must cover every page (the anonymous-access allow-list, the security-header sweep)
walk this list, so a new view is covered without anyone remembering to add it.
"""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

# Sample values for path converters and regex groups, first fit wins.
SAMPLES = ("1", "sample", "auth", "00000000-0000-4000-8000-000000000001")
GROUP = re.compile(r"\(\?P<(?P<name>\w+)>")
CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Endpoint:
    name: str  # "namespace:url_name", or the route when the pattern has no name
    route: str  # as Django reports it in ResolverMatch.route
    url: str  # a concrete path that resolves to this pattern

    def __str__(self) -> str:
        return self.name


def _sample_for(regex: str, where: str) -> str:
    for sample in SAMPLES:
        if re.fullmatch(regex, sample):
            return sample
    raise AssertionError(f"No sample value fits {regex!r} in {where!r}; add one to SAMPLES.")


def _group_end(regex: str, start: int) -> int:
    """Index just past the parenthesis that closes the group opened at `start`."""
    depth, i = 0, start
    while i < len(regex):
        char = regex[i]
        if char == "\\":
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise AssertionError(f"Unbalanced group in {regex!r}")


def _concrete_regex(regex: str) -> str:
    regex = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    out, i = [], 0
    while (match := GROUP.search(regex, i)) is not None:
        end = _group_end(regex, match.start())
        out.append(regex[i : match.start()])
        out.append(_sample_for(regex[match.end() : end - 1], regex))
        i = end
    out.append(regex[i:])
    concrete = "".join(out)
    assert not re.search(r"[\\^$()\[\]*+?|{}]", concrete), (
        f"Cannot make a concrete URL from {regex!r}; teach the walker this pattern."
    )
    return concrete


def _concrete_route(pattern, values: dict[str, str]) -> str:
    converters = pattern.converters

    def fill(match: re.Match) -> str:
        if match["name"] in values:
            return values[match["name"]]
        return _sample_for(converters[match["name"]].regex, str(pattern))

    return CONVERTER.sub(fill, str(pattern))


def _concrete(pattern, values: dict[str, str]) -> str:
    if isinstance(pattern, RoutePattern):
        return _concrete_route(pattern, values)
    return _concrete_regex(str(pattern))


def _join_route(route1: str, route2: str) -> str:
    # Django's own rule (URLResolver._join_route): the inner route loses its leading ^.
    return route2 if not route1 else route1 + route2.removeprefix("^")


def endpoints(values: dict[str, str] | None = None) -> list[Endpoint]:
    """Every URL pattern of the project, each with a concrete URL that resolves back to it.

    `values` fills named path parameters (say {"client_id": app.client_id}) so the URLs reach
    real objects; the others get sample values.
    """
    values = {name: str(value) for name, value in (values or {}).items()}
    found: list[Endpoint] = []

    def walk(patterns, route: str, url: str, namespace: str | None) -> None:
        for pattern in patterns:
            sub_route = _join_route(route, str(pattern.pattern))
            sub_url = url + _concrete(pattern.pattern, values)
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, sub_route, sub_url, ns)
            else:
                assert isinstance(pattern, URLPattern)
                name = sub_route
                if pattern.name:
                    name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append(Endpoint(name=name, route=sub_route, url="/" + sub_url))

    walk(get_resolver().url_patterns, "", "", None)
    for endpoint in found:
        match = resolve(endpoint.url)
        assert match.route == endpoint.route, (
            f"{endpoint.url} resolves to {match.route!r}, not to {endpoint.route!r}: "
            "the walker needs a better sample value for this pattern."
        )
    return found


def console_pages(client, values: dict[str, str] | None = None):
    """(endpoint, response) for every page that answers with HTML, redirects followed.

    Django's admin is left out: it is Django's, for staff, in Django's words and markup.
    `values` defaults to the client's url_values (see the visitor fixture).
    """
    if values is None:
        values = getattr(client, "url_values", None)
    for endpoint in endpoints(values):
        if endpoint.url.startswith("/admin/"):
            continue
        response = client.get(endpoint.url, follow=True)
        if "text/html" in response.get("Content-Type", ""):
            yield endpoint, response
