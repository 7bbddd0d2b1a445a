"""PATHWAY.md §2 v2 "Where a finding is read", the recording-place matrix, and safety invariant 6.

The matrix: every serious class (CES, motor, myelopathy, infection) and major malignancy × every place a
chart may record it × every ordered region is answered critical (malignancy: warning), never with a defer
and never not-appropriate. The negated forms raise nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.chart.dates import parse_fhir_date
from app.chart.model import Chart, ConditionView, ObservationView, PatientView, ServiceRequestView
from app.pathway.engine import evaluate_order
from app.pathway.model import Decision, Finding, Indicator, Rating, RedFlag, State, Topic
from app.pathway.policy import Policy
from app.terminology import CPT, ICD10CM, LOINC, SNOMED, Coding, ValueSets, load_value_sets

ORDER_DAY = date(2026, 3, 1)
AUTHORED = "2026-03-01"
REGIONS = {"lumbar": ("72148", "M54.16"), "cervical": ("72141", "M54.12"), "thoracic": ("72146", "M54.6")}
# class: (flag, ICD-10-CM code for Conditions/reasons, SNOMED CT code for Observations, indicator)
CLASSES = {
    "ces": (RedFlag.CES, "G83.4", "192970008", Indicator.CRITICAL),
    "motor": (RedFlag.MOTOR, "M21.371", "6077001", Indicator.CRITICAL),
    "myelopathy": (RedFlag.MYELOPATHY, "G95.9", "312444006", Indicator.CRITICAL),
    "infection": (RedFlag.INFECTION, "M46.26", "86406008", Indicator.CRITICAL),
    "malignancy": (RedFlag.MALIGNANCY_MAJOR, "C50.911", "254837009", Indicator.WARNING),
}
_DEFER_OR_REPEAT = {Topic.DEFER_IMAGING, Topic.REPEAT_IMAGING}


def _place_problem_list(c, order, icd, sct):
    return c.condition(icd, onset="2026-02-25"), order


def _place_encounter_diagnosis(c, order, icd, sct):
    return c.condition(icd, onset="2026-02-25", category="encounter-diagnosis"), order


def _place_observation_code(c, order, icd, sct):
    return c.observation(sct, SNOMED, on="2026-02-25"), order


def _place_observation_value(c, order, icd, sct):
    return c.observation("75325-1", LOINC, on="2026-02-25", value_code=sct), order


def _place_observation_yes(c, order, icd, sct):
    return c.observation(sct, SNOMED, on="2026-02-25", value_code="LA33-6", value_system=LOINC), order


def _place_order_reason_code(c, order, icd, sct):
    return c, {**order, "reasons": [(ICD10CM, icd)]}


def _place_order_reason_reference(c, order, icd, sct):
    # a Condition recorded long ago, named as the order's reason: the clinician says it is why, now
    c.condition(icd, onset="2019-01-01", clinical="resolved", abatement="2019-06-01")
    return c, {**order, "reason_references": [f"Condition/c{len(c.build().conditions)}"]}


def _place_recent_resolved(c, order, icd, sct):
    return c.condition(icd, onset="2025-01-01", clinical="resolved", abatement="2026-02-20"), order


def _place_condition_without_dates(c, order, icd, sct):
    return c.condition(icd, clinical=None, verification=None), order


LOINC_OID, SNOMED_OID = "urn:oid:2.16.840.1.113883.6.1", "urn:oid:2.16.840.1.113883.6.96"
YES_NO = "http://terminology.hl7.org/CodeSystem/v2-0136"


def _place_observation_yes_by_oid(c, order, icd, sct):
    """A flowsheet whose answers carry LOINC's OID: LA33-6 is still Yes."""
    return c.observation(sct, SNOMED, on="2026-02-25", value_code="LA33-6", value_system=LOINC_OID), order


def _place_observation_value_snomed_oid(c, order, icd, sct):
    return c.observation("75325-1", LOINC, on="2026-02-25", value_code=sct, value_system=SNOMED_OID), order


def _place_observation_value_icd(c, order, icd, sct):
    """A "Symptom" whose value is an ICD-10-CM diagnosis names the finding, as a SNOMED CT value does."""
    return c.observation("75325-1", LOINC, on="2026-02-25", value_code=icd, value_system=ICD10CM), order


def _place_observation_known_present(c, order, icd, sct):
    return c.observation(sct, SNOMED, on="2026-02-25", value_code="410515003"), order


def _place_observation_v2_yes(c, order, icd, sct):
    return c.observation(sct, SNOMED, on="2026-02-25", value_code="Y", value_system=YES_NO), order


