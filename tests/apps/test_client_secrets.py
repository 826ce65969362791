"""Client secrets: random, recognisable, stored as an HMAC, shown once, five active at most."""

import hashlib
import hmac
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import AuditEvent
from apps import credentials, services
from apps.models import App, ClientSecret
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SECRET_FIELD = re.compile(r'<textarea id="client-secret"[^>]*readonly[^>]*>([^<]+)</textarea>')
TOKEN_FIELD = re.compile(r'name="form_token" value="([^"]+)"')


def create_url(app: App) -> str:
    return f"/apps/{app.client_id}/settings/api-client/secrets/new/"


def api_client_url(app: App) -> str:
    return f"/apps/{app.client_id}/settings/api-client/"


def open_form(client, app: App) -> str:
    """GET the form as a browser would; returns its one-time token."""
    response = client.get(create_url(app))
    return TOKEN_FIELD.search(response.content.decode()).group(1)


def post_form(client, app: App, *, password: str = PASSWORD, name: str = "", token=None):
    if token is None:
        token = open_form(client, app)
    return client.post(create_url(app), {"password": password, "name": name, "form_token": token})


def shown_secret(response) -> str | None:
    match = SECRET_FIELD.search(response.content.decode())
    return match.group(1) if match else None


def fill(app: App, user, count: int) -> list[ClientSecret]:
    return [services.client_secret_create(app=app, created_by=user)[0] for _ in range(count)]


# --- The secret itself ------------------------------------------------------------------------


def test_a_secret_has_a_prefix_256_random_bits_and_a_checksum():
    secret = credentials.generate()
    shape = bool(re.fullmatch(r"tink_cs_[0-9A-Za-z]{49}", secret))
    assert shape and credentials.is_well_formed(secret)
    assert credentials.LENGTH == 57
    assert 62**credentials.BODY_LENGTH >= 2**256


def test_secrets_do_not_repeat():
    assert len({credentials.generate() for _ in range(2000)}) == 2000


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),  # checksum off by one character
        lambda s: s[:20] + ("x" if s[20] != "x" else "y") + s[21:],  # body mistyped
        lambda s: "tink_cx_" + s[8:],  # another prefix
        lambda s: s[:-1],  # too short
        lambda s: s + "0",  # too long
        lambda s: s[:30] + "-" + s[31:],  # outside the alphabet
        lambda s: "",
    ],
)
def test_a_mistyped_or_invented_secret_fails_the_checksum(mangle):
    accepted = credentials.is_well_formed(mangle(credentials.generate()))
    assert not accepted


def test_it_is_stored_as_a_keyed_hmac_sha256_never_in_clear(settings, sandbox_app, alice):
    settings.CONSOLE_SECRET_HASH_KEY = "a-test-key"
    secret, plaintext = services.client_secret_create(app=sandbox_app, created_by=alice)
    expected = hmac.new(b"a-test-key", plaintext.encode(), hashlib.sha256).hexdigest()
    hashed_as_documented = secret.secret_hash == expected
    assert hashed_as_documented, "the stored hash is not HMAC-SHA256(key, secret)"
    assert secret.hint == plaintext[:12] and secret.hint.startswith("tink_cs_")
    stored = list(ClientSecret.objects.values_list(flat=False).get(pk=secret.pk))
    in_clear = any(plaintext in str(value) for value in stored)
    assert not in_clear, "a column holds the secret in clear"
    matches, other = (
        credentials.matches(plaintext, secret.secret_hash),
        credentials.matches(credentials.generate(), secret.secret_hash),
    )
    assert matches and not other


def test_without_a_configured_key_the_hash_key_derives_from_secret_key(settings):
    settings.CONSOLE_SECRET_HASH_KEY = ""
    plaintext = credentials.generate()
    first = credentials.hash_secret(plaintext)
    settings.SECRET_KEY = "another-secret-key-" + "z" * 40
    assert credentials.hash_secret(plaintext) != first


# --- Creating ---------------------------------------------------------------------------------


def test_an_app_has_no_secret_by_default(alice_client, sandbox_app):
    page = alice_client.get(api_client_url(sandbox_app)).content.decode()
    assert "Client secrets don't exist by default, so you must create them." in page
    assert ">Create new client secret</button>" in page
    assert sandbox_app.client_id in page


