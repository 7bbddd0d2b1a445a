"""Red flags (PATHWAY.md §3) from Conditions, Observations, the order's reasonCode and medications."""

from __future__ import annotations

from datetime import date

import pytest

from app.pathway.model import Finding, RedFlag, State
from app.terminology import ICD10CM, LOINC, SNOMED

AUTHORED = "2026-03-01"


def flags_of(facts):
    return set(facts.red_flags)


# --- fever --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "value", "unit", "fever"),
    [
        ("2026-02-27", 38.0, "Cel", True),
        ("2026-02-27", 37.9, "Cel", False),
        ("2026-02-22", 38.5, "Cel", True),  # 7 days before the order: inside the window
        ("2026-02-21", 38.5, "Cel", False),  # 8 days: outside
        ("2026-03-01T08:00:00+01:00", 39.0, "Cel", True),  # the order day itself
        ("2026-02-27", 100.4, "[degF]", True),  # = 38.0 °C
        ("2026-02-27", 100.2, "[degF]", False),
        ("2026-02-27", 101.0, "degF", True),
        ("2026-02-27", 101.0, "F", True),
        ("2026-02-27", 101.0, "DegF", True),  # Oracle Health's spelling
        ("2026-02-27", 38.5, "DegC", True),
        ("2026-02-27", 101.0, "deg F", True),
        ("2026-02-27", 101.0, "°f", True),
        ("2026-02-27", 101.0, "℉", True),
        ("2026-02-27", 38.5, "℃", True),
        ("2026-02-27", 101.0, "degrees F", True),
        ("2026-02-27", 38.5, "Celsius", True),
        ("2026-02-27", 101.0, "Fahrenheit", True),
        # 38.5 °F is no body's temperature, 38.5 °C is: a value plausible only in the other scale is read
        # in it (tenth pass, the safe side; and 98.6 "Cel" is no fever either)
        ("2026-02-27", 38.5, "deg F", True),
        ("2026-02-27", 98.6, "Cel", False),
        ("2026-02-27", 38.6, None, True),  # no unit: a plausible °C value
        ("2026-02-27", 311.0, "K", False),  # a unit we do not read is not a fever
        ("2026-02", 39.0, "Cel", True),  # a month reaching into the 7 days may be recent (invariant 6)
        ("2026-01", 39.0, "Cel", False),  # a month that ended before them is not
    ],
)
def test_fever_by_measured_temperature(chart, order, extract, on, value, unit, fever):
    c = chart.condition("M54.16", onset="2026-02-01")
    c.observation("8310-5", LOINC, on=on, value=value, unit=unit)

    facts = extract(c, order(authored=AUTHORED))

    assert (RedFlag.INFECTION in facts.red_flags) is fever


@pytest.mark.parametrize("code", ["8310-5", "8331-1", "8332-9", "8328-7", "8333-7"])
def test_fever_by_a_temperature_coded_only_by_its_site(chart, order, extract, code):
    """A chart may carry only the site's LOINC code (oral, rectal, axillary, tympanic), not 8310-5."""
    c = chart.condition("M54.16", onset="2026-02-01")
    c.observation(code, LOINC, on="2026-02-27", value=38.9, unit="Cel")

    assert RedFlag.INFECTION in extract(c, order(authored=AUTHORED)).red_flags


def test_temperature_after_the_order_is_ignored(chart, order, extract):
    c = chart.observation("8310-5", LOINC, on="2026-03-02", value=39.5, unit="Cel")

    facts = extract(c, order(authored=AUTHORED), today=date(2026, 3, 3))

    assert RedFlag.INFECTION not in facts.red_flags


def test_fever_evidence_cites_the_observation_in_celsius(chart, order, extract):
    c = chart.observation("8310-5", LOINC, on="2026-02-28", value=102.2, unit="[degF]")

    evidence = extract(c, order(authored=AUTHORED)).red_flags[RedFlag.INFECTION]

    assert [(e.reference, e.on, e.finding, e.value) for e in evidence] == [
        ("Observation/o1", date(2026, 2, 28), Finding.TEMPERATURE, 39.0)
    ]


@pytest.mark.parametrize(
    ("abatement", "clinical", "fever"),
    [(None, "active", True), ("2026-02-25", "resolved", True), ("2026-02-10", "resolved", False)],
)
def test_fever_condition_counts_while_active_or_abated_within_the_window(
    chart, order, extract, abatement, clinical, fever
):
    c = chart.condition("R50.9", onset="2026-02-01", abatement=abatement, clinical=clinical)

    assert (RedFlag.INFECTION in extract(c, order(authored=AUTHORED)).red_flags) is fever


# --- infection risk factors ---------------------------------------------------------------------------------


def test_ivdu_opioid_dependence_is_an_infection_flag(chart, order, extract):
    facts = extract(chart.condition("F11.20", recorded="2024-05-01"), order(authored=AUTHORED))

    assert flags_of(facts) == {RedFlag.INFECTION}
    assert facts.red_flags[RedFlag.INFECTION][0].coding.code == "F11.20"


