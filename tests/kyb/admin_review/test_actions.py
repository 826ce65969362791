"""The actions.

Part of tests.kyb.admin_review; the package's docstring says what its tests check.
"""

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from apps import selectors as app_selectors
from kyb import services
from kyb.models import KybReview, KybStatus, ProductionAccessRequest
from products.models import ProductionGrant
from tests.conftest import organization_of
from tests.kyb.admin_review.conftest import (
    NOTE_REQUIRED,
    apply,
    confirm_page,
    decide,
    history,
    messages_of,
    production_app_of,
    scopes_of,
    state,
)
from tests.kyb.conftest import request_access, submit_kyb

pytestmark = pytest.mark.django_db


def test_the_intermediate_page_names_the_submissions_and_asks_for_a_note(
    staff_client, alice_kyb, charlie_kyb
):
    page = confirm_page(staff_client, "reject", alice_kyb, charlie_kyb).content.decode()
    assert "<h1>Reject: are you sure?</h1>" in page
    assert "Reject 2 KYB submissions:" in page
    assert "Alice Fintech AB (Alice Fintech) — Under review" in page
    assert "Northwind Payments Ltd (Charlie Bank) — Under review" in page
    assert "Note to the organization (required)" in page
    assert f'name="_selected_action" value="{alice_kyb.pk}"' in page
    assert 'name="apply" value="1"' in page
    assert state(alice_kyb, charlie_kyb)[0] == [("submitted", ""), ("submitted", "")]


