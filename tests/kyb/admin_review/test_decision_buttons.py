"""The change page's decision buttons.

Part of tests.kyb.admin_review; the package's docstring says what its tests check.
"""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from accounts.models import AuditEvent
from kyb import services
from kyb.models import KybStatus, KybSubmission
from products.models import ProductionGrant
from tests.kyb.admin_review.conftest import (
    CHANGELIST,
    DECIDED_AT,
    NOTE_REQUIRED,
    buttons_on,
    change_url,
    decide,
    history,
    messages_of,
    state,
)
from tests.kyb.conftest import complete_kyb

pytestmark = pytest.mark.django_db


BUTTONS = {
    "approve": ("Approve", KybStatus.APPROVED, AuditEvent.Action.KYB_APPROVE, False),
    "request-changes": (
        "Request changes",
        KybStatus.CHANGES_REQUESTED,
        AuditEvent.Action.KYB_REQUEST_CHANGES,
        True,
    ),
    "reject": ("Reject", KybStatus.REJECTED, AuditEvent.Action.KYB_REJECT, True),
}


def review_url(submission, slug: str) -> str:
    return f"{CHANGELIST}{submission.pk}/review/{slug}/"


def disabled_buttons_on(page: str) -> list[str]:
    return re.findall(r'<button type="button" class="button" disabled[^>]*>([^<]+)</button>', page)


def admin_history(submission) -> list[str]:
    """The admin's own History of the submission (LogEntry change messages)."""
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(KybSubmission),
            object_id=str(submission.pk),
        ).values_list("change_message", flat=True)
    )


def test_a_reviewer_sees_the_three_decisions_on_a_submission_under_review(staff_client, alice_kyb):
    page = staff_client.get(change_url(alice_kyb)).content.decode()

    assert buttons_on(page) == {
        "Approve": review_url(alice_kyb, "approve"),
        "Request changes": review_url(alice_kyb, "request-changes"),
        "Reject": review_url(alice_kyb, "reject"),
    }
    assert disabled_buttons_on(page) == []
    assert '<h2 id="decision-heading" class="fieldset-heading">Decision</h2>' in page
    assert '<a href="#decision">Decision</a>' in page  # from the top of the long page


@pytest.mark.parametrize("slug", BUTTONS)
def test_each_button_opens_the_intermediate_page_of_the_actions(staff_client, alice_kyb, slug):
    verb, _, _, note_required = BUTTONS[slug]
    before = state(alice_kyb)

    page = staff_client.get(review_url(alice_kyb, slug)).content.decode()

    assert f"<h1>{verb}: are you sure?</h1>" in page
    assert f"{verb} 1 KYB submission:" in page
    assert "Alice Fintech AB (Alice Fintech) — Under review" in page
    assert ("Note to the organization (required)" in page) == note_required
    assert f'<a href="{change_url(alice_kyb)}" class="button cancel-link">No, take me back</a>' in (
        page
    )
    assert f'&rsaquo; <a href="{change_url(alice_kyb)}">Alice Fintech AB</a>' in page
    assert 'name="action"' not in page  # the page posts back to the button's own URL
    assert state(alice_kyb) == before


@pytest.mark.parametrize("slug", BUTTONS)
def test_a_decision_from_the_change_page_goes_through_the_service(
    staff_client, reviewer, alice_kyb, django_capture_on_commit_callbacks, mailoutbox, slug
):
    verb, status, audit, _ = BUTTONS[slug]
    note = "Decided from its own page."
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(review_url(alice_kyb, slug), {"apply": "1", "note": note})

    assert response.status_code == 302
    assert response["Location"] == change_url(alice_kyb)
    assert messages_of(staff_client.get(response["Location"])) == [
        ("info", f"{verb}: 1 KYB submission.")
    ]
    alice_kyb.refresh_from_db()
    assert (alice_kyb.status, alice_kyb.reviewer_note) == (status, note)
    assert history(alice_kyb)[-1] == (status.value, "reviewer@tink.example", note)
    assert AuditEvent.objects.get(action=audit).actor == reviewer
    assert admin_history(alice_kyb) == [f"{status.label}: {note}"]
    [mail] = mailoutbox
    assert note in mail.body
    granted = ProductionGrant.objects.filter(organization=alice_kyb.organization).exists()
    assert granted == (status == KybStatus.APPROVED)


@pytest.mark.parametrize("slug", BUTTONS)
def test_the_button_and_the_action_record_the_same(
    staff_client, alice_kyb, charlie_kyb, django_capture_on_commit_callbacks, slug
):
    action = slug.replace("-", "_")
    note = "The same decision, two ways."
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(review_url(alice_kyb, slug), {"apply": "1", "note": note})
    decide(staff_client, django_capture_on_commit_callbacks, action, charlie_kyb, note=note)

    def records(submission):
        submission.refresh_from_db()
        audit = AuditEvent.objects.filter(organization=submission.organization).latest("pk")
        return (
            submission.status,
            submission.reviewer_note,
            history(submission),
            (audit.action, audit.actor_email, audit.details),
            admin_history(submission),
        )

    by_button, by_action = records(alice_kyb), records(charlie_kyb)
    by_button[2][0] = by_action[2][0]  # the submitted entries name their own owners
    assert by_button == by_action


