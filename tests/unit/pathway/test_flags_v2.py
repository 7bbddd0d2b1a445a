"""PATHWAY.md v2 red flags, one line per case, chart → facts → decision (no HTTP, no FHIR JSON).

Each table names the rule it checks (R5, R6, R7, R7b, R8, R9, R20, R28, §2 reading, §3 classes). The order
is authored 2026-03-01; "recent" dates are days before it.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from app.pathway.decide import decide_order
from app.pathway.facts import classify_order, extract_facts
from app.pathway.model import Decision, Finding, Indicator, Rating, RedFlag, Topic
from app.pathway.policy import Policy
from app.terminology import ICD10CM, LOINC, SNOMED, CodeRange, Coding, load_value_sets

DATA = Path(__file__).resolve().parents[3] / "app" / "terminology" / "data"

AUTHORED = "2026-03-01"
LUMBAR, CERVICAL, THORACIC = "72148", "72141", "72146"
RIGHT_ANKLE = (Coding(SNOMED, "344001"), Coding(SNOMED, "24028007"))
LEFT_ANKLE = (Coding(SNOMED, "344001"), Coding(SNOMED, "7771000"))


@pytest.fixture
def answer(extract, order, vs):
    """``answer(chart, code)`` → the Decision for a draft spine order of ``code`` authored 2026-03-01."""

    def run(built, code: str = LUMBAR, **order_args) -> Decision:
        draft = order(code, authored=AUTHORED, **order_args)
        facts = extract(built, draft)
        the_order = classify_order(draft, date(2026, 3, 1), vs)
        assert the_order is not None
        return decide_order(facts, the_order, Policy())

    return run


def lumbar_sciatica(chart, onset: str = "2026-02-10"):
    """A lumbar radiculopathy 19 days old: without a red flag, R1 defers an MRI."""
    return chart.patient("1981-01-01").condition("M54.16", onset=onset)


def first(decision: Decision):
    return decision.advices[0] if decision.advices else None


# --- R5: cauda equina (§3 v2) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "system", "ces"),
    [
        ("G83.4", ICD10CM, True),
        ("R33.9", ICD10CM, True),  # retention
        ("N39.490", ICD10CM, True),  # overflow incontinence
        ("N39.45", ICD10CM, True),  # continuous leakage (total incontinence)
        ("R15.9", ICD10CM, True),  # faecal incontinence
        ("449813001", SNOMED, True),  # saddle numbness
        ("23042008", SNOMED, True),  # spinal paraparesis = bilateral leg weakness
        ("782388003", SNOMED, True),  # incomplete CES
        ("236648008", SNOMED, True),  # acute retention
        ("129853007", SNOMED, True),  # total urinary incontinence
        ("N39.3", ICD10CM, False),  # stress
        ("N39.41", ICD10CM, False),  # urge
        ("N39.43", ICD10CM, False),  # post-void dribbling
        ("N39.44", ICD10CM, False),  # nocturnal enuresis
        ("N39.46", ICD10CM, False),  # mixed
        ("87557004", SNOMED, False),  # urge incontinence
        ("22220005", SNOMED, False),  # genuine stress incontinence
        ("413343005", SNOMED, False),  # mixed incontinence
        ("236664000", SNOMED, False),  # post-micturition incontinence
        ("271594007", SNOMED, False),  # syncope: the wrong "saddle anaesthesia" code one app used
    ],
)
def test_r5_which_codes_are_cauda_equina_signs(chart, answer, code, system, ces):
    decision = answer(lumbar_sciatica(chart).condition(code, system, onset="2026-02-25"))

    assert ("R5" in decision.rules) is ces
    assert (decision.rating is Rating.NOT_APPROPRIATE) is not ces


@pytest.mark.parametrize(
    ("code", "system", "onset", "ces"),
    [
        ("R32", ICD10CM, "2026-02-20", True),  # unspecified incontinence begun in the episode
        ("R32", ICD10CM, "2024-05-01", False),  # long-standing: not new
        ("R32", ICD10CM, None, True),  # undated: cannot be shown old (invariant 6)
        ("165232002", SNOMED, "2026-02-15", True),
        ("165232002", SNOMED, "2023-01-01", False),
        ("236650000", SNOMED, "2026-02-15", True),  # chronic retention, new in the episode
        ("236650000", SNOMED, "2022-01-01", False),
    ],
)
def test_r5_unspecified_incontinence_and_chronic_retention_only_when_new(
    chart, answer, code, system, onset, ces
):
    decision = answer(lumbar_sciatica(chart).condition(code, system, onset=onset))

    assert ("R5" in decision.rules) is ces


# --- R6: motor deficit and motor-strength grades (§3 v2) ------------------------------------------------


def strength(c, value=None, on="2026-02-25", site=RIGHT_ANKLE, text="Ankle dorsiflexion strength", **kw):
    return c.observation("x-mmt", "urn:site:flowsheet", on=on, value=value, text=text, body_site=site, **kw)


@pytest.mark.parametrize(
    ("grades", "motor", "mild"),
    [
        ([(3, "2026-02-25")], True, False),  # new grade 3 within 14 days
        ([(2, "2026-02-25"), (2, "2025-06-01")], False, False),  # chronic: grade <=3 more than 90 days before
        ([(3, "2026-02-10")], False, False),  # 19 days ago: not within 14 days
        ([(3, None)], True, False),  # undated grade 3: cannot be shown old
        ([(5, "2026-02-12"), (4, "2026-02-26")], False, True),  # single 5 -> 4: new mild weakness only
        ([(5, "2026-02-12"), (3, "2026-02-26")], True, False),  # fall ending at 3
        ([(4, "2026-02-12"), (3, "2026-02-14")], True, False),  # fall ending at 3 (17 days ago is fine)
        ([(5, "2026-02-12"), (4, "2026-02-20"), (5, "2026-02-26")], False, True),  # recovered, one fall
        ([(4, "2026-02-26"), (5, "2026-02-12")], False, True),  # bundle order does not matter
        ([(5, "2026-02-12"), (4, "2026-02-26"), (4, "2026-02-27")], False, True),
    ],
)
def test_r6_motor_strength_grades(chart, answer, grades, motor, mild):
    c = lumbar_sciatica(chart)
    for value, on in grades:
        strength(c, value, on=on)

    decision = answer(c)

    assert ("R6" in decision.rules) is motor
    assert any(a.content == "new_mild_weakness" for a in decision.advices) is mild


@pytest.mark.parametrize(
    ("value", "unit", "string", "text", "motor"),
    [
        (None, None, "3/5", "Manual muscle testing", True),
        (None, None, "3-", "Hip flexor power", True),
        (None, None, "4-", "Hip flexor power", False),  # 4- is above 3
        (3.0, "kg", None, "Knee extension strength", False),  # dynamometry, not MRC
        (3.0, "[lb_av]", None, "Knee extension strength", False),
        (3.0, None, None, "Grip strength", False),
        (3.0, None, None, "Muscle power 0-10 scale", False),
        (7.0, None, None, "Muscle strength", False),  # not a 0-5 grade
        (3.0, "1", None, "Muscle strength", True),
        (3.0, None, None, "Blood pressure", False),  # code text does not name strength
    ],
)
def test_r6_grade_is_read_only_as_a_unitless_0_to_5_score(chart, answer, value, unit, string, text, motor):
    c = lumbar_sciatica(chart)
    strength(c, value, unit=unit, value_string=string, text=text)

    assert ("R6" in answer(c).rules) is motor


def test_r6_grades_of_different_muscles_are_not_compared(chart, answer):
    c = lumbar_sciatica(chart)
    strength(c, 5, on="2026-02-12", site=RIGHT_ANKLE)
    strength(c, 4, on="2026-02-26", site=LEFT_ANKLE)
    strength(c, 5, on="2026-02-12", text="Hip flexion strength")
    strength(c, 4, on="2026-02-26", text="Knee extension strength")

    decision = answer(c)

    assert "R6" not in decision.rules
    assert not any(a.content == "new_mild_weakness" for a in decision.advices)


def test_r6_grade_from_the_site_value_set_needs_no_strength_text(chart, order, tmp_path):
    """A site lists its own flowsheet row in motor_strength.json (site-extensible): no text needed."""
    shutil.copytree(DATA, tmp_path, dirs_exist_ok=True)
    doc = json.loads((DATA / "motor_strength.json").read_text(encoding="utf-8"))
    doc["codes"] = [{"system": "urn:site:flowsheet", "code": "x-mmt", "display": "L5 row"}]
    (tmp_path / "motor_strength.json").write_text(json.dumps(doc), encoding="utf-8")
    site_vs = load_value_sets(tmp_path)
    c = lumbar_sciatica(chart)
    strength(c, 2, text="L5 row 12")
    draft = order(authored=AUTHORED)
    the_order = classify_order(draft, date(2026, 3, 1), site_vs)
    assert the_order is not None

    facts = extract_facts(c.build(), the_order, date(2026, 3, 1), Policy(), site_vs)

    assert "R6" in decide_order(facts, the_order, Policy()).rules


# A new paraplegia (60389000, G82.2x) is also a cauda equina sign (CODES.md §1f): R5 first, R6 beside it
# (test_condition_red_flag_shapes.py, test_neuro_emergency_shapes.py).
@pytest.mark.parametrize("code", ["M21.371", "6077001", "249945007", "102568007"])
def test_r6_coded_motor_deficit(chart, answer, code):
    system = ICD10CM if code[0].isalpha() else SNOMED
    decision = answer(lumbar_sciatica(chart).condition(code, system, onset="2026-02-25"))

    assert (first(decision).rule, first(decision).indicator) == ("R6", Indicator.CRITICAL)


# --- R7: infection, risk factor + raised marker (§3 v2) ------------------------------------------------


ESR, CRP, HS_CRP = "4537-7", "1988-5", "30522-7"


@pytest.mark.parametrize(
    ("factor", "loinc", "value", "unit", "on", "gender", "infection"),
    [
        ("E11.9", CRP, 30.0, "mg/L", "2026-02-25", "male", True),  # Davis 2020: CRP > 10
        ("E11.9", CRP, 8.0, "mg/L", "2026-02-25", "male", False),
        ("E11.9", CRP, 3.0, "mg/dL", "2026-02-25", "male", True),  # 30 mg/L
        ("E11.9", CRP, 190.4, "nmol/L", "2026-02-25", "male", True),  # 20 mg/L
        ("E11.9", HS_CRP, 12.0, "mg/L", "2026-02-25", "male", True),
        ("E11.9", "71426-1", 12.0, "mg/L", "2026-02-25", "male", True),  # hs-CRP in blood
        ("E11.9", "76485-2", 190.4, "nmol/L", "2026-02-25", "male", True),  # CRP reported in moles
        ("E11.9", "76486-0", 190.4, "nmol/L", "2026-02-25", "male", True),
        ("E11.9", "76485-2", 47.6, "nmol/L", "2026-02-25", "male", False),  # 5 mg/L
        ("E11.9", CRP, 30.0, "mg/L", "2026-02-10", "male", False),  # 19 days: outside 14
        ("Z99.2", ESR, 31.0, "mm/h", "2026-02-25", "male", True),  # age 45 male: limit max(20, 22.5)
        ("Z99.2", ESR, 22.0, "mm/h", "2026-02-25", "male", False),
        ("Z99.2", ESR, 27.0, "mm/h", "2026-02-25", "female", False),  # women: (45+10)/2 = 27.5
        ("Z99.2", ESR, 28.0, "mm/h", "2026-02-25", "female", True),
        ("R78.81", CRP, 15.0, None, "2026-02-25", None, True),  # no unit: mg/L
        ("E11.9", CRP, 3.0, "MG/DL", "2026-02-25", "male", True),  # unit spellings: case, micro, brackets
        ("E11.9", CRP, 30.0, "MG/L", "2026-02-25", "male", True),
        ("E11.9", CRP, 30.0, "mcg/mL", "2026-02-25", "male", True),
        ("E11.9", CRP, 30.0, "µg/mL", "2026-02-25", "male", True),
        ("Z99.2", ESR, 31.0, "MM/HR", "2026-02-25", "male", True),
        ("Z99.2", ESR, 31.0, "mm/Hr", "2026-02-25", "male", True),
        ("Z99.2", ESR, 31.0, "mm/1h", "2026-02-25", "male", True),
        ("Z99.2", ESR, 31.0, "mm/[h]", "2026-02-25", "male", True),
        ("E11.9", CRP, 30.0, "mmol/L", "2026-02-25", "male", False),  # a unit we cannot convert is not read
        ("M54.16", CRP, 80.0, "mg/L", "2026-02-25", None, False),  # no risk factor: R7b, not R7
    ],
)
def test_r7_infection_risk_factor_with_a_raised_marker(chart, answer, factor, loinc, value, unit, on, gender,
                                                         infection):
    c = chart.patient("1981-01-01", gender=gender).condition("M54.16", onset="2026-02-10")
    c.condition(factor, onset="2020-01-01")
    c.observation(loinc, LOINC, on=on, value=value, unit=unit)

    decision = answer(c)

    assert ("R7" in decision.rules) is infection
    if infection:
        assert first(decision).indicator is Indicator.CRITICAL


@pytest.mark.parametrize(("performed", "infection"), [("2026-01-15", True), ("2025-10-01", False)])
def test_r7_spinal_injection_in_the_last_90_days_is_a_risk_factor(chart, answer, performed, infection):
    c = lumbar_sciatica(chart).procedure("62323", on=performed)
    c.observation(CRP, LOINC, on="2026-02-26", value=25.0, unit="mg/L")

    assert ("R7" in answer(c).rules) is infection


# --- R7b: unexplained raised ESR/CRP -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "r7b"),
    [
        ([(ESR, 60.0, "mm/h", "2026-02-05")], True),  # ESR latest within 30 days
        ([(ESR, 60.0, "mm/h", "2026-01-20")], False),  # 40 days: outside
        ([(ESR, 49.0, "mm/h", "2026-02-25")], False),
        ([(CRP, 55.0, "mg/L", "2026-02-25")], True),
        ([(HS_CRP, 60.0, "mg/L", "2026-02-25")], True),
        ([(CRP, 6.0, "mg/dL", "2026-02-25")], True),  # 60 mg/L
        ([(CRP, 60.0, "mg/L", "2026-02-10")], False),  # 19 days: outside 14
        ([(ESR, 60.0, "mm/h", "2026-02-05"), (ESR, 12.0, "mm/h", "2026-02-20")], False),  # later normal
        ([(CRP, 12.0, "mg/L", "2026-02-20"), (CRP, 70.0, "mg/L", "2026-02-26")], True),  # later high
    ],
)
def test_r7b_unexplained_raised_markers_info_card_never_defer(chart, answer, values, r7b):
    c = lumbar_sciatica(chart)
    for loinc, value, unit, on in values:
        c.observation(loinc, LOINC, on=on, value=value, unit=unit)

    decision = answer(c)

    assert ("R7b" in decision.rules) is r7b
    if r7b:
        assert (first(decision).indicator, first(decision).topic) == (Indicator.INFO, Topic.RED_FLAG)
        assert decision.rating is Rating.APPROPRIATE
        assert first(decision).content == "raised_markers"
    else:
        assert decision.rules == ("R1",)


def test_r7b_on_a_thoracic_order(chart, answer):
    c = chart.patient("1981-01-01").condition("M54.6", onset="2026-02-10")
    c.observation(CRP, LOINC, on="2026-02-25", value=90.0, unit="mg/L")

    decision = answer(c, THORACIC)

    assert (decision.rules, decision.rating) == (("R7b",), Rating.APPROPRIATE)


def test_r7b_gives_way_to_r7_when_a_risk_factor_explains_the_marker(chart, answer):
    c = lumbar_sciatica(chart).condition("E11.9", onset="2019-01-01")
    c.observation(CRP, LOINC, on="2026-02-25", value=90.0, unit="mg/L")

    decision = answer(c)

    assert "R7" in decision.rules and "R7b" not in decision.rules


# --- R8 / R9: malignancy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "system", "major"),
    [
        ("C4A.9", ICD10CM, True),  # Merkel cell carcinoma: inside C00-C96 although alphanumeric
        ("C7A.00", ICD10CM, True),
        ("C7B.03", ICD10CM, True),  # secondary carcinoid of bone
        ("C43.9", ICD10CM, True),  # melanoma stays
        ("C50.911", ICD10CM, True),
        ("C44.91", ICD10CM, False),  # non-melanoma skin cancer
        ("Z85.828", ICD10CM, False),  # history of other skin cancer
        ("Z85.820", ICD10CM, True),  # history of melanoma
        ("Z85.3", ICD10CM, True),
        ("Z80.3", ICD10CM, False),  # family history
        ("254837009", SNOMED, True),  # breast cancer
        ("94602001", SNOMED, True),  # vertebral metastasis
        ("429087003", SNOMED, True),  # history of breast cancer
        ("94704006", SNOMED, True),  # myeloma in remission
        ("254701007", SNOMED, False),  # basal cell carcinoma of skin
        ("428053000", SNOMED, False),  # history of basal cell carcinoma
        ("429740004", SNOMED, False),  # FAMILY history of breast cancer
    ],
)
def test_r8_which_codes_are_major_malignancy(chart, answer, code, system, major):
    decision = answer(lumbar_sciatica(chart).condition(code, system, onset="2015-01-01", clinical="resolved"))

    assert ("R8" in decision.rules) is major
    if major:
        assert (first(decision).indicator, decision.rating) == (Indicator.WARNING, Rating.APPROPRIATE)


@pytest.mark.parametrize(("low", "high", "code", "inside"), [
    ("C45", "C96", "C4A9", True), ("C45", "C96", "C7B03", True), ("C45", "C96", "C7A00", True),
    ("C00", "C43", "C4A9", False), ("C00", "C43", "C449", False), ("C45", "C96", "C449", False),
    ("E08", "E13", "E119", True), ("E08", "E13", "E149", False),
])
def test_r8_code_range_is_alphanumeric_safe(low, high, code, inside):
    assert CodeRange(low, high).covers(code) is inside


@pytest.mark.parametrize(("birth", "esr", "rule"), [
    ("1960-01-01", 55.0, "R8"),  # age 66 (weak flag) + ESR >= 50 -> major malignancy
    ("1960-01-01", 45.0, "R9"),  # weak flag alone: R9 defers
    ("1990-01-01", 55.0, "R7b"),  # no weak flag: unexplained
])
def test_r8_r9_weak_flag_with_esr_50(chart, answer, birth, esr, rule):
    c = chart.patient(birth).condition("M54.16", onset="2026-02-10")
    c.observation(ESR, LOINC, on="2026-02-20", value=esr, unit="mm/h")

    assert answer(c).rules[0] == rule


def test_r8_card_suggests_whole_spine_mri_on_a_thoracic_order(chart, answer):
    c = chart.patient("1970-01-01").condition("M54.6", onset="2026-02-10")
    c.condition("Z85.3", onset="2010-01-01")

    decision = answer(c, THORACIC)

    assert (first(decision).rule, first(decision).content) == ("R8", "red_flag_malignancy")


# --- R20: myelopathy -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "content"), [
    (LUMBAR, "red_flag_myelopathy_lumbar"),
    (CERVICAL, "red_flag_myelopathy"),
    (THORACIC, "red_flag_myelopathy"),
])
def test_r20_myelopathy_is_critical_for_every_region(chart, answer, code, content):
    c = chart.patient("1960-01-01").condition("M54.16", onset="2026-02-10")
    c.condition("G95.9", onset="2026-02-01")

    advice = first(answer(c, code))

    assert (advice.rule, advice.indicator, advice.content) == ("R20", Indicator.CRITICAL, content)


# --- R28 and §1 "red flag first" -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "flag_code", "rule"),
    [
        (LUMBAR, "G83.4", "R5"),  # CES with no qualifying diagnosis: in scope
        (THORACIC, "M21.371", "R6"),
        (CERVICAL, "G95.9", "R20"),
        (LUMBAR, "M46.26", "R7"),  # a spinal infection is a spine disease: in scope (docs "Ninth pass")
        (LUMBAR, "F11.20", "R28"),  # an infection risk factor alone does not bring an order into scope
        (THORACIC, "Z85.3", "R28"),
    ],
)
def test_r28_red_flag_first_brings_ces_motor_myelopathy_into_scope(chart, answer, code, flag_code, rule):
    decision = answer(chart.patient("1970-01-01").condition(flag_code, onset="2026-02-25"), code)

    assert decision.rules[0] == rule


def test_r28_under_18_stays_out_of_scope_even_with_ces(chart, answer):
    decision = answer(chart.patient("2010-01-01").condition("G83.4", onset="2026-02-25"))

    assert (decision.rating, decision.advices) == (Rating.NO_CRITERIA_APPLY, ())


@pytest.mark.parametrize("dx", ["M54.14", "M54.6", "M51.24", "M47.24"])
def test_r28_thoracic_order_without_red_flag_has_no_criteria_and_no_card(chart, answer, dx):
    decision = answer(chart.patient("1970-01-01").condition(dx, onset="2026-02-10"), THORACIC)

    assert (decision.rating, decision.advices) == (Rating.NO_CRITERIA_APPLY, ())


@pytest.mark.parametrize(("code", "system", "concept"), [
    ("42452002", SNOMED, Finding.RADICULOPATHY_THORACIC),
    ("279038004", SNOMED, Finding.THORACIC_PAIN),
    ("2415007", SNOMED, Finding.RADICULOPATHY_LUMBAR),
    ("279040009", SNOMED, Finding.BACK_PAIN),  # mechanical low back pain: supporting, not radicular
])
def test_section_6_1_v2_qualifying_codes(chart, extract, order, code, system, concept):
    facts = extract(chart.condition(code, system, onset="2026-02-10"), order(authored=AUTHORED))

    assert [e.finding for e in facts.qualifying] == [concept]


# --- how a red flag is named on the card ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("display", "name"),
    [
        ("Retention of urine", "Retention of urine"),
        ("  Retention\n of   urine ", "Retention of urine"),  # the chart's spacing is not a word
        (None, None),  # no display: the class alone
        ("x" * 200, "x" * 200),  # shortened where it is worded (tests/unit/render/test_render_evidence.py)
    ],
)
def test_a_red_flag_carries_the_name_the_chart_gives_the_finding(
    chart, extract, order, display, name
) -> None:
    """§5: the dated facts in plain words — a clinician must see which cauda equina sign was found."""
    built = lumbar_sciatica(chart).condition("L-RET", "urn:local", onset="2026-02-27",
                                             extra=(Coding(SNOMED, "267064002", display),))
    facts = extract(built, order(LUMBAR, authored=AUTHORED))
    assert [(e.finding, e.name) for e in facts.red_flags[RedFlag.CES]] == [(Finding.CES, name)]


# --- §2 v2: a qualifying finding recorded as an Observation ------------------------------------------------


@pytest.mark.parametrize(
    ("answer_code", "rules"),
    [
        (None, ("R27",)),             # asserted (a SNOMED finding as value): in scope, onset not documented
        ("LA32-8", ("R28",)),         # sciatica "No": a negative screen is no diagnosis (out of scope)
    ],
)
def test_a_qualifying_finding_recorded_as_an_observation_brings_the_order_into_scope(
    chart, answer, answer_code, rules
) -> None:
    """PATHWAY.md §2 v2 "where a finding is read": sciatica as LOINC 75325-1 "Symptom" with the SNOMED finding
    as its value counts for scope; when it was observed is not an onset, so no defer stands on it (R27)."""
    built = chart.patient("1981-01-01")
    if answer_code is None:
        built = built.observation("75325-1", on="2026-02-20", value_code="23056005")
    else:
        built = built.observation("23056005", SNOMED, on="2026-02-20",
                                  value_code=answer_code, value_system=LOINC)
    decision = answer(built)
    assert decision.rules[: len(rules)] == rules
    assert decision.rating is not Rating.NOT_APPROPRIATE
