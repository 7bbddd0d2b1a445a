"""A cancer written in words only (PATHWAY.md §3 malignancy major, R8; §2 "wherever the chart holds it";
docs/pathway-facts.md "Tenth pass: malignancy as oncology records show it"). ``raw_decision.decide`` decides a
lumbar MRI ordered on 2026-03-11 for a 40-year-old man with a 19-day radiculopathy: R1 (defer) when nothing
raises a flag. Every shape read as a cancer here was deferred (R1) before this pass."""

from __future__ import annotations

import time
from typing import Any

import pytest
from raw_decision import coded, decide, decide_order, radiculopathy

from app.pathway.facts_cancer_words import cancer_in_words
from app.pathway.model import Finding, RedFlag
from app.terminology import CPT, ICD10CM, LOINC

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
EPIC_LOCAL = "urn:oid:1.2.840.114350.1.13.0.1.7.2.696580"

CANCERS = [
    "h/o breast ca", "prostate CA s/p XRT", "metastatic lung cancer", "hx of melanoma",
    "Breast cancer, triple negative", "Breast Ca, ER+/PR+/HER2-", "Multiple myeloma", "Plasmacytoma",
    "NSCLC", "CLL", "DLBCL in remission", "Non-Hodgkin's lymphoma", "Mets to spine", "bone mets",
    "Metastatic disease to bone", "Renal cell carcinoma", "Adenocarcinoma of lung", "Glioblastoma",
    "Osteosarcoma", "Chordoma of sacrum", "Lung mass, suspicious for malignancy", "r/o malignancy",
    "ca prostate", "Colon cancer s/p resection 2019", "no evidence of recurrent breast cancer",
    "Breast cancer, no recurrence", "Malignant melanoma of skin of trunk", "Kaposi's sarcoma of skin",
    "Skin metastases from breast cancer", "Squamous cell carcinoma of lung", "Malignant pleural effusion",
    "Waldenström macroglobulinemia", "History of breast cancer (2015), s/p lumpectomy and radiation",
    "back pain, r/o mets", "eval for mets",  # a suspected metastasis is what R8 answers
]
# Negated, someone else's, sought, a test, a skin or in-situ cancer, and the displays of ICD-10-CM codes
# the value sets leave out on purpose (Z80.3, Z12.31, Z15.01, Z86.000, C44.91, Z85.828, D05.10, Z40.00).
NOT_CANCERS = [
    "No hx of cancer", "Denies cancer", "Cancer: No", "Cancer ruled out", "Lung nodule, malignancy unlikely",
    "Negative for malignancy", "Family hx of breast cancer", "FHx colon cancer", "Mother had breast cancer",
    "FH: breast cancer (mother), colon cancer (father)", "Cancer screening", "Colon cancer screening",
    "Fear of cancer", "Breast cancer risk assessment", "BRCA1 carrier", "Basal cell carcinoma",
    "BCC left cheek", "Squamous cell carcinoma of skin", "Skin cancer", "DCIS", "Ductal carcinoma in situ",
    "Benign neoplasm of colon", "Precancerous lesion", "Non-cancerous lesion", "Cancer Ag 125",
    "CA 19-9 elevated", "Calcium (Ca) 10.2", "Malignant hypertension", "Malignant hyperthermia",
    "Neuroleptic malignant syndrome", "Exercise capacity 7 METs", "Patient met in clinic to discuss",
    "Metastatic calcification",
    "Family history of malignant neoplasm of breast",
    "Encounter for screening mammogram for malignant neoplasm of breast",
    "Genetic susceptibility to malignant neoplasm of breast",
    "Personal history of in-situ neoplasm of breast",
    "Basal cell carcinoma of skin, unspecified",
    "Personal history of other malignant neoplasm of skin",
    "Intraductal carcinoma in situ of unspecified breast",
    "Encounter for prophylactic surgery for unspecified risk factors related to malignant neoplasms",
]


def problem(text: str, status: str = "active", code: str | None = None) -> dict[str, Any]:
    """A problem-list entry begun in 2024, written ``text`` with no code, or under a site's local ``code``
    with ``text`` as its display (as Epic exports a problem the site built)."""
    concept: dict[str, Any] = {"text": text}
    if code is not None:
        concept = {"coding": [{"system": EPIC_LOCAL, "code": code, "display": text}]}
    category = coded("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item")
    return {"resourceType": "Condition", "id": "ca", "code": concept, "category": [category],
            "clinicalStatus": coded(CLINICAL, status), "onsetDateTime": "2024-05-01"}


@pytest.mark.parametrize("text", CANCERS)
def test_a_cancer_in_words_is_named(text: str) -> None:
    assert cancer_in_words(text) is not None


@pytest.mark.parametrize("text", NOT_CANCERS)
def test_words_that_negate_or_leave_out_a_cancer_name_none(text: str) -> None:
    """§3: never family history, never non-melanoma skin cancer; a screen, a risk, a tumour-marker test or
    a ruled-out cancer is no cancer."""
    assert cancer_in_words(text) is None


@pytest.mark.parametrize("text", ["h/o breast ca", "Multiple myeloma", "Mets to spine", "NSCLC"])
@pytest.mark.parametrize("local", [False, True])
def test_a_free_text_or_locally_coded_cancer_problem_is_r8(text: str, local: bool) -> None:
    """R8: a problem typed in words, or under a local code named for it."""
    decision = decide(problem(text, code="1234" if local else None))

    assert decision.rules[0] == "R8"
    (evidence,) = decision.facts.red_flags[RedFlag.MALIGNANCY_MAJOR]
    assert evidence.name == text  # the card shows the chart's words


