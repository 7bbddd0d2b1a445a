"""Cards read as a clinician reads them, on charts written as EHR exports write them (PATHWAY.md §5
"What a card carries", invariant 5): codes without a display, several red flags, data not read. Each chart
is raw FHIR JSON, parsed and decided as the hooks do (tests/raw_decision.py), then rendered.
"""

from __future__ import annotations

from typing import Any

from raw_decision import ORDER_DATE, coded, decide, decide_chart, radiculopathy
from render_fixtures import context, draft_order

from app.chart.model import ChartCategory, ServiceRequestView
from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.pathway.engine import evaluate_order, evaluate_patient
from app.pathway.model import Decision
from app.pathway.policy import Policy
from app.render import CardLibrary, render_cards
from app.terminology import CPT, ICD10CM, LOINC, Coding, load_value_sets

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
Card = dict[str, Any]


def cards(decision: Decision, library: CardLibrary, code: str = "72148") -> list[Card]:
    return render_cards(decision, library, context(draft_order(code)))


def naproxen(**medication: Any) -> dict[str, Any]:
    """Naproxen ordered after the onset, coded by its RxNorm ingredient code and nothing else."""
    return {"resourceType": "MedicationRequest", "id": "rx", "status": "active", "intent": "order",
            "authoredOn": "2026-03-01", "medicationCodeableConcept": coded(RXNORM, "7258"), **medication}


def test_a_drug_coded_without_a_display_is_named_not_shown_as_its_code(library: CardLibrary) -> None:
    """§5: facts in words. An RxNorm code alone (no display, no text) reads as the drug, never "7258"."""
    detail = cards(decide(naproxen()), library)[0]["detail"]

    assert "Treatment since onset: naproxen (2026-03-01)." in detail
    assert "7258" not in detail


def test_a_drug_with_its_own_text_is_named_by_it(library: CardLibrary) -> None:
    medication = {"medicationCodeableConcept": coded(RXNORM, "7258", "Naproxen 500 MG Oral Tablet")}
    detail = cards(decide(naproxen(**medication)), library)[0]["detail"]

    assert "Treatment since onset: Naproxen 500 MG Oral Tablet (2026-03-01)." in detail


def decide_with(*resources: dict[str, Any], unread: tuple[ChartCategory, ...] = (), code: str = "72148",
                born: str = "1986-01-01") -> Decision:
    """The 19-day lumbar radiculopathy of ``decide`` with ``resources``, ``unread`` categories not read
    from the EHR, an order of CPT ``code``, and a patient ``born`` then."""
    chart = ({"resourceType": "Patient", "id": "p", "birthDate": born}, radiculopathy(), *resources)
    order = ServiceRequestView(id="o", codings=(Coding(CPT, code),), status="draft")
    built = build_chart({"all": KeyData(chart)}, unread)
    decision = evaluate_order(built, order, ORDER_DATE, Policy(), load_value_sets())
    assert decision is not None
    return decision


def test_a_could_not_check_card_names_what_was_not_read_once(library: CardLibrary) -> None:
    """Prefetch without the medication and imaging keys: the data-needed card lists them in one line."""
    decision = decide_with(unread=(ChartCategory.MEDICATIONS, ChartCategory.IMAGING))
    card = next(card for card in cards(decision, library) if card["summary"].startswith("Imaging advice"))

    assert card["summary"] == "Imaging advice incomplete: could not read imaging, medications"
    assert card["detail"].count("imaging, medications") == 1, card["detail"]


MYELOPATHY = {"resourceType": "Condition", "id": "cord", "code": coded(ICD10CM, "G99.2"),
              "onsetDateTime": "2026-03-06"}
ACR_CERVICAL = "https://acsearch.acr.org/docs/69426/Narrative/"


def test_a_myelopathy_card_on_a_lumbar_order_cites_the_cervical_criteria_it_follows(
    library: CardLibrary,
) -> None:
    """R20 v2: the card sends the clinician to a cervical MRI; its guideline is the cervical one, not none
    (and its source is not the low back pain criteria)."""
    card = cards(decide(MYELOPATHY), library)[0]

    assert card["summary"].startswith("Signs of myelopathy")
    assert [link["url"] for link in card["links"]] == [ACR_CERVICAL]
    assert card["source"]["url"] == ACR_CERVICAL


def test_a_myelopathy_card_on_a_thoracic_order_cites_the_cervical_criteria(library: CardLibrary) -> None:
    card = cards(decide_with(MYELOPATHY, code="72146"), library, "72146")[0]

    assert [link["url"] for link in card["links"]] == [ACR_CERVICAL]


def test_the_patient_summary_with_a_red_flag_does_not_call_now_six_weeks_after_onset(
    library: CardLibrary,
) -> None:
    """patient-view: with a red flag MRI is reasonable "now"; the line said that "now" was "six weeks after
    onset, unless a red flag calls for it sooner" (not true of the chart). It now states the rule."""
    chart = build_chart({"all": KeyData(({"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01"},
                                         radiculopathy(), MYELOPATHY))})
    decision = evaluate_patient(chart, ORDER_DATE, Policy(), load_value_sets())
    assert decision is not None
    summary = render_cards(decision, library, context(None))[0]
    line = next(line for line in summary["detail"].splitlines() if "now (red flag)" in line)

    reason = "(six weeks after onset, or at once with a red flag)"
    assert line.endswith(f" MRI reasonable from **now (red flag)** {reason}.")



def test_a_myelography_card_starts_its_sentences_with_a_capital(library: CardLibrary) -> None:
    """R14: "myelography is invasive" began a bullet in lower case (the study's word mid-sentence)."""
    found = cards(decide_with(code="72265"), library, "72265")
    card = next(card for card in found if card["summary"].startswith("Prefer MRI"))

    assert all(line[2].isupper() for line in card["detail"].splitlines()), card["detail"]


