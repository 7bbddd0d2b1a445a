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
    ("6525002", "R7"),     # dependent drug abuse: Synthea's opioid addiction module
    ("228388006", "R7"),   # intravenous drug user
    ("234532001", "R7"),   # immunodeficiency disorder
    ("62479008", "R7"),    # AIDS
    ("161665007", "R7"),   # history of renal transplant (transplant status, Z94.x)
    ("2631000119108", "R7"),  # history of bone marrow transplant (Z94.81)
    ("153351000119102", "R7"),  # history of peripheral stem cell transplant (Z94.84)
    ("161663000", "R7"),   # history of tissue/organ recipient (Z94)
    ("152621000119105", "R7"),  # history of allotransplantation of bone marrow: Synthea
    ("108631000119101", "R7"),  # history of autologous bone marrow transplant: Synthea
    ("370391006", "R7"),   # patient immunosuppressed (D84.821 immunodeficiency due to drugs)
    ("370388006", "R7"),   # patient immunocompromised (D84.9)
    ("426000000", "R7"),   # fever greater than 100.4 Fahrenheit (fever, §3 infection)
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


# Cancers as SNOMED CT-only problem lists record them: the CodeX OncoTree primary malignant neoplasms, the
# NFDI4Health chronic-disease cancers, and the codes Synthea's cancer modules emit (colon, lung by TNM stage,
# prostate metastasis, AML). Each is a major malignancy flag (R8), active or resolved: history is history.
CANCERS = [
    "372003004", "93689003", "93934004", "372014001", "371984007", "95214007", "93727008", "372024009",
    "93725000", "94087009", "93655004", "371973000", "93854002", "271323007",
    "93761005", "109838007", "363406005", "94260004", "424132000", "423121009", "67811000119102",
    "67841000119103", "94503003", "314994000", "91861009",
]


@pytest.mark.parametrize("code", CANCERS)
@pytest.mark.parametrize("clinical", ["active", "resolved"])
def test_a_snomed_only_cancer_is_a_major_malignancy_flag(code: str, clinical: str) -> None:
    cancer = {**problem(code), "clinicalStatus": coded(
        "http://terminology.hl7.org/CodeSystem/condition-clinical", clinical), "onsetDateTime": "2019-04-01"}

    decision = decide(cancer)

    assert decision.rules[0] == "R8", decision.rules


def test_skin_cancer_unqualified_is_not_listed() -> None:
    """94047004 primary malignant neoplasm of skin takes in non-melanoma skin cancer (§3 excludes it).
    Synthea's 126906006 neoplasm of prostate and 92691004 carcinoma in situ of prostate count since the
    eighth pass (test_malignancy_shapes.py): Synthea means prostate cancer by both."""
    assert decide(problem("94047004")).rules == ("R1",)
