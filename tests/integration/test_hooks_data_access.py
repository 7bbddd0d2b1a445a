"""The real app against a real FHIR server (SEKMET): same answer by prefetch or fallback (PATHWAY.md
invariant 4, CONTRACT.md P10), truncated and partial prefetch (P7, P8), 412 only without core data (P9).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from app.fhir.templates import PREFETCH_TEMPLATES
from app.metrics import REGISTRY

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Cds = Any  # the session fixture's type lives in conftest.py, which tests must not import
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SPINE = ("spine-lumbar-day20", "spine-cauda-equina", "spine-many-conditions", "spine-onset-unknown",
         "spine-fever", "spine-prior-mri", "spine-cervical-day10")


def normalized(body: dict[str, Any]) -> Any:
    """Card and suggestion uuids and PAMA consult ids are fresh per call: compare everything else."""
    return json.loads(_UUID.sub("<uuid>", json.dumps(body, sort_keys=True)))


def fetched_total() -> float:
    return sum(REGISTRY.get_sample_value("spine_cds_fhir_keys_fetched_total", {"key": key}) or 0.0
               for key in PREFETCH_TEMPLATES)


def first_page(cds: Cds, patient_id: str, *, keep_link: bool) -> dict[str, Any]:
    """The first two conditions as a client that does not page would send them (total above entries)."""
    page: dict[str, Any] = cds.server.get(f"Condition?patient={patient_id}&_count=2").json()
    if not keep_link:
        page.pop("link", None)
    return page


def epic_style(prefetch: dict[str, Any]) -> dict[str, Any]:
    """Epic's empty search: a Bundle with total 0 and one OperationOutcome entry (CONTRACT.md §2)."""
    styled = copy.deepcopy(prefetch)
    outcome = {"resource": {"resourceType": "OperationOutcome", "issue": [
        {"severity": "information", "code": "informational", "diagnostics": "No resources found"}]},
        "search": {"mode": "outcome"}}
    for key, value in styled.items():
        if isinstance(value, dict) and value.get("resourceType") == "Bundle" and not value.get("entry"):
            styled[key] = {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": [outcome]}
    return styled


def card_topics(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(card["source"]["topic"]["code"], card["indicator"]) for card in body["cards"]]


async def answer(cds: Cds, body: dict[str, Any]) -> dict[str, Any]:
    response = await cds.call(body)
    assert response.status_code == 200, response.text[:1000]
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture(params=[
    "spine-lumbar-day20", "spine-cauda-equina", "spine-many-conditions", "spine-onset-unknown", "spine-fever",
    "spine-prior-mri", "spine-cervical-day10", "synthea-0", "synthea-1", "synthea-2",
    "ehr-pt-visits", "ehr-outside-mri", "ehr-cervical-fusion", "ehr-ces-symptom",
])
def patient_id(request: pytest.FixtureRequest, fhir_server: Any) -> str:
    name: str = request.param
    if name.startswith("synthea-"):
        synthea = [p.id for p in fhir_server.patients if p.about == "Synthea"]
        return synthea[int(name.removeprefix("synthea-"))]
    return name


async def test_same_answer_by_prefetch_or_fallback(cds: Cds, patient_id: str) -> None:
    """Invariant 4 over every fixture patient: complete prefetch, none, partial, truncated, Epic-style."""
    server = cds.server
    prefetch = server.prefetch(patient_id)
    before = fetched_total()
    baseline = await answer(cds, cds.order_sign(patient_id, prefetch=prefetch))
    assert fetched_total() == before  # complete prefetch: nothing fetched

    variants = {
        "fallback": cds.order_sign(patient_id, fhir_server=server.base),
        "partial": cds.order_sign(patient_id, fhir_server=server.base,
                                  prefetch=server.prefetch(patient_id, {"patient", "conditions"})),
        "paged": cds.order_sign(patient_id, fhir_server=server.base, prefetch={
            **prefetch, "conditions": first_page(cds, patient_id, keep_link=True)}),
        "sandbox-truncated": cds.order_sign(patient_id, fhir_server=server.base, prefetch={
            **prefetch, "conditions": first_page(cds, patient_id, keep_link=False)}),
        "epic-empty-searches": cds.order_sign(patient_id, prefetch=epic_style(prefetch)),
    }
    for name, body in variants.items():
        assert normalized(await answer(cds, body)) == normalized(baseline), name
    truncated = 2 if server.patient(patient_id).conditions > 2 else 0  # "paged" and "sandbox-truncated"
    partial = len(PREFETCH_TEMPLATES) - 2  # every key but patient and conditions
    assert fetched_total() == before + len(PREFETCH_TEMPLATES) + partial + truncated  # + fallback + partial
    if patient_id in SPINE:
        assert baseline["cards"], "a spine patient with a spine order gets at least one card"
    assert not any("Could not check" in card.get("detail", "") for card in baseline["cards"])  # all read


@pytest.mark.parametrize(("patient_id", "topic", "indicator"), [
    ("spine-cauda-equina", "SpineRedFlag", "critical"),
    ("spine-fever", "SpineRedFlag", "critical"),
    ("spine-lumbar-day20", "SpineDeferImaging", "warning"),
    ("spine-prior-mri", "SpineRepeatImaging", "warning"),
])
async def test_fallback_alone_reaches_the_pathway_decision(cds: Cds, patient_id: str, topic: str,
                                                           indicator: str) -> None:
    body = await answer(cds, cds.order_sign(patient_id, fhir_server=cds.server.base))
    assert (topic, indicator) in card_topics(body)
    assert "SpineDataNeeded" not in [code for code, _ in card_topics(body)]


async def test_p9_no_prefetch_and_no_fhir_server_is_412_with_an_operation_outcome(cds: Cds) -> None:
    response = await cds.call(cds.order_sign("spine-lumbar-day20"))
    assert response.status_code == 412
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "conditions" in outcome["issue"][0]["diagnostics"]
    assert "patient" in outcome["issue"][0]["diagnostics"]


async def test_secondary_keys_missing_without_fhir_server_degrade_to_a_data_needed_card(cds: Cds) -> None:
    prefetch = cds.server.prefetch("spine-lumbar-day20", {"patient", "conditions"})
    body = await answer(cds, cds.order_sign("spine-lumbar-day20", prefetch=prefetch))
    needed = [card for card in body["cards"] if card["source"]["topic"]["code"] == "SpineDataNeeded"]
    assert len(needed) == 1
    for category in ("observations", "procedures", "medications", "imaging", "orders and referrals"):
        assert category in needed[0]["detail"]
    assert ("SpineDeferImaging", "warning") not in card_topics(body)  # no defer on an unchecked screen


async def test_truncated_conditions_without_fhir_server_are_used_and_marked_unchecked(cds: Cds) -> None:
    prefetch = cds.server.prefetch("spine-many-conditions")
    prefetch["conditions"] = first_page(cds, "spine-many-conditions", keep_link=True)
    body = await answer(cds, cds.order_sign("spine-many-conditions", prefetch=prefetch))
    needed = [card["detail"] for card in body["cards"]
              if card["source"]["topic"]["code"] == "SpineDataNeeded"]
    assert any("conditions" in detail for detail in needed)
    assert not any(card["indicator"] == "warning" for card in body["cards"])  # no defer on 2 of 25


async def test_keys_the_tokens_scope_does_not_cover_are_could_not_check_not_fetched(cds: Any) -> None:
    """fhirAuthorization.scope grants Patient and Condition only: the other searches are not sent (a real
    server answers 403, some an empty search that would read "none on record"); the red flag found in
    the conditions still decides, and the cards say what could not be checked."""
    body = cds.order_sign("spine-cauda-equina", fhir_server=cds.server.base, token="opaque-access-token")
    body["fhirAuthorization"]["scope"] = "launch patient/Patient.read patient/Condition.read"
    answer = await cds.call(body)
    assert answer.status_code == 200
    cards = answer.json()["cards"]
    assert any(card["indicator"] == "critical" for card in cards)
    details = " ".join(card.get("detail", "") for card in cards)
    assert "imaging" in details.lower() and "could not" in details.lower()
