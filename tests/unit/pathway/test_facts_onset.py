"""Onset, duration D, episode, qualifying diagnoses, region and age (PATHWAY.md §1, §2, §6.1)."""

from __future__ import annotations

from datetime import date

import pytest

from app.pathway.model import Finding, Region
from app.terminology import ICD10CM, SNOMED, Coding

# --- D: whole calendar days from onset to the order date ----------------------------------------------------


@pytest.mark.parametrize(
    ("onset", "authored", "days"),
    [
        ("2028-01-19", "2028-03-01", 42),  # leap year: February has 29 days
        ("2028-01-20", "2028-03-01", 41),
        ("2026-01-18", "2026-03-01", 42),  # common year
        ("2026-01-19", "2026-03-01", 41),
        ("2025-12-20", "2026-01-31", 42),  # across the year boundary
        ("2025-12-21", "2026-01-31", 41),
    ],
)
def test_duration_counts_whole_calendar_days(chart, order, extract, onset, authored, days):
    facts = extract(chart.condition("M54.16", onset=onset), order(authored=authored), today=date(2030, 1, 1))

    assert facts.duration_days == days
    assert facts.onset == date.fromisoformat(onset)
    assert facts.onset_verified is True


def test_onset_timestamp_counts_in_its_own_offset_not_utc(chart, order, extract):
    # 23:30 at -05:00 is already 1 February in UTC; the patient's calendar day is 31 January.
    c = chart.condition("M54.16", onset="2026-01-31T23:30:00-05:00")

    facts = extract(c, order(authored="2026-03-14"))

    assert facts.onset == date(2026, 1, 31)
    assert facts.duration_days == 42


def test_onset_timestamp_with_positive_offset_keeps_its_written_date(chart, order, extract):
    c = chart.condition("M54.16", onset="2026-02-01T00:30:00+14:00")  # 31 January in UTC

    facts = extract(c, order(authored="2026-03-15"))

    assert facts.onset == date(2026, 2, 1)
    assert facts.duration_days == 42


def test_duration_is_counted_to_today_when_the_order_has_no_date(chart, order, extract):
    facts = extract(chart.condition("M54.16", onset="2026-01-18"), order(), today=date(2026, 3, 1))

    assert facts.order_date == date(2026, 3, 1)
    assert facts.duration_days == 42


def test_patient_view_counts_to_today(chart, extract):
    facts = extract(chart.condition("M54.16", onset="2026-01-19"), today=date(2026, 3, 1))

    assert facts.duration_days == 41
    assert facts.region is Region.LUMBAR


# --- onset sources ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", [
    "2026-01-10", "2026-01-10T09:30:00Z", "2026-01-10T09:30:00-05:00",
    "2026-01-10T09:30:00.000+0000", "2026-01-10 09:30",  # Java and SQL writers: no colon, a space for T
])
def test_iso_onset_string_is_an_exact_onset(chart, order, extract, written):
    facts = extract(chart.condition("M54.16", onset_string=written), order(authored="2026-03-01"))

    assert (facts.onset, facts.onset_verified, facts.duration_days) == (date(2026, 1, 10), True, 50)


def test_prose_onset_string_is_not_parsed(chart, order, extract):
    c = chart.condition("M54.16", onset_string="2026 winter, after lifting", recorded="2026-02-01")

    facts = extract(c, order(authored="2026-03-01"))

    assert (facts.onset, facts.onset_verified) == (date(2026, 2, 1), False)


def test_onset_age_in_days_with_birth_date_is_exact(chart, order, extract):
    # 16 436 days after 1980-01-01 is 2024-12-31 (the 45th birthday, 2025-01-01, is day 16 437).
    c = chart.patient("1980-01-01").condition("M54.16", onset_age_years=16436 / 365.25, onset_age_unit="d")

    facts = extract(c, order(authored="2025-03-01"))

    assert (facts.onset, facts.onset_verified) == (date(2024, 12, 31), True)
    assert facts.duration_days == 60


