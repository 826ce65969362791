"""Staff review KYB in Django admin: the real admin pages, driven through the test client.

The actions go through the same services as the code; each decision is recorded in the
append-only review history and the audit log, and emails the organization's owners and admins.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from apps import selectors as app_selectors
from apps.models import App
from kyb import documents as kyb_documents
from kyb import services
from kyb.models import (
    AccessStatus,
    KybReview,
    KybStatus,
    KybSubmission,
    ProductionAccessRequest,
)
from products.models import Product, ProductionGrant
from tests.conftest import PASSWORD, give_two_factor, organization_of
from tests.kyb import files
from tests.kyb.conftest import COMPANY, complete_kyb, request_access, submit_kyb

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/kyb/kybsubmission/"
ACCESS_CHANGELIST = "/admin/kyb/productionaccessrequest/"
# The services' note rule, by the action or the change-page slug that needs a note.
NOTE_REQUIRED = {
    "request_changes": "Tell the organization what to change.",
    "request-changes": "Tell the organization what to change.",
    "reject": "Give the reason for the rejection.",
}
NORTHWIND = {
    **COMPANY,
    "legal_name": "Northwind Payments Ltd",
    "registration_number": "GB-07012345",
    "country": "GB",
}


def submit_as(user, **company) -> KybSubmission:
    """Steps 1 to 4, with these company details."""
    complete_kyb(user)
    organization = organization_of(user)
    services.kyb_company_update(organization=organization, updated_by=user, **company)
    return services.kyb_submit(organization=organization, submitted_by=user)


@pytest.fixture
def staff_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def alice_kyb(alice, catalog) -> KybSubmission:
    return submit_kyb(alice)


@pytest.fixture
def charlie_kyb(charlie, catalog) -> KybSubmission:
    return submit_as(charlie, **NORTHWIND)


def listed(response) -> list[str]:
    """The organizations in the changelist's rows."""
    assert response.status_code == 200
    return re.findall(
        r'<td class="field-organization nowrap">([^<]+)</td>', response.content.decode()
    )


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in response.context["messages"]]


def confirm_page(client, action: str, *objects, url: str = CHANGELIST):
    """The first POST, as the changelist's "Go" button sends it: the intermediate page."""
    return client.post(
        url, {"action": action, "_selected_action": [obj.pk for obj in objects], "index": "0"}
    )


def apply(client, action: str, *objects, note: str = "", url: str = CHANGELIST):
    """The intermediate page's POST."""
    return client.post(
        url,
        {
            "action": action,
            "_selected_action": [obj.pk for obj in objects],
            "apply": "1",
            "note": note,
        },
    )


def decide(client, captured, action: str, *objects, note: str = "", url: str = CHANGELIST):
    """Open the intermediate page, then apply the decision; emails are sent on commit."""
    page = confirm_page(client, action, *objects, url=url)
    assert page.status_code == 200
    assert 'name="note"' in page.content.decode()
    with captured(execute=True):
        response = apply(client, action, *objects, note=note, url=url)
    return response


def history(submission: KybSubmission) -> list[tuple[str, str, str]]:
    return list(
        KybReview.objects.filter(submission=submission).values_list(
            "decision", "actor_email", "note"
        )
    )


def state(*submissions: KybSubmission) -> list:
    """Everything a review decision writes, to show that a refused one wrote nothing."""
    pks = [submission.pk for submission in submissions]
    return [
        list(KybSubmission.objects.filter(pk__in=pks).values_list("status", "reviewer_note")),
        KybReview.objects.filter(submission__in=pks).count(),
        list(ProductionAccessRequest.objects.values_list("status", flat=True)),
        ProductionGrant.objects.count(),
        AuditEvent.objects.count(),
    ]


def production_app_of(user) -> App:
    return App.objects.get(organization=organization_of(user), app_type=App.Type.PRODUCTION)


def scopes_of(*slugs: str) -> frozenset[str]:
    return frozenset(
        scope for product in Product.objects.filter(slug__in=slugs) for scope in product.scopes
    )


# --- Who reaches the admin ------------------------------------------------------------------


