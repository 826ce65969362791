"""Sign-up doesn't tell whether an address is registered (issue 11, point 2).

A registered address gets the page, the message and the timing of a new one: the same "Check
your email" page, the same words, and a password hashed on both branches (a registered
address used to answer in about a tenth of the time, with no hash).
"""

import re
import statistics
import time
import uuid
from html import unescape

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from console import settings as production_settings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")
TRIES = 20


def sign_up(client: Client, email: str, **extra):
    return client.post(
        SIGNUP,
        {
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "organization_name": "Dana Lending",
        },
        **extra,
    )


def visible_text(response, email: str) -> str:
    """The page as read, with the typed address and the per-request tokens taken out."""
    page = unescape(response.content.decode())
    page = page.replace(email, "<email>")
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'nonce="[^"]+"', "", page)


def test_a_registered_address_sees_the_same_page_and_message_as_a_new_one(make_user):
    registered = make_user("dana@example.com").email
    new = "erin@example.com"

    pages = {}
    for email in (registered, new):
        client = Client()
        response = sign_up(client, email, follow=True)
        assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
        pages[email] = visible_text(response, email)

    assert pages[registered] == pages[new]


def test_a_registered_address_sees_the_same_page_when_it_was_just_tried(make_user):
    """A second try within the verification email's rate limit (one every three minutes per
    address) sends nothing more, and still shows what a new address sees."""
    registered = make_user("dana@example.com").email
    sign_up(Client(), registered)
    new = "erin@example.com"

    again = {email: sign_up(Client(), email, follow=True) for email in (registered, new)}

    assert visible_text(again[registered], registered) == visible_text(again[new], new)


@pytest.fixture
def real_password_hashing(settings):
    """Users' Argon2 cost, not the suite's cheap one: the cost is what is timed. The per-IP
    sign-up limit is lifted so that forty sign-ups from one address can be timed; the
    per-address email limit stays, as an attacker trying one address again would meet it."""
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    settings.ACCOUNT_RATE_LIMITS = {**django_settings.ACCOUNT_RATE_LIMITS, "signup": "1000/m/ip"}


def test_a_registered_address_answers_in_the_time_of_a_new_one(make_user, real_password_hashing):
    registered = make_user("dana@example.com").email
    timings: dict[str, list[float]] = {"registered": [], "new": []}
    sign_up(Client(), f"warm-{uuid.uuid4().hex[:8]}@example.com")  # first-request costs

    for _ in range(TRIES):  # interleaved, so a slow moment of the machine hits both
        for branch, email in (
            ("registered", registered),
            ("new", f"new-{uuid.uuid4().hex[:8]}@example.com"),
        ):
            client = Client()
            started = time.perf_counter()
            response = sign_up(client, email)
            timings[branch].append(time.perf_counter() - started)
            assert response.status_code == 302

    registered_median = statistics.median(timings["registered"])
    new_median = statistics.median(timings["new"])
    ratio = registered_median / new_median
    print(
        f"sign-up medians over {TRIES} tries: registered {registered_median * 1000:.1f} ms, "
        f"new {new_median * 1000:.1f} ms (ratio {ratio:.2f})"
    )
    assert 0.75 <= ratio <= 1.25, f"registered/new = {ratio:.2f}"
