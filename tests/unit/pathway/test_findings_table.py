"""The chart's findings are read once per call for every reader (``facts_findings``): each reader must get
exactly what reading the chart for its own concepts alone gives — the same statements, in the same order,
with the same hits numbered in its own list — whatever else the table was read for."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from raw_decision import coded

from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.fhir.parse import parse_service_request
from app.pathway import facts_findings
from app.pathway.facts import classify_order
from app.pathway.facts_common import Context
from app.pathway.facts_findings import Hits, Statement, findings
from app.pathway.facts_flags import TRIGGERS
from app.pathway.policy import Policy
from app.terminology import ICD10CM, SNOMED, load_value_sets

VS = load_value_sets()
WHOLE_CHARTS = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "whole_charts").glob("*.json"))
LOINC = "http://loinc.org"

# What the readers ask for, and lists no reader asks for: reordered, repeated, one concept, none named.
READERS = (
    tuple(concept for concept, _, _ in TRIGGERS),
    ("infection_risk_factor",),
    ("high_energy_trauma",),
    ("mri_contraindication", "opll"),
    ("neck_symptoms",),
)
ODD_LISTS = (
    tuple(reversed(READERS[0])),
    ("motor_deficit", "ces", "motor_deficit"),
    ("ces",),
    ("osteoporosis", "infection_risk_factor"),
)

# Records whose hits differ by list: a diabetic whose problem is also named "cauda equina syndrome" (coded
# for one list, named for another), a screen row named for a saddle anaesthesia answered Yes under a code
# that is itself a member elsewhere, a visit's reason typed, and the order's reason in words.
MIXED = (
    {"resourceType": "Patient", "id": "p", "birthDate": "1960-01-01", "gender": "female"},
    {"resourceType": "Condition", "id": "dm", "code": coded(SNOMED, "44054006", "Cauda equina syndrome"),
     "onsetDateTime": "2026-03-01"},
    {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"),
     "onsetDateTime": "2026-02-20"},
    {"resourceType": "Observation", "id": "row", "status": "final", "code": coded(ICD10CM, "E11.9",
     "Saddle anesthesia"), "valueString": "Yes", "effectiveDateTime": "2026-03-10"},
    {"resourceType": "Observation", "id": "fall", "status": "final", "code": coded(LOINC, "75325-1"),
     "valueCodeableConcept": coded(ICD10CM, "V43.52XA"), "effectiveDateTime": "2026-03-01"},
    {"resourceType": "Observation", "id": "babinski", "status": "final", "code": {"coding": [
        {"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679", "code": "3041", "display": "Babinski"}]},
     "valueString": "Upgoing", "effectiveDateTime": "2026-03-10"},
    {"resourceType": "Encounter", "id": "visit", "status": "finished", "period": {"start": "2026-03-09"},
     "reasonCode": [{"text": "urinary retention since Monday"}]},
)
ORDER = {"resourceType": "ServiceRequest", "id": "mri", "status": "draft", "intent": "order",
         "subject": {"reference": "Patient/p"}, "authoredOn": "2026-03-11", "code": coded(
             "http://www.ama-assn.org/go/cpt", "72148"), "reasonCode": [{"text": "r/o foot drop"}]}


def contexts() -> Iterator[tuple[str, Any, Any]]:
    for path in WHOLE_CHARTS:
        case = json.loads(path.read_text())
        resources = tuple(e["resource"] for e in case["bundle"]["entry"])
        yield path.stem, resources, date.fromisoformat(case["order_date"])
    yield "mixed", (*MIXED, ORDER), date(2026, 3, 11)


def read_for(resources: tuple[dict[str, Any], ...], today: date, union: tuple[str, ...],
             concepts: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> list[tuple[Statement, Hits]]:
    """``findings`` on a fresh call whose table is read for ``union`` (and ``concepts``)."""
    monkeypatch.setattr(facts_findings.READ_CONCEPTS, "known", union)
    chart = build_chart({"all": KeyData(resources)})
    drafts = [r for r in resources if r["resourceType"] == "ServiceRequest" and r.get("status") == "draft"]
    order = classify_order(parse_service_request(drafts[0]), today, VS) if drafts else None
    ctx = Context(chart, order, order.order_date if order is not None else today, Policy(), VS)
    return list(findings(ctx, concepts))


def _name(value: object) -> str:
    return value if isinstance(value, str) else ""


@pytest.mark.parametrize(("name", "resources", "today"), list(contexts()), ids=_name)
@pytest.mark.parametrize("concepts", READERS + ODD_LISTS, ids=lambda c: "+".join(c)[:40])
def test_a_reader_gets_what_reading_the_chart_for_its_concepts_alone_gives(
        name: str, resources: tuple[dict[str, Any], ...], today: date, concepts: tuple[str, ...],
        monkeypatch: pytest.MonkeyPatch) -> None:
    every = tuple(dict.fromkeys(c for reader in READERS + ODD_LISTS for c in reader))
    alone = read_for(resources, today, (), concepts, monkeypatch)
    shared = read_for(resources, today, every, concepts, monkeypatch)
    assert shared == alone


def test_the_mixed_chart_reads_differently_by_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chart above exercises every way of reading: were the lists not told apart, these would agree."""
    resources, today = (*MIXED, ORDER), date(2026, 3, 11)
    named = read_for(resources, today, (), ("ces", "motor_deficit"), monkeypatch)
    risk = read_for(resources, today, (), ("infection_risk_factor",), monkeypatch)
    assert {s.reference for s, _ in named} == {"Condition/dm", "Observation/row", "Encounter/visit",
                                                "ServiceRequest/mri"}
    assert {s.reference for s, _ in risk} == {"Condition/dm", "Observation/row"}
    assert [hits[0][0] for _, hits in named] == [0, 0, 0, 1]  # the order's words name a foot drop
    reflex = read_for(resources, today, (), ("abnormal_reflex",), monkeypatch)
    assert [s.reference for s, _ in reflex] == ["Observation/babinski"]  # an exam row, by its answer


def test_a_call_reads_its_chart_once_for_every_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table is kept on the call's context: a second reader does not walk the chart again."""
    resources, today = (*MIXED, ORDER), date(2026, 3, 11)
    monkeypatch.setattr(facts_findings.READ_CONCEPTS, "known", ())
    chart = build_chart({"all": KeyData(resources)})
    ctx = Context(chart, None, today, Policy(), VS)
    for reader in READERS:
        list(findings(ctx, reader))
    tables = dict(ctx.memo)
    walked = []
    monkeypatch.setattr(facts_findings, "_conditions", lambda *a: walked.append(a) or iter(()))
    for reader in READERS:
        list(findings(ctx, reader))
    assert walked == [] and ctx.memo == tables  # none read again