def test_long_term_steroid_code_is_infection_and_fracture_risk(chart, order, extract):
    facts = extract(chart.condition("Z79.52", recorded="2025-01-01"), order(authored=AUTHORED))

    assert flags_of(facts) == {RedFlag.INFECTION, RedFlag.FRACTURE_RISK}


@pytest.mark.parametrize(("supply", "long_term"), [(120, True), (90, True), (89, False), (30, False)])
def test_steroid_prescription_counts_from_90_days_of_supply(chart, order, extract, supply, long_term):
    c = chart.medication(text="predniSONE 20 MG Oral Tablet", start="2025-11-01", supply_days=supply)

    facts = extract(c, order(authored=AUTHORED))

    assert (RedFlag.INFECTION in facts.red_flags) is long_term
    assert (RedFlag.FRACTURE_RISK in facts.red_flags) is long_term


@pytest.mark.parametrize(
    ("status", "start", "supply", "long_term"),
    [
        ("active", "2025-11-01", None, True),  # on the list since November: 121 days by the order
        ("active", "2026-01-01", None, False),  # 60 days
        ("active", "2025-11-01", 30, False),  # its supply says how long: 30 days
        ("completed", "2025-11-01", None, False),  # it ended, when is not said: unknown length
        ("stopped", "2025-11-01", None, False),
    ],
)
def test_an_active_steroid_of_unknown_length_runs_to_the_order_date(
    chart, order, extract, status, start, supply, long_term
):
    """§3: an active course with no supply and no end is being taken now: from its start to the order."""
    c = chart.medication("8640", start=start, supply_days=supply, status=status, kind="MedicationStatement")

    assert (RedFlag.FRACTURE_RISK in extract(c, order(authored=AUTHORED)).red_flags) is long_term


def test_steroid_by_ingredient_code_and_period(chart, order, extract):
    c = chart.medication("6902", start="2025-09-01", end="2025-12-31")  # methylprednisolone, 122 days

    assert RedFlag.INFECTION in extract(c, order(authored=AUTHORED)).red_flags


@pytest.mark.parametrize(("second_start", "long_term"), [("2025-10-31", True), ("2025-09-01", False)])
def test_consecutive_steroid_refills_add_up_but_overlaps_do_not(
    chart, order, extract, second_start, long_term
):
    c = chart.medication("8640", start="2025-09-01", supply_days=60).medication(
        "8640", start=second_start, supply_days=60
    )

    assert (RedFlag.INFECTION in extract(c, order(authored=AUTHORED)).red_flags) is long_term


def test_nsaid_for_120_days_is_not_a_steroid(chart, order, extract):
    c = chart.medication(text="Naproxen 500 MG Oral Tablet", start="2025-09-01", supply_days=120)

    assert extract(c, order(authored=AUTHORED)).red_flags == {}


@pytest.mark.parametrize("status", ["entered-in-error", "cancelled"])
def test_void_steroid_prescription_does_not_count(chart, order, extract, status):
    c = chart.medication("8640", start="2025-09-01", supply_days=120, status=status)

    assert extract(c, order(authored=AUTHORED)).red_flags == {}


def test_resolved_spinal_infection_years_ago_is_not_current(chart, order, extract):
    c = chart.condition("M46.26", onset="2022-01-01", abatement="2022-04-01", clinical="resolved")

    assert extract(c, order(authored=AUTHORED)).red_flags == {}


# --- malignancy ---------------------------------------------------------------------------------------------


def test_age_over_50_alone_is_a_weak_flag_only(chart, order, extract):
    c = chart.patient("1974-06-01").condition("M54.16", onset="2026-02-01")

    facts = extract(c, order(authored=AUTHORED))

    assert facts.age_years == 51
    assert flags_of(facts) == {RedFlag.MALIGNANCY_WEAK}


def test_age_50_is_not_a_weak_flag(chart, order, extract):
    facts = extract(chart.patient("1975-06-01"), order(authored=AUTHORED))

    assert facts.red_flags == {}


def test_weight_loss_is_a_weak_flag_only(chart, order, extract):
    facts = extract(chart.condition("R63.4", onset="2026-02-01"), order(authored=AUTHORED))

    assert flags_of(facts) == {RedFlag.MALIGNANCY_WEAK}


def test_history_of_cancer_is_a_major_flag(chart, order, extract):
    facts = extract(chart.condition("Z85.3", recorded="2015-01-01"), order(authored=AUTHORED))

    assert flags_of(facts) == {RedFlag.MALIGNANCY_MAJOR}


def test_resolved_cancer_is_a_history_of_cancer(chart, order, extract):
    c = chart.condition("C50.911", onset="2015-01-01", abatement="2016-01-01", clinical="resolved")

    evidence = extract(c, order(authored=AUTHORED)).red_flags[RedFlag.MALIGNANCY_MAJOR]

    assert [(e.finding, e.state) for e in evidence] == [(Finding.CANCER_HISTORY, State.FOUND)]


def test_multiple_myeloma_by_snomed_is_active_cancer(chart, order, extract):
    facts = extract(chart.condition("109989006", SNOMED, onset="2025-01-01"), order(authored=AUTHORED))

    assert flags_of(facts) == {RedFlag.MALIGNANCY_MAJOR}


