"""Two-factor log-in with allauth's MFA, through the real pages: set up an authenticator app
(the test computes its codes from the secret, as the app would), log in with a code or a
recovery code, refusals; an organization's requirement and the admin's, enforced by
accounts.middleware.TwoFactorRequiredMiddleware.

No code, secret or recovery code may appear in the output: they are wrapped in Hidden, whose
repr is masked, and pages that show them are only ever inspected through helpers returning
booleans, so a failing assertion prints neither.
"""

import hashlib
import json
import os
import re
from html import unescape
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.urls import reverse
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

from accounts import services
from accounts.models import Organization, Role
from accounts.selectors import SESSION_KEY as SESSION_ORGANIZATION
from tests.conftest import PASSWORD, organization_of, reauthenticate

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
LOGOUT = reverse("account_logout")
MFA_INDEX = reverse("mfa_index")
ACTIVATE = reverse("mfa_activate_totp")
AUTHENTICATE = reverse("mfa_authenticate")
RECOVERY_CODES = reverse("mfa_view_recovery_codes")
REAUTHENTICATE = reverse("account_reauthenticate")
EMAIL_PAGE = reverse("account_email")
PERIOD = 30
START = 1_700_000_010  # 10 s into a 30 s period


class Hidden(str):
    """A code or secret: usable as a string, masked wherever pytest prints it."""

    def __repr__(self) -> str:
        return "'<hidden>'"


@pytest.fixture
def clock(monkeypatch):
    """allauth's TOTP clock, frozen (a code computed at 29.9 s would fail at 30.1 s), and
    moved on by the test. Only allauth's TOTP module sees it."""
    now = SimpleNamespace(value=float(START))
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: now.value))
    return now


def code_for(secret: str, clock, *, periods_ago: int = 0) -> Hidden:
    counter = int(clock.value) // PERIOD - periods_ago
    return Hidden(format_hotp_value(hotp_value(secret, counter)))


def says(response, text: str) -> bool:
    return text in unescape(response.content.decode())


def shows_any(response, codes) -> bool:
    page = response.content.decode()
    return any(code in page for code in codes)


