import json
from uuid import UUID

from cryptography.fernet import InvalidToken
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods

from accounts import encryption, permissions
from accounts.decorators import organization_required, post_only, role_of
from products.models import GoLiveStep, Product
from products.services import StepMissing

from . import documents, gate, selectors, services, uploads
from .forms import (
    BeneficialOwnerForm,
    DirectorForm,
    DocumentForm,
    KybCompanyForm,
    NoBeneficialOwnersForm,
    ProductionAccessForm,
)
from .models import DocumentKind, KybStep
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


# --- KYB: five steps, one form each -----------------------------------------------------------
#
# Each step page is one <form>: its own fields, the small "add" form of its list, the list's
# Remove buttons (formaction) and Back / Save and continue. So no button of the page drops what
# was typed elsewhere on it: Next and Back save the step (and add the owner, director or file
# typed into its add form, or show why they can't); Remove keeps the typed values for the page
# that follows (_keep_typed).

STEPS = tuple(KybStep)
# The session key of the values typed into a step page when one of its Remove buttons was
# pressed; encrypted, as they may be personal data (an owner's date of birth).
TYPED_KEY = "kyb_typed"


def _step_url(step: KybStep) -> str:
    return reverse(f"kyb:{step}")


def _destination(request: HttpRequest, step: KybStep) -> str:
    """Where the step's Next, Back or progress link leads once its draft is saved."""
    go = request.POST.get("go", "")
    index = STEPS.index(step)
    if go in KybStep.values:
        target = KybStep(go)
    elif request.POST.get("action") == "back":
        target = STEPS[max(index - 1, 0)]
    else:
        target = STEPS[min(index + 1, len(STEPS) - 1)]
    return _step_url(target)


def _stays(request: HttpRequest, adding: bool) -> bool:
    """An add or upload button (or a script's bare POST of an owner) stays on the step."""
    action = request.POST.get("action", "")
    return action in ("add", "upload") or (adding and not action and not request.POST.get("go"))


def _keep_typed(request: HttpRequest, step: KybStep) -> None:
    if "go" not in request.POST:  # not sent by the step page's form (a script, a test)
        return
    data = {
        key: value
        for key, value in request.POST.items()
        if key not in ("csrfmiddlewaretoken", "action", "go", "file")
    }
    request.session[TYPED_KEY] = encryption.encrypt(json.dumps({"step": step, "data": data}))


def _typed(request: HttpRequest, step: KybStep) -> dict[str, str] | None:
    """What _keep_typed kept of this step's page, once; None if nothing was kept."""
    token = request.session.pop(TYPED_KEY, None)
    if not token:
        return None
    try:
        kept = json.loads(encryption.decrypt(token))
    except (ValueError, InvalidToken):
        return None
    return kept["data"] if kept.get("step") == step else None


def _focus_first_error(forms: list[BaseForm]) -> None:
    """A page answering a failed POST opens at the first field to fix (autofocus scrolls the
    browser there, also without JavaScript)."""
    for form in forms:
        if form.is_bound and form.errors:
            name = next((n for n in form.fields if n in form.errors), next(iter(form.fields)))
            form.fields[name].widget.attrs["autofocus"] = True
            return


def _company_context(request, submission, bound: dict) -> dict:
    if "company_form" in bound:
        return {"company_form": bound["company_form"]}
    initial, contact = selectors.kyb_company_initial(
        organization=request.organization, submission=submission
    )
    return {
        "company_form": KybCompanyForm(initial=initial),
        "prefilled_from": contact,
    }


def _owners_context(request, submission, bound: dict) -> dict:
    typed = None if bound else _typed(request, KybStep.OWNERS)
    if typed is None:
        answer = {"no_beneficial_owners": bool(submission and submission.no_beneficial_owners)}
    else:  # the values of the whole page: an unticked box is absent from them
        answer = {"no_beneficial_owners": typed.get("no_beneficial_owners") == "on"}
    return {
        "answer_form": bound.get("answer_form") or NoBeneficialOwnersForm(initial=answer),
        "owner_form": bound.get("owner_form") or BeneficialOwnerForm(initial=typed or {}),
    }


def _directors_context(request, submission, bound: dict) -> dict:
    typed = None if bound else _typed(request, KybStep.DIRECTORS)
    return {"director_form": bound.get("director_form") or DirectorForm(initial=typed or {})}


def _documents_context(request, submission, bound: dict) -> dict:
    typed = None if bound else _typed(request, KybStep.DOCUMENTS)
    kind = request.GET.get("kind") or (typed or {}).get("kind", "")
    initial = {"kind": kind} if kind in DocumentKind.values else {}
    return {
        "document_form": bound.get("document_form") or DocumentForm(initial=initial),
        "max_documents": documents.MAX_DOCUMENTS,
    }


def _review_context(request, submission, bound: dict) -> dict:
    return {
        "submit_errors": bound.get("submit_errors", []),
        "incomplete": bound.get("incomplete", False),
    }