def _place_observation_yes_with_a_full_stop(c, order, icd, sct):
    return c.observation(sct, SNOMED, on="2026-02-25", value_string="Present."), order


PLACES: dict[str, Callable[..., tuple[object, dict[str, object]]]] = {
    "problem-list": _place_problem_list,
    "encounter-diagnosis": _place_encounter_diagnosis,
    "observation-code": _place_observation_code,
    "observation-value": _place_observation_value,
    "observation-yes": _place_observation_yes,
    "order-reasonCode": _place_order_reason_code,
    "order-reasonReference": _place_order_reason_reference,
    "recent-resolved-condition": _place_recent_resolved,
    "condition-without-dates": _place_condition_without_dates,
    "observation-yes-by-oid": _place_observation_yes_by_oid,
    "observation-value-snomed-oid": _place_observation_value_snomed_oid,
    "observation-value-icd": _place_observation_value_icd,
    "observation-known-present": _place_observation_known_present,
    "observation-v2-0136-yes": _place_observation_v2_yes,
    "observation-present-full-stop": _place_observation_yes_with_a_full_stop,
}


@pytest.fixture
def decide_chart(vs) -> Callable[..., Decision]:
    def run(built, code: str, reasons=(), reason_references=()) -> Decision:
        draft = ServiceRequestView(
            id="draft-1", codings=(Coding(CPT, code),), status="draft", intent="order",
            authored_on=_day(AUTHORED), reason_codings=tuple(Coding(s, c) for s, c in reasons),
            reason_references=tuple(reason_references),
        )
        decision = evaluate_order(built.build(), draft, ORDER_DAY, Policy(), vs)
        assert decision is not None
        return decision

    return run


def _day(text: str):
    return parse_fhir_date(text)


@pytest.mark.parametrize("region", list(REGIONS))
@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("kind", list(CLASSES))
def test_recording_place_matrix_red_flag_found_wherever_recorded(chart, decide_chart, kind, place, region):
    flag, icd, sct, indicator = CLASSES[kind]
    order_code, qualifying = REGIONS[region]
    c = chart.patient("1975-05-05").condition(qualifying, onset="2026-02-10")
    c, order_args = PLACES[place](c, {}, icd, sct)

    decision = decide_chart(c, order_code, **order_args)

    assert flag in decision.facts.red_flags
    assert decision.advices[0].indicator is indicator
    assert decision.advices[0].topic is Topic.RED_FLAG
    assert decision.rating is Rating.APPROPRIATE
    assert not {a.topic for a in decision.advices} & _DEFER_OR_REPEAT


ON = "2026-02-25"
NEGATED = {
    "observation-false": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON, value_boolean=False),
    "observation-no": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON, value_code="LA32-8",
                                                        value_system=LOINC),
    "observation-absent": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON, value_code="LA9634-2",
                                                            value_system=LOINC),
    "observation-string-no": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON, value_string="No"),
    "observation-snomed-no": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON, value_code="373067005",
                                                               value_text="No"),
    "observation-snomed-absent": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON, value_code="2667000"),
    "observation-local-no": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON, value_code="N",
                                                              value_system="urn:local", value_text="No"),
    "observation-text-negative": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON, value_text="Negative"),
    "observation-snomed-known-absent": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON,
                                                                         value_code="410516002"),
    "observation-snomed-not-detected": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON,
                                                                         value_code="260415000"),
    "observation-snomed-unknown": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON,
                                                                    value_code="261665006"),
    "observation-snomed-no-by-oid": lambda c, sct, icd: c.observation(
        sct, SNOMED, on=ON, value_code="373067005", value_system=SNOMED_OID),
    "observation-v2-0136-no": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON, value_code="N",
                                                                value_system=YES_NO),
    "observation-entered-in-error": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON,
                                                                      status="entered-in-error"),
    "observation-cancelled": lambda c, sct, icd: c.observation(sct, SNOMED, on=ON, status="cancelled"),
    "condition-refuted": lambda c, sct, icd: c.condition(icd, onset=ON, verification="refuted"),
    "condition-entered-in-error": lambda c, sct, icd: c.condition(icd, onset=ON,
                                                                  verification="entered-in-error"),
}


@pytest.mark.parametrize("negated", list(NEGATED))
@pytest.mark.parametrize("kind", list(CLASSES))
def test_section_2_negated_findings_raise_nothing(chart, decide_chart, kind, negated):
    flag, icd, sct, _ = CLASSES[kind]
    c = chart.patient("1975-05-05").condition("M54.16", onset="2026-02-10")
    NEGATED[negated](c, sct, icd)

    decision = decide_chart(c, "72148")

    assert flag not in decision.facts.red_flags
    assert decision.rules == ("R1",)  # the lumbar radiculopathy of 19 days is deferred as usual