def test_onset_age_in_whole_years_is_only_a_year_of_life(chart, order, extract):
    # "at 45" is somewhere in [2025-06-15, 2026-06-14]; the recordedDate bounds it: lower bound, unverified.
    c = chart.patient("1980-06-15").condition("M54.16", onset_age_years=45.0, recorded="2025-12-01")

    facts = extract(c, order(authored="2026-03-01"))

    assert (facts.onset, facts.onset_verified, facts.duration_days) == (date(2025, 12, 1), False, 90)


def test_onset_age_in_months_is_only_a_month_of_life(chart, order, extract):
    # "at 482 months" from 1985-11-15 is a day in [2026-01-15, 2026-02-14]: unverified, bounded by its last
    # day (25 days), never its first read as exact (55 days: R3a or R3b where R1 or R27 may be due).
    c = chart.patient("1985-11-15").condition("M54.16", onset_age_years=482 / 12, onset_age_unit="mo")

    facts = extract(c, order(authored="2026-03-11"))

    assert (facts.onset, facts.onset_verified, facts.duration_days) == (date(2026, 2, 14), False, 25)


def test_onset_age_without_birth_date_gives_no_onset(chart, order, extract):
    facts = extract(chart.condition("M54.16", onset_age_years=45.0), order(authored="2026-03-01"))

    assert (facts.onset, facts.duration_days, facts.onset_verified) == (None, None, False)
    assert len(facts.qualifying) == 1


def test_recorded_date_is_only_a_lower_bound(chart, order, extract):
    facts = extract(chart.condition("M54.16", recorded="2026-01-01"), order(authored="2026-03-01"))

    assert facts.onset == date(2026, 1, 1)
    assert facts.onset_verified is False
    assert facts.duration_days == 59
    assert facts.onset_evidence is not None
    assert facts.onset_evidence.reference == "Condition/c1"


@pytest.mark.parametrize(("onset", "bound"), [("2026-01", date(2026, 1, 31)), ("2025", date(2025, 12, 31))])
def test_partial_onset_date_is_not_an_exact_onset(chart, order, extract, onset, bound):
    facts = extract(chart.condition("M54.16", onset=onset), order(authored="2026-03-01"))

    assert facts.onset_verified is False
    assert facts.onset == bound  # the day by which the symptoms had certainly begun


def test_partial_onset_is_bounded_by_an_earlier_recorded_date(chart, order, extract):
    c = chart.condition("M54.16", onset="2026-01", recorded="2026-01-12")

    facts = extract(c, order(authored="2026-03-01"))

    assert (facts.onset, facts.onset_verified) == (date(2026, 1, 12), False)


def test_condition_without_any_date_qualifies_but_gives_no_onset(chart, order, extract):
    facts = extract(chart.condition("M54.16"), order(authored="2026-03-01"))

    assert len(facts.qualifying) == 1
    assert (facts.onset, facts.duration_days, facts.onset_verified) == (None, None, False)


def test_earliest_onset_of_the_episode_wins(chart, order, extract):
    c = chart.condition("M54.50", onset="2026-01-05").condition("M54.16", onset="2026-02-01")

    facts = extract(c, order(authored="2026-03-01"))

    assert (facts.onset, facts.onset_verified) == (date(2026, 1, 5), True)
    assert facts.onset_evidence is not None
    assert facts.onset_evidence.reference == "Condition/c1"


def test_an_earlier_undated_diagnosis_makes_the_onset_unverified(chart, order, extract):
    # Back pain on record since 1 December: the sciatica onset of 10 January is not the episode's start.
    c = chart.condition("M54.50", recorded="2025-12-01").condition("M54.16", onset="2026-01-10")

    facts = extract(c, order(authored="2026-03-01"))

    assert (facts.onset, facts.onset_verified) == (date(2025, 12, 1), False)


# --- what counts: status, dates, episode gaps ---------------------------------------------------------------


