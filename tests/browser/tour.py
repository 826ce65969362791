"""A tour of every page: an organization with data on each page, and the pages to visit.

The screenshot sweep (`make screenshots`) and the accessibility sweep walk the same tour, so a
page a reviewer looks at is a page axe-core checks. The pages come from the URL resolver
(tests.urlwalk), filled with this organization's ids; those that answer with HTML to the
visitor are visited.
"""

from dataclasses import dataclass
from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership, Role, User
from api.models import Outcome, UsageCount
from apps import services as app_services
from apps.models import App
from kyb import documents as kyb_documents
from products.models import MonthlyVolume
from sandbox import services as sandbox_services
from tests.conftest import contact_sales, organization_of
from tests.kyb.conftest import OWNER, production_app, request_access
from tests.urlwalk import endpoints

OWNER_EMAIL = "alice@example.com"

# Pages that only answer a form's POST, or that do something on GET (log out, download).
NOT_VISITED = {
    "account_logout",
    "analytics:csv",
    "accounts:audit_export",
    "kyb:document_download",
    "mfa_download_recovery_codes",
}


@dataclass
class Tour:
    owner: User
    sandbox: App
    production: App
    values: dict[str, str]


def populate(make_user) -> Tour:
    """Alice's organization part-way to production, with something on every page."""
    from kyb import services as kyb_services
    from kyb.models import DocumentKind
    from tests.kyb import files

    alice = make_user(OWNER_EMAIL, organization="Alice Fintech")
    organization = organization_of(alice)
    for email, role in (("bob@example.com", Role.ADMIN), ("dev@example.com", Role.DEVELOPER)):
        member = make_user(email, organization=None)
        Membership.objects.create(user=member, organization=organization, role=role)
    account_services.invitation_create(
        organization=organization, email="new.hire@example.com", role=Role.VIEWER, invited_by=alice
    )

    sandbox = app_services.app_create(
        organization=organization,
        name="Demo Bank sandbox",
        display_name="Alice Fintech",
        app_type=App.Type.SANDBOX,
        created_by=alice,
    )
    old, _ = app_services.client_secret_create(app=sandbox, created_by=alice, name="Old laptop")
    app_services.client_secret_revoke(secret=old, revoked_by=alice)
    with time_machine.travel(timezone.now() - timedelta(days=120)):  # unused since: flagged
        app_services.client_secret_create(app=sandbox, created_by=alice, name="CI")
    staging, _ = app_services.client_secret_create(
        app=sandbox, created_by=alice, name="Staging server"
    )
    app_services.client_secret_roll_from_form(  # the old one works 3 more hours
        secret=staging,
        rolled_by=alice,
        form_token=app_services.secret_form_token_issue(app=sandbox, user=alice),
        old_expires_at=timezone.now() + timedelta(hours=3),
    )
    _, leaked = app_services.client_secret_create(
        app=sandbox, created_by=alice, name="Shared in a gist"
    )
    app_services.client_secret_leak_report(
        token=leaked, url="https://gist.github.com/alice/0123abcd", source="gist"
    )
    end_user = sandbox_services.end_user_create(
        app_id=sandbox.pk, external_user_id="customer-42", market="SE", locale="sv_SE"
    )
    uri = app_services.redirect_uri_add(
        app=sandbox, uri="https://alice.example/callback", added_by=alice
    )
    app_services.redirect_uri_add(app=sandbox, uri="http://localhost:3000/cb", added_by=alice)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for day, issued in enumerate((3, 8, 0, 0, 12, 5, 1, 0, 9)):
        hour = now - timedelta(days=day)
        if issued:
            UsageCount.objects.create(app=sandbox, hour=hour, outcome=Outcome.ISSUED, count=issued)
        if day % 3 == 0:
            UsageCount.objects.create(
                app=sandbox, hour=hour, outcome=Outcome.INVALID_CLIENT, count=2
            )

    contact_sales(alice)
    production = production_app(alice, name="Alice live")
    request_access(alice, "transactions")
    kyb_services.kyb_company_update(
        organization=organization,
        updated_by=alice,
        legal_name="Alice Fintech AB",
        registration_number="556677-8899",
        country="SE",
        registered_address="Sveavägen 1, 111 57 Stockholm",
        tax_id="",
        website="https://alice.example",
        industry="payments",
        monthly_volume=MonthlyVolume.UP_TO_10K,
    )
    kyb_services.beneficial_owner_add(organization=organization, added_by=alice, **OWNER)
    kyb_documents.kyb_document_add(
        organization=organization,
        uploaded_by=alice,
        kind=DocumentKind.values[0],
        upload=files.upload("certificate.pdf", files.pdf()),
    )
    values = {
        "client_id": sandbox.client_id,
        "secret_id": str(staging.pk),
        "user_id": end_user.user_id,  # working: its Roll and Revoke pages show their forms
        "uri_id": str(uri.pk),
        "slug": "transactions",
    }
    return Tour(owner=alice, sandbox=sandbox, production=production, values=values)


