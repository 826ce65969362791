import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from accounts import permissions
from accounts.decorators import organization_required, role_of
from accounts.reauthentication import password_again
from products import selectors as product_selectors

from . import selectors, services
from .decorators import app_required
from .forms import AppCreateForm, AppRenameForm, ClientSecretCreateForm, RedirectURIForm
from .models import MAX_ACTIVE_SECRETS, App, ClientSecret, RedirectURI

FORM_USED = (
    "That form was already used, and the secret it created can't be shown again. "
    "If you didn't copy it, revoke it and create a new one."
)
# Tokens of the secret forms this session has shown and not yet used (see client_secret_create).
FORM_TOKENS_KEY = "client_secret_form_tokens"


def _posted(request: HttpRequest):
    """The form data of a POST (even an empty one, which then gets its errors), else None."""
    return request.POST if request.method == "POST" else None


def _page(request: HttpRequest, template: str, app: App, tab: str, **context) -> HttpResponse:
    role = role_of(request)
    context.update(
        app=app,
        tab=tab,
        nav_section="apps",
        can_create_secret=permissions.allows(role, "client_secret.create"),
        can_revoke=permissions.allows(role, "client_secret.revoke"),
        can_change_uris=permissions.allows(role, "redirect_uri.change"),
        can_rename=permissions.allows(role, "app.rename"),
    )
    return render(request, template, context)


@organization_required("app.view")
def app_list(request: HttpRequest) -> HttpResponse:
    apps = selectors.app_list(organization=request.organization)
    return render(
        request,
        "apps/app_list.html",
        {
            "apps": apps,
            "nav_section": "apps",
            "can_create": permissions.allows(role_of(request), "app.create"),
        },
    )