def test_the_form_asks_for_the_password_and_has_a_create_button(alice_client, sandbox_app):
    page = alice_client.get(create_url(sandbox_app)).content.decode()
    assert '<label for="id_password">Password</label>' in page
    assert 'autocomplete="current-password"' in page
    assert ">Create</button>" in page


def test_it_shows_the_new_secret_once_read_only_with_copy_and_a_warning(
    alice_client, sandbox_app, alice
):
    response = post_form(alice_client, sandbox_app, name="Staging server")
    assert response.status_code == 200
    plaintext = shown_secret(response)
    well_formed = plaintext is not None and credentials.is_well_formed(plaintext)
    assert well_formed, "the page shows no well-formed secret"
    page = response.content.decode()
    assert '<label for="client-secret">Client secret</label>' in page
    assert 'data-copy="client-secret">Copy</button>' in page
    assert "It can't be revealed later" in page
    assert "no-store" in response["Cache-Control"]
    secret = ClientSecret.objects.get()
    assert (secret.name, secret.created_by, secret.slot) == ("Staging server", alice, 1)
    stored = credentials.matches(plaintext, secret.secret_hash)
    assert stored, "the secret shown is not the one stored"


def test_reload_and_history_never_show_it_again_nor_mint_another(alice_client, sandbox_app):
    token = open_form(alice_client, sandbox_app)
    first = post_form(alice_client, sandbox_app, token=token)
    plaintext = shown_secret(first)
    again = post_form(alice_client, sandbox_app, token=token)  # reload = the same POST again
    assert again.status_code == 302
    assert again["Location"] == api_client_url(sandbox_app)
    assert ClientSecret.objects.count() == 1
    later = alice_client.get(again["Location"]).content.decode()
    assert "That form was already used" in later
    for url in (api_client_url(sandbox_app), create_url(sandbox_app)):
        shown = plaintext in alice_client.get(url).content.decode()
        assert not shown, f"the secret is shown again at {url}"


def test_a_wrong_password_creates_nothing(alice_client, sandbox_app):
    response = post_form(alice_client, sandbox_app, password="not-my-password")
    assert response.status_code == 200
    assert "That isn&#x27;t your Console account password." in response.content.decode()
    assert shown_secret(response) is None
    assert not ClientSecret.objects.exists()
    assert not AuditEvent.objects.filter(action="client_secret.create").exists()


def test_an_empty_password_is_asked_for(alice_client, sandbox_app):
    response = post_form(alice_client, sandbox_app, password="")
    assert "Enter your Console account password." in response.content.decode()
    assert not ClientSecret.objects.exists()


def test_wrong_passwords_are_throttled_and_then_even_the_right_one_waits(alice_client, sandbox_app):
    for _ in range(10):
        post_form(alice_client, sandbox_app, password="guess")
    response = post_form(alice_client, sandbox_app, password=PASSWORD)
    assert "Too many wrong passwords." in response.content.decode()
    assert not ClientSecret.objects.exists()


def test_the_right_password_does_not_count_toward_the_throttle(alice_client, sandbox_app, alice):
    for _ in range(4):
        post_form(alice_client, sandbox_app)
    assert ClientSecret.objects.active().count() == 4


def test_a_200_character_name_is_refused(alice_client, sandbox_app):
    response = post_form(alice_client, sandbox_app, name="n" * 200)
    assert "Ensure this value has at most 100 characters" in response.content.decode()
    assert not ClientSecret.objects.exists()


def test_it_refuses_a_sixth_active_secret_and_says_what_to_do(alice_client, sandbox_app, alice):
    token = open_form(alice_client, sandbox_app)  # a form shown while the app had room
    fill(sandbox_app, alice, 5)
    page = alice_client.get(create_url(sandbox_app)).content.decode()
    assert "already has 5 active client secrets" in page
    assert "Revoke one you no longer use" in page
    response = post_form(alice_client, sandbox_app, token=token)
    assert "already has 5 active client secrets" in response.content.decode()
    assert shown_secret(response) is None
    assert ClientSecret.objects.count() == 5


def test_the_service_refuses_a_sixth(sandbox_app, alice):
    fill(sandbox_app, alice, 5)
    with pytest.raises(ValidationError) as refused:
        services.client_secret_create(app=sandbox_app, created_by=alice)
    assert refused.value.code == "too_many"
    assert sorted(ClientSecret.objects.values_list("slot", flat=True)) == [1, 2, 3, 4, 5]


