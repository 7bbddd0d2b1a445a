"""Fracture risk (PATHWAY.md §3 "Fracture risk", R10, R13) in the shapes the ninth pass found deferred.
``raw_decision.decide`` adds each resource to a 19-day lumbar radiculopathy and decides a lumbar MRI ordered
on 2026-03-11: R1 (defer) without a fracture risk, R10 (radiographs first, appropriate) with one
(docs/pathway-facts.md "Ninth pass: fracture risk and trauma"). Each R10 chart below was R1 before it, and
each R1 chart is one the pass checked stays a defer: a fracture risk found where there is none is a miss
too."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide, decide_order, radiculopathy

from app.pathway.model import RedFlag
from app.terminology import CPT, ICD10CM, SNOMED

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def condition(code: str, system: str = ICD10CM, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "fx", "code": coded(system, code), **fields}


@pytest.mark.parametrize("code", [
    "102447009",  # postmenopausal osteoporosis
    "18040001",   # senile osteoporosis
    "14651005",   # drug-induced osteoporosis
    "390833005",  # osteoporosis caused by corticosteroid
    "203450003",  # osteoporotic fracture of lumbar vertebra
    "11311601000119109",  # osteoporotic fracture of vertebra
    "704336007",  # osteoporotic fracture of radius: the patient has osteoporosis
])
def test_r10_the_kinds_of_osteoporosis_in_snomed_ct_are_fracture_risk(code: str) -> None:
    """§3 osteoporosis as a SNOMED CT-only problem list records its kinds (the eCQM osteoporosis value
    set, VSAC 2.16.840.1.113883.3.464.1003.113.12.1038): only 64859006 and two IPS codes were read."""
    decision = decide(condition(code, SNOMED, clinicalStatus=coded(CLINICAL, "resolved")))

    assert RedFlag.FRACTURE_RISK in decision.facts.red_flags
    assert decision.rules == ("R10",)


@pytest.mark.parametrize("code", [
    "S32.10XA",  # fracture of the sacrum (an insufficiency fracture)
    "S32.2XXD",  # fracture of the coccyx, subsequent encounter
    "M84.48XA",  # pathological fracture, other site: coders use it for a vertebra
    "Z79.83",    # long-term (current) use of bisphosphonates: treated osteoporosis
])
def test_r10_sacral_and_pathological_fractures_and_bisphosphonate_use_are_fracture_risk(code: str) -> None:
    assert decide(condition(code, onsetDateTime="2026-02-20")).rules == ("R10",)


def test_r10_a_vertebral_fracture_with_cord_injury_in_snomed_ct_is_fracture_risk() -> None:
    """Synthea's injuries module records 1734006 beside 15724005 (read since the seventh pass)."""
    assert decide(condition("1734006", SNOMED, onsetDateTime="2025-01-20")).rules == ("R10",)


@pytest.mark.parametrize(("code", "system"), [
    ("312894000", SNOMED),   # osteopenia
    ("S52.501A", ICD10CM),   # a fracture of the wrist, not of the spine
    ("65966004", SNOMED),    # fracture of forearm
    ("S72.001A", ICD10CM),   # a fracture of the hip
])
def test_r1_osteopenia_and_fractures_elsewhere_are_no_fracture_risk(code: str, system: str) -> None:
    assert decide(condition(code, system, onsetDateTime="2026-02-20")).rules == ("R1",)


def test_r13_a_ct_ordered_for_a_postmenopausal_osteoporosis_is_not_told_to_switch_to_mri() -> None:
    """R13 stands down for a fracture risk: CT shows a fracture; it was R1 and R13 (switch to MRI)."""
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded(CPT, "72131")}

    decision = decide_order(order, radiculopathy(), condition("102447009", SNOMED))

    assert decision.rules == ("R10",)


def dxa(code: str = "38267-1", **fields: Any) -> dict[str, Any]:
    """A DXA T-score Observation as a bone density report's result (LOINC, dxa_t_score.json)."""
    return {"resourceType": "Observation", "id": "dxa", "status": "final",
            "code": coded("http://loinc.org", code), "effectiveDateTime": "2024-05-01", **fields}


