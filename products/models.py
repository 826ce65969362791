import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django_countries.fields import CountryField

from accounts.models import Organization, User

# What a scope looks like: accounts:read, payment-mandates:write.
SCOPE = re.compile(r"[a-z][a-z0-9-]*:[a-z][a-z0-9-]*")


class Product(models.Model):
    """One of Tink's products: available to every sandbox app, to production apps once the
    organization's production access to it is approved. The catalog is data (migration 0002),
    editable by staff in the admin."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300)
    scopes = models.JSONField(default=list, help_text="The API scopes the product grants.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="products_product_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.scopes, list) or not all(
            isinstance(scope, str) and SCOPE.fullmatch(scope) for scope in self.scopes
        ):
            raise ValidationError(
                {"scopes": 'A list of scopes such as ["accounts:read", "transactions:read"].'}
            )


class GoLiveStep(models.TextChoices):
    """The road to production, mandatory and in this order (the seed's "Product availability").

    kyb.gate is the state machine that walks it; the apps layer checks step 1 before it
    creates a production app."""

    CONTACT_SALES = "contact_sales", "Contact sales"
    PRODUCTION_APP = "production_app", "Create a production app"
    PRODUCTION_ACCESS = "production_access", "Request production access"
    KYB = "kyb", "Complete KYB"


class MonthlyVolume(models.TextChoices):
    UNDER_1K = "under_1k", "Fewer than 1,000"
    UP_TO_10K = "1k_10k", "1,000 to 10,000"
    UP_TO_100K = "10k_100k", "10,000 to 100,000"
    UP_TO_1M = "100k_1m", "100,000 to 1 million"
    OVER_1M = "over_1m", "More than 1 million"


class SalesContact(models.Model):
    """A Contact sales form as sent: the lead, and step 1 of going to production."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sales_contacts"
    )
    sent_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    company_name = models.CharField(max_length=200)
    work_email = models.EmailField(max_length=254)
    country = CountryField()
    website = models.URLField(max_length=200)
    products = models.ManyToManyField(Product, related_name="+")
    monthly_volume = models.CharField(
        "Expected monthly volume", max_length=10, choices=MonthlyVolume.choices
    )
    message = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_volume__in=MonthlyVolume.values),
                name="products_salescontact_volume_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.work_email})"


class ProductionGrant(models.Model):
    """Production access to a product, approved for an organization.

    Written only by the KYB review (products.services.production_grant_create, called by
    kyb's review services); read by the token endpoint to decide which scopes a production
    app may ask for.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="production_grants"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="grants")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "product"], name="products_productiongrant_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} for {self.organization}"
