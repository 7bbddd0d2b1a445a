"""Handlers only orchestrate (STYLE.md habit 2): resolve data → extract facts → decide → render → respond.

No clinical ``if`` lives here; every clinical choice is in ``app.pathway`` and every word in ``cards/``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from app.chart.model import Chart, MedicationView, ServiceRequestView
from app.fhir.identity import names_other_patient, owner_aliases
from app.fhir.parse import parse_medication, parse_service_request
from app.fhir.prefetch import DataRequest, ResolvedChart, resolve
from app.fhir.templates import REQUIRED_KEYS
from app.hooks.auth import ClientIdentity
from app.hooks.drafts import InconsistentOrders, draft_prescriptions, orders_to_rate
from app.hooks.errors import DataUnavailable, MalformedRequest, describe_validation_errors
from app.hooks.explain import EXPLAIN_PATH
from app.hooks.runtime import Content, Runtime
from app.hooks.schemas import (
    HOOK_CONTEXTS,
    HookRequest,
    OrderSelectContext,
    OrderSignContext,
    PatientViewContext,
)
from app.hooks.services import SERVICES, ServiceDefinition
from app.immutable import immutable
from app.observability.outcome import HookOutcome, RatedOrder, notify
from app.pathway.decide_siblings import studies, without_repeated_studies
from app.pathway.engine import evaluate_order, evaluate_patient, is_spine_imaging
from app.pathway.facts import classify_order
from app.pathway.model import Decision
from app.render import RenderContext, pama_system_action, render_cards

Context = PatientViewContext | OrderSelectContext | OrderSignContext


@immutable
class DraftOrder:
    """A draft ServiceRequest to rate: as sent (for the PAMA update) and as a view (for the pathway)."""

    raw: Mapping[str, Any]
    view: ServiceRequestView


@immutable
class Drafts:
    """Every draft order of the call's ``draftOrders``, rated or not: order-select rates only the
    selections, but the session's other drafts (a urology referral for retention, a tamsulosin
    prescription) state red flags for the selected order too, as at order-sign (PATHWAY.md §2 v2)."""

    service_requests: tuple[ServiceRequestView, ...] = ()
    prescriptions: tuple[MedicationView, ...] = ()


@immutable
class HookCall:
    """The narrow, validated view of one service call that handlers work from."""

    service: ServiceDefinition
    request: HookRequest
    context: Context
    client: ClientIdentity | None = None
    orders: tuple[DraftOrder, ...] = ()
    drafts: Drafts = Drafts()


def make_call(
    service: ServiceDefinition, body: HookRequest, client: ClientIdentity | None = None
) -> HookCall:
    """Check the hook against the service id (D6) and validate the hook-specific context (400 if not)."""
    if body.hook != service.hook:
        others = [other.id for other in SERVICES.values() if other.hook == body.hook]
        where = f"; call /cds-services/{others[0]} for {body.hook!r}" if others else ""
        raise MalformedRequest(
            f"service {service.id!r} answers hook {service.hook!r}, not {body.hook!r}{where}")
    try:
        context = HOOK_CONTEXTS[service.hook].model_validate(body.context)
    except ValidationError as exc:
        raise MalformedRequest("context." + describe_validation_errors(exc.errors())) from exc
    if not isinstance(context, OrderSignContext):
        return HookCall(service, body, context, client)  # type: ignore[arg-type]
    orders, drafts = _orders_to_rate(context, body.prefetch)
    return HookCall(service, body, context, client, orders, drafts)


@immutable
class Evaluation:
    """One rated order (or the patient-view summary) with what it rendered."""

    decision: Decision
    cards: list[dict[str, Any]]
    system_action: dict[str, Any] | None
    consult_id: str


async def handle_hook(call: HookCall, runtime: Runtime) -> dict[str, Any]:
    started = time.perf_counter()
    if not _has_order_to_rate(call, runtime.content):
        resolved, evaluations = ResolvedChart(chart=Chart()), []
    else:
        resolved = await resolve(data_request_for(call), _fetcher(call, runtime))
        require_core_data(resolved)
        explain = runtime.settings.public_base_url + EXPLAIN_PATH
        evaluations = evaluate_call(call, resolved.chart, runtime.content, runtime.today(), explain)
    answer = build_response(evaluations, silent=runtime.is_silent(call.service.id))
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    notify(runtime.observers, describe_outcome(call, resolved, answer, elapsed_ms, runtime))
    return answer.response


def _has_order_to_rate(call: HookCall, content: Content) -> bool:
    """An order hook without a spine imaging order is answered at once, without reading the chart."""
    if isinstance(call.context, PatientViewContext):
        return True
    return any(is_spine_imaging(order.view, content.value_sets) for order in call.orders)


def data_request_for(call: HookCall) -> DataRequest:
    """The client's own FHIR-server list (trust registry) narrows the global allow-list (CONTRACT.md §3.5)."""
    request, context = call.request, call.context
    token = request.fhirAuthorization.access_token if request.fhirAuthorization else None
    tokens = {"patientId": context.patientId, "userId": context.userId}
    if context.encounterId:
        tokens["encounterId"] = context.encounterId
    allowed = call.client.fhir_servers if call.client is not None else None
    scope = request.fhirAuthorization.scope if request.fhirAuthorization else None
    return DataRequest(context.patientId, request.fhirServer, token, request.prefetch, tokens, allowed,
                       _token_of_another_patient(request, context.patientId), scope)


