"""A cancer recorded only as its treatment, as oncology records bill and name it (PATHWAY.md §3 malignancy
major, R8; docs/pathway-facts.md "Tenth pass: malignancy as oncology records show it").
``raw_decision.decide`` decides a lumbar MRI ordered on 2026-03-11 for a 40-year-old man with a 19-day
radiculopathy: R1 (defer) when nothing raises a flag. Every shape read as a cancer here was deferred (R1)
before this pass."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.pathway.model import Finding, RedFlag
from app.terminology import CPT, ICD9CM, ICD10CM, SNOMED

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
EPIC_LOCAL = "urn:oid:1.2.840.114350.1.13.0.1.7.2.768282"


def procedure(concept: dict[str, Any], status: str = "completed") -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": "rt", "status": status, "code": concept,
            "performedDateTime": "2025-01-10"}


def coded_procedure(system: str, code: str, status: str = "completed") -> dict[str, Any]:
    return procedure({"coding": [{"system": system, "code": code}]}, status)


@pytest.mark.parametrize("code", [
    "77014",  # CT guidance for placement of radiation therapy fields
    "77280",  # simulation-aided field setting
    "77295",  # 3-dimensional radiotherapy plan
    "77300",  # basic radiation dosimetry calculation
    "77301",  # IMRT plan
    "77336",  # continuing medical physics consultation
    "77387",  # image guidance of radiation delivery (IGRT)
    "96409",  # chemotherapy administration, IV push
    "96413",  # chemotherapy administration, IV infusion up to 1 hour
    "96417",  # each additional sequential infusion
])
def test_radiation_oncology_and_chemotherapy_administration_cpt_codes_are_r8(code: str) -> None:
    decision = decide(coded_procedure(CPT, code))

    assert decision.rules[0] == "R8"
    found = decision.facts.red_flags[RedFlag.MALIGNANCY_MAJOR]
    assert [e.finding for e in found] == [Finding.CANCER_TREATMENT]


@pytest.mark.parametrize("code", ["53438000", "703423002"])
def test_mcode_and_synthea_radiotherapy_snomed_codes_are_r8(code: str) -> None:
    """53438000 radiation therapy procedure or service (mCODE); 703423002 combined chemotherapy and
    radiation therapy (Synthea)."""
    assert decide(coded_procedure(SNOMED, code)).rules[0] == "R8"


@pytest.mark.parametrize("code", ["J9035", "J9271", "j9045"])
def test_a_hcpcs_chemotherapy_drug_is_r8_as_a_procedure_and_as_a_medication(code: str) -> None:
    """HCPCS Level II J9000-J9999, the chemotherapy drugs (bevacizumab, pembrolizumab, carboplatin)."""
    drug = {"coding": [{"system": HCPCS, "code": code}]}
    request = {"resourceType": "MedicationRequest", "id": "m", "status": "completed", "intent": "order",
               "authoredOn": "2025-01-10", "medicationCodeableConcept": drug}

    assert decide(coded_procedure(HCPCS, code)).rules[0] == "R8"
    assert decide(request).rules[0] == "R8"


def test_a_hcpcs_drug_outside_j9_and_a_not_done_chemotherapy_still_defer() -> None:
    assert decide(coded_procedure(HCPCS, "J1885")).rules == ("R1",)  # ketorolac injection
    assert decide(coded_procedure(HCPCS, "J9035", "not-done")).rules == ("R1",)
    assert decide(coded_procedure(CPT, "96413", "entered-in-error")).rules == ("R1",)


@pytest.mark.parametrize("text", ["XRT to L-spine", "Chemotherapy infusion", "SBRT T10",
                                  "Excision of malignant melanoma"])
@pytest.mark.parametrize("local", [False, True])
def test_a_cancer_treatment_named_in_words_is_r8(text: str, local: bool) -> None:
    concept = {"coding": [{"system": EPIC_LOCAL, "code": "88", "display": text}]} if local else {"text": text}
    decision = decide(procedure(concept))

    assert decision.rules[0] == "R8"
    (evidence,) = decision.facts.red_flags[RedFlag.MALIGNANCY_MAJOR]
    assert evidence.name == text


@pytest.mark.parametrize("text", ["Radiation therapy declined", "No chemotherapy", "Colonoscopy",
                                  "Excision of basal cell carcinoma"])
def test_a_declined_treatment_or_another_procedure_in_words_still_defers(text: str) -> None:
    assert decide(procedure({"text": text})).rules == ("R1",)


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@pytest.mark.parametrize(("code", "text"), [
    ("40048", None),                           # carboplatin by its ingredient code
    (None, "PACLitaxel 100 MG Injection"),     # by name in the product's text (Synthea's display)
    (None, "KEYTRUDA 100 MG/4ML IV SOLN"),     # by brand
    ("1597876", "nivolumab"),
    (None, "melphalan 2 mg tablet"),           # myeloma
])
def test_intravenous_chemotherapy_and_immunotherapy_prescriptions_are_r8(code: str | None,
                                                                         text: str | None) -> None:
    concept: dict[str, Any] = {"coding": [{"system": RXNORM, "code": code}]} if code else {}
    concept |= {"text": text} if text else {}
    request = {"resourceType": "MedicationRequest", "id": "m", "status": "active", "intent": "order",
               "authoredOn": "2025-01-10", "medicationCodeableConcept": concept}

    decision = decide(request)

    assert decision.rules[0] == "R8"
    found = decision.facts.red_flags[RedFlag.MALIGNANCY_MAJOR]
    assert [e.finding for e in found] == [Finding.CANCER_TREATMENT]


@pytest.mark.parametrize(("system", "code"), [
    (ICD10CM, "R18.0"),    # malignant ascites
    (ICD10CM, "J91.0"),    # malignant pleural effusion
    (ICD10CM, "Z92.21"),   # personal history of antineoplastic chemotherapy
    (ICD9CM, "V87.41"),    # the same in ICD-9-CM
    (ICD10CM, "G89.3"),    # neoplasm related pain
    (ICD10CM, "D63.0"),    # anaemia in neoplastic disease
    (ICD10CM, "Z17.0"),    # oestrogen receptor positive status (a breast cancer's)
    (ICD10CM, "Z19.2"),    # hormone resistant malignancy status (a prostate cancer's)
])
def test_codes_that_exist_only_beside_a_cancer_are_r8_at_any_status(system: str, code: str) -> None:
    """§3 major: a cancer's spread, pain, anaemia, receptor status or past chemotherapy coded without the
    cancer beside it (a history counts whatever its status, §2)."""
    for status in ("active", "resolved"):
        concept = {"coding": [{"system": system, "code": code}]}
        condition = {"resourceType": "Condition", "id": "c", "code": concept,
                     "clinicalStatus": {"coding": [{"system": CLINICAL, "code": status}]}}
        assert decide(condition).rules[0] == "R8", status
