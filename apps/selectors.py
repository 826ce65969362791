import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Window
from django.utils import timezone

from accounts.models import AuditEvent, Organization
from products import selectors as product_selectors

from .models import MAX_ACTIVE_SECRETS, MAX_REDIRECT_URIS, UNUSED_DAYS, App, ClientSecret

REVOKED_SHOWN = 50


def app_list(*, organization: Organization) -> QuerySet[App]:
    # By name, as the top dropdown: a GROUP BY query leaves Meta.ordering out.
    return (
        App.objects.filter(organization=organization)
        .annotate(active_secrets=Count("secrets", filter=Q(secrets__revoked_at__isnull=True)))
        .order_by(*App._meta.ordering)
    )


MENU_FIELDS = ("pk", "name", "client_id", "app_type")


def app_menu(*, organization: Organization, apps: list[App] | None = None) -> list[dict]:
    """The top dropdown: every app of the organization, in one query; none when the page has
    the organization's apps in hand already (`apps`, the app list's rows)."""
    if apps is not None:
        return [{field: getattr(app, field) for field in MENU_FIELDS} for app in apps]
    return list(App.objects.filter(organization=organization).values(*MENU_FIELDS))


def unused_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=UNUSED_DAYS)


def unused_secrets(*, now: datetime) -> QuerySet[ClientSecret]:
    """Working secrets not used for UNUSED_DAYS days (never used: counted from creation)."""
    cutoff = unused_cutoff(now)
    return ClientSecret.objects.working(now).filter(
        Q(last_used_at__lt=cutoff) | Q(last_used_at__isnull=True, created_at__lt=cutoff)
    )


def api_client(*, app: App) -> dict:
    """What the API client tab shows, in a fixed number of queries whatever the counts.

    Each active secret says whether it has expired (the sweep has not freed its slot yet) or
    has gone unused for UNUSED_DAYS days.
    """
    now = timezone.now()
    cutoff = unused_cutoff(now)
    secrets = ClientSecret.objects.filter(app=app).select_related("created_by", "revoked_by")
    active = list(secrets.filter(revoked_at__isnull=True).order_by("slot"))
    for secret in active:
        secret.expired = not secret.works_at(now)
        secret.unused = not secret.expired and secret.last_activity_at < cutoff
    # The count of every revoked secret rides on the rows shown (a window is counted before
    # the LIMIT): one query, not two.
    revoked = list(
        secrets.filter(revoked_at__isnull=False)
        .annotate(revoked_total=Window(Count("pk")))
        .order_by("-revoked_at", "-pk")[:REVOKED_SHOWN]
    )
    revoked_count = revoked[0].revoked_total if revoked else 0
    return {
        "active_secrets": active,
        "revoked_secrets": revoked,
        "revoked_count": revoked_count,
        "revoked_hidden": max(0, revoked_count - REVOKED_SHOWN),
        "max_secrets": MAX_ACTIVE_SECRETS,
        "at_limit": len(active) >= MAX_ACTIVE_SECRETS,
        "now": now,
        "unused_days": UNUSED_DAYS,
        "unused_count": sum(1 for secret in active if secret.unused),
        "redirect_uris": list(app.redirect_uris.all()),
        "max_redirect_uris": MAX_REDIRECT_URIS,
        "allowed_scopes": sorted(allowed_scopes(app=app)),
    }


def app_activity(*, app: App) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        organization=app.organization_id, target_type="app", target_id=app.client_id
    )


def app_summary(*, app: App) -> dict:
    counts = App.objects.filter(pk=app.pk).aggregate(
        active_secrets=Count("secrets", filter=Q(secrets__revoked_at__isnull=True), distinct=True),
        redirect_uris=Count("redirect_uris", distinct=True),
    )
    summary = {
        **counts,
        "max_secrets": MAX_ACTIVE_SECRETS,
        "recent_activity": list(app_activity(app=app)[:5]),
    }
    if app.is_production:
        summary["approved_products"] = product_selectors.approved_products(
            organization=app.organization_id
        )
    return summary


def allowed_scopes(*, app: App) -> frozenset[str]:
    return scopes_allowed(app_type=app.app_type, organization_id=app.organization_id)


def scopes_allowed_for(*, app_pk: int) -> frozenset[str]:
    """scopes_allowed for the app with this primary key (none if it is gone)."""
    row = App.objects.filter(pk=app_pk).values_list("app_type", "organization_id").first()
    if row is None:
        return frozenset()
    return scopes_allowed(app_type=row[0], organization_id=row[1])


def scopes_allowed(*, app_type: str, organization_id: int) -> frozenset[str]:
    """A sandbox app may ask for every product's scopes; a production app for the scopes of
    the products whose production access is approved for its organization."""
    if app_type == App.Type.SANDBOX:
        return product_selectors.all_scopes()
    return product_selectors.approved_scopes(organization=organization_id)


# --- Whether a secret still vouches for its tokens ----------------------------------------------

# Cached "no longer valid": revoked (a revoke never comes undone) or gone.
SECRET_INVALID = ()


@dataclass(frozen=True)
class ValidSecret:
    """A client secret that still vouches for the tokens minted with it, and its app."""

    secret_pk: int
    app_pk: int
    client_id: str
    organization_id: int


def client_secret_cache_key(secret_pk: int) -> str:
    return f"apps:client-secret-valid:{secret_pk}"


def client_secret_valid(*, secret_pk: int) -> ValidSecret | None:
    """The secret if it is still valid (not revoked, its app not deleted), else None.

    The one place that says whether a secret is valid, asked for every token it minted. The
    secret's expiry rides in the answer and is checked on every call, cached or not, so a
    token stops with its secret's expiry to the second. One query by primary key; the answer
    is kept in the shared cache for
    CONSOLE_TOKEN_SECRET_CACHE_SECONDS. A revoke overwrites it on commit
    (services.client_secret_revoke), so the bound only matters when the cache missed that
    write. `add`, not `set`: an answer read just before a revoke committed can't replace the
    revoke's.
    """
    seconds = settings.CONSOLE_TOKEN_SECRET_CACHE_SECONDS
    key = client_secret_cache_key(secret_pk)
    found = cache.get(key) if seconds else None
    if found is None:
        row = (
            ClientSecret.objects.active()
            .filter(pk=secret_pk)
            .values_list("app_id", "app__client_id", "app__organization_id", "expires_at")
            .order_by()
            .first()
        )
        if row:
            expires_at = row[3].timestamp() if row[3] is not None else None
            found = (*row[:3], expires_at)
        else:
            found = SECRET_INVALID
        if seconds:
            cache.add(key, found, timeout=seconds)
    if found == SECRET_INVALID:
        return None
    # An entry cached before secrets had expiries (for a few seconds after the upgrade) has none.
    app_pk, client_id, organization_id, *rest = found
    expires_at = rest[0] if rest else None
    if expires_at is not None and time.time() >= expires_at:
        return None
    return ValidSecret(secret_pk, app_pk, client_id, organization_id)
