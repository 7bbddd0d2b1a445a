"""The reporting period: whole calendar days in the site's time zone, turned into UTC instants for SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAYS = 30
MAX_DAYS = 366
EARLIEST, LATEST = date(1970, 1, 1), date(9998, 12, 31)  # far from date.min and date.max


@dataclass(frozen=True, slots=True)
class Period:
    """``start`` to ``end``, both days included, as the site's clock reads them."""

    start: date
    end: date
    zone: ZoneInfo

    @classmethod
    def choose(cls, start: date | None, end: date | None, zone: ZoneInfo, today: date) -> Period:
        """Default: the 30 days up to today. ``ValueError`` for a reversed or over-long period, or a day
        outside ``EARLIEST``–``LATEST`` (``end=0001-01-01`` once overflowed the date arithmetic: a 500)."""
        end = end or today
        if not EARLIEST <= end <= LATEST or (start is not None and not EARLIEST <= start <= LATEST):
            raise ValueError(f"choose days from {EARLIEST} to {LATEST}")
        start = start or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise ValueError("the start date is after the end date")
        if (end - start).days >= MAX_DAYS:
            raise ValueError(f"choose a period of at most {MAX_DAYS} days")
        return cls(start, end, zone)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), self.zone)

    @property
    def until(self) -> datetime:
        """The first instant after the period (midnight after ``end``)."""
        return datetime.combine(self.end + timedelta(days=1), time(), self.zone)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def slug(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"
