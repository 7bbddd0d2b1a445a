"""A DXA T-score or a FRAX probability filed under a site's own component code, named only in words
(PATHWAY.md §3 fracture risk "osteoporosis"; app/pathway/facts_fracture_rows.py; docs/pathway-facts.md
"Eleventh pass: fracture risk, trauma and age"). ``raw_decision.decide`` adds each row to a 19-day lumbar
radiculopathy and rates a lumbar MRI ordered on 2026-03-11: R1 (defer) without a fracture risk, R10
(radiographs first) with one. Each R10 row below was R1 before the eleventh pass."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.pathway.model import Finding, RedFlag

EPIC_COMPONENT = "urn:oid:1.2.840.114350.1.13.0.1.7.2.768282"  # a site's own result-component codes


def row(name: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "bmd", "status": "final", "effectiveDateTime": "2025-06-01",
            "code": {"coding": [{"system": EPIC_COMPONENT, "code": "5001", "display": name}]}, **fields}


def percent(value: float) -> dict[str, Any]:
    return {"valueQuantity": {"value": value, "unit": "%"}}


@pytest.mark.parametrize(("resource", "finding", "value"), [
    (row("L1-L4 T-SCORE", valueQuantity={"value": -2.9}), Finding.DXA_T_SCORE, -2.9),
    (row("Femoral neck T-score", valueString="-2.6"), Finding.DXA_T_SCORE, -2.6),
    (row("Total hip T score", valueString="<-3.0"), Finding.DXA_T_SCORE, -3.0),
    ({"resourceType": "Observation", "id": "bmd", "status": "final", "code": {"text": "T-score"},
      "bodySite": {"text": "Lumbar spine"}, "valueQuantity": {"value": -3.1}}, Finding.DXA_T_SCORE, -3.1),
    (row("FRAX 10-yr major osteoporotic fracture risk", **percent(25)), Finding.FRAX, 25),
    (row("FRAX hip fracture 10 year probability", **percent(3.4)), Finding.FRAX, 3.4),
    (row("FRAX major osteoporotic", valueString="22 %"), Finding.FRAX, 22),
])
def test_r10_a_t_score_or_frax_row_named_in_words_is_osteoporosis(
    resource: dict[str, Any], finding: Finding, value: float
) -> None:
    """WHO: a T-score of -2.5 or lower is osteoporosis; the National Bone Health Alliance (2014): a FRAX of
    20 % (major) or 3 % (hip) diagnoses it clinically. Under a local code they were read as nothing (R1)."""
    decision = decide(resource)

    assert decision.rules == ("R10",)
    [evidence] = decision.facts.red_flags[RedFlag.FRACTURE_RISK]
    assert (evidence.finding, evidence.value) == (finding, value)


@pytest.mark.parametrize("resource", [
    row("L1-L4 T-SCORE", valueQuantity={"value": -2.4}),  # osteopenia
    row("L1-L4 Z-SCORE", valueQuantity={"value": -3.0}),
    row("Calcaneus T-score", valueQuantity={"value": -3.0}),  # a peripheral site diagnoses nothing (ISCD)
    row("T-score", valueQuantity={"value": -3.0},
        bodySite={"coding": [{"system": EPIC_COMPONENT, "code": "H1", "display": "Heel"}]}),
    row("L1-L4 T-SCORE", valueQuantity={"value": -999}),  # a not-measured placeholder
    row("L1-L4 T-SCORE", valueQuantity={"value": -2.9}, status="entered-in-error"),
    row("L1-L4 T-SCORE", valueQuantity={"value": -2.9}, effectiveDateTime="2026-04-01"),  # after the order
    row("FRAX 10-yr major osteoporotic fracture risk", **percent(12)),
    row("FRAX hip fracture 10 year probability", **percent(1.2)),
    row("Hemoglobin A1c", **percent(7.5)),
])
def test_r1_osteopenia_a_z_score_a_peripheral_site_or_a_low_frax_is_no_fracture_risk(
    resource: dict[str, Any]
) -> None:
    assert decide(resource).rules == ("R1",)


def test_a_coded_t_score_is_read_once_by_its_code() -> None:
    coded_row = {"resourceType": "Observation", "id": "bmd", "status": "final",
                 "effectiveDateTime": "2025-06-01",
                 "code": {"coding": [{"system": "http://loinc.org", "code": "38267-1",
                                      "display": "DXA Lumbar spine [T-score] Bone density"}]},
                 "valueQuantity": {"value": -2.9}}

    [evidence] = decide(coded_row).facts.red_flags[RedFlag.FRACTURE_RISK]

    assert evidence.coding is not None and evidence.coding.code == "38267-1"