def test_condition_dated_after_the_order_is_ignored(chart, order, extract):
    c = chart.condition("M54.16", onset="2026-01-10").condition("M54.50", onset="2026-03-02")

    facts = extract(c, order(authored="2026-03-01"), today=date(2026, 3, 5))

    assert [e.reference for e in facts.qualifying] == ["Condition/c1"]
    assert facts.onset == date(2026, 1, 10)


def test_only_a_diagnosis_after_the_order_means_no_qualifying_diagnosis(chart, order, extract):
    facts = extract(chart.condition("M54.16", onset="2026-03-02"), order(authored="2026-03-01"))

    assert facts.qualifying == ()
    assert facts.onset is None


@pytest.mark.parametrize(("abatement", "counts"), [("2025-09-01", False), ("2025-09-02", True)])
def test_resolved_condition_counts_only_within_180_days_of_abatement(
    chart, order, extract, abatement, counts
):
    # 2026-03-01 minus 180 days is 2025-09-02.
    c = chart.condition("M54.16", onset="2025-08-01", abatement=abatement, clinical="resolved")

    facts = extract(c, order(authored="2026-03-01"))

    assert bool(facts.qualifying) is counts
    assert (facts.onset == date(2025, 8, 1)) is counts


def test_resolved_condition_without_abatement_date_does_not_count(chart, order, extract):
    c = chart.condition("M54.16", onset="2026-01-01", clinical="resolved")

    facts = extract(c, order(authored="2026-03-01"))

    assert facts.qualifying == ()


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
def test_refuted_or_erroneous_diagnosis_is_ignored(chart, order, extract, verification):
    c = chart.condition("M54.16", onset="2025-06-01", verification=verification).condition(
        "M54.16", onset="2026-02-01"
    )

    facts = extract(c, order(authored="2026-03-01"))

    assert [e.reference for e in facts.qualifying] == ["Condition/c2"]
    assert facts.onset == date(2026, 2, 1)


def test_gap_over_180_days_starts_a_new_episode(chart, order, extract):
    # Old sciatica still "active" on the problem list; a new one 181+ days later starts a new episode.
    c = chart.condition("M54.16", onset="2025-01-10", recorded="2025-01-10").condition(
        "M54.41", onset="2026-02-01"
    )

    facts = extract(c, order(authored="2026-03-01"))

    assert (facts.onset, facts.duration_days) == (date(2026, 2, 1), 28)
    assert len(facts.qualifying) == 2


def test_gap_of_180_days_stays_in_the_episode(chart, order, extract):
    # 180 days apart: not a gap > 180
    c = chart.condition("M54.16", onset="2025-08-05").condition("M54.41", onset="2026-02-01")

    facts = extract(c, order(authored="2026-03-01"))

    assert facts.onset == date(2025, 8, 5)


def test_a_recent_record_of_an_old_diagnosis_bridges_the_gap(chart, order, extract):
    # Onset a year ago but recorded in December: on record within 180 days of the new sciatica.
    c = chart.condition("M54.16", onset="2025-02-01", recorded="2025-12-01").condition(
        "M54.41", onset="2026-02-01"
    )

    facts = extract(c, order(authored="2026-03-01"))

    assert facts.onset == date(2025, 2, 1)


# --- code systems and regions -------------------------------------------------------------------------------


def test_icd10cm_only_problem_list(chart, order, extract):
    c = chart.condition("M51.16", onset="2026-01-01").condition("M54.50", onset="2026-01-05")

    facts = extract(c, order(authored="2026-03-01"))

    assert {e.coding.code for e in facts.qualifying if e.coding} == {"M51.16", "M54.50"}
    assert facts.onset == date(2026, 1, 1)


def test_snomed_only_problem_list(chart, order, extract):
    c = chart.condition("23056005", SNOMED, onset="2026-01-03")
    c.condition("279039007", SNOMED, onset="2026-01-20")

    facts = extract(c, order(authored="2026-03-01"))

    assert {e.coding.code for e in facts.qualifying if e.coding} == {"23056005", "279039007"}
    assert facts.onset == date(2026, 1, 3)


