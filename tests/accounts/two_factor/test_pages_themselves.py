"""The pages themselves.

Part of tests.accounts.two_factor; the package's docstring says what its tests check.
"""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.accounts.two_factor.conftest import (
    ACTIVATE,
    AUTHENTICATE,
    LOGOUT,
    MFA_INDEX,
    SoftKey,
    add_security_key,
    says,
    set_up_totp,
)
from tests.conftest import log_in, reauthenticate

pytestmark = pytest.mark.django_db


EMAIL_PAGE = reverse("account_email")


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
