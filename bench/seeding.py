"""The token benchmark's data: seeded rows, the targets checked in-process, and the clean-up."""

import argparse
import contextlib
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.common import CannotRun, Target


@dataclass
class Seed:
    tag: str
    user: object
    organization: object
    app: object
    dot_apps: list
    session_key: str = field(repr=False)
    ours_body: str = field(repr=False)
    dot_hashed_body: str = field(repr=False)
    dot_plain_body: str = field(repr=False)
    dot_hasher: str = ""


def seed(tag: str) -> Seed:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import identify_hasher
    from django.test import Client
    from oauth2_provider.generators import generate_client_secret
    from oauth2_provider.models import get_application_model

    from accounts.models import User
    from accounts.services import organization_create
    from apps.models import App
    from apps.services import app_create, client_secret_create

    email = f"bench-{tag}@example.com"
    user = User.objects.create_user(email=email)  # no usable password: sessions only
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    organization = organization_create(name=f"Bench {tag}", owner=user)
    app = app_create(
        organization=organization,
        name="Bench sandbox",
        display_name="Bench",
        app_type=App.Type.SANDBOX,
        created_by=user,
    )
    _, plaintext = client_secret_create(app=app, created_by=user, name="bench")
    ours_body = urlencode(
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": plaintext}
    )

    Application = get_application_model()
    dot_apps, dot_bodies, hasher = [], [], ""
    for hashed in (True, False):
        dot_secret = generate_client_secret()
        dot_app = Application.objects.create(
            name=f"bench-{tag}-{'hashed' if hashed else 'unhashed'}",
            user=user,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=dot_secret,
            hash_client_secret=hashed,
        )
        if hashed:
            hasher = identify_hasher(dot_app.client_secret).algorithm
        dot_apps.append(dot_app)
        dot_bodies.append(
            urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_id": dot_app.client_id,
                    "client_secret": dot_secret,
                }
            )
        )

    client = Client()
    client.force_login(user)
    from django.conf import settings

    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return Seed(
        tag=tag,
        user=user,
        organization=organization,
        app=app,
        dot_apps=dot_apps,
        session_key=session_key,
        ours_body=ours_body,
        dot_hashed_body=dot_bodies[0],
        dot_plain_body=dot_bodies[1],
        dot_hasher=hasher,
    )


def enlarge(data: Seed) -> str:
    """More of everything the pages list: their query counts must not change."""
    from apps.models import App
    from apps.services import (
        app_create,
        client_secret_create,
        client_secret_revoke,
        redirect_uri_add,
    )

    for n in range(2, 6):
        app_create(
            organization=data.organization,
            name=f"Bench app {n}",
            display_name="Bench",
            app_type=App.Type.SANDBOX,
            created_by=data.user,
        )
    extra = [client_secret_create(app=data.app, created_by=data.user)[0] for _ in range(3)]
    client_secret_revoke(secret=extra[-1], revoked_by=data.user)
    client_secret_create(app=data.app, created_by=data.user)
    for n in range(2):
        redirect_uri_add(app=data.app, uri=f"https://bench{n}.example.com/cb", added_by=data.user)
    return "5 apps; 4 active and 1 revoked secrets, 2 redirect URIs on the first"


def in_process_client():
    from django.test import Client

    # The proxy's header, as wrk sends it; the host gunicorn is reached by.
    return Client(SERVER_NAME="127.0.0.1", headers={"x-forwarded-proto": "https"})


