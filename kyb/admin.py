"""Staff review KYB here. Submissions are read-only in the admin; the review actions call the
same services as the code (kyb.services), which check the review permission themselves."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django_countries import countries

from accounts import encryption

from . import services
from .forms import ReviewNoteForm
from .models import (
    BeneficialOwner,
    Director,
    KybDocument,
    KybReview,
    KybStatus,
    KybSubmission,
    ProductionAccessRequest,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        # Part of the submission: whoever may view it sees all of it, without a view
        # permission per inline model.
        return request.user.has_perm("kyb.view_kybsubmission")


class OwnerInline(ReadOnlyInline):
    model = BeneficialOwner
    fields = readonly_fields = ["full_name", "date_of_birth", "nationality", "ownership"]
    verbose_name = "Ultimate beneficial owner"

    @admin.display(description="Date of birth")
    def date_of_birth(self, owner: BeneficialOwner) -> str:
        return date_format(owner.date_of_birth, "j M Y")  # as the console shows dates


class DirectorInline(ReadOnlyInline):
    model = Director
    fields = readonly_fields = ["full_name", "nationality"]


class DocumentInline(ReadOnlyInline):
    model = KybDocument
    verbose_name_plural = "Documents"
    fields = readonly_fields = ["kind", "content_type", "size", "uploaded_at", "download"]

    @admin.display(description="File")
    def download(self, document: KybDocument) -> str:
        url = reverse("kyb:document_download", args=[document.pk])
        return format_html('<a href="{}">Download {}</a>', url, document.download_name)


class ReviewInline(ReadOnlyInline):
    model = KybReview
    fields = readonly_fields = ["created_at", "decision", "actor_email", "note"]
    verbose_name_plural = "Review history (append-only)"


def _review_action(decide, *, verb: str, note_required: bool):
    """An admin action that asks for a note on an intermediate page, then calls `decide` for
    each selected submission. Refusals (a submission not under review) are reported, not
    raised, so one bad row doesn't undo the others."""

    def action(modeladmin, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = ReviewNoteForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            note = form.cleaned_data["note"].strip()
            if note_required and not note:
                form.add_error("note", "Write the note the organization will read.")
            else:
                done, refused = 0, []
                for submission in queryset.select_related("organization"):
                    try:
                        decide(submission=submission, reviewer=request.user, note=note)
                    except ValidationError as error:
                        refused.append(f"{submission}: {' '.join(error.messages)}")
                    else:
                        done += 1
                if done:
                    opts = modeladmin.model._meta
                    name = opts.verbose_name if done == 1 else opts.verbose_name_plural
                    modeladmin.message_user(request, f"{verb}: {done} {name}.")
                for message in refused:
                    modeladmin.message_user(request, message, level=messages.ERROR)
                return None
        return TemplateResponse(
            request,
            "admin/kyb/review_action.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": f"{verb}: are you sure?",
                "verb": verb,
                "queryset": queryset,
                "form": form,
                "note_required": note_required,
                "action": request.POST.get("action"),
                "opts": modeladmin.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    return action


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


@admin.register(KybSubmission)
class KybSubmissionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organization", "country", "status", "submitted_at", "decided_at"]
    list_filter = [ReviewStatusFilter, SubmittedCountryFilter, "submitted_at"]
    list_select_related = ["organization"]
    search_fields = ["legal_name", "organization__name"]
    search_help_text = "Entity name, organization, or an exact registration number."
    date_hierarchy = "submitted_at"
    inlines = [OwnerInline, DirectorInline, DocumentInline, ReviewInline]
    actions = ["approve", "request_changes", "reject"]
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
        ("Dates", {"fields": ["created_at", "submitted_at", "submitted_by", "decided_at"]}),
    ]
    readonly_fields = [field for _, options in fieldsets for field in options["fields"]]

    def get_search_results(self, request, queryset, search_term):
        # Registration numbers are encrypted; their keyed digest finds an exact match.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        index = encryption.blind_index(search_term)
        if index:
            results |= queryset.filter(registration_number_index=index)
        return results, may_have_duplicates

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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm(services.REVIEW_PERMISSION)

    @admin.action(description="Approve", permissions=["review"])
    def approve(self, request, queryset):
        return _review_action(services.kyb_submission_approve, verb="Approve", note_required=False)(
            self, request, queryset
        )

    @admin.action(description="Request changes (with a note)", permissions=["review"])
    def request_changes(self, request, queryset):
        return _review_action(
            services.kyb_submission_request_changes, verb="Request changes", note_required=True
        )(self, request, queryset)

    @admin.action(description="Reject (with a reason)", permissions=["review"])
    def reject(self, request, queryset):
        return _review_action(services.kyb_submission_reject, verb="Reject", note_required=True)(
            self, request, queryset
        )

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(status=KybStatus.DRAFT)


def _decide_access(*, approve: bool):
    def decide(*, submission, reviewer, note):
        # `submission` is a production access request here: the same intermediate page.
        return services.production_access_decide(
            access=submission, reviewer=reviewer, approve=approve, note=note
        )

    return decide


@admin.register(ProductionAccessRequest)
class ProductionAccessRequestAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm(services.REVIEW_PERMISSION)

    @admin.action(description="Approve", permissions=["review"])
    def approve(self, request, queryset):
        return _review_action(_decide_access(approve=True), verb="Approve", note_required=False)(
            self, request, queryset
        )

    @admin.action(description="Reject (with a reason)", permissions=["review"])
    def reject(self, request, queryset):
        return _review_action(_decide_access(approve=False), verb="Reject", note_required=True)(
            self, request, queryset
        )
