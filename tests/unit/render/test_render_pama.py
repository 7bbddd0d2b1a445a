"""PATHWAY.md §5 / Argonaut CDS Hooks for PAMA: the system action rating each rated spine order."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fhir.resources.R4B.servicerequest import ServiceRequest
from render_fixtures import SCENARIOS, draft_order

from app.pathway.model import Rating
from app.render import pama_system_action
from app.render.pama import (
    AUC_APPLIED_URL,
    CONSULT_ID_URL,
    PAMA_EXTENSION_BASES,
    QCDSM_URL,
    RATING_SYSTEM,
    RATING_URL,
)

CONSULT = "11111111-2222-4333-8444-555555555555"


def by_url(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["url"]: item for item in resource["extension"]}


def test_both_url_forms_carry_the_same_values() -> None:
    """PATHWAY.md §5's StructureDefinition/ form and the guidance's (and sandbox's) Extension/ form."""
    action = pama_system_action(dict(SCENARIOS)["R1"], draft_order(), CONSULT, qcdsm="G1")
    assert action is not None
    extensions = by_url(action["resource"])
    current, spec = PAMA_EXTENSION_BASES
    assert spec == "http://fhir.org/argonaut/StructureDefinition/"
    for name in ("pama-rating", "pama-rating-consult-id", "pama-rating-auc-applied",
                 "pama-rating-qcdsm-consulted"):
        first, second = dict(extensions[current + name]), dict(extensions[spec + name])
        assert (first.pop("url"), second.pop("url")) == (current + name, spec + name)
        assert first == second


def test_rated_order_gets_an_update_with_rating_consult_id_and_auc_applied() -> None:
    decision = dict(SCENARIOS)["R1"]
    action = pama_system_action(decision, draft_order(), CONSULT)
    assert action is not None
    assert (action["type"], action["resource"]["id"]) == ("update", "draft-1")
    assert action["description"]
    extensions = by_url(action["resource"])
    assert extensions[RATING_URL]["valueCodeableConcept"] == {
        "coding": [{"system": RATING_SYSTEM, "code": "not-appropriate"}],
        "text": "ACR LBP 2021 variant 1; PATHWAY R1",
    }
    assert extensions[CONSULT_ID_URL] == {"url": CONSULT_ID_URL, "valueUri": f"urn:uuid:{CONSULT}"}
    assert extensions[AUC_APPLIED_URL]["valueUri"] == "https://acsearch.acr.org/docs/69483/Narrative/"
    ServiceRequest.model_validate(action["resource"])


def test_the_rest_of_the_order_is_unchanged() -> None:
    action = pama_system_action(dict(SCENARIOS)["R1"], draft_order(), CONSULT)
    assert action is not None
    unchanged = {key: value for key, value in action["resource"].items() if key != "extension"}
    assert unchanged == draft_order()


def test_unrated_order_gets_no_system_action() -> None:
    decision = dict(SCENARIOS)["R3b"]
    assert decision.rating is None
    assert pama_system_action(decision, draft_order(), CONSULT) is None


def test_no_criteria_apply_is_sent_without_auc_applied() -> None:
    decision = replace(dict(SCENARIOS)["R1"], rating=Rating.NO_CRITERIA_APPLY, auc_variant="PATHWAY R28")
    action = pama_system_action(decision, draft_order(), CONSULT)
    assert action is not None
    extensions = by_url(action["resource"])
    assert extensions[RATING_URL]["valueCodeableConcept"]["coding"][0]["code"] == "no-criteria-apply"
    assert AUC_APPLIED_URL not in extensions


def test_existing_pama_extensions_are_replaced_in_either_url_form() -> None:
    order = draft_order()
    order["extension"] = [
        {"url": "http://fhir.org/argonaut/StructureDefinition/pama-rating",
         "valueCodeableConcept": {"coding": [{"system": RATING_SYSTEM, "code": "appropriate"}]}},
        {"url": RATING_URL,
         "valueCodeableConcept": {"coding": [{"system": RATING_SYSTEM, "code": "appropriate"}]}},
        {"url": "http://example.org/other", "valueString": "kept"},
    ]
    action = pama_system_action(dict(SCENARIOS)["R1"], order, CONSULT)
    assert action is not None
    extensions = action["resource"]["extension"]
    urls = [item["url"] for item in extensions]
    for base in PAMA_EXTENSION_BASES:
        assert urls.count(base + "pama-rating") == 1
    ratings = [e["valueCodeableConcept"]["coding"][0]["code"] for e in extensions
               if e["url"].endswith("/pama-rating")]
    assert ratings == ["not-appropriate", "not-appropriate"]
    assert urls[0] == "http://example.org/other"
    assert order["extension"][0]["url"].endswith("StructureDefinition/pama-rating"), "input not mutated"


def test_order_without_id_is_still_rated_and_qcdsm_is_optional() -> None:
    action = pama_system_action(dict(SCENARIOS)["R5"], draft_order(order_id=None), f"urn:uuid:{CONSULT}",
                                qcdsm="G1234")
    assert action is not None
    assert "id" not in action["resource"]
    extensions = by_url(action["resource"])
    assert extensions[CONSULT_ID_URL]["valueUri"] == f"urn:uuid:{CONSULT}"
    assert extensions[QCDSM_URL] == {"url": QCDSM_URL, "valueString": "G1234"}
    ServiceRequest.model_validate(action["resource"])