def test_a_display_written_like_a_link_or_markup_renders_as_text(library: CardLibrary) -> None:
    """An EHR display is data, never Markdown: GitHub-Flavored Markdown would link a bare URL, a "www."
    host or an e-mail address, strike "~~…~~" through and decode "&lt;" (an escaped ":" or "." ends a
    URL; a zero-width space after "@" ends an e-mail)."""
    display = "Retention http://x.io www.x.io a@x.io ~~old~~ &lt;b&gt;"
    retention = {"resourceType": "Condition", "id": "ces", "onsetDateTime": "2026-03-09",
                 "code": {"coding": [{"system": ICD10CM, "code": "R33", "display": display}]}}
    detail = cards(decide(retention), library)[0]["detail"]

    shown = r"Retention http\://x.io www\.x.io a@" + "\u200b" + r"x.io \~\~old\~\~ \&lt;b\&gt;"
    assert f"cauda equina sign — {shown} (2026-03-09)" in detail


ESR_62 = {"resourceType": "Observation", "id": "esr", "status": "final", "code": coded(LOINC, "4537-7"),
          "effectiveDateTime": "2026-03-09", "valueQuantity": {"value": 62, "unit": "mm/h"}}


def test_a_malignancy_card_from_age_and_a_high_esr_does_not_claim_a_cancer_history(
    library: CardLibrary,
) -> None:
    """R8 v2: a weak flag (age over 50) with ESR >= 50 is a malignancy red flag; the card said "Cancer
    history with spine pain" and "Cancer (active or past)" of a patient with no cancer on record."""
    card = cards(decide_with(ESR_62, born="1950-01-01"), library)[0]

    assert card["indicator"] == "warning"
    assert "history" not in card["summary"], card["summary"]
    assert "Cancer (active or past) with" not in card["detail"], card["detail"]
    assert "ESR 62 mm/h (2026-03-09)" in card["detail"]


def test_weak_cancer_flags_are_not_called_red_flags_on_the_card_that_says_they_are_not(
    library: CardLibrary,
) -> None:
    """R9: "age over 50 or weight loss alone is not a red flag" (summary) beside "Red flags on record: age
    76" (detail) contradicted itself; the age is listed as a risk factor."""
    card = cards(decide_with(born="1950-01-01"), library)[0]

    assert "is not a red flag" in card["summary"]
    assert "Red flags on record" not in card["detail"], card["detail"]
    assert "- Risk factors on record: age 76 (over 50)" in card["detail"]


def retention(**condition: Any) -> dict[str, Any]:
    """A urinary retention (R33) that began on 2026-03-01 and is resolved."""
    return {"resourceType": "Condition", "id": "ces", "onsetDateTime": "2026-03-01",
            "code": {"coding": [{"system": ICD10CM, "code": "R33", "display": "Retention of urine"}]},
            "clinicalStatus": coded(CLINICAL, "resolved"), **condition}


def test_a_resolved_red_flag_says_its_date_is_when_it_was_noted(library: CardLibrary) -> None:
    """§2 v2: "Retention of urine, resolved (2026-03-01)" read as resolved on its onset date."""
    detail = cards(decide(retention()), library)[0]["detail"]

    assert "cauda equina sign — Retention of urine, resolved (noted 2026-03-01)." in detail, detail


def test_a_red_flag_resolved_on_a_date_gives_both_dates_each_with_its_meaning(library: CardLibrary) -> None:
    detail = cards(decide(retention(abatementDateTime="2026-03-08")), library)[0]["detail"]

    assert "Retention of urine, resolved on 2026-03-08 (noted 2026-03-01)." in detail, detail


def test_the_raised_marker_a_card_names_comes_with_its_date(library: CardLibrary) -> None:
    """R7b: "Raised inflammatory markers without a documented cause: ESR 62 mm/h" gave no date (§5: the
    facts found with their dates; a marker counts only when recent)."""
    found = cards(decide_with(ESR_62), library)
    card = next(card for card in found if card["summary"].startswith("Unexplained raised ESR/CRP"))

    assert "without a documented cause: ESR 62 mm/h (2026-03-09)." in card["detail"], card["detail"]


def test_the_record_onset_card_names_this_episode_s_diagnoses_not_older_ones(library: CardLibrary) -> None:
    """R27 (§5: the facts that decided it): a lumbar radiculopathy recorded this month without an onset,
    beside a low back pain resolved three years ago and a neck pain of another region. The card names the
    diagnosis it asks the onset of; the old and the cervical ones are history, not this episode."""
    today_dx = {"resourceType": "Condition", "id": "now", "code": coded(ICD10CM, "M54.16"),
                "clinicalStatus": coded(CLINICAL, "active"), "recordedDate": "2026-03-02"}
    old_back = {"resourceType": "Condition", "id": "old", "code": coded(ICD10CM, "M54.50"),
                "clinicalStatus": coded(CLINICAL, "resolved"), "onsetDateTime": "2023-01-10",
                "abatementDateTime": "2023-03-01"}
    neck = {"resourceType": "Condition", "id": "neck", "code": coded(ICD10CM, "M54.2"),
            "clinicalStatus": coded(CLINICAL, "active"), "onsetDateTime": "2024-11-30"}
    decision = decide_chart(today_dx, old_back, neck)
    assert "R27" in decision.rules, decision.rules
    detail = cards(decision, library)[0]["detail"]
    diagnosis_line = next(line for line in detail.splitlines() if line.startswith("- Diagnosis"))
    assert "2026-03-02" in diagnosis_line
    assert "2023" not in diagnosis_line and "2024" not in diagnosis_line, diagnosis_line
