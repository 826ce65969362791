"""Staff review KYB here. Submissions are read-only in the admin; the review actions and the
change page's decision buttons call the same services as the code (kyb.services), which check
the review permission themselves, through the same intermediate page."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django.views.decorators.http import require_http_methods
from django_countries import countries

from accounts import encryption
from accounts.admin_mixins import RefusesWrites

from . import services
from .forms import ReviewNoteForm
from .models import (
    AccessStatus,
    BeneficialOwner,
    Director,
    KybDocument,
    KybReview,
    KybStatus,
    KybSubmission,
    KybSubmissionUnderReview,
    ProductionAccessRequest,
)


class ReadOnlyAdmin(RefusesWrites, admin.ModelAdmin):
    """Nothing is added, changed or deleted here: every write is a service (the actions)."""

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm(services.REVIEW_PERMISSION)


class ReadOnlyInline(RefusesWrites, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None) -> bool:
        # Part of the submission: whoever may view it sees all of it, without a view
        # permission per inline model.
        return request.user.has_perm("kyb.view_kybsubmission")


class OwnerInline(ReadOnlyInline):
    model = BeneficialOwner
    fields = readonly_fields = [
        "full_name",
        "date_of_birth",
        "nationality",
        "ownership",
        "added_by",
    ]
    verbose_name = "Ultimate beneficial owner"

    @admin.display(description="Date of birth")
    def date_of_birth(self, owner: BeneficialOwner) -> str:
        return date_format(owner.date_of_birth, "j M Y")  # as the console shows dates


class DirectorInline(ReadOnlyInline):
    model = Director
    fields = readonly_fields = ["full_name", "nationality", "added_by"]


class DocumentInline(ReadOnlyInline):
    model = KybDocument
    verbose_name_plural = "Documents"
    fields = readonly_fields = [
        "kind",
        "content_type",
        "size",
        "uploaded_at",
        "uploaded_by",
        "download",
    ]

    @admin.display(description="File")
    def download(self, document: KybDocument) -> str:
        url = reverse("kyb:document_download", args=[document.pk])
        return format_html('<a href="{}">Download {}</a>', url, document.download_name)


class ReviewInline(ReadOnlyInline):
    model = KybReview
    fields = readonly_fields = ["created_at", "decision", "actor_email", "note"]
    verbose_name_plural = "Review history (append-only)"


def _review(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    decide: Callable[..., object],
    verb: str,
    to: str,
    target: str = "submission",
    back_url: str,
    back_label: str = "",
) -> HttpResponse | None:
    """The intermediate page that asks for the note, then `decide` for each row of `queryset`:
    None once they are decided, else the page (again, with its errors). The changelist's
    actions and the change page's buttons both come here. Refusals (a submission no longer
    under review) are reported, not raised, so one bad row doesn't undo the others.

    Each row moves to status `to`, whose note rule is the services' own, and is passed to
    `decide` as the keyword `target` (as the service names it: "submission" or "access").
    `back_label` names the page `back_url` returns to in the breadcrumbs (a submission's own
    page); the changelist is always there."""
    names = modeladmin.model._meta.concrete_model._meta  # the queue's rows are KYB submissions
    form = ReviewNoteForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        note = form.cleaned_data["note"].strip()
        problem = services.review_note_problem(to=to, note=note)
        if problem:
            form.add_error("note", problem)
        else:
            done, refused = 0, []
            for row in queryset.select_related("organization"):
                try:
                    decided = decide(**{target: row}, reviewer=request.user, note=note)
                except ValidationError as error:
                    refused.append(f"{row}: {' '.join(error.messages)}")
                else:
                    done += 1
                    # The admin's own History of the row too, besides the review history and
                    # the audit log the service writes.
                    label = decided.get_status_display()
                    modeladmin.log_change(request, decided, f"{label}: {note}" if note else label)
            if done:
                name = names.verbose_name if done == 1 else names.verbose_name_plural
                modeladmin.message_user(request, f"{verb}: {done} {name}.")
            for message in refused:
                modeladmin.message_user(request, message, level=messages.ERROR)
            return None
    count = len(queryset)
    return TemplateResponse(
        request,
        "admin/kyb/review_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": f"{verb}: are you sure?",
            "verb": verb,
            "queryset": queryset,
            "noun": names.verbose_name if count == 1 else names.verbose_name_plural,
            "form": form,
            "note_required": to in services.NOTE_NEEDED,
            "action": request.POST.get("action", ""),  # empty from the change page's buttons
            "back_url": back_url,
            "back_label": back_label,
            "opts": modeladmin.opts,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


def _review_action(decide, *, verb: str, to: str, target: str = "submission"):
    """A changelist action through the intermediate page; "No, take me back" returns to the
    list as it was (its filters and search)."""

    def action(modeladmin, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return _review(
            modeladmin,
            request,
            queryset,
            decide=decide,
            verb=verb,
            to=to,
            target=target,
            back_url=request.get_full_path(),
        )

    return action


@dataclass(frozen=True)
class KybDecision:
    """One of the three decisions on a KYB under review; the services say whether it needs a
    note (services.NOTE_NEEDED) and from which statuses it can be taken (services.TRANSITIONS)."""

    status: KybStatus
    decide: Callable[..., KybSubmission]
    verb: str
    description: str

    def possible(self, submission: KybSubmission) -> bool:
        return self.status in services.TRANSITIONS[KybStatus(submission.status)]


# By the slug of their change-page URL (…/<id>/review/<slug>/).
KYB_DECISIONS = {
    "approve": KybDecision(
        KybStatus.APPROVED, services.kyb_submission_approve, "Approve", "Approve"
    ),
    "request-changes": KybDecision(
        KybStatus.CHANGES_REQUESTED,
        services.kyb_submission_request_changes,
        "Request changes",
        "Request changes (with a note)",
    ),
    "reject": KybDecision(
        KybStatus.REJECTED, services.kyb_submission_reject, "Reject", "Reject (with a reason)"
    ),
}


def _decision_action(slug: str):
    decision = KYB_DECISIONS[slug]

    @admin.action(description=decision.description, permissions=["review"])
    def action(modeladmin, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return _review_action(decision.decide, verb=decision.verb, to=decision.status)(
            modeladmin, request, queryset
        )

    return action


def _no_decision(submission: KybSubmission) -> str:
    """Why a submission can't be decided now: shown by its disabled buttons, and when its
    review URL is opened anyway."""
    status = KybStatus(submission.status)
    when = submission.decided_at and formats.date_format(
        timezone.localtime(submission.decided_at), "DATETIME_FORMAT"
    )
    if status == KybStatus.CHANGES_REQUESTED:
        return (
            f"Changes were requested on {when}: it is back under review once the organization "
            "submits it again."
        )
    return f"{status.label} on {when}: only a KYB under review can be decided."


class ReviewStatusFilter(admin.SimpleListFilter):
    """The statuses a reviewer can meet: drafts never reach the admin."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(status, status.label) for status in KybStatus if status != KybStatus.DRAFT]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class SubmittedCountryFilter(admin.SimpleListFilter):
    """The countries of submissions that exist, by name, not all 250."""

    title = "country of registration"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = (
            model_admin.get_queryset(request)
            .order_by()
            .values_list("country", flat=True)
            .distinct()
        )
        return sorted(((code, countries.name(code)) for code in codes), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(country=self.value()) if self.value() else queryset


class KybSubmissionBaseAdmin(ReadOnlyAdmin):
    """What the KYB submissions list and the review queue share: search and the actions."""

    list_select_related = ["organization"]
    search_fields = ["legal_name", "organization__name"]
    search_help_text = "Entity name, organization, or an exact registration number."
    actions = ["approve", "request_changes", "reject"]
    approve = _decision_action("approve")
    request_changes = _decision_action("request-changes")
    reject = _decision_action("reject")

    def get_search_results(self, request, queryset, search_term):
        # Registration numbers are encrypted; their keyed digest finds an exact match.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        index = encryption.blind_index(search_term)
        if index:
            results |= queryset.filter(registration_number_index=index)
        return results, may_have_duplicates

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(status=KybStatus.DRAFT)


@admin.register(KybSubmission)
class KybSubmissionAdmin(KybSubmissionBaseAdmin):
    """The whole submission on its own page, with the decision buttons for reviewers."""

    list_display = ["__str__", "organization", "country", "status", "submitted_at", "decided_at"]
    list_filter = [ReviewStatusFilter, SubmittedCountryFilter, "submitted_at"]
    date_hierarchy = "submitted_at"
    inlines = [OwnerInline, DirectorInline, DocumentInline, ReviewInline]
    fieldsets = [
        (None, {"fields": ["organization", "status", "reviewer_note", "access_requests"]}),
        (
            "Company",
            {
                "fields": [
                    "legal_name",
                    "registration_number",
                    "country",
                    "registered_address",
                    "tax_id",
                    "website",
                    "industry",
                    "monthly_volume",
                    "no_beneficial_owners",
                ]
            },
        ),
        (
            "Dates",
            {
                "fields": [
                    "created_at",
                    "updated_at",
                    "updated_by",
                    "submitted_at",
                    "submitted_by",
                    "decided_at",
                ]
            },
        ),
    ]
    readonly_fields = [field for _, options in fieldsets for field in options["fields"]]

    def get_urls(self):
        review = path(
            "<path:object_id>/review/<slug:decision>/",
            self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.review_view)),
            name="kyb_kybsubmission_review",
        )
        return [review, *super().get_urls()]

    @admin.display(description="Production access requests")
    def access_requests(self, submission: KybSubmission) -> str:
        rows = submission.organization.access_requests.select_related("product").prefetch_related(
            "apps"
        )
        if not rows:
            return "None"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><strong>{}</strong> — {} — apps: {} — use case: {}</li>",
                (
                    (
                        access.product.name,
                        access.get_status_display(),
                        ", ".join(app.name for app in access.apps.all()),
                        access.use_case,
                    )
                    for access in rows
                ),
            ),
        )

    def changelist_view(self, request, extra_context=None):
        under_review = self.get_queryset(request).filter(status=KybStatus.SUBMITTED).count()
        return super().changelist_view(
            request, {**(extra_context or {}), "under_review": under_review}
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_review_permission(request):
            context["decisions"] = [
                {
                    "verb": decision.verb,
                    "url": reverse("admin:kyb_kybsubmission_review", args=[quote(obj.pk), slug]),
                    "possible": decision.possible(obj),
                    "danger": decision.status == KybStatus.REJECTED,
                }
                for slug, decision in KYB_DECISIONS.items()
            ]
            possible = any(decision.possible(obj) for decision in KYB_DECISIONS.values())
            context["no_decision"] = "" if possible else _no_decision(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def review_view(self, request: HttpRequest, object_id: str, decision: str) -> HttpResponse:
        """A change-page button: the intermediate page (GET), then the decision (POST)."""
        if not self.has_review_permission(request):
            raise PermissionDenied
        chosen = KYB_DECISIONS.get(decision)
        submission = self.get_object(request, unquote(object_id))
        if chosen is None or submission is None:
            raise Http404
        change_url = reverse("admin:kyb_kybsubmission_change", args=[quote(submission.pk)])
        if not chosen.possible(submission):
            self.message_user(request, f"{submission}: {_no_decision(submission)}", messages.ERROR)
            return redirect(change_url)
        response = _review(
            self,
            request,
            self.get_queryset(request).filter(pk=submission.pk),
            decide=chosen.decide,
            verb=chosen.verb,
            to=chosen.status,
            back_url=change_url,
            back_label=str(submission),
        )
        return response or redirect(change_url)


class ReviewQueueChangeList(ChangeList):
    """The queue's rows open the submission's own page, where the decision buttons are."""

    def url_for_result(self, result) -> str:
        return reverse(
            "admin:kyb_kybsubmission_change",
            args=[quote(result.pk)],
            current_app=self.model_admin.admin_site.name,
        )


@admin.register(KybSubmissionUnderReview)
class ReviewQueueAdmin(KybSubmissionBaseAdmin):
    """The submissions under review, the one waiting longest first."""

    # How long each has waited comes first: it is what orders the queue, and on a phone the
    # columns after the second scroll out of sight.
    list_display = ["submission", "waiting", "organization", "submitted_at", "country"]
    list_filter = [SubmittedCountryFilter]
    ordering = ["submitted_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=KybStatus.SUBMITTED)

    def has_view_permission(self, request, obj=None) -> bool:
        # A view of the KYB submissions, with no permission of its own (the proxy has none).
        return request.user.has_perm("kyb.view_kybsubmission")

    def get_changelist(self, request, **kwargs):
        return ReviewQueueChangeList

    def changelist_view(self, request, extra_context=None):
        title = {"title": "Submissions under review, oldest first"}
        return super().changelist_view(request, {**(extra_context or {}), **title})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # One page per submission: its own.
        return redirect("admin:kyb_kybsubmission_change", object_id)

    @admin.display(description="KYB submission", ordering="legal_name")
    def submission(self, submission: KybSubmission) -> str:
        return str(submission)

    @admin.display(description="Waiting", ordering="submitted_at")
    def waiting(self, submission: KybSubmission) -> str:
        return timesince(submission.submitted_at, depth=2)


@admin.register(ProductionAccessRequest)
class ProductionAccessRequestAdmin(ReadOnlyAdmin):
    """Read-only; a product requested after its organization's KYB was approved is approved or
    rejected here. Every other request follows its KYB."""

    list_display = ["product", "organization", "status", "created_at", "decided_at"]
    list_filter = ["status", "product"]
    list_select_related = ["product", "organization"]
    search_fields = ["organization__name", "product__name"]
    fields = readonly_fields = [
        "organization",
        "product",
        "apps",
        "use_case",
        "status",
        "requested_by",
        "created_at",
        "decided_at",
    ]
    actions = ["approve", "reject"]

    @admin.action(description="Approve", permissions=["review"])
    def approve(self, request, queryset):
        return _review_action(
            services.production_access_approve,
            verb="Approve",
            to=AccessStatus.APPROVED,
            target="access",
        )(self, request, queryset)

    @admin.action(description="Reject (with a reason)", permissions=["review"])
    def reject(self, request, queryset):
        return _review_action(
            services.production_access_reject,
            verb="Reject",
            to=AccessStatus.REJECTED,
            target="access",
        )(self, request, queryset)