def stored_in_clear(secret: str, authenticator: Authenticator) -> bool:
    return secret in str(authenticator.data)


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def log_in(client, email: str, password: str = PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def enter_code(client, code: str):
    return client.post(AUTHENTICATE, {"code": code})


def confirm_password(client, response):
    """allauth asks for the password again before a change to two-factor log-in."""
    assert response.status_code == 302
    assert response["Location"].startswith(REAUTHENTICATE)
    return client.post(response["Location"], {"password": PASSWORD}, follow=True)


def open_page(client, url: str):
    """GET `url`, confirming the password first if allauth asks for it (it does unless the
    password was confirmed in the last five minutes)."""
    response = client.get(url)
    if response.status_code == 302 and response["Location"].startswith(REAUTHENTICATE):
        response = confirm_password(client, response)
    assert response.request["PATH_INFO"] == url
    return response


def set_up_totp(client, user, clock) -> tuple[Hidden, list[Hidden]]:
    """Log in, confirm the password, open the activation page, read the secret it shows
    (allauth keeps it in the session until a code confirms it), send a code and read the
    recovery codes."""
    if not logged_in(client):
        assert log_in(client, user.email)["Location"] == reverse("home")
    page = open_page(client, ACTIVATE)
    assert page.status_code == 200
    secret = Hidden(client.session[totp_auth.SECRET_SESSION_KEY])
    assert says(page, Hidden(f'value="{secret}"')), "the page shows the secret for typing it in"
    assert says(page, 'src="data:image/svg+xml;base64,'), "the page shows the QR code"
    response = client.post(ACTIVATE, {"code": code_for(secret, clock)})
    assert response.status_code == 302
    assert response["Location"] == RECOVERY_CODES
    codes_page = client.get(RECOVERY_CODES)
    match = re.search(r'<textarea id="recovery_codes"[^>]*>(.*?)</textarea>', codes_page.text, re.S)
    assert match, "the recovery codes are shown right after the setup"
    recovery_codes = [Hidden(code) for code in match.group(1).split()]
    return secret, recovery_codes


@pytest.fixture
def alice_with_totp(client, alice, clock):
    """Alice with an authenticator app set up through the pages, then logged out."""
    secret, recovery_codes = set_up_totp(client, alice, clock)
    client.post(LOGOUT)
    cache.clear()  # forget the codes marked as used during the setup
    return SimpleNamespace(user=alice, secret=secret, recovery_codes=recovery_codes)


# --- Setting up an authenticator app ---------------------------------------------------------


def test_setting_up_an_authenticator_app_shows_a_qr_code_the_secret_and_then_ten_recovery_codes(
    client, alice, clock
):
    secret, recovery_codes = set_up_totp(client, alice, clock)

    authenticator = Authenticator.objects.get(user=alice, type=Authenticator.Type.TOTP)
    assert len(recovery_codes) == 10
    assert all(re.fullmatch(r"\d{8}", code) for code in recovery_codes)
    assert client.get(MFA_INDEX).status_code == 200
    assert totp_auth.SECRET_SESSION_KEY not in client.session, "forgotten once confirmed"
    assert not stored_in_clear(secret, authenticator), "stored encrypted (accounts.adapters)"


def test_setting_up_an_authenticator_app_tells_the_account_address(
    client, alice, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        set_up_totp(client, alice, clock)

    (notice,) = [
        message
        for message in mailoutbox
        if message.subject == "Console: An authenticator app was added to your account"
    ]
    assert notice.to == [alice.email]
    assert "/accounts/secure/" in notice.body


def test_the_code_typed_at_the_setup_does_not_log_in_again(client, alice, clock):
    """The code that confirmed the app is spent: someone who saw it typed can't use it to log
    in while it is still current (issue 11, point 8)."""
    secret = None
    assert log_in(client, alice.email)["Location"] == reverse("home")
    page = open_page(client, ACTIVATE)
    secret = Hidden(client.session[totp_auth.SECRET_SESSION_KEY])
    code = code_for(secret, clock)
    assert client.post(ACTIVATE, {"code": code}).status_code == 302
    client.post(LOGOUT)

    log_in(client, alice.email)
    replayed = enter_code(client, code)

    assert page.status_code == 200
    assert says(replayed, "Incorrect code.")
    assert not logged_in(client)


def test_the_qr_code_names_console_and_the_account(client, alice, clock):
    log_in(client, alice.email)
    page = confirm_password(client, client.get(ACTIVATE))

    assert page.context["totp_url"].startswith("otpauth://totp/alice%40example.com?")
    assert "issuer=Console" in page.context["totp_url"]


def test_recovery_codes_are_shown_only_once(client, alice, clock):
    _, recovery_codes = set_up_totp(client, alice, clock)

    again = client.get(RECOVERY_CODES)

    assert again.status_code == 200
    assert not shows_any(again, recovery_codes)
    assert says(again, "shown only once")


def test_a_wrong_code_does_not_activate_the_app(client, alice, clock):
    log_in(client, alice.email)
    confirm_password(client, client.get(ACTIVATE))
    secret = client.session[totp_auth.SECRET_SESSION_KEY]
    wrong = Hidden(f"{(int(code_for(secret, clock)) + 1) % 1_000_000:06d}")

    response = client.post(ACTIVATE, {"code": wrong})

    assert response.status_code == 200
    assert says(response, "Incorrect code.")
    assert not Authenticator.objects.filter(user=alice).exists()


# --- Logging in -------------------------------------------------------------------------------


def test_the_password_alone_no_longer_logs_in(client, alice_with_totp):
    response = log_in(client, alice_with_totp.user.email)

    assert response.status_code == 302
    assert response["Location"] == AUTHENTICATE
    assert not logged_in(client)
    assert client.get(reverse("home"))["Location"].startswith(LOGIN)


def test_it_logs_in_with_the_code_of_the_authenticator_app(client, alice_with_totp, clock):
    log_in(client, alice_with_totp.user.email)
    page = client.get(AUTHENTICATE)
    assert page.status_code == 200
    assert says(page, "Two-factor log-in")

    response = enter_code(client, code_for(alice_with_totp.secret, clock))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in(client)
    assert client.get(reverse("home")).status_code == 200


def test_it_refuses_a_wrong_code(client, alice_with_totp, clock):
    log_in(client, alice_with_totp.user.email)
    right = code_for(alice_with_totp.secret, clock)
    wrong = Hidden(f"{(int(right) + 1) % 1_000_000:06d}")

    response = enter_code(client, wrong)

    assert response.status_code == 200
    assert says(response, "Incorrect code.")
    assert not logged_in(client)


def test_it_refuses_the_code_of_an_earlier_period(client, alice_with_totp, clock):
    log_in(client, alice_with_totp.user.email)

    response = enter_code(client, code_for(alice_with_totp.secret, clock, periods_ago=1))

    assert says(response, "Incorrect code.")
    assert not logged_in(client)


def test_it_refuses_a_replayed_code(client, alice_with_totp, clock):
    """Someone who saw a code typed (over a shoulder, in a phishing proxy) can't use it again
    while it is still current: allauth marks a used code for its whole period."""
    code = code_for(alice_with_totp.secret, clock)
    log_in(client, alice_with_totp.user.email)
    assert enter_code(client, code).status_code == 302
    client.post(LOGOUT)

    log_in(client, alice_with_totp.user.email)
    replayed = enter_code(client, code)

    assert replayed.status_code == 200
    assert says(replayed, "Incorrect code.")
    assert not logged_in(client)

    clock.value += PERIOD  # the next code works
    assert enter_code(client, code_for(alice_with_totp.secret, clock)).status_code == 302
    assert logged_in(client)


def test_it_logs_in_with_a_recovery_code_once(client, alice_with_totp):
    first, second = alice_with_totp.recovery_codes[:2]
    log_in(client, alice_with_totp.user.email)
    assert enter_code(client, first)["Location"] == reverse("home")
    assert logged_in(client)
    client.post(LOGOUT)

    log_in(client, alice_with_totp.user.email)
    reused = enter_code(client, first)

    assert says(reused, "Incorrect code.")
    assert not logged_in(client)
    assert enter_code(client, second)["Location"] == reverse("home")
    authenticator = Authenticator.objects.get(
        user=alice_with_totp.user, type=Authenticator.Type.RECOVERY_CODES
    )
    assert len(authenticator.wrap().get_unused_codes()) == 8


def test_the_second_step_needs_the_password_step_first(client, alice_with_totp, clock):
    response = enter_code(client, code_for(alice_with_totp.secret, clock))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not logged_in(client)


def test_deactivating_the_app_asks_for_no_code_at_log_in_again(client, alice_with_totp, clock):
    log_in(client, alice_with_totp.user.email)
    enter_code(client, code_for(alice_with_totp.secret, clock))

    page = confirm_password(client, client.post(reverse("mfa_deactivate_totp")))

    assert page.redirect_chain[-1][0] == MFA_INDEX
    assert says(page, "Authenticator app deactivated.")
    assert not Authenticator.objects.filter(user=alice_with_totp.user).exists()
    client.post(LOGOUT)
    assert log_in(client, alice_with_totp.user.email)["Location"] == reverse("home")


# --- Security keys and passkeys (WebAuthn) ----------------------------------------------------


class SoftKey:
    """A security key in software: the same bytes a browser sends for a YubiKey or a passkey,
    built with fido2, so the server checks challenge, origin, RP id and signature for real."""

    ORIGIN = "https://testserver"  # the test client's host, which is the RP id

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0

    def _credential(self, response: dict) -> str:
        credential_id = websafe_encode(self.credential_id)
        return json.dumps(
            {
                "id": credential_id,
                "rawId": credential_id,
                "type": "public-key",
                "response": response,
                "clientExtensionResults": {},
            }
        )

    def register(self, options: dict) -> str:
        public_key = options["publicKey"]
        client_data = CollectedClientData.create(
            type="webauthn.create", challenge=public_key["challenge"], origin=self.ORIGIN
        )
        attested = AttestedCredentialData.create(
            b"\0" * 16,
            self.credential_id,
            ES256.from_cryptography_key(self.private_key.public_key()),
        )
        auth_data = AuthenticatorData.create(
            hashlib.sha256(public_key["rp"]["id"].encode()).digest(),
            AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT,
            self.counter,
            attested,
        )
        attestation = AttestationObject.create("none", auth_data, {})
        return self._credential(
            {
                "clientDataJSON": websafe_encode(client_data),
                "attestationObject": websafe_encode(attestation),
            }
        )

    def sign(self, options: dict) -> str:
        public_key = options["publicKey"]
        client_data = CollectedClientData.create(
            type="webauthn.get", challenge=public_key["challenge"], origin=self.ORIGIN
        )
        self.counter += 1
        auth_data = AuthenticatorData.create(
            hashlib.sha256(public_key["rpId"].encode()).digest(),
            AuthenticatorData.FLAG.UP,
            self.counter,
        )
        signature = self.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return self._credential(
            {
                "clientDataJSON": websafe_encode(client_data),
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
            }
        )


def add_security_key(client, user, key: SoftKey, name: str = "YubiKey 5"):
    if not logged_in(client):
        assert log_in(client, user.email)["Location"] == reverse("home")
    page = open_page(client, reverse("mfa_add_webauthn"))
    assert says(page, 'id="mfa_webauthn_add"') and says(page, 'id="js_data"')
    credential = key.register(page.context["js_data"]["creation_options"])
    return client.post(reverse("mfa_add_webauthn"), {"name": name, "credential": credential})


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


# --- The organization's requirement ----------------------------------------------------------


@pytest.fixture
def strict_organization(alice) -> Organization:
    organization = organization_of(alice)
    organization.require_two_factor = True
    organization.save(update_fields=["require_two_factor"])
    return organization


@pytest.fixture
def bob(add_member, strict_organization):
    """A developer of alice's organization, which requires two-factor log-in."""
    return add_member(strict_organization, Role.DEVELOPER, email="bob@example.com")


def sent_to_set_up(response) -> bool:
    return response.status_code == 302 and response["Location"] == MFA_INDEX


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("apps:list"),
        reverse("apps:create"),
        reverse("kyb:products"),
        reverse("accounts:team_index"),
        reverse("accounts:settings_index"),
        reverse("usersessions_list"),
        reverse("account_change_password"),
    ],
)
def test_a_member_without_two_factor_is_sent_to_set_it_up(client, bob, url):
    client.force_login(bob)

    assert sent_to_set_up(client.get(url))
    assert sent_to_set_up(client.post(url))


