"""Every response carries the production security headers, and every page works under them.

The sweep requests each URL pattern of the project (from the resolver, admin included)
over https, as an anonymous visitor, as a verified user and as staff, plus the 404 and 500
pages. Findings are collected across the whole sweep, so one run lists every offender.
"""

from html.parser import HTMLParser
from http.cookies import Morsel

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse

from accounts.models import OutboundEmail
from tests.conftest import PASSWORD
from tests.urlwalk import endpoints

pytestmark = pytest.mark.django_db

HTTPS = {"secure": True}
HSTS_MAX_AGE = 31536000


@pytest.fixture(autouse=True)
def production(settings):
    """tests/settings.py turns the https redirect off for the rest of the suite."""
    settings.SECURE_SSL_REDIRECT = True


@pytest.fixture
def staff(make_user):
    user = make_user("root@example.com", organization="Console Staff")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def header_problems(response) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy")
    if csp is None:
        problems.append("no Content-Security-Policy")
    else:
        directives = csp_directives(csp)
        for directive, allowed in [
            ("default-src", ("'self'", "'none'")),  # 'none' for JSON: the API's answers
            ("object-src", ("'none'",)),
            ("base-uri", ("'none'",)),
            ("frame-ancestors", ("'none'",)),
        ]:
            value = directives.get(directive)
            if value is None or len(value) != 1 or value[0] not in allowed:
                problems.append(f"CSP {directive} is {value}, not one of {allowed}")
        if "unsafe-" in csp:
            problems.append(f"CSP allows something unsafe: {csp}")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    for header, value in expected.items():
        if response.headers.get(header) != value:
            problems.append(f"{header} is {response.headers.get(header)!r}, not {value!r}")
    hsts = [p.strip() for p in response.headers.get("Strict-Transport-Security", "").split(";")]
    if f"max-age={HSTS_MAX_AGE}" not in hsts or "includeSubDomains" not in hsts:
        problems.append(f"Strict-Transport-Security is {hsts}")
    return problems


class InlineCodeFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block in a browser."""

    DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_inline_script = False
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        where = f"<{tag} {self.get_starttag_text()[len(tag) + 1 :][:60]}"
        if "style" in attributes:
            self.problems.append(f"style= attribute in {where}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"inline event handler {name}= in {where}")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL in {where}")
        if tag == "style":
            self._in_style = True
            self.problems.append("a <style> element")
        if tag == "script":
            script_type = (attributes.get("type") or "").lower()
            self._in_inline_script = (
                "src" not in attributes and script_type not in self.DATA_SCRIPT_TYPES
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]!r}")


def inline_code_in(response) -> list[str]:
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    finder = InlineCodeFinder()
    finder.feed(response.content.decode())
    finder.close()
    return finder.problems


def sweep(client: Client, urls: list[tuple[str, str]]) -> list[str]:
    """GET each URL over https; return every problem found, labelled by page."""
    findings = []
    for label, url in urls:
        response = client.get(url, **HTTPS)
        for problem in header_problems(response) + inline_code_in(response):
            findings.append(f"{label} ({url}, {response.status_code}): {problem}")
    return findings


def every_page() -> list[tuple[str, str]]:
    return [(endpoint.name, endpoint.url) for endpoint in endpoints()] + [
        ("404 page", "/no-such-page/")
    ]


def admin_pages_of(*objects) -> list[tuple[str, str]]:
    """The sweep's sample id ("1") rarely names a real row; these pages show real objects."""
    pages = []
    for obj in objects:
        opts = obj._meta
        for view in ("change", "history", "delete"):
            name = f"admin:{opts.app_label}_{opts.model_name}_{view}"
            pages.append((name, reverse(name, args=[obj.pk])))
    return pages


def test_every_page_sends_a_strict_csp_and_the_security_headers_to_anonymous_visitors(client):
    assert sweep(client, every_page()) == []


def test_every_page_sends_a_strict_csp_and_the_security_headers_to_a_logged_in_user(client, alice):
    client.force_login(alice)
    assert sweep(client, every_page()) == []