STEP_CONTEXT = {
    KybStep.COMPANY: _company_context,
    KybStep.OWNERS: _owners_context,
    KybStep.DIRECTORS: _directors_context,
    KybStep.DOCUMENTS: _documents_context,
    KybStep.REVIEW: _review_context,
}


def _kyb_page(request: HttpRequest, step: KybStep, *, status: int = 200, **bound) -> HttpResponse:
    organization = request.organization
    submission = selectors.kyb_submission(organization=organization)
    state = gate.go_live(organization)
    progress = selectors.kyb_progress(submission)
    context = STEP_CONTEXT[step](request, submission, bound)
    forms = [value for value in context.values() if isinstance(value, BaseForm)]
    if status >= 400:
        _focus_first_error(forms)
    context.update(
        {
            "submission": submission,
            "go_live": state,
            "missing": _missing_step(state, GoLiveStep.KYB),
            "progress": progress,
            "current": progress.of(step),
            "editable": submission is None or submission.editable,
            "can_edit": permissions.allows(role_of(request), "kyb.edit"),
            # A locked KYB shows no forms: a refused change is explained above its summary.
            "refusals": [
                *(error for form in forms for error in form.non_field_errors()),
                *bound.get("submit_errors", []),
            ],
            "nav_section": "go_live",
        }
    )
    return render(request, f"kyb/kyb_{step}.html", context, status=status)


def _refuse_if_too_early(request: HttpRequest, form: BaseForm) -> None:
    """A forged POST before step 3 names the missing step, not a form field."""
    try:
        gate.require(request.organization, GoLiveStep.KYB)
    except StepMissing as error:
        form.add_error(None, error)


def _require_edit(request: HttpRequest) -> None:
    permissions.require(role_of(request), "kyb.edit")


@organization_required("kyb.view")
@require_GET
def kyb(request: HttpRequest) -> HttpResponse:
    """Carry on where the KYB stands: its first step that isn't done, or the review (also for
    a KYB that is locked, or for a member who may only look)."""
    submission = selectors.kyb_submission(organization=request.organization)
    editable = submission is None or submission.editable
    if editable and permissions.allows(role_of(request), "kyb.edit"):
        return redirect(_step_url(selectors.kyb_progress(submission).first_open))
    return redirect(_step_url(KybStep.REVIEW))


