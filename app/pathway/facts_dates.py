"""Dates of the fact extraction (PATHWAY.md §2): the two date rules, calendar arithmetic, ISO onsets.

Two date rules run through every facts module, because FHIR dates may be partial (``2026-01``):

* evidence that *raises* concern (red flags) is kept unless it is **certainly** after the order date
  (``possibly_by``) — a partial or missing date never hides a red flag, nor does a moment written in
  another time zone whose written date is the day after the order's;
* evidence that *supports* a conclusion (onset, conservative care, prior imaging …) counts only when its
  whole period is **certainly** inside the window (``certainly_within``).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from app.chart.dates import FhirDate, parse_fhir_date

# An ISO 8601 date or dateTime, also with a space for the "T" or an offset without its colon (+0000), as
# exports written by Java and SQL libraries have them.
_ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)?)?")


def last_day(value: FhirDate) -> date:
    """The last calendar day a (possibly partial) FHIR date can mean: ``2026-02`` → 2026-02-28."""
    return value.last()


def possibly_by(value: FhirDate | None, limit: date) -> bool:
    """True unless ``value`` is certainly after ``limit`` (undated counts): for concern-raising evidence.
    A moment written in another zone than the order's may carry a later date for the same day
    (``days_ahead``: a fever at 21:30 in New York, written in UTC, is dated the next day); it is after the
    order only when it is so in every zone."""
    return value is None or earliest_day(value) <= limit


def earliest_day(value: FhirDate) -> date:
    """The earliest day a written date can be in the order's zone: its written day, a moment's written
    day less the days it may be ahead of the order's day (``FhirDate.days_ahead``)."""
    return shift(value.value, -value.days_ahead) if value.days_ahead else value.value


def certainly_within(value: FhirDate | None, start: date, end: date) -> bool:
    """True when the whole (possibly partial) date lies in [start, end]: for supporting evidence."""
    return value is not None and start <= value.value and last_day(value) <= end


def possibly_within(value: FhirDate | None, start: date, end: date) -> bool:
    """True unless ``value`` certainly lies outside [start, end] (undated counts): a measured red flag
    (a fever, a raised marker) whose date is missing or partial may still be recent (invariant 6)."""
    return value is None or (last_day(value) >= start and earliest_day(value) <= end)


def shift(day: date, days: float) -> date:
    """``day`` moved by ``days``, clamped to the calendar (a year-9999 date must not raise). Whole days
    by the ordinal (half the cost of building a ``timedelta``: every dated record of every call is
    shifted, ``earliest_day``)."""
    try:
        if days.__class__ is int:
            return date.fromordinal(day.toordinal() + int(days))
        return day + timedelta(days=days)
    except (OverflowError, ValueError):  # past either end of the calendar
        return date.max if days > 0 else date.min


def add_years(day: date, years: int) -> date:
    """Calendar anniversary; 29 February becomes 28 February in a common year (clamped to the calendar)."""
    year = min(max(day.year + years, 1), 9999)
    return day.replace(year=year, day=28) if (day.month, day.day) == (2, 29) and not calendar.isleap(year) \
        else day.replace(year=year)


def add_months(day: date, months: int) -> date:
    """Calendar month anniversary, clamped to the month's last day (31 January + 1 month = 28 February)."""
    index = min(max(day.year * 12 + day.month - 1 + months, 12), 9999 * 12 + 11)
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def whole_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def iso_onset_string(text: str | None) -> FhirDate | None:
    """``onsetString`` only when it is an ISO date/dateTime as a whole ("2026-01-15"); prose is not parsed."""
    if text is None or _ISO_DATE.fullmatch(text.strip()) is None:
        return None
    return parse_fhir_date(text)
