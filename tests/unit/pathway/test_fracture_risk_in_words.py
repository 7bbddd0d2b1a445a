"""Fracture risk (PATHWAY.md §3, R10) as exports record it in words — a fall as a visit's chief complaint, a
referral's or the order's reason for exam, osteoporosis or a compression fracture as a free-text problem —
or a fall as SNOMED CT 1912002 "Fall" on an Observation (facts_fracture_words, low_velocity_trauma.json).
``raw_decision`` adds each resource to a 19-day lumbar radiculopathy and rates a lumbar MRI ordered on
2026-03-11: R1 (defer) without a fracture risk, R10 (radiographs first) with one. Each R10 chart below was
R1 before the ninth pass (docs/pathway-facts.md "Ninth pass: fracture risk and trauma"), and each R1 chart
is a careful negative that must stay a defer."""

from __future__ import annotations

import time
from typing import Any

import pytest
from raw_decision import coded, decide, decide_order, radiculopathy

from app.pathway.model import Finding, Rating, RedFlag
from app.terminology import CPT, ICD10CM, SNOMED

EPIC_REASON = "urn:oid:1.2.840.114350.1.13.0.1.7.2.728286"  # a site's local chief-complaint list


def visit(reason: dict[str, Any], start: str = "2026-03-01", **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "ed", "status": "finished", "class": {"code": "EMER"},
            "period": {"start": start}, "reasonCode": [reason], **fields}


def order(*reasons: dict[str, Any], code: str = "72148") -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
            "code": coded(CPT, code), "reasonCode": list(reasons)}


def fall_observation(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "fall", "status": "final",
            "code": coded(SNOMED, "1912002"), "effectiveDateTime": "2026-03-01", **fields}


@pytest.mark.parametrize("resource", [
    visit({"text": "Fell from standing, low back pain"}),
    visit({"text": "slipped on ice yesterday"}),
    visit({"coding": [{"system": EPIC_REASON, "code": "1042", "display": "Fall"}], "text": "Fall"}),
    visit({"text": "Back pain s/p MVC"}),  # a car crash in words: trauma, read as fracture risk
    {"resourceType": "Condition", "id": "free", "code": {"text": "Mechanical fall at home"},
     "onsetDateTime": "2026-02-25"},  # a free-text problem, as Oracle Health exports one
    fall_observation(valueBoolean=True),  # an injury report's "External cause: fall"
    fall_observation(),
    {"resourceType": "Observation", "id": "symptom", "status": "final",
     "code": coded("http://loinc.org", "75325-1"),  # "Symptom", the fall as its value
     "valueCodeableConcept": coded(SNOMED, "1912002"), "effectiveDateTime": "2026-03-01"},
])
def test_r10_a_fall_in_words_or_as_a_snomed_ct_event_is_low_velocity_trauma(resource: dict[str, Any]) -> None:
    decision = decide(resource)

    assert RedFlag.FRACTURE_RISK in decision.facts.red_flags
    assert decision.rules == ("R10",)
    assert decision.facts.high_energy_trauma is False  # words never take an order out of scope


@pytest.mark.parametrize("words", ["fell from standing, r/o compression fx", "Fall", "trip-and-fall 2 wk"])
def test_r10_the_orders_reason_for_exam_in_words_stands_r13_down_too(words: str) -> None:
    """A CT ordered "fell from standing" was R1 and R13 (switch to MRI): R10, and CT is acceptable."""
    decision = decide_order(order({"text": words}, code="72131"), radiculopathy())

    assert decision.rules == ("R10",)
    assert decision.rating is Rating.APPROPRIATE
    fall = decision.facts.red_flags[RedFlag.FRACTURE_RISK][0]
    assert (fall.finding, fall.text) == (Finding.LOW_VELOCITY_TRAUMA, words)


@pytest.mark.parametrize("resource", [
    visit({"text": "Fall risk assessment"}),
    visit({"text": "Denies falls"}),
    visit({"text": "no recent fall or trauma"}),
    visit({"text": "Slipped disc L4-5"}),
    visit({"text": "fell asleep at the wheel? no, just back pain"}),
    visit({"text": "back pain since the fall"}),  # the season
    visit({"text": "Fell from standing"}, start="2025-06-01"),  # more than 180 days before the order
    visit({"text": "Fell from standing"}, start="2026-03-20"),  # after the order
    visit({"text": "Fell from standing"}, status="entered-in-error"),
    {"resourceType": "Condition", "id": "hx", "code": {"text": "History of falls"}},
    fall_observation(valueBoolean=False),
    fall_observation(valueCodeableConcept=coded("http://loinc.org", "LA32-8")),  # No
])
def test_r1_a_fall_risk_a_denied_or_old_fall_is_no_fracture_risk(resource: dict[str, Any]) -> None:
    assert decide(resource).rules == ("R1",)