def test_the_setup_page_says_why(client, bob, strict_organization):
    client.force_login(bob)

    page = client.get(reverse("apps:list"), follow=True)

    assert page.redirect_chain == [(MFA_INDEX, 302)]
    assert says(page, "Alice Fintech requires two-factor log-in for every member.")


def test_a_forged_post_changes_nothing_before_the_setup(client, bob):
    client.force_login(bob)

    response = client.post(reverse("apps:create"), {"name": "Sneaky", "display_name": "Sneaky"})

    assert sent_to_set_up(response)
    assert not organization_of(bob).apps.exists()


@pytest.mark.parametrize(
    "url",
    [
        MFA_INDEX,
        ACTIVATE,  # sends on to re-authentication, itself allowed
        reverse("account_reauthenticate"),
        reverse("account_email"),
        LOGOUT,
        "/static/css/console.css",
        reverse("api:jwks"),
        "/invitations/some-token/",
    ],
)
def test_what_setting_it_up_takes_stays_open(client, bob, url):
    client.force_login(bob)

    assert not sent_to_set_up(client.get(url))


def test_after_the_setup_the_member_is_free(client, bob, clock):
    set_up_totp(client, bob, clock)

    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("apps:list")).status_code == 200


def test_an_organization_without_the_requirement_sends_nobody(alice_client):
    assert alice_client.get(reverse("home")).status_code == 200