@pytest.mark.parametrize("status", ["inactive", "remission", "resolved"])
def test_a_cancer_in_words_counts_whatever_its_status(status: str) -> None:
    """§2: "A cancer history counts whatever its status: it is history"."""
    decision = decide(problem("Breast cancer", status))

    assert decision.rules[0] == "R8"


def test_history_words_make_it_a_history_of_cancer() -> None:
    evidence = decide(problem("hx of melanoma")).facts.red_flags[RedFlag.MALIGNANCY_MAJOR]

    assert [e.finding for e in evidence] == [Finding.CANCER_HISTORY]


def test_a_diagnosis_coded_outside_the_value_sets_is_read_by_its_display() -> None:
    """A SNOMED CT cancer the exact-code list lacks (254626006 adenocarcinoma of lung) is read by its
    display, as a local code is."""
    condition = problem("x") | {"code": {"coding": [{"system": "http://snomed.info/sct", "code": "254626006",
                                                      "display": "Adenocarcinoma of lung"}]}}
    assert decide(condition).rules[0] == "R8"


@pytest.mark.parametrize("text", ["No hx of cancer", "Family hx of breast cancer", "Basal cell carcinoma",
                                  "Colon cancer screening", "DCIS"])
def test_negated_family_skin_screen_and_in_situ_problems_still_defer(text: str) -> None:
    assert decide(problem(text)).rules == ("R1",)


@pytest.mark.parametrize(("code", "display"), [
    ("Z80.3", "Family history of malignant neoplasm of breast"),
    ("C44.91", "Basal cell carcinoma of skin, unspecified"),
    ("Z12.31", "Encounter for screening mammogram for malignant neoplasm of breast"),
])
def test_a_coded_non_member_is_not_read_as_cancer_by_its_display(code: str, display: str) -> None:
    """The ICD-10-CM codes §3 leaves out stay out when their display is read as words."""
    condition = problem("x") | {"code": {"coding": [{"system": ICD10CM, "code": code, "display": display}]}}
    assert decide(condition).rules == ("R1",)


def test_a_visit_reason_typed_names_a_cancer() -> None:
    visit = {"resourceType": "Encounter", "id": "e", "status": "finished", "period": {"start": "2025-06-01"},
             "reasonCode": [{"text": "f/u metastatic breast cancer"}]}
    assert decide(visit).rules[0] == "R8"


def test_an_intake_row_history_of_cancer_answered_yes_is_r8_and_family_is_not() -> None:
    def row(name: str, answer: str) -> dict[str, Any]:
        return {"resourceType": "Observation", "id": "q", "status": "final", "effectiveDateTime": "2025-06",
                "code": {"coding": [{"system": EPIC_LOCAL, "code": "Q1", "display": name}]},
                "valueString": answer}

    assert decide(row("History of cancer", "Yes")).rules[0] == "R8"
    assert decide(row("History of cancer", "No")).rules == ("R1",)
    assert decide(row("Family history of cancer", "Yes")).rules == ("R1",)


def test_a_tumour_marker_result_is_no_cancer() -> None:
    name = "Cancer Ag 125 [Units/volume] in Serum or Plasma"
    marker = {"resourceType": "Observation", "id": "ca125", "status": "final", "effectiveDateTime": "2025-06",
              "code": {"coding": [{"system": LOINC, "code": "10334-1", "display": name}]},
              "valueString": "12"}
    assert decide(marker).rules == ("R1",)


def test_the_orders_reason_for_exam_in_words_is_r8() -> None:
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded(CPT, "72148"), "reasonCode": [{"text": "back pain, hx prostate ca, r/o mets"}]}
    assert decide_order(order, radiculopathy()).rules[0] == "R8"


@pytest.mark.parametrize(("name", "answer", "rules"), [
    ("Pathology final diagnosis", "Metastatic adenocarcinoma", "R8"),
    ("Past medical history", "Prostate cancer 2019", "R8"),
    ("Which cancer?", "Breast", "R8"),
    ("Hx of cancer?", "No", "R1"),
    ("Cancer history", "Unknown", "R1"),
    ("Family history", "breast cancer (mother)", "R1"),
    ("Family History", "Mother: breast cancer; father: lung cancer", "R1"),
    ("Cancer screening", "Up to date", "R1"),
    ("Cytology", "Negative for malignant cells", "R1"),
    ("Comment", "urinary retention", "R1"),   # only the cancer concepts read an answer's words
])
def test_a_cancer_named_in_a_rows_answer_is_read_with_the_rows_name(name: str, answer: str,
                                                                    rules: str) -> None:
    code = {"coding": [{"system": EPIC_LOCAL, "code": "Q2", "display": name}]}
    row = {"resourceType": "Observation", "id": "q", "status": "final", "effectiveDateTime": "2025-06",
           "code": code, "valueString": answer}
    assert decide(row).rules[0] == rules


def test_a_chart_of_long_texts_naming_a_cancer_again_and_again_is_read_in_bounded_time() -> None:
    """Hardening: 100 problems of 4 kB, each "no cancer, " over and over (every mention negated), are read
    in bounded time (each text's first mentions only) and still name no cancer. CPU time: the machine may
    be shared."""
    texts = [(f"{n} " + "no cancer, " * 455)[:4_000] for n in range(100)]
    problems = [{"resourceType": "Condition", "id": f"p{n}", "code": {"text": text}}
                for n, text in enumerate(texts)]
    started = time.process_time()

    decision = decide(*problems)

    assert decision.rules == ("R1",)
    assert time.process_time() - started < 1.5
