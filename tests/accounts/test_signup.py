import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Organization, OutboundEmail, Role, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "dana@example.com",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "organization_name": "Dana Lending",
}


def signup(client, django_capture_on_commit_callbacks, **changes):
    data = {**SIGNUP, **changes}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("account_signup"), data)


def link_in(message) -> str:
    return re.search(r"http://testserver-base\S+", message.body).group(0)


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.CONSOLE_BASE_URL = "http://testserver-base"


def test_signup_creates_user_organization_and_owner_membership(
    client, django_capture_on_commit_callbacks
):
    response = signup(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="dana@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER
    assert membership.organization.name == "Dana Lending"
    assert not EmailAddress.objects.get(user=user).verified


def test_signup_page_tells_to_open_the_email(client, django_capture_on_commit_callbacks):
    signup(client, django_capture_on_commit_callbacks)
    page = client.get(reverse("account_email_verification_sent"))
    assert b"open the email we&#x27;ve sent you" in page.content or (
        b"open the email we've sent you" in page.content
    )


def test_verification_email_links_under_console_base_url_whatever_the_host_header(
    client, django_capture_on_commit_callbacks, settings
):
    settings.ALLOWED_HOSTS = ["evil.example", "testserver"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), SIGNUP, HTTP_HOST="evil.example")

    (message,) = mail.outbox
    assert message.to == ["dana@example.com"]
    assert "evil.example" not in message.body
    assert link_in(message).startswith("http://testserver-base/accounts/confirm-email/")
    html = message.alternatives[0][0]
    assert "http://testserver-base/accounts/confirm-email/" in html
    assert message.extra_headers["Message-ID"].endswith("@console>")


def test_following_the_link_verifies_and_then_log_in_lands_on_home(
    client, django_capture_on_commit_callbacks
):
    signup(client, django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0]).removeprefix("http://testserver-base")

    confirm_page = client.get(path)
    assert confirm_page.status_code == 200
    assert b"Verify email" in confirm_page.content
    client.post(path)
    assert EmailAddress.objects.get(email="dana@example.com").verified

    response = client.post(
        reverse("account_login"), {"login": "dana@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert b"Create your first app" in home.content
    assert b"Dana Lending" in home.content


def test_after_verifying_the_log_in_page_has_the_address_typed_in(
    client, django_capture_on_commit_callbacks
):
    signup(client, django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0]).removeprefix("http://testserver-base")

    landed = client.post(path, follow=True)

    assert landed.redirect_chain[-1][0] == reverse("account_login")
    page = landed.content.decode()
    assert re.search(r'<input type="email" name="login" value="dana@example.com"', page)
    assert re.search(r'<input type="password" name="password"[^>]*autofocus', page)
    assert 'value="dana@example.com"' not in Client().get(reverse("account_login")).content.decode()


def test_get_on_the_link_does_not_verify(client, django_capture_on_commit_callbacks):
    """Mail scanners prefetch links; only the button on the page verifies."""
    signup(client, django_capture_on_commit_callbacks)
    client.get(link_in(mail.outbox[0]).removeprefix("http://testserver-base"))
    assert not EmailAddress.objects.get(email="dana@example.com").verified


def test_unverified_account_cannot_log_in_and_gets_a_new_link(
    client, django_capture_on_commit_callbacks
):
    signup(client, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    from django.core.cache import cache

    cache.clear()  # the sign-up's own email used the per-address sending allowance

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_login"), {"login": "dana@example.com", "password": PASSWORD}
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("home")).status_code == 302  # still anonymous
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"email": ""}, "email", "This field is required."),
        ({"password1": "password123", "password2": "password123"}, "password1", "too common"),
        ({"password1": "Ab3$x", "password2": "Ab3$x"}, "password1", "too short"),
        ({"password2": PASSWORD + "x"}, "password2", "same password"),
        ({"organization_name": ""}, "organization_name", "Enter your organization"),
        ({"organization_name": "   "}, "organization_name", "Enter your organization"),
        # The name rule of app names (issue 11, point 8): no right-to-left override that
        # makes "Acme\u202egnp.exe" read as "Acmeexe.png", no control characters.
        ({"organization_name": "Acme\u202egnp.exe"}, "organization_name", "Use letters"),
        ({"organization_name": "Acme\u0007Bank"}, "organization_name", "Use letters"),
        ({"organization_name": "Acme\u200bBank"}, "organization_name", "Use letters"),
    ],
)
def test_bad_signup_input_gets_a_clear_message_and_creates_nothing(
    client, django_capture_on_commit_callbacks, changes, field, message
):
    response = signup(client, django_capture_on_commit_callbacks, **changes)

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert message.encode() in response.content or message.replace("'", "&#x27;").encode() in (
        response.content
    )
    assert not User.objects.exists()
    assert not Organization.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert mail.outbox == []


def test_existing_email_gets_the_same_answer_and_no_new_account(
    client, django_capture_on_commit_callbacks, make_user
):
    make_user("dana@example.com", organization="Existing Org")
    fresh = signup(client, django_capture_on_commit_callbacks, email="erin@example.com")
    mail.outbox.clear()

    taken = signup(client, django_capture_on_commit_callbacks, email="DANA@example.com")

    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert User.objects.filter(email__iexact="dana@example.com").count() == 1
    assert Organization.objects.filter(name="Dana Lending").count() == 1  # erin's only
    # The owner of the address learns about it; the person signing up learns nothing.
    (message,) = mail.outbox
    assert message.to == ["dana@example.com"]
    assert "already exists" in message.body


def test_tampered_verification_link_is_refused(client, django_capture_on_commit_callbacks):
    signup(client, django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0]).removeprefix("http://testserver-base")
    tampered = path.rstrip("/")[:-3] + "xyz/"

    page = client.get(tampered)
    client.post(tampered)

    assert b"This link is invalid or has expired" in page.content
    assert not EmailAddress.objects.get(email="dana@example.com").verified


def test_used_verification_link_cannot_verify_again(client, django_capture_on_commit_callbacks):
    signup(client, django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0]).removeprefix("http://testserver-base")
    client.post(path)

    again = client.get(path)

    assert b"Verify email" not in again.content
    assert b"This link is invalid or has expired" in again.content
