"""Medications as Epic, Oracle Health and Synthea export them, parsed from raw FHIR JSON as the hooks parse
them (PATHWAY.md §2 conservative care, §3 "steroids for 90 days or more", §6.6 RxNorm ingredients). Each
shape below was once misread; docs/pathway-facts.md "Seventh pass: medications" says why each answer is
the right one."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide, decide_chart, radiculopathy

from app.pathway.model import RedFlag

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PREDNISONE_5_MG = coded(RXNORM, "312617", "predniSONE 5 MG Oral Tablet")


def statement(status: str = "completed", **fields: Any) -> dict[str, Any]:
    """A prednisone MedicationStatement of the patient's (a reconciled home medication)."""
    return {"resourceType": "MedicationStatement", "id": "st", "status": status,
            "medicationCodeableConcept": PREDNISONE_5_MG, **fields}


def bounded(**bounds: Any) -> list[dict[str, Any]]:
    return [{"text": "5 mg daily", "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                                                         **bounds}}}]


@pytest.mark.parametrize("steroid", [
    statement(effectiveDateTime="2025-10-01", dosage=bounded(boundsDuration={"value": 120, "unit": "days"})),
    statement(dosage=bounded(boundsPeriod={"start": "2025-10-01", "end": "2026-02-01"})),
], ids=["boundsDuration", "boundsPeriod"])
def test_a_statements_dose_bounds_are_its_course(steroid: dict[str, Any]) -> None:
    """R7 (§3 long-term steroids): a MedicationStatement writes its Dosage as ``dosage``, a
    MedicationRequest as ``dosageInstruction``; prednisone "for 120 days" there is a long-term course
    (infection and fracture risk), not a course of unknown length (R1)."""
    decision = decide(steroid)

    assert {RedFlag.INFECTION, RedFlag.FRACTURE_RISK} <= set(decision.facts.red_flags)
    assert decision.rules[0] == "R7"


def test_a_statements_short_dose_bounds_are_no_long_term_course() -> None:
    decision = decide(statement(effectiveDateTime="2025-10-01",
                                dosage=bounded(boundsDuration={"value": 10, "unit": "days"})))

    assert RedFlag.INFECTION not in decision.facts.red_flags
    assert decision.rules == ("R1",)


LOCAL_PRODUCT = {"coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.698288", "code": "80121"}],
                 "text": "Compounded capsule"}


def product(ingredient: str, code: dict[str, Any] | None = LOCAL_PRODUCT, **fields: Any) -> dict[str, Any]:
    """A Medication coded locally (or not at all) whose RxNorm ingredient is named only in ``ingredient``."""
    return {"resourceType": "Medication", **({"code": code} if code else {}), **fields,
            "ingredient": [{"itemCodeableConcept": coded(RXNORM, ingredient)}]}


def prescription(reference: str, *contained: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": "rx", "status": "completed", "intent": "order",
            "authoredOn": "2025-10-01", "medicationReference": {"reference": reference},
            "dispenseRequest": {"expectedSupplyDuration": {"value": 120, "unit": "days"}},
            **({"contained": list(contained)} if contained else {}), **fields}


@pytest.mark.parametrize("chart", [
    (prescription("#m", product("8640", id="m")),),
    (prescription("#m", product("8640", code=None, id="m")),),
    (prescription("Medication/m1"), product("8640", id="m1")),
], ids=["contained", "contained-without-code", "external-held"])
def test_a_steroid_named_only_as_a_medications_ingredient_is_a_steroid(
    chart: tuple[dict[str, Any], ...]
) -> None:
    """R7 (§3, §6.6): ``Medication.ingredient.itemCodeableConcept`` RxNorm 8640 prednisone, 120 days — a
    long-term steroid course, whether the Medication is contained or sent beside the request."""
    decision = decide(*chart)

    assert {RedFlag.INFECTION, RedFlag.FRACTURE_RISK} <= set(decision.facts.red_flags)
    assert decision.rules[0] == "R7"


def test_an_ingredient_names_conservative_care() -> None:
    """R3b, not R3a (§2 conservative care): a local naproxen product whose ingredient is RxNorm 7258."""
    naproxen = prescription("#m", product("7258", id="m"), authoredOn="2026-01-10", dispenseRequest={})
    decision = decide_chart(radiculopathy("2025-12-01"), naproxen)

    assert [e.finding for e in decision.facts.conservative_care] == ["conservative_medication"]
    assert decision.rules == ("R3b", "R24")


SNOMED = "http://snomed.info/sct"
EPIC_ROUTE = "urn:oid:1.2.840.114350.1.13.0.1.7.4.798268.7025"
DEPO_MEDROL = {"text": "methylPREDNISolone acetate (DEPO-MEDROL) 40 mg/mL injection"}


def listed_since_2025(concept: dict[str, Any], route: dict[str, Any] | None = None) -> dict[str, Any]:
    """A methylprednisolone still on the active medication list since June 2025 (no end, no supply)."""
    dosage = [{"text": "once", **({"route": route} if route else {})}]
    return {"resourceType": "MedicationStatement", "id": "st", "status": "active",
            "effectiveDateTime": "2025-06-01", "medicationCodeableConcept": concept, "dosage": dosage}


