"""A red flag whose Observation or Condition carries its answer somewhere other than the value the readers
looked at: ``Observation.interpretation``, a number answering a yes/no row, a result with no number,
``Condition.evidence``, a procedure's ``complication`` (PATHWAY.md §2 "Where a finding is read", §3, R5,
R7, R7b, R20; invariant 6; docs/pathway-facts.md "Eleventh pass: how an answer is recorded").

``raw_decision.decide`` decides a lumbar MRI ordered on 2026-03-11 for a 40-year-old man with a 19-day
lumbar radiculopathy, parsed from raw FHIR JSON as the hooks parse it: R1 (defer) when nothing raises a
flag. HL7 v3 ObservationInterpretation codes (POS, NEG, N, H, HH, A, AA, DET, ND) as the HL7 Terminology
(THO) code system and its ObservationInterpretationDetected value set list them.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag, State
from app.terminology import ICD10CM, LOINC, SNOMED

V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
SADDLE = coded(SNOMED, "449813001", "Numbness of saddle area")
RETENTION = coded(SNOMED, "267064002", "Retention of urine")
DIABETES = {"resourceType": "Condition", "id": "dm", "code": coded(ICD10CM, "E11.9")}  # R7 risk factor
NECK_PAIN = {"resourceType": "Condition", "id": "neck", "code": coded(ICD10CM, "M54.2")}


def interpretation(code: str | None = None, text: str | None = None) -> list[dict[str, Any]]:
    coding = {"coding": [{"system": V3, "code": code}]} if code else {}
    return [{**coding, **({"text": text} if text else {})}]


def row(code: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An exam or screen row recorded two days before the order."""
    return {"resourceType": "Observation", "id": "row", "status": "final", "code": code,
            "effectiveDateTime": "2026-03-09", **fields}


# --- interpretation on a finding with no value ----------------------------------------------------------


@pytest.mark.parametrize("flag", [{"code": "NEG"}, {"code": "N"}, {"code": "ND"}, {"text": "Negative"},
                                  {"text": "Normal"}])
def test_a_cauda_equina_finding_interpreted_negative_or_normal_raises_nothing(flag: dict[str, str]) -> None:
    """§2: a careful negative screen must not raise an emergency card. Saddle numbness recorded with no
    value and the interpretation NEG (or Normal, Not detected) says the sign is not there: R1, was R5."""
    decision = decide(row(SADDLE, interpretation=interpretation(**flag)))

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules == ("R1",)


@pytest.mark.parametrize("flag", [{"code": "POS"}, {"code": "A"}, {"code": "DET"}, {"text": "Abnormal"},
                                  {"text": "(A)"}, {"text": "Positive*"}])
def test_a_cauda_equina_finding_interpreted_positive_is_r5(flag: dict[str, str]) -> None:
    decision = decide(row(SADDLE, interpretation=interpretation(**flag)))

    assert decision.rules[0] == "R5"


def test_a_flag_beside_a_normal_interpretation_wins() -> None:
    """Two interpretations that disagree (an interface sending N and A): the safe side."""
    decision = decide(row(SADDLE, interpretation=[*interpretation("N"), *interpretation("A")]))

    assert decision.rules[0] == "R5"


@pytest.mark.parametrize("answer", [{"valueString": "see comment"},
                                    {"valueCodeableConcept": {"text": "See note"}}])
def test_a_finding_answered_in_unread_words_but_interpreted_positive_is_r5(answer: dict[str, Any]) -> None:
    """An answer we cannot read ("see comment") said nothing before; its interpretation POS says the sign is
    there (R5, was R1). With NEG it still raises nothing."""
    positive = decide(row(RETENTION, **answer, interpretation=interpretation("POS")))
    negative = decide(row(RETENTION, **answer, interpretation=interpretation("NEG")))

    assert positive.rules[0] == "R5"
    assert negative.rules == ("R1",)


def test_a_sign_row_under_a_local_code_with_only_a_positive_interpretation_is_r5() -> None:
    """A flowsheet row named "Saddle anesthesia" (local code) with no value and interpretation POS: the
    answer is the interpretation, not a blank row (R5, was R1). The same row interpreted NEG is R1."""
    local = {"coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679", "code": "3041"}],
             "text": "Saddle anesthesia"}

    assert decide(row(local, interpretation=interpretation("POS"))).rules[0] == "R5"
    assert decide(row(local, interpretation=interpretation("NEG"))).rules == ("R1",)