@organization_required("app.create")
@require_http_methods(["GET", "POST"])
def app_create(request: HttpRequest) -> HttpResponse:
    sales_contacted = product_selectors.sales_contacted(organization=request.organization)
    form = AppCreateForm(
        _posted(request), sales_contacted=sales_contacted, preselect=request.GET.get("type")
    )
    if request.method == "POST" and form.is_valid():
        try:
            app = services.app_create(
                organization=request.organization,
                created_by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{app.name} is created and ready to configure.")
            return redirect(app)
    return render(
        request,
        "apps/app_create.html",
        {
            "form": form,
            "nav_section": "apps",
            "sales_contacted": sales_contacted,
        },
    )


@app_required("app.view")
def app_detail(request: HttpRequest, app: App) -> HttpResponse:
    summary = selectors.app_summary(app=app)
    return _page(request, "apps/app_detail.html", app, "overview", **summary)


@app_required("app.view")
@require_http_methods(["GET", "POST"])
def app_settings(request: HttpRequest, app: App) -> HttpResponse:
    form = AppRenameForm(_posted(request), initial={"name": app.name})
    if request.method == "POST":
        # Only the name is read from the form: a tampered POST that adds a display name
        # or an app type changes nothing, since no service accepts them.
        permissions.require(role_of(request), "app.rename")
        if form.is_valid():
            try:
                services.app_rename(
                    app=app, name=form.cleaned_data["name"], renamed_by=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "App name saved.")
                return redirect("apps:settings", client_id=app.client_id)
    return _page(request, "apps/app_settings.html", app, "general", form=form)


@app_required("app.view")
def api_client(request: HttpRequest, app: App) -> HttpResponse:
    return _api_client_page(request, app, RedirectURIForm())


def _api_client_section(app: App, section: str) -> HttpResponse:
    """Back to the API client tab, scrolled to the section that changed (its message is there)."""
    return redirect(reverse("apps:api_client", kwargs={"client_id": app.client_id}) + f"#{section}")


def _api_client_page(request: HttpRequest, app: App, uri_form: RedirectURIForm) -> HttpResponse:
    context = selectors.api_client(app=app)
    return _page(request, "apps/api_client.html", app, "api_client", uri_form=uri_form, **context)


def _new_form_token(request: HttpRequest) -> str:
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(FORM_TOKENS_KEY, [])[-9:]
    request.session[FORM_TOKENS_KEY] = [*tokens, token]
    return token


def _forget_form_token(request: HttpRequest, token: str) -> None:
    """The form created its secret: sending it again (reload, history) is refused."""
    tokens = request.session.get(FORM_TOKENS_KEY, [])
    if token in tokens:
        request.session[FORM_TOKENS_KEY] = [t for t in tokens if t != token]


@sensitive_post_parameters("password")
@app_required("client_secret.create")
@require_http_methods(["GET", "POST"])
def client_secret_create(request: HttpRequest, app: App) -> HttpResponse:
    """Password, then the new secret, shown in this response only.

    The response is never cached and the form carries a one-time token, so a reload, the
    back button or a resubmission from history never shows the secret again (nor mints
    another one by accident).
    """
    at_limit = ClientSecret.objects.active().filter(app=app).count() >= MAX_ACTIVE_SECRETS
    form = ClientSecretCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        plaintext = _create_secret(request, app, form)
        if plaintext is not None:
            response = _page(
                request,
                "apps/client_secret_created.html",
                app,
                "api_client",
                secret=form.secret,
                plaintext=plaintext,
            )
            add_never_cache_headers(response)
            return response
        if form.used:
            messages.error(request, FORM_USED)
            return redirect("apps:api_client", client_id=app.client_id)
    if request.method == "GET":
        form = ClientSecretCreateForm(initial={"form_token": _new_form_token(request)})
    response = _page(
        request,
        "apps/client_secret_create.html",
        app,
        "api_client",
        form=form,
        at_limit=at_limit,
        too_many=services.TOO_MANY_SECRETS,
    )
    add_never_cache_headers(response)
    return response


@sensitive_variables("plaintext")
def _create_secret(request: HttpRequest, app: App, form: ClientSecretCreateForm) -> str | None:
    """The plaintext of a new secret, or None with the reason on the form."""
    form.used = False
    user = request.user
    refused = password_again(request, form.cleaned_data["password"])
    if refused:
        form.add_error("password", refused)
        return None
    token = form.cleaned_data["form_token"]
    if token and token not in request.session.get(FORM_TOKENS_KEY, []):
        form.used = True
        return None
    try:
        form.secret, plaintext = services.client_secret_create(
            app=app, name=form.cleaned_data["name"], created_by=user
        )
    except ValidationError as error:
        form.add_error(None, error)  # nothing was created: the form can be sent again
        return None
    _forget_form_token(request, token)
    return plaintext


@app_required("client_secret.revoke")
@require_http_methods(["GET", "POST"])
def client_secret_revoke(request: HttpRequest, app: App, secret_id: int) -> HttpResponse:
    secret = get_object_or_404(ClientSecret.objects.select_related("app"), app=app, pk=secret_id)
    if secret.revoked_at is not None:
        messages.info(request, f"The client secret {secret.hint}… is already revoked.")
        return redirect("apps:api_client", client_id=app.client_id)
    if request.method == "POST":
        services.client_secret_revoke(secret=secret, revoked_by=request.user)
        messages.success(
            request,
            f"Client secret {secret.hint}… is revoked. It can no longer authenticate {app.name}.",
            extra_tags="section:client-secrets",
        )
        return _api_client_section(app, "client-secrets")
    return _page(request, "apps/client_secret_revoke.html", app, "api_client", secret=secret)


@app_required("redirect_uri.change")
@require_http_methods(["GET", "POST"])
def redirect_uri_add(request: HttpRequest, app: App) -> HttpResponse:
    if request.method == "GET":  # the form lives on the API client tab
        return redirect("apps:api_client", client_id=app.client_id)
    form = RedirectURIForm(request.POST)
    if form.is_valid():
        try:
            redirect_uri = services.redirect_uri_add(
                app=app, uri=form.cleaned_data["uri"], added_by=request.user
            )
        except ValidationError as error:
            form.add_error("uri", error)
        else:
            messages.success(
                request,
                f"Redirect URI {redirect_uri.uri} added.",
                extra_tags="section:redirect-uris",
            )
            return _api_client_section(app, "redirect-uris")
    return _api_client_page(request, app, form)


@app_required("redirect_uri.change")
@require_http_methods(["GET", "POST"])
def redirect_uri_remove(request: HttpRequest, app: App, uri_id: int) -> HttpResponse:
    redirect_uri = get_object_or_404(RedirectURI.objects.select_related("app"), app=app, pk=uri_id)
    if request.method == "GET":  # removing takes the button on the API client tab
        return redirect("apps:api_client", client_id=app.client_id)
    services.redirect_uri_remove(redirect_uri=redirect_uri, removed_by=request.user)
    messages.success(
        request, f"Redirect URI {redirect_uri.uri} removed.", extra_tags="section:redirect-uris"
    )
    return _api_client_section(app, "redirect-uris")


@app_required("app.view")
def app_activity(request: HttpRequest, app: App) -> HttpResponse:
    events = selectors.app_activity(app=app)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return _page(request, "apps/app_activity.html", app, "activity", page=page)