def test_the_requirement_follows_the_current_organization(client, bob, strict_organization):
    """Bob also owns an organization of his own, without the requirement."""
    own = services.organization_create(name="Bob Labs", owner=bob)
    client.force_login(bob)

    def work_in(organization: Organization) -> None:
        session = client.session
        session[SESSION_ORGANIZATION] = organization.pk
        session.save()

    work_in(own)
    assert client.get(reverse("home")).status_code == 200
    work_in(strict_organization)
    assert sent_to_set_up(client.get(reverse("home")))


def test_a_security_key_counts_as_two_factor(client, bob):
    add_security_key(client, bob, SoftKey())

    assert client.get(reverse("home")).status_code == 200


def test_recovery_codes_alone_do_not_count(client, bob):
    Authenticator.objects.create(
        user=bob, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "", "used_mask": 0}
    )
    client.force_login(bob)

    assert sent_to_set_up(client.get(reverse("home")))


# --- Staff and the admin ----------------------------------------------------------------------


@pytest.fixture
def staff(make_user):
    user = make_user("root@example.com", organization="Console Staff")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.mark.parametrize("url", ["/admin/", "/admin/accounts/user/", "/admin/kyb/"])
def test_staff_without_two_factor_are_sent_from_the_admin_to_set_it_up(client, staff, url):
    client.force_login(staff)

    page = client.get(url, follow=True)

    assert page.redirect_chain == [(MFA_INDEX, 302)]
    assert says(page, "Staff need two-factor log-in to use the admin.")


