"""Delivery days: the destination country's working days on which the carrier delivers.

Transit times are counted in these days, not calendar days, so a parcel scanned on a Friday
before a public holiday is not "slow" for the weekend and the holiday it spent in a depot, and
a lane's history carries over from one season's calendar to the next."""

from bisect import bisect_left, bisect_right
from collections.abc import Container, Iterable
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WEEKDAYS = frozenset(range(5))  # Monday to Friday: a carrier's days unless the brand says more
FIRST_YEAR, LAST_YEAR = 2015, 2040  # the span a calendar indexes; outside it, weekdays only


class DeliveryCalendar:
    """One country's holidays and one carrier's delivery weekdays, indexed once so counting and
    adding days cost a binary search however far apart the dates are."""

    def __init__(self, country: str, weekdays: Iterable[int] = WEEKDAYS) -> None:
        self.country = country.upper()
        self.weekdays = frozenset(weekdays) or WEEKDAYS
        off: Container[date]
        try:
            off = holidays.country_holidays(self.country, years=range(FIRST_YEAR, LAST_YEAR + 1))
        except NotImplementedError:  # a country the package does not know: weekdays only
            off = frozenset()
        start, end = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
        self._days = [
            day
            for day in (start + timedelta(days=n) for n in range((end - start).days + 1))
            if day.weekday() in self.weekdays and day not in off
        ]

    def is_delivery_day(self, day: date) -> bool:
        i = bisect_left(self._days, day)
        return i < len(self._days) and self._days[i] == day

    def rank(self, day: date) -> int:
        """Delivery days up to and including `day` since the indexed span began: the
        difference of two ranks counts the days between (the lane refresh's SQL joins them)."""
        return bisect_right(self._days, day)

    def between(self, start: date, end: date) -> int:
        """Delivery days after `start` up to and including `end`: 0 for the same day."""
        if end <= start:
            return 0
        return self.rank(end) - self.rank(start)

    def add(self, start: date, days: int) -> date:
        """The `days`-th delivery day after `start` (`start` itself for 0)."""
        if days <= 0:
            return start
        i = bisect_right(self._days, start) + days - 1
        if i < len(self._days):
            return self._days[i]
        return start + timedelta(days=days)  # beyond the indexed span: calendar days


@cache
def calendar_for(country: str, weekdays: frozenset[int] = WEEKDAYS) -> DeliveryCalendar:
    return DeliveryCalendar(country, weekdays)


@cache
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_known(name: str) -> bool:
    return _zone(name) is not None


def local_day(moment: datetime, time_zone: str | None) -> date:
    """The day a moment falls on where the parcel is going (UTC when the zone is unknown)."""
    if not time_zone or time_zone == "UTC":  # stored times are UTC already
        return moment.date()
    zone = _zone(time_zone)
    return moment.astimezone(zone).date() if zone else moment.date()
