"""Transit-time distributions per lane, narrow to wide, learnt from delivered parcels.

A lane is looked at four ways, narrowest first: carrier + service + origin node + destination
postcode area, then carrier + service + destination country, carrier + service, carrier. A
prediction uses the narrowest one that has seen enough parcels. Each distribution counts
delivery days (porchlight.edd.calendar) from a milestone (the first scan, arrival at the
destination facility, out for delivery) to the delivered scan, each parcel weighted by how
recent it is: a lane that slowed down last month says so within weeks, not a year.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from porchlight.edd.calendar import DeliveryCalendar, calendar_for, local_day
from porchlight.enums import ShipmentStatus as S

LEVELS = ("node_area", "country", "service", "carrier")  # narrow to wide


class Milestone(StrEnum):
    FIRST_SCAN = "first_scan"
    DESTINATION = "destination"  # arrived at the destination facility
    OUT_FOR_DELIVERY = "out_for_delivery"


# How aggregators say "arrived at the destination facility": EasyPost's status_detail, else the
# carrier's own wording (the canonical statuses have no such step).
DESTINATION_CODES = ("arrived_at_destination",)
DESTINATION_TEXT = re.compile(r"destination (facility|depot|hub|cent(er|re)|sort)", re.I)


def destination_scan(status: str, substatus: str, message: str) -> bool:
    return status == S.IN_TRANSIT and (
        substatus in DESTINATION_CODES or bool(DESTINATION_TEXT.search(message))
    )


def reached(
    first_scan_at: datetime | None, scans: Iterable[tuple[str, str, str, datetime]]
) -> dict[Milestone, datetime]:
    """When a parcel first reached each milestone, from its (status, substatus, message, time)."""
    times: dict[Milestone, datetime] = {}
    if first_scan_at is not None:
        times[Milestone.FIRST_SCAN] = first_scan_at
    for status, substatus, message, at in sorted(scans, key=lambda s: s[3]):
        if status == S.OUT_FOR_DELIVERY:
            times.setdefault(Milestone.OUT_FOR_DELIVERY, at)
        elif destination_scan(status, substatus, message):
            times.setdefault(Milestone.DESTINATION, at)
    return times


@dataclass(frozen=True)
class Route:
    """What picks a parcel's lanes and calendar: known when the label is made."""

    carrier: str
    service: str
    node: str
    country: str
    postcode: str
    time_zone: str | None

    def lane_keys(self) -> list[str]:
        """The lane keys, narrowest first (the postcode area is its first two characters)."""
        area = "".join(ch for ch in self.postcode.upper() if ch.isalnum())[:2]
        c, s = self.carrier.lower(), self.service.lower()
        return [
            f"{c}|{s}|{self.node}|{self.country}|{area}",
            f"{c}|{s}|{self.country}",
            f"{c}|{s}",
            c,
        ]

    def calendar(self, delivery_days: dict[str, frozenset[int]]) -> DeliveryCalendar:
        weekdays = delivery_days.get(self.carrier.lower())
        return calendar_for(self.country, weekdays) if weekdays else calendar_for(self.country)

    def day(self, moment: datetime) -> date:
        return local_day(moment, self.time_zone)


@dataclass(frozen=True)
class Lane:
    """One lane's distribution: delivery days → (recency-weighted) share of parcels."""

    milestone: Milestone
    level: int
    key: str
    samples: int
    histogram: dict[int, float]

    def _from(self, at_least: int) -> list[tuple[int, float]]:
        """The distribution of parcels not delivered before `at_least` days had passed."""
        return sorted((d, w) for d, w in self.histogram.items() if d >= at_least and w > 0)

    def quantile(self, confidence: float, at_least: int = 0) -> int:
        """The fewest days by which `confidence` of such parcels had arrived; a parcel already
        later than every one seen is expected on the next day."""
        rest = self._from(at_least)
        total = sum(w for _, w in rest)
        if not rest:
            return at_least
        running = 0.0
        for days, weight in rest:
            running += weight
            if running >= confidence * total - 1e-9:
                return days
        return rest[-1][0]

    def chance_by(self, days: int, at_least: int = 0) -> float:
        """How likely arrival within `days`, for a parcel not there after `at_least`."""
        rest = self._from(at_least)
        total = sum(w for _, w in rest)
        if not rest:
            return 0.0
        return sum(w for d, w in rest if d <= days) / total


@dataclass
class LaneBook:
    """Distributions being learnt, for every level of every lane seen."""

    counts: dict[tuple[Milestone, int, str], int] = field(default_factory=dict)
    weights: dict[tuple[Milestone, int, str], dict[int, float]] = field(default_factory=dict)

    def learn(self, route: Route, milestone: Milestone, days: int, weight: float) -> None:
        for level, key in enumerate(route.lane_keys()):
            slot = (milestone, level, key)
            self.counts[slot] = self.counts.get(slot, 0) + 1
            histogram = self.weights.setdefault(slot, {})
            histogram[days] = histogram.get(days, 0.0) + weight

    def for_route(self, route: Route) -> dict[tuple[Milestone, str], Lane]:
        """What `predict` reads for one parcel, as `stored_lanes` gives it from the table."""
        found = {}
        for milestone in Milestone:
            for level, key in enumerate(route.lane_keys()):
                slot = (milestone, level, key)
                if slot in self.counts:
                    found[(milestone, key)] = Lane(
                        milestone, level, key, self.counts[slot], self.weights[slot]
                    )
        return found

    def lanes(self) -> list[Lane]:
        return [
            Lane(milestone, level, key, self.counts[slot], self.weights[slot])
            for slot in self.counts
            for milestone, level, key in [slot]
        ]
