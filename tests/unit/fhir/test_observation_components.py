"""A flowsheet panel's items (Observation.component) are read like Observations of their own (PATHWAY.md §2
v2 "where a finding is read"): each keeps the panel's id, status, date and body site, and carries its own
code and answer — never the panel's value."""

from __future__ import annotations

from typing import Any

from raw_decision import coded, decide

from app.chart.model import ObservationView
from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.fhir.parse import parse_resource
from app.terminology import LOINC, SNOMED

LOCAL = "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679"


def panel(*components: object, **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": "screen", "status": "final", "code": coded(LOCAL, "30412"),
        "category": [coded("http://terminology.hl7.org/CodeSystem/observation-category", "exam")],
        "effectiveDateTime": "2026-03-01T10:00:00Z", "valueString": "see items",
        "bodySite": coded(SNOMED, "239720000"), "component": list(components), **fields,
    }


def parsed(raw: dict[str, Any]) -> ObservationView:
    view = parse_resource(raw)
    assert isinstance(view, ObservationView)
    return view


def test_each_component_keeps_the_panels_id_status_date_and_site_with_its_own_code_and_answer() -> None:
    view = parsed(panel({"code": coded(SNOMED, "449813001"), "valueBoolean": True},
                        {"code": coded(LOINC, "72514-3"), "valueQuantity": {"value": 6, "code": "{score}"}}))

    saddle, pain = view.components
    assert (saddle.id, saddle.status, saddle.effective, saddle.body_site) == (
        "screen", "final", view.effective, view.body_site)
    assert [c.code for c in saddle.codings] == ["449813001"]
    assert (saddle.value_boolean, saddle.value_string, saddle.value) == (True, None, None)
    assert (pain.value, pain.unit, pain.value_boolean, pain.value_string) == (6.0, "{score}", None, None)
    assert saddle.components == () and saddle.reference == "Observation/screen"


def test_a_component_without_a_code_or_not_an_object_is_skipped_alone() -> None:
    view = parsed(panel("not an object", {"valueBoolean": True}, {"code": {}},
                        {"code": {"text": "Saddle numbness"},
                         "valueCodeableConcept": coded(LOINC, "LA33-6")}))

    assert [c.text for c in view.components] == ["Saddle numbness"]
    assert [c.code for c in view.components[0].value_codings] == ["LA33-6"]


def test_the_chart_lists_each_panel_followed_by_its_items() -> None:
    retention = {"code": coded(SNOMED, "267064002"), "valueBoolean": True}
    chart = build_chart({"findings": KeyData((panel(retention),))})

    assert [o.codings[0].code for o in chart.observations] == ["30412", "267064002"]


def test_a_screen_answered_yes_for_urinary_retention_is_cauda_equina_not_a_defer() -> None:
    decision = decide(panel({"code": coded(SNOMED, "267064002", "Urinary retention"),
                             "valueCodeableConcept": coded(LOINC, "LA33-6")}))

    assert "R5" in decision.rules and "R1" not in decision.rules


def test_a_screen_answered_no_on_every_item_raises_nothing() -> None:
    decision = decide(panel(
        {"code": coded(SNOMED, "267064002"), "valueCodeableConcept": coded(LOINC, "LA32-8")},
        {"code": coded(SNOMED, "449813001"), "valueBoolean": False}))

    assert "R1" in decision.rules and "R5" not in decision.rules


def test_a_motor_exam_panel_grade_of_2_is_a_severe_motor_deficit() -> None:
    decision = decide(panel({"code": {"text": "Right ankle dorsiflexion strength"}, "valueInteger": 2}))

    assert "R6" in decision.rules
