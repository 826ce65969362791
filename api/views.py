"""The Tink API: POST /api/v1/oauth/token, GET /api/v1/oauth/jwks, POST /api/v1/oauth/introspect
and its description, GET /api/v1/openapi.yaml; and POST /api/v1/secret-scanning/github, where
GitHub reports leaked secrets. The HTML pages about the API (its reference,
Analytics) are api/pages.py.

JSON in every answer, errors as RFC 6749 §5.2 says. No session, no CSRF (clients authenticate
with their credentials), no cookies, and no transaction around the request: the token path
reads one row and writes nothing to the database.
"""

import base64
from functools import wraps
from urllib.parse import parse_qsl, unquote_plus

from csp.decorators import csp_exempt
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from . import keys, openapi, secret_scanning, services
from .models import Outcome
from .services import OAuthError

MAX_BODY_BYTES = 8 * 1024
MAX_FIELDS = 20
FORM_TYPE = "application/x-www-form-urlencoded"


# JSON is never a document a browser renders, so the API's policy is a constant that forbids
# everything (django-csp's middleware, which builds the pages' policy, skips these views).
API_CSP = "default-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"


def _json(body: dict, status: int = 200, headers: dict[str, str] | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Content-Security-Policy"] = API_CSP
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(error: OAuthError) -> JsonResponse:
    headers = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="Tink API", charset="UTF-8"'
    if error.retry_after:
        headers["Retry-After"] = str(error.retry_after)
    body = {"error": error.error, "error_description": error.description}
    return _json(body, error.status, headers)


def _bad(description: str, status: int = 400) -> OAuthError:
    return OAuthError("invalid_request", description, status)


def _form(request: HttpRequest) -> dict[str, str]:
    """The form fields of a token or introspection request, or an OAuthError saying why not."""
    content_type, _, params = request.META.get("CONTENT_TYPE", "").partition(";")
    if content_type.strip().lower() != FORM_TYPE:
        raise _bad(f"Send the parameters form-encoded, with Content-Type: {FORM_TYPE}.", 415)
    charset = params.strip().lower().removeprefix("charset=").strip('"')
    if params.strip() and charset not in ("utf-8", "utf8"):
        raise _bad("The body must be UTF-8.", 415)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise _bad("Content-Length is not a number.") from None
    if length > MAX_BODY_BYTES:
        raise _bad(f"The body is too large: at most {MAX_BODY_BYTES} bytes.", 413)
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise _bad(f"The body is too large: at most {MAX_BODY_BYTES} bytes.", 413)
    try:
        text = body.decode("ascii")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise _bad("The body must be percent-encoded UTF-8.") from None
    except ValueError:
        raise _bad(f"Too many parameters: at most {MAX_FIELDS}.") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise _bad(f"The parameter {name!r} is repeated.")
        if "\x00" in value or "\x00" in name:
            raise _bad("Parameters can't contain NUL characters.")
        fields[name] = value
    return fields


@sensitive_variables("fields", "decoded", "client_secret")
def _credentials(request: HttpRequest, fields: dict[str, str]) -> tuple[str, str]:
    """client_id and client_secret, from HTTP Basic or from the form (not both)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            raise services.invalid_client()
        if "client_secret" in fields:
            raise _bad("Authenticate with HTTP Basic or with form fields, not both.")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except ValueError:  # bad base64 (binascii.Error), non-ASCII text, or bad UTF-8
            raise services.invalid_client() from None
        client_id, colon, client_secret = decoded.partition(":")
        if not colon:
            raise services.invalid_client()
        # RFC 6749 §2.3.1: both are form-urlencoded before they are joined.
        client_id, client_secret = unquote_plus(client_id), unquote_plus(client_secret)
        if fields.get("client_id", client_id) != client_id:
            raise _bad("client_id in the form differs from the one in HTTP Basic.")
        return client_id, client_secret
    client_id, client_secret = fields.get("client_id"), fields.get("client_secret")
    if not client_id or client_secret is None:
        missing = "client_id" if not client_id else "client_secret"
        raise OAuthError(
            "invalid_client",
            f"{missing} is missing: authenticate with client_id and client_secret, "
            "as form fields or with HTTP Basic.",
            401,
            Outcome.INVALID_CLIENT,
        )
    return client_id, client_secret


def _method_not_allowed(allowed: str) -> JsonResponse:
    return _json(
        {"error": "invalid_request", "error_description": f"Use {allowed}."},
        405,
        {"Allow": allowed},
    )


def api_endpoint(*methods: str):
    """An endpoint of the Tink API: clients authenticate with credentials, not a session
    (no CSRF, no log-in), nothing runs in a request-wide transaction, and any other method
    gets a JSON 405."""

    def decorator(view):
        @csp_exempt()
        @csrf_exempt
        @login_not_required
        @transaction.non_atomic_requests
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in methods:
                return _method_not_allowed(methods[0])
            return view(request, *args, **kwargs)

        wrapper.tink_api = True  # console.middleware.UsageFlushMiddleware leaves it alone
        return wrapper

    return decorator


@api_endpoint("POST")
@sensitive_post_parameters("client_secret")
def token(request: HttpRequest) -> JsonResponse:
    fields: dict[str, str] = {}
    try:
        fields = _form(request)
        if "grant_type" not in fields:
            raise _bad(
                "grant_type is missing: use grant_type=client_credentials (or "
                "authorization_code, with a code)."
            )
        client_id, client_secret = _credentials(request, fields)
    except OAuthError as error:
        services.token_refused(client_id=fields.get("client_id"), outcome=error.outcome)
        return _error(error)
    try:
        body = services.token_request(
            client_id=client_id,
            client_secret=client_secret,
            grant_type=fields["grant_type"],
            scope=fields.get("scope"),
            code=fields.get("code"),
        )
    except OAuthError as error:
        return _error(error)
    return _json(body)


@api_endpoint("POST")
@sensitive_post_parameters("client_secret", "token")
def introspect(request: HttpRequest) -> JsonResponse:
    try:
        fields = _form(request)
        client_id, client_secret = _credentials(request, fields)
        caller = services.client_authenticate(client_id=client_id, client_secret=client_secret)
    except OAuthError as error:
        return _error(error)
    return _json(services.token_introspect(caller=caller, token=fields.get("token", "")))


@api_endpoint("GET", "HEAD")
def jwks(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(keys.jwks())
    response["Content-Security-Policy"] = API_CSP
    response["Cache-Control"] = "public, max-age=300"
    return response


@api_endpoint("GET", "HEAD")
def openapi_document(request: HttpRequest) -> HttpResponse:
    """api/openapi.yaml as it is, for code generators and API tools (RFC 9512's type)."""
    response = HttpResponse(openapi.text(), content_type="application/yaml")
    response["Content-Disposition"] = 'inline; filename="openapi.yaml"'
    response["Content-Security-Policy"] = API_CSP
    response["Cache-Control"] = "public, max-age=300"
    return response


@api_endpoint("POST")
def secret_scanning_github(request: HttpRequest) -> JsonResponse:
    """GitHub's secret scanning partner endpoint: a signed report of leaked tokens; each one
    that is a working secret of ours is revoked at once (api.secret_scanning)."""
    try:
        body = _body(request, secret_scanning.MAX_BODY_BYTES)
        secret_scanning.signature_verify(
            body=body,
            identifier=request.headers.get("Github-Public-Key-Identifier", ""),
            signature=request.headers.get("Github-Public-Key-Signature", ""),
        )
        reports = secret_scanning.reports_parse(body)
    except secret_scanning.ReportRefused as refused:
        headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
        return _json({"error": refused.description}, refused.status, headers)
    response = JsonResponse(secret_scanning.reports_handle(reports), safe=False)
    response["Content-Security-Policy"] = API_CSP
    response["Cache-Control"] = "no-store"
    return response


def _body(request: HttpRequest, limit: int) -> bytes:
    """The raw body, or ReportRefused (413) past `limit` bytes, whatever Content-Length says."""
    too_large = secret_scanning.ReportRefused(413, f"The body is too large: at most {limit} bytes.")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise secret_scanning.ReportRefused(400, "Content-Length is not a number.") from None
    if length > limit:
        raise too_large
    body = request.read(limit + 1)
    if len(body) > limit:
        raise too_large
    return body
