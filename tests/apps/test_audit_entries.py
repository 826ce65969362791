"""Apps, secrets, redirect URIs.

From tests.accounts.test_audit_entries: Each audited action writes exactly one entry, with the
right actor and target.
"""

import pytest

from accounts.models import AuditEvent, User
from apps import services as app_services
from tests.audit import last_id, only_entry
from tests.conftest import organization_of

pytestmark = pytest.mark.django_db


Action = AuditEvent.Action


def assert_app_target(entry: AuditEvent, app, actor: User) -> None:
    assert entry.organization_id == app.organization_id
    assert entry.actor == actor
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "app",
        app.client_id,
        app.name,
    )


def test_creating_an_app_writes_one_entry(alice, catalog):
    before = last_id()
    app = app_services.app_create(
        organization=organization_of(alice),
        name="Demo Bank sandbox",
        display_name="Alice Fintech",
        app_type="sandbox",
        created_by=alice,
    )
    assert_app_target(only_entry(before, Action.APP_CREATE), app, alice)


def test_renaming_an_app_writes_one_entry(alice, sandbox_app):
    before = last_id()
    app = app_services.app_rename(app=sandbox_app, name="Renamed", renamed_by=alice)
    entry = only_entry(before, Action.APP_RENAME)
    assert_app_target(entry, app, alice)
    assert entry.details == {"old_name": "Demo Bank sandbox", "new_name": "Renamed"}


def test_creating_and_revoking_a_secret_write_one_entry_each(alice, sandbox_app):
    before = last_id()
    secret, _ = app_services.client_secret_create(app=sandbox_app, created_by=alice, name="CI")
    created = only_entry(before, Action.CLIENT_SECRET_CREATE)
    before = last_id()
    app_services.client_secret_revoke(secret=secret, revoked_by=alice)
    revoked = only_entry(before, Action.CLIENT_SECRET_REVOKE)

    for entry in (created, revoked):
        assert_app_target(entry, sandbox_app, alice)
        assert entry.details == {"secret": secret.hint, "name": "CI"}


def test_adding_and_removing_a_redirect_uri_write_one_entry_each(alice, sandbox_app):
    before = last_id()
    uri = app_services.redirect_uri_add(
        app=sandbox_app, uri="https://alice.example/callback", added_by=alice
    )
    added = only_entry(before, Action.REDIRECT_URI_ADD)
    before = last_id()
    app_services.redirect_uri_remove(redirect_uri=uri, removed_by=alice)
    removed = only_entry(before, Action.REDIRECT_URI_REMOVE)

    for entry in (added, removed):
        assert_app_target(entry, sandbox_app, alice)
        assert entry.details == {"uri": "https://alice.example/callback"}
