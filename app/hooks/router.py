"""HTTP routes: discovery (D1–D6), service calls (R1–R9, C1), feedback (F1–F7), health probes."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from app.feedback import FeedbackItem
from app.hooks.deps import CallerDep, ClientDep, FeedbackRepoDep, OptionalClientDep, RuntimeDep
from app.hooks.errors import UnknownService, UnprocessableFeedback
from app.hooks.handlers import HookCall, handle_hook, make_call
from app.hooks.jsonio import LARGE_BODY_BYTES, OrjsonResponse, OrjsonRoute
from app.hooks.limits import BODY_BYTES
from app.hooks.offload import handle_hook_in_thread
from app.hooks.schemas import (
    CdsServiceResponse,
    DiscoveryResponse,
    FeedbackEntry,
    FeedbackRequest,
    FeedbackResponse,
    HookRequest,
)
from app.hooks.services import SERVICES, ServiceDefinition
from app.observability import bind_hook

log = logging.getLogger(__name__)
router = APIRouter(route_class=OrjsonRoute)
_OUTCOME = {"description": "OperationOutcome saying what is wrong", "content": {"application/fhir+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {**_OUTCOME, "description": "Malformed request (bad JSON, wrong hook for the id, missing field)"},
    401: {**_OUTCOME, "description": "The CDS client's JWT is missing or not trusted (no detail given)"},
    404: {**_OUTCOME, "description": "No service with this id"},
    408: {**_OUTCOME, "description": "The request body arrived too slowly"},
    413: {**_OUTCOME, "description": "Request body larger than the configured cap"},
    429: {**_OUTCOME, "description": "This client has too many requests in flight"},
    503: {**_OUTCOME, "description": "Authentication cannot be checked right now (replay records down)"},
}


@router.get(
    "/cds-services",
    response_model=DiscoveryResponse,
    responses={401: {**_OUTCOME, "description": "A token was sent and is not trusted (none is needed)"},
               429: ERRORS[429], 503: ERRORS[503]},
    tags=["cds-hooks"],
)
async def discovery(client: OptionalClientDep) -> dict[str, Any]:
    """CONTRACT.md D1–D5: every service with its hook, title, description and prefetch templates.

    Open without a token (docs/security.md "Discovery"): it lists public service descriptions only, Epic
    never calls it, and a newcomer's first ``curl`` must work; a token that is sent is still verified."""
    return {"services": [service.describe() for service in SERVICES.values()]}


@router.post(
    "/cds-services/{service_id}",
    tags=["cds-hooks"],
    response_class=OrjsonResponse,
    responses={
        200: {"model": CdsServiceResponse, "description": "Cards and PAMA system actions (C1)"},
        **ERRORS,
        412: {**_OUTCOME, "description": "Required FHIR data could not be obtained (P9)"},
        422: {**_OUTCOME, "description": "Reserved: hook requests that fail validation get 400"},
    },
)
async def call_service(
    service_id: str, body: HookRequest, caller: CallerDep, request: Request
) -> OrjsonResponse:
    """CONTRACT.md R1–R9: evaluate the hook and answer with cards and PAMA system actions.

    The handler's pruned dict is sent as is: re-validating cards on the way out would cost time on the
    hot path and turn a content slip into a 500 (the card content tests guard the shape instead). A call
    with a large body is evaluated in a worker thread (``app.hooks.offload``), so the loop stays free.
    """
    settings = caller.runtime.settings
    call = _at_most(make_call(_service(service_id), body, caller.client), settings.max_orders_per_call)
    bind_hook(call.service.id, body.hookInstance, caller.client.iss if caller.client else None)
    large = request.scope.get(BODY_BYTES, 0) >= LARGE_BODY_BYTES
    evaluate = handle_hook_in_thread if large else handle_hook
    return OrjsonResponse(await evaluate(call, caller.runtime))


def _at_most(call: HookCall, limit: int) -> HookCall:
    """order-sign rates at most ``MAX_ORDERS_PER_CALL`` draft orders, in the EHR's order: 6,000 orders
    once made a 42 MB answer and 6,000 audit rows. The rest are left unrated, and the log says so."""
    if len(call.orders) <= limit:
        return call
    log.warning("%d draft orders in one call; rating the first %d (MAX_ORDERS_PER_CALL)", len(call.orders),
                limit, extra={"orders": len(call.orders), "rated": limit})
    return replace(call, orders=call.orders[:limit])


@router.post(
    "/cds-services/{service_id}/feedback",
    response_model=FeedbackResponse,
    tags=["cds-hooks"],
    responses={**ERRORS, 422: {**_OUTCOME, "description": "Feedback that breaks cds-fb-1..3"}},
)
async def feedback(
    service_id: str, body: FeedbackRequest, client: ClientDep, repository: FeedbackRepoDep
) -> dict[str, int]:
    """CONTRACT.md F1–F6: store every item once (idempotent); Epic's ``overrideReasons`` accepted."""
    service = _service(service_id)
    items = [_feedback_item(service, index, entry) for index, entry in enumerate(body.feedback)]
    stored = await run_in_threadpool(repository.record, items)
    return {"received": len(items), "stored": stored}


@router.get("/healthz", tags=["operations"])
async def healthz() -> dict[str, str]:
    """Liveness: touches nothing, so a slow database never gets a healthy pod restarted."""
    return {"status": "ok"}


@router.get("/readyz", tags=["operations"], responses={503: {"description": "Not ready"}})
async def readyz(runtime: RuntimeDep, request: Request, response: Response) -> dict[str, Any]:
    """Readiness: the database answers and the value sets and card content are loaded. ``audit`` is a
    detail, not a check: a record the database refused is set aside (counted here), never retried forever."""
    checks = {
        "database": await run_in_threadpool(runtime.database.ping),
        "value_sets": bool(runtime.content.value_sets.concepts),
        "cards": bool(runtime.content.cards.version),
    }
    ready = all(checks.values())
    response.status_code = 200 if ready else 503
    answer: dict[str, Any] = {"status": "ready" if ready else "not ready", "checks": checks}
    audit = getattr(request.app.state, "audit", None)
    if audit is not None:
        answer["audit"] = audit.health()
    return answer


def _service(service_id: str) -> ServiceDefinition:
    service = SERVICES.get(service_id)
    if service is None:
        raise UnknownService(f"no CDS service with id {service_id!r}; GET /cds-services lists them")
    return service


def _feedback_item(service: ServiceDefinition, index: int, entry: FeedbackEntry) -> FeedbackItem:
    if entry.outcome == "accepted" and not entry.acceptedSuggestions:
        raise UnprocessableFeedback(f"feedback[{index}]: acceptedSuggestions is required when accepted")
    # cds-fb-3 asks clients for a reason or a comment; an empty one is kept as a plain dismissal rather
    # than refused, so a clinician's override is never lost over the client's shape.
    override = entry.override()
    reason = override.reason if override else None
    return FeedbackItem(
        service_id=service.id,
        card_uuid=entry.card,
        outcome=entry.outcome,
        outcome_timestamp=entry.outcomeTimestamp,
        accepted_suggestions=tuple(s.id for s in entry.acceptedSuggestions),
        override_reason_system=reason.system if reason else None,
        override_reason_code=reason.code if reason else None,
        override_reason_display=reason.display if reason else None,
        override_comment=override.userComment if override else None,
    )
