"""SLA clocks run in the brand's business hours: a case opened on Friday evening is not overdue
on Saturday morning. The calendar is the brand setting `business_hours`."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from porchlight.accounts.brand_settings import settings_of
from porchlight.models import Brand


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    start: int = 9
    end: int = 17
    days: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, brand: Brand) -> "Calendar":
        hours = settings_of(brand).business_hours
        return cls(
            zone=ZoneInfo(brand.time_zone or "UTC"),
            start=hours.start,
            end=hours.end,
            days=hours.days,
            holidays=hours.holidays,
        )

    def _windows(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows (opens, closes) from `moment` on, the first cut to start there."""
        local = moment.astimezone(self.zone)
        for offset in range(370):  # a year ahead at most, even for odd calendars
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.days or day in self.holidays:
                continue
            opens = datetime.combine(day, time(self.start), self.zone)
            closes = datetime.combine(day, time(self.end), self.zone)
            if closes > local:
                yield max(opens, local), closes
        raise ValueError("the brand's business calendar has no working hours")

    def add(self, moment: datetime, duration: timedelta) -> datetime:
        """`moment` plus `duration` of working time."""
        left = duration
        for opens, closes in self._windows(moment):
            if opens + left <= closes:
                return opens + left
            left -= closes - opens
        raise AssertionError("unreachable: _windows raises first")

    def end_of_day(self, moment: datetime) -> datetime:
        """Close of the business day `moment` falls in, or of the next one after hours."""
        return next(self._windows(moment))[1]
