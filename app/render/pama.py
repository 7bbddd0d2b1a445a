"""Argonaut "CDS Hooks for PAMA" rating extensions on a draft ServiceRequest (PATHWAY.md §5).

Extension URLs (PATHWAY.md §5 v2): ``http://fhir.org/argonaut/Extension/pama-rating`` is the form the
current Argonaut guidance (argonautproject/cds-hooks-for-pama, docs/index.md) and the CDS Hooks sandbox
use — the sandbox's PAMA screen filters on exactly that URL — and the only one written by default. The
older ``http://fhir.org/argonaut/StructureDefinition/…`` form is written as well only when the site asks
(``PAMA_LEGACY_EXTENSION_URLS``, for a reader built on early drafts): both then carry the same values, and
FHIR readers ignore the extensions they do not know. When replacing, pama extensions of any form are
removed first, so an order never carries a stale rating.

Value types follow the guidance: rating ``valueCodeableConcept`` (``text`` carries the criteria and
variant applied), consult id ``valueUri`` (``urn:uuid:…``), AUC applied ``valueUri`` (the guideline URL,
omitted when no published criteria applied), qCDSM ``valueString`` (the CMS G-code, when the site has one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from app.pathway.model import Decision, Rating

# Current Argonaut guidance and the CDS Hooks sandbox; then the older form, a site option.
CURRENT_BASE = "http://fhir.org/argonaut/Extension/"
LEGACY_BASE = "http://fhir.org/argonaut/StructureDefinition/"
PAMA_EXTENSION_BASES = (CURRENT_BASE, LEGACY_BASE)
RATING, CONSULT_ID, AUC_APPLIED, QCDSM = (
    "pama-rating", "pama-rating-consult-id", "pama-rating-auc-applied", "pama-rating-qcdsm-consulted",
)
RATING_URL, CONSULT_ID_URL, AUC_APPLIED_URL, QCDSM_URL = (
    CURRENT_BASE + name for name in (RATING, CONSULT_ID, AUC_APPLIED, QCDSM)
)
RATING_SYSTEM = "http://fhir.org/argonaut/CodeSystem/pama-rating"
_PAMA_URL_PREFIXES = (
    "http://fhir.org/argonaut/Extension/pama-rating",
    "http://fhir.org/argonaut/StructureDefinition/pama-rating",
    "http://fhir.org/argonaut/pama-rating",
)
# Decision.auc_variant starts with one of these criteria names (app/pathway/decide_case.py); the URLs are
# the same as cards/source.toml [guidelines] (a test keeps them equal).
CRITERIA_URLS: Mapping[str, str] = {
    "ACR LBP 2021": "https://acsearch.acr.org/docs/69483/Narrative/",
    "ACR Cervical 2018": "https://acsearch.acr.org/docs/69426/Narrative/",
    "ACP 2011": "https://www.acpjournals.org/doi/10.7326/0003-4819-154-3-201102010-00008",
}
_DESCRIPTION = "Record the PAMA appropriateness rating on the draft imaging order"


def json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars): what ``copy.deepcopy`` does for it, many times
    faster. A round trip through orjson (~3x faster again than walking it in Python); what orjson
    refuses to encode (an integer past 64 bits, a lone surrogate) is walked instead. A NaN or infinity (not
    JSON: only the lenient fallback decoder lets one in) becomes ``None``, as the response would send it."""
    try:
        return orjson.loads(orjson.dumps(value))
    except (TypeError, orjson.JSONDecodeError):
        return _walk_copy(value)


def _walk_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _walk_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_walk_copy(item) for item in value]
    return value


def consult_uri(consult_id: str) -> str:
    return consult_id if consult_id.startswith("urn:uuid:") else f"urn:uuid:{consult_id}"


def pama_extensions(
    rating: Rating, consult_id: str, auc_variant: str | None = None, qcdsm: str | None = None,
    *, legacy_urls: bool = False,
) -> list[dict[str, Any]]:
    """The Argonaut PAMA extensions for one rated order, under ``CURRENT_BASE`` (and ``LEGACY_BASE`` too
    with ``legacy_urls``)."""
    concept: dict[str, Any] = {"coding": [{"system": RATING_SYSTEM, "code": rating.value}]}
    if auc_variant:
        concept["text"] = auc_variant
    values: list[tuple[str, dict[str, Any]]] = [
        (RATING, {"valueCodeableConcept": concept}),
        (CONSULT_ID, {"valueUri": consult_uri(consult_id)}),
    ]
    criteria_url = _criteria_url(auc_variant)
    if criteria_url:
        values.append((AUC_APPLIED, {"valueUri": criteria_url}))
    if qcdsm:
        values.append((QCDSM, {"valueString": qcdsm}))
    bases = PAMA_EXTENSION_BASES if legacy_urls else (CURRENT_BASE,)
    pairs = ((base, name, value) for base in bases for name, value in values)
    return [{"url": base + name, **json_copy(value)} for base, name, value in pairs]


def _criteria_url(auc_variant: str | None) -> str | None:
    if not auc_variant:
        return None
    return next((url for name, url in CRITERIA_URLS.items() if auc_variant.startswith(name)), None)


def with_pama(resource: Mapping[str, Any], extensions: list[dict[str, Any]]) -> dict[str, Any]:
    """A deep copy of ``resource`` whose pama extensions (either URL form) are replaced by ``extensions``."""
    updated: dict[str, Any] = json_copy(dict(resource))
    kept = [item for item in updated.get("extension", []) if not _is_pama(item)]
    updated["extension"] = [*kept, *extensions]
    return updated


def _is_pama(extension: object) -> bool:
    url = extension.get("url") if isinstance(extension, dict) else None
    return isinstance(url, str) and url.startswith(_PAMA_URL_PREFIXES)


def pama_system_action(
    decision: Decision, order_resource: Mapping[str, Any], consult_id: str, *, qcdsm: str | None = None,
    legacy_urls: bool = False,
) -> dict[str, Any] | None:
    """PATHWAY.md §5: an ``update`` of the whole draft order carrying its rating; None when unrated.

    The Argonaut guidance: a service that cannot determine a rating SHALL NOT send one.
    """
    if decision.rating is None:
        return None
    extensions = pama_extensions(decision.rating, consult_id, decision.auc_variant, qcdsm,
                                 legacy_urls=legacy_urls)
    return {"type": "update", "description": _DESCRIPTION, "resource": with_pama(order_resource, extensions)}
