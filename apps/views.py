from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from accounts import permissions
from accounts.decorators import organization_required, post_only, role_of
from accounts.reauthentication import password_again
from products import selectors as product_selectors

from . import selectors, services
from .decorators import app_required
from .forms import (
    AppCreateForm,
    AppRenameForm,
    ClientSecretCreateForm,
    ClientSecretRollForm,
    RedirectURIForm,
)
from .models import MAX_ACTIVE_SECRETS, App, ClientSecret, RedirectURI


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
    apps = list(selectors.app_list(organization=request.organization))
    request.console_apps = apps  # the top dropdown lists the same apps: no query of its own
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


@dataclass(frozen=True)
class _Created:
    secret: ClientSecret
    plaintext: str = field(repr=False)
    rolled: ClientSecret | None = None  # the secret it replaces, with its new expiry


@sensitive_variables("password")
def _made(request: HttpRequest, form: ClientSecretCreateForm, make) -> "_Created | ValidationError":
    refused = password_again(request, form.cleaned_data["password"])
    if refused:
        return ValidationError({"password": refused})
    try:
        return make(form)
    except ValidationError as error:
        return error


def _secret_form_page(
    request: HttpRequest,
    app: App,
    form: ClientSecretCreateForm,
    make: Callable[[ClientSecretCreateForm], "_Created"],
    template: str,
    **context,
) -> HttpResponse:
    """The create and roll forms: password, then the new secret, shown in this response only.

    The response is never cached and the form carries a one-time token, spent by the secret's
    creation, so a reload, the back button or a resubmission from history never shows the
    secret again (nor mints another one). At five active secrets the form isn't offered.
    `make` calls the service once the password is right; a refusal (a ValidationError) leaves
    the form's token unspent.
    """
    at_limit = ClientSecret.objects.active().filter(app=app).count() >= MAX_ACTIVE_SECRETS
    if request.method == "POST" and form.is_valid():
        result = _made(request, form, make)
        if isinstance(result, _Created):
            response = _page(
                request,
                "apps/client_secret_created.html",
                app,
                "api_client",
                secret=result.secret,
                plaintext=result.plaintext,
                rolled=result.rolled,
            )
            add_never_cache_headers(response)
            return response
        code = getattr(result, "code", None)
        if code in ("form_used", "not_rollable"):
            messages.error(request, result.messages[0])
            return redirect("apps:api_client", client_id=app.client_id)
        form.add_error(None, result)  # nothing was created: the form can be sent again
    if request.method == "GET" and not at_limit:
        token = services.secret_form_token_issue(app=app, user=request.user)
        form = type(form)(initial={"form_token": token})
    elif form.has_error(NON_FIELD_ERRORS, code="no_form_token") and not at_limit:
        # A post that lost its token gets a new one, so it can be sent again.
        form.data = form.data.copy()
        form.data["form_token"] = services.secret_form_token_issue(app=app, user=request.user)
    response = _page(request, template, app, "api_client", form=form, at_limit=at_limit, **context)
    add_never_cache_headers(response)
    return response


@sensitive_post_parameters("password", "form_token")
@app_required("client_secret.create")
@require_http_methods(["GET", "POST"])
def client_secret_create(request: HttpRequest, app: App) -> HttpResponse:
    @sensitive_variables("plaintext")
    def create(form: ClientSecretCreateForm) -> _Created:
        secret, plaintext = services.client_secret_create_from_form(
            app=app,
            created_by=request.user,
            form_token=form.cleaned_data["form_token"],
            name=form.cleaned_data["name"],
            expires_at=form.expires_at(),
        )
        return _Created(secret, plaintext)

    return _secret_form_page(
        request,
        app,
        ClientSecretCreateForm(_posted(request)),
        create,
        "apps/client_secret_create.html",
        too_many=services.TOO_MANY_SECRETS,
    )


def _secret_of(app: App, secret_id: int) -> ClientSecret:
    return get_object_or_404(ClientSecret.objects.select_related("app"), app=app, pk=secret_id)


@sensitive_post_parameters("password", "form_token")
@app_required("client_secret.create")
@require_http_methods(["GET", "POST"])
def client_secret_roll(request: HttpRequest, app: App, secret_id: int) -> HttpResponse:
    """Roll: a new secret now (shown once, as when creating), and the old one's expiry."""
    secret = _secret_of(app, secret_id)
    if not secret.works_at(timezone.now()):
        messages.info(request, services.NOT_ROLLABLE)
        return redirect("apps:api_client", client_id=app.client_id)

    @sensitive_variables("plaintext")
    def roll(form: ClientSecretRollForm) -> _Created:
        new, plaintext, old = services.client_secret_roll_from_form(
            secret=secret,
            rolled_by=request.user,
            form_token=form.cleaned_data["form_token"],
            old_expires_at=form.expires_at(),
        )
        return _Created(new, plaintext, rolled=old)

    return _secret_form_page(
        request,
        app,
        ClientSecretRollForm(_posted(request)),
        roll,
        "apps/client_secret_roll.html",
        secret=secret,
        too_many=services.TOO_MANY_TO_ROLL,
    )


@app_required("client_secret.revoke")
@require_http_methods(["GET", "POST"])
def client_secret_revoke(request: HttpRequest, app: App, secret_id: int) -> HttpResponse:
    secret = _secret_of(app, secret_id)
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


def _api_client_tab(request: HttpRequest, app: App, *args, **kwargs) -> str:
    """Where the forms of the API client tab live."""
    return reverse("apps:api_client", kwargs={"client_id": app.client_id})


@app_required("redirect_uri.change")
@post_only(_api_client_tab)
def redirect_uri_add(request: HttpRequest, app: App) -> HttpResponse:
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


def _redirect_uri_of(app: App, uri_id: int) -> RedirectURI:
    return get_object_or_404(RedirectURI.objects.select_related("app"), app=app, pk=uri_id)


def _redirect_uri_tab(request: HttpRequest, app: App, uri_id: int) -> str:
    """Removing takes the button on the API client tab; a URI that isn't the app's is a 404
    either way."""
    _redirect_uri_of(app, uri_id)
    return _api_client_tab(request, app)


@app_required("redirect_uri.change")
@post_only(_redirect_uri_tab)
def redirect_uri_remove(request: HttpRequest, app: App, uri_id: int) -> HttpResponse:
    redirect_uri = _redirect_uri_of(app, uri_id)
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