@pytest.mark.parametrize("slug", ["request-changes", "reject"])
@pytest.mark.parametrize("note", ["", "  \n "])
def test_request_changes_and_reject_from_the_change_page_need_a_note(
    staff_client, alice_kyb, django_capture_on_commit_callbacks, mailoutbox, slug, note
):
    before = state(alice_kyb)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(review_url(alice_kyb, slug), {"apply": "1", "note": note})
    assert response.status_code == 200
    assert NOTE_REQUIRED[slug] in response.content.decode()
    assert state(alice_kyb) == before
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("decided", "reason"),
    [
        ("approve", "Approved on 2 Dec 2026, 14:27: only a KYB under review can be decided."),
        ("reject", "Rejected on 2 Dec 2026, 14:27: only a KYB under review can be decided."),
        (
            "request_changes",
            "Changes were requested on 2 Dec 2026, 14:27: it is back under review once the "
            "organization submits it again.",
        ),
    ],
)
def test_a_submission_not_under_review_shows_the_buttons_disabled_with_the_reason(
    staff_client, reviewer, alice_kyb, decided, reason
):
    getattr(services, f"kyb_submission_{decided}")(
        submission=alice_kyb, reviewer=reviewer, note="Decided."
    )
    KybSubmission.objects.filter(pk=alice_kyb.pk).update(decided_at=DECIDED_AT)

    page = staff_client.get(change_url(alice_kyb)).content.decode()

    assert buttons_on(page) == {}
    assert disabled_buttons_on(page) == ["Approve", "Request changes", "Reject"]
    assert f'<p id="no-decision">{reason}</p>' in page.replace("&#x27;", "'")


@pytest.mark.parametrize("slug", BUTTONS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_review_url_of_a_submission_not_under_review_is_refused_with_a_message(
    staff_client, reviewer, alice_kyb, django_capture_on_commit_callbacks, mailoutbox, slug, method
):
    services.kyb_submission_approve(submission=alice_kyb, reviewer=reviewer)
    KybSubmission.objects.filter(pk=alice_kyb.pk).update(decided_at=DECIDED_AT)
    before = state(alice_kyb)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(staff_client, method)(
            review_url(alice_kyb, slug), {"apply": "1", "note": "Again"}
        )

    assert response.status_code == 302
    assert response["Location"] == change_url(alice_kyb)
    assert messages_of(staff_client.get(response["Location"])) == [
        (
            "error",
            "Alice Fintech AB: Approved on 2 Dec 2026, 14:27: only a KYB under review can be "
            "decided.",
        )
    ]
    assert state(alice_kyb) == before
    assert mailoutbox == []


def test_a_decision_taken_meanwhile_is_reported_by_the_service(
    staff_client, reviewer, alice_kyb, django_capture_on_commit_callbacks
):
    """Another reviewer decides while this one writes the note: the service refuses."""
    page = staff_client.get(review_url(alice_kyb, "reject"))
    assert page.status_code == 200
    real = services.kyb_submission_reject

    def decided_meanwhile(**kwargs):
        services.kyb_submission_approve(submission=kwargs["submission"], reviewer=reviewer)
        return real(**kwargs)

    from kyb import admin as kyb_admin

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(
            kyb_admin.KYB_DECISIONS,
            "reject",
            kyb_admin.KybDecision(KybStatus.REJECTED, decided_meanwhile, "Reject", "Reject"),
        )
        response = staff_client.post(review_url(alice_kyb, "reject"), {"apply": "1", "note": "No"})

    assert messages_of(staff_client.get(response["Location"])) == [
        ("error", "Alice Fintech AB: A KYB that is approved can't become rejected.")
    ]
    alice_kyb.refresh_from_db()
    assert alice_kyb.status == KybStatus.APPROVED


def test_staff_without_the_review_permission_see_no_decision_buttons(
    client, viewer_staff, alice_kyb
):
    client.force_login(viewer_staff)
    page = client.get(change_url(alice_kyb)).content.decode()
    assert "Alice Fintech AB" in page
    assert "/review/" not in page
    assert 'id="decision"' not in page
    assert 'href="#decision"' not in page


@pytest.mark.parametrize("slug", BUTTONS)
def test_a_forged_button_post_without_the_review_permission_changes_nothing(
    client, viewer_staff, alice_kyb, django_capture_on_commit_callbacks, mailoutbox, slug
):
    client.force_login(viewer_staff)
    before = state(alice_kyb)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        opened = client.get(review_url(alice_kyb, slug))
        forged = client.post(review_url(alice_kyb, slug), {"apply": "1", "note": "Forged"})
    assert (opened.status_code, forged.status_code) == (403, 403)
    assert state(alice_kyb) == before
    assert mailoutbox == []


def test_a_forged_button_post_by_a_non_staff_user_changes_nothing(alice_client, alice_kyb):
    before = state(alice_kyb)
    response = alice_client.post(review_url(alice_kyb, "approve"), {"apply": "1"})
    assert response.status_code in (302, 403)
    assert state(alice_kyb) == before


def test_a_draft_or_an_unknown_decision_has_no_review_page(
    staff_client, alice_kyb, charlie, catalog
):
    draft = complete_kyb(charlie)
    assert staff_client.get(review_url(draft, "approve")).status_code == 404
    assert staff_client.get(review_url(alice_kyb, "escalate")).status_code == 404