def test_non_staff_users_cannot_reach_the_admin(alice_client, alice_kyb):
    for url in ("/admin/", CHANGELIST, f"{CHANGELIST}{alice_kyb.pk}/change/"):
        response = alice_client.get(url, follow=True)
        assert response.status_code == 403, url


def test_a_forged_action_post_by_a_non_staff_user_changes_nothing(alice_client, alice_kyb):
    before = state(alice_kyb)
    response = apply(alice_client, "approve", alice_kyb, note="Looks good")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert state(alice_kyb) == before


def test_anonymous_visitors_are_sent_to_the_console_log_in(client, reviewer, alice_kyb):
    response = client.get(CHANGELIST, follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert response.status_code == 200
    # The admin's own log-in form is never served, so its throttling is the Console's.
    login = client.get("/admin/login/")
    assert login.status_code == 302
    assert login["Location"].startswith("/accounts/login/")
    client.post("/admin/login/", {"username": reviewer.email, "password": PASSWORD})
    assert client.get(CHANGELIST).status_code == 302


# --- The changelist -------------------------------------------------------------------------


def test_the_changelist_lists_submitted_kybs_and_hides_drafts(
    staff_client, alice_kyb, charlie, catalog
):
    complete_kyb(charlie)  # a complete draft, never submitted
    assert listed(staff_client.get(CHANGELIST)) == ["Alice Fintech"]


def test_the_changelist_filters_by_status_country_and_submitted_date(
    staff_client, reviewer, alice_kyb, charlie_kyb
):
    services.kyb_submission_approve(submission=charlie_kyb, reviewer=reviewer)
    page = staff_client.get(CHANGELIST).content.decode()
    assert "By status" in page
    assert "By country of registration" in page
    assert "By submitted at" in page

    assert listed(staff_client.get(CHANGELIST, {"status__exact": "approved"})) == ["Charlie Bank"]
    assert listed(staff_client.get(CHANGELIST, {"status__exact": "submitted"})) == ["Alice Fintech"]
    assert listed(staff_client.get(CHANGELIST, {"country__exact": "GB"})) == ["Charlie Bank"]
    assert listed(staff_client.get(CHANGELIST, {"country__exact": "SE"})) == ["Alice Fintech"]

    # Charlie submitted last month; the filter's own "Today" link keeps only alice.
    KybSubmission.objects.filter(pk=charlie_kyb.pk).update(
        submitted_at=timezone.now() - timedelta(days=40)
    )
    page = staff_client.get(CHANGELIST).content.decode()
    today = re.search(r'<a href="(\?submitted_at__gte=[^"]+)">Today</a>', page)
    assert today, "the submitted-date filter offers Today"
    url = CHANGELIST + today.group(1).replace("&amp;", "&")
    assert listed(staff_client.get(url)) == ["Alice Fintech"]


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("Northwind", ["Charlie Bank"]),  # the legal entity name
        ("alice fintech ab", ["Alice Fintech"]),
        ("Charlie Bank", ["Charlie Bank"]),  # the organization's name
        ("556677-8899", ["Alice Fintech"]),  # the exact registration number
        (" 556677-8899 ", ["Alice Fintech"]),  # spaces around it are ignored
        ("gb-07012345", ["Charlie Bank"]),  # and letter case
        ("556677", []),  # only an exact number: the column is encrypted
        ("556677-8898", []),
    ],
)
def test_staff_search_by_entity_name_organization_or_exact_registration_number(
    staff_client, alice_kyb, charlie_kyb, term, found
):
    assert sorted(listed(staff_client.get(CHANGELIST, {"q": term}))) == found


def test_a_search_by_registration_number_never_finds_a_draft(
    staff_client, alice_kyb, make_user, catalog
):
    dora = make_user("dora@example.com", organization="Dora Draft")
    complete_kyb(dora)  # the same registration number, still a draft
    assert listed(staff_client.get(CHANGELIST, {"q": "556677-8899"})) == ["Alice Fintech"]


# --- The change page: the whole submission --------------------------------------------------


