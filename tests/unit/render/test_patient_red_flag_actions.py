"""patient-view red-flag cards say what to do for the red flags found, and only those (PATHWAY.md §5
"readable in five seconds": the reason, the facts, what to do). Before, every such card gave the actions
of every class — "cauda equina signs: same-day MRI …; motor deficit or myelopathy: …; infection: …" — so an
infection patient's card led with the cauda equina emergency."""

from __future__ import annotations

from typing import Any

from raw_decision import ORDER_DATE, coded, radiculopathy
from render_fixtures import context

from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.pathway.engine import evaluate_patient
from app.pathway.policy import Policy
from app.render import CardLibrary, render_cards
from app.terminology import LOINC, load_value_sets

PATIENT = {"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01", "gender": "male"}
FEVER = {"resourceType": "Observation", "id": "t", "status": "final", "code": coded(LOINC, "8310-5"),
         "effectiveDateTime": "2026-03-09", "valueQuantity": {"value": 38.9, "unit": "Cel"}}


def critical_card(library: CardLibrary, *resources: dict[str, Any]) -> dict[str, Any]:
    chart = build_chart({"all": KeyData((PATIENT, radiculopathy(), *resources))})
    decision = evaluate_patient(chart, ORDER_DATE, Policy(), load_value_sets())
    assert decision is not None
    cards = render_cards(decision, library, context(None))
    return next(card for card in cards if card["indicator"] == "critical")


def test_an_infection_card_gives_the_infection_action_only(library: CardLibrary) -> None:
    detail = str(critical_card(library, FEVER)["detail"])

    assert "- Do: infection: urgent MRI without and with contrast, ESR and CRP." in detail.splitlines()
    assert "cauda equina" not in detail, detail
    assert "myelopathy" not in detail, detail
