"""Our delivery date for a parcel in transit, and the refresh that keeps lanes and dates fresh.

The worker does the work (porchlight.edd.lanes from delivered parcels, then every parcel in
flight); a page or an API call only reads the date stored on the shipment."""

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise.transactions import in_transaction

from porchlight.accounts.brand_settings import DeliveryPrediction, settings_of
from porchlight.edd.lanes import LEVELS, Lane, LaneBook, Milestone, Route, reached
from porchlight.edd.tallies import tallies
from porchlight.enums import Direction
from porchlight.enums import ShipmentStatus as S
from porchlight.models import Brand, EddLane, Order, Shipment, TrackingEvent
from porchlight.platform.clock import utcnow

BATCH = 500
IN_FLIGHT = [S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.FAILED_ATTEMPT, S.EXCEPTION]
LATEST_FIRST = (Milestone.OUT_FOR_DELIVERY, Milestone.DESTINATION, Milestone.FIRST_SCAN)


async def refresh_lanes(brand: Brand, now: datetime | None = None) -> int:
    """Relearn the brand's lanes from its delivered parcels; the number of lanes kept."""
    now = now or utcnow()
    chosen = settings_of(brand).delivery_prediction
    # Parcels alike (same route, milestone and days) come summed: a year of parcels travels a
    # few thousand routes, so the four levels are updated per kind, not per parcel.
    since = now - timedelta(weeks=chosen.history_weeks)
    book = LaneBook()
    for (route, milestone, days), (weight, count) in (
        await tallies(brand, since, now, chosen)
    ).items():
        book.learn(route, milestone, days, weight, int(count))
    rows = [
        EddLane(
            brand_id=brand.id,
            milestone=lane.milestone.value,
            level=lane.level,
            key=lane.key[:255],
            samples=lane.samples,
            histogram={str(d): round(w, 9) for d, w in sorted(lane.histogram.items())},
            refreshed_at=now,
        )
        for lane in book.lanes()
    ]
    async with in_transaction():
        await EddLane.filter(brand_id=brand.id).delete()
        await EddLane.bulk_create(rows, batch_size=1000)
    return len(rows)


@dataclass(frozen=True)
class Prediction:
    day: date
    confidence: float  # the share of the lane's parcels there by `day`: near the brand's
    milestone: Milestone
    lane: Lane

    @property
    def basis(self) -> str:
        """Which lane it came from, for agents: `country: dhl|parcel|DE (412 parcels)`."""
        return f"{LEVELS[self.lane.level]}: {self.lane.key} ({self.lane.samples})"


def draw(moment: datetime) -> float:
    """A parcel's own number in [0, 1) for `Lane.date_for`, from the time it reached a
    milestone: the same parcel gets the same date at every refresh, and scan times spread a
    lane's parcels evenly over the interval."""
    microseconds = int(moment.timestamp() * 1_000_000)
    return random.Random(microseconds).random()  # noqa: S311 - a spread, not a secret


def predict(
    route: Route,
    milestones: dict[Milestone, datetime],
    today: date,
    lanes: dict[tuple[Milestone, str], Lane],
    chosen: DeliveryPrediction,
) -> Prediction | None:
    """From the latest milestone reached whose lanes know enough parcels: the day by which a
    parcel like this one, not delivered yet today, arrives with (about) the chosen confidence.
    None when no lane knows enough, or the parcel is later than every parcel they saw."""
    calendar = route.calendar(chosen.delivery_days_by_carrier)
    for milestone in LATEST_FIRST:
        at = milestones.get(milestone)
        if at is None:
            continue
        lane = next(
            (
                lanes[(milestone, key)]
                for key in route.lane_keys
                if (milestone, key) in lanes
                and lanes[(milestone, key)].samples >= chosen.min_samples
            ),
            None,
        )
        if lane is None:
            continue
        start = route.day(at)
        elapsed = calendar.between(start, today)
        found = lane.date_for(chosen.confidence, at_least=elapsed, draw=draw(at))
        if found is None:
            continue
        days, share = found
        return Prediction(calendar.add(start, days), share, milestone, lane)
    return None


def _lane(row: EddLane) -> Lane:
    histogram = {int(d): float(w) for d, w in row.histogram.items()}
    return Lane(Milestone(row.milestone), row.level, row.key, row.samples, histogram)


async def stored_lanes(brand_id: int, route: Route) -> dict[tuple[Milestone, str], Lane]:
    """The lane rows for one parcel: every milestone and level, in one indexed query."""
    rows = await EddLane.filter(brand_id=brand_id, key__in=route.lane_keys)
    return {(Milestone(r.milestone), r.key): _lane(r) for r in rows}


