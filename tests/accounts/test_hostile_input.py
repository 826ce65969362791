"""Odd and hostile input to the public forms: a clear answer, never a 500, nothing half-made.

Runs on the configured database: PostgreSQL enforces column lengths that SQLite ignores.
"""

import pytest
from django.urls import reverse

from accounts.models import Organization, OutboundEmail, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LONG_EMAIL = "a" * 250 + "@example.com"  # valid syntax, longer than any mailbox column
ODD_VALUES = [
    "",
    " ",
    "\x00",
    "a\x00b@example.com",
    LONG_EMAIL,
    "x" * 10_000,
    "<script>alert(1)</script>@example.com",
    "'; DROP TABLE accounts_user; --",
    "\u202e\u0000\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "ǅemo@exämple.com",
]


@pytest.fixture
def no_server_errors(client):
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("value", ODD_VALUES)
@pytest.mark.parametrize("field", ["email", "password1", "organization_name"])
def test_signup_answers_odd_values_without_a_server_error(no_server_errors, field, value):
    data = {
        "email": "erin@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "organization_name": "Erin Pay",
        field: value,
    }
    if field == "password1":
        data["password2"] = value

    response = no_server_errors.post(reverse("account_signup"), data)

    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: nothing was created
        assert response.context["form"].errors
        assert not User.objects.exists()
        assert not Organization.objects.exists()
        assert not OutboundEmail.objects.exists()


def test_an_address_longer_than_a_mailbox_is_refused_with_a_message(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": LONG_EMAIL,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "organization_name": "Erin Pay",
        },
    )
    assert response.status_code == 200
    assert "at most 254 characters" in " ".join(response.context["form"].errors["email"])


@pytest.mark.parametrize("value", ODD_VALUES)
@pytest.mark.parametrize(
    ("url_name", "field"),
    [
        ("account_login", "login"),
        ("account_login", "password"),
        ("account_reset_password", "email"),
        ("accounts:resend_verification", "email"),
    ],
)
def test_other_public_forms_answer_odd_values_without_a_server_error(
    no_server_errors, alice, url_name, field, value
):
    data = {"login": "alice@example.com", "password": PASSWORD, "email": "alice@example.com"}
    data[field] = value
    response = no_server_errors.post(reverse(url_name), data)
    assert response.status_code in (200, 302, 429)
    assert "_auth_user_id" not in no_server_errors.session or (
        field == "login" and value == "alice@example.com"
    )