def test_the_database_refuses_a_sixth_active_secret_inserted_directly(sandbox_app, alice):
    fill(sandbox_app, alice, 5)
    for slot in (1, 6, None):
        with pytest.raises(IntegrityError), transaction.atomic():
            ClientSecret.objects.create(
                app=sandbox_app, secret_hash=f"h{slot}", hint="tink_cs_XXXX", slot=slot
            )
    assert ClientSecret.objects.count() == 5


def test_revoking_frees_a_slot(sandbox_app, alice):
    secrets = fill(sandbox_app, alice, 5)
    services.client_secret_revoke(secret=secrets[2], revoked_by=alice)
    secret, _ = services.client_secret_create(app=sandbox_app, created_by=alice)
    assert secret.slot == 3
    assert ClientSecret.objects.active().count() == 5
    assert ClientSecret.objects.revoked().count() == 1


# --- Revoking ---------------------------------------------------------------------------------


def revoke_url(secret: ClientSecret) -> str:
    return f"/apps/{secret.app.client_id}/settings/api-client/secrets/{secret.pk}/revoke/"


def test_revoke_asks_for_confirmation_first(alice_client, sandbox_app, alice):
    (secret,) = fill(sandbox_app, alice, 1)
    page = alice_client.get(revoke_url(secret)).content.decode()
    assert "stops working at once" in page
    assert ">Revoke</button>" in page
    assert ClientSecret.objects.get().revoked_at is None


def test_it_revokes_a_secret_and_records_who_and_when(alice_client, sandbox_app, alice):
    (secret,) = fill(sandbox_app, alice, 1)
    response = alice_client.post(revoke_url(secret), follow=True)
    secret.refresh_from_db()
    assert secret.revoked_at is not None and secret.revoked_by == alice and secret.slot is None
    page = response.content.decode()
    assert f"Client secret {secret.hint}… is revoked." in page
    assert "Revoked and expired secrets (1)" in page


def test_revoking_twice_changes_nothing(alice_client, sandbox_app, alice):
    (secret,) = fill(sandbox_app, alice, 1)
    services.client_secret_revoke(secret=secret, revoked_by=alice)
    first = ClientSecret.objects.get().revoked_at
    response = alice_client.post(revoke_url(secret), follow=True)
    assert "is already revoked" in response.content.decode()
    assert ClientSecret.objects.get().revoked_at == first
    assert AuditEvent.objects.filter(action="client_secret.revoke").count() == 1


def test_revoking_another_organizations_secret_is_404(alice_client, sandbox_app, charlie, make_app):
    charlies_app = make_app(charlie, name="Charlie app")
    (theirs,) = fill(charlies_app, charlie, 1)
    for url in (
        revoke_url(theirs),  # their app's URL
        f"/apps/{sandbox_app.client_id}/settings/api-client/secrets/{theirs.pk}/revoke/",
    ):
        assert alice_client.post(url).status_code == 404
    assert ClientSecret.objects.get(pk=theirs.pk).revoked_at is None


def test_the_api_client_tab_lists_hint_name_creator_and_never_used(
    alice_client, sandbox_app, alice
):
    secret, _ = services.client_secret_create(app=sandbox_app, created_by=alice, name="CI")
    page = alice_client.get(api_client_url(sandbox_app)).content.decode()
    assert f"<code>{secret.hint}…</code>" in page
    assert '<td data-label="Name">CI</td>' in page
    assert '<td data-label="Created by">alice@example.com</td>' in page
    assert '<td data-label="Last used">Never</td>' in page
    assert "1 of 5 active secrets." in page
    assert f'aria-label="Revoke {secret.hint}…">Revoke</button>' in page


def test_a_refused_form_can_be_sent_again_with_the_same_token(alice_client, sandbox_app):
    token = open_form(alice_client, sandbox_app)
    refused = post_form(alice_client, sandbox_app, name="bad\x01name", token=token)
    assert "Use letters, digits, spaces and punctuation only." in refused.content.decode()
    assert not ClientSecret.objects.exists()
    created = post_form(alice_client, sandbox_app, name="Good name", token=token)
    assert shown_secret(created) is not None
    assert ClientSecret.objects.get().name == "Good name"
