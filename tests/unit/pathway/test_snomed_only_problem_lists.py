"""A problem list coded in SNOMED CT only (no ICD-10-CM beside it, as some EHRs export it) raises the same
red flags (PATHWAY.md §3): each SNOMED CT code added to a red-flag value set, as the only coding of an
active problem, reaches its rule where the ICD-10-CM code would."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.terminology import LOINC, SNOMED


def problem(code: str, pid: str = "c1") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": pid, "code": coded(SNOMED, code),
            "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            "onsetDateTime": "2025-06-01"}


@pytest.mark.parametrize(("code", "rule"), [
    ("35984006", "R7"),    # tuberculosis of vertebral column
    ("75544000", "R7"),    # opioid dependence (IV drug use, §3 infection)
    ("5602001", "R7"),     # opioid abuse
    ("26416006", "R7"),    # drug abuse
    ("51339003", "R7"),    # polysubstance dependence
    ("1156963006", "R20"),  # myelopathy due to cervical spondylosis, lumbar order → image the cord
    ("75467001", "R20"),   # cervical disc disorder with myelopathy
    ("50448004", "R10"),   # fracture of vertebral column → radiographs first
    ("27151001", "R11/R21"),  # post-laminectomy syndrome → post-surgical
    ("203241002", "R7"),   # osteomyelitis of vertebra
    ("302935008", "R7"),   # infective discitis
    ("2304001", "R7"),     # discitis
    ("70545002", "R7"),    # narcotic drug user
    ("231477003", "R7"),   # heroin dependence
    ("234532001", "R7"),   # immunodeficiency disorder
    ("62479008", "R7"),    # AIDS
    ("161665007", "R7"),   # history of renal transplant (transplant status, Z94.x)
    ("95919007", "R7"),    # dependence on corticoids (long-term steroids: infection and fracture risk)
    ("48522003", "R20"),   # spinal cord disease
    ("202664003", "R20"),  # cervical myelopathy
    ("71286001", "R20"),   # spinal cord compression
    ("67437007", "R20"),   # lumbar spondylosis with myelopathy
    ("42942008", "R10"),   # compression fracture of vertebral column
    ("240198002", "R10"),  # osteoporotic vertebral collapse
    ("274146004", "R10"),  # pathological fracture of vertebra
    ("203438009", "R10"),  # vertebral osteoporosis
    ("202725007", "R11/R21"),  # lumbar post-laminectomy syndrome
    ("429164009", "R11/R21"),  # history of lumbar laminectomy
])
def test_a_snomed_only_problem_reaches_its_rule_instead_of_a_defer(code: str, rule: str) -> None:
    decision = decide(problem(code))

    assert rule in decision.rules and "R1" not in decision.rules, decision.rules


@pytest.mark.parametrize("signs", [("86854008", "22325002"), ("86854008", "22631008")])
def test_hyperreflexia_with_a_gait_disturbance_is_myelopathy(signs: tuple[str, str]) -> None:
    decision = decide(problem(signs[0], "c1"), problem(signs[1], "c2"))

    assert "R20" in decision.rules


@pytest.mark.parametrize("sign", ["86854008", "22325002", "22631008"])
def test_one_conditional_myelopathy_sign_alone_is_not_myelopathy(sign: str) -> None:
    """§3 v2: gait disturbance (and an abnormal reflex) count only with a second sign or neck symptoms."""
    assert "R20" not in decide(problem(sign)).rules


@pytest.mark.parametrize("risk", ["73211009", "46635009", "44054006", "105502003", "5758002"])
def test_an_infection_risk_factor_with_a_raised_crp_is_r7_and_alone_is_nothing(risk: str) -> None:
    crp = {"resourceType": "Observation", "id": "crp", "status": "final", "code": coded(LOINC, "1988-5"),
           "effectiveDateTime": "2026-03-05", "valueQuantity": {"value": 30, "unit": "mg/L", "code": "mg/L"}}

    assert "R7" in decide(problem(risk), crp).rules
    assert "R1" in decide(problem(risk)).rules


def surgery(code: str) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": "s1", "status": "completed", "code": coded(SNOMED, code),
            "performedDateTime": "2023-05-01"}


@pytest.mark.parametrize(("code", "post_surgical"), [
    ("50172003", True),    # lumbar spinal fusion
    ("427752004", True),   # lumbar laminectomy (excision of lamina of lumbar vertebra)
    ("55705006", True),    # spinal arthrodesis, region not named: counts (region unknown)
    ("3418002", True),     # discectomy of spine, region not named
    ("81099000", False),   # cervical arthrodesis: not this lumbar order's region (§2 v2)
    ("445429009", False),  # cervical laminectomy
])
def test_a_snomed_coded_spine_operation_counts_in_its_region(code: str, post_surgical: bool) -> None:
    assert ("R11/R21" in decide(surgery(code)).rules) is post_surgical