def _token_of_another_patient(request: HookRequest, patient_id: str) -> bool:
    """``fhirAuthorization.patient`` (an id, or ``Patient/<id>``) names another patient (PATHWAY.md
    invariant 7): the token is never used for this one (``DataRequest.other_patient_token``)."""
    named = request.fhirAuthorization.patient if request.fhirAuthorization else None
    return bool(named) and names_other_patient(named or "", patient_id)


def _fetcher(call: HookCall, runtime: Runtime) -> Any:
    return runtime.fetcher if call.request.fhirServer else None


def require_core_data(resolved: ResolvedChart) -> None:
    """CONTRACT.md P9: without the patient or the problem list there is nothing to decide on."""
    missing = sorted(REQUIRED_KEYS.intersection(resolved.failed))
    if missing:
        why = [note for note in resolved.notes if note.split(":")[0] in missing]
        raise DataUnavailable(
            f"required data could not be obtained: {', '.join(missing)} "
            "(provide these prefetch keys, or fhirServer with access to them)"
            + (f". Why: {'; '.join(why)}" if why else "")
        )


def evaluate_call(call: HookCall, chart: Chart, content: Content, today: date,
                  explain: str | None = None) -> list[Evaluation]:
    """Pure given its inputs: the CLI's ``evaluate`` and the HTTP handler share it. ``explain``: the URL
    the consult's "How this was decided" page is under (the consult id is appended); None, no link."""
    return list(_evaluate(call, chart, content, today, explain))


def _evaluate(call: HookCall, chart: Chart, content: Content, today: date,
              explain: str | None) -> Iterable[Evaluation]:
    if isinstance(call.context, PatientViewContext):
        decision = evaluate_patient(chart, today, content.policy, content.value_sets)
        if decision is not None:
            yield _render(decision, None, call, content, explain)
        return
    chart = _with_draft_prescriptions(chart, call.drafts.prescriptions)
    drafts = [(view, classify_order(view, today, content.value_sets))
              for view in call.drafts.service_requests]
    for order in call.orders:
        decision = evaluate_order(chart, order.view, today, content.policy, content.value_sets,
                                  call.drafts.service_requests)
        if decision is not None:  # a one-click update never repeats another draft's study
            others = studies(facts for view, facts in drafts if view is not order.view)
            yield _render(without_repeated_studies(decision, others), order.raw, call, content, explain)


def _with_draft_prescriptions(chart: Chart, drafts: tuple[MedicationView, ...]) -> Chart:
    """The call's draft prescriptions beside the chart's: only their reasons are read (a draft is never
    taken, so never care nor a steroid course)."""
    if not drafts:
        return chart
    return replace(chart, medications=(*chart.medications, *drafts))


