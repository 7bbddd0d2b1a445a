"""One exception tree, mapped to HTTP and an OperationOutcome body in one place (STYLE.md habit 7).

CDS Hooks 2.0.1 defines only 412; the 3.0 ballot adds OperationOutcome bodies on errors (CONTRACT.md C2),
which we send already because it is cheap and tells an integrator what is wrong.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.hooks.devhints import unauthorized_text

log = logging.getLogger(__name__)
FHIR_JSON = "application/fhir+json"


class ServiceError(Exception):
    """Base of every error we answer deliberately. ``issue_code`` is a FHIR issue-type code."""

    status = 500
    issue_code = "exception"

    def __init__(self, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.diagnostics = diagnostics


class MalformedRequest(ServiceError):
    status, issue_code = 400, "invalid"


class Unauthorized(ServiceError):
    """The body never says why (CONTRACT.md S7); the reason goes to the log."""

    status, issue_code = 401, "login"


class UnknownService(ServiceError):
    status, issue_code = 404, "not-found"


class DataUnavailable(ServiceError):
    """CONTRACT.md P9: required data could be had neither by prefetch nor from ``fhirServer``."""

    status, issue_code = 412, "incomplete"


class UnprocessableFeedback(ServiceError):
    """Well-formed feedback that breaks a CDS Hooks invariant (cds-fb-1..3)."""

    status, issue_code = 422, "business-rule"


class ServiceUnavailable(ServiceError):
    """A dependency we must consult is down (e.g. the replay records): try again, nothing was decided."""

    status, issue_code = 503, "transient"


class Overloaded(ServiceError):
    status, issue_code = 429, "throttled"


def operation_outcome(diagnostics: str, code: str, severity: str = "error") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }


def error_response(status: int, diagnostics: str, code: str) -> JSONResponse:
    return JSONResponse(operation_outcome(diagnostics, code), status_code=status, media_type=FHIR_JSON)


def refusal_response(exc: ServiceError, request: Request) -> JSONResponse:
    """The answer to a deliberate refusal; a 401 says why only in development (CONTRACT.md S7,
    app/hooks/devhints.py)."""
    if isinstance(exc, Unauthorized):
        return error_response(401, unauthorized_text(request, exc.diagnostics), exc.issue_code)
    return error_response(exc.status, exc.diagnostics, exc.issue_code)


async def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    log.info("request refused", extra={"status": exc.status, "path": request.url.path})
    return refusal_response(exc, request)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(400, describe_validation_errors(exc.errors()), "invalid")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not-found", 405: "not-supported"}.get(exc.status_code, "processing")
    return error_response(exc.status_code, str(exc.detail), code)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Last resort: log the type only (messages may carry patient data) and say nothing specific."""
    log.error("unexpected error", extra={"error_type": type(exc).__name__, "path": request.url.path})
    return error_response(500, "Internal error; the event was logged.", "exception")


def describe_validation_errors(errors: Any) -> str:
    """Turn pydantic errors into one readable line naming each bad field (never echoing values)."""
    parts = []
    for error in list(errors)[:10]:
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        message = error.get("msg", "invalid")
        if error.get("type") == "json_invalid":  # the decoder's reason and position, never the text
            location, message = "body", f"{message}: {error.get('ctx', {}).get('error', '')}"
        parts.append(f"{location}: {message}")
    return "; ".join(parts) or "invalid request"


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
