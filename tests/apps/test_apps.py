"""Creating, listing and renaming apps; display name and app type never change."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from accounts.models import AuditEvent
from apps import services
from apps.models import App
from tests.conftest import contact_sales, give_two_factor, organization_of

pytestmark = pytest.mark.django_db

CREATE_URL = "/apps/new/"
# The management forms of the app admin's read-only inlines, which every change POST carries.
INLINES = {
    f"{prefix}-{field}": "0"
    for prefix in ("secrets", "redirect_uris")
    for field in ("TOTAL_FORMS", "INITIAL_FORMS")
}


def create(client, **fields):
    data = {"name": "Demo Bank sandbox", "display_name": "Alice Fintech", "app_type": "sandbox"}
    data.update(fields)
    return client.post(CREATE_URL, data)


def snapshot() -> list[tuple]:
    return list(App.objects.order_by("pk").values_list("name", "display_name", "app_type"))


# --- Creating ---------------------------------------------------------------------------------


def test_home_without_apps_links_to_create_your_first_app(alice_client):
    response = alice_client.get("/")
    assert b'href="/apps/new/">Create your first app</a>' in response.content


def test_the_form_warns_before_submit_that_display_name_and_type_are_final(alice_client):
    page = alice_client.get(CREATE_URL).content.decode()
    assert "<h1>Create a new app</h1>" in page
    assert "neither the display name nor the app type can be changed" in page
    for label in ("App name", "Display name (public)", "App type"):
        assert f">{label}</" in page
    assert ">Sandbox</label>" in page and ">Production</label>" in page
    assert ">Create app</button>" in page


def checked_types(page: str) -> list[str]:
    return re.findall(r'<input type="radio" name="app_type" value="(\w+)"[^>]*\bchecked\b', page)


def test_the_form_chooses_no_app_type_for_you(alice_client, alice):
    """The type can never change, so the user picks it (issue 12, point 3)."""
    contact_sales(alice)

    assert checked_types(alice_client.get(CREATE_URL).content.decode()) == []
    response = create(alice_client, app_type="")
    assert response.status_code == 200
    assert "Choose Sandbox or Production." in response.content.decode()
    assert not App.objects.exists()


def test_the_go_live_link_opens_the_form_with_production_chosen(alice_client, alice):
    contact_sales(alice)

    page = alice_client.get(CREATE_URL + "?type=production").content.decode()

    assert checked_types(page) == ["production"]


def test_before_contact_sales_production_is_shown_disabled_with_the_reason(alice_client):
    page = alice_client.get(CREATE_URL + "?type=production").content.decode()

    production = re.search(r'<input type="radio" name="app_type" value="production"[^>]*>', page)
    assert production and " disabled" in production.group(0)
    assert checked_types(page) == []
    reason = re.search(r'id="id_app_type_1_description">(.*?)</p>', page, re.S).group(1)
    assert "Contact sales first." in reason
    forged = create(alice_client, app_type="production")
    assert "Contact sales first." in forged.content.decode()
    assert not App.objects.exists()


@pytest.mark.parametrize("app_type", ["sandbox", "production"])
def test_it_creates_an_app_and_lands_on_its_page(alice_client, alice, app_type):
    if app_type == "production":
        contact_sales(alice)
    response = create(alice_client, app_type=app_type)
    app = App.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/apps/{app.client_id}/"
    assert (app.name, app.display_name, app.app_type) == (
        "Demo Bank sandbox",
        "Alice Fintech",
        app_type,
    )
    assert app.organization == organization_of(alice)
    assert app.created_by == alice
    assert len(app.client_id) == 32 and set(app.client_id) <= set("0123456789abcdef")
    assert not app.secrets.exists()  # client secrets don't exist by default
    page = alice_client.get(response["Location"]).content.decode()
    assert "Demo Bank sandbox is created and ready to configure." in page
    assert f'href="/apps/{app.client_id}/settings/">App settings</a>' in page


def test_client_ids_are_unique(alice, make_app):
    ids = {make_app(alice, name=f"App {n}").client_id for n in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Enter an app name."),
        ({"name": "   "}, "name", "Enter an app name."),
        ({"name": "x" * 200}, "name", "at most 100 characters"),
        ({"display_name": ""}, "display_name", "Enter a display name."),
        ({"display_name": "y" * 200}, "display_name", "at most 100 characters"),
        ({"app_type": ""}, "app_type", "Choose Sandbox or Production."),
        ({"app_type": "staging"}, "app_type", "Choose Sandbox or Production."),
        ({"name": "bad\x00name"}, "name", "Null characters are not allowed."),
        ({"name": "tab\there"}, "name", "Use letters, digits, spaces and punctuation only."),
    ],
)
def test_bad_input_gets_a_clear_message_and_creates_nothing(alice_client, fields, field, message):
    response = create(alice_client, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not App.objects.exists()
    assert not AuditEvent.objects.filter(target_type="app").exists()


def test_a_duplicate_name_in_the_organization_is_refused(alice_client, alice, make_app):
    make_app(alice, name="Payments")
    response = create(alice_client, name="  PAYMENTS ")
    assert "already has an app with this name" in response.content.decode()
    assert App.objects.count() == 1


def test_the_same_name_in_another_organization_is_fine(alice, charlie, make_app):
    make_app(alice, name="Payments")
    make_app(charlie, name="Payments")
    assert App.objects.filter(name="Payments").count() == 2


def test_the_database_refuses_a_duplicate_name_that_skips_the_service(alice, make_app):
    app = make_app(alice, name="Payments")
    with pytest.raises(IntegrityError), transaction.atomic():
        App.objects.create(
            organization=app.organization, name="payments", display_name="X", app_type="sandbox"
        )


def test_html_in_names_is_escaped_on_every_page(alice_client):
    create(alice_client, name="<script>alert(1)</script>", display_name="<b>Bold</b> & co")
    app = App.objects.get()
    assert app.name == "<script>alert(1)</script>"  # stored as typed
    for url in (
        "/",
        "/apps/",
        f"/apps/{app.client_id}/",
        f"/apps/{app.client_id}/settings/",
        f"/apps/{app.client_id}/settings/api-client/",
        f"/apps/{app.client_id}/settings/activity/",
        f"/apps/{app.client_id}/settings/api-client/secrets/new/",
    ):
        page = alice_client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
        assert "<b>Bold</b>" not in page, url


def test_the_app_list_and_the_dropdown_show_the_organizations_apps_only(
    alice_client, alice, charlie, make_app
):
    make_app(alice, name="Alpha")
    make_app(alice, name="Beta", app_type="production")
    make_app(charlie, name="Charlie's secret project")
    page = alice_client.get("/apps/").content.decode()
    assert "Alpha" in page and "Beta" in page
    assert "Charlie" not in page.replace("Charlie Bank", "")


def test_the_dropdown_keeps_the_tab_when_switching_apps(alice_client, alice, make_app):
    alpha = make_app(alice, name="Alpha")
    beta = make_app(alice, name="Beta")
    page = alice_client.get(f"/apps/{alpha.client_id}/settings/api-client/").content.decode()
    beta_url = f"/apps/{beta.client_id}/settings/api-client/"
    alpha_url = f"/apps/{alpha.client_id}/settings/api-client/"
    assert re.search(rf'href="{beta_url}" title="Beta">', page)
    assert re.search(rf'href="{alpha_url}" title="Alpha" aria-current="page">', page)


# --- Renaming ---------------------------------------------------------------------------------


def settings_url(app: App) -> str:
    return f"/apps/{app.client_id}/settings/"


def test_it_renames_the_app(alice_client, sandbox_app):
    response = alice_client.post(settings_url(sandbox_app), {"name": "Pre-production"})
    assert response.status_code == 302
    sandbox_app.refresh_from_db()
    assert sandbox_app.name == "Pre-production"


def test_settings_show_display_name_and_type_locked_with_a_reason(alice_client, sandbox_app):
    page = alice_client.get(settings_url(sandbox_app)).content.decode()
    assert 'name="name"' in page
    assert 'name="display_name"' not in page and 'name="app_type"' not in page
    assert "fixed when the app was created and can't be changed" in page
    assert "The app type can't be changed." in page


def test_a_tampered_post_changes_the_name_only(alice_client, sandbox_app):
    before = (sandbox_app.display_name, sandbox_app.app_type, sandbox_app.client_id)
    alice_client.post(
        settings_url(sandbox_app),
        {
            "name": "Renamed",
            "display_name": "Evil Corp",
            "app_type": "production",
            "client_id": "0" * 32,
        },
    )
    app = App.objects.get(pk=sandbox_app.pk)
    assert app.name == "Renamed"
    assert (app.display_name, app.app_type, app.client_id) == before


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Enter an app name."), ("z" * 200, "at most 100 characters")],
)
def test_a_bad_rename_changes_nothing(alice_client, sandbox_app, name, message):
    response = alice_client.post(settings_url(sandbox_app), {"name": name})
    assert message in response.content.decode()
    assert App.objects.get(pk=sandbox_app.pk).name == sandbox_app.name
    assert not AuditEvent.objects.filter(action="app.rename").exists()


def test_renaming_to_another_apps_name_is_refused(alice_client, alice, make_app):
    make_app(alice, name="Payments")
    app = make_app(alice, name="Lending")
    response = alice_client.post(settings_url(app), {"name": "payments"})
    assert "already has an app with this name" in response.content.decode()
    assert App.objects.get(pk=app.pk).name == "Lending"


def test_renaming_to_its_own_name_with_other_case_is_allowed(sandbox_app, alice):
    services.app_rename(app=sandbox_app, name="DEMO BANK SANDBOX", renamed_by=alice)
    assert App.objects.get(pk=sandbox_app.pk).name == "DEMO BANK SANDBOX"


# --- Immutability, by every path ---------------------------------------------------------------


def test_no_service_takes_a_display_name_or_type(sandbox_app, alice):
    with pytest.raises(TypeError):
        services.app_rename(app=sandbox_app, name="X", renamed_by=alice, display_name="Y")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("display_name", "Evil Corp"),
        ("app_type", "production"),
        ("client_id", "f" * 32),
    ],
)
def test_the_model_refuses_the_change(sandbox_app, field, value):
    app = App.objects.get(pk=sandbox_app.pk)
    setattr(app, field, value)
    with pytest.raises(ValidationError, match="can't be changed"):
        app.save()
    assert snapshot() == [(sandbox_app.name, sandbox_app.display_name, sandbox_app.app_type)]


@pytest.mark.parametrize(
    "changes",
    [
        {"display_name": "Evil Corp"},
        {"app_type": "production"},
        {"client_id": "f" * 32},
        {"name": "ok", "display_name": "Evil Corp"},
    ],
)
def test_the_queryset_refuses_update(sandbox_app, changes):
    with pytest.raises(ValidationError, match="can't be changed"):
        App.objects.filter(pk=sandbox_app.pk).update(**changes)
    app = App.objects.get(pk=sandbox_app.pk)
    assert (app.display_name, app.app_type) == ("Alice Fintech", "sandbox")


def test_bulk_update_is_refused(sandbox_app):
    sandbox_app.display_name = "Evil Corp"
    with pytest.raises(ValidationError):
        App.objects.bulk_update([sandbox_app], ["display_name"])


@pytest.mark.parametrize(
    "assignment",
    [
        "display_name = 'Evil Corp'",
        "app_type = 'production'",
        "client_id = 'ffffffffffffffffffffffffffffffff'",
        "organization_id = organization_id + 1000",
    ],
)
def test_the_database_refuses_a_raw_sql_update(sandbox_app, assignment):
    with pytest.raises(IntegrityError, match="apps_app_immutable"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE apps_app SET {assignment} WHERE id = %s", [sandbox_app.pk])  # noqa: S608
    app = App.objects.get(pk=sandbox_app.pk)
    assert (app.display_name, app.app_type, app.client_id) == (
        sandbox_app.display_name,
        sandbox_app.app_type,
        sandbox_app.client_id,
    )


def test_the_database_still_allows_a_rename_by_raw_sql(sandbox_app):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE apps_app SET name = 'Raw' WHERE id = %s", [sandbox_app.pk])
    assert App.objects.get(pk=sandbox_app.pk).name == "Raw"


def test_the_admin_shows_display_name_and_type_read_only(client, sandbox_app, django_user_model):
    staff = django_user_model.objects.create_superuser(email="staff@example.com", password="x")
    give_two_factor(staff)
    client.force_login(staff)
    url = f"/admin/apps/app/{sandbox_app.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="name"' in page
    assert 'name="display_name"' not in page and 'name="app_type"' not in page
    response = client.post(
        url,
        {"name": "Renamed by staff", "display_name": "Evil", "app_type": "production", **INLINES},
    )
    assert response.status_code == 302
    app = App.objects.get(pk=sandbox_app.pk)
    assert (app.name, app.display_name, app.app_type) == (
        "Renamed by staff",
        "Alice Fintech",
        "sandbox",
    )
    event = AuditEvent.objects.get(action="app.rename")
    assert event.actor == staff


def test_an_empty_post_gets_every_message(alice_client, sandbox_app):
    page = alice_client.post(CREATE_URL, {}).content.decode()
    for message in ("Enter an app name.", "Enter a display name.", "Choose Sandbox or Production."):
        assert message in page
    page = alice_client.post(settings_url(sandbox_app), {}).content.decode()
    assert "Enter an app name." in page
    secret_url = f"/apps/{sandbox_app.client_id}/settings/api-client/secrets/new/"
    page = alice_client.post(secret_url, {}).content.decode()
    assert "Enter your Console account password." in page


def test_the_admin_refuses_a_duplicate_name_with_a_message(client, alice, make_app):
    from django.contrib.auth import get_user_model

    make_app(alice, name="Payments")
    app = make_app(alice, name="Lending")
    staff = get_user_model().objects.create_superuser(email="staff@example.com", password="x")
    give_two_factor(staff)
    client.force_login(staff)
    response = client.post(f"/admin/apps/app/{app.pk}/change/", {"name": "PAYMENTS", **INLINES})
    assert response.status_code == 200
    assert "already has an app with this name" in response.content.decode()
    assert App.objects.get(pk=app.pk).name == "Lending"