@pytest.mark.parametrize(
    ("verification", "counts"),
    [("confirmed", True), ("unconfirmed", True), ("provisional", True), ("differential", True),
     (None, True), ("refuted", False), ("entered-in-error", False)],
)
def test_section_2_red_flag_verification_status(chart, extract, order, verification, counts):
    c = chart.condition("G83.4", onset="2026-02-25", verification=verification)

    assert (RedFlag.CES in extract(c, order(authored=AUTHORED)).red_flags) is counts


@pytest.mark.parametrize(
    ("clinical", "onset", "abatement", "recorded", "state"),
    [
        ("resolved", "2025-01-01", "2026-02-20", None, (State.RESOLVED_ON, date(2026, 2, 20))),
        ("resolved", "2025-01-01", "2026-01-20", None, None),  # abated 40 days before: over
        ("inactive", "2026-02-15", None, None, (State.RESOLVED, None)),  # no abatement: the onset dates it
        ("remission", None, None, "2026-02-05", (State.RESOLVED, None)),  # else the recordedDate
        ("resolved", None, None, "2025-11-01", None),
        ("resolved", None, None, None, (State.DATE_NOT_RECORDED, None)),
        ("active", None, None, None, (State.DATE_NOT_RECORDED, None)),
        ("active", "2019-01-01", None, None, (State.FOUND, None)),  # active: counts whatever its date
    ],
)
def test_section_2_resolved_serious_findings_count_for_30_days_or_when_undated(
    chart, extract, order, clinical, onset, abatement, recorded, state
):
    c = chart.condition("M21.371", onset=onset, abatement=abatement, recorded=recorded, clinical=clinical)

    found = extract(c, order(authored=AUTHORED)).red_flags.get(RedFlag.MOTOR, ())

    expected = [(Finding.MOTOR_DEFICIT, *state)] if state else []
    assert [(e.finding, e.state, e.when) for e in found] == expected


@pytest.mark.parametrize(("code", "flag", "finding"), [
    ("M21.371", RedFlag.MOTOR, Finding.MOTOR_DEFICIT),
    ("R33.9", RedFlag.CES, Finding.CES),
])
def test_section_2_an_abatement_recorded_without_a_date_is_date_not_recorded_whatever_the_onset(
    chart, extract, order, code, flag, finding
):
    """abatementString "after catheterisation": it ended, when is not recorded; an old onset cannot show
    it ended long ago (docs/pathway-facts.md "Resolved red flags"; invariant 6: removing the abatement's
    date from a finding resolved yesterday must not drop it)."""
    c = chart.condition(code, onset="2025-01-01", clinical="resolved", abated=True)

    found = extract(c, order(authored=AUTHORED)).red_flags.get(flag, ())

    assert [(e.finding, e.state) for e in found] == [(finding, State.DATE_NOT_RECORDED)]


def test_section_2_without_an_abatement_the_onset_dates_a_resolved_finding_the_one_removal_that_drops_it(
    chart, extract, order
):
    """PATHWAY.md §2 and CODES.md recommendation 4: "its abatement (or, without one, its onset, else its
    recordedDate)". Removing the abatement *element* (not just its date) of a finding resolved yesterday
    leaves a resolved Condition dated by its 2025 onset, which §2 says is over; invariant 6's property
    strips every other date and status one at a time. The reason is in docs/pathway-facts.md."""
    c = chart.condition("M21.371", onset="2025-01-01", clinical="resolved", abatement="2026-02-28")
    built = c.build()
    facts = extract(built, order(authored=AUTHORED))
    [found] = facts.red_flags[RedFlag.MOTOR]
    assert (found.finding, found.state, found.when) == (
        Finding.MOTOR_DEFICIT, State.RESOLVED_ON, date(2026, 2, 28))

    no_abatement = replace(built, conditions=tuple(replace(c, abatement=None, abated=False)
                                                   for c in built.conditions))

    assert RedFlag.MOTOR not in extract(no_abatement, order(authored=AUTHORED)).red_flags


def test_section_2_resolved_window_is_site_policy(chart, extract, order):
    c = chart.condition("M21.371", onset="2025-01-01", abatement="2026-01-20", clinical="resolved")

    facts = extract(c, order(authored=AUTHORED), policy=Policy(redflag_resolved_window_days=60))

    assert RedFlag.MOTOR in facts.red_flags


def test_section_2_cancer_history_counts_whatever_its_status(chart, extract, order):
    c = chart.condition("C50.911", onset="2001-01-01", abatement="2002-01-01", clinical="resolved")

    assert RedFlag.MALIGNANCY_MAJOR in extract(c, order(authored=AUTHORED)).red_flags