def pages(client: Client, values: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(name, path) of every page that answers the client with HTML (after redirects), each
    final path once (a log-in page reached with another `next` is the same page). Django's
    admin is left out: populate_review lists its pages."""
    seen: dict[str, str] = {}
    for endpoint in endpoints(values):
        if endpoint.url.startswith("/admin/") or endpoint.name in NOT_VISITED:
            continue
        if endpoint.name.startswith("api:") and endpoint.name != "api:reference":
            continue  # the API answers JSON; its reference page is a page
        response = client.get(endpoint.url, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        seen.setdefault(response.request["PATH_INFO"], endpoint.name)
    return sorted(((name, path) for path, name in seen.items()), key=lambda item: item[0])


def production_values(tour: Tour) -> dict[str, str]:
    return {**tour.values, "client_id": tour.production.client_id}


@dataclass
class StaffTour:
    staff: User
    secret: str  # the staff member's authenticator app, for the log-in's second step
    pages: list[tuple[str, str]]


def populate_review(make_user) -> StaffTour:
    """The admin part-way through a day of review: three KYBs waiting (for days, hours and
    minutes), one approved and one with changes requested, and a superuser with two-factor
    log-in who sees every section. Its pages are Django's admin, listed by hand."""
    from kyb import services as kyb_services
    from kyb.models import KybSubmission
    from tests.conftest import give_two_factor
    from tests.kyb.conftest import COMPANY, complete_kyb

    staff = make_user("staff@tink.example", organization=None)
    staff.is_staff = staff.is_superuser = True
    staff.save(update_fields=["is_staff", "is_superuser"])
    secret = give_two_factor(staff)

    now = timezone.now()
    submissions = {}
    waiting = [
        ("Northwind Payments", "Northwind Payments Ltd", "GB", timedelta(days=3, hours=4)),
        ("Fjord Lending", "Fjord Lending AS", "NO", timedelta(hours=5, minutes=12)),
        ("Alpine Pay", "Alpine Pay GmbH", "DE", timedelta(minutes=40)),
        ("Baltic Bank", "Baltic Bank AS", "EE", timedelta(days=9)),
        ("Delta Credit", "Delta Credit BV", "NL", timedelta(days=6)),
    ]
    for index, (organization, legal_name, country, age) in enumerate(waiting):
        user = make_user(f"owner{index}@example.com", organization=organization)
        complete_kyb(user)
        kyb_services.kyb_company_update(
            organization=organization_of(user),
            updated_by=user,
            **{
                **COMPANY,
                "legal_name": legal_name,
                "country": country,
                "registration_number": f"REG-{index:04d}",
            },
        )
        submission = kyb_services.kyb_submit(organization=organization_of(user), submitted_by=user)
        KybSubmission.objects.filter(pk=submission.pk).update(submitted_at=now - age)
        submissions[organization] = submission
    kyb_services.kyb_submission_approve(
        submission=submissions["Baltic Bank"], reviewer=staff, note="Welcome to production."
    )
    kyb_services.kyb_submission_request_changes(
        submission=submissions["Delta Credit"],
        reviewer=staff,
        note="The proof of address is older than three months.",
    )
    waiting_kyb = submissions["Northwind Payments"].pk
    approved = submissions["Baltic Bank"].pk
    changes = submissions["Delta Credit"].pk
    pages = [
        ("index", "/admin/"),
        ("kyb", "/admin/kyb/"),
        ("kyb-list", "/admin/kyb/kybsubmission/"),
        ("kyb-queue", "/admin/kyb/kybsubmissionunderreview/"),
        ("kyb-waiting", f"/admin/kyb/kybsubmission/{waiting_kyb}/change/"),
        ("kyb-approve", f"/admin/kyb/kybsubmission/{waiting_kyb}/review/approve/"),
        ("kyb-reject", f"/admin/kyb/kybsubmission/{waiting_kyb}/review/reject/"),
        ("kyb-approved", f"/admin/kyb/kybsubmission/{approved}/change/"),
        ("kyb-approved-history", f"/admin/kyb/kybsubmission/{approved}/history/"),
        ("kyb-changes-requested", f"/admin/kyb/kybsubmission/{changes}/change/"),
        ("access-list", "/admin/kyb/productionaccessrequest/"),
        ("accounts", "/admin/accounts/"),
        ("users", "/admin/accounts/user/"),
        ("user", f"/admin/accounts/user/{staff.pk}/change/"),
        ("organizations", "/admin/accounts/organization/"),
        ("audit", "/admin/accounts/auditevent/"),
        ("emails", "/admin/account/emailaddress/"),
    ]
    return StaffTour(staff=staff, secret=secret, pages=pages)


def owner_pages(tour: Tour) -> list[tuple[str, str]]:
    """Every page the tour's owner can open, for both of its apps."""
    owner = Client()
    owner.force_login(tour.owner)
    visited = pages(owner, tour.values)
    return visited + [p for p in pages(owner, production_values(tour)) if p not in visited]
