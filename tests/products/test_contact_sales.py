"""Contact sales: step 1 of going to production. The form records a lead, emails the sales team
and the sender, and unlocks production apps."""

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from apps.models import App
from products.models import Product, SalesContact
from tests.conftest import contact_sales, organization_of

pytestmark = pytest.mark.django_db

URL = "/contact-sales/"
CREATE_APP_URL = "/apps/new/"
TOO_MANY = "Your organization has already contacted sales several times today."


def form(**changes) -> dict:
    """A valid form as the browser sends it, with `changes` applied."""
    data = {
        "company_name": "Alice Fintech AB",
        "work_email": "cfo@alice-fintech.example",
        "country": "SE",
        "website": "https://alice.example",
        "products": [
            Product.objects.get(slug="transactions").pk,
            Product.objects.get(slug="income-check").pk,
        ],
        "monthly_volume": "10k_100k",
        "message": "We plan to launch in Sweden in the spring.",
    }
    data.update(changes)
    return data


def checklist(page: str) -> list[tuple[str, str]]:
    """The Go live checklist as (label, state) pairs, in the page's order."""
    return re.findall(
        r'<span class="checklist__state">([^<]+)</span>\s*'
        r'<span class="checklist__label">(?:<a href="[^"]*">)?([^<]+)',
        page,
    )


def nothing_recorded() -> bool:
    return (
        not SalesContact.objects.exists()
        and not AuditEvent.objects.filter(action=AuditEvent.Action.SALES_CONTACT).exists()
    )


def test_the_form_asks_for_the_lead_and_has_a_contact_sales_button(alice_client, catalog):
    response = alice_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Contact sales</h1>" in page
    for label in (
        "Company name",
        "Work email",
        "Country",
        "Website",
        "Expected monthly volume",
        "Message",
    ):
        assert re.search(rf'<label for="id_\w+">{label}</label>', page), label
    assert "<legend>Products of interest</legend>" in page
    for product in Product.objects.all():
        assert f'value="{product.pk}"' in page and f" {product.name}</label>" in page
    assert '<option value="SE">Sweden</option>' in page
    assert '<option value="10k_100k">10,000 to 100,000</option>' in page
    assert ">Contact sales</button>" in page
    # Prefilled from the organization and the account; both can be changed.
    assert 'name="company_name" value="Alice Fintech"' in page
    assert 'name="work_email" value="alice@example.com"' in page