def test_a_car_crash_in_words_never_silences_a_red_flag() -> None:
    """§1: only a coded high-energy trauma within six weeks takes an order out of scope (R28); a crash in
    words is fracture risk beside the cauda equina, which stays R5."""
    ces = {"resourceType": "Condition", "id": "ces", "code": coded(ICD10CM, "G83.4"),
           "onsetDateTime": "2026-03-09"}

    decision = decide(ces, visit({"text": "MVC last week"}))

    assert decision.rules[0] == "R5"
    assert RedFlag.FRACTURE_RISK in decision.facts.red_flags


def problem(words: str, **fields: Any) -> dict[str, Any]:
    """A free-text problem, as Oracle Health exports a diagnosis entered with no code."""
    return {"resourceType": "Condition", "id": "free", "code": {"text": words}, **fields}


@pytest.mark.parametrize(("resource", "finding"), [
    (problem("Osteoporosis", recordedDate="2019-04-02"), Finding.OSTEOPOROSIS),  # years old: still there
    (problem("h/o osteoporotic L1 compression fracture"), Finding.OSTEOPOROSIS),
    (problem("T12 compression fx", onsetDateTime="2021-05"), Finding.VERTEBRAL_FRACTURE),
    (problem("s/p kyphoplasty L2"), Finding.VERTEBRAL_FRACTURE),
    ({"resourceType": "Condition", "id": "local", "onsetDateTime": "2018-01-01",  # a site's own code
      "code": {"coding": [{"system": "urn:oid:1.2.840.114350.1.13.861.1.7.2.696871", "code": "88",
                           "display": "Osteoporosis, senile"}]}}, Finding.OSTEOPOROSIS),
    (visit({"text": "r/o compression fracture"}), Finding.VERTEBRAL_FRACTURE),  # the suspicion R10 answers
])
def test_r10_osteoporosis_or_a_vertebral_fracture_in_words_is_fracture_risk(
    resource: dict[str, Any], finding: Finding
) -> None:
    """§3 osteoporosis and a vertebral fracture, whatever their age, as a free-text problem or a local code
    names them: they were never read by their words (R1)."""
    decision = decide(resource)

    assert [e.finding for e in decision.facts.red_flags[RedFlag.FRACTURE_RISK]] == [finding]
    assert decision.rules == ("R10",)


@pytest.mark.parametrize("resource", [
    problem("Osteopenia"),
    problem("Family history of osteoporosis"),
    problem("Osteoporosis screening"),
    problem("Compression fracture ruled out"),
    problem("Osteoporosis", verificationStatus=coded(
        "http://terminology.hl7.org/CodeSystem/condition-ver-status", "refuted")),
    visit({"text": "DXA to r/o osteoporosis"}),
    problem("Distal radius fracture"),  # a fracture, but not of the spine
])
def test_r1_osteopenia_a_family_history_a_screen_or_another_fracture_in_words_is_no_fracture_risk(
    resource: dict[str, Any]
) -> None:
    assert decide(resource).rules == ("R1",)


def test_a_coded_fall_is_read_by_its_code_and_not_again_by_its_words() -> None:
    """A visit's reason coded W19 with the text "Fall" is one fall on the card, named by its code."""
    fall = {"system": ICD10CM, "code": "W19.XXXA", "display": "Unspecified fall"}
    reason = {"coding": [fall], "text": "Fall"}

    found = decide(visit(reason)).facts.red_flags[RedFlag.FRACTURE_RISK]

    assert [(e.finding, e.name, e.text) for e in found] == [
        (Finding.LOW_VELOCITY_TRAUMA, "Unspecified fall", None)]


def test_a_chart_of_long_texts_naming_a_fall_again_and_again_is_read_in_linear_time() -> None:
    """Hardening: each mention's negation is looked for in the words just before it, not in everything
    before it. 100 problems of 4 kB, each "no fell, " over and over (every mention negated, so every one is
    read), took ~9 s of the event loop's CPU before. Since the tenth pass at most 16 negated mentions of a
    kind are judged in one text and the next counts — the safe side, as ``facts_named`` does — so this
    hostile text is a fall (R10), read in a fraction of the time."""
    texts = [(f"{n} " + "no fell, " * 455)[:4_000] for n in range(100)]
    problems = [{"resourceType": "Condition", "id": f"p{n}", "code": {"text": text}}
                for n, text in enumerate(texts)]
    started = time.perf_counter()

    decision = decide(*problems)

    assert decision.rules == ("R10",)
    assert time.perf_counter() - started < 1.5
