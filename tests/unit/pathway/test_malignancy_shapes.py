"""Malignancy flags as clinics, registries and Synthea record them (PATHWAY.md §3 malignancy, R8, R9, R7b;
docs/pathway-facts.md "Eighth pass: malignancy"). ``raw_decision.decide`` decides a lumbar MRI ordered on
2026-03-11 for a 40-year-old man with a 19-day radiculopathy: R1 (defer) when nothing below raises a flag.
Every shape marked as a miss below was deferred (R1) before this pass."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import Finding, RedFlag
from app.terminology import ICD10CM, LOINC, SNOMED

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
# ESR 60 mm/h eight days before the order: with a weak flag, R8 (§3 v2); alone, R7b.
ESR_60 = {"resourceType": "Observation", "id": "esr", "status": "final", "code": coded(LOINC, "4537-7"),
          "effectiveDateTime": "2026-03-03", "valueQuantity": {"value": 60, "unit": "mm/h"}}


def diagnosis(code: str, system: str = ICD10CM, status: str = "active") -> dict[str, Any]:
    """A problem or encounter diagnosis coded only with ``code``, begun in 2024."""
    return {"resourceType": "Condition", "id": "ca", "code": coded(system, code),
            "clinicalStatus": coded(CLINICAL, status), "onsetDateTime": "2024-05-01"}


@pytest.mark.parametrize("code", [
    "D47.2",    # MGUS: a myeloma precursor; new bone pain is how myeloma shows
    "D47.3",    # essential thrombocythaemia (a myeloproliferative neoplasm)
    "D46.9",    # myelodysplastic syndrome (malignant in ICD-O-3)
    "D45",      # polycythaemia vera (malignant in ICD-O-3)
    "D48.0",    # neoplasm of uncertain behaviour of bone and articular cartilage
    "D43.4",    # … of the spinal cord
    "D41.00",   # … of the kidney
    "D49.2",    # neoplasm of unspecified behaviour of bone, soft tissue and skin (awaiting biopsy)
    "D49.9",    # neoplasm of unspecified behaviour, site unspecified
    "Z86.03",   # personal history of a neoplasm of uncertain behaviour
])
def test_a_neoplasm_of_uncertain_or_unspecified_behaviour_is_r8(code: str) -> None:
    """R8 (§3 malignancy major, the safe side where §3 names only C00-C96): a tumour the pathologist could
    not call benign, or not yet biopsied, may be a cancer."""
    decision = decide(diagnosis(code))

    assert RedFlag.MALIGNANCY_MAJOR in decision.facts.red_flags
    assert decision.rules[0] == "R8"


@pytest.mark.parametrize("code", [
    "D3A.010",  # benign carcinoid tumour: D3A sorts between D37-D39 and D40 as text
    "D48.5",    # uncertain behaviour of skin (as non-melanoma skin cancer, §3)
    "D05.10",   # ductal carcinoma in situ (not invasive)
    "D12.6",    # benign neoplasm of colon
    "Z79.810",  # long-term SERM: raloxifene treats osteoporosis
    "Z80.3",    # family history of breast cancer
])
def test_benign_in_situ_skin_and_family_neoplasm_codes_still_defer(code: str) -> None:
    assert decide(diagnosis(code)).rules == ("R1",)


@pytest.mark.parametrize("code", [
    "Z08",      # follow-up examination after completed treatment of a malignant neoplasm
    "Z51.0",    # encounter for antineoplastic radiation therapy
    "Z51.12",   # encounter for antineoplastic immunotherapy
    "Z92.3",    # personal history of irradiation
    "Z79.811",  # long-term aromatase inhibitor (breast cancer)
])
def test_a_treated_or_followed_up_cancer_coded_without_z85_is_r8(code: str) -> None:
    """R8 (§3 "a history of cancer"): what a clinic codes for a cancer treated or followed up when no Z85 or
    C-code stands beside it; a resolved one still counts (§2: a history is history)."""
    for status in ("active", "resolved"):
        decision = decide(diagnosis(code, status=status))
        assert decision.rules[0] == "R8", status


@pytest.mark.parametrize("code", [
    "126906006",  # neoplasm of prostate: Synthea's prostate cancer diagnosis
    "92691004",   # carcinoma in situ of prostate: Synthea's prostate cancer stage
    "254900004",  # carcinoma of prostate
    "93143009",   # leukaemia
    "91857003",   # acute lymphoid leukaemia
    "92814006",   # chronic lymphoid leukaemia
    "92818009",   # chronic myeloid leukaemia
    "109995007",  # myelodysplastic syndrome
    "109992005",  # polycythaemia vera
    "363418001",  # malignant tumour of pancreas
    "372244006",  # malignant melanoma
    "363349007",  # malignant tumour of stomach
    "399326009",  # malignant tumour of urinary bladder
    "363443007",  # malignant tumour of ovary
    "363354003",  # malignant tumour of cervix
    "161432005",  # history of malignant melanoma (DICOM CID 4402)
    "321000119108",  # history of malignant melanoma of the skin
])
def test_cancers_in_snomed_ct_as_synthea_and_problem_lists_code_them_are_r8(code: str) -> None:
    """R8 (CODES.md §1a: the ECL << 363346000 takes these in; the exact-code list did not)."""
    assert decide(diagnosis(code, SNOMED)).rules[0] == "R8"


@pytest.mark.parametrize(("system", "code"), [
    (ICD10CM, "R64"),        # cachexia
    (SNOMED, "89362005"),    # weight loss
    (SNOMED, "238108007"),   # cachexia
    (SNOMED, "267024001"),   # abnormal weight loss
])
def test_weight_loss_as_problem_lists_code_it_is_a_weak_flag(system: str, code: str) -> None:
    """§3 malignancy (weak): unexplained weight loss. Alone it still defers the MRI (R9); with ESR ≥ 50 it is
    a major flag (R8) — it was R7b."""
    assert decide(diagnosis(code, system)).rules == ("R9",)
    assert decide(diagnosis(code, system), ESR_60).rules[0] == "R8"


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def medication(code: str | None, text: str | None, kind: str = "MedicationRequest", **fields: Any
               ) -> dict[str, Any]:
    """A medication list entry begun in 2025, coded with RxNorm ``code`` (or only named ``text``)."""
    concept: dict[str, Any] = {"coding": [{"system": RXNORM, "code": code}]} if code else {}
    concept |= {"text": text} if text else {}
    dated = {"authoredOn": "2025-06-01", "intent": "order"} if kind == "MedicationRequest" else \
        {"effectiveDateTime": "2025-06-01"}
    return {"resourceType": kind, "id": "rx", "status": "active", "medicationCodeableConcept": concept,
            **dated, **fields}


@pytest.mark.parametrize("drug", [
    medication("10324", "tamoxifen 20 MG Oral Tablet"),
    medication("84857", None, "MedicationStatement"),                   # ingredient code only
    medication("262485", None),                                         # Arimidex, as Synthea codes it
    medication("199224", "Letrozole 2.5 MG Oral Tablet", status="completed"),  # SCD with its name
    medication(None, "LUPRON DEPOT 22.5 MG IM KIT"),                     # Epic: name only, a brand
    medication(None, "enzalutamide (XTANDI) 40 mg capsule", "MedicationStatement", status="completed"),
    medication(None, "abiraterone 250 mg tablet", status="stopped"),
    medication(None, "lenalidomide 10 mg capsule", status="cancelled"),  # the myeloma is still there
])
def test_a_cancer_drug_on_the_medication_list_is_r8(drug: dict[str, Any]) -> None:
    """R8 (§3 "active cancer or a history of cancer"): a cancer hormone therapy or cancer drug, current or
    finished, is a cancer whatever else the problem list says."""
    decision = decide(drug)

    found = decision.facts.red_flags[RedFlag.MALIGNANCY_MAJOR]
    assert [e.finding for e in found] == [Finding.CANCER_TREATMENT]
    assert decision.rules[0] == "R8"


@pytest.mark.parametrize("drug", [
    medication(None, "raloxifene 60 MG Oral Tablet"),      # osteoporosis
    medication("10324", "tamoxifen 20 MG", status="entered-in-error"),
    medication("10324", "tamoxifen 20 MG", "MedicationStatement", status="not-taken"),
    medication("10324", "tamoxifen 20 MG", doNotPerform=True),
    {**medication("10324", "tamoxifen 20 MG"), "authoredOn": "2026-04-01"},  # after the order
])
def test_dual_use_drugs_and_void_or_later_records_are_no_cancer(drug: dict[str, Any]) -> None:
    assert decide(drug).rules == ("R1",)


def procedure(system: str, code: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": "px", "status": "completed", "code": coded(system, code),
            "performedDateTime": "2023-02-01", **fields}


@pytest.mark.parametrize("done", [
    procedure(SNOMED, "33195004"),    # teleradiotherapy (Synthea)
    procedure(SNOMED, "385798007"),   # radiation therapy care (Synthea)
    procedure(SNOMED, "367336001"),   # chemotherapy
    procedure("http://www.ama-assn.org/go/cpt", "77412"),  # radiation treatment delivery
    procedure("http://www.ama-assn.org/go/cpt", "77427", status="in-progress"),
    procedure("http://www.ama-assn.org/go/cpt", "77373", status="preparation",
              performedDateTime="2026-03-20"),  # SBRT booked after the order: the cancer is there now
    {k: v for k, v in procedure(SNOMED, "367336001").items() if k != "performedDateTime"},  # undated
    procedure("http://www.ama-assn.org/go/cpt", "55866"),  # radical prostatectomy: done only for cancer
    procedure("http://www.ama-assn.org/go/cpt", "19307"),  # modified radical mastectomy
])
def test_radiotherapy_or_chemotherapy_recorded_as_a_procedure_is_r8(done: dict[str, Any]) -> None:
    """R8: a radiotherapy, chemotherapy or cancer operation Procedure, at any date, is a cancer treated."""
    assert decide(done).rules[0] == "R8"


@pytest.mark.parametrize("done", [
    procedure(SNOMED, "367336001", status="not-done"),   # "prior chemotherapy: not done"
    procedure(SNOMED, "367336001", status="entered-in-error"),
    procedure("http://www.ama-assn.org/go/cpt", "55821"),  # suprapubic prostatectomy: benign hyperplasia
    procedure("http://www.ama-assn.org/go/cpt", "19303"),  # simple mastectomy: may be prophylactic
])
def test_a_treatment_not_done_or_not_only_for_cancer_is_no_cancer(done: dict[str, Any]) -> None:
    assert decide(done).rules == ("R1",)


def staging(code: str, **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "stage", "status": "final", "code": coded(LOINC, code),
            "effectiveDateTime": "2024-06-01", **value}


@pytest.mark.parametrize("observation", [
    staging("21908-9", valueCodeableConcept=coded(SNOMED, "1228882005")),  # AJCC IIB as Synthea codes it
    staging("21908-9", valueCodeableConcept={"coding": [
        {"system": "urn:oid:2.16.840.1.113883.3.26.1.1", "code": "IIA", "display": "Stage IIA"}]}),
    staging("21908-9", valueCodeableConcept={"text": "Stage IV-E"}),       # a lymphoma's Lugano stage
    staging("21902-2", valueString="IIIA"),
    staging("21907-1", valueCodeableConcept={"text": "M0"}),               # staged: no distant metastasis
    staging("85337-4", valueCodeableConcept={"text": "Positive (>10%)"}),  # ER in a breast cancer specimen
    staging("85339-0", valueCodeableConcept={"text": "Negative"}),         # PR negative: still a cancer
    {k: v for k, v in staging("21908-9", valueString="II").items() if k != "effectiveDateTime"},
])
def test_a_cancer_staging_or_breast_cancer_specimen_observation_is_r8(observation: dict[str, Any]) -> None:
    """R8: only a cancer is staged (mCODE, Synthea, tumour registries), so the value is not read."""
    decision = decide(observation)

    found = decision.facts.red_flags[RedFlag.MALIGNANCY_MAJOR]
    assert [e.finding for e in found] == [Finding.CANCER_STAGING]
    assert decision.rules[0] == "R8"


@pytest.mark.parametrize("observation", [
    staging("21908-9", valueString="II", status="entered-in-error"),
    staging("21908-9", valueString="II", effectiveDateTime="2026-04-01"),  # after the order
])
def test_a_void_or_later_staging_is_no_cancer(observation: dict[str, Any]) -> None:
    assert decide(observation).rules == ("R1",)


def lab(code: str, **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": f"lab-{code}", "status": "final", "code": coded(LOINC, code),
            "effectiveDateTime": "2026-03-05", **value}


@pytest.mark.parametrize("marker", [
    lab("4537-7", valueQuantity={"value": 60, "unit": "mm"}),           # Westergren: the fall in the 1st hour
    lab("30341-2", valueQuantity={"value": 60, "unit": "mm/(1.h)", "system": "http://unitsofmeasure.org",
                                  "code": "mm/(1.h)"}),
    lab("4537-7", valueString="60 mm in 1st hour"),
    lab("1988-5", valueQuantity={"value": 0.06, "unit": "g/L"}),        # 60 mg/L
])
def test_an_esr_or_crp_in_the_units_european_labs_write_is_read(marker: dict[str, Any]) -> None:
    """R7b (§3 v2): ESR ≥ 50 mm/h or CRP ≥ 50 mg/L, unexplained — the ESR's "mm" is millimetres in the first
    hour, CRP in g/L is a thousand mg/L. Each was not read (R1)."""
    assert decide(marker).rules[0] == "R7b"


def test_an_esr_in_mm_with_a_weak_flag_is_r8() -> None:
    """§3 v2: weight loss with ESR ≥ 50 mm/h is a major malignancy flag."""
    esr = lab("4537-7", valueQuantity={"value": 55, "unit": "mm"})
    assert decide(diagnosis("R63.4"), esr).rules[0] == "R8"


ICD_O_3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"


@pytest.mark.parametrize(("system", "code"), [
    (ICD_O_3, "8500/3"),                                 # infiltrating duct carcinoma, malignant
    (ICD_O_3, "8140/6"),                                 # adenocarcinoma, metastatic
    ("urn:oid:2.16.840.1.113883.6.43.1", "97323"),      # multiple myeloma, written without the slash
    (ICD_O_3, "M-8000/9"),                               # malignant neoplasm, primary or metastatic unknown
    (ICD_O_3, "9765/1"),                                 # MGUS: uncertain behaviour (as D47.2)
])
def test_a_registry_diagnosis_coded_by_its_icd_o_3_morphology_is_r8(system: str, code: str) -> None:
    """R8: a tumour registry or oncology system exports the diagnosis as its ICD-O-3 morphology and
    behaviour; malignant (3, 6, 9) and uncertain (1) behaviour count (§3, the safe side for 1)."""
    assert decide(diagnosis(code, system)).rules[0] == "R8"


@pytest.mark.parametrize("code", ["8010/2", "8140/0", "C50.9"])  # in situ, benign, a topography (a site)
def test_an_icd_o_3_in_situ_benign_or_site_code_is_no_cancer(code: str) -> None:
    assert decide(diagnosis(code, ICD_O_3)).rules == ("R1",)