@organization_required("kyb.view")
@require_http_methods(["GET", "POST"])
def kyb_company(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _kyb_page(request, KybStep.COMPANY)
    _require_edit(request)
    form = KybCompanyForm(request.POST)
    if not form.is_valid():
        _refuse_if_too_early(request, form)
        return _kyb_page(request, KybStep.COMPANY, status=400, company_form=form)
    data = {**form.cleaned_data, "country": form.cleaned_data["country"] or ""}
    try:
        services.kyb_company_update(
            organization=request.organization, updated_by=request.user, **data
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _kyb_page(request, KybStep.COMPANY, status=400, company_form=form)
    messages.success(request, "Company details saved.")
    return redirect(_destination(request, KybStep.COMPANY))


@organization_required("kyb.view")
@require_http_methods(["GET", "POST"])
def kyb_owners(request: HttpRequest) -> HttpResponse:
    """The list of beneficial owners, the form that adds one, and the answer "no person owns
    25 % or more"; Next and Back save the answer, and add the owner typed in, if any."""
    if request.method != "POST":
        return _kyb_page(request, KybStep.OWNERS)
    _require_edit(request)
    answer_form = NoBeneficialOwnersForm(request.POST)
    answer_form.is_valid()  # a checkbox: always valid
    owner_form = BeneficialOwnerForm(request.POST)
    adding = request.POST.get("action") == "add" or owner_form.has_input()
    if adding and not owner_form.is_valid():
        _refuse_if_too_early(request, owner_form)
    else:
        try:
            _save_owners(request, answer_form, owner_form if adding else None)
        except ValidationError as error:
            (owner_form if adding else answer_form).add_error(None, error)
        else:
            return _saved(request, KybStep.OWNERS, adding, "Beneficial owner added.")
    return _kyb_page(
        request, KybStep.OWNERS, status=400, answer_form=answer_form, owner_form=owner_form
    )


def _save_owners(
    request: HttpRequest,
    answer_form: NoBeneficialOwnersForm,
    owner_form: BeneficialOwnerForm | None,
) -> None:
    # The owner first: if it is refused, the answer isn't saved either.
    if owner_form is not None:
        services.beneficial_owner_add(
            organization=request.organization, added_by=request.user, **owner_form.cleaned_data
        )
    services.beneficial_owners_update(
        organization=request.organization,
        updated_by=request.user,
        no_beneficial_owners=answer_form.cleaned_data["no_beneficial_owners"],
    )


@organization_required("kyb.edit")
@_form_action
def owner_remove(request: HttpRequest, owner_id: int) -> HttpResponse:
    try:
        services.beneficial_owner_remove(organization=request.organization, owner_id=owner_id)
    except ValidationError as error:
        return _not_removed(request, KybStep.OWNERS, error)
    return _removed(request, KybStep.OWNERS, "Beneficial owner removed.")


@organization_required("kyb.view")
@require_http_methods(["GET", "POST"])
def kyb_directors(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _kyb_page(request, KybStep.DIRECTORS)
    _require_edit(request)
    form = DirectorForm(request.POST)
    adding = request.POST.get("action") == "add" or form.has_input()
    if not adding:
        return redirect(_destination(request, KybStep.DIRECTORS))
    if not form.is_valid():
        _refuse_if_too_early(request, form)
        return _kyb_page(request, KybStep.DIRECTORS, status=400, director_form=form)
    try:
        services.director_add(
            organization=request.organization, added_by=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _kyb_page(request, KybStep.DIRECTORS, status=400, director_form=form)
    return _saved(request, KybStep.DIRECTORS, adding, "Director added.")


@organization_required("kyb.edit")
@_form_action
def director_remove(request: HttpRequest, director_id: int) -> HttpResponse:
    try:
        services.director_remove(organization=request.organization, director_id=director_id)
    except ValidationError as error:
        return _not_removed(request, KybStep.DIRECTORS, error)
    return _removed(request, KybStep.DIRECTORS, "Director removed.")


def _saved(request: HttpRequest, step: KybStep, added: bool, message: str) -> HttpResponse:
    """After a step's save: say what was added, then stay on the step's list or go on."""
    if added:
        messages.success(request, message)
    if _stays(request, added):
        return redirect(f"{_step_url(step)}#step")
    return redirect(_destination(request, step))


def _removed(request: HttpRequest, step: KybStep, message: str) -> HttpResponse:
    """Back to the step's list after a removal, with what was typed on its page still there."""
    if request.POST.get("file"):
        # The form was sent without its file (the Remove button's formenctype).
        message += " The file you chose wasn't uploaded: choose it again."
    messages.success(request, message)
    _keep_typed(request, step)
    return redirect(f"{_step_url(step)}#step")


def _not_removed(request: HttpRequest, step: KybStep, error: ValidationError) -> HttpResponse:
    messages.error(request, " ".join(error.messages))
    return redirect(f"{_step_url(step)}#step")


@organization_required("kyb.view")
@require_http_methods(["GET", "POST"])
def kyb_documents(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _kyb_page(request, KybStep.DOCUMENTS)
    _require_edit(request)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    form = DocumentForm(request.POST, request.FILES)
    if length > MAX_UPLOAD_REQUEST_BYTES:
        # Nothing of it was kept: kyb.uploads.OversizedFileSkipper dropped it as it came in.
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", uploads.MESSAGES["too_large"])
        return _kyb_page(request, KybStep.DOCUMENTS, status=413, document_form=form)
    uploading = request.POST.get("action") == "upload" or "file" in request.FILES
    if not uploading:
        return redirect(_destination(request, KybStep.DOCUMENTS))
    if not form.is_valid():
        _refuse_if_too_early(request, form)
        return _kyb_page(request, KybStep.DOCUMENTS, status=400, document_form=form)
    try:
        documents.kyb_document_add(
            organization=request.organization,
            uploaded_by=request.user,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _kyb_page(request, KybStep.DOCUMENTS, status=400, document_form=form)
    return _saved(request, KybStep.DOCUMENTS, uploading, "Document uploaded.")


@organization_required("kyb.edit")
@_form_action
def document_remove(request: HttpRequest, document_id: UUID) -> HttpResponse:
    try:
        documents.kyb_document_remove(organization=request.organization, document_id=document_id)
    except ValidationError as error:
        return _not_removed(request, KybStep.DOCUMENTS, error)
    return _removed(request, KybStep.DOCUMENTS, "Document removed.")


@organization_required("kyb.view")
@require_GET
def kyb_review(request: HttpRequest) -> HttpResponse:
    return _kyb_page(request, KybStep.REVIEW)


@organization_required("kyb.edit")
@_form_action
def kyb_submit(request: HttpRequest) -> HttpResponse:
    try:
        services.kyb_submit(organization=request.organization, submitted_by=request.user)
    except ValidationError as error:
        return _kyb_page(
            request,
            KybStep.REVIEW,
            status=400,
            submit_errors=error.messages,
            incomplete=any(e.code == "incomplete" for e in error.error_list),
        )
    messages.success(
        request, "Your KYB is submitted. Our team will review it and email you the decision."
    )
    return redirect("kyb:go_live")


@require_GET
def document_download(request: HttpRequest, document_id: UUID) -> HttpResponse:
    """The document's bytes, as an attachment, to staff who may review KYB and to the owners
    and admins of its organization; 404 to everyone else."""
    document = selectors.document_for_download(
        document_id=document_id,
        user=request.user,
        organization=request.organization,
        role=role_of(request),
    )
    if document is None:
        raise Http404
    response = HttpResponse(
        documents.kyb_document_read(document=document), content_type=document.content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{document.download_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