@pytest.mark.parametrize("observation", [
    dxa(valueQuantity={"value": -3.1, "unit": "{T-score}"}),      # lumbar spine
    dxa(valueQuantity={"value": -2.5}),                          # the WHO limit itself
    dxa("80946-7", valueQuantity={"value": -2.7, "unit": "SD"}),  # left hip, as Epic results it
    dxa("38265-5", valueQuantity={"value": -3.8}),               # Synthea's "DXA [T-score] Bone density"
    dxa("80948-3", valueString="-2.6"),                          # left femur, sent as text
    dxa("38264-8", valueString="<-3.0"),                         # a bound below the limit
    {**dxa(valueQuantity={"value": -3.0}), "effectiveDateTime": None},  # undated
    {"resourceType": "Observation", "id": "panel", "status": "final",  # one item of a DXA panel
     "code": {"text": "DXA bone density"}, "effectiveDateTime": "2019-01-10",
     "component": [{"code": coded("http://loinc.org", "38263-0"), "valueQuantity": {"value": -2.9}}]},
])
def test_r10_a_dxa_t_score_of_minus_2_5_or_lower_is_osteoporosis(observation: dict[str, Any]) -> None:
    """The WHO definition of osteoporosis (§3 "Osteoporosis"): a bone density report's T-score was not read,
    so a patient whose DXA showed osteoporosis but whose problem list did not say so was deferred (R1)."""
    decision = decide({k: v for k, v in observation.items() if v is not None})

    assert RedFlag.FRACTURE_RISK in decision.facts.red_flags
    assert decision.rules == ("R10",)


@pytest.mark.parametrize("observation", [
    dxa(valueQuantity={"value": -1.8}),                         # osteopenia
    dxa(valueQuantity={"value": -2.4}),
    dxa(valueString=">-3.0"),                                   # a bound that may lie above the limit
    dxa(valueQuantity={"value": -999}),                         # a placeholder, not a T-score
    dxa(valueQuantity={"value": -3.0}, status="entered-in-error"),
    dxa(valueQuantity={"value": -3.0}, effectiveDateTime="2026-04-01"),  # after the order
    dxa("85394-5", valueQuantity={"value": -3.0}),              # a Z-score, not a T-score
    dxa("80950-9", valueQuantity={"value": -3.0}),              # the calcaneus: no WHO site
])
def test_r1_a_t_score_above_the_limit_void_later_or_of_another_measure_is_no_fracture_risk(
    observation: dict[str, Any]
) -> None:
    assert decide(observation).rules == ("R1",)


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def drug(concept: dict[str, Any], resource: str = "MedicationRequest", **fields: Any) -> dict[str, Any]:
    field = "authoredOn" if resource == "MedicationRequest" else "effectiveDateTime"
    dated = {field: "2025-06-01"}
    return {"resourceType": resource, "id": "bone", "status": "active", "intent": "order",
            "medicationCodeableConcept": concept, **dated, **fields}


@pytest.mark.parametrize("medication", [
    drug({"coding": [{"system": RXNORM, "code": "904419",  # as Synthea prescribes it
                      "display": "Alendronic acid 10 MG Oral Tablet"}]}),
    drug({"text": "alendronate sodium 70 MG Oral Tablet"}),
    drug({"text": "PROLIA 60 MG/ML SC SOSY"}, status="completed"),
    drug(coded(RXNORM, "77655"), status="stopped"),  # a yearly zoledronic acid infusion
    drug({"text": "risedronate 35 mg weekly"}, "MedicationStatement", status="completed",
         effectiveDateTime="2018-03"),
])
def test_r10_a_bisphosphonate_or_denosumab_is_treated_osteoporosis(medication: dict[str, Any]) -> None:
    """§3 osteoporosis recorded only by its treatment, as a medication list often is: it was R1 (defer)."""
    decision = decide(medication)

    assert RedFlag.FRACTURE_RISK in decision.facts.red_flags
    assert decision.rules == ("R10",)


@pytest.mark.parametrize("medication", [
    drug({"text": "alendronate 70 mg"}, status="entered-in-error"),
    drug({"text": "alendronate 70 mg"}, "MedicationStatement", status="not-taken"),
    drug({"text": "alendronate 70 mg"}, doNotPerform=True),
    drug({"text": "alendronate 70 mg"}, authoredOn="2026-04-01"),  # after the order
    drug({"text": "calcium carbonate 600 MG / cholecalciferol 400 UNT Oral Tablet"}),
    drug({"text": "raloxifene 60 mg"}),  # also breast cancer prevention: not listed
])
def test_r1_a_void_later_or_other_bone_drug_is_no_fracture_risk(medication: dict[str, Any]) -> None:
    assert decide(medication).rules == ("R1",)


def test_r10_denosumab_at_the_osteoporosis_dose_is_fracture_risk_and_no_cancer() -> None:
    """Denosumab is not read as a cancer drug (facts_cancer: only the dose tells Prolia from Xgeva); it is
    osteoporosis treatment, so radiographs first (R10) — it was R1 (the malignancy pass's test of it moved
    here)."""
    decision = decide(drug({"text": "denosumab 60 MG/ML (Prolia)"}))

    assert RedFlag.MALIGNANCY_MAJOR not in decision.facts.red_flags
    assert decision.rules == ("R10",)