def _orders_to_rate(context: OrderSignContext, prefetch: Mapping[str, Any] | None = None
                    ) -> tuple[tuple[DraftOrder, ...], Drafts]:
    """order-select rates only the selections; order-sign every ServiceRequest (PATHWAY.md §1), each
    once, as ``app.hooks.drafts`` reads them (a 400 when they contradict the context). Every draft of
    the call is its orders' sibling, selected or not (``Drafts``).

    Parsed once per call: the same views decide whether the chart is needed and are then rated, and a
    rated order is never its own sibling (``engine.evaluate_order`` tells them apart by identity)."""
    selections = context.selections if isinstance(context, OrderSelectContext) else None
    entries = context.draftOrders.entry
    # whose ``urn:uuid:`` and MRNs: the drafts' own Patient entries and the prefetched Patient (not the
    # whole prefetch: its other keys are checked when the chart is resolved)
    aliases = owner_aliases([{"entry": entries}, (prefetch or {}).get("patient")], context.patientId)
    try:
        every = orders_to_rate(entries, context.patientId, None, aliases)
        rated = every if selections is None else \
            orders_to_rate(entries, context.patientId, selections, aliases)
    except InconsistentOrders as exc:
        raise MalformedRequest(str(exc)) from None
    views = {id(raw): parse_service_request(raw) for raw in every}
    orders = tuple(DraftOrder(raw, views.get(id(raw)) or parse_service_request(raw)) for raw in rated)
    siblings = (*views.values(), *(o.view for o in orders if id(o.raw) not in views))
    return orders, Drafts(siblings, _prescriptions(entries))


def _prescriptions(entries: Sequence[Mapping[str, Any]]) -> tuple[MedicationView, ...]:
    """The draft MedicationRequests, each as not yet taken; one that cannot be read is skipped."""
    views = []
    for raw in draft_prescriptions(entries):
        try:
            views.append(replace(parse_medication({"id": "draft", **raw}), status="draft"))
        except (TypeError, AttributeError, ValueError):  # ViewError is a ValueError
            continue
    return tuple(views)


def _render(
    decision: Decision, order: Mapping[str, Any] | None, call: HookCall, content: Content,
    explain: str | None,
) -> Evaluation:
    consult_id = str(uuid.uuid4())
    context = RenderContext(
        patient_id=call.context.patientId,
        order_resource=order,
        new_id=lambda: str(uuid.uuid4()),
        consult_id=consult_id,
        explain_url=f"{explain}/{consult_id}" if explain else None,
        pama_legacy_urls=content.pama_legacy_urls,
    )
    cards = render_cards(decision, content.cards, context)
    action = None if order is None else pama_system_action(
        decision, order, consult_id, legacy_urls=content.pama_legacy_urls)
    return Evaluation(decision, cards, action, consult_id)