def test_order_reason_code_is_a_qualifying_diagnosis_without_onset(chart, order, extract):
    facts = extract(chart, order(authored="2026-03-01", reasons=[(ICD10CM, "M54.16")]))

    assert [e.reference for e in facts.qualifying] == ["ServiceRequest/draft-1"]
    assert facts.onset is None


def test_non_qualifying_conditions_are_not_diagnoses(chart, order, extract):
    facts = extract(chart.condition("J45.909", onset="2026-01-01"), order(authored="2026-03-01"))

    assert facts.qualifying == ()


def test_lumbar_order_with_only_cervical_diagnoses_is_rated_lumbar_with_unknown_onset(chart, order, extract):
    facts = extract(chart.condition("M54.12", onset="2025-12-01"), order("72148", authored="2026-03-01"))

    assert facts.region is Region.LUMBAR
    assert len(facts.qualifying) == 1
    assert facts.onset is None  # neck symptoms do not date a lumbar episode


def test_only_the_rated_regions_diagnoses_date_the_episode(chart, order, extract):
    c = chart.condition("M54.2", onset="2025-11-01").condition("M54.16", onset="2026-02-10")

    lumbar = extract(c, order("72148", authored="2026-03-01"))
    cervical = extract(c, order("72141", authored="2026-03-01"))

    assert lumbar.onset == date(2026, 2, 10)
    assert cervical.onset == date(2025, 11, 1)


def test_patient_view_region_prefers_radiculopathy_over_pain(chart, extract):
    c = chart.condition("M54.12", onset="2025-12-01").condition("M54.50", onset="2026-02-01")

    assert extract(c, today=date(2026, 3, 1)).region is Region.CERVICAL


def test_patient_view_region_is_the_most_recent_radiculopathy(chart, extract):
    c = chart.condition("M54.12", onset="2025-12-01").condition("M54.16", onset="2026-02-01")

    assert extract(c, today=date(2026, 3, 1)).region is Region.LUMBAR


def test_generic_spine_mri_takes_the_region_of_the_order_reason(chart, order, extract):
    mri_of_spine = order("241645008", SNOMED, authored="2026-03-01", reasons=[(ICD10CM, "M54.12")])

    facts = extract(chart.condition("M54.16", onset="2026-01-01"), mri_of_spine)

    assert facts.region is Region.CERVICAL


def test_no_diagnosis_and_no_order_region_means_unknown_region(chart, extract):
    assert extract(chart, today=date(2026, 3, 1)).region is None


# --- age ----------------------------------------------------------------------------------------------------


def test_age_is_counted_to_authored_on_not_today(chart, order, extract):
    c = chart.patient("1975-03-10")

    facts = extract(c, order(authored="2026-03-09"), today=date(2026, 4, 1))

    assert facts.age_years == 50


def test_age_is_counted_to_today_without_an_order(chart, extract):
    assert extract(chart.patient("1975-03-10"), today=date(2026, 3, 10)).age_years == 51


def test_age_unknown_without_birth_date(chart, extract):
    assert extract(chart.patient(None), today=date(2026, 3, 10)).age_years is None


def test_year_only_birth_date_gives_the_youngest_possible_age(chart, extract):
    """65 or 66 on 2026-06-01: no age rule tells them apart (one that straddles 18 or 50 is unknown:
    test_facts.py)."""
    assert extract(chart.patient("1960"), today=date(2026, 6, 1)).age_years == 65


def test_a_condition_coded_twice_is_one_radicular_diagnosis(chart, order, extract):
    c = chart.condition("M54.16", onset="2026-01-10", extra=(Coding(SNOMED, "279039007"),))

    facts = extract(c, order(authored="2026-03-01"))

    found = [(e.reference, e.finding) for e in facts.qualifying]
    assert found == [("Condition/c1", Finding.RADICULOPATHY_LUMBAR)]
