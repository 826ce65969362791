import re

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower

from accounts.models import Organization

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

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        _forget_catalog_after_commit()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _forget_catalog_after_commit()
        return result

    def clean(self) -> None:
        if not isinstance(self.scopes, list) or not all(
            isinstance(scope, str) and SCOPE.fullmatch(scope) for scope in self.scopes
        ):
            raise ValidationError(
                {"scopes": 'A list of scopes such as ["accounts:read", "transactions:read"].'}
            )


def _forget_catalog_after_commit() -> None:
    """This process reads the new catalog once the change is visible to it."""
    from . import selectors

    transaction.on_commit(selectors.forget_catalog)


class ProductionGrant(models.Model):
    """Production access to a product, approved for an organization.

    Written only by the KYB review (the production-access issue); read by the token endpoint
    to decide which scopes a production app may ask for.
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
