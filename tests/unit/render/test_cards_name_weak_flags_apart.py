"""Age over 50 (or weight loss) beside other advice: PATHWAY.md §3 calls it "not a red flag for MRI" (R9),
yet every card but R9's listed it under "Red flags on record" — "Do not repeat … a new red flag would change
this" beside "Red flags on record: age 66", and a patient summary of "red flags 1" for any patient over 50.
docs/pathway-facts.md "Twelfth pass: the cards".
"""

from __future__ import annotations

from typing import Any

from raw_decision import ORDER_DATE, coded, radiculopathy
from render_fixtures import context, draft_order

from app.chart.model import ServiceRequestView
from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.pathway.engine import evaluate_order, evaluate_patient
from app.pathway.model import Decision
from app.pathway.policy import Policy
from app.render import CardLibrary, render_cards
from app.terminology import CPT, ICD10CM, LOINC, Coding, load_value_sets

PATIENT_OF_76 = {"resourceType": "Patient", "id": "p", "birthDate": "1950-01-01", "gender": "male"}
PRIOR_MRI = {"resourceType": "ImagingStudy", "id": "mri", "status": "available", "started": "2026-02-25",
             "modality": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "MR"}],
             "procedureCode": [coded(CPT, "72148")]}
CAUDA_EQUINA = {"resourceType": "Condition", "id": "ces", "onsetDateTime": "2026-03-09", "code": {
    "coding": [{"system": ICD10CM, "code": "G83.4", "display": "Cauda equina syndrome"}]}}
ESR_62 = {"resourceType": "Observation", "id": "esr", "status": "final", "code": coded(LOINC, "4537-7"),
          "effectiveDateTime": "2026-03-09", "valueQuantity": {"value": 62, "unit": "mm/h"}}


def decide_76(*resources: dict[str, Any]) -> Decision:
    chart = build_chart({"all": KeyData((PATIENT_OF_76, radiculopathy(), *resources))})
    order = ServiceRequestView(id="o", codings=(Coding(CPT, "72148"),), status="draft")
    decision = evaluate_order(chart, order, ORDER_DATE, Policy(), load_value_sets())
    assert decision is not None
    return decision


def lines(card: dict[str, Any]) -> list[str]:
    return str(card["detail"]).splitlines()


def test_a_do_not_repeat_card_does_not_call_age_over_50_a_red_flag(library: CardLibrary) -> None:
    card = render_cards(decide_76(PRIOR_MRI), library, context(draft_order()))[0]

    assert card["summary"].startswith("Do not repeat lumbar imaging")
    assert not any(line.startswith("- Red flags on record") for line in lines(card)), card["detail"]
    assert "- Risk factors on record: age 76 (over 50) (2026-03-11)." in lines(card)


def test_a_cauda_equina_card_lists_the_age_apart_from_the_red_flag(library: CardLibrary) -> None:
    card = render_cards(decide_76(CAUDA_EQUINA), library, context(draft_order()))[0]

    assert "- Red flags on record: cauda equina sign — Cauda equina syndrome (2026-03-09)." in lines(card)
    assert "- Risk factors on record: age 76 (over 50) (2026-03-11)." in lines(card)


def test_an_age_a_raised_esr_made_a_malignancy_flag_stays_a_red_flag(library: CardLibrary) -> None:
    """R8 v2: age over 50 with ESR >= 50 is a major malignancy flag; the age is listed with it, once."""
    card = render_cards(decide_76(ESR_62), library, context(draft_order()))[0]

    assert "- Red flags on record: ESR 62 mm/h (2026-03-09), age 76 (over 50) (2026-03-11)." in lines(card)
    assert not any(line.startswith("- Risk factors") for line in lines(card)), card["detail"]


def test_the_patient_summary_of_a_patient_over_50_counts_no_red_flag(library: CardLibrary) -> None:
    chart = build_chart({"all": KeyData((PATIENT_OF_76, radiculopathy()))})
    decision = evaluate_patient(chart, ORDER_DATE, Policy(), load_value_sets())
    assert decision is not None
    card = render_cards(decision, library, context(None))[0]

    assert "red flags 0" in card["summary"], card["summary"]
    assert "- Risk factors on record: age 76 (over 50) (2026-03-11)." in lines(card)
