"""One patient's history → one row per spine imaging order, by the hooks' own code path.

Each order is replayed as an ``order-sign`` call whose only draft order is that ServiceRequest and whose
prefetch is the chart the hook would have been sent then (``asof``): ``make_call`` → ``build_chart`` →
``evaluate_call`` → ``build_response``, the functions ``app.hooks.handlers`` and ``spine-cds evaluate``
use. ``today`` is the order's own day (the hooks use the site's calendar only for an undated order).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from app.chart.dates import parse_fhir_date
from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.fhir.parse import parse_service_request
from app.fhir.view_error import ViewError
from app.hooks.errors import MalformedRequest
from app.hooks.handlers import Evaluation, build_response, evaluate_call, make_call
from app.hooks.runtime import Content
from app.hooks.schemas import HookRequest
from app.hooks.services import SERVICES
from app.pathway.engine import is_spine_imaging
from app.replay.asof import TEMPLATE_KEYS, diagnosis_visits, prefetch_key, versions_as_of, visible_at
from app.replay.rows import Row, row_for

Json = Mapping[str, Any]
_SERVICE = SERVICES["spine-imaging-order-sign"]
_VOID_ORDER = "entered-in-error"
_NO_REQUESTER = "Practitioner/unknown"


def spine_orders(resources: Sequence[Json], content: Content) -> list[Json]:
    """The patient's spine imaging ServiceRequests (any status but entered-in-error), by id; an order
    exported twice is replayed once."""
    found: dict[str, Json] = {}
    for resource in resources:
        if resource.get("resourceType") != "ServiceRequest" or resource.get("status") == _VOID_ORDER:
            continue
        try:
            view = parse_service_request(resource)
        except (ViewError, TypeError, AttributeError, ValueError):
            continue  # counted as skipped when it is read into a chart
        if view.id and is_spine_imaging(view, content.value_sets):
            found.setdefault(view.id, resource)
    return [found[key] for key in sorted(found)]


def replay_patient(patient_id: str, resources: Sequence[Json], content: Content) -> Iterator[Row]:
    """Rate every spine order of one patient as of its ``authoredOn``. Not replayed, and counted in
    ``summary.json``: an undated order (there is no day to replay it at) and one whose patient id is not a
    FHIR id (the hook would answer 400 for it)."""
    made_at = diagnosis_visits(resources)
    for order in spine_orders(resources, content):
        authored = order.get("authoredOn")
        day = parse_fhir_date(authored)
        if not isinstance(authored, str) or day is None or not day.is_exact:
            yield row_for(patient_id, order, None, None)
            continue
        chart_data = _prefetch_as_of(resources, order, authored, made_at)
        try:
            yield row_for(patient_id, order, *_evaluate(patient_id, order, chart_data, day.value, content))
        except MalformedRequest:  # a patient id the hook refuses (400): listed, never stops the run
            yield row_for(patient_id, order, None, None)


def _prefetch_as_of(
    resources: Sequence[Json], order: Json, authored: str, made_at: Mapping[str, str]
) -> dict[str, KeyData]:
    """Every template key filled (an export is complete: nothing is "unavailable"), minus the order
    itself (the hook gets it as the draft, not in the chart), each resource in the version that stood
    then where the export holds several (``versions_as_of``)."""
    found: dict[str, list[Json]] = {key: [] for key in TEMPLATE_KEYS}
    for resource in versions_as_of(resources, authored):
        key = prefetch_key(resource)
        if key is not None and not _same(resource, order) and visible_at(resource, authored, made_at):
            found[key].append(resource)
    return {key: KeyData(tuple(items)) for key, items in found.items()}


def _same(resource: Json, order: Json) -> bool:
    return resource.get("resourceType") == "ServiceRequest" and resource.get("id") == order.get("id")


def _evaluate(
    patient_id: str, order: Json, data: Mapping[str, KeyData], today: date, content: Content
) -> tuple[Evaluation | None, dict[str, Any]]:
    chart = build_chart(data)
    call = make_call(_SERVICE, _order_sign_request(patient_id, order))
    evaluations = evaluate_call(call, chart, content, today)
    response = build_response(evaluations, silent=False).response
    return (evaluations[0] if evaluations else None), response


def _order_sign_request(patient_id: str, order: Json) -> HookRequest:
    requester = order.get("requester")
    user = requester.get("reference") if isinstance(requester, dict) else None
    return HookRequest(
        hook=_SERVICE.hook,
        hookInstance=str(uuid.uuid4()),
        context={
            "userId": user if isinstance(user, str) and user.strip() else _NO_REQUESTER,
            "patientId": patient_id,
            "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]},
        },
    )
