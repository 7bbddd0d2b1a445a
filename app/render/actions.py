"""Suggestions: one action each (CONTRACT.md C10/C11; Epic needs exactly one), as plain FHIR R4 dicts.

Every resource is built as a dict and validated against ``fhir.resources.R4B`` in the tests, never at run
time (STYLE.md habit 5: full validation costs too much on the hot path). A suggestion that cannot be made
correctly is left out rather than sent half-built:

* delete needs the draft order's id (``resourceId: ServiceRequest/<id>``);
* an update needs the draft order, its region's MRI code, and a rating for the updated order (Argonaut
  PAMA: alternatives carry a rating; the sandbox's PAMA screen needs one on every ServiceRequest update).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.immutable import immutable
from app.pathway.model import ORDER_UPDATES, Decision, SuggestionKind
from app.render.context import RenderContext
from app.render.library import CardLibrary
from app.render.pama import json_copy, pama_extensions, with_pama
from app.terminology.coding import Coding

Json = dict[str, Any]

_REFERRALS = frozenset({
    SuggestionKind.CREATE_EMERGENCY_SPINE_REFERRAL,
    SuggestionKind.CREATE_URGENT_SPINE_REFERRAL,
    SuggestionKind.CREATE_ROUTINE_SPINE_REFERRAL,
})
_CPT = "http://www.ama-assn.org/go/cpt"


@immutable
class _Build:
    decision: Decision
    library: CardLibrary
    context: RenderContext


def action(
    kind: SuggestionKind, decision: Decision, library: CardLibrary, context: RenderContext
) -> Json | None:
    """The one action of a suggestion of ``kind``; None when it cannot be built correctly."""
    ctx = _Build(decision, library, context)
    description = library.suggestions[kind].description
    if kind is SuggestionKind.DELETE_ORDER:
        order_id = _order_id(context.order_resource)
        reference = f"ServiceRequest/{order_id}"
        return {"type": "delete", "description": description, "resourceId": reference} if order_id else None
    if kind in ORDER_UPDATES:
        resource = _updated_order(kind, ctx)
        return {"type": "update", "description": description, "resource": resource} if resource else None
    if kind is SuggestionKind.CREATE_PT_REFERRAL:
        return {"type": "create", "description": description, "resource": _pt_referral(ctx)}
    if kind in _REFERRALS:
        return {"type": "create", "description": description, "resource": _spine_referral(kind, ctx)}
    raise ValueError(f"no action for suggestion {kind}")


def coding_json(coding: Coding) -> Json:
    found = {"system": coding.system, "code": coding.code, "display": coding.display}
    return {key: value for key, value in found.items() if value}


def _concept(coding: Coding, text: str | None = None) -> Json:
    return {"coding": [coding_json(coding)], "text": text or coding.display or coding.code}


def _order_id(order: Mapping[str, Any] | None) -> str | None:
    found = order.get("id") if order is not None else None
    return found if isinstance(found, str) and found.strip() else None


def _order_systems(order: Mapping[str, Any]) -> list[str]:
    code = order.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    found = (item.get("system") for item in codings or [] if isinstance(item, dict))
    return list(dict.fromkeys(system for system in found if isinstance(system, str)))


def _codes_like_order(order: Mapping[str, Any], codes: tuple[Coding, ...]) -> list[Coding]:
    """The MRI codes in the systems the order already uses (in its order), else the CPT code."""
    by_system = {code.system: code for code in codes}
    same = [by_system[system] for system in _order_systems(order) if system in by_system]
    return same or [by_system.get(_CPT, codes[0])]


def _updated_order(kind: SuggestionKind, ctx: _Build) -> Json | None:
    """PATHWAY.md R13/R16/R17/R7/R8: the draft order with its region's MRI code and the new rating; its
    ``orderDetail`` went with the study it described."""
    decision, order = ctx.decision, ctx.context.order_resource
    rating = decision.alternative_ratings.get(kind)
    region = (decision.order.region if decision.order else None) or decision.facts.region
    _, contrast = ORDER_UPDATES[kind]
    codes = ctx.library.mri_codes.get((region.value, contrast.value)) if region else None
    if order is None or rating is None or not codes:
        return None
    chosen = _codes_like_order(order, codes)
    extensions = pama_extensions(rating, ctx.context.consult_id, legacy_urls=ctx.context.pama_legacy_urls)
    updated = with_pama(order, extensions)
    updated["code"] = {"coding": [coding_json(code) for code in chosen], "text": chosen[0].display}
    updated.pop("orderDetail", None)  # it details the study replaced ("with contrast"), not the new one
    return updated


def _draft_request(ctx: _Build, code: Coding) -> Json:
    resource: Json = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "order",
        "code": _concept(code),
        "subject": {"reference": f"Patient/{ctx.context.patient_id}"},
    }
    reasons = _reasons(ctx.context.order_resource)
    if reasons:
        resource["reasonCode"] = reasons
    return resource


def _reasons(order: Mapping[str, Any] | None) -> list[Json]:
    """The order's reasonCode, carried to the referral (well-formed CodeableConcepts only)."""
    found = order.get("reasonCode") if order is not None else None
    usable = (item for item in (found if isinstance(found, list) else []) if isinstance(item, dict))
    return [json_copy(item) for item in usable if item.get("coding") or item.get("text")]


def _pt_referral(ctx: _Build) -> Json:
    return _draft_request(ctx, ctx.library.resources["physical_therapy"])


def _spine_referral(kind: SuggestionKind, ctx: _Build) -> Json:
    library = ctx.library
    resource = _draft_request(ctx, library.resources["spine_referral"])
    priority = library.suggestions[kind].priority
    if priority:
        resource["priority"] = priority
    resource["performerType"] = _concept(library.resources["spine_performer"], library.performer_text)
    return resource
