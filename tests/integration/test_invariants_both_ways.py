"""PATHWAY.md §4 invariants 4 and 7 against SEKMET, the real FHIR server: the same decision whether a chart
comes as a complete prefetch, as first pages the service must page through, shuffled and sent twice, by
the service's own FHIR reads (fallback), or with another patient's red flag slipped into a key.

Charts are the whole Epic and Oracle Health exports and the demo patients (``invariant_charts.CHARTS``;
the Synthea ones are POSTed with server-assigned ids and stay in test_whole_charts.py), each with a
red-flag resource of a seeded concept and recording place added, under ids of their own (``inv4-``) so
that the other integration modules' copies are untouched. The in-process evaluator the metamorphic tests
use (``invariant_charts.evaluate``) must give the same answer as the server-built prefetch: what those
tests find holds for the HTTP service and its fallback too.
"""

from __future__ import annotations

import copy
import json
import random
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from chart_both_ways import load_chart, normalized
from hook_answers import rating, topics
from invariant_charts import (
    CHARTS,
    PLACES,
    RED_FLAG_VALUE_SETS,
    Chart,
    Resource,
    draft_order,
    evaluate_async,
    findings_by_value_set,
    order_sign,
    recorded,
)

from app.fhir.templates import PREFETCH_TEMPLATES, fill_template

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Cds = Any
ORDER_SIGN = "/cds-services/spine-imaging-order-sign"
SET_ASIDE = "records of another patient (set aside)"  # how a card names them (cards/labels.toml)
PAGE = 5  # entries per page when the prefetch is sent as first pages


def _renamed(chart: Chart, resources: list[Resource], prefix: str) -> tuple[str, list[Resource]]:
    """``resources`` with every id (and every reference to it) prefixed, so that loading them never
    replaces another module's copy of the chart in the shared SEKMET."""
    text = json.dumps(resources)
    for resource in resources:
        rid = resource["id"]
        text = text.replace(f'"{rid}"', f'"{prefix}{rid}"').replace(f'/{rid}"', f'/{prefix}{rid}"')
    return prefix + chart.patient, json.loads(text)


def _cases() -> list[tuple[str, str, int, str]]:
    """(chart, value set, code index, place): each exported and demo chart once, a seeded red flag each."""
    rng = random.Random(4)
    charts = [chart for chart in CHARTS if not chart.id.startswith("wc-synthea")]
    return [(chart.id, rng.choice(RED_FLAG_VALUE_SETS), rng.randrange(2), rng.choice(PLACES))
            for chart in charts[::2]]


def _chart_with_flag(case: tuple[str, str, int, str]) -> tuple[Chart, Resource]:
    chart_id, value_set, index, place = case
    chart = next(c for c in CHARTS if c.id == chart_id)
    finding = findings_by_value_set()[value_set][index]
    added, reason, reference = recorded(finding, place, chart)
    order = draft_order(chart, reason, reference)
    patient, resources = _renamed(chart, [*chart.resources, *added, order], "inv4-")
    renamed = Chart(chart.id, patient, tuple(resources[:-1]), chart.order, chart.on, chart.tags)
    return renamed, resources[-1]


def first_pages(cds: Cds, patient: str) -> dict[str, Any]:
    """Each search's first page of ``PAGE`` entries with its ``next`` link, as an EHR that pages sends it."""
    prefetch: dict[str, Any] = {}
    for key, template in PREFETCH_TEMPLATES.items():
        query = fill_template(template, {"patientId": patient})
        if "?" in query:
            query = query.replace("_count=250", f"_count={PAGE}").replace("_count=100", f"_count={PAGE}")
        response = cds.server.get(query)
        prefetch[key] = response.json() if response.status_code == 200 else None
    return prefetch