def _distinct_cards(cards: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """order-sign with several spine orders renders per order: the same advice (topic, summary and
    suggested actions, e.g. one red flag and its referral) is shown once; cards whose suggestions act on
    different orders are all kept, each new resource offered once (``_created_once``)."""
    seen: set[bytes] = set()
    distinct = []
    for card in cards:
        actions = [suggestion.get("actions") for suggestion in card.get("suggestions", [])]
        key = orjson.dumps(
            [card["source"].get("topic"), card["summary"], card["indicator"], actions],
            option=orjson.OPT_SORT_KEYS,
        )
        if key not in seen:
            seen.add(key)
            distinct.append(card)
    return _created_once(distinct)


def _created_once(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One suggestion per new resource in a response (PATHWAY.md R24: one referral per response): a lumbar
    and a cervical MRI signed for a cauda equina each carried an emergency referral, and two clicks
    created two. A later card keeps its advice without the repeated suggestion; a card left with nothing
    to offer is not shown when it repeats an earlier card's advice (the infection card of a lumbar
    radiograph signed beside the lumbar MRI whose card offers the contrast) or only repeated a referral
    (the same routine referral, counted in days of another region)."""
    offered: set[bytes] = set()
    shown: set[tuple[str, str, str]] = set()
    kept = []
    for card in cards:
        suggestions = [s for s in card.get("suggestions", []) if _first_offer(s, offered)]
        advice = (card["source"]["topic"]["code"], card["summary"], card["indicator"])
        if len(suggestions) < len(card.get("suggestions", [])):
            if not suggestions and advice[0] == _REFERRAL_TOPIC:
                continue
            card = {k: v for k, v in card.items() if k not in ("suggestions", "selectionBehavior")}
            if suggestions:
                card |= {"suggestions": suggestions, "selectionBehavior": "any"}
        if not card.get("suggestions") and advice in shown:
            continue
        shown.add(advice)
        kept.append(card)
    return kept


_REFERRAL_TOPIC = "SpineReferral"


def _first_offer(suggestion: Mapping[str, Any], offered: set[bytes]) -> bool:
    """False when every action of ``suggestion`` creates a resource an earlier suggestion creates."""
    actions = suggestion.get("actions") or []
    if not actions or any(action.get("type") != "create" for action in actions):
        return True
    key = orjson.dumps([action.get("resource") for action in actions], option=orjson.OPT_SORT_KEYS)
    if key in offered:
        return False
    offered.add(key)
    return True


@immutable
class Answer:
    """The response and what the audit records of it, made in one pass: ``rated`` lists every evaluation
    with only the cards the clinician sees (or, when silent, would see), so the audit never waits for
    feedback on a card that was never shown."""

    response: dict[str, Any]
    silent: bool
    rated: tuple[RatedOrder, ...]


def build_response(evaluations: list[Evaluation], *, silent: bool) -> Answer:
    """C1 and the sandbox's legacy ``extension.systemActions`` mirror (CONTRACT.md §2). Silent mode
    returns no cards and no systemActions but rates (and audits) what it would have shown."""
    cards = _distinct_cards(card for e in evaluations for card in e.cards)
    shown = frozenset(card["uuid"] for card in cards)
    rated = tuple(_rated_order(e, shown) for e in evaluations)
    if silent:
        return Answer({"cards": []}, silent, rated)
    actions = [e.system_action for e in evaluations if e.system_action is not None]
    response: dict[str, Any] = {"cards": cards}
    if actions:
        response["systemActions"] = actions
        response["extension"] = {"systemActions": actions}
    return Answer(response, silent, rated)


def describe_outcome(
    call: HookCall, resolved: ResolvedChart, answer: Answer, latency_ms: float, runtime: Runtime
) -> HookOutcome:
    return HookOutcome(
        service_id=call.service.id,
        hook=call.service.hook,
        hook_instance=call.request.hookInstance,
        client_iss=call.client.iss if call.client else None,
        patient_reference=f"Patient/{call.context.patientId}",
        at=datetime.now(UTC),
        latency_ms=latency_ms,
        silent=answer.silent,
        evaluations=answer.rated,
        keys_from_prefetch=resolved.from_prefetch,
        keys_fetched=resolved.fetched,
        keys_failed=resolved.failed,
        keys_incomplete=resolved.incomplete,
        skipped_resources=resolved.chart.skipped,
        other_patient_resources=resolved.foreign_resources,
        policy_version=runtime.content.policy.version,
        content_version=runtime.content.cards.version,
        cards_returned=len(answer.response["cards"]),
        notes=resolved.notes,
    )


def _rated_order(evaluation: Evaluation, shown: frozenset[str]) -> RatedOrder:
    decision = evaluation.decision
    cards = [card for card in evaluation.cards if card["uuid"] in shown]
    return RatedOrder(
        consult_id=evaluation.consult_id,
        order_reference=decision.order.reference if decision.order else None,
        rules=decision.rules,
        rating=decision.rating.value if decision.rating else None,
        card_uuids=tuple(card["uuid"] for card in cards),
        card_topics=tuple(card["source"]["topic"]["code"] for card in cards),
        card_indicators=tuple(card["indicator"] for card in cards),
        auc_variant=decision.auc_variant,
    )
