"""ESR and CRP rows named in words only, as a small clinic's CSV-to-FHIR conversion sends its laboratory
columns (PATHWAY.md §3 R7, R7b, R8; docs/pathway-facts.md §11 "Twelfth pass: whole charts where facts
meet"). A 62-year-old's ESR of 55 under the header "Sed Rate (ESR)" was no marker: R9 deferred the MRI
that a weak flag with ESR ≥ 50 makes R8 (imaging now)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from raw_decision import ORDER_DATE, coded, radiculopathy

from app.chart.model import ServiceRequestView
from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.pathway.engine import evaluate_order
from app.pathway.model import Decision, Rating
from app.pathway.policy import Policy
from app.terminology import CPT, Coding, load_value_sets

LOINC = "http://loinc.org"


def decide_at(born: str, *resources: dict[str, Any]) -> Decision:
    """A man born ``born`` with lumbar radiculopathy for 19 days and ``resources``; a lumbar MRI."""
    patient = {"resourceType": "Patient", "id": "p", "birthDate": born, "gender": "male"}
    chart = build_chart({"all": KeyData((patient, radiculopathy(), *resources))})
    order = ServiceRequestView(id="o", codings=(Coding(CPT, "72148"),), status="draft")
    decision = evaluate_order(chart, order, ORDER_DATE, Policy(), load_value_sets())
    assert decision is not None
    return decision


def row(code: dict[str, Any], value: float, unit: str | None, on: date = date(2026, 3, 8)) -> dict[str, Any]:
    quantity = {"value": value, **({"unit": unit} if unit else {})}
    return {
        "resourceType": "Observation",
        "id": "lab",
        "status": "final",
        "code": code,
        "effectiveDateTime": on.isoformat(),
        "valueQuantity": quantity,
    }


AGED_62, AGED_40 = "1963-06-01", "1986-01-01"


@pytest.mark.parametrize(
    "code",
    [
        {"text": "Sed Rate (ESR)"},
        {"text": "ESR"},
        {"text": "Erythrocyte sedimentation rate"},
        {"text": "Westergren ESR"},
        {
            "coding": [{"system": "urn:oid:1.2.3.4.5.99", "code": "SEDR", "display": "Sed rate"}]
        },  # a local code
        {"coding": [{"code": "ESR1", "display": "ESR, automated"}]},  # a CSV's own column id
    ],
)
def test_r8_a_weak_flag_with_an_esr_named_in_words_is_a_major_flag(code: dict[str, Any]) -> None:
    decision = decide_at(AGED_62, row(code, 55, "mm/hr"))

    assert (decision.rules[0], decision.rating) == ("R8", Rating.APPROPRIATE)


@pytest.mark.parametrize(
    ("code", "value", "unit"),
    [
        ({"text": "CRP"}, 62, "mg/L"),
        ({"text": "C-Reactive Protein"}, 6.2, "mg/dL"),
        ({"text": "hs-CRP"}, 58, None),
    ],
)
def test_r7b_a_crp_named_in_words_is_read(code: dict[str, Any], value: float, unit: str | None) -> None:
    decision = decide_at(AGED_40, row(code, value, unit))

    assert (decision.rules[0], decision.rating) == ("R7b", Rating.APPROPRIATE)


@pytest.mark.parametrize(
    "resource",
    [
        row({"text": "CRP/albumin ratio"}, 62, None),  # another quantity
        row({"text": "ESR reference range"}, 55, "mm/hr"),
        row({"text": "Sed rate"}, 55, "mm/hr", on=date(2026, 1, 2)),  # over 30 days old
        row({"text": "ESR"}, 12, "mm/hr"),
        row(
            {"coding": [{"system": LOINC, "code": "2345-7", "display": "ESR"}]}, 55, "mm/hr"
        ),  # a LOINC glucose
        {**row({"text": "ESR"}, 55, "mm/hr"), "status": "entered-in-error"},
    ],
)
def test_r9_defers_beside_a_row_that_is_no_raised_marker(resource: dict[str, Any]) -> None:
    decision = decide_at(AGED_62, resource)

    assert (decision.rules, decision.rating) == (("R9",), Rating.NOT_APPROPRIATE)


def test_a_later_normal_esr_named_in_words_cancels_an_earlier_coded_high_one() -> None:
    high = {**row(coded(LOINC, "4537-7"), 55, "mm/h", on=date(2026, 3, 1)), "id": "coded"}
    normal = row({"text": "Sed rate"}, 14, "mm/hr", on=date(2026, 3, 9))

    assert decide_at(AGED_62, high, normal).rules == ("R9",)
