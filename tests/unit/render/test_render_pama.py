"""PATHWAY.md §5 / Argonaut CDS Hooks for PAMA: the system action rating each rated spine order."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
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
    json_copy,
)

CONSULT = "11111111-2222-4333-8444-555555555555"


def by_url(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["url"]: item for item in resource["extension"]}


def test_only_the_extension_form_is_written_by_default() -> None:
    """PATHWAY.md §5 v2: the guidance's (and the sandbox's) Extension/ form is the default."""
    action = pama_system_action(dict(SCENARIOS)["R1"], draft_order(), CONSULT, qcdsm="G1")
    assert action is not None
    urls = [item["url"] for item in action["resource"]["extension"]]
    assert urls and all(url.startswith("http://fhir.org/argonaut/Extension/") for url in urls)


def test_the_site_option_adds_the_structure_definition_form_with_the_same_values() -> None:
    """PAMA_LEGACY_EXTENSION_URLS: the older StructureDefinition/ form as well, values identical."""
    action = pama_system_action(dict(SCENARIOS)["R1"], draft_order(), CONSULT, qcdsm="G1", legacy_urls=True)
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
    assert urls.count(RATING_URL) == 1
    assert "http://fhir.org/argonaut/StructureDefinition/pama-rating" not in urls  # the stale one removed
    ratings = [e["valueCodeableConcept"]["coding"][0]["code"] for e in extensions
               if e["url"].endswith("/pama-rating")]
    assert ratings == ["not-appropriate"]
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


def test_the_update_is_a_deep_copy_that_leaves_the_draft_order_alone() -> None:
    order = draft_order()
    order["note"] = [{"text": "x" * 3}]
    before = json.dumps(order, sort_keys=True)
    action = pama_system_action(dict(SCENARIOS)["R1"], order, CONSULT)
    assert action is not None

    action["resource"]["note"][0]["text"] = "changed"
    assert json.dumps(order, sort_keys=True) == before


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, 2.5, -0.0, None, True, "é🙂"], "b": {"c": []}},
        {"big": 2**70, "nested": [{"big": -(2**65)}]},  # orjson refuses: copied by walking
        {"text": "\ud800"},  # a lone surrogate (json.loads lets one in): copied by walking
    ],
)
def test_json_copy_is_equal_and_shares_nothing(value: dict[str, Any]) -> None:
    copied = json_copy(value)

    assert copied == value
    assert copied is not value
    assert all(copied[key] is not item for key, item in value.items() if isinstance(item, dict | list))