def test_the_change_page_shows_the_full_submission(staff_client, alice, alice_kyb):
    page = staff_client.get(f"{CHANGELIST}{alice_kyb.pk}/change/").content.decode()
    # The company, with the encrypted fields in clear for the reviewer.
    for text in (
        "Alice Fintech AB",
        "556677-8899",
        "SE556677889901",
        "Sweden",
        "Sveavägen 1, 111 57 Stockholm",
        "Under review",
    ):
        assert text in page, text
    # The owners (date of birth decrypted), the directors and the documents.
    assert "<p>Alice Andersson</p>" in page
    assert "<p>17 May 1984</p>" in page  # dates as the console shows them
    assert "<p>60.00</p>" in page
    assert "<p>Bo Berg</p>" in page
    for label in ("Certificate of incorporation", "Proof of address", "ID of a director"):
        assert f"<p>{label}</p>" in page, label
    # The organization's access requests and the review history.
    assert (
        "<strong>Transactions</strong> — Under review — apps: Alice live — use case: "
        "Categorise our customers&#x27; transactions." in page
    )
    assert "Review history (append-only)" in page
    assert "<p>Submitted</p>" in page
    assert "<p>alice@example.com</p>" in page


def test_the_reviewer_downloads_each_document_from_the_change_page(staff_client, alice_kyb):
    page = staff_client.get(f"{CHANGELIST}{alice_kyb.pk}/change/").content.decode()
    links = re.findall(r'<a href="(/kyb/documents/[0-9a-f-]{36}/download/)">Download ', page)
    assert sorted(links) == sorted(
        f"/kyb/documents/{document.pk}/download/" for document in alice_kyb.documents.all()
    )
    for link in links:
        response = staff_client.get(link)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment; ")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response.content == files.pdf()


def test_the_admin_offers_no_way_to_edit_or_delete_a_submission_or_its_history(
    staff_client, alice_kyb
):
    url = f"{CHANGELIST}{alice_kyb.pk}/change/"
    page = staff_client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert '-DELETE"' not in page  # no delete box on any inline row
    for inline in ("owners", "directors", "documents", "reviews"):
        # No row can be added either.
        assert f'name="{inline}-MAX_NUM_FORMS" value="0"' in page, inline
    assert staff_client.post(url, {"status": "approved"}).status_code == 403
    assert staff_client.get(f"{CHANGELIST}{alice_kyb.pk}/delete/").status_code == 403
    assert staff_client.get("/admin/kyb/kybreview/").status_code == 404
    assert KybSubmission.objects.get().status == KybStatus.SUBMITTED


def test_the_review_history_refuses_a_change_or_a_deletion(alice_kyb):
    entry = KybReview.objects.get(submission=alice_kyb)
    entry.note = "rewritten"
    with pytest.raises(ValidationError, match="append-only"):
        entry.save()
    with pytest.raises(ValidationError, match="append-only"):
        entry.delete()
    assert history(alice_kyb) == [("submitted", "alice@example.com", "")]


# --- The actions ----------------------------------------------------------------------------


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


# --- Staff without the review permission ----------------------------------------------------


@pytest.fixture
def viewer_staff(make_user):
    """Staff who may view KYB submissions but not review them."""
    user = make_user("auditor@tink.example", organization=None)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(
        Permission.objects.get(codename="view_kybsubmission"),
        Permission.objects.get(codename="view_productionaccessrequest"),
    )
    give_two_factor(user)  # staff need it for the admin
    return user


def test_staff_without_the_review_permission_see_no_actions(client, viewer_staff, alice_kyb):
    client.force_login(viewer_staff)
    page = client.get(CHANGELIST).content.decode()
    assert "Alice Fintech AB" in page
    assert 'name="action"' not in page
    assert '<option value="approve">' not in page
    assert 'name="action"' not in client.get(ACCESS_CHANGELIST).content.decode()
    change = client.get(f"{CHANGELIST}{alice_kyb.pk}/change/")
    assert change.status_code == 200


