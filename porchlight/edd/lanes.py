"""Transit-time distributions per lane, narrow to wide, learnt from delivered parcels.

A lane is looked at four ways, narrowest first: carrier + service + origin node + destination
postcode area, then carrier + service + destination country, carrier + service, carrier. A
prediction uses the narrowest one that has seen enough parcels. Each distribution counts
delivery days (porchlight.edd.calendar) from a milestone (the first scan, arrival at the
destination facility, out for delivery) to the delivered scan, each parcel weighted by how
recent it is: a lane that slowed down last month says so within weeks, not a year.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property

from porchlight.edd.calendar import DeliveryCalendar, calendar_for, local_day
from porchlight.enums import ShipmentStatus as S

LEVELS = ("node_area", "country", "service", "carrier")  # narrow to wide


class Milestone(StrEnum):
    FIRST_SCAN = "first_scan"
    DESTINATION = "destination"  # arrived at the destination facility
    OUT_FOR_DELIVERY = "out_for_delivery"


# How aggregators say "arrived at the destination facility": EasyPost's status_detail, else the
# carrier's own wording (the canonical statuses have no such step). Lower case, plain text:
# the refresh looks for the same phrases in SQL.
DESTINATION_CODES = ("arrived_at_destination",)
DESTINATION_PHRASES = (
    "destination facility",
    "destination depot",
    "destination hub",
    "destination center",
    "destination centre",
    "destination sort",
)


def destination_scan(status: str, substatus: str, message: str) -> bool:
    text = message.lower()
    return status == S.IN_TRANSIT and (
        substatus in DESTINATION_CODES or any(phrase in text for phrase in DESTINATION_PHRASES)
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


def calendar_of(
    carrier: str, country: str, delivery_days: dict[str, frozenset[int]]
) -> DeliveryCalendar:
    """The destination's calendar on the carrier's delivery weekdays (the brand's setting)."""
    weekdays = delivery_days.get(carrier.lower())
    return calendar_for(country, weekdays) if weekdays else calendar_for(country)


@dataclass(frozen=True)
class Route:
    """What picks a parcel's lanes and calendar: known when the label is made."""

    def __hash__(self) -> int:  # the dataclass's would hash six strings on every lookup
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash(
            (self.carrier, self.service, self.node, self.country, self.postcode, self.time_zone)
        )

    carrier: str
    service: str
    node: str
    country: str
    postcode: str
    time_zone: str | None

    @cached_property
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
        return calendar_of(self.carrier, self.country, delivery_days)

    def day(self, moment: datetime) -> date:
        return local_day(moment, self.time_zone)

    def transit(
        self, calendar: DeliveryCalendar, milestones: dict["Milestone", datetime], end: datetime
    ) -> list[tuple["Milestone", int]]:
        """Delivery days from each milestone reached to `end` (the delivered scan)."""
        last = self.day(end)
        return [(m, calendar.between(self.day(at), last)) for m, at in milestones.items()]


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

    def date_for(
        self, confidence: float, at_least: int = 0, draw: float = 0.0
    ) -> tuple[int, float] | None:
        """(days, share): a day count for a parcel of this lane, and the share of such parcels
        that arrived by then. Days are whole, so the share asked for is rarely there exactly:
        the first day whose share reaches it overshoots, and the nearest one misses either way
        by however the lane's days happen to fall. So the parcel gets the day before that
        first day or the first day itself, the earlier when its `draw` (a number in [0, 1) of
        its own, spread evenly over a lane's parcels) is below the chance that makes the two
        average out to the confidence: "80%" dates come true 80% of the time on any lane in
        expectation, not 83% on one and 76% on the next. The earlier day is offered only when
        some parcels arrived by it. None for a parcel already later than every one the lane
        has seen: no basis for a date."""
        rest = self._from(at_least)
        total = sum(w for _, w in rest)
        if not rest or total <= 0:
            return None
        before, running = 0.0, 0.0  # the share by the day before the one being looked at
        days, share = rest[-1][0], 1.0
        for day, weight in rest:
            running += weight
            if running / total >= confidence:
                days, share = day, min(running / total, 1.0)
                break
            before = running / total
        if before > 0 and draw < (share - confidence) / (share - before):
            return days - 1, before
        return days, share


@dataclass
class LaneBook:
    """Distributions being learnt, for every level of every lane seen."""

    counts: dict[tuple[Milestone, int, str], int] = field(default_factory=dict)
    weights: dict[tuple[Milestone, int, str], dict[int, float]] = field(default_factory=dict)

    def learn(
        self, route: Route, milestone: Milestone, days: int, weight: float, count: int = 1
    ) -> None:
        """`count` parcels of `route` took `days` from `milestone`, weighing `weight` in all."""
        for level, key in enumerate(route.lane_keys):
            slot = (milestone, level, key)
            self.counts[slot] = self.counts.get(slot, 0) + count
            histogram = self.weights.setdefault(slot, {})
            histogram[days] = histogram.get(days, 0.0) + weight

    def for_route(self, route: Route) -> dict[tuple[Milestone, str], Lane]:
        """What `predict` reads for one parcel, as `stored_lanes` gives it from the table."""
        found = {}
        for milestone in Milestone:
            for level, key in enumerate(route.lane_keys):
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


class Calendars(dict[Route, DeliveryCalendar]):
    """Each route's delivery calendar, looked up once per route rather than once per parcel."""

    def __init__(self, delivery_days: dict[str, frozenset[int]]) -> None:
        super().__init__()
        self.delivery_days = delivery_days

    def __missing__(self, route: Route) -> DeliveryCalendar:
        self[route] = route.calendar(self.delivery_days)
        return self[route]
