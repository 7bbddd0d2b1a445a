"""Data that could not be read is said plainly, never as "none on record" (PATHWAY.md §2 "missing data is a
value"; §5 "what was looked for and not found"; docs/pathway-facts.md "Twelfth pass: the cards"). Each chart
is the 19-day lumbar radiculopathy of tests/raw_decision.py with one category not read from the EHR."""

from __future__ import annotations

from typing import Any

from raw_decision import ORDER_DATE, coded, radiculopathy
from render_fixtures import context, draft_order

from app.chart.model import ChartCategory, ServiceRequestView
from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.pathway.engine import evaluate_order, evaluate_patient
from app.pathway.policy import Policy
from app.render import CardLibrary, render_cards
from app.terminology import CPT, ICD10CM, RXNORM, Coding, load_value_sets

PATIENT = {"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01", "gender": "male"}
CAUDA_EQUINA = {"resourceType": "Condition", "id": "ces", "onsetDateTime": "2026-03-09", "code": {
    "coding": [{"system": ICD10CM, "code": "G83.4", "display": "Cauda equina syndrome"}]}}
NAPROXEN = {"resourceType": "MedicationRequest", "id": "nsaid", "status": "active", "intent": "order",
            "authoredOn": "2025-12-01", "medicationCodeableConcept": coded(RXNORM, "7258")}


def patient_view(library: CardLibrary, *resources: dict[str, Any], unread: tuple[ChartCategory, ...]
                 ) -> list[dict[str, Any]]:
    chart = build_chart({"all": KeyData((PATIENT, radiculopathy(), *resources))}, unread)
    decision = evaluate_patient(chart, ORDER_DATE, Policy(), load_value_sets())
    assert decision is not None
    return render_cards(decision, library, context(None))


def lines(card: dict[str, Any]) -> list[str]:
    return str(card["detail"]).splitlines()


def test_the_patient_summary_never_counts_none_where_the_source_was_not_read(library: CardLibrary) -> None:
    """Medications not read: "red flags 0, conservative care 0" and "No red flag on record", "No conservative
    care on record since onset" stated an absence the chart was not read for."""
    summary = patient_view(library, unread=(ChartCategory.MEDICATIONS,))[0]

    assert "red flags ?, conservative care ?" in summary["summary"], summary["summary"]
    assert not any(line.startswith(("- No red flag on record", "- No conservative care on record"))
                   for line in lines(summary)), summary["detail"]
    assert "- No conservative care since onset found in what could be read." in lines(summary)
    assert "- Could not read from the EHR: medications." in lines(summary)


def test_a_red_flag_card_does_not_say_no_mri_is_on_record_when_imaging_was_not_read(
        library: CardLibrary) -> None:
    cards = patient_view(library, CAUDA_EQUINA, unread=(ChartCategory.IMAGING,))
    critical = next(card for card in cards if card["indicator"] == "critical")

    assert "no spine MRI on record" not in critical["summary"], critical["summary"]
    assert "could not be checked" in critical["summary"]
    assert not any("is on record" in line and "MRI" in line for line in lines(critical)), critical["detail"]


def test_an_order_card_does_not_say_no_referral_is_on_record_when_orders_were_not_read(
        library: CardLibrary) -> None:
    """R3b with the orders and referrals not read: "No spine referral or planned injection on record"."""
    chart = build_chart({"all": KeyData((PATIENT, radiculopathy("2025-11-20"), NAPROXEN))},
                        (ChartCategory.ORDERS,))
    order = ServiceRequestView(id="o", codings=(Coding(CPT, "72148"),), status="draft")
    decision = evaluate_order(chart, order, ORDER_DATE, Policy(), load_value_sets())
    assert decision is not None and decision.rules[0] == "R3b"
    card = render_cards(decision, library, context(draft_order()))[0]

    assert "- No spine referral or planned injection found in what could be read." in lines(card)
    assert "- No spine referral or planned injection on record." not in lines(card)