@pytest.mark.parametrize("action", ["approve", "request_changes", "reject"])
def test_a_forged_action_post_without_the_review_permission_changes_nothing(
    client, viewer_staff, alice_kyb, django_capture_on_commit_callbacks, mailoutbox, action
):
    client.force_login(viewer_staff)
    before = state(alice_kyb)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        confirm_page(client, action, alice_kyb)
        response = apply(client, action, alice_kyb, note="Forged")
    # The action isn't offered to them: the POST just shows the list again.
    assert response.status_code == 200
    assert "are you sure?" not in response.content.decode()
    assert "<h1>Select KYB submission to view</h1>" in response.content.decode()
    assert state(alice_kyb) == before
    assert mailoutbox == []


def test_the_review_services_refuse_staff_without_the_permission(viewer_staff, alice_kyb):
    with pytest.raises(PermissionDenied):
        services.kyb_submission_approve(submission=alice_kyb, reviewer=viewer_staff)
    alice_kyb.refresh_from_db()
    assert alice_kyb.status == KybStatus.SUBMITTED


# --- Production access requests after an approved KYB ---------------------------------------


@pytest.fixture
def approved_alice(alice, reviewer, alice_kyb) -> KybSubmission:
    return services.kyb_submission_approve(submission=alice_kyb, reviewer=reviewer)


def test_a_product_requested_after_approval_is_under_review_and_can_be_approved(
    staff_client,
    alice,
    approved_alice,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    [access] = request_access(alice, "income-check")
    assert access.status == AccessStatus.UNDER_REVIEW
    page = staff_client.get(ACCESS_CHANGELIST).content.decode()
    assert "Income Check" in page and "Under review" in page
    change = staff_client.get(f"{ACCESS_CHANGELIST}{access.pk}/change/").content.decode()
    assert "Categorise our customers&#x27; transactions." in change
    assert "Alice live" in change
    app = production_app_of(alice)
    assert "income-checks:read" not in app_selectors.allowed_scopes(app=app)
    mailoutbox.clear()

    response = decide(
        staff_client, django_capture_on_commit_callbacks, "approve", access, url=ACCESS_CHANGELIST
    )

    assert response.status_code == 302
    assert messages_of(staff_client.get(response["Location"])) == [
        ("info", "Approve: 1 production access request.")
    ]
    access.refresh_from_db()
    assert access.status == AccessStatus.APPROVED
    assert ProductionGrant.objects.filter(product__slug="income-check").exists()
    assert app_selectors.allowed_scopes(app=app) == scopes_of("transactions", "income-check")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PRODUCTION_ACCESS_APPROVE).exists()
    [mail] = mailoutbox
    assert mail.subject == "Console: Production access to Income Check approved"
    assert mail.to == ["alice@example.com"]


def test_a_product_requested_after_approval_can_be_rejected_with_a_reason(
    staff_client, alice, approved_alice, django_capture_on_commit_callbacks, mailoutbox
):
    [access] = request_access(alice, "payment-initiation")
    mailoutbox.clear()
    refused = apply(staff_client, "reject", access, url=ACCESS_CHANGELIST)
    assert refused.status_code == 200
    assert NOTE_REQUIRED["reject"] in refused.content.decode()
    access.refresh_from_db()
    assert access.status == AccessStatus.UNDER_REVIEW

    response = decide(
        staff_client,
        django_capture_on_commit_callbacks,
        "reject",
        access,
        note="Payments need a licence.",
        url=ACCESS_CHANGELIST,
    )

    assert response.status_code == 302
    access.refresh_from_db()
    assert access.status == AccessStatus.REJECTED
    assert not ProductionGrant.objects.filter(product__slug="payment-initiation").exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.PRODUCTION_ACCESS_REJECT)
    assert event.details["note"] == "Payments need a licence."
    [mail] = mailoutbox
    assert mail.subject == "Console: Production access to Payment Initiation rejected"
    assert "Payments need a licence." in mail.body


def test_a_request_that_follows_its_kyb_is_not_decided_on_its_own(
    staff_client, alice_kyb, django_capture_on_commit_callbacks
):
    access = ProductionAccessRequest.objects.get()
    response = decide(
        staff_client, django_capture_on_commit_callbacks, "approve", access, url=ACCESS_CHANGELIST
    )
    [(level, message)] = messages_of(staff_client.get(response["Location"]))
    assert level == "error"
    assert "the others follow their KYB" in message
    access.refresh_from_db()
    assert access.status == AccessStatus.UNDER_REVIEW
    assert not ProductionGrant.objects.exists()