@pytest.mark.parametrize("steroid", [
    listed_since_2025(DEPO_MEDROL, coded(SNOMED, "404820008", "Epidural route")),
    listed_since_2025(DEPO_MEDROL, {"coding": [{"system": EPIC_ROUTE, "code": "24"}],
                                    "text": "Intra-articular"}),
    listed_since_2025(DEPO_MEDROL, {"coding": [{"system": EPIC_ROUTE, "code": "24", "display": "Epidural"}]}),
    listed_since_2025({"text": "methylprednisolone aceponate 0.1 % Topical Cream"}),
], ids=["epidural-code", "intra-articular-text", "epidural-display", "topical-dose-form"])
def test_a_local_steroid_is_no_long_term_systemic_course(steroid: dict[str, Any]) -> None:
    """§3 long-term steroids are systemic (Z79.52): an epidural or intra-articular methylprednisolone
    injection, or a cream, listed as active since 2025 is no infection or fracture risk (R1, not R7)."""
    decision = decide(steroid)

    assert RedFlag.INFECTION not in decision.facts.red_flags
    assert decision.rules == ("R1",)


@pytest.mark.parametrize("steroid", [
    listed_since_2025(DEPO_MEDROL),  # an injection of no stated route may be intramuscular
    listed_since_2025({"text": "Solu-Medrol 125 mg injection"},
                      coded(SNOMED, "47625008", "Intravenous route")),
    listed_since_2025(PREDNISONE_5_MG, coded(SNOMED, "26643006", "Oral route")),
], ids=["injection-no-route", "intravenous", "oral"])
def test_a_systemic_or_unstated_route_keeps_the_steroid_course(steroid: dict[str, Any]) -> None:
    decision = decide(steroid)

    assert {RedFlag.INFECTION, RedFlag.FRACTURE_RISK} <= set(decision.facts.red_flags)
    assert decision.rules[0] == "R7"


def prescribed(supply: dict[str, Any] | None, **fields: Any) -> dict[str, Any]:
    """A Medrol Dosepak of October 2025 that may be dispensed for a year (``validityPeriod``)."""
    dispense = {"validityPeriod": {"start": "2025-10-01", "end": "2026-10-01"},
                **({"expectedSupplyDuration": supply} if supply else {})}
    return {"resourceType": "MedicationRequest", "id": "rx", "status": "completed", "intent": "order",
            "authoredOn": "2025-10-01", "dispenseRequest": dispense, **fields,
            "medicationCodeableConcept": coded(RXNORM, "762675", MEDROL_DOSEPAK)}


MEDROL_DOSEPAK = "{21 (methylprednisolone 4 MG Oral Tablet) } Pack [Medrol Dosepak]"


@pytest.mark.parametrize("burst", [
    prescribed({"value": 6, "unit": "days"}),
    prescribed(None, dosageInstruction=bounded(boundsDuration={"value": 6, "unit": "d"})),
], ids=["expected-supply", "dose-bounds"])
def test_a_short_burst_valid_for_a_year_is_no_long_term_course(burst: dict[str, Any]) -> None:
    """§3 "steroids for 90 days or more": ``validityPeriod`` is the window in which the prescription may be
    dispensed, not the course; with six days' supply stated, the course is six days (R1, not R7)."""
    decision = decide(burst)

    assert RedFlag.INFECTION not in decision.facts.red_flags
    assert decision.rules == ("R1",)


def test_a_validity_period_still_bounds_a_course_of_no_stated_supply() -> None:
    """The safe side: with no supply and no dose bounds, the period the order names is all there is, and a
    year of it is a long-term course (R7)."""
    decision = decide(prescribed(None))

    assert {RedFlag.INFECTION, RedFlag.FRACTURE_RISK} <= set(decision.facts.red_flags)


ORAL = coded(SNOMED, "26643006", "Oral route")


@pytest.mark.parametrize("steroid", [
    listed_since_2025({"text": "prednisoLONE 5 MG tablet"}, {"text": "Oral"}),
    listed_since_2025(coded(RXNORM, "5492", "hydrocortisone 10 MG Oral Tablet")),
    listed_since_2025(coded(RXNORM, "3264"), ORAL),
    listed_since_2025({"text": "dexAMETHasone 4 mg tablet"}, {"text": "PO"}),
], ids=["prednisolone-route-text", "hydrocortisone-oral-tablet", "dexamethasone-route-code", "route-PO"])
def test_another_steroid_by_a_systemic_route_is_a_long_term_course(steroid: dict[str, Any]) -> None:
    """§3 "steroids for 90 days or more" names no ingredient: oral prednisolone, dexamethasone or
    hydrocortisone since June 2025 is an infection and fracture risk as prednisone is (R7, not R1)."""
    decision = decide(steroid)

    assert {RedFlag.INFECTION, RedFlag.FRACTURE_RISK} <= set(decision.facts.red_flags)
    assert decision.rules[0] == "R7"


@pytest.mark.parametrize("steroid", [
    listed_since_2025(coded(RXNORM, "8638", "prednisolone")),  # no route: as often eye drops
    listed_since_2025({"text": "dexamethasone 0.1 % Ophthalmic Suspension"}),
    listed_since_2025({"text": "hydrocortisone 2.5 % Topical Cream"}, ORAL),  # the cream's form wins
    listed_since_2025({"text": "prednisolone acetate 1 % eye drops"},
                      coded(SNOMED, "54485002", "Ophthalmic use")),
], ids=["ingredient-alone", "ophthalmic", "topical", "ophthalmic-route"])
def test_another_steroid_without_a_systemic_route_is_no_course(steroid: dict[str, Any]) -> None:
    decision = decide(steroid)

    assert RedFlag.INFECTION not in decision.facts.red_flags
    assert decision.rules == ("R1",)
