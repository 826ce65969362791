"""The organization's audit log: filter it, page through it, export it as CSV.

Read-only by construction: both URLs take GET alone, so no request through them
changes or deletes an entry. A filter that does not make sense (a date that is not one, an
actor never seen) is shown with its error on the form and left out; the others still apply,
and the page answers 400 as every form with an error does. The export refuses such filters
the same way, rather than export something else than what was asked for.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import UTC
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from .. import selectors
from ..decorators import organization_required
from ..forms import AuditFilterForm
from ..models import AuditEvent

PER_PAGE = 50


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, dict, QuerySet[AuditEvent]]:
    organization = request.organization
    form = AuditFilterForm(request.GET, actors=selectors.audit_actors(organization=organization))
    filters = form.filters()
    return form, filters, selectors.audit_log(organization=organization, **filters)


def _detail_order(item: tuple[str, object]) -> tuple[str, bool]:
    key = item[0]
    return key.removeprefix("old_").removeprefix("new_"), key.startswith("new_")


def _details_text(details: dict) -> str:
    """ "old_role: admin; new_role: viewer": what the entry's details say, on one line."""
    if not isinstance(details, dict):
        return str(details)
    parts = []
    # In a stable order (PostgreSQL's jsonb keeps none): by name, an old value before its new.
    for key, value in sorted(details.items(), key=_detail_order):
        if isinstance(value, list | tuple):
            value = ", ".join(str(item) for item in value)
        if value not in ("", None):
            parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


def _page(request: HttpRequest, form: AuditFilterForm, filters: dict, events) -> HttpResponse:
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for event in page.object_list:
        event.details_text = _details_text(event.details)
    return render(
        request,
        "audit/audit_log.html",
        {
            "nav_section": "team",
            "form": form,
            "filtered": bool(filters),
            "export_query": _export_query(filters),
            "page": page,
        },
        status=400 if form.errors else 200,
    )


def _export_query(filters: dict) -> str:
    return urlencode(
        {
            name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in filters.items()
        }
    )


@organization_required("audit.view")
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form, filters, events = _filtered(request)
    return _page(request, form, filters, events)


# --- CSV -------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "time_utc",
    "actor",
    "action",
    "target_type",
    "target_id",
    "target",
    "ip",
    "user_agent",
    "details",
]
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """The cell as text, with a leading quote if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_row(event: AuditEvent) -> list[str]:
    return [
        csv_cell(value)
        for value in (
            event.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            event.actor_email or event.actor_name,
            event.action,
            event.target_type,
            event.target_id,
            event.target_label or event.target_id,
            event.ip,
            event.user_agent,
            json.dumps(event.details, sort_keys=True, ensure_ascii=False),
        )
    ]


class _Echo:
    """A file-like object whose write() hands the line back, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    yield writer.writerow(CSV_COLUMNS)
    for event in events:
        yield writer.writerow(_csv_row(event))


@organization_required("audit.view")
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered entries as CSV, streamed: a big log is never held in memory."""
    form, filters, events = _filtered(request)
    if form.errors:
        return _page(request, form, filters, events)
    response = StreamingHttpResponse(
        csv_lines(events.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
    )
    filename = f"audit-log-{timezone.now():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)
    return response
