"""One error format for the whole API, and the mapping from exceptions to HTTP statuses.

Every error body has a human-readable ``detail``; validation errors add ``errors``, one entry
per bad field (or, for an import, per bad row). Services raise Django's own exceptions
(``PermissionDenied``, ``Http404``, ``ValidationError``); this module turns them into
responses so handlers never catch anything themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError

from trustledger.org.services import ReportingCycleError

if TYPE_CHECKING:
    from ninja import NinjaAPI

#: What to send when a request carries no (valid) credentials.
SIGN_IN_MESSAGE = (
    "authentication required: sign in for a session cookie, "
    "or send an API token as 'Authorization: Bearer tl_…'"
)


class ErrorOut(Schema):
    """Any refused request: ``detail`` says why."""

    detail: str


class FieldErrorOut(Schema):
    """One bad input: ``field`` names it (``non_field`` for the record as a whole)."""

    field: str
    message: str


class ValidationErrorOut(Schema):
    """A request that does not validate: one entry per bad field."""

    detail: str
    errors: list[FieldErrorOut]


#: Error responses most operations can give; merged into each operation's ``response``.
COMMON_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    422: ValidationErrorOut,
}
#: For operations on one object addressed by id.
OBJECT_ERRORS: dict[int, Any] = {**COMMON_ERRORS, 404: ErrorOut}


def _field_errors(exc: DjangoValidationError) -> list[dict[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": "non_field" if name == "__all__" else name, "message": message}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": "non_field", "message": message} for message in exc.messages]


def _summary(errors: list[dict[str, str]]) -> str:
    return "; ".join(
        error["message"]
        if error["field"] == "non_field"
        else f"{error['field']}: {error['message']}"
        for error in errors
    )


def _request_field(location: Any) -> str:
    """``("body", "payload", "name")`` → ``"name"``; ``("query", "limit")`` → ``"limit"``."""
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
        parts = parts[1:]
    if parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "body"


def install_error_handlers(api: NinjaAPI) -> None:
    """Register the exception → response mapping on ``api`` (called once, in api.py)."""

    def respond(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else SIGN_IN_MESSAGE
        response = respond(request, {"detail": message}, 401)
        response["WWW-Authenticate"] = 'Bearer realm="trustledger"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, {"detail": exc.message}, exc.status_code)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, {"detail": str(exc) or "permission denied"}, 403)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, {"detail": str(exc) or "not found"}, 404)

    @api.exception_handler(ReportingCycleError)
    def cycle(request: HttpRequest, exc: ReportingCycleError) -> HttpResponse:
        errors = _field_errors(exc)
        return respond(request, {"detail": _summary(errors), "errors": errors}, 409)

    @api.exception_handler(DjangoValidationError)
    def invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        errors = _field_errors(exc)
        return respond(request, {"detail": _summary(errors), "errors": errors}, 422)

    @api.exception_handler(RequestValidationError)
    def invalid_request(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
        errors = [
            {"field": _request_field(error.get("loc", ())), "message": str(error.get("msg", ""))}
            for error in exc.errors
        ]
        return respond(request, {"detail": _summary(errors), "errors": errors}, 422)

    @api.exception_handler(SuspiciousOperation)
    def bad_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return respond(request, {"detail": str(exc) or "bad request"}, 400)
