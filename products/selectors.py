import time

from accounts.models import Organization

from .models import Product, SalesContact

# The catalog changes when staff edit it; each process re-reads its scopes this often.
CATALOG_TTL_SECONDS = 30
_catalog_scopes: tuple[float, frozenset[str]] = (0.0, frozenset())


def all_scopes() -> frozenset[str]:
    """Every scope of the catalog (cached in the process for CATALOG_TTL_SECONDS)."""
    global _catalog_scopes
    read_at, scopes = _catalog_scopes
    if time.monotonic() - read_at > CATALOG_TTL_SECONDS:
        rows = Product.objects.values_list("scopes", flat=True)
        scopes = frozenset(scope for product_scopes in rows for scope in product_scopes)
        _catalog_scopes = (time.monotonic(), scopes)
    return scopes


def forget_catalog() -> None:
    global _catalog_scopes
    _catalog_scopes = (0.0, frozenset())


def approved_scopes(*, organization: Organization | int) -> frozenset[str]:
    """Scopes of the products whose production access is approved for the organization."""
    rows = Product.objects.filter(grants__organization=organization).values_list(
        "scopes", flat=True
    )
    return frozenset(scope for product_scopes in rows for scope in product_scopes)


def sales_contacted(*, organization: Organization | int) -> bool:
    """Step 1 of going to production is done."""
    return SalesContact.objects.filter(organization=organization).exists()


def approved_products(*, organization: Organization | int) -> list[Product]:
    """The products approved for production for the organization, by name."""
    return list(Product.objects.filter(grants__organization=organization).order_by("name"))


def latest_sales_contact(*, organization: Organization | int) -> SalesContact | None:
    """The organization's most recent Contact sales lead (what it last told us)."""
    return SalesContact.objects.filter(organization=organization).order_by("-created_at").first()
