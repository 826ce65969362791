import os

import pytest
from django.core import mail
from django.core.cache import caches
from django.urls import reverse

from accounts.models import User
from tests.conftest import give_two_factor, log_in, skip_or_fail

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def test_log_in_page_has_the_promised_labels(client):
    page = client.get(LOGIN).content.decode()
    assert '<label for="id_login">Email</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert ">Log in</button>" in page
    assert ">Sign up</a>" in page
    assert "Sign In" not in page


def test_verified_user_logs_in_and_lands_on_home(client, alice):
    response = log_in(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_email_is_matched_case_insensitively(client, alice):
    assert log_in(client, email="ALICE@Example.com")["Location"] == reverse("home")


def test_wrong_password_gets_a_clear_message_and_no_session(client, alice):
    response = log_in(client, password="not-the-password")
    assert response.status_code == 200
    assert b"The email address and/or password you specified are not correct." in (response.content)
    assert "_auth_user_id" not in client.session


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client, alice):
    unknown = log_in(client, email="nobody@example.com", password="whatever-123456")
    wrong = log_in(client, password="whatever-123456")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].errors == wrong.context["form"].errors


def test_repeated_failures_are_throttled_even_with_the_right_password(client, alice):
    for _ in range(5):
        log_in(client, password="not-the-password")

    response = log_in(client)

    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content


def test_log_out_ends_the_session(client, alice):
    log_in(client)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("home"))["Location"].startswith(LOGIN)


def test_log_in_throttle_is_shared_through_redis_across_processes(client, alice, settings):
    """Two web processes share the counters when REDIS_URL is set: a fresh cache connection
    (what another process would open) sees the failures this one recorded."""
    url = os.environ.get("REDIS_URL")
    if not url:
        skip_or_fail("REDIS_URL is not set, so the Redis-backed rate limit cannot be tested")
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-throttle-{os.getpid()}",
        }
    }
    caches["default"].clear()
    try:
        for _ in range(5):
            log_in(client, password="not-the-password")
        import redis

        stored = redis.Redis.from_url(url).keys(f"test-throttle-{os.getpid()}:*")
        assert stored, "the failures were not counted in Redis"
        # Drop this process's connection: the next request opens a new one, as another
        # gunicorn worker would.
        caches["default"].close()
        del caches["default"]

        response = log_in(client)

        assert b"Too many failed login attempts" in response.content
        assert "_auth_user_id" not in client.session
    finally:
        caches["default"].clear()


def test_resend_verification_sends_a_new_link_to_an_unverified_address(
    client, make_user, django_capture_on_commit_callbacks
):
    make_user("dana@example.com", verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:resend_verification"), {"email": "dana@example.com"}
        )
    assert response["Location"] == reverse("account_email_verification_sent")
    (message,) = mail.outbox
    assert message.to == ["dana@example.com"]
    assert "/accounts/confirm-email/" in message.body


@pytest.mark.parametrize("email", ["alice@example.com", "nobody@example.com"])
def test_resend_verification_answers_alike_and_sends_nothing_otherwise(
    client, alice, email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:resend_verification"), {"email": email})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert mail.outbox == []


def test_resend_verification_refuses_a_malformed_address(client):
    response = client.post(reverse("accounts:resend_verification"), {"email": "nope"})
    assert response.status_code == 200
    assert b"Enter a valid email address." in response.content


def test_resend_verification_is_limited_per_address(
    client, make_user, django_capture_on_commit_callbacks
):
    make_user("dana@example.com", verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            client.post(reverse("accounts:resend_verification"), {"email": "dana@example.com"})
    assert len(mail.outbox) == 1


def test_a_superuser_made_from_the_environment_logs_in_to_the_admin(client, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "staff@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-staff-passphrase-1")
    call_command("createsuperuser", "--noinput", verbosity=0)

    # The admin's log-in page sends staff to the Console's, with its rate limits.
    admin_login = client.get(reverse("admin:login") + "?next=/admin/")
    assert admin_login.status_code == 302
    assert admin_login["Location"].startswith(reverse("account_login"))

    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": "staff@example.com", "password": "a-long-staff-passphrase-1"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    # Staff set up two-factor log-in before the admin opens.
    first_visit = client.get(reverse("admin:index"))
    assert first_visit.status_code == 302
    assert first_visit["Location"] == reverse("mfa_index")
    give_two_factor(User.objects.get(email="staff@example.com"))
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_member_who_is_not_staff_cannot_reach_the_admin(client, alice):
    client.force_login(alice)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert client.get(response["Location"]).status_code == 403


def test_the_admin_log_in_is_throttled_like_the_consoles(client, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "staff@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-staff-passphrase-1")
    call_command("createsuperuser", "--noinput", verbosity=0)
    # Django's own admin form is never served: a POST to it is sent to the Console's log-in.
    direct = client.post(
        reverse("admin:login"),
        {"username": "staff@example.com", "password": "a-long-staff-passphrase-1"},
    )
    assert direct.status_code == 302
    assert "_auth_user_id" not in client.session

    for _ in range(10):
        client.post(reverse("account_login"), {"login": "staff@example.com", "password": "wrong"})
    right = client.post(
        reverse("account_login"),
        {"login": "staff@example.com", "password": "a-long-staff-passphrase-1"},
    )
    assert right.status_code == 200  # refused: too many failed attempts
    assert "_auth_user_id" not in client.session