def probe(client, target: Target) -> tuple[int, int, bool]:
    """(status, queries, body as expected) of one request in-process; nothing is printed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        if target.method == "POST":
            response = client.post(
                target.path, target.body, content_type="application/x-www-form-urlencoded"
            )
        else:
            response = client.get(target.path)
    body = response.content.decode(errors="replace")
    ok = response.status_code == 200 and (not target.expect or target.expect in body)
    return response.status_code, len(queries), ok


def find_analytics(client, client_id: str) -> tuple[str | None, str]:
    """The app's analytics page, and a note when it doesn't answer 200."""
    from django.urls import reverse

    path = reverse("analytics:app", args=[client_id])
    if client.get(path).status_code != 200:
        return None, f"{path} doesn't answer 200: skipped"
    return path, ""


def build_targets(data: Seed, args: argparse.Namespace) -> tuple[list[Target], list[str]]:
    """The targets, each checked once in-process; returns them and the notes to print."""
    from django.conf import settings

    # Like wrk: the pages with the session cookie, the other targets without any cookie.
    anonymous, client = in_process_client(), in_process_client()
    client.cookies[settings.SESSION_COOKIE_NAME] = data.session_key
    cookie = f"{settings.SESSION_COOKIE_NAME}={data.session_key}"
    api_client = f"/apps/{data.app.client_id}/settings/api-client/"
    targets = [
        Target("floor", "Django floor", "/bench/floor", expect='"ok"'),
        Target(
            "dot_hashed",
            f"DOT, hashed secret ({data.dot_hasher})",
            "/bench/dot/token/",
            "POST",
            data.dot_hashed_body,
            expect='"access_token"',
            duration=args.hashed_duration,
            timeout=60.0,
        ),
        Target(
            "dot_plain",
            "DOT, hash_client_secret=False",
            "/bench/dot/token/",
            "POST",
            data.dot_plain_body,
            expect='"access_token"',
        ),
        Target(
            "ours",
            "ours: /api/v1/oauth/token",
            "/api/v1/oauth/token",
            "POST",
            data.ours_body,
            expect='"access_token"',
        ),
        Target("page_apps", "page: app list", "/apps/", cookie=cookie),
        Target("page_api_client", "page: API client tab", api_client, cookie=cookie),
    ]
    if args.embedded:
        targets.insert(
            3,
            Target(
                "dot_tuned",
                "DOT unhashed, tuned",
                "/bench/dot/token/",
                "POST",
                data.dot_plain_body,
                expect='"access_token"',
                server="tuned",
            ),
        )
    notes = []
    analytics, note = find_analytics(client, data.app.client_id)
    if analytics:
        targets.append(Target("page_analytics", "page: analytics", analytics, cookie=cookie))
    if note:
        notes.append(f"analytics: {note}")

    pages = [target for target in targets if target.key.startswith("page_")]
    before = {}
    for target in targets:
        status, queries, ok = probe(client if target.cookie else anonymous, target)
        if not ok:
            raise CannotRun(
                f"{target.label} ({target.path}) answered {status} in-process, not the expected "
                f"200 answer; nothing was loaded."
            )
        # The second time counts: per-process caches (the catalog's scopes) are warm.
        status, queries, ok = probe(client if target.cookie else anonymous, target)
        before[target.key] = queries
        target.queries = str(queries)
    grown = enlarge(data)
    for target in pages:
        _, queries, ok = probe(client, target)
        constant = queries == before[target.key]
        target.queries = f"{before[target.key]} -> {queries}"
        if not constant:
            notes.append(f"{target.label}: {before[target.key]} queries grew to {queries}")
    notes.insert(0, f"page queries measured with 1 app and 1 secret, then with {grown}")
    only = {key.strip() for key in args.only.split(",") if key.strip()}
    if only:
        targets = [target for target in targets if target.key in only]
    elif args.embedded:
        # The embedded configuration's goals don't name it, and its rounds take the longest.
        targets = [target for target in targets if target.key != "dot_hashed"]
    return targets, notes


def cleanup(data: Seed | None) -> None:
    from django.contrib.sessions.models import Session
    from django.db import connection

    if data is None:
        return
    with contextlib.suppress(Exception):
        connection.close()  # a fresh connection: the old one may have died with the server
    for dot_app in data.dot_apps:
        dot_app.delete()  # and its access tokens
    Session.objects.filter(session_key=data.session_key).delete()
    # The organization takes its apps, secrets, usage counts and audit events with it.
    data.organization.delete()
    data.user.delete()
    from django.conf import settings

    from api.usage import redis_client

    client = redis_client()
    if client is not None:
        with contextlib.suppress(Exception):
            keys = list(client.scan_iter(match=f"{settings.CONSOLE_USAGE_PREFIX}:*"))
            if keys:
                client.delete(*keys)