def test_approving_grants_the_requested_products_and_tells_the_owners_and_admins(
    staff_client,
    reviewer,
    alice,
    add_member,
    catalog,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    organization = organization_of(alice)
    add_member(organization, "admin")
    add_member(organization, "developer")
    request_access(alice, "transactions", "balance-check")
    submission = submit_kyb(alice)
    app = production_app_of(alice)
    assert app_selectors.allowed_scopes(app=app) == frozenset()
    mailoutbox.clear()
    started = timezone.now()

    response = decide(
        staff_client, django_capture_on_commit_callbacks, "approve", submission, note="Welcome!"
    )

    assert response.status_code == 302
    assert messages_of(staff_client.get(response["Location"])) == [
        ("info", "Approve: 1 KYB submission.")
    ]
    submission.refresh_from_db()
    assert submission.status == KybStatus.APPROVED
    assert submission.reviewer_note == "Welcome!"
    assert started <= submission.decided_at <= timezone.now()
    latest = KybReview.objects.filter(submission=submission).last()
    assert (latest.decision, latest.actor, latest.actor_email, latest.note) == (
        "approved",
        reviewer,
        "reviewer@tink.example",
        "Welcome!",
    )
    assert started <= latest.created_at <= timezone.now()
    event = AuditEvent.objects.get(action=AuditEvent.Action.KYB_APPROVE)
    assert (event.organization, event.actor) == (organization, reviewer)
    assert set(
        ProductionGrant.objects.filter(organization=organization).values_list(
            "product__slug", flat=True
        )
    ) == {"transactions", "balance-check"}
    assert set(organization.access_requests.values_list("status", flat=True)) == {"approved"}
    assert app_selectors.allowed_scopes(app=app) == scopes_of("transactions", "balance-check")
    [mail] = mailoutbox
    assert mail.subject == "Console: Production access approved"
    assert sorted(mail.to) == ["admin@example.com", "alice@example.com"]
    assert "Welcome!" in mail.body


@pytest.mark.parametrize(
    ("action", "status", "subject", "audit"),
    [
        (
            "request_changes",
            KybStatus.CHANGES_REQUESTED,
            "Console: Changes requested on your KYB",
            AuditEvent.Action.KYB_REQUEST_CHANGES,
        ),
        (
            "reject",
            KybStatus.REJECTED,
            "Console: Your KYB was rejected",
            AuditEvent.Action.KYB_REJECT,
        ),
    ],
)
def test_requesting_changes_or_rejecting_records_the_note_and_grants_nothing(
    staff_client,
    reviewer,
    alice_kyb,
    django_capture_on_commit_callbacks,
    mailoutbox,
    action,
    status,
    subject,
    audit,
):
    note = "The proof of address is older than three months."
    mailoutbox.clear()
    response = decide(
        staff_client, django_capture_on_commit_callbacks, action, alice_kyb, note=note
    )
    assert response.status_code == 302
    alice_kyb.refresh_from_db()
    assert (alice_kyb.status, alice_kyb.reviewer_note) == (status, note)
    assert history(alice_kyb) == [
        ("submitted", "alice@example.com", ""),
        (status.value, "reviewer@tink.example", note),
    ]
    assert AuditEvent.objects.get(action=audit).actor == reviewer
    assert not ProductionGrant.objects.exists()
    assert list(ProductionAccessRequest.objects.values_list("status", flat=True)) == [
        status.value  # the product follows its KYB
    ]
    [mail] = mailoutbox
    assert mail.subject == subject
    assert mail.to == ["alice@example.com"]
    assert note in mail.body


@pytest.mark.parametrize("action", ["approve", "request_changes", "reject"])
def test_an_action_decides_many_submissions_at_once(
    staff_client, alice_kyb, charlie_kyb, django_capture_on_commit_callbacks, mailoutbox, action
):
    mailoutbox.clear()
    response = decide(
        staff_client,
        django_capture_on_commit_callbacks,
        action,
        alice_kyb,
        charlie_kyb,
        note="Decided together.",
    )
    assert response.status_code == 302
    verb = {"approve": "Approve", "request_changes": "Request changes", "reject": "Reject"}
    assert messages_of(staff_client.get(response["Location"])) == [
        ("info", f"{verb[action]}: 2 KYB submissions.")
    ]
    expected = {
        "approve": "approved",
        "request_changes": "changes_requested",
        "reject": "rejected",
    }[action]
    for submission in (alice_kyb, charlie_kyb):
        submission.refresh_from_db()
        assert submission.status == expected
        assert history(submission)[-1] == (expected, "reviewer@tink.example", "Decided together.")
    assert sorted(mail.to[0] for mail in mailoutbox) == ["alice@example.com", "charlie@example.org"]
    granted = ProductionGrant.objects.values_list("organization__name", flat=True)
    assert sorted(granted) == (["Alice Fintech", "Charlie Bank"] if action == "approve" else [])


@pytest.mark.parametrize("action", ["request_changes", "reject"])
@pytest.mark.parametrize("note", ["", "   \n "])
def test_request_changes_and_reject_without_a_note_show_the_page_again_and_change_nothing(
    staff_client, alice_kyb, django_capture_on_commit_callbacks, mailoutbox, action, note
):
    before = state(alice_kyb)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = apply(staff_client, action, alice_kyb, note=note)
    assert response.status_code == 200
    page = response.content.decode()
    assert NOTE_REQUIRED[action] in page
    assert 'name="note"' in page
    assert f'name="_selected_action" value="{alice_kyb.pk}"' in page
    assert state(alice_kyb) == before
    assert mailoutbox == []


def test_a_note_longer_than_2000_characters_is_refused(staff_client, alice_kyb):
    before = state(alice_kyb)
    response = apply(staff_client, "reject", alice_kyb, note="x" * 2001)
    assert response.status_code == 200
    assert "at most 2000 characters" in response.content.decode()
    assert state(alice_kyb) == before


@pytest.mark.parametrize("action", ["approve", "request_changes", "reject"])
def test_an_action_on_a_submission_no_longer_under_review_is_refused(
    staff_client, reviewer, alice_kyb, django_capture_on_commit_callbacks, mailoutbox, action
):
    services.kyb_submission_approve(submission=alice_kyb, reviewer=reviewer)
    before = state(alice_kyb)
    mailoutbox.clear()
    response = decide(
        staff_client, django_capture_on_commit_callbacks, action, alice_kyb, note="Again"
    )
    assert response.status_code == 302
    target = {"approve": "approved", "request_changes": "changes requested"}.get(action, "rejected")
    assert messages_of(staff_client.get(response["Location"])) == [
        ("error", f"Alice Fintech AB: A KYB that is approved can't become {target}.")
    ]
    assert state(alice_kyb) == before
    assert mailoutbox == []


def test_one_refused_submission_does_not_undo_the_others(
    staff_client, reviewer, alice_kyb, charlie_kyb, django_capture_on_commit_callbacks
):
    services.kyb_submission_reject(submission=alice_kyb, reviewer=reviewer, note="No.")
    response = decide(
        staff_client, django_capture_on_commit_callbacks, "approve", alice_kyb, charlie_kyb
    )
    assert messages_of(staff_client.get(response["Location"])) == [
        ("info", "Approve: 1 KYB submission."),
        ("error", "Alice Fintech AB: A KYB that is rejected can't become approved."),
    ]
    alice_kyb.refresh_from_db()
    charlie_kyb.refresh_from_db()
    assert (alice_kyb.status, charlie_kyb.status) == ("rejected", "approved")
    assert list(ProductionGrant.objects.values_list("organization__name", flat=True)) == [
        "Charlie Bank"
    ]
