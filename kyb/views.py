from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods

from accounts import permissions
from accounts.decorators import organization_required, post_only, role_of
from products.models import GoLiveStep, Product
from products.services import StepMissing

from . import gate, selectors, services, uploads
from .forms import (
    BeneficialOwnerForm,
    DirectorForm,
    DocumentForm,
    KybCompanyForm,
    ProductionAccessForm,
)
from .models import KybDocument
from .uploads import MAX_UPLOAD_REQUEST_BYTES

_form_action = post_only("kyb:kyb")


def _missing_step(state: gate.GoLive, step: GoLiveStep) -> gate.Step | None:
    """The checklist entry of the first step missing before `step`, for the page's pointer."""
    missing = state.missing_before(step)
    return state.steps[gate.ORDER.index(missing)] if missing else None


@organization_required("products.view")
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    state = gate.go_live(request.organization)
    return render(
        request,
        "kyb/product_list.html",
        {
            "rows": selectors.product_rows(organization=request.organization),
            "go_live": state,
            "missing": _missing_step(state, GoLiveStep.PRODUCTION_ACCESS),
            "can_request": permissions.allows(role_of(request), "production_access.request"),
            "nav_section": "products",
        },
    )


@organization_required("products.view")
@require_GET
def go_live(request: HttpRequest) -> HttpResponse:
    role = role_of(request)
    return render(
        request,
        "kyb/go_live.html",
        {
            "go_live": gate.go_live(request.organization),
            "can_take_steps": permissions.allows(role, "production_access.request"),
            "can_create_app": permissions.allows(role, "app.create"),
            "nav_section": "go_live",
        },
    )


