"""Scope (PATHWAY.md §1, R28) on charts written as EHR exports record them: a qualifying diagnosis, an age
or a trauma recorded in a place or shape the scope test once missed. Each chart below was once answered
"no-criteria-apply, no card" — silence — though a red flag was on it. ``raw_decision`` parses raw FHIR as
the hooks do and rates a lumbar MRI ordered on 2026-03-11 for a 40-year-old man."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import ORDER_DATE, coded, decide_chart

from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.pathway.engine import evaluate_patient
from app.pathway.model import Rating, RedFlag
from app.pathway.policy import Policy
from app.terminology import ICD10CM, SNOMED, load_value_sets

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def condition(code: str, system: str = ICD10CM, cid: str = "flag") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid, "code": coded(system, code),
            "clinicalStatus": coded(CLINICAL, "active"), "onsetDateTime": "2026-02-20"}


def visit(*reasons: dict[str, Any], start: str = "2026-02-25") -> dict[str, Any]:
    """A finished office visit whose reasonCode is how the EHR exported its visit diagnoses."""
    return {"resourceType": "Encounter", "id": "visit", "status": "finished", "class": {"code": "AMB"},
            "period": {"start": start}, "reasonCode": list(reasons)}


IVDU = condition("F11.20")  # opioid dependence: an infection red flag (§3)
PROSTATE_CANCER = condition("C61")  # major malignancy (§3)


@pytest.mark.parametrize(("reason", "flag", "rule"), [
    (coded(ICD10CM, "M54.16"), IVDU, "R7"),
    (coded(SNOMED, "279039007"), PROSTATE_CANCER, "R8"),  # low back pain
])
def test_a_diagnosis_stated_only_as_a_visits_reason_brings_a_red_flag_into_scope(
        reason: dict[str, Any], flag: dict[str, Any], rule: str) -> None:
    """§1 "as an encounter diagnosis" (R28): a visit diagnosis exported as Encounter.reasonCode qualifies,
    so an infection or cancer flag beside it is rated (R7, R8), never silenced."""
    decision = decide_chart(visit(reason), flag)

    assert decision.rules[0] == rule
    assert decision.rating is Rating.APPROPRIATE


def test_a_visits_reason_qualifies_but_dates_nothing() -> None:
    """The visit's day is not the onset: no defer (R1) can stand on it, the onset is asked for (R27)."""
    decision = decide_chart(visit(coded(ICD10CM, "M54.16")))

    assert decision.rules == ("R27",)
    assert decision.facts.onset is None


def test_a_visits_reason_older_than_the_episode_gap_does_not_qualify() -> None:
    """Read like an Observation (§2 v2): a sciatica visit 200 days before the order is not this episode."""
    decision = decide_chart(visit(coded(ICD10CM, "M54.16"), start="2025-08-23"), IVDU)

    assert decision.rules == ("R28",)


def test_patient_view_shows_the_summary_and_the_red_flag_for_a_visits_reason() -> None:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01", "gender": "male"}
    chart = build_chart({"all": KeyData((patient, visit(coded(ICD10CM, "M54.16")), IVDU))})

    decision = evaluate_patient(chart, ORDER_DATE, Policy(), load_value_sets())

    assert decision is not None
    assert decision.rules == ("summary", "R7")
    assert RedFlag.INFECTION in decision.facts.red_flags


@pytest.mark.parametrize("system", [ICD10CM, "http://hl7.org/fhir/sid/icd-10"])
@pytest.mark.parametrize("code", ["M54.3", "M54.4"])  # sciatica; lumbago with sciatica
def test_sciatica_coded_without_its_sixth_character_qualifies(system: str, code: str) -> None:
    """§6.1 sciatica, as WHO ICD-10 writes it (no laterality character) or as an EHR sends the ICD-10-CM
    header: it qualifies, so a cancer beside it is R8, never R28's silence."""
    decision = decide_chart(condition(code, system, cid="dx"), PROSTATE_CANCER)

    assert decision.rules[0] == "R8"
    assert decision.facts.region is not None and decision.facts.region.value == "lumbar"