def with_another_patients_flag(prefetch: dict[str, Any], patient: str) -> dict[str, Any]:
    """Another patient's cauda equina and fever, appended to the conditions and observations keys."""
    changed = copy.deepcopy(prefetch)
    other = {"reference": f"Patient/{patient}-sibling"}
    strangers = {
        "conditions": {"resourceType": "Condition", "id": "stranger-ces", "subject": other,
                       "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}]},
                       "onsetDateTime": "2026-05-30"},
        "observations": {"resourceType": "Observation", "id": "stranger-fever", "status": "final",
                         "subject": other, "effectiveDateTime": "2026-05-31",
                         "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
                         "valueQuantity": {"value": 39.6, "unit": "Cel"}},
    }
    for key, resource in strangers.items():
        changed[key]["entry"] = [*changed[key].get("entry", []), {"resource": resource}]
    return changed


def shuffled_twice_sent(prefetch: dict[str, Any], seed: int) -> dict[str, Any]:
    rng, changed = random.Random(seed), copy.deepcopy(prefetch)
    for value in changed.values():
        if isinstance(value, dict) and value.get("entry"):
            entries = value["entry"]
            entries += [copy.deepcopy(entry) for entry in entries if rng.random() < 0.3]
            rng.shuffle(entries)
    return changed


async def post(cds: Cds, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    response = await cds.http.post(ORDER_SIGN, json={**body, **extra, "hookInstance": str(uuid.uuid4())})
    assert response.status_code == 200, response.text[:1000]
    answer: dict[str, Any] = response.json()
    return answer


def _decision(answer: dict[str, Any]) -> tuple[Any, ...]:
    return (topics(answer), rating(answer))


@pytest.mark.parametrize("case", _cases(), ids=lambda case: "-".join(map(str, case)))
async def test_invariant_4_prefetch_pages_shuffle_fallback_and_invariant_7_give_one_decision(
    cds: Cds, case: tuple[str, str, int, str]
) -> None:
    chart, order = _chart_with_flag(case)
    load_chart(cds.server.base, list(chart.resources))
    body = {key: value for key, value in order_sign(chart, order=order).items() if key != "prefetch"}
    complete = cds.server.prefetch(chart.patient)

    by_prefetch = await post(cds, body, prefetch=complete)
    by_fallback = await post(cds, body, fhirServer=cds.server.base)
    by_pages = await post(cds, body, prefetch=first_pages(cds, chart.patient), fhirServer=cds.server.base)
    shuffled = await post(cds, body, prefetch=shuffled_twice_sent(complete, len(chart.resources)))
    foreign = await post(cds, body, prefetch=with_another_patients_flag(complete, chart.patient),
                         fhirServer=cds.server.base)

    expected = normalized(by_prefetch)
    assert normalized(by_fallback) == expected, (_decision(by_prefetch), _decision(by_fallback))
    assert normalized(by_pages) == expected, (_decision(by_prefetch), _decision(by_pages))
    assert normalized(shuffled) == expected, (_decision(by_prefetch), _decision(shuffled))
    # Invariant 7: the stranger's records are set aside, the key read again, and the answer says so (a
    # SpineDataNeeded card naming them); the decision is the patient's own.
    decided = [shown for shown in topics(foreign) if shown[0] != "SpineDataNeeded"]
    assert (decided, rating(foreign)) == _decision(by_prefetch), (_decision(by_prefetch), _decision(foreign))
    assert any(SET_ASIDE in card.get("detail", "") for card in foreign["cards"]), topics(foreign)
    # The in-process evaluator of the metamorphic tests reads the same chart the same way.
    offline = await evaluate_async(order_sign(chart, order=order), datetime.now(UTC).date())
    assert _decision(offline) == _decision(by_prefetch), (_decision(by_prefetch), _decision(offline))


async def test_the_cases_cover_many_concepts_and_places() -> None:
    cases = _cases()
    assert len(cases) >= 20
    assert len({value_set for _, value_set, _, _ in cases}) >= 8
    assert len({place for _, _, _, place in cases}) >= 8


async def test_a_renamed_chart_keeps_its_references() -> None:
    chart, order = _chart_with_flag(_cases()[0])
    records = [*chart.resources, order]
    owners = [(r.get("subject") or r.get("patient") or {}).get("reference") for r in records]
    assert all(r["id"].startswith("inv4-") for r in chart.resources)
    assert {owner for owner in owners if owner} == {f"Patient/{chart.patient}"}