# --- Changes requested, then resubmitted ----------------------------------------------------


def test_after_changes_are_requested_the_organization_resubmits_and_is_approved(
    staff_client, alice, alice_kyb, django_capture_on_commit_callbacks
):
    note = "Upload a recent proof of address."
    decide(
        staff_client, django_capture_on_commit_callbacks, "request_changes", alice_kyb, note=note
    )

    alice_browser = Client()  # staff_client is the `client` fixture, logged in as reviewer
    alice_browser.force_login(alice)
    page = alice_browser.get("/kyb/", follow=True).content.decode()
    assert "Note from our review team" in page and note in page
    assert "Changes requested" in page

    organization = organization_of(alice)
    old = alice_kyb.documents.get(kind="proof_of_address")
    kyb_documents.kyb_document_remove(organization=organization, document_id=str(old.pk))
    kyb_documents.kyb_document_add(
        organization=organization,
        uploaded_by=alice,
        kind="proof_of_address",
        upload=files.upload("address.png", files.png(), "image/png"),
    )
    services.kyb_submit(organization=organization, submitted_by=alice)
    assert listed(staff_client.get(CHANGELIST, {"status__exact": "submitted"})) == ["Alice Fintech"]
    assert ProductionAccessRequest.objects.get().status == AccessStatus.UNDER_REVIEW

    decide(staff_client, django_capture_on_commit_callbacks, "approve", alice_kyb)

    alice_kyb.refresh_from_db()
    assert alice_kyb.status == KybStatus.APPROVED
    assert [decision for decision, _, _ in history(alice_kyb)] == [
        "submitted",
        "changes_requested",
        "submitted",
        "approved",
    ]
    assert ProductionGrant.objects.filter(organization=organization).count() == 1


# --- The change page's decision buttons -----------------------------------------------------

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


def change_url(submission) -> str:
    return f"{CHANGELIST}{submission.pk}/change/"


def review_url(submission, slug: str) -> str:
    return f"{CHANGELIST}{submission.pk}/review/{slug}/"


def buttons_on(page: str) -> dict[str, str]:
    """The decision buttons that lead somewhere: verb → URL."""
    return {
        verb: url
        for url, verb in re.findall(
            r'<a class="button(?: deletelink)?" href="([^"]+/review/[^"]+)">([^<]+)</a>', page
        )
    }


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


# --- The queue: submissions under review, oldest first --------------------------------------

QUEUE = "/admin/kyb/kybsubmissionunderreview/"
DECIDED_AT = datetime(2026, 12, 2, 14, 27, 5, tzinfo=UTC)


@pytest.fixture
def three_waiting(alice_kyb, charlie_kyb, make_user, catalog) -> list[KybSubmission]:
    """Alice's waiting 2 hours, Dora's 3 days, Charlie's 10 minutes."""
    dora = make_user("dora@example.com", organization="Dora Lending")
    dora_kyb = submit_as(dora, **{**NORTHWIND, "legal_name": "Dora Lending AS", "country": "NO"})
    now = timezone.now()
    for submission, age in (
        (alice_kyb, timedelta(hours=2, minutes=5)),
        (dora_kyb, timedelta(days=3, hours=1)),
        (charlie_kyb, timedelta(minutes=10, seconds=30)),
    ):
        KybSubmission.objects.filter(pk=submission.pk).update(submitted_at=now - age)
    return [dora_kyb, alice_kyb, charlie_kyb]


def queue_rows(response) -> list[tuple[str, str, str]]:
    """(link, name, waiting) of each row of the queue."""
    assert response.status_code == 200
    return re.findall(
        r'<th class="field-submission"><a href="([^"]+)">([^<]+)</a></th>'
        r'<td class="field-waiting">([^<]+)</td>',
        response.content.decode(),
    )


