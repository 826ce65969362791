import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-77"


def request_reset(client, email, capture):
    with capture(execute=True):
        return client.post(reverse("account_reset_password"), {"email": email})


def test_forgotten_password_is_reset_by_the_emailed_link(
    client, alice, settings, django_capture_on_commit_callbacks
):
    settings.CONSOLE_BASE_URL = "https://console.example.com"
    response = request_reset(client, "alice@example.com", django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("account_reset_password_done")

    (message,) = mail.outbox
    link = re.search(r"https://console\.example\.com(/\S+)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302

    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert not alice.check_password(PASSWORD)
    # The link is single-use.
    assert b"invalid or has expired" in client.get(link, follow=True).content


def test_unknown_address_gets_the_same_answer(client, alice, django_capture_on_commit_callbacks):
    known = request_reset(client, "alice@example.com", django_capture_on_commit_callbacks)
    unknown = request_reset(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_a_tampered_reset_link_changes_nothing(
    client, alice, settings, django_capture_on_commit_callbacks
):
    settings.CONSOLE_BASE_URL = "https://console.example.com"
    request_reset(client, "alice@example.com", django_capture_on_commit_callbacks)
    link = re.search(r"https://console\.example\.com(/\S+)", mail.outbox[0].body).group(1)
    tampered = link.rstrip("/")[:-4] + "abcd/"

    page = client.get(tampered, follow=True)
    client.post(tampered, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert b"invalid or has expired" in page.content
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
