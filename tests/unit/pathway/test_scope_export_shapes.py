"""Scope (PATHWAY.md §1, R28) on charts written as EHR exports record them: a qualifying diagnosis, an age
or a trauma recorded in a place or shape the scope test once missed. Each chart below was once answered
"no-criteria-apply, no card" — silence — though a red flag was on it. ``raw_decision`` parses raw FHIR as
the hooks do and rates a lumbar MRI ordered on 2026-03-11 for a 40-year-old man."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from raw_decision import ORDER_DATE, coded, decide_chart, decide_order, radiculopathy

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


def test_a_visits_reason_qualifies_but_is_only_a_lower_bound_of_the_onset() -> None:
    """The visit's day is not the onset, only the day by which the symptoms had begun (§2 "the first
    encounter carrying the diagnosis"): no defer (R1) can stand on it, the onset is asked for (R27)."""
    decision = decide_chart(visit(coded(ICD10CM, "M54.16")))

    assert decision.rules == ("R27",)
    assert (decision.facts.onset, decision.facts.onset_verified) == (date(2026, 2, 25), False)


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


# --- trauma (PATHWAY.md §1 high-energy trauma: out of scope; §3 fracture risk: low-velocity trauma) -----

CES = condition("G83.4", cid="ces")


def injury_cause(code: str, onset: str | None = "2026-03-01", system: str = ICD10CM) -> dict[str, Any]:
    """An external-cause code as Epic records it beside the injury: an encounter diagnosis."""
    cause = condition(code, system, cid="cause")
    cause["category"] = [coded("http://terminology.hl7.org/CodeSystem/condition-category",
                               "encounter-diagnosis")]
    if onset is None:
        del cause["onsetDateTime"]
    else:
        cause["onsetDateTime"] = onset
    return cause


@pytest.mark.parametrize("cause", [
    injury_cause("V43.52XA"),  # car driver in a collision with a car, ten days ago
    injury_cause("W13.9XXA"),  # fall from a building
    injury_cause("V29.9XXA", onset="2026-02"),  # a partial date wholly inside the six weeks
    injury_cause("418399005", system=SNOMED),  # motor vehicle accident
    visit(coded(SNOMED, "418399005"), start="2026-03-01"),  # the ED visit's reason
])
def test_a_recent_high_energy_trauma_is_out_of_scope(cause: dict[str, Any]) -> None:
    """§1 R28: trauma imaging criteria apply, not this pathway's "defer MRI" (R1 before this pass)."""
    decision = decide_chart(condition("M54.16", cid="dx"), cause)

    assert decision.facts.high_energy_trauma is True
    assert (decision.rules, decision.rating, decision.advices) == (("R28",), Rating.NO_CRITERIA_APPLY, ())


def test_a_high_energy_trauma_stated_as_the_orders_reason_is_out_of_scope() -> None:
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded("http://www.ama-assn.org/go/cpt", "72131"),
             "reasonCode": [coded(ICD10CM, "V89.2XXA")]}  # unspecified motor-vehicle accident, traffic

    assert decide_order(order, radiculopathy()).rules == ("R28",)


@pytest.mark.parametrize("cause", [
    injury_cause("V43.52XA", onset="2019-05-01"),  # years before the episode
    injury_cause("V43.52XA", onset=None),  # undated: recording less never silences a red flag
    injury_cause("V43.52XA", onset="2026-01"),  # a month that may lie before the six weeks
    injury_cause("V43.52XA", onset="2026-03-20"),  # after the order
])
def test_a_trauma_not_certainly_recent_never_silences_a_red_flag(cause: dict[str, Any]) -> None:
    """§1 v2: only a high-energy trauma keeps a red flag out of scope, and only one certainly within the six
    weeks before the order (docs/pathway-facts.md seventh pass: scope): the cauda equina is R5."""
    decision = decide_chart(condition("M54.16", cid="dx"), CES, cause)

    assert decision.facts.high_energy_trauma is False
    assert decision.rules[0] == "R5"


@pytest.mark.parametrize("cause", [
    injury_cause("W18.30XA"),  # fall on the same level
    injury_cause("W10.9XXA"),  # fall on stairs
    injury_cause("S32.010A"),  # a lumbar vertebral fracture: never high-energy by itself
    injury_cause("V43.52XA", onset=None),  # an undated car crash is still trauma
])
def test_low_velocity_or_undated_trauma_is_fracture_risk_not_out_of_scope(cause: dict[str, Any]) -> None:
    """§3 fracture risk "low-velocity trauma" (R10: radiographs first, appropriate), never a defer (R1)."""
    decision = decide_chart(condition("M54.16", cid="dx"), cause)

    assert RedFlag.FRACTURE_RISK in decision.facts.red_flags
    assert decision.rules[0] == "R10"
    assert decision.rating is Rating.APPROPRIATE


def test_patient_view_is_silent_after_a_recent_crash_but_not_for_an_old_one() -> None:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01", "gender": "male"}

    def cards(*resources: dict[str, Any]) -> tuple[str, ...] | None:
        chart = build_chart({"all": KeyData((patient, condition("M54.16", cid="dx"), CES, *resources))})
        decision = evaluate_patient(chart, ORDER_DATE, Policy(), load_value_sets())
        return decision.rules if decision is not None else None

    assert cards(injury_cause("V43.52XA")) is None
    assert cards(injury_cause("V43.52XA", onset="2019-05-01")) == ("summary", "R5")


@pytest.mark.parametrize(("days_ago", "out_of_scope"), [(42, True), (43, False)])
def test_a_high_energy_trauma_silences_only_within_six_weeks(days_ago: int, out_of_scope: bool) -> None:
    """The window is ``conservative_care_days`` (42), both ends counted: from day 43 the crash is fracture
    risk (R10), and a red flag would be answered."""
    crash = (ORDER_DATE - timedelta(days=days_ago)).isoformat()
    decision = decide_chart(condition("M54.16", cid="dx"), injury_cause("V43.52XA", onset=crash))

    assert decision.facts.high_energy_trauma is out_of_scope
    assert decision.rules == (("R28",) if out_of_scope else ("R10",))


def test_an_abnormal_reflex_beside_neck_pain_stated_as_a_visits_reason_is_myelopathy() -> None:
    """§3 myelopathy: R29.2 counts "with neck symptoms"; neck pain given only as a visit's reason is one,
    so the lumbar order is R20 (critical, image the cord), not R28."""
    decision = decide_chart(condition("R29.2", cid="reflex"), visit(coded(ICD10CM, "M54.2")))

    assert decision.rules[0] == "R20"