def test_the_queue_lists_submissions_under_review_oldest_first_with_their_wait(
    staff_client, reviewer, three_waiting, make_user
):
    dora_kyb, alice_kyb, charlie_kyb = three_waiting
    erin = make_user("erin@example.com", organization="Erin Decided")
    decided = submit_as(erin, **{**NORTHWIND, "legal_name": "Erin Decided Ltd"})
    services.kyb_submission_approve(submission=decided, reviewer=reviewer)

    response = staff_client.get(QUEUE)

    assert "<h1>Submissions under review, oldest first</h1>" in response.content.decode()
    assert queue_rows(response) == [
        (change_url(dora_kyb), "Dora Lending AS", "3\xa0days, 1\xa0hour"),
        (change_url(alice_kyb), "Alice Fintech AB", "2\xa0hours, 5\xa0minutes"),
        (change_url(charlie_kyb), "Northwind Payments Ltd", "10\xa0minutes"),
    ]
    assert "3 submissions under review" in response.content.decode()


def test_the_queue_is_linked_from_the_admin_index_and_the_kyb_list(staff_client, three_waiting):
    index = staff_client.get("/admin/").content.decode()
    assert f'<a href="{QUEUE}">Submissions under review</a>' in index
    kyb_list = staff_client.get(CHANGELIST).content.decode()
    assert f'<a href="{QUEUE}">Submissions under review: 3</a>' in kyb_list


def test_a_queue_row_opens_the_submission_page_with_its_buttons(staff_client, three_waiting):
    dora_kyb = three_waiting[0]
    [(link, _, _), *_] = queue_rows(staff_client.get(QUEUE))
    assert "Approve" in buttons_on(staff_client.get(link).content.decode())
    # The queue has no page of its own per submission.
    response = staff_client.get(f"{QUEUE}{dora_kyb.pk}/change/")
    assert response.status_code == 302
    assert response["Location"] == change_url(dora_kyb)


def test_deciding_from_the_queue_takes_the_submission_out_of_it(
    staff_client, three_waiting, django_capture_on_commit_callbacks
):
    dora_kyb = three_waiting[0]
    response = decide(
        staff_client, django_capture_on_commit_callbacks, "approve", dora_kyb, url=QUEUE
    )
    assert response["Location"] == QUEUE
    after = staff_client.get(QUEUE)
    assert messages_of(after) == [("info", "Approve: 1 KYB submission.")]
    assert [name for _, name, _ in queue_rows(after)] == [
        "Alice Fintech AB",
        "Northwind Payments Ltd",
    ]
    dora_kyb.refresh_from_db()
    assert dora_kyb.status == KybStatus.APPROVED


def test_staff_who_may_view_kyb_see_the_queue_without_its_actions(
    client, viewer_staff, three_waiting, make_user
):
    client.force_login(viewer_staff)
    response = client.get(QUEUE)
    assert len(queue_rows(response)) == 3
    assert 'name="action"' not in response.content.decode()

    other = make_user("support@tink.example", organization=None)
    other.is_staff = True
    other.save(update_fields=["is_staff"])
    give_two_factor(other)
    client.force_login(other)
    assert client.get(QUEUE).status_code == 403


# --- The admin's timestamps read as the Console's --------------------------------------------


def test_the_admin_lists_and_pages_show_timestamps_as_the_console_does(
    staff_client, reviewer, alice_kyb
):
    services.kyb_submission_approve(submission=alice_kyb, reviewer=reviewer)
    KybSubmission.objects.filter(pk=alice_kyb.pk).update(
        submitted_at=datetime(2026, 11, 30, 9, 5, tzinfo=UTC), decided_at=DECIDED_AT
    )

    row = staff_client.get(CHANGELIST).content.decode()
    assert '<td class="field-submitted_at nowrap">30 Nov 2026, 09:05</td>' in row
    assert '<td class="field-decided_at nowrap">2 Dec 2026, 14:27</td>' in row
    page = staff_client.get(change_url(alice_kyb)).content.decode()
    assert '<div class="readonly">30 Nov 2026, 09:05</div>' in page
    assert '<div class="readonly">2 Dec 2026, 14:27</div>' in page
    access = staff_client.get(ACCESS_CHANGELIST).content.decode()
    assert re.search(
        r'<td class="field-created_at nowrap">\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d</td>', access
    )