@organization_required("production_access.request")
@require_http_methods(["GET", "POST"])
def production_access_request(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product, slug=slug)
    organization = request.organization
    form = ProductionAccessForm(
        request.POST if request.method == "POST" else None, organization=organization
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.production_access_request(
                organization=organization,
                product=product,
                requested_by=request.user,
                apps=list(form.cleaned_data["apps"]),
                use_case=form.cleaned_data["use_case"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            done = gate.go_live(organization).done(GoLiveStep.KYB)
            requested = f"Production access to {product.name} is requested."
            messages.success(
                request,
                f"{requested} Our team will review it."
                if done
                else format_html(
                    '{} <a href="{}">Next, complete KYB.</a>', requested, reverse("kyb:kyb")
                ),
            )
            return redirect("kyb:products")
    elif request.method == "POST":
        # A forged POST before step 2 must name the missing step, not a form field.
        try:
            gate.require(organization, GoLiveStep.PRODUCTION_ACCESS)
        except StepMissing as error:
            form.add_error(None, error)
    state = gate.go_live(organization)
    return render(
        request,
        "kyb/production_access_request.html",
        {
            "form": form,
            "product": product,
            "missing": _missing_step(state, GoLiveStep.PRODUCTION_ACCESS),
            "access": organization.access_requests.filter(product=product).first(),
            "nav_section": "products",
        },
        status=400 if form.errors else 200,
    )


# --- KYB ------------------------------------------------------------------------------------


def _kyb_page(request: HttpRequest, *, status: int = 200, **bound) -> HttpResponse:
    organization = request.organization
    submission = selectors.kyb_submission(organization=organization)
    state = gate.go_live(organization)
    company_initial = {}
    if submission is not None:
        company_initial = {
            field: getattr(submission, field)
            for field in KybCompanyForm.base_fields
            if field != "country"
        }
        company_initial["country"] = submission.country.code or ""
    context = {
        "submission": submission,
        "go_live": state,
        "missing": _missing_step(state, GoLiveStep.KYB),
        "editable": submission is None or submission.editable,
        "problems": services.kyb_problems(submission) if submission else [],
        "company_form": bound.get("company_form") or KybCompanyForm(initial=company_initial),
        "owner_form": bound.get("owner_form") or BeneficialOwnerForm(),
        "director_form": bound.get("director_form") or DirectorForm(),
        "document_form": bound.get("document_form") or DocumentForm(),
        "submit_errors": bound.get("submit_errors", []),
        "upload_refused": bound.get("upload_refused", ""),
        # A locked KYB shows no forms: a refused change is explained above its summary.
        "refusals": [
            *(
                error
                for form in bound.values()
                if hasattr(form, "non_field_errors")
                for error in form.non_field_errors()
            ),
            *bound.get("submit_errors", []),
        ],
        "can_edit": permissions.allows(role_of(request), "kyb.edit"),
        "max_documents": services.MAX_DOCUMENTS,
        "nav_section": "products",
    }
    return render(request, "kyb/kyb.html", context, status=status)


def _saved(request: HttpRequest, message: str, anchor: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(f"{reverse('kyb:kyb')}#{anchor}")


@organization_required("kyb.view")
@require_GET
def kyb(request: HttpRequest) -> HttpResponse:
    return _kyb_page(request)


def _kyb_form_post(request: HttpRequest, form, form_name: str, save, message: str, anchor: str):
    """Bind, call the service, message and redirect; errors go back onto the form."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _saved(request, message, anchor)
    else:
        try:
            gate.require(request.organization, GoLiveStep.KYB)
        except StepMissing as error:
            form.add_error(None, error)
    return _kyb_page(request, status=400, **{form_name: form})


@organization_required("kyb.edit")
@_form_action
def kyb_company(request: HttpRequest) -> HttpResponse:
    def save(data: dict) -> None:
        data["country"] = data["country"] or ""
        services.kyb_company_update(
            organization=request.organization, updated_by=request.user, **data
        )

    form = KybCompanyForm(request.POST)
    return _kyb_form_post(request, form, "company_form", save, "Company details saved.", "company")


@organization_required("kyb.edit")
@_form_action
def owner_add(request: HttpRequest) -> HttpResponse:
    def save(data: dict) -> None:
        services.beneficial_owner_add(
            organization=request.organization, added_by=request.user, **data
        )

    form = BeneficialOwnerForm(request.POST)
    return _kyb_form_post(request, form, "owner_form", save, "Beneficial owner added.", "owners")


@organization_required("kyb.edit")
@_form_action
def owner_remove(request: HttpRequest, owner_id: int) -> HttpResponse:
    return _kyb_remove(
        request,
        lambda: services.beneficial_owner_remove(
            organization=request.organization, owner_id=owner_id
        ),
        "Beneficial owner removed.",
        "owners",
    )


@organization_required("kyb.edit")
@_form_action
def director_add(request: HttpRequest) -> HttpResponse:
    def save(data: dict) -> None:
        services.director_add(organization=request.organization, added_by=request.user, **data)

    form = DirectorForm(request.POST)
    return _kyb_form_post(request, form, "director_form", save, "Director added.", "directors")


@organization_required("kyb.edit")
@_form_action
def director_remove(request: HttpRequest, director_id: int) -> HttpResponse:
    return _kyb_remove(
        request,
        lambda: services.director_remove(
            organization=request.organization, director_id=director_id
        ),
        "Director removed.",
        "directors",
    )


def _kyb_remove(request: HttpRequest, remove, message: str, anchor: str) -> HttpResponse:
    try:
        remove()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("kyb:kyb")
    return _saved(request, message, anchor)


@organization_required("kyb.edit")
@_form_action
def document_upload(request: HttpRequest) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_UPLOAD_REQUEST_BYTES:
        # Nothing of it was kept: kyb.uploads.OversizedFileSkipper dropped it as it came in.
        return _kyb_page(request, status=413, upload_refused=uploads.MESSAGES["too_large"])

    def save(data: dict) -> None:
        services.kyb_document_add(
            organization=request.organization,
            uploaded_by=request.user,
            kind=data["kind"],
            upload=data["file"],
        )

    form = DocumentForm(request.POST, request.FILES)
    return _kyb_form_post(request, form, "document_form", save, "Document uploaded.", "documents")


@organization_required("kyb.edit")
@_form_action
def document_remove(request: HttpRequest, document_id: UUID) -> HttpResponse:
    return _kyb_remove(
        request,
        lambda: services.kyb_document_remove(
            organization=request.organization, document_id=document_id
        ),
        "Document removed.",
        "documents",
    )


@organization_required("kyb.edit")
@_form_action
def kyb_submit(request: HttpRequest) -> HttpResponse:
    try:
        services.kyb_submit(organization=request.organization, submitted_by=request.user)
    except ValidationError as error:
        return _kyb_page(request, status=400, submit_errors=error.messages)
    messages.success(
        request, "Your KYB is submitted. Our team will review it and email you the decision."
    )
    return redirect("kyb:go_live")


@require_GET
def document_download(request: HttpRequest, document_id: UUID) -> HttpResponse:
    """The document's bytes, as an attachment, to staff who may review KYB and to the owners
    and admins of its organization; 404 to everyone else."""
    document = KybDocument.objects.select_related("submission").filter(pk=document_id).first()
    if document is None or not _may_download(request, document):
        raise Http404
    response = HttpResponse(
        services.kyb_document_read(document=document), content_type=document.content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{document.download_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _may_download(request: HttpRequest, document: KybDocument) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_staff and user.has_perm("kyb.view_kybsubmission"):
        return True
    return (
        bool(request.organization)
        and request.organization.pk == document.submission.organization_id
        and permissions.allows(role_of(request), "kyb.view")
    )