def test_section_2_observation_with_an_unreadable_value_states_nothing(chart, extract, order):
    # A number other than 1 (a yes/no row's Yes since the eleventh pass) states nothing.
    c = chart.observation("192970008", SNOMED, on="2026-02-25", value=7.0)
    c.observation("192970008", SNOMED, on="2026-02-25", value_string="see note")

    assert RedFlag.CES not in extract(c, order(authored=AUTHORED)).red_flags


def test_section_2_reason_reference_to_a_qualifying_condition_brings_scope(chart, extract, order):
    c = chart.condition("M54.16", onset="2019-01-01", clinical="resolved", abatement="2019-02-01")

    plain = extract(c, order(authored=AUTHORED))
    named = extract(c, order(authored=AUTHORED, reason_references=["https://ehr.example/fhir/Condition/c1"]))

    assert plain.qualifying == ()
    found = [(e.finding, e.state) for e in named.qualifying]
    assert found == [(Finding.RADICULOPATHY_LUMBAR, State.ORDER_REASON)]


# --- safety invariant 6 (hypothesis) ---------------------------------------------------------------------

VS: ValueSets = load_value_sets()
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SERIOUS_CODES = [(ICD10CM, "G83.4"), (ICD10CM, "R32"), (ICD10CM, "M21.371"), (ICD10CM, "G95.9"),
                 (ICD10CM, "M46.26"), (ICD10CM, "R50.9"), (ICD10CM, "R26.89"), (SNOMED, "165232002"),
                 (SNOMED, "236650000"), (ICD10CM, "F11.20")]
days_back = st.none() | st.integers(-5, 900).map(lambda n: ORDER_DAY - timedelta(days=n))


@st.composite
def flag_conditions(draw: st.DrawFn) -> ConditionView:
    """Onset and abatement anywhere (the future included); recordedDate never after the order day (the
    chart is read then) and never before the onset (a Condition is first recorded once it has begun)."""
    system, code = draw(st.sampled_from(SERIOUS_CODES))
    onset, abatement = draw(days_back), draw(days_back)
    recorded = draw(st.none() | st.integers(0, 900).map(lambda n: ORDER_DAY - timedelta(days=n)))
    if recorded is not None and onset is not None:
        recorded = max(recorded, onset)
    return ConditionView(
        id="flag", codings=(Coding(system, code),),
        clinical_status=draw(st.sampled_from([None, "active", "recurrence", "resolved", "inactive",
                                              "remission"])),
        verification_status=draw(st.sampled_from([None, "confirmed", "unconfirmed", "provisional",
                                                  "differential", "refuted", "entered-in-error"])),
        onset=_fhir(onset), recorded=_fhir(recorded), abatement=_fhir(abatement),
        abated=abatement is not None or draw(st.booleans()),
    )


@st.composite
def flag_observations(draw: st.DrawFn) -> ObservationView:
    code = draw(st.sampled_from(["192970008", "6077001", "312444006", "86406008", "449813001"]))
    return ObservationView(
        id="obs", codings=(Coding(SNOMED, code),),
        status=draw(st.sampled_from([None, "final", "preliminary"])),
        effective=_fhir(draw(days_back)),
    )


def _fhir(day: date | None):
    return _day(day.isoformat()) if day is not None else None


def _undated_condition(c: ConditionView) -> ConditionView:
    return replace(c, onset=None, recorded=None, abatement=None, abated=c.abated and c.abatement is None)


def _answer(condition: ConditionView | None, observation: ObservationView | None, region: str) -> Decision:
    code, qualifying = REGIONS[region]
    chart = Chart(
        patient=PatientView("p", _day("1970-01-01")),
        conditions=(ConditionView("dx", (Coding(ICD10CM, qualifying),), onset=_day("2026-02-10")),
                    *((condition,) if condition else ())),
        observations=(observation,) if observation else (),
    )
    draft = ServiceRequestView("d", (Coding(CPT, code),), authored_on=_day(AUTHORED))
    decision = evaluate_order(chart, draft, ORDER_DAY, Policy(), VS)
    assert decision is not None
    return decision


def _no_less_safe(before: Decision, after: Decision) -> None:
    critical = [any(a.indicator is Indicator.CRITICAL for a in d.advices) for d in (before, after)]
    assert critical[1] >= critical[0]
    if before.rating is not Rating.NOT_APPROPRIATE:
        assert after.rating is not Rating.NOT_APPROPRIATE
    assert set(before.facts.serious_red_flags) <= set(after.facts.serious_red_flags)


