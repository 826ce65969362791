from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django_countries import countries

from accounts.audit import audit_record
from accounts.models import AuditEvent, Organization, User

from . import emails, selectors
from .models import GoLiveStep, MonthlyVolume, Product, ProductionGrant, SalesContact

# Each form sends two emails; a runaway script should not flood the sales team.
SALES_CONTACTS_PER_DAY = 5


class StepMissing(ValidationError):
    """A production step taken before the one it needs; the message names the missing step."""

    def __init__(self, step: GoLiveStep) -> None:
        self.step = GoLiveStep(step)
        super().__init__(f"{self.step.label} first.", code="step_missing")


def sales_contact_require(*, organization: Organization) -> None:
    """Step 1 before step 2: a production app needs Contact sales first."""
    if not selectors.sales_contacted(organization=organization):
        raise StepMissing(GoLiveStep.CONTACT_SALES)


@transaction.atomic
def sales_contact_create(
    *,
    organization: Organization,
    sent_by: User | None,
    company_name: str,
    work_email: str,
    country: str,
    website: str,
    products: list[Product],
    monthly_volume: str,
    message: str = "",
) -> SalesContact:
    """Record the lead (step 1 of going to production) and email the sales team and the sender."""
    company_name, message = company_name.strip(), message.strip()
    if not company_name:
        raise ValidationError({"company_name": "Enter your company's name."})
    errors = {}
    try:
        validate_email(work_email.strip())
    except ValidationError:
        errors["work_email"] = "Enter a valid email address."
    try:
        URLValidator(schemes=["http", "https"])(website)
    except ValidationError:
        errors["website"] = "Enter a valid URL, like https://example.com."
    if country not in countries:
        errors["country"] = "Choose a country from the list."
    if not products:
        errors["products"] = "Choose at least one product."
    if errors:
        raise ValidationError(errors)
    if monthly_volume not in MonthlyVolume.values:
        raise ValidationError({"monthly_volume": "Choose an expected monthly volume."})
    # Serialises this organization's forms so the daily cap holds under concurrent posts.
    Organization.objects.lock(organization)
    since = timezone.now() - timedelta(days=1)
    if organization.sales_contacts.filter(created_at__gte=since).count() >= SALES_CONTACTS_PER_DAY:
        raise ValidationError(
            "Your organization has already contacted sales several times today. "
            "Our team will reply to those messages; try again tomorrow if you need to.",
            code="too_many",
        )
    contact = SalesContact.objects.create(
        organization=organization,
        sent_by=sent_by,
        company_name=company_name[:200],
        work_email=work_email.strip().lower(),
        country=country,
        website=website,
        monthly_volume=monthly_volume,
        message=message[:2000],
    )
    contact.products.set(products)
    audit_record(
        organization=organization,
        actor=sent_by,
        action=AuditEvent.Action.SALES_CONTACT,
        target=organization,
        details={"products": [product.slug for product in products]},
    )
    emails.sales_contact_received(contact=contact, sales_email=settings.CONSOLE_SALES_EMAIL)
    return contact


def production_grant_create(*, organization: Organization, product: Product) -> ProductionGrant:
    """Production access to `product` for the organization's production apps.

    Called only by the KYB review (kyb.services), inside its transaction; granting twice
    changes nothing.
    """
    grant, _ = ProductionGrant.objects.get_or_create(organization=organization, product=product)
    return grant
