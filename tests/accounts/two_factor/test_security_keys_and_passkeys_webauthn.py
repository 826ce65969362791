"""Security keys and passkeys (WebAuthn).

Part of tests.accounts.two_factor; the package's docstring says what its tests check.
"""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.accounts.two_factor.conftest import (
    AUTHENTICATE,
    LOGOUT,
    RECOVERY_CODES,
    SoftKey,
    add_security_key,
    logged_in,
    open_page,
    says,
)
from tests.conftest import log_in

pytestmark = pytest.mark.django_db


def use_security_key(client, key: SoftKey):
    page = client.get(AUTHENTICATE)
    assert says(page, "Use a security key")
    return client.post(
        AUTHENTICATE, {"credential": key.sign(page.context["js_data"]["request_options"])}
    )


def test_a_security_key_is_added_through_the_page_and_then_logs_in(client, alice):
    key = SoftKey()

    response = add_security_key(client, alice, key)

    assert response["Location"] == RECOVERY_CODES, "the first factor comes with recovery codes"
    authenticator = Authenticator.objects.get(user=alice, type=Authenticator.Type.WEBAUTHN)
    assert authenticator.wrap().name == "YubiKey 5"
    listing = client.get(reverse("mfa_list_webauthn"))
    assert says(listing, "YubiKey 5")
    client.post(LOGOUT)

    assert log_in(client, alice.email)["Location"] == AUTHENTICATE
    response = use_security_key(client, key)

    assert response["Location"] == reverse("home")
    assert logged_in(client)


def test_it_refuses_a_key_that_was_never_added(client, alice):
    add_security_key(client, alice, SoftKey())
    client.post(LOGOUT)
    log_in(client, alice.email)

    response = use_security_key(client, SoftKey())

    assert not logged_in(client)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"] != reverse("home")


def test_it_refuses_a_forged_signature(client, alice):
    key = SoftKey()
    add_security_key(client, alice, key)
    client.post(LOGOUT)
    log_in(client, alice.email)
    impostor = SoftKey()
    impostor.credential_id = key.credential_id  # the right id, the wrong private key

    use_security_key(client, impostor)

    assert not logged_in(client)


# A number longer than Python converts (4300 digits) makes json.loads raise a bare ValueError,
# which Django's JSONField lets through: allauth's credential fields answered it with a 500.
UNPARSABLE = [
    "9" * 5000,
    '{"id": ' + "9" * 5000 + "}",
    "abc",
    "\x00",
    "9223372036854775808",
]


@pytest.mark.parametrize("credential", UNPARSABLE)
def test_adding_a_key_refuses_a_credential_that_is_not_one(client, alice, credential):
    log_in(client, alice.email)
    open_page(client, reverse("mfa_add_webauthn"))
    client.raise_request_exception = False

    response = client.post(reverse("mfa_add_webauthn"), {"name": "Key", "credential": credential})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Authenticator.objects.filter(user=alice).exists()


@pytest.mark.parametrize("credential", UNPARSABLE)
def test_the_second_step_refuses_a_credential_that_is_not_one(client, alice, credential):
    add_security_key(client, alice, SoftKey())
    client.post(LOGOUT)
    log_in(client, alice.email)
    client.raise_request_exception = False

    response = client.post(AUTHENTICATE, {"credential": credential})

    assert response.status_code in (200, 302)
    assert not logged_in(client)


@pytest.mark.parametrize("credential", UNPARSABLE)
def test_confirming_with_a_key_refuses_a_credential_that_is_not_one(client, alice, credential):
    add_security_key(client, alice, SoftKey())
    client.raise_request_exception = False

    response = client.post(reverse("mfa_reauthenticate_webauthn"), {"credential": credential})

    assert response.status_code in (200, 302)
    assert response.get("Location") != reverse("mfa_index")
