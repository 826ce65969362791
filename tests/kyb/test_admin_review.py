"""Staff review KYB in Django admin: the real admin pages, driven through the test client.

The actions go through the same services as the code; each decision is recorded in the
append-only review history and the audit log, and emails the organization's owners and admins.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from apps import selectors as app_selectors
from apps.models import App
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
NOTE_REQUIRED = "Write the note the organization will read."
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
    assert NOTE_REQUIRED in page
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
    assert NOTE_REQUIRED in refused.content.decode()
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
    services.kyb_document_remove(organization=organization, document_id=str(old.pk))
    services.kyb_document_add(
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
