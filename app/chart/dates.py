"""PURE (STYLE.md habit 1): FHIR date/dateTime values reduced to what the pathway needs, a calendar date
and its precision. Part of the chart model: the parsers date every view with it, and the pathway reads a
date written as text itself (an ISO ``onsetString``), so both sides share this one reading.

The clinical-data compromise: FHIR allows partial dates (``2024``, ``2024-03``) and dateTimes with any
offset. PATHWAY.md §2 counts whole calendar days "in the timestamp's own offset", so a dateTime is cut to
its written date, never converted to UTC or local time. A partial date keeps its precision so that callers
can refuse to count days from it (a year is not an onset date). A dateTime written with its zone also
keeps ``days_ahead``: how many days its written date may be ahead of the order's day for the same moment
(a fever at 21:30 in New York written in UTC is dated the next day), which the concern-raising date rule
reads so that a moment on the order's day in its zone is never "after the order" (docs/pathway-facts.md §1).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache

_DATE_PREFIX = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
# What follows a full date: a time of day (seconds, fractions and a leap second "60" are not needed) and
# its zone, also written with a space for the "T" or without the offset's colon, as Java and SQL write it.
_TIME_AND_ZONE = re.compile(r"[T ](\d{2}):(\d{2})(?::\d{2}(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})$")
# The zones a moment's day is read in: UTC-12:00 to UTC+14:00, in minutes.
_WESTMOST_ZONE = -12 * 60
_MINUTES_PER_DAY = 24 * 60


class Precision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"


@dataclass(frozen=True, slots=True, order=True)
class FhirDate:
    """A calendar date as written in the resource; ``value`` is the first day of a partial period."""

    value: date
    precision: Precision = Precision.DAY
    # Not part of the date's identity: the same written day compares equal whatever time it was written at.
    days_ahead: int = field(default=0, compare=False)

    @property
    def is_exact(self) -> bool:
        return self.precision is Precision.DAY

    def isoformat(self) -> str:
        return self.value.isoformat()

    def last(self) -> date:
        """The last calendar day it can mean: ``2026-02`` → 2026-02-28, ``2026`` → 2026-12-31."""
        if self.precision is Precision.YEAR:
            return date(self.value.year, 12, 31)
        if self.precision is Precision.MONTH:
            year, month = self.value.year, self.value.month
            return date(year, month, calendar.monthrange(year, month)[1])
        return self.value


def parse_fhir_date(text: object) -> FhirDate | None:
    """Parse a FHIR date, dateTime or instant; ``None`` for anything that is not one (never raises).

    Only the written date counts (no time, no offset), and ``_DATE_PREFIX`` reads at most its first ten
    characters, so the answer is memoised on those: a chart repeats the same days, and a frozen
    ``FhirDate`` is safe to share."""
    if not isinstance(text, str):
        return None
    written = text.strip()
    day = _parse_date_prefix(written[:10])
    if day is None or len(written) <= 10 or not day.is_exact:
        return day
    ahead = _days_ahead(written[10:40])
    return _ahead_of(day, ahead) if ahead else day


@lru_cache(maxsize=8192)  # bounded: one shared value per (day, 1 or 2), as ``_parse_date_prefix``
def _ahead_of(day: FhirDate, ahead: int) -> FhirDate:
    return FhirDate(day.value, day.precision, ahead)


@lru_cache(maxsize=8192)  # bounded: keys of at most 30 characters; a chart repeats its times of day
def _days_ahead(time: str) -> int:
    """How many days the written date of a moment may be ahead of its date in another zone (0 to 2): the
    moment's date read in UTC-12:00, the westmost zone, is the earliest any order's day can give it. A time
    without a zone is read as written (the EHR's own local time); anything else that is no time gives 0."""
    found = _TIME_AND_ZONE.match(time)
    if found is None:
        return 0
    hours, minutes, zone = found.groups()
    offset = 0 if zone == "Z" else int(zone[0] + "1") * (int(zone[1:3]) * 60 + int(zone[-2:]))
    utc_minute = int(hours) * 60 + int(minutes) - offset
    return max(0, -((utc_minute + _WESTMOST_ZONE) // _MINUTES_PER_DAY))


@lru_cache(maxsize=8192)  # bounded: ten-character keys, well under a megabyte
def _parse_date_prefix(prefix: str) -> FhirDate | None:
    match = _DATE_PREFIX.match(prefix)
    if match is None:
        return None
    year, month, day = match.groups()
    try:
        if day is not None:
            return FhirDate(date(int(year), int(month), int(day)))
        if month is not None:
            return FhirDate(date(int(year), int(month), 1), Precision.MONTH)
        return FhirDate(date(int(year), 1, 1), Precision.YEAR)
    except ValueError:
        return None
