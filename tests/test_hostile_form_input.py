"""Hostile values in every form field and in every id of a URL: a clear answer, never a 5xx.

The pages come from the URL resolver (tests.urlwalk), so a new form is swept without anyone
remembering to add it. Each page is opened as an owner whose organization has something on
every page (apps, secrets, a redirect URI, Contact sales done, a KYB draft, a team, a second
organization for the top bar's switcher), and once as an anonymous visitor. Every form on it
is parsed from the HTML, and each of its fields in turn is sent out-of-range integers, a huge
string and values that are not numbers, the rest of the form as the page filled it in.

Each request runs in a savepoint that is rolled back and starts with an empty cache (rate
limits) and the cookies the sweep logged in with, so a form that happens to be valid (a log
out, a deletion) changes nothing for the next one.

Runs on the configured database. SQLite refuses integers beyond 64 bits with OverflowError
where PostgreSQL compares them, so a run on PostgreSQL (CI) runs this module again on SQLite,
in a subprocess.
"""

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from logging import ERROR
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.urls.converters import get_converters

from accounts import services as account_services
from accounts.models import Role
from apps import services as app_services
from tests.conftest import PASSWORD, organization_of
from tests.kyb.conftest import complete_kyb
from tests.urlwalk import CONVERTER, SAMPLES, console_pages, endpoints

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

OUT_OF_RANGE = ["9223372036854775808", "-9223372036854775809", "99999999999999999999999"]
HUGE = "x" * 100_000
NOT_NUMBERS = ["abc", "1e5", "", "\x00", "١٢٣"]
HOSTILE = [*OUT_OF_RANGE, HUGE, "9" * 100_000, *NOT_NUMBERS]

# What a browser would have typed into an empty field of each type, so that the other fields
# of a form are valid and the hostile value reaches as deep as it can.
TYPED = {
    "email": "sweep@example.com",
    "url": "https://example.com/sweep",
    "date": "1990-01-01",
    "number": "50",
    "password": PASSWORD,
    "tel": "+46700000000",
}
BUTTONS = {"submit", "button", "image", "reset"}