def test_staff_without_two_factor_still_use_the_console(client, staff):
    client.force_login(staff)

    assert client.get(reverse("home")).status_code == 200


def test_staff_with_two_factor_use_the_admin(client, staff):
    TOTP.activate(staff, totp_auth.generate_totp_secret())
    client.force_login(staff)

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_staff_log_in_to_the_admin_with_a_code(client, staff, clock):
    secret = Hidden(totp_auth.generate_totp_secret())
    TOTP.activate(staff, secret)
    log_in(client, staff.email)

    assert enter_code(client, code_for(secret, clock)).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_member_who_is_not_staff_gets_no_admin_either_way(alice_client):
    response = alice_client.get("/admin/")

    assert not sent_to_set_up(response)
    assert response.status_code in (302, 403)
    assert alice_client.get("/admin/accounts/user/").status_code != 200


# --- The pages themselves ---------------------------------------------------------------------


def page_problems(response) -> list[str]:
    """What tests/test_accessibility.py and tests/test_security_headers.py check on every
    page, for pages their sweeps can't reach (they need two-factor log-in set up)."""
    from tests.test_accessibility import PageAudit
    from tests.test_security_headers import inline_code_in

    audit = PageAudit()
    audit.feed(response.content.decode())
    problems = [f"unlabelled {name}" for name in audit.unlabelled()]
    if audit.lang != "en" or not audit.title.strip() or audit.h1 != 1:
        problems.append(f"lang={audit.lang} title={audit.title.strip()!r} h1={audit.h1}")
    return problems + inline_code_in(response)


def test_every_two_factor_page_is_labelled_titled_and_free_of_inline_code(client, alice, clock):
    set_up_totp(client, alice, clock)
    add_security_key(client, alice, SoftKey())
    key = Authenticator.objects.get(user=alice, type=Authenticator.Type.WEBAUTHN)
    client.post(EMAIL_PAGE, {"action_add": "", "email": "alice@newbank.example"})
    names = [
        ("mfa_index", {}),
        ("mfa_deactivate_totp", {}),
        ("mfa_view_recovery_codes", {}),
        ("mfa_generate_recovery_codes", {}),
        ("mfa_list_webauthn", {}),
        ("mfa_add_webauthn", {}),
        ("mfa_edit_webauthn", {"pk": key.pk}),
        ("mfa_remove_webauthn", {"pk": key.pk}),
        ("mfa_reauthenticate", {}),
        ("mfa_reauthenticate_webauthn", {}),
        ("usersessions_list", {}),
        ("account_email", {}),
        ("account_change_password", {}),
        ("accounts:settings_index", {}),
    ]
    problems = []
    for name, kwargs in names:
        response = client.get(reverse(name, kwargs=kwargs))
        if response.status_code != 200:
            problems.append(f"{name}: {response.status_code}")
        problems += [f"{name}: {problem}" for problem in page_problems(response)]
    client.post(LOGOUT)
    log_in(client, alice.email)
    problems += [f"mfa_authenticate: {p}" for p in page_problems(client.get(AUTHENTICATE))]
    assert problems == []


def test_a_pending_email_change_is_explained_and_can_be_cancelled_under_the_requirement(
    client, bob
):
    """allauth refuses a new factor while an address waits for verification; the member can
    still reach the email page to verify or cancel it."""
    client.force_login(bob)
    reauthenticate(client)
    client.post(EMAIL_PAGE, {"action_add": "", "email": "bob@newbank.example"})

    page = client.get(ACTIVATE, follow=True)

    assert page.redirect_chain[-1][0] == MFA_INDEX
    assert says(page, "Your new email address bob@newbank.example is waiting for verification.")
    client.post(EMAIL_PAGE, {"action_remove": "", "email": "bob@newbank.example"})
    assert not bob.emailaddress_set.filter(verified=False).exists()


# --- Back where they were going, after the setup ----------------------------------------------

CONTINUE = reverse("accounts:two_factor_continue")
ADMIN_PAGE = "/admin/kyb/kybsubmission/?status=submitted"