def test_a_valid_form_records_the_lead_emails_sales_and_the_sender_and_unlocks_step_2(
    alice_client, alice, catalog, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.CONSOLE_SALES_EMAIL = "leads@tink.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(URL, form())

    assert response.status_code == 302
    assert response["Location"] == "/go-live/"
    contact = SalesContact.objects.get()
    assert contact.organization == organization_of(alice)
    assert contact.sent_by == alice
    assert (contact.company_name, contact.work_email, contact.country.code) == (
        "Alice Fintech AB",
        "cfo@alice-fintech.example",
        "SE",
    )
    assert (contact.website, contact.monthly_volume) == ("https://alice.example", "10k_100k")
    assert contact.message == "We plan to launch in Sweden in the spring."
    assert sorted(contact.products.values_list("slug", flat=True)) == [
        "income-check",
        "transactions",
    ]
    event = AuditEvent.objects.get(action=AuditEvent.Action.SALES_CONTACT)
    assert (event.actor, event.organization) == (alice, contact.organization)
    assert sorted(event.details["products"]) == ["income-check", "transactions"]

    # The sales team gets the lead; the receipt goes to the account's address, never to the
    # typed work email (the form must not make Console email an address of anyone's choosing).
    by_recipient = {tuple(mail.to): mail for mail in mailoutbox}
    assert set(by_recipient) == {("leads@tink.example",), ("alice@example.com",)}
    lead = by_recipient[("leads@tink.example",)]
    assert lead.subject == "Console: New Contact sales form from Alice Fintech AB"
    assert "cfo@alice-fintech.example" in lead.body and "Income Check" in lead.body
    receipt = by_recipient[("alice@example.com",)]
    assert receipt.subject == "Console: We received your message"

    page = alice_client.get(response["Location"]).content.decode()
    assert "Thank you: our business team will reach out to you." in page
    assert checklist(page) == [
        ("Done", "Contact sales"),
        ("Next", "Create a production app"),
        ("Locked", "Request production access"),
        ("Locked", "Complete KYB"),
    ]


def test_a_message_of_exactly_2000_characters_and_a_bare_domain_are_accepted(alice_client, catalog):
    response = alice_client.post(URL, form(message="x" * 2000, website="alice.example"))
    assert response.status_code == 302
    contact = SalesContact.objects.get()
    assert len(contact.message) == 2000
    assert contact.website == "https://alice.example"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"company_name": ""}, "Enter your company's name."),
        ({"company_name": "   "}, "Enter your company's name."),
        ({"work_email": ""}, "Enter your work email."),
        ({"work_email": "not-an-email"}, "Enter a valid email address."),
        ({"work_email": "alice@"}, "Enter a valid email address."),
        ({"country": ""}, "Choose your company's country."),
        ({"country": "XX"}, "Choose a country from the list."),
        ({"country": "Sweden"}, "Choose a country from the list."),
        ({"website": ""}, "Enter your company's website."),
        ({"website": "javascript:alert(1)"}, "Enter a valid URL, like https://example.com."),
        ({"products": []}, "Choose at least one product."),
        ({"products": ["999999"]}, "Choose products from the list."),
        ({"products": ["transactions"]}, "Choose products from the list."),
        # Beyond a 64-bit id: SQLite raised OverflowError on them.
        ({"products": ["9223372036854775808"]}, "Choose products from the list."),
        ({"products": ["-9223372036854775809"]}, "Choose products from the list."),
        ({"products": ["99999999999999999999999"]}, "Choose products from the list."),
        ({"monthly_volume": ""}, "Choose an expected monthly volume."),
        ({"monthly_volume": "lots"}, "Choose an expected monthly volume."),
        ({"message": "x" * 2001}, "Ensure this value has at most 2000 characters (it has 2001)."),
    ],
)
def test_a_bad_input_shows_the_form_again_with_a_clear_message_and_records_nothing(
    alice_client, catalog, django_capture_on_commit_callbacks, mailoutbox, changes, message
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(URL, form(**changes))
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert f"<li>{html.escape(message)}</li>" in page
    assert ">Contact sales</button>" in page
    assert nothing_recorded()
    assert mailoutbox == []


def test_an_empty_post_names_every_missing_field(alice_client, catalog):
    page = alice_client.post(URL, {}).content.decode()
    for message in (
        "Enter your company's name.",
        "Enter your work email.",
        "Choose your company's country.",
        "Enter your company's website.",
        "Choose at least one product.",
        "Choose an expected monthly volume.",
    ):
        assert html.escape(message) in page, message
    assert nothing_recorded()


def test_the_sixth_contact_in_a_day_is_refused(
    alice_client, alice, catalog, django_capture_on_commit_callbacks, mailoutbox
):
    for _ in range(5):
        contact_sales(alice)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(URL, form())
    assert response.status_code in (200, 400)
    assert TOO_MANY in response.content.decode()
    assert SalesContact.objects.count() == 5
    assert mailoutbox == []

    # A day later the organization may write again.
    SalesContact.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert alice_client.post(URL, form()).status_code == 302
    assert SalesContact.objects.count() == 6


def test_another_organizations_contacts_do_not_count_towards_the_daily_limit(
    alice_client, charlie, catalog
):
    for _ in range(5):
        contact_sales(charlie)
    assert alice_client.post(URL, form()).status_code == 302


def test_the_page_says_when_the_organization_last_contacted_sales(alice_client, alice, catalog):
    assert "You contacted sales on" not in alice_client.get(URL).content.decode()
    contact_sales(alice)
    assert "You contacted sales on" in alice_client.get(URL).content.decode()


@pytest.mark.parametrize("role", ["developer", "viewer"])
def test_developers_and_viewers_get_403(client, alice, add_member, catalog, mailoutbox, role):
    member = add_member(organization_of(alice), role)
    client.force_login(member)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form()).status_code == 403
    assert nothing_recorded()
    assert mailoutbox == []


def test_an_admin_may_contact_sales(client, alice, add_member, catalog):
    admin = add_member(organization_of(alice), "admin")
    client.force_login(admin)
    assert client.get(URL).status_code == 200
    assert client.post(URL, form()).status_code == 302
    assert SalesContact.objects.get().sent_by == admin


def test_anonymous_visitors_are_sent_to_log_in(client, catalog):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post(URL, form()).status_code == 302
    assert nothing_recorded()


# --- Step 2 needs step 1 --------------------------------------------------------------------


def create_production_app(client):
    return client.post(
        CREATE_APP_URL,
        {"name": "Alice live", "display_name": "Alice Fintech", "app_type": "production"},
    )


def test_a_production_app_is_refused_before_contact_sales_and_accepted_after(alice_client, catalog):
    page = alice_client.get(CREATE_APP_URL).content.decode()
    assert '<span class="locked-reason"><a href="/contact-sales/">Contact sales first.</a>' in page
    refused = create_production_app(alice_client)  # a forged POST: the option was disabled
    assert refused.status_code == 200
    assert "<li>Contact sales first.</li>" in refused.content.decode()
    assert '<a href="/contact-sales/">Contact sales first.</a>' in refused.content.decode()
    assert not App.objects.exists()

    assert alice_client.post(URL, form()).status_code == 302

    assert "Contact sales first." not in alice_client.get(CREATE_APP_URL).content.decode()
    response = create_production_app(alice_client)
    assert response.status_code == 302
    assert App.objects.get().app_type == App.Type.PRODUCTION


def test_a_sandbox_app_never_needs_contact_sales(alice_client, catalog):
    response = alice_client.post(
        CREATE_APP_URL,
        {"name": "Try it", "display_name": "Alice Fintech", "app_type": "sandbox"},
    )
    assert response.status_code == 302
    assert App.objects.get().app_type == App.Type.SANDBOX


def test_another_organizations_contact_does_not_unlock_production_apps(
    alice_client, charlie, catalog
):
    contact_sales(charlie)
    assert "<li>Contact sales first.</li>" in create_production_app(alice_client).content.decode()
    assert not App.objects.exists()
