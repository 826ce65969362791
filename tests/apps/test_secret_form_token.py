"""The "Create new client secret" form's one-time token: required, good for one user and one
app, stored only as a SHA-256 hash, and spent in the transaction that creates the secret, so
one form makes one secret at most. A wrong password or a refusal by the service leaves it
usable. (Concurrent posts of one token: test_client_secret_concurrency.py.)"""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import Role
from apps import services
from apps.models import ClientSecret
from tests.apps.test_client_secrets import (
    TOKEN_FIELD,
    api_client_url,
    create_url,
    fill,
    open_form,
    post_form,
    shown_secret,
)
from tests.conftest import PASSWORD, organization_of

pytestmark = pytest.mark.django_db

NO_TOKEN = "This form came without its one-time token, so no secret was created."
USED = "That form was already used"


def form_tokens():
    from apps.models import SecretFormToken  # the model this issue adds

    return SecretFormToken.objects


def used(response, client, app) -> bool:
    """The answer to a spent token: back to the API client tab, saying the form was used."""
    if response.status_code != 302 or response["Location"] != api_client_url(app):
        return False
    return USED in client.get(response["Location"]).content.decode()


# --- Required -------------------------------------------------------------------------------


def test_a_post_without_form_token_creates_nothing_and_says_why(alice_client, sandbox_app):
    response = alice_client.post(create_url(sandbox_app), {"password": PASSWORD, "name": "CI"})

    assert response.status_code == 200
    page = response.content.decode()
    says_why = NO_TOKEN in page  # a boolean: a failing assert would print the page
    assert says_why
    assert shown_secret(response) is None
    assert not ClientSecret.objects.exists()
    # The page gives the form a token again, so sending it once more works.
    token = TOKEN_FIELD.search(page)[1]
    assert shown_secret(post_form(alice_client, sandbox_app, token=token)) is not None
    assert ClientSecret.objects.count() == 1


@pytest.mark.parametrize(
    "token",
    ["", " ", "x", "a" * 42, "a" * 44, "!" * 43, "é" * 43, "a" * 10_000],
    ids=["empty", "blank", "short", "42", "44", "punctuation", "non-ascii", "huge"],
)
def test_a_malformed_form_token_creates_nothing_and_says_why(alice_client, sandbox_app, token):
    response = post_form(alice_client, sandbox_app, token=token)

    assert response.status_code == 200
    says_why = NO_TOKEN in response.content.decode()
    assert says_why
    assert not ClientSecret.objects.exists()


# --- Spent once -----------------------------------------------------------------------------


def test_the_same_token_twice_makes_one_secret(alice_client, sandbox_app):
    token = open_form(alice_client, sandbox_app)

    first = post_form(alice_client, sandbox_app, token=token)
    second = post_form(alice_client, sandbox_app, token=token)

    assert shown_secret(first) is not None
    assert shown_secret(second) is None
    assert used(second, alice_client, sandbox_app)
    assert ClientSecret.objects.count() == 1


def test_the_service_spends_a_token_once(sandbox_app, alice):
    token = services.secret_form_token_issue(app=sandbox_app, user=alice)
    services.client_secret_create_from_form(app=sandbox_app, created_by=alice, form_token=token)

    with pytest.raises(ValidationError) as refused:
        services.client_secret_create_from_form(app=sandbox_app, created_by=alice, form_token=token)

    assert refused.value.code == "form_used"
    assert ClientSecret.objects.count() == 1


def test_a_wrong_password_keeps_the_token_usable(alice_client, sandbox_app):
    token = open_form(alice_client, sandbox_app)

    wrong = post_form(alice_client, sandbox_app, password="not-my-password", token=token)
    says_why = "That isn&#x27;t your Console account password." in wrong.content.decode()
    assert says_why
    assert not ClientSecret.objects.exists()

    right = post_form(alice_client, sandbox_app, token=token)
    assert shown_secret(right) is not None
    assert ClientSecret.objects.count() == 1


def test_a_refusal_by_the_service_keeps_the_token_usable(alice_client, sandbox_app, alice):
    token = open_form(alice_client, sandbox_app)  # shown while the app had room
    secrets = fill(sandbox_app, alice, 5)

    refused = post_form(alice_client, sandbox_app, token=token)
    says_why = "already has 5 active client secrets" in refused.content.decode()
    assert says_why
    assert ClientSecret.objects.count() == 5

    services.client_secret_revoke(secret=secrets[0], revoked_by=alice)
    created = post_form(alice_client, sandbox_app, token=token)
    assert shown_secret(created) is not None
    assert ClientSecret.objects.active().count() == 5


def test_a_token_is_good_for_its_own_app_only(alice_client, sandbox_app, make_app, alice):
    other = make_app(alice, name="Other app")
    token = open_form(alice_client, sandbox_app)

    elsewhere = post_form(alice_client, other, token=token)
    assert used(elsewhere, alice_client, other)
    assert not ClientSecret.objects.exists()

    assert shown_secret(post_form(alice_client, sandbox_app, token=token)) is not None


def test_a_token_is_good_for_its_own_user_only(alice_client, sandbox_app, alice, add_member):
    bob = add_member(organization_of(alice), Role.DEVELOPER, email="bob@example.com")
    bob_client = Client()
    bob_client.force_login(bob)
    token = open_form(alice_client, sandbox_app)

    assert used(post_form(bob_client, sandbox_app, token=token), bob_client, sandbox_app)
    assert not ClientSecret.objects.exists()


# --- Stored -------------------------------------------------------------------------------------


def test_showing_the_form_stores_only_a_hash_of_its_token(alice_client, sandbox_app, alice):
    token = open_form(alice_client, sandbox_app)

    (row,) = form_tokens().all()
    assert (row.app, row.user) == (sandbox_app, alice)
    hashed_as_documented = row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert hashed_as_documented
    in_clear = any(token in str(value) for value in form_tokens().values_list().get())
    assert not in_clear


def test_creating_the_secret_deletes_its_token(alice_client, sandbox_app):
    post_form(alice_client, sandbox_app)
    assert not form_tokens().exists()


def test_only_the_ten_newest_tokens_of_a_user_and_app_are_kept(
    alice_client, sandbox_app, make_app, alice
):
    other = make_app(alice, name="Other app")
    other_token = open_form(alice_client, other)
    tokens = [open_form(alice_client, sandbox_app) for _ in range(11)]

    assert form_tokens().filter(app=sandbox_app).count() == 10
    assert used(post_form(alice_client, sandbox_app, token=tokens[0]), alice_client, sandbox_app)
    assert shown_secret(post_form(alice_client, sandbox_app, token=tokens[1])) is not None
    assert shown_secret(post_form(alice_client, other, token=other_token)) is not None


def test_a_full_app_s_page_offers_no_form_and_keeps_no_token(alice_client, sandbox_app, alice):
    fill(sandbox_app, alice, 5)

    page = alice_client.get(create_url(sandbox_app)).content.decode()

    has_a_form = 'name="form_token"' in page
    assert not has_a_form
    assert not form_tokens().exists()
