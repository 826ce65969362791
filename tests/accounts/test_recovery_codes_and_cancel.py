"""The page that shows new recovery codes offers Copy and a .txt download of them; "Confirm
it's you" has a Cancel that goes back where the user came from, never to another site.

Recovery codes are compared in booleans only, so a failure never prints one.
"""

import re
from urllib.parse import quote, unquote, urlsplit

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from accounts import reauthentication
from tests.conftest import give_two_factor, reauthenticate
from tests.urlwalk import endpoints

pytestmark = pytest.mark.django_db

RECOVERY_CODES = reverse("mfa_view_recovery_codes")
REAUTHENTICATE = reverse("account_reauthenticate")
SETTINGS = reverse("accounts:settings_index")
MFA_INDEX = reverse("mfa_index")


@pytest.fixture
def codes_page(alice_client, alice):
    """The recovery codes page as allauth shows it once, right after the codes are made."""
    give_two_factor(alice)
    RecoveryCodes.activate(alice)
    reauthenticate(alice_client)
    response = alice_client.get(RECOVERY_CODES)
    assert response.status_code == 200
    return response.content.decode()


def shown_codes(page: str) -> list[str]:
    match = re.search(r'<textarea id="recovery_codes"[^>]*>(.*?)</textarea>', page, re.S)
    return match.group(1).split() if match else []


def test_the_codes_page_has_a_copy_button_for_every_code(codes_page):
    assert len(shown_codes(codes_page)) == 10
    assert '<button type="button" class="button" data-copy="recovery_codes">Copy</button>' in (
        codes_page
    )
    assert 'data-copy-status="recovery_codes"' in codes_page


def test_the_download_is_a_text_file_of_the_codes_shown(codes_page):
    link = re.search(r'<a class="button" href="([^"]+)" download="([^"]+)">([^<]+)</a>', codes_page)

    assert link, "no download link"
    href, filename, label = link.groups()
    assert (filename, label) == ("recovery-codes.txt", "Download (.txt)")
    kind, _, data = href.partition(",")
    assert kind == "data:text/plain;charset=utf-8"
    same_codes = unquote(data).split("\n") == [*shown_codes(codes_page), ""]
    assert same_codes, "the file doesn't hold the codes the page shows, one a line"


def test_allauths_own_download_refuses_once_the_codes_were_shown(alice_client, codes_page):
    """Why the file is made from the page: with MFA_RECOVERY_CODES_SHOW_ONCE, allauth's
    mfa_download_recovery_codes answers 403 as soon as the codes have been shown."""
    assert alice_client.get(reverse("mfa_download_recovery_codes")).status_code == 403


def test_codes_shown_before_are_not_offered_for_download_again(alice_client, codes_page):
    again = alice_client.get(RECOVERY_CODES).content.decode()

    assert "recovery-codes.txt" not in again
    assert 'data-copy="recovery_codes"' not in again


# --- Cancel on "Confirm it's you" ------------------------------------------------------------


@pytest.mark.parametrize(
    ("next_url", "cancel"),
    [
        ("/accounts/email/", "/accounts/email/"),
        ("/team/?tab=members", "/team/?tab=members"),
        ("/accounts/2fa/totp/activate/", MFA_INDEX),  # it would ask again at once
        ("/accounts/2fa/recovery-codes/", MFA_INDEX),
        ("/accounts/2fa/webauthn/keys/1/remove/", reverse("mfa_list_webauthn")),
        (None, SETTINGS),
        ("", SETTINGS),
        ("https://evil.example/", SETTINGS),
        ("//evil.example/", SETTINGS),
        ("/\\evil.example/", SETTINGS),
        ("///evil.example/", SETTINGS),
        ("javascript:alert(1)", SETTINGS),
        ("accounts/email/", SETTINGS),
        ("/no/such/page/", SETTINGS),
    ],
)
def test_cancel_goes_back_to_a_safe_next_else_to_settings(next_url, cancel):
    assert reauthentication.cancel_url(next_url) == cancel


def cancel_link(page: str) -> str | None:
    match = re.search(r'<a class="button" href="([^"]*)">Cancel</a>', page)
    return match.group(1) if match else None


@pytest.mark.parametrize(
    ("next_url", "cancel"),
    [
        ("/accounts/email/", "/accounts/email/"),
        ("https://evil.example/phish", SETTINGS),
        (None, SETTINGS),
    ],
)
def test_the_password_page_has_confirm_and_cancel(alice_client, next_url, cancel):
    url = REAUTHENTICATE + (f"?next={quote(next_url, safe='')}" if next_url else "")

    page = alice_client.get(url).content.decode()

    assert '<label for="id_password">Password</label>' in page
    assert '<button type="submit" class="button button--primary">Confirm</button>' in page
    assert cancel_link(page) == cancel


def test_the_code_page_has_a_cancel_too(alice_client, alice):
    give_two_factor(alice)

    page = alice_client.get(reverse("mfa_reauthenticate") + "?next=/accounts/email/")

    assert cancel_link(page.content.decode()) == "/accounts/email/"


def test_every_page_that_asks_on_opening_has_a_cancel_target(alice_client, alice):
    """A page allauth guards with a fresh password on GET is listed, so Cancel never leads
    straight back to the question. Found by opening every page of the site."""
    give_two_factor(alice)
    RecoveryCodes.activate(alice)
    asking = set()
    for endpoint in endpoints():
        if endpoint.url.startswith("/admin/"):
            continue
        response = alice_client.get(endpoint.url)
        location = urlsplit(response.get("Location", ""))
        if location.path == REAUTHENTICATE and f"next={quote(endpoint.url, safe='')}" in (
            location.query
        ):
            asking.add(endpoint.name)

    assert asking == set(reauthentication.ASKS_ON_OPENING)
