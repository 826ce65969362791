"""The HTML pages about the Tink API: its reference, rendered from api/openapi.yaml, and the
Analytics pages that show each app's use of it. The API itself (JSON only) is api/views.py."""

import csv

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_safe

from accounts.decorators import organization_required
from apps import selectors as app_selectors
from apps.decorators import app_required
from apps.models import App

from . import charts, openapi, selectors
from .models import Outcome


@login_not_required
@require_safe
def reference(request: HttpRequest) -> HttpResponse:
    """The API reference, public like the JWKS: it describes the API, and holds no data."""
    context = {**openapi.reference(), "base_url": settings.CONSOLE_BASE_URL}
    return render(request, "api/reference.html", context)


# --- Analytics pages ---------------------------------------------------------------------------


def _range_links(days: int) -> list[dict]:
    return [{"days": n, "current": n == days} for n in selectors.RANGES]


@organization_required("app.view")
@require_GET
def analytics_overview(request: HttpRequest) -> HttpResponse:
    """Every app of the organization: tokens issued and failed requests, and one chart."""
    days = selectors.days_of(request.GET.get("days"))
    apps = list(app_selectors.app_list(organization=request.organization))
    totals = selectors.usage_per_app(apps=apps, days=days)
    usage_data = selectors.usage(apps=apps, days=days)
    rows = [{"app": app, "issued": totals[app.pk][0], "failed": totals[app.pk][1]} for app in apps]
    return render(
        request,
        "analytics/overview.html",
        {
            "nav_section": "analytics",
            "days": days,
            "ranges": _range_links(days),
            "rows": rows,
            "usage": usage_data,
            "chart": charts.bar_chart(usage_data),
        },
    )


@app_required("app.view")
@require_GET
def analytics_app(request: HttpRequest, app: App) -> HttpResponse:
    days = selectors.days_of(request.GET.get("days"))
    usage_data = selectors.usage(apps=[app], days=days)
    return render(
        request,
        "analytics/app.html",
        {
            "nav_section": "analytics",
            "app": app,
            "tab": "analytics",
            "days": days,
            "ranges": _range_links(days),
            "usage": usage_data,
            "chart": charts.bar_chart(usage_data),
            "outcomes": Outcome.choices,
        },
    )


@app_required("app.view")
@require_GET
def analytics_csv(request: HttpRequest, app: App) -> HttpResponse:
    days = selectors.days_of(request.GET.get("days"))
    usage_data = selectors.usage(apps=[app], days=days)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"analytics-{app.client_id}-{days}d.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(["date (UTC)", *Outcome.values])
    for day in usage_data.days:
        writer.writerow([day.day.isoformat(), *day.row()])
    return response
