"""The Tink API's users and grants: POST /api/v1/user/create and
POST /api/v1/oauth/authorization-grant, both with the app's client token (Bearer).

A user belongs to the app whose token created it; every look-up is within that app, so another
app's user is answered as if it didn't exist. Errors are JSON: `{"errorCode", "errorMessage"}`
as the Tink API's user endpoints answer, and RFC 6749's `{"error", "error_description"}` on the
OAuth endpoint.
"""

import json

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse

from apps import selectors as app_selectors
from sandbox import services as sandbox_services

from . import services
from .services import OAuthError
from .views import MAX_BODY_BYTES, _error, _form, _json, api_endpoint


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _refused(refused: Refused) -> JsonResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="Tink API"'} if refused.status == 401 else None
    body = {"errorCode": refused.code, "errorMessage": refused.message}
    return _json(body, refused.status, headers)


def bearer(request: HttpRequest, scope: str) -> services.VerifiedToken:
    """The request's client token, which must carry `scope`, or Refused (401 or 403)."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused(
            401, "UNAUTHENTICATED", "Send the app's access token: Authorization: Bearer …"
        )
    verified = services.token_verify(token=token.strip())
    if verified is None:
        raise Refused(401, "UNAUTHENTICATED", "The access token is not valid or has expired.")
    if verified.user_id is not None:
        raise Refused(403, "FORBIDDEN", "This endpoint takes the app's client token, not a user's.")
    if scope not in verified.scopes:
        raise Refused(403, "FORBIDDEN", f"The access token lacks the scope {scope}.")
    return verified


def _json_body(request: HttpRequest) -> dict:
    content_type = request.META.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
    if content_type != "application/json":
        raise Refused(
            415, "UNSUPPORTED_MEDIA_TYPE", "Send JSON, with Content-Type: application/json."
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "BAD_REQUEST", "Content-Length is not a number.") from None
    body = request.read(MAX_BODY_BYTES + 1)
    if length > MAX_BODY_BYTES or len(body) > MAX_BODY_BYTES:
        raise Refused(
            413, "PAYLOAD_TOO_LARGE", f"The body is too large: at most {MAX_BODY_BYTES} bytes."
        )
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "BAD_REQUEST", "The body is not JSON.") from None
    if not isinstance(document, dict):
        raise Refused(400, "BAD_REQUEST", "The body must be a JSON object.")
    return document


@api_endpoint("POST")
def user_create(request: HttpRequest) -> JsonResponse:
    """A new user of the app: {"external_user_id", "market", "locale"} → {"user_id",
    "external_user_id"}; 409 when the app already has that external_user_id."""
    try:
        client = bearer(request, "user:create")
        body = _json_body(request)
        fields = {name: body.get(name) for name in ("external_user_id", "market", "locale")}
        missing = [name for name, value in fields.items() if value is None]
        if missing:
            raise Refused(400, "BAD_REQUEST", f"Missing: {', '.join(missing)}.")
        try:
            user = sandbox_services.end_user_create(app_id=client.secret.app_pk, **fields)
        except ValidationError as error:
            status = 409 if getattr(error, "code", None) == "conflict" else 400
            code = "CONFLICT" if status == 409 else "BAD_REQUEST"
            raise Refused(status, code, " ".join(error.messages)) from None
    except Refused as refused:
        return _refused(refused)
    return _json({"user_id": user.user_id, "external_user_id": user.external_user_id})


USER_SCOPES_REFUSED = "A user access token carries user data scopes only, e.g. accounts:read."


@api_endpoint("POST")
def authorization_grant(request: HttpRequest) -> JsonResponse:
    """A one-time code for one of the app's users: form user_id or external_user_id, and scope
    (comma-separated; the app's allowed user-data scopes) → {"code"}."""
    try:
        client = bearer(request, "authorization:grant")
    except Refused as refused:
        return _error(OAuthError("invalid_token", refused.message, refused.status))
    try:
        fields = _form(request)
        user_id, external_user_id = fields.get("user_id", ""), fields.get("external_user_id", "")
        if bool(user_id) == bool(external_user_id):
            raise OAuthError("invalid_request", "Name the user with user_id or external_user_id.")
        asked = services.parse_scope(fields.get("scope"))
        if asked is None:
            raise OAuthError("invalid_scope", "Ask for scopes, e.g. scope=accounts:read.")
        allowed = (
            app_selectors.scopes_allowed_for(app_pk=client.secret.app_pk)
            - sandbox_services.CLIENT_SCOPES
        )
        refused = [scope for scope in asked if scope not in allowed]
        if refused:
            raise OAuthError(
                "invalid_scope",
                f"This app may not grant: {', '.join(refused[:5])}. {USER_SCOPES_REFUSED}",
            )
        user = sandbox_services.end_user_of(
            app_id=client.secret.app_pk, user_id=user_id, external_user_id=external_user_id
        )
        if user is None:
            raise OAuthError("invalid_request", "This app has no such user.", 404)
    except OAuthError as error:
        return _error(error)
    return _json({"code": sandbox_services.authorization_grant(user=user, scopes=asked)})
