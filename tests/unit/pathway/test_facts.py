"""extract_facts as a whole: one realistic chart, bundle-order independence, what is passed through."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest

from app.chart.model import ChartCategory
from app.pathway.model import RedFlag, Region
from app.terminology import LOINC, SNOMED

AUTHORED = "2026-03-01"
RESOURCE_FIELDS = ("conditions", "observations", "procedures", "medications", "imaging", "service_requests")


def shuffle(rng, items):
    return tuple(rng.sample(items, len(items)))


def realistic(chart):
    """A 58-year-old with sciatica for seven weeks, NSAIDs and PT, a neurosurgery referral, a lumbar MRI
    eight months ago, a fever this week, and some noise (refuted and post-order records)."""
    return (
        chart.patient("1967-05-20")
        .condition("M54.41", onset="2026-01-10T09:00:00-05:00")
        .condition("M54.50", recorded="2026-01-12")
        .condition("G83.4", onset="2026-02-20", verification="refuted")
        .condition("Z85.3", recorded="2012-04-01", clinical="inactive")
        .observation("8310-5", LOINC, on="2026-02-27", value=38.4, unit="Cel")
        .observation("72514-3", LOINC, on="2026-02-27", value=7)
        .medication(text="Ibuprofen 600 MG Oral Tablet", start="2026-01-12")
        .procedure("97110", on="2026-02-02")
        .request("308482002", SNOMED, authored="2026-02-25")
        .imaging("72148", on="2025-07-01")
        .condition("M54.16", onset="2026-03-05")
    )


def test_realistic_chart(chart, order, extract):
    facts = extract(realistic(chart), order("72148", authored=AUTHORED), today=date(2026, 3, 6))

    assert facts.order_date == date(2026, 3, 1)
    assert facts.region is Region.LUMBAR
    assert facts.age_years == 58
    assert [e.reference for e in facts.qualifying] == ["Condition/c1", "Condition/c2"]
    assert (facts.onset, facts.onset_verified, facts.duration_days) == (date(2026, 1, 10), True, 50)
    assert [e.reference for e in facts.conservative_care] == ["MedicationRequest/m1", "Procedure/p1"]
    assert [e.reference for e in facts.candidate] == ["ServiceRequest/s1"]
    assert set(facts.red_flags) == {RedFlag.INFECTION, RedFlag.MALIGNANCY_MAJOR, RedFlag.MALIGNANCY_WEAK}
    assert facts.serious_red_flags == frozenset({RedFlag.INFECTION})
    assert [e.reference for e in facts.prior_imaging] == ["ImagingStudy/i1"]
    assert facts.prior_surgery == ()
    assert facts.pain_score == 7
    assert facts.high_energy_trauma is False


def test_facts_do_not_depend_on_bundle_order(chart, order, extract):
    built = realistic(chart).build()
    expected = extract(built, order("72148", authored=AUTHORED))
    rng = random.Random(20260301)

    for _ in range(20):
        shuffled = replace(built, **{name: shuffle(rng, getattr(built, name)) for name in RESOURCE_FIELDS})
        assert extract(shuffled, order("72148", authored=AUTHORED)) == expected


def test_skipped_and_unavailable_are_passed_through(chart, extract):
    chart.patient("1980-06-15")
    chart.skipped = 3
    chart.unavailable = frozenset({"medications"})

    facts = extract(chart, today=date(2026, 3, 1))

    assert (facts.skipped_resources, facts.unavailable) == (3, frozenset({"medications"}))


def test_empty_chart_is_all_unknown_never_an_error(chart, order, extract):
    facts = extract(chart, order(authored=AUTHORED))

    assert facts.qualifying == ()
    assert facts.red_flags == {}
    assert (facts.onset, facts.duration_days, facts.age_years) == (None, None, None)
    assert facts.region is Region.LUMBAR


def test_patient_view_uses_today_as_the_order_date(chart, extract):
    facts = extract(chart.condition("M54.16", onset="2026-02-01"), today=date(2026, 3, 1))

    assert facts.order_date == date(2026, 3, 1)
    assert facts.duration_days == 28


def test_findings_on_the_order_date_itself_count(chart, order, extract):
    c = chart.condition("G83.4", onset=AUTHORED).condition("M54.16", onset=AUTHORED)

    facts = extract(c, order(authored=AUTHORED))

    assert RedFlag.CES in facts.red_flags
    assert facts.duration_days == 0


@pytest.mark.parametrize("birth", ["9999-12-31", "0001-01-01"])
def test_absurd_dates_do_not_raise(chart, order, extract, birth):
    c = chart.patient(birth).condition("M54.16", onset_age_years=45.0)
    c.medication("8640", start="9999-12-01", supply_days=1e12)
    c.medication("8640", start="0001-01-01", supply_days=1e12)

    facts = extract(c, order(authored="0001-01-02"))

    assert facts.order_date == date(1, 1, 2)



@pytest.mark.parametrize("birth", [None, "2027-01-01"])
def test_an_unknown_age_is_named_never_taken_for_an_adult_under_50(chart, order, extract, birth):
    """§2 "missing data is a value": a Patient without a birthDate (or one after the order) leaves the
    age unknown; the under-18, over-50 and age-adjusted ESR rules could not run, and the facts say so."""
    chart.patient(birth).condition("M54.16", onset="2026-02-20")

    facts = extract(chart.build(), order("72148", authored=AUTHORED))

    assert facts.age_years is None
    assert ChartCategory.BIRTH_DATE in facts.unavailable


def test_an_unreadable_patient_is_named_once_as_the_patient(chart, order, extract):
    chart.condition("M54.16", onset="2026-02-20")
    chart.unavailable = frozenset({ChartCategory.PATIENT})

    facts = extract(chart.build(), order("72148", authored=AUTHORED))

    assert facts.unavailable == frozenset({ChartCategory.PATIENT})


@pytest.mark.parametrize(("birth", "age"), [
    ("2008", None),  # 17 or 18 on 2026-03-01: under 18 (R28) cannot be decided
    ("1975", None),  # 50 or 51: "over 50" (R9) cannot be decided
    ("1975-02", 51),  # 51 whatever the day
    ("1960", 65),  # 65 or 66: every age rule answers alike, so the youngest is used
    ("2000-06", 25),
])
def test_a_partial_birth_date_across_an_age_limit_leaves_the_age_unknown(chart, order, extract, birth, age):
    """§2: a birth year is a range of ages. Where the range straddles 18 or 50 the age rules cannot be
    decided, so the age is unknown (and said), never the youngest guess that silences R28 or R9."""
    chart.patient(birth).condition("M54.16", onset="2026-02-20")

    facts = extract(chart.build(), order("72148", authored=AUTHORED))

    assert facts.age_years == age
    assert (ChartCategory.BIRTH_DATE in facts.unavailable) is (age is None)
