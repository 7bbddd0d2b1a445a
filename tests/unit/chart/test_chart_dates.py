"""FHIR dates as the pathway reads them (app/chart/dates.py): the written calendar date and its precision."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.chart.dates import FhirDate, Precision, parse_fhir_date


def _reference_parse(text: object) -> FhirDate | None:
    """The rule written out another way (no regex, no memo): a year, then optionally -month, then
    optionally -day, read from the start of the stripped text; anything after is ignored."""
    if not isinstance(text, str):
        return None
    written = text.strip()
    parts = [written[:4], written[5:7] if written[4:5] == "-" else "", ""]
    parts[2] = written[8:10] if parts[1] and written[7:8] == "-" else ""
    year, month, day = (part if len(part) == size and part.isdecimal() else "" for part, size in
                        zip(parts, (4, 2, 2), strict=True))
    if not year:
        return None
    try:
        if month and day:
            return FhirDate(date(int(year), int(month), int(day)))
        if month:
            return FhirDate(date(int(year), int(month), 1), Precision.MONTH)
        return FhirDate(date(int(year), 1, 1), Precision.YEAR)
    except ValueError:
        return None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01", FhirDate(date(2026, 3, 1))),
        ("2026-03-01T23:30:00-05:00", FhirDate(date(2026, 3, 1))),  # the written day, not UTC's
        (" 2026-03-01T01:00:00Z ", FhirDate(date(2026, 3, 1))),
        ("2026-03", FhirDate(date(2026, 3, 1), Precision.MONTH)),
        ("2026", FhirDate(date(2026, 1, 1), Precision.YEAR)),
        ("2026-02-30", None),
        ("2026-13", None),
        ("March 2026", None),
        ("", None),
        (20260301, None),
        (None, None),
    ],
)
def test_dates_are_read_as_written(text: object, expected: FhirDate | None) -> None:
    assert parse_fhir_date(text) == expected


_TIME = r"T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?"
_DATE_LIKE = st.from_regex(rf"\s?\d{{4}}(-\d{{2}}(-\d{{2}}({_TIME})?)?)?\s?", fullmatch=True)


@given(st.one_of(_DATE_LIKE, st.text(max_size=40)))
def test_memoised_parse_gives_what_the_rule_gives(text: str) -> None:
    # Parsed twice: the second answer comes from the memo, and must still be the rule's.
    assert parse_fhir_date(text) == _reference_parse(text)
    assert parse_fhir_date(text) == _reference_parse(text)


def test_same_day_at_different_times_is_one_shared_value() -> None:
    noon, evening = parse_fhir_date("2025-06-02T14:00:00Z"), parse_fhir_date("2025-06-02T20:15:00+02:00")
    early, night = parse_fhir_date("2025-06-02T08:00:00Z"), parse_fhir_date("2025-06-02T01:15:00-02:00")

    assert noon is evening
    assert early is night


@pytest.mark.parametrize(("text", "ahead"), [
    ("2026-03-11T02:30:00Z", 1),  # 21:30 the evening before in New York
    ("2026-03-11T02:30:00.123456789Z", 1),
    ("2026-03-11 02:30:00+0000", 1),  # a space for the "T", an offset without its colon
    ("2026-03-11T11:59:00Z", 1),  # 23:59 the day before at UTC-12:00
    ("2026-03-11T12:00:00Z", 0),  # the 11th in every zone
    ("2026-03-11T01:00:00-05:00", 1),
    ("2026-03-10T22:00:00-05:00", 0),
    ("2026-03-12T01:00:00+14:00", 2),  # 23:00 on the 10th at UTC-12:00
    ("2026-03-10T23:59:60Z", 0),  # a leap second
    ("2026-03-11T02:30:00", 0),  # no zone: the EHR's own local time, as written
    ("2026-03-11", 0),
    ("2026-03", 0),
])
def test_a_moment_knows_how_many_days_its_written_date_may_be_ahead(text: str, ahead: int) -> None:
    """docs/pathway-facts.md §1: a moment written in UTC in the evening of the Americas carries the next
    day's date; the concern-raising date rule reads it on the day it may be in the order's zone."""
    found = parse_fhir_date(text)

    assert found is not None and found.days_ahead == ahead
    assert found == parse_fhir_date(text[:10])  # the written day is still the date
