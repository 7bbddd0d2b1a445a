"""PURE (STYLE.md habit 1): FHIR date/dateTime values reduced to what the pathway needs, a calendar date
and its precision. Part of the chart model: the parsers date every view with it, and the pathway reads a
date written as text itself (an ISO ``onsetString``), so both sides share this one reading.

The clinical-data compromise: FHIR allows partial dates (``2024``, ``2024-03``) and dateTimes with any
offset. PATHWAY.md §2 counts whole calendar days "in the timestamp's own offset", so a dateTime is cut to
its written date, never converted to UTC or local time. A partial date keeps its precision so that callers
can refuse to count days from it (a year is not an onset date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

_DATE_PREFIX = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class Precision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"


@dataclass(frozen=True, slots=True, order=True)
class FhirDate:
    """A calendar date as written in the resource; ``value`` is the first day of a partial period."""

    value: date
    precision: Precision = Precision.DAY

    @property
    def is_exact(self) -> bool:
        return self.precision is Precision.DAY

    def isoformat(self) -> str:
        return self.value.isoformat()


def parse_fhir_date(text: object) -> FhirDate | None:
    """Parse a FHIR date, dateTime or instant; ``None`` for anything that is not one (never raises).

    Only the written date counts (no time, no offset), and ``_DATE_PREFIX`` reads at most its first ten
    characters, so the answer is memoised on those: a chart repeats the same days, and a frozen
    ``FhirDate`` is safe to share."""
    if not isinstance(text, str):
        return None
    return _parse_date_prefix(text.strip()[:10])


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