def continue_button(response) -> str | None:
    """The label of the setup's Continue button (to accounts' two_factor_continue), if any."""
    match = re.search(
        rf'<a class="button button--primary" href="{CONTINUE}">([^<]+)</a>', response.text
    )
    return match.group(1) if match else None


def activate_through_the_pages(client, clock):
    """The authenticator app's setup as a person goes through it, ending on the recovery codes."""
    page = open_page(client, ACTIVATE)  # confirms the password first
    secret = Hidden(client.session[totp_auth.SECRET_SESSION_KEY])
    assert page.status_code == 200
    response = client.post(ACTIVATE, {"code": code_for(secret, clock)})
    assert response["Location"] == RECOVERY_CODES
    return client.get(RECOVERY_CODES)


def test_staff_land_back_on_the_admin_page_they_asked_for_after_the_setup(client, staff, clock):
    # The admin sends them to the Console's Log in page, which keeps the page asked for...
    login = client.get(ADMIN_PAGE)
    assert login.status_code == 302 and login["Location"].startswith(LOGIN)
    response = client.post(login["Location"], {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == ADMIN_PAGE
    # ... the admin sends them on to set up two-factor log-in ...
    setup = client.get(ADMIN_PAGE, follow=True)
    assert setup.redirect_chain == [(MFA_INDEX, 302)]
    assert says(setup, "Staff need two-factor log-in to use the admin.")
    assert continue_button(setup) is None, "nothing to continue to before the setup"

    # ... and the setup's last page leads back there.
    codes = activate_through_the_pages(client, clock)
    assert says(codes, "Save these codes in a secure place now.")
    assert continue_button(codes) == "Continue to the admin"
    back = client.get(CONTINUE)
    assert back.status_code == 302
    assert back["Location"] == ADMIN_PAGE
    assert client.get(ADMIN_PAGE).status_code == 200

    # Used once: the setup overview no longer offers it.
    assert continue_button(client.get(MFA_INDEX)) is None
    assert client.get(CONTINUE)["Location"] == MFA_INDEX


def test_the_setup_overview_also_leads_back_once_two_factor_is_on(client, staff, clock):
    """A setup that makes no recovery codes (they exist already) ends on the overview."""
    client.force_login(staff)
    client.get("/admin/accounts/user/")
    assert continue_button(client.get(MFA_INDEX)) is None  # not set up yet
    TOTP.activate(staff, totp_auth.generate_totp_secret())

    overview = client.get(MFA_INDEX)

    assert says(overview, "Two-factor log-in is set up</h2>")
    assert continue_button(overview) == "Continue to the admin"
    assert client.get(CONTINUE)["Location"] == "/admin/accounts/user/"


def test_a_member_of_a_strict_organization_lands_back_on_the_page_asked_for(client, bob, clock):
    client.force_login(bob)
    assert sent_to_set_up(client.get(reverse("apps:list")))

    codes = activate_through_the_pages(client, clock)

    assert continue_button(codes) == "Continue"
    assert client.get(CONTINUE)["Location"] == reverse("apps:list")


def test_a_forged_post_is_not_kept_as_the_page_to_go_back_to(client, staff, clock):
    client.force_login(staff)
    client.post("/admin/accounts/user/", {"action": "delete_selected"})

    codes = activate_through_the_pages(client, clock)

    assert continue_button(codes) is None
    assert client.get(CONTINUE)["Location"] == MFA_INDEX


def test_an_unsafe_next_at_log_in_is_dropped(client, staff):
    response = client.post(
        f"{LOGIN}?next=//evil.example/admin/", {"login": staff.email, "password": PASSWORD}
    )

    assert response["Location"] == reverse("home")
    assert client.get(CONTINUE)["Location"] == MFA_INDEX


@pytest.mark.parametrize(
    "stored",
    ["//evil.example/admin/", "/\\evil.example/admin/", "https://evil.example/admin/", "admin/", 7],
)
def test_only_a_path_of_this_site_is_gone_back_to(client, staff, stored):
    """The session holds what the middleware stored; were it ever anything but a path of this
    site, the setup would end on its own overview."""
    client.force_login(staff)
    session = client.session
    session["two_factor_next"] = stored
    session.save()
    TOTP.activate(staff, totp_auth.generate_totp_secret())

    assert continue_button(client.get(MFA_INDEX)) is None
    assert client.get(CONTINUE)["Location"] == MFA_INDEX