async def _milestones(shipments: list[Shipment]) -> dict[str, dict[Milestone, datetime]]:
    """Each parcel's milestones so far, from one query over their scans."""
    scans: dict[str, list[tuple[str, str, str, datetime]]] = {}
    for number, *scan in await TrackingEvent.filter(
        tracking_number__in=[s.tracking_number for s in shipments],
        status__in=[S.IN_TRANSIT, S.OUT_FOR_DELIVERY],
    ).values_list("tracking_number", "status", "carrier_substatus", "message", "occurred_at"):
        scans.setdefault(number, []).append(tuple(scan))  # type: ignore[arg-type]
    return {
        s.tracking_number: reached(s.first_scan_at, scans.get(s.tracking_number, []))
        for s in shipments
    }


def route_of(shipment: Shipment, order: Order, brand: Brand) -> Route:
    return Route(
        carrier=shipment.carrier,
        service=shipment.service,
        node=shipment.fulfilment_node,
        country=str((order.destination or {}).get("country", "")).upper(),
        postcode=order.postcode,
        time_zone=order.customer.time_zone or brand.time_zone,
    )


@dataclass(frozen=True)
class Update:
    """A parcel's prediction before and after a refresh: what delay-risk reactions look at."""

    brand: Brand
    shipment: Shipment
    order: Order
    before: date | None
    after: Prediction | None

    @property
    def newly_at_risk(self) -> bool:
        """Our date now passes the promise, and did not before."""
        promise = self.order.promised_delivery_date
        if promise is None or self.after is None or self.after.day <= promise:
            return False
        return self.before is None or self.before <= promise


async def _apply(
    brand: Brand,
    parcels: list[tuple[Shipment, Order]],
    lanes: dict[tuple[Milestone, str], Lane],
    today: date | None,
) -> list[Update]:
    """Predict each parcel again and store its date on the shipment. Only outbound parcels in
    flight get one: a delivered or returned parcel keeps none."""
    chosen = settings_of(brand).delivery_prediction
    milestones = await _milestones([s for s, _ in parcels])
    updates = []
    for shipment, order in parcels:
        before, prediction = shipment.predicted_delivery, None
        if shipment.direction == Direction.OUTBOUND and shipment.status in IN_FLIGHT:
            route = route_of(shipment, order, brand)
            day = today or route.day(utcnow())
            prediction = predict(route, milestones[shipment.tracking_number], day, lanes, chosen)
        values = {
            "predicted_delivery": prediction.day if prediction else None,
            "predicted_confidence": prediction.confidence if prediction else None,
            "predicted_from": prediction.milestone.value if prediction else "",
            "predicted_lane": prediction.basis[:255] if prediction else "",
        }
        changed = [name for name, value in values.items() if getattr(shipment, name) != value]
        if changed:
            for name in changed:
                setattr(shipment, name, values[name])
            await shipment.save(update_fields=[*changed, "updated_at"])
        updates.append(Update(brand, shipment, order, before, prediction))
    return updates


async def update(shipment: Shipment, today: date | None = None) -> Update:
    """One parcel after it moved: reads only its own lanes."""
    order = await Order.get(id=shipment.order_id).select_related("brand", "customer")  # type: ignore[attr-defined]
    lanes = await stored_lanes(order.brand.id, route_of(shipment, order, order.brand))
    [done] = await _apply(order.brand, [(shipment, order)], lanes, today)
    return done


async def update_in_flight(brand: Brand, today: date | None = None) -> AsyncIterator[list[Update]]:
    """Every outbound parcel of the brand in flight (scanned in the last `history_weeks`), in
    batches, with the brand's lanes read once."""
    since = utcnow() - timedelta(weeks=settings_of(brand).delivery_prediction.history_weeks)
    lanes = {
        (Milestone(r.milestone), r.key): _lane(r) for r in await EddLane.filter(brand_id=brand.id)
    }
    query = Shipment.filter(
        brand_id=brand.id,
        direction=Direction.OUTBOUND,
        status__in=IN_FLIGHT,
        first_scan_at__gte=since,
    )
    last = 0
    while True:
        batch = (
            await query.filter(id__gt=last)
            .order_by("id")
            .limit(BATCH)
            .select_related("order__customer", "order__brand")  # a delay message needs both
        )
        if not batch:
            return
        last = batch[-1].id
        yield await _apply(brand, [(s, s.order) for s in batch], lanes, today)