# One thing removed at a time, then everything: each date, the abatement's date (the abatement stays
# recorded, undated), each status. Removing the abatement *element* of a resolved Condition is the one
# removal §2 answers otherwise (the onset then dates it): see the table test below and
# docs/pathway-facts.md "Resolved red flags".
STRIPS: dict[str, Callable[[ConditionView], ConditionView]] = {
    "onset": lambda c: replace(c, onset=None),
    "recorded": lambda c: replace(c, recorded=None),
    "abatement-date": lambda c: replace(c, abatement=None),
    "clinical": lambda c: replace(c, clinical_status=None),
    "verification": lambda c: replace(c, verification_status=None),
    "dates": _undated_condition,
    "everything": lambda c: replace(_undated_condition(c), clinical_status=None, verification_status=None,
                                    abated=False),
}


@PROPERTY
@given(flag_conditions(), st.sampled_from(list(REGIONS)), st.sampled_from(list(STRIPS)))
def test_invariant_6_removing_dates_or_status_from_a_red_flag_condition_is_never_less_safe(
    condition: ConditionView, region: str, removed: str
) -> None:
    stripped = STRIPS[removed](condition)

    _no_less_safe(_answer(condition, None, region), _answer(stripped, None, region))


@PROPERTY
@given(flag_observations(), st.sampled_from(list(REGIONS)))
def test_invariant_6_removing_the_date_or_status_of_a_red_flag_observation_is_never_less_safe(
    observation: ObservationView, region: str
) -> None:
    before = _answer(None, observation, region)

    _no_less_safe(before, _answer(None, replace(observation, effective=None), region))
    _no_less_safe(before, _answer(None, replace(observation, status=None), region))


@PROPERTY
@given(st.sampled_from([*SERIOUS_CODES, (ICD10CM, "C50.911"), (ICD10CM, "R63.4"), (ICD10CM, "M81.0")]),
       st.sampled_from(list(REGIONS)), st.integers(0, 400), st.sampled_from(["72148", "72131", "72100"]))
def test_invariants_1_and_2_on_charts_adding_a_red_flag_condition(flag_code, region, days, modality) -> None:
    """Invariant 2: adding a red-flag Condition (active, recorded yesterday) never lowers the answer;
    invariant 1: a serious one makes it critical, never not-appropriate, never a defer."""
    onset = _fhir(ORDER_DAY - timedelta(days=days))
    dx = ConditionView("dx", (Coding(ICD10CM, REGIONS[region][1]),), onset=onset)
    flag = ConditionView("flag", (Coding(*flag_code),), onset=_fhir(ORDER_DAY - timedelta(days=1)))
    code = REGIONS[region][0] if region != "lumbar" else modality
    patient = PatientView("p", _day("1980-01-01"))
    draft = ServiceRequestView("d", (Coding(CPT, code),), authored_on=_day(AUTHORED))
    before = evaluate_order(Chart(patient, (dx,)), draft, ORDER_DAY, Policy(), VS)
    after = evaluate_order(Chart(patient, (dx, flag)), draft, ORDER_DAY, Policy(), VS)
    assert before is not None and after is not None

    _no_less_safe(before, after)
    if after.facts.serious_red_flags:
        assert after.advices[0].indicator is Indicator.CRITICAL
        assert after.rating is not Rating.NOT_APPROPRIATE
        assert not {a.topic for a in after.advices} & _DEFER_OR_REPEAT


@pytest.mark.parametrize(
    ("answer", "counts"),
    [
        ({"value_code": "Y", "value_system": "urn:local", "value_text": "Yes"}, True),  # a flowsheet's "Yes"
        ({"value_code": "373066001", "value_text": "Yes"}, True),  # SNOMED CT qualifier Yes
        ({"value_code": "52101004"}, True),  # SNOMED CT qualifier Present
        ({"value_code": "X9", "value_system": "urn:local", "value_text": "see note"}, False),  # unreadable
        ({"value_text": "Present"}, True),  # text only
    ],
)
def test_section_2_an_answer_that_reads_yes_asserts_the_finding(chart, decide_chart, answer, counts):
    """§2 v2: a positive answer asserts an Observation on a finding code, whether LOINC, SNOMED CT's qualifier
    values, or a local answer code whose text says Yes/Present; an unreadable local answer states nothing."""
    flag, _, sct, _ = CLASSES["ces"]
    c = chart.patient("1975-05-05").condition("M54.16", onset="2026-02-10")
    c.observation(sct, SNOMED, on=ON, **answer)

    decision = decide_chart(c, "72148")

    assert (flag in decision.facts.red_flags) is counts