# --- cauda equina, motor, myelopathy, fracture risk ---------------------------------------------------------


def test_cauda_equina_diagnosis(chart, order, extract):
    assert flags_of(extract(chart.condition("G83.4", onset="2026-02-28"), order(authored=AUTHORED))) == {
        RedFlag.CES
    }


@pytest.mark.parametrize(
    ("code", "onset", "ces"),
    [("R33.9", "2026-02-25", True), ("R32", "2025-09-02", True), ("R32", "2019-05-01", False)],
)
def test_ces_signs_must_be_new(chart, order, extract, code, onset, ces):
    # New = dated within episode_gap_days (180) of the order; long-standing incontinence is not a CES sign.
    c = chart.condition(code, onset=onset, recorded=onset)

    assert (RedFlag.CES in extract(c, order(authored=AUTHORED)).red_flags) is ces


def test_ces_in_the_order_reason_counts(chart, order, extract):
    facts = extract(chart, order(authored=AUTHORED, reasons=[(ICD10CM, "G83.4")]))

    assert [e.reference for e in facts.red_flags[RedFlag.CES]] == ["ServiceRequest/draft-1"]


def test_observation_value_codeable_concept_is_a_source(chart, order, extract):
    c = chart.observation("75325-1", LOINC, on="2026-02-28", value_code="267064002")  # symptom: retention

    assert RedFlag.CES in extract(c, order(authored=AUTHORED)).red_flags


def test_foot_drop_is_a_motor_deficit(chart, order, extract):
    assert flags_of(extract(chart.condition("M21.371", onset="2026-02-20"), order(authored=AUTHORED))) == {
        RedFlag.MOTOR
    }


def test_abnormal_reflex_counts_with_a_cervical_order(chart, order, extract):
    facts = extract(chart.condition("R29.2", onset="2026-02-20"), order("72141", authored=AUTHORED))

    assert RedFlag.MYELOPATHY in facts.red_flags


def test_abnormal_reflex_counts_with_neck_pain_on_the_problem_list(chart, order, extract):
    c = chart.condition("R29.2", onset="2026-02-20").condition("M54.2", onset="2026-01-01")

    assert RedFlag.MYELOPATHY in extract(c, order("72148", authored=AUTHORED)).red_flags


def test_abnormal_reflex_without_neck_symptoms_does_not_count(chart, order, extract):
    c = chart.condition("R29.2", onset="2026-02-20").condition("M54.16", onset="2026-01-01")

    assert extract(c, order("72148", authored=AUTHORED)).red_flags == {}


def test_gait_disturbance_alone_is_not_myelopathy_v2(chart, order, extract):
    """PATHWAY.md §3 v2: gait disturbance alone is common in older adults."""
    facts = extract(chart.condition("R26.89", onset="2026-02-20"), order("72148", authored=AUTHORED))

    assert flags_of(facts) == set()


@pytest.mark.parametrize(
    ("second", "order_code"),
    [("R29.2", "72148"), ("G95.9", "72148"), (None, "72141")],  # a second sign, or neck symptoms
)
def test_gait_disturbance_with_a_second_sign_or_neck_symptoms_is_myelopathy(
    chart, order, extract, second, order_code
):
    c = chart.condition("R26.89", onset="2026-02-20")
    if second is not None:
        c.condition(second, onset="2026-02-20")

    assert flags_of(extract(c, order(order_code, authored=AUTHORED))) == {RedFlag.MYELOPATHY}


def test_osteoporosis_is_fracture_risk(chart, order, extract):
    assert flags_of(extract(chart.condition("M81.0", recorded="2020-01-01"), order(authored=AUTHORED))) == {
        RedFlag.FRACTURE_RISK
    }


# --- what never counts --------------------------------------------------------------------------------------


def test_red_flag_dated_after_the_order_is_ignored(chart, order, extract):
    c = chart.condition("G83.4", onset="2026-03-02")

    facts = extract(c, order(authored=AUTHORED), today=date(2026, 3, 5))

    assert facts.red_flags == {}


def test_red_flag_recorded_after_the_order_with_an_earlier_onset_counts(chart, order, extract):
    # order-sign the next day: the CES was recorded after authoredOn but began before it.
    c = chart.condition("G83.4", onset="2026-02-28", recorded="2026-03-02")

    assert RedFlag.CES in extract(c, order(authored=AUTHORED), today=date(2026, 3, 2)).red_flags


def test_undated_red_flag_counts(chart, order, extract):
    assert RedFlag.CES in extract(chart.condition("G83.4"), order(authored=AUTHORED)).red_flags


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
def test_refuted_red_flag_is_ignored(chart, order, extract, verification):
    c = chart.condition("G83.4", onset="2026-02-28", verification=verification)

    assert extract(c, order(authored=AUTHORED)).red_flags == {}


def test_entered_in_error_observation_is_ignored(chart, order, extract):
    c = chart.observation("8310-5", LOINC, on="2026-02-28", value=39.5, unit="Cel", status="entered-in-error")

    assert extract(c, order(authored=AUTHORED)).red_flags == {}