def test_a_babinski_row_with_only_a_positive_interpretation_beside_neck_pain_is_r20() -> None:
    """§3 myelopathy: an abnormal reflex (Babinski) with neck symptoms, the answer given only as POS."""
    babinski = {"text": "Babinski sign"}

    decision = decide(NECK_PAIN, row(babinski, interpretation=interpretation("POS")))

    assert RedFlag.MYELOPATHY in decision.facts.red_flags
    assert decision.rules[0] == "R20"


def test_a_cauda_equina_finding_answered_snomed_normal_raises_nothing() -> None:
    """SNOMED CT Normal 17621005 as the answer to saddle numbness: the sign is not there (R1, was R5)."""
    normal = {"coding": [{"system": SNOMED, "code": "17621005", "display": "Normal"}]}

    assert decide(row(SADDLE, valueCodeableConcept=normal)).rules == ("R1",)


# --- a number answering a yes/no row --------------------------------------------------------------------


def test_a_finding_answered_1_is_r5_and_answered_0_raises_nothing() -> None:
    """A yes/no flowsheet row exported as valueInteger: 1 is Yes (R5, was R1), 0 is No."""
    assert decide(row(RETENTION, valueInteger=1)).rules[0] == "R5"
    assert decide(row(RETENTION, valueInteger=0)).rules == ("R1",)


def test_a_local_sign_row_answered_1_is_r5_and_answered_0_raises_nothing() -> None:
    """The same for a row named "Saddle anesthesia" under a local code (read by its name): R5, was R1."""
    local = {"coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679", "code": "3041"}],
             "text": "Saddle anesthesia"}

    assert decide(row(local, valueInteger=1)).rules[0] == "R5"
    assert decide(row(local, valueInteger=0)).rules == ("R1",)
    assert decide(row(local, valueInteger=3)).rules == ("R1",)


# --- data absent: missing, never "no" -------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["asked-declined", "unknown", "not-performed"])
def test_a_finding_whose_answer_is_absent_still_counts(reason: str) -> None:
    """A dataAbsentReason is no answer: the finding code with no value counts as §2 reads it, never as
    a No (the safe side; the card says what was recorded)."""
    absent = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                          "code": reason}]}

    decision = decide(row(RETENTION, dataAbsentReason=absent))

    assert decision.rules[0] == "R5"


def crp(oid: str, day: str, **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final", "code": coded(LOINC, "1988-5"),
            "effectiveDateTime": day, **value}


def test_a_later_marker_without_a_value_never_cancels_a_raised_one() -> None:
    """§3 "a later normal value cancels an earlier high one": a later CRP with no value (data absent,
    interpreted Normal) is no value, so the diabetic's CRP of 25 still stands (R7)."""
    raised = crp("crp1", "2026-03-05", valueQuantity={"value": 25, "unit": "mg/L", "code": "mg/L"})
    absent = crp("crp2", "2026-03-10", dataAbsentReason={"text": "Specimen hemolyzed"},
                 interpretation=interpretation("N"))

    assert decide(DIABETES, raised, absent).rules[0] == "R7"


# --- a marker or a temperature with no number, flagged by the laboratory ---------------------------------


@pytest.mark.parametrize("value", [{"valueString": "see comment"}, {"dataAbsentReason": {"text": "See note"}},
                                   {}])
@pytest.mark.parametrize("flag", ["H", "A"])
def test_a_crp_flagged_high_without_a_number_is_raised_for_a_risk_factor(value: dict[str, Any],
                                                                         flag: str) -> None:
    """§3 v2: a risk factor with a raised marker is R7. A CRP whose number we cannot read but which the
    laboratory flags High is raised (R7, was R1); the card says it has no value."""
    decision = decide(DIABETES, crp("crp", "2026-03-09", **value, interpretation=interpretation(flag)))

    assert decision.rules[0] == "R7"
    marker = [e for e in decision.facts.red_flags[RedFlag.INFECTION] if e.reference == "Observation/crp"]
    assert marker[0].state is State.FLAGGED and marker[0].value is None


def test_a_crp_flagged_normal_without_a_number_is_not_raised() -> None:
    decision = decide(DIABETES, crp("crp", "2026-03-09", valueString="see comment",
                                    interpretation=interpretation("N")))

    assert decision.rules == ("R1",)


def test_a_crp_flagged_high_alone_is_not_r7b_but_flagged_critical_is() -> None:
    """R7b needs CRP ≥ 50 mg/L: High says only "above the laboratory's limit" (R1 without a risk factor);
    Critical high (HH) is read as ≥ 50, an info card that makes imaging appropriate (R7b, was R1)."""
    unread = {"valueString": "see comment"}
    high = decide(crp("crp", "2026-03-09", **unread, interpretation=interpretation("H")))
    critical = decide(crp("crp", "2026-03-09", **unread, interpretation=interpretation("HH")))

    assert high.rules == ("R1",)
    assert critical.rules[0] == "R7b"