# --- Forms, as a browser reads them ----------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # the input's type, or "select", "textarea", "button"
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    def names(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.fields:
            if f.name and f.name != "csrfmiddlewaretoken":
                seen.setdefault(f.name)
        return list(seen)

    def baseline(self) -> dict[str, list[str]]:
        """What submitting the form untouched sends, with empty text fields typed in."""
        data: dict[str, list[str]] = {}
        groups: dict[str, int] = {}
        for f in self.fields:
            if f.kind in ("checkbox", "radio"):
                groups[f.name] = groups.get(f.name, 0) + 1
        button_sent = False
        for f in self.fields:
            if not f.name or f.kind == "file":
                continue
            if f.kind in BUTTONS:
                if not button_sent:  # the first named button is the one clicked
                    data.setdefault(f.name, []).append(f.value)
                    button_sent = True
            elif f.kind == "checkbox":
                if f.checked:
                    data.setdefault(f.name, []).append(f.value or "on")
            elif f.kind == "radio":
                if f.checked:
                    data[f.name] = [f.value]
            elif f.kind == "select":
                chosen = [value for value, selected in f.options if selected]
                offered = [value for value, _ in f.options if value]
                data[f.name] = chosen or offered[:1] or [""]
            elif f.kind == "hidden":
                data[f.name] = [f.value]
            else:
                data[f.name] = [f.value or TYPED.get(f.kind, "Sweep")]
        for f in self.fields:
            # A group of checkboxes or radios with nothing chosen: choose the first.
            if f.kind in ("checkbox", "radio") and groups[f.name] > 1 and f.name not in data:
                data[f.name] = [f.value]
        return data


class FormParser(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(
                action=a.get("action") or self.page_path, method=(a.get("method") or "get").lower()
            )
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            self._form.fields.append(
                Field(a.get("name", ""), kind, a.get("value", ""), checked="checked" in a)
            )
        elif tag == "button":
            self._form.fields.append(Field(a.get("name", ""), "button", a.get("value", "")))
        elif tag == "select":
            self._select = Field(a.get("name", ""), "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea = Field(a.get("name", ""), "textarea")
            self._form.fields.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(response) -> list[Form]:
    parser = FormParser(response.request["PATH_INFO"])
    parser.feed(response.content.decode())
    return parser.forms


def route_of(path: str) -> str | None:
    try:
        return resolve(path.split("?")[0]).route
    except Resolver404:
        return None


# --- Sending -----------------------------------------------------------------------------------


@dataclass
class Sweep:
    client: Client
    requests: int = 0
    problems: list[str] = field(default_factory=list)
    forms: dict[str, set[str]] = field(default_factory=dict)  # url name: field names swept


def shown(value: str) -> str:
    return repr(value) if len(value) <= 30 else f"{value[:6]!r}… ({len(value)} characters)"


def raised_at(tb) -> str:
    """ " in file:line", the innermost frame of the project's own code that the exception
    passed through, then the innermost of all."""
    frames = []
    while tb is not None:
        frames.append(f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}")
        tb = tb.tb_next
    own = [f for f in frames if f.startswith(str(ROOT)) and "/.venv/" not in f]
    where = [f.removeprefix(f"{ROOT}/") for f in own[-1:] + frames[-1:]]
    return " in " + ", raised in ".join(where) if where else ""


def send(sweep: Sweep, caplog, method: str, url: str, data=None) -> int:
    """One request whose writes are rolled back, from a clean cache and the sweep's cookies;
    a 5xx or an exception logged by django.request becomes a problem."""
    client = sweep.client
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    cache.clear()
    caplog.clear()
    savepoint = transaction.savepoint()
    try:
        response = getattr(client, method)(url, data or {})
    finally:
        transaction.savepoint_rollback(savepoint)
        client.cookies = SimpleCookie(cookies)
    sweep.requests += 1
    logged = [r for r in caplog.records if r.name == "django.request" and r.levelno >= ERROR]
    exc = getattr(response, "exc_info", None)
    if response.status_code >= 500 or logged or exc:
        # The exception's type and where it was raised; never its message or the page.
        where = f" {exc[0].__name__}{raised_at(exc[2])}" if exc else ""
        sweep.problems.append(f"{response.status_code}{where}")
    return response.status_code


def sweep_forms(client: Client, caplog, values: dict | None) -> Sweep:
    sweep = Sweep(client)
    seen: set[tuple] = set()
    for _endpoint, response in console_pages(client, values):
        for form in forms_of(response):
            route = route_of(form.action)
            if route is None or route.startswith("admin/"):
                continue
            key = (route, form.method, tuple(sorted(form.names())))
            if key in seen:  # the top bar's forms are on every page
                continue
            seen.add(key)
            name = resolve(form.action.split("?")[0])
            swept = sweep.forms.setdefault(name.view_name, set())
            baseline = form.baseline()
            for field_name in form.names():
                swept.add(field_name)
                for value in HOSTILE:
                    data = {**baseline, field_name: [value]}
                    before = len(sweep.problems)
                    send(sweep, caplog, form.method, form.action, data)
                    if len(sweep.problems) > before:
                        sweep.problems[-1] = (
                            f"{form.method.upper()} {name.view_name} {field_name}="
                            f"{shown(value)}: {sweep.problems[-1]}"
                        )
    return sweep


# --- The organization the owner sweeps -------------------------------------------------------


@pytest.fixture
def owner_world(client, alice, add_member, make_app, catalog) -> dict[str, str]:
    """Alice, an owner with something on every page; returns the URL values for her objects."""
    organization = organization_of(alice)
    add_member(organization, Role.DEVELOPER)
    account_services.invitation_create(
        organization=organization, email="erin@example.com", role=Role.VIEWER, invited_by=alice
    )
    app = make_app(alice)
    revoked, _ = app_services.client_secret_create(app=app, created_by=alice, name="Old")
    app_services.client_secret_revoke(secret=revoked, revoked_by=alice)
    active, _ = app_services.client_secret_create(app=app, created_by=alice, name="CI")
    uri = app_services.redirect_uri_add(app=app, uri="https://example.com/cb", added_by=alice)
    # Contact sales, a production app, access to Transactions and a KYB draft, not submitted:
    # every KYB form is still offered.
    submission = complete_kyb(alice)
    # A second organization, last (organization_of wants one): the top bar's switcher.
    account_services.organization_create(name="Alice Labs", owner=alice)
    # Logged in through the form, twice (the Sessions page offers to log out the other one),
    # and the password typed again (the second-factor pages want a recent one).
    for session in (Client(), client):
        response = session.post(
            reverse("account_login"), {"login": alice.email, "password": PASSWORD}
        )
        assert response.status_code == 302, response.status_code
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return {
        "client_id": app.client_id,
        "secret_id": active.pk,
        "uri_id": uri.pk,
        "slug": "account-check",  # not requested yet: its request form is offered
        "owner_id": submission.owners.get().pk,
        "director_id": submission.directors.get().pk,
        "document_id": submission.documents.first().pk,
    }


@pytest.fixture
def hostile_client(client) -> Client:
    # Hostile input must come back as a response, never as an exception in the test.
    client.raise_request_exception = False
    return client


# The forms the issue found raising OverflowError on SQLite: the sweep must reach them.
REPORTED = {
    "accounts:organization_switch": "organization",
    "products:contact_sales": "products",
    "kyb:production_access_request": "apps",
}


def test_every_form_field_of_an_owner_answers_hostile_values_without_a_server_error(
    hostile_client, owner_world, caplog
):
    started = time.monotonic()
    sweep = sweep_forms(hostile_client, caplog, owner_world)

    for view_name, field_name in REPORTED.items():
        assert field_name in sweep.forms.get(view_name, set()), f"{view_name} was not swept"
    assert len(sweep.forms) >= 30, sorted(sweep.forms)
    print(f"\n{connection.vendor}: {sweep.requests} requests to {len(sweep.forms)} forms "
          f"in {time.monotonic() - started:.1f} s")  # fmt: skip
    assert sweep.problems == [], "\n".join(sweep.problems)


def test_every_public_form_answers_hostile_values_without_a_server_error(hostile_client, caplog):
    sweep = sweep_forms(hostile_client, caplog, None)

    assert {"account_login", "account_signup", "account_reset_password"} <= set(sweep.forms)
    print(f"\n{connection.vendor}: {sweep.requests} requests to {len(sweep.forms)} public forms")
    assert sweep.problems == [], "\n".join(sweep.problems)


# --- Ids in URLs ------------------------------------------------------------------------------


def id_converters() -> set[str]:
    """The path converters whose values are database ids: digits only."""
    return {
        name
        for name, converter in get_converters().items()
        if re.fullmatch(converter.regex, "1") and not re.fullmatch(converter.regex, "a")
    }


PROJECT = {"accounts", "apps", "products", "kyb", "api", "console"}


def urls_with_ids(values: dict[str, str], id_value: str) -> list[tuple[str, str, bool]]:
    """(url name, path, the project's own view?) of every pattern with an id in its path, the
    ids set to `id_value`."""
    ids = id_converters()
    found = []
    for endpoint in endpoints(values):
        own = resolve(endpoint.url).func.__module__.split(".")[0] in PROJECT
        matches = list(CONVERTER.finditer(endpoint.route))
        if not any(m["converter"] in ids for m in matches):
            continue

        def fill(match: re.Match) -> str:
            if match["converter"] in ids:
                return id_value
            if match["name"] in values:
                return str(values[match["name"]])
            regex = get_converters()[match["converter"] or "str"].regex
            return next(sample for sample in SAMPLES if re.fullmatch(regex, sample))

        found.append((endpoint.name, "/" + CONVERTER.sub(fill, endpoint.route), own))
    return found


def test_the_walk_finds_ids_in_urls():
    names = {name for name, _, own in urls_with_ids({}, "1") if own}
    assert {"apps:client_secret_revoke", "accounts:member_role_change", "kyb:owner_remove"} <= names


@pytest.mark.parametrize("id_value", ["9223372036854775808", "99999999999999999999999"])
def test_an_id_beyond_the_database_range_in_a_url_is_not_found(
    hostile_client, owner_world, caplog, id_value
):
    """The project's own patterns don't resolve (404, before any view or query); allauth's
    (security keys) resolve, and their views must still answer without a server error."""
    sweep = Sweep(hostile_client)
    wrong = []
    for name, url, own in urls_with_ids(owner_world, id_value):
        if url.startswith("/admin/"):
            continue
        for method in ("get", "post"):
            before = len(sweep.problems)
            status = send(sweep, caplog, method, url)
            if len(sweep.problems) > before or (own and status != 404):
                wrong.append(f"{method.upper()} {name} with id {id_value}: {status}")
    assert wrong == [], "\n".join(wrong)


# --- SQLite, from a run on PostgreSQL ---------------------------------------------------------


def test_the_sweep_holds_on_sqlite_too(tmp_path):
    """CI runs on PostgreSQL, where out-of-range integers are merely compared; SQLite, the
    embedded default, raised OverflowError on them. Run this module there too."""
    if connection.vendor == "sqlite":
        pytest.skip("this run is on SQLite already")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'sweep.sqlite3'}"}
    options = ["-q", "-s", "-p", "no:cacheprovider", "-k", "not sqlite_too"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", __file__, *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


# --- The admin ---------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, make_user):
    from tests.conftest import give_two_factor

    staff = make_user("staff@tink.example", organization=None)
    staff.is_staff = staff.is_superuser = True
    staff.save(update_fields=["is_staff", "is_superuser"])
    give_two_factor(staff)
    client.force_login(staff)
    client.raise_request_exception = False
    return client


def admin_changelists():
    """(changelist URL, the model's foreign keys) of every model in the admin."""
    from django.contrib import admin

    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        yield url, [f.name for f in meta.get_fields() if f.is_relation and f.many_to_one]


@pytest.mark.parametrize("value", ["9223372036854775808", "99999999999999999999999"])
def test_the_admin_answers_ids_beyond_the_range_without_a_server_error(staff_client, value):
    """Staff pages too (SQLite raised OverflowError on changelist lookups and actions)."""
    failures = []
    for url, keys in admin_changelists():
        for key in [*keys, "id", "pk"]:
            response = staff_client.get(url, {key: value})
            if response.status_code >= 500:
                failures.append(f"GET {url}?{key}=…: {response.status_code}")
        response = staff_client.post(
            url, {"action": "delete_selected", "_selected_action": [value], "index": "0"}
        )
        if response.status_code >= 500:
            failures.append(f"POST {url} action: {response.status_code}")
    assert failures == []
