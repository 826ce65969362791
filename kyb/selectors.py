from dataclasses import dataclass

from accounts.models import Organization
from products.models import Product

from .models import KybStatus, KybSubmission, ProductionAccessRequest


@dataclass(frozen=True)
class ProductRow:
    product: Product
    access: ProductionAccessRequest | None

    @property
    def status_label(self) -> str:
        return self.access.get_status_display() if self.access else "Not requested"

    @property
    def status(self) -> str:
        return self.access.status if self.access else "not_requested"


def product_rows(*, organization: Organization) -> list[ProductRow]:
    """The catalog with each product's production status for the organization (two queries)."""
    requests = {
        access.product_id: access
        for access in ProductionAccessRequest.objects.filter(organization=organization)
    }
    return [
        ProductRow(product=product, access=requests.get(product.pk))
        for product in Product.objects.all()
    ]


def kyb_submission(*, organization: Organization) -> KybSubmission | None:
    return (
        KybSubmission.objects.filter(organization=organization)
        .prefetch_related("owners", "directors", "documents", "reviews")
        .first()
    )


def kyb_status(*, organization: Organization | int) -> KybStatus | None:
    """The organization's KYB status, or None before its first draft."""
    status = (
        KybSubmission.objects.filter(organization=organization)
        .values_list("status", flat=True)
        .first()
    )
    return KybStatus(status) if status else None