def test_a_body_temperature_flagged_high_without_a_number_is_a_fever() -> None:
    """§3 fever with spinal pain: a temperature whose number is missing ("see flowsheet") but flagged High
    (R7, was R1)."""
    temperature = row(coded(LOINC, "8310-5"), valueString="see flowsheet", interpretation=interpretation("H"))

    decision = decide(temperature)

    assert decision.rules[0] == "R7"


def test_a_body_temperature_with_a_number_is_read_by_its_number_whatever_its_flag() -> None:
    """A number wins over its flag: 37.2 °C flagged High is no fever; §3 gives the threshold."""
    temperature = row(coded(LOINC, "8310-5"), valueQuantity={"value": 37.2, "unit": "Cel", "code": "Cel"},
                      interpretation=interpretation("H"))

    assert decide(temperature).rules == ("R1",)


# --- a panel's items against the panel's own code ---------------------------------------------------------

CES_SCREEN = coded(SNOMED, "192970008", "Cauda equina syndrome screen")
NO = coded(LOINC, "LA32-8", "No")
YES = coded(LOINC, "LA33-6", "Yes")


def screen(*answers: dict[str, Any] | None) -> dict[str, Any]:
    """A flowsheet "CES screen" coded with the syndrome itself, no value of its own, an item per sign."""
    items = [coded(SNOMED, "449813001", "Saddle anesthesia"), coded(SNOMED, "72042002", "Bowel incontinence")]
    return row(CES_SCREEN, component=[{"code": item, **({"valueCodeableConcept": answer} if answer else {})}
                                      for item, answer in zip(items, answers, strict=True)])


def test_a_screen_panel_whose_every_item_answers_no_raises_nothing() -> None:
    """§2: a careful negative screen must not raise an emergency card. The panel's own code (the syndrome)
    is a heading its items answer: all No is R1 (was R5)."""
    assert decide(screen(NO, NO)).rules == ("R1",)


@pytest.mark.parametrize("answers", [(NO, YES), (NO, None), (None, None)])
def test_a_screen_panel_with_an_item_yes_or_left_blank_still_counts(answers: tuple[Any, ...]) -> None:
    assert decide(screen(*answers)).rules[0] == "R5"


# --- status ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "rule"), [
    ("registered", "R5"), ("preliminary", "R5"), ("final", "R5"), ("amended", "R5"), ("corrected", "R5"),
    ("unknown", "R5"), ("cancelled", "R1"), ("entered-in-error", "R1"),
])
def test_a_positive_interpretation_counts_by_the_observations_status(status: str, rule: str) -> None:
    """§2: entered-in-error and cancelled never count; every other status does, a flag too."""
    decision = decide(row(RETENTION, status=status, valueString="see comment",
                          interpretation=interpretation("POS")))

    assert decision.rules[0] == rule


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error"])
def test_a_void_crp_flagged_high_is_not_raised(status: str) -> None:
    decision = decide(DIABETES, {**crp("crp", "2026-03-09", valueString="see comment",
                                       interpretation=interpretation("H")), "status": status})

    assert decision.rules == ("R1",)


def member(oid: str, code: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    return {**row(code, valueCodeableConcept=answer), "id": oid}


def grouped(*members: str) -> dict[str, Any]:
    """The screen as a panel grouping its items by ``hasMember`` (each item an Observation of its own)."""
    references = [{"reference": f"Observation/{m}"} for m in members]
    return {**row(CES_SCREEN), "id": "panel", "hasMember": references}


def test_a_screen_panel_whose_every_member_answers_no_raises_nothing() -> None:
    """The same screen with its items as hasMember Observations: all No is R1 (was R5)."""
    saddle = member("m1", coded(SNOMED, "449813001"), NO)
    bowel = member("m2", coded(SNOMED, "72042002"), NO)

    assert decide(grouped("m1", "m2"), saddle, bowel).rules == ("R1",)


def test_a_screen_panel_with_a_member_yes_or_not_sent_still_counts() -> None:
    saddle = member("m1", coded(SNOMED, "449813001"), NO)
    bowel = member("m2", coded(SNOMED, "72042002"), YES)

    assert decide(grouped("m1", "m2"), saddle, bowel).rules[0] == "R5"
    assert decide(grouped("m1", "m2"), saddle).rules[0] == "R5"  # m2 not in the chart: not known to be No