def test_every_admin_page_works_under_the_csp_for_staff(client, staff, alice):
    real_rows = admin_pages_of(
        alice,
        alice.memberships.get().organization,
        EmailAddress.objects.get(user=alice),
        Group.objects.create(name="Support"),
        OutboundEmail.objects.create(to=[alice.email], from_email="x@example.com", subject="Hi"),
    )
    client.force_login(staff)
    assert sweep(client, every_page() + real_rows) == []


@login_not_required
def boom(request: HttpRequest):
    raise RuntimeError("a bug in a view")


class UrlsWithABrokenPage:
    urlpatterns = [path("boom/", boom), path("", include("console.urls"))]
    handler404 = "console.views.page_not_found"
    handler500 = "console.views.server_error"


def test_the_500_page_sends_the_security_headers_and_no_inline_code(client, settings):
    settings.ROOT_URLCONF = UrlsWithABrokenPage
    client.raise_request_exception = False

    response = client.get("/boom/", **HTTPS)

    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert header_problems(response) + inline_code_in(response) == []


def test_the_404_page_is_a_404_with_the_security_headers(client):
    response = client.get("/no-such-page/", **HTTPS)
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert header_problems(response) == []


def test_plain_http_is_redirected_to_https(client):
    response = client.get("/accounts/login/?next=/apps/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/?next=/apps/"


def test_the_sweep_notices_a_missing_header_and_inline_code():
    """The checks themselves can fail: a page with inline code and a loose CSP is reported."""
    response = HttpResponse(
        '<p style="color:red" onclick="x()">hi</p><style>p{}</style><script>alert(1)</script>'
        '<script src="/static/a.js"></script><script type="application/json">{}</script>'
    )
    response["Content-Security-Policy"] = "default-src 'self' 'unsafe-inline'"
    problems = header_problems(response) + inline_code_in(response)
    assert any("object-src" in p for p in problems)
    assert any("unsafe" in p for p in problems)
    assert any("Strict-Transport-Security" in p for p in problems)
    assert sum("inline <script>" in p for p in problems) == 1
    assert any("style= attribute" in p for p in problems)
    assert any("<style> element" in p for p in problems)
    assert any("onclick" in p for p in problems)


# --- Cookies --------------------------------------------------------------------------------


def assert_host_only_secure_lax(cookie: Morsel) -> None:
    assert cookie.key.startswith("__Host-"), cookie.key
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["domain"] == ""


def test_the_csrf_cookie_is_host_only_secure_and_lax(client):
    response = client.get(reverse("account_login"), **HTTPS)
    cookie = response.cookies[django_settings.CSRF_COOKIE_NAME]
    assert cookie.key == "__Host-csrftoken"
    assert_host_only_secure_lax(cookie)


def test_logging_in_through_the_form_sets_a_host_only_secure_httponly_lax_session_cookie(
    alice,
):
    client = Client(enforce_csrf_checks=True)
    login = reverse("account_login")
    page = client.get(login, **HTTPS)
    token = page.cookies["__Host-csrftoken"].value

    response = client.post(
        login,
        {"login": alice.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        HTTP_REFERER=f"https://testserver{login}",
        **HTTPS,
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    cookie = response.cookies["__Host-sessionid"]
    assert_host_only_secure_lax(cookie)
    assert cookie["httponly"] is True
    assert client.get(reverse("home"), **HTTPS).status_code == 200


def test_no_page_sets_a_cookie_that_is_not_secure_and_lax(client, alice):
    """Whatever else sets a cookie (messages, a future feature) follows the same rules."""
    client.force_login(alice)
    seen = {}
    for _, url in every_page():
        response = client.get(url, **HTTPS)
        seen.update({name: cookie for name, cookie in response.cookies.items()})
    response = client.post(reverse("account_logout"), **HTTPS)
    seen.update(response.cookies)

    assert {"__Host-csrftoken", "__Host-sessionid"} <= set(seen)  # logging out resets both
    for name, cookie in seen.items():
        assert cookie["secure"] is True, name
        assert cookie["samesite"] == "Lax", name
        assert cookie["path"] == "/", name
        assert cookie["domain"] == "", name
        if "session" in name or "csrf" in name:
            assert name.startswith("__Host-"), name
        deleted = cookie["max-age"] == 0
        # No script reads any cookie (the CSRF token travels in the form).
        if name != django_settings.CSRF_COOKIE_NAME and not deleted:
            assert cookie["httponly"] is True, name
