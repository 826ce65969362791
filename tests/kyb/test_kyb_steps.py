"""The KYB's five steps (issue 12): where Next, Back and the progress list lead, what each step
page keeps of what was typed, the Contact sales pre-fill, the "nobody owns 25 %" answer on the
owners step, each step's status, the uploader's own file name, one date format, and a small,
fixed number of queries per page."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import encryption
from kyb import documents as kyb_documents
from kyb import selectors, services
from kyb.models import BeneficialOwner, Director, KybDocument, KybStep, KybSubmission
from kyb.uploads import MAX_DISPLAY_NAME, display_name
from kyb.views import TYPED_KEY
from tests.conftest import contact_sales
from tests.kyb import files
from tests.kyb.conftest import COMPANY, OWNER, complete_kyb, text

COMPANY_URL = "/kyb/company/"
OWNERS_URL = "/kyb/owners/"
DIRECTORS_URL = "/kyb/directors/"
DOCUMENTS_URL = "/kyb/documents/"
REVIEW_URL = "/kyb/review/"
STEP_URLS = [COMPANY_URL, OWNERS_URL, DIRECTORS_URL, DOCUMENTS_URL, REVIEW_URL]


def submission_of(organization) -> KybSubmission:
    return KybSubmission.objects.get(organization=organization)


def owner_post(**changes) -> dict[str, str]:
    return {
        "full_name": "Alice Andersson",
        "date_of_birth": "1984-05-17",
        "nationality": "SE",
        "ownership": "60",
        "go": "",
        **changes,
    }


# --- /kyb/ and where the buttons lead ---------------------------------------------------------


def test_kyb_leads_to_the_first_step_not_done(owner_client, alice, ready):
    assert owner_client.get("/kyb/")["Location"] == COMPANY_URL
    services.kyb_company_update(organization=ready, updated_by=alice, **COMPANY)
    assert owner_client.get("/kyb/")["Location"] == OWNERS_URL
    services.beneficial_owners_update(
        organization=ready, updated_by=alice, no_beneficial_owners=True
    )
    assert owner_client.get("/kyb/")["Location"] == DIRECTORS_URL
    services.beneficial_owners_update(
        organization=ready, updated_by=alice, no_beneficial_owners=False
    )
    complete_kyb(alice)
    assert owner_client.get("/kyb/")["Location"] == REVIEW_URL


@pytest.mark.parametrize(
    ("url", "action", "go", "lands"),
    [
        (COMPANY_URL, "next", "", OWNERS_URL),
        (OWNERS_URL, "back", "", COMPANY_URL),
        (OWNERS_URL, "next", "", DIRECTORS_URL),
        (DIRECTORS_URL, "back", "", OWNERS_URL),
        (DIRECTORS_URL, "next", "", DOCUMENTS_URL),
        (DOCUMENTS_URL, "back", "", DIRECTORS_URL),
        (DOCUMENTS_URL, "next", "", REVIEW_URL),
        (COMPANY_URL, "", "review", REVIEW_URL),  # a progress link, after typing (console.js)
        (DOCUMENTS_URL, "next", "owners", OWNERS_URL),
        (OWNERS_URL, "next", "nowhere", DIRECTORS_URL),
    ],
)
def test_back_next_and_progress_links_lead_to_their_step(url, action, go, lands, owner_client):
    data = {"action": action, "go": go} if action else {"go": go}
    response = owner_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == lands


def test_next_on_the_company_step_saves_what_was_typed(owner_client, ready):
    response = owner_client.post(
        COMPANY_URL, {"legal_name": "Alice Fintech AB", "tax_id": "SE1", "action": "next"}
    )
    assert response["Location"] == OWNERS_URL
    submission = submission_of(ready)
    assert (submission.legal_name, submission.tax_id) == ("Alice Fintech AB", "SE1")


def test_back_with_an_invalid_value_stays_saves_nothing_and_keeps_every_value(owner_client, ready):
    response = owner_client.post(
        COMPANY_URL,
        {"legal_name": "Alice Fintech AB", "website": "not a website", "action": "back"},
    )
    assert response.status_code == 400
    page = text(response)
    assert 'value="Alice Fintech AB"' in page
    assert 'value="not a website"' in page
    assert "Enter a valid URL, like https://example.com." in page
    # The page opens at the field to fix.
    assert re.search(r'<input type="url" name="website"[^>]* autofocus', page)
    assert not KybSubmission.objects.filter(organization=ready).exists()


def test_next_on_the_owners_step_adds_the_owner_typed_in(owner_client, ready):
    response = owner_client.post(OWNERS_URL, owner_post(action="next"))
    assert response["Location"] == DIRECTORS_URL
    assert BeneficialOwner.objects.get().full_name == "Alice Andersson"


def test_next_with_a_half_typed_owner_stays_with_the_errors_and_saves_nothing(owner_client, ready):
    data = {"full_name": "Bo Berg", "no_beneficial_owners": "on", "action": "next", "go": ""}
    response = owner_client.post(OWNERS_URL, data)
    assert response.status_code == 400
    page = text(response)
    assert 'value="Bo Berg"' in page
    assert "Enter the owner's date of birth." in page
    assert re.search(r'name="no_beneficial_owners"[^>]* checked', page)
    assert not BeneficialOwner.objects.exists()
    assert not KybSubmission.objects.filter(organization=ready, no_beneficial_owners=True).exists()


def test_an_empty_add_form_is_no_obstacle_to_next(owner_client, ready):
    assert owner_client.post(DIRECTORS_URL, {"action": "next"})["Location"] == DOCUMENTS_URL
    assert owner_client.post(DOCUMENTS_URL, {"action": "next"})["Location"] == REVIEW_URL
    assert not Director.objects.exists() and not KybDocument.objects.exists()


def test_next_on_the_directors_step_adds_the_director_typed_in(owner_client, ready):
    data = {"full_name": "Bo Berg", "nationality": "NO", "action": "next"}
    response = owner_client.post(DIRECTORS_URL, data)
    assert response["Location"] == DOCUMENTS_URL
    assert Director.objects.get().full_name == "Bo Berg"


def test_next_on_the_documents_step_uploads_the_file_chosen(owner_client, ready):
    upload = files.upload("certificate.pdf", files.pdf())
    response = owner_client.post(
        DOCUMENTS_URL, {"kind": "incorporation", "file": upload, "action": "next"}
    )
    assert response["Location"] == REVIEW_URL
    assert KybDocument.objects.get().kind == "incorporation"


def test_add_owner_stays_on_the_step_at_its_list(owner_client, ready):
    response = owner_client.post(OWNERS_URL, owner_post(action="add"))
    assert response["Location"] == f"{OWNERS_URL}#step"
    page = text(owner_client.get(OWNERS_URL))
    assert "Beneficial owner added." in page
    # The message is shown in the step, not above the page.
    assert page.index('id="step"') < page.index("Beneficial owner added.")


def test_removing_an_owner_keeps_what_was_typed_on_the_page_encrypted_until_shown(
    owner_client, alice, ready
):
    owner = services.beneficial_owner_add(organization=ready, added_by=alice, **OWNER)
    typed = {"full_name": "Bo Berg", "date_of_birth": "1980-01-02", "ownership": "30", "go": ""}
    response = owner_client.post(reverse("kyb:owner_remove", args=[owner.pk]), typed)
    assert response["Location"] == f"{OWNERS_URL}#step"
    assert not BeneficialOwner.objects.exists()
    kept = owner_client.session[TYPED_KEY]
    assert "1980-01-02" not in kept and "Bo Berg" not in kept
    assert json.loads(encryption.decrypt(kept))["data"]["full_name"] == "Bo Berg"

    page = text(owner_client.get(OWNERS_URL))
    assert 'value="Bo Berg"' in page and 'value="1980-01-02"' in page and 'value="30"' in page
    assert "Enter the owner's" not in page  # kept values, not a failed form
    assert TYPED_KEY not in owner_client.session
    assert 'value="Bo Berg"' not in text(owner_client.get(OWNERS_URL))  # shown once


def test_removing_a_document_says_that_a_chosen_file_was_not_uploaded(owner_client, alice, ready):
    document = kyb_documents.kyb_document_add(
        organization=ready,
        uploaded_by=alice,
        kind="incorporation",
        upload=files.upload("certificate.pdf", files.pdf()),
    )
    data = {"kind": "proof_of_address", "file": "bill.pdf", "go": ""}
    owner_client.post(reverse("kyb:document_remove", args=[document.pk]), data)
    page = text(owner_client.get(DOCUMENTS_URL))
    assert "Document removed. The file you chose wasn't uploaded: choose it again." in page
    assert '<option value="proof_of_address" selected>' in page


def test_a_link_to_a_missing_document_chooses_its_kind(owner_client):
    page = text(owner_client.get(f"{DOCUMENTS_URL}?kind=director_id"))
    assert '<option value="director_id" selected>' in page


def test_enter_in_a_step_with_a_list_adds_rather_than_removes(owner_client, alice, ready):
    """The first submit button of the owners form (the one Enter presses) adds an owner."""
    services.beneficial_owner_add(organization=ready, added_by=alice, **OWNER)
    page = text(owner_client.get(OWNERS_URL))
    form = page[page.index("data-kyb-step") :]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'name="action" value="add"' in first_button
    assert "formaction" not in first_button


# --- The Contact sales pre-fill ----------------------------------------------------------------


def test_the_company_step_starts_from_the_latest_contact_sales_lead(owner_client, alice, ready):
    contact_sales(
        alice,
        company_name="Alice Fintech Group AB",
        country="NO",
        website="https://group.alice.example",
        monthly_volume="100k_1m",
    )
    page = text(owner_client.get(COMPANY_URL))
    assert 'value="Alice Fintech Group AB"' in page
    assert '<option value="NO" selected>Norway</option>' in page
    assert 'value="https://group.alice.example"' in page
    assert '<option value="100k_1m" selected>' in page
    assert "We filled in the company name" in page
    assert not KybSubmission.objects.filter(organization=ready).exists()  # shown, not saved


def test_the_pre_fill_never_replaces_what_was_saved(owner_client, alice, ready):
    services.kyb_company_update(
        organization=ready, updated_by=alice, registration_number="556677-8899"
    )
    page = text(owner_client.get(COMPANY_URL))
    assert 'value="556677-8899"' in page
    assert "Alice Fintech AB" not in page  # the lead's name is not offered over a saved draft
    assert "We filled in" not in page
    assert submission_of(ready).legal_name == ""


def test_without_a_lead_the_company_step_starts_empty(alice, ready):
    ready.sales_contacts.all().delete()
    initial, contact = selectors.kyb_company_initial(organization=ready, submission=None)
    assert (initial, contact) == ({}, None)


# --- The "nobody owns 25 %" answer belongs to the owners step ----------------------------------


def test_the_answer_is_saved_by_the_owners_step(owner_client, ready):
    owner_client.post(OWNERS_URL, {"no_beneficial_owners": "on", "action": "next"})
    assert submission_of(ready).no_beneficial_owners
    page = text(owner_client.get(OWNERS_URL))
    assert re.search(r'name="no_beneficial_owners"[^>]* checked', page)
    owner_client.post(OWNERS_URL, {"action": "next"})
    assert not submission_of(ready).no_beneficial_owners


def test_the_company_step_no_longer_takes_the_answer(owner_client, alice, ready):
    owner_client.post(COMPANY_URL, {**COMPANY, "no_beneficial_owners": "on"})
    assert not submission_of(ready).no_beneficial_owners
    assert "no_beneficial_owners" not in text(owner_client.get(COMPANY_URL))
    with pytest.raises(TypeError):
        services.kyb_company_update(organization=ready, updated_by=alice, no_beneficial_owners=True)


def test_the_answer_is_refused_once_the_kyb_is_submitted(alice, ready):
    complete_kyb(alice)
    services.kyb_submit(organization=ready, submitted_by=alice)
    with pytest.raises(services.ValidationError, match="under review"):
        services.beneficial_owners_update(
            organization=ready, updated_by=alice, no_beneficial_owners=True
        )
    assert not submission_of(ready).no_beneficial_owners


# --- Each step's status --------------------------------------------------------------------------


def statuses(submission) -> dict[str, str]:
    return {s.step.value: s.status_label for s in selectors.kyb_progress(submission).steps}


def test_a_kyb_not_begun_has_every_step_not_started():
    assert statuses(None) == {
        "company": "Not started",
        "owners": "Not started",
        "directors": "Not started",
        "documents": "Not started",
        "review": "Missing 13 items",
    }


def test_each_step_says_done_or_how_many_items_it_misses(alice, ready):
    services.kyb_company_update(
        organization=ready, updated_by=alice, **{**COMPANY, "tax_id": "", "website": ""}
    )
    services.beneficial_owner_add(organization=ready, added_by=alice, **OWNER)
    kyb_documents.kyb_document_add(
        organization=ready,
        uploaded_by=alice,
        kind="incorporation",
        upload=files.upload("a.pdf", files.pdf()),
    )
    assert statuses(selectors.kyb_submission(organization=ready)) == {
        "company": "Missing 2 items",
        "owners": "Done",
        "directors": "Not started",
        "documents": "Missing 2 items",
        "review": "Missing 5 items",
    }
    services.beneficial_owners_update(
        organization=ready, updated_by=alice, no_beneficial_owners=True
    )
    progress = selectors.kyb_progress(selectors.kyb_submission(organization=ready))
    assert progress.of(KybStep.OWNERS).status_label == "Missing 1 item"
    [problem] = progress.of(KybStep.OWNERS).problems
    assert problem.url == "/kyb/owners/#id_no_beneficial_owners"


def test_a_complete_kyb_is_ready_and_a_submitted_one_submitted(alice, ready):
    complete_kyb(alice)
    assert statuses(selectors.kyb_submission(organization=ready))["review"] == "Ready to submit"
    services.kyb_submit(organization=ready, submitted_by=alice)
    assert set(statuses(selectors.kyb_submission(organization=ready)).values()) == {
        "Done",
        "Submitted",
    }


def test_the_progress_list_marks_the_current_step(owner_client):
    page = text(owner_client.get(DIRECTORS_URL))
    nav = page[page.index('aria-label="KYB steps"') : page.index("</nav>", page.index("KYB steps"))]
    assert nav.count('aria-current="step"') == 1
    assert re.search(r'href="/kyb/directors/"[^>]*aria-current="step"', nav)
    assert "Not started" in nav and "Missing 13 items" in nav


def test_submit_is_shown_disabled_with_its_reason_until_nothing_is_missing(owner_client, alice):
    page = text(owner_client.get(REVIEW_URL))
    assert re.search(r'<button type="submit" class="button button--primary" disabled', page)
    assert "Submitting opens once the 13 missing items above are added." in page
    complete_kyb(alice)
    page = text(owner_client.get(REVIEW_URL))
    assert "disabled" not in page[page.index('action="/kyb/submit/"') :]


def test_a_refused_submit_opens_at_its_list_of_what_is_missing(owner_client):
    response = owner_client.post("/kyb/submit/")
    assert response.status_code == 400
    page = text(response)
    alert = page.index('id="submit-errors"')
    assert alert < page.index('aria-label="KYB steps"')  # above the steps, in view
    assert "autofocus" in page[alert - 200 : alert + 200]


# --- The uploader's file name ------------------------------------------------------------------


def test_the_uploaders_file_name_is_kept_and_shown_and_the_stored_name_stays_random(
    owner_client, alice, ready
):
    upload = files.upload("Bolagsverket registreringsbevis 2024.pdf", files.pdf())
    owner_client.post(DOCUMENTS_URL, {"kind": "incorporation", "file": upload, "action": "upload"})
    document = KybDocument.objects.get()
    assert document.original_name == "Bolagsverket registreringsbevis 2024.pdf"
    assert re.fullmatch(r"[0-9a-f]{32}\.bin", document.storage_name)
    assert document.download_name == f"incorporation-{str(document.pk)[:8]}.pdf"
    page = text(owner_client.get(DOCUMENTS_URL))
    assert ">Bolagsverket registreringsbevis 2024.pdf</a>" in page
    download = owner_client.get(reverse("kyb:document_download", args=[document.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="{document.download_name}"'


def test_a_hostile_file_name_is_shown_escaped_and_cleaned(owner_client, alice, ready):
    name = "..\\..\\<img src=x onerror=alert(1)>\u202egpj.exe"
    document = kyb_documents.kyb_document_add(
        organization=ready,
        uploaded_by=alice,
        kind="incorporation",
        upload=files.upload(name, files.pdf()),
    )
    assert document.original_name == "<img src=x onerror=alert(1)>gpj.exe"
    page = owner_client.get(DOCUMENTS_URL).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;gpj.exe" in page


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("/home/alice/scans/id.png", "id.png"),
        ("C:\\Users\\alice\\id card.png", "id card.png"),
        ("id\u200b card\ttwo.pdf", "id card two.pdf"),
        ("  .hidden.pdf  ", "hidden.pdf"),
        ("\u202e\u200b", ""),
        ("Cafe\u0301.pdf", "Café.pdf"),
    ],
)
def test_display_name_keeps_the_last_path_part_printable_and_composed(name, shown):
    assert display_name(name) == shown


def test_a_long_file_name_is_bounded_and_keeps_its_extension():
    shown = display_name("a" * 300 + ".pdf")
    assert len(shown) == MAX_DISPLAY_NAME
    assert shown.endswith("….pdf")


def test_a_document_without_a_printable_name_shows_the_server_made_one(alice, ready):
    document = kyb_documents.kyb_document_add(
        organization=ready,
        uploaded_by=alice,
        kind="director_id",
        upload=files.upload("\u202e", files.pdf()),
    )
    assert document.original_name == ""
    assert document.display_name == document.download_name


# --- One date format ---------------------------------------------------------------------------


def test_dates_are_shown_as_day_month_year(owner_client, alice, ready):
    services.beneficial_owner_add(
        organization=ready, added_by=alice, **{**OWNER, "date_of_birth": date(1985, 4, 12)}
    )
    for url in (OWNERS_URL, REVIEW_URL):
        page = text(owner_client.get(url))
        assert '<time datetime="1985-04-12">12 Apr 1985</time>' in page, url
        assert "1985-04-12<" not in page, url


def test_the_admin_shows_a_date_of_birth_the_same_way(alice, ready):
    from kyb.admin import OwnerInline

    owner = BeneficialOwner(ownership=Decimal(60))
    owner.date_of_birth = date(1985, 4, 12)
    assert OwnerInline.date_of_birth(None, owner) == "12 Apr 1985"


# --- Queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", STEP_URLS)
def test_each_step_page_takes_a_small_fixed_number_of_queries(
    url, owner_client, alice, ready, django_assert_max_num_queries
):
    complete_kyb(alice)
    for number in range(3):
        services.director_add(
            organization=ready, added_by=alice, full_name=f"Director {number}", nationality="SE"
        )
        kyb_documents.kyb_document_add(
            organization=ready,
            uploaded_by=alice,
            kind="director_id",
            upload=files.upload(f"id-{number}.pdf", files.pdf()),
        )
    owner_client.get(url)  # the session and the user are warm
    with django_assert_max_num_queries(15):
        assert owner_client.get(url).status_code == 200


def test_the_company_step_of_a_new_kyb_takes_one_query_more_for_the_lead(
    owner_client, django_assert_max_num_queries
):
    owner_client.get(COMPANY_URL)
    with django_assert_max_num_queries(16):
        assert owner_client.get(COMPANY_URL).status_code == 200
