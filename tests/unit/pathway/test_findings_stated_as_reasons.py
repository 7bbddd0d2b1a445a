"""A red flag the chart states as the reason for something else — a visit, a procedure, a prescription, an
earlier order — or as a spine report's coded conclusion counts like an Observation of that date (PATHWAY.md
§2 v2 "wherever the chart holds it"); entered in error it counts for nothing, and like any finding that is
not a Condition it is kept for its class's window only."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import Finding, RedFlag, State
from app.terminology import CPT, ICD10CM, SNOMED

RETENTION = coded(ICD10CM, "R33.9", "Retention of urine, unspecified")
ABSCESS = coded(ICD10CM, "G06.1", "Intraspinal abscess and granuloma")


def stating(resource_type: str, reason: dict[str, Any], **fields: Any) -> dict[str, Any]:
    field = "conclusionCode" if resource_type == "DiagnosticReport" else "reasonCode"
    return {"resourceType": resource_type, "id": "r1", field: [reason], **fields}


PLACES = {
    "visit": lambda reason, on, status="finished": stating(
        "Encounter", reason, status=status, period={"start": on}),
    "procedure": lambda reason, on, status="completed": stating(
        "Procedure", reason, status=status, performedDateTime=on, code=coded(SNOMED, "3246004")),
    "prescription": lambda reason, on, status="active": stating(
        "MedicationRequest", reason, status=status, authoredOn=on,
        medicationCodeableConcept=coded("http://www.nlm.nih.gov/research/umls/rxnorm", "161")),
    "earlier order": lambda reason, on, status="active": stating(
        "ServiceRequest", reason, status=status, authoredOn=on, code=coded(SNOMED, "306206005")),
    "report conclusion": lambda reason, on, status="final": stating(
        "DiagnosticReport", reason, status=status, effectiveDateTime=on, code=coded(CPT, "72100")),
}


@pytest.mark.parametrize("place", list(PLACES))
def test_cauda_equina_stated_as_a_reason_is_a_red_flag_not_a_defer(place: str) -> None:
    decision = decide(PLACES[place](RETENTION, "2026-03-09"))

    assert "R5" in decision.rules and "R1" not in decision.rules


@pytest.mark.parametrize("place", list(PLACES))
def test_infection_stated_as_a_reason_is_a_red_flag(place: str) -> None:
    assert "R7" in decide(PLACES[place](ABSCESS, "2026-03-01")).rules


@pytest.mark.parametrize("place", list(PLACES))
def test_a_reason_entered_in_error_counts_for_nothing(place: str) -> None:
    decision = decide(PLACES[place](RETENTION, "2026-03-09", status="entered-in-error"))

    assert "R1" in decision.rules and "R5" not in decision.rules


def test_a_cauda_equina_reason_from_two_years_ago_is_not_a_new_sign() -> None:
    """CES signs are kept for the episode gap (180 days), as an Observation of that date would be."""
    assert "R5" not in decide(PLACES["visit"](RETENTION, "2024-03-01")).rules


def test_a_reason_dated_after_the_order_is_ignored() -> None:
    assert "R5" not in decide(PLACES["visit"](RETENTION, "2026-03-12")).rules


def test_an_undated_reason_counts_and_says_its_date_is_not_recorded() -> None:
    decision = decide(stating("Procedure", RETENTION, status="completed"))

    [evidence] = decision.facts.red_flags[RedFlag.CES]
    assert "R5" in decision.rules
    assert (evidence.reference, evidence.on) == ("Procedure/r1", None)
    assert (evidence.finding, evidence.state) == (Finding.CES, State.DATE_NOT_RECORDED)

