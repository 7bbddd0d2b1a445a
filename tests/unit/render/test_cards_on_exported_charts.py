"""Cards read as a clinician reads them, on charts written as EHR exports write them (PATHWAY.md §5
"What a card carries", invariant 5): codes without a display, several red flags, data not read. Each chart
is raw FHIR JSON, parsed and decided as the hooks do (tests/raw_decision.py), then rendered.
"""

from __future__ import annotations

from typing import Any

from raw_decision import coded, decide
from render_fixtures import context, draft_order

from app.pathway.model import Decision
from app.render import CardLibrary, render_cards

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
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
