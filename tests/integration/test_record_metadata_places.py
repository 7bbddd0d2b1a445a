"""The twelfth pass over codes, statuses and record metadata (docs/pathway-facts.md "Twelfth pass: codes,
statuses and record metadata") through the real app and SEKMET: the same answer by prefetch and by the
service's own FHIR fallback (PATHWAY.md invariant 4). Each chart is a woman of 40 with a 19-day lumbar
radiculopathy and a lumbar MRI order: R1 (defer) without anything else."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from chart_both_ways import evaluate_both_ways, rules, woman_with_sciatica
from hook_answers import rating, topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Resource = dict[str, Any]
ON = date(2025, 6, 2)


def day(days_before: int) -> str:
    return (ON - timedelta(days=days_before)).isoformat()


def cauda_equina(pid: str, system: str, code: str) -> Resource:
    return {"resourceType": "Condition", "id": f"{pid}-ces", "subject": {"reference": f"Patient/{pid}"},
            "code": {"coding": [{"system": system, "code": code}]}, "onsetDateTime": day(2)}


def fever(pid: str, system: str) -> Resource:
    return {"resourceType": "Observation", "id": f"{pid}-t", "status": "final", "effectiveDateTime": day(1),
            "subject": {"reference": f"Patient/{pid}"},
            "code": {"coding": [{"system": system, "code": "8310-5"}]},
            "valueQuantity": {"value": 38.9, "unit": "Cel", "system": "http://unitsofmeasure.org",
                              "code": "Cel"}}


SHAPES: dict[str, tuple[Any, str]] = {
    "v2-sct-cauda-equina": (lambda pid: [cauda_equina(pid, "SCT", "192970008")], "R5"),
    "name-icd10cm-cauda-equina": (lambda pid: [cauda_equina(pid, "ICD-10-CM", "G834")], "R5"),
    "snomed-term-cauda-equina": (lambda pid: [cauda_equina(pid, "http://snomed.info/sct",
                                                           "192970008 |Cauda equina syndrome|")], "R5"),
    "v2-ln-fever": (lambda pid: [fever(pid, "LN")], "R7"),
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_a_system_named_by_its_v2_mnemonic_or_name_is_read_both_ways(cds: Any, shape: str) -> None:
    """Before: R1 both ways (the coding was no code)."""
    pid = f"tw-{shape}"
    make, rule = SHAPES[shape]

    chart = [*woman_with_sciatica(pid, day(19)), *make(pid)]

    answers = await evaluate_both_ways(cds, chart, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert rules(answers.prefetch)[0] == rule, answers.difference()


async def test_a_record_merged_into_another_is_could_not_check_both_ways(cds: Any) -> None:
    """Her record says ``replaced-by`` the survivor, where the clinic filed her urinary retention after the
    merge. Neither the EHR's prefetch nor the fallback searched the survivor's id. Before: R1 defer both
    ways. Now: "could not check", no rating, both ways."""
    pid, survivor = "tw-merged-away", "tw-merged-survivor"
    chart = woman_with_sciatica(pid, day(19))
    chart[0] = {**chart[0], "active": False,
                "link": [{"other": {"reference": f"Patient/{survivor}"}, "type": "replaced-by"}]}
    retention = {"resourceType": "Condition", "id": f"{survivor}-r",
                 "subject": {"reference": f"Patient/{survivor}"},
                 "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "R33.9"}]},
                 "onsetDateTime": day(1)}
    survivor_record = {"resourceType": "Patient", "id": survivor, "birthDate": "1985-05-05",
                       "gender": "female",
                       "link": [{"other": {"reference": f"Patient/{pid}"}, "type": "replaces"}]}
    for resource in (survivor_record, retention):
        url = f"{cds.server.base}/{resource['resourceType']}/{resource['id']}"
        response = httpx.put(url, json=resource, headers={"Content-Type": "application/fhir+json"},
                             timeout=30)
        assert response.status_code in (200, 201), response.text[:300]

    answers = await evaluate_both_ways(cds, chart, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert topics(answers.prefetch) == [("SpineDataNeeded", "info")], answers.difference()
    assert rating(answers.prefetch) is None
