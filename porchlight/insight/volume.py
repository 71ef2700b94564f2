"""A year of synthetic traffic for one brand, at a mid-size retailer's scale by default
(1,000,000 shipments, 10 events each, 5% with a case, 3% with a WISMO contact): what the KPI
dashboard, the sweep and the delivery-date backtest are measured on. Deterministic for a given
seed; written in batches.

Transit times are not uniform noise: each lane has its own (carrier, service, the distance from
node to destination country, a rural postcode area), counted in the destination's delivery
days, so weekends and public holidays fall where they should; parcels scanned on a Friday or
Monday wait a little more, the weeks before Christmas slow everything down, and two lanes get
slower from July on. Carriers give a date at the first scan from their own timetable: a bit
optimistic, and blind to the peak and to the lanes that degraded. All of it is synthetic.
"""

import random
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise import Tortoise

from porchlight.accounts.brand_settings import stored, validate_settings
from porchlight.accounts.brands import create_brand
from porchlight.edd.calendar import calendar_for
from porchlight.enums import (
    CaseSource,
    CaseState,
    Channel,
    CloseCode,
    ContactReason,
    Direction,
    EventSource,
    ExceptionType,
    NotificationStatus,
    ShipmentStatus,
    Trigger,
)
from porchlight.models import (
    Brand,
    Case,
    CaseEntry,
    Contact,
    Customer,
    Notification,
    Order,
    PageViewDay,
    Shipment,
    ShipmentItem,
    TrackingEvent,
)

BATCH = 2000
ANALYZE_EVERY = 100_000
EVENTS_PER_SHIPMENT = 10
CASE_SHARE = 0.05
CONTACT_SHARE = 0.03
NODES = ["WH-BER-1", "WH-HAM-2", "3PL-RTM", "3PL-LEJ"]
NODE_COUNTRY = {"WH-BER-1": "DE", "WH-HAM-2": "DE", "3PL-RTM": "NL", "3PL-LEJ": "DE"}
CARRIERS = ["dhl", "dpd", "ups", "gls"]
# The delivery exceptions a synthetic case has (no shopper rated these synthetic deliveries).
DELIVERY_EXCEPTIONS = [t for t in ExceptionType if t != ExceptionType.LOW_RATING]
SKUS = [f"SKU-{i:03d}" for i in range(200)]
# Names and German mobile numbers, so agent search is measured on realistic customers.
FIRST_NAMES = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannes", "Ida", "Jonas"]
LAST_NAMES = ["Schmidt", "Meyer", "Weber", "Wagner", "Becker", "Hoffmann", "Koch", "Richter"]
# Destination country: share of parcels, and postcodes (the last of each is rural: slower).
DESTINATIONS = {
    "DE": (0.55, ["10115", "20095", "50667", "80331", "01067", "17489"]),
    "AT": (0.12, ["1010", "4020", "8010", "6991"]),
    "NL": (0.13, ["1012", "3011", "5611", "9901"]),
    "FR": (0.12, ["75001", "69001", "13001", "29200"]),
    "BE": (0.08, ["1000", "2000", "9000", "6600"]),
}
# Delivery days from node country to destination country, before everything else.
DISTANCE = {
    ("DE", "DE"): 1.0,
    ("DE", "AT"): 2.0,
    ("DE", "NL"): 2.0,
    ("DE", "BE"): 2.3,
    ("DE", "FR"): 2.8,
    ("NL", "DE"): 1.8,
    ("NL", "AT"): 2.8,
    ("NL", "NL"): 0.8,
    ("NL", "BE"): 1.2,
    ("NL", "FR"): 2.4,
}
CARRIER_EXTRA = {"dhl": 0.2, "dpd": 0.4, "ups": 0.0, "gls": 0.7}
SERVICES = {"standard": 0.0, "express": -0.8}
DEGRADED = {("dpd", "FR"), ("gls", "AT")}  # slower by a day and a half from July on
MESSAGE_DESTINATION = "Arrived at destination facility"
# Label, first scan, 5 hub scans, destination facility, out for delivery, delivered.
JOURNEY = [
    ShipmentStatus.LABEL_CREATED,
    *[ShipmentStatus.IN_TRANSIT] * (EVENTS_PER_SHIPMENT - 3),
    ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED,
]


@dataclass(frozen=True)
class Shape:
    """How the history is spread: over how many days, with tracking numbers under which prefix
    (they must not meet another brand's), and how many page views a day."""

    days: float = 364
    prefix: str = "V"
    views: tuple[int, int] = (2000, 9000)


YEAR = Shape()


@dataclass(frozen=True)
class Trip:
    """One synthetic parcel's route and times."""

    carrier: str
    service: str
    node: str
    country: str
    postcode: str
    shipped: datetime
    scanned: datetime
    at_destination: datetime
    out_for_delivery: datetime
    delivered: datetime
    carrier_date: date | None


def _peak(day: date) -> float:
    """Extra days in the weeks before Christmas, worst in mid-December."""
    start, worst = date(day.year, 11, 20), date(day.year, 12, 14)
    if not start <= day <= date(day.year, 12, 24):
        return 0.0
    return 1.6 * min((day - start).days / (worst - start).days, 1.0)


def _trip(rng: random.Random, shipped: datetime) -> Trip:
    carrier = rng.choice(CARRIERS)
    service = "express" if rng.random() < 0.2 else "standard"
    node = rng.choice(NODES)
    country = rng.choices(list(DESTINATIONS), [share for share, _ in DESTINATIONS.values()])[0]
    postcodes = DESTINATIONS[country][1]
    postcode = rng.choice(postcodes)
    calendar = calendar_for(country)
    scanned = shipped + timedelta(hours=rng.choice([2, 6, 12, 20, 30, 50]))
    day = scanned.date()
    # What the carrier's timetable says for this route: its date at the first scan.
    timetable = max(
        DISTANCE[(NODE_COUNTRY[node], country)] + CARRIER_EXTRA[carrier] + SERVICES[service],
        0.0,
    )
    slow = 0.8 if postcode == postcodes[-1] else 0.0
    slow += 0.35 if day.weekday() in (0, 4) else 0.0  # Monday backlog, Friday's late trucks
    slow += _peak(day)
    slow += 1.5 if (carrier, country) in DEGRADED and day >= date(day.year, 7, 1) else 0.0
    days = max(round(timetable + slow + rng.gammavariate(1.6, 0.45) - 0.5), 0)
    arrival = calendar.add(day, days)
    delivered = datetime.combine(arrival, time(9), UTC) + timedelta(hours=rng.uniform(0, 9))
    delivered = max(delivered, scanned + timedelta(hours=3))
    out_for_delivery = delivered - timedelta(hours=rng.uniform(1, 6))
    at_destination = out_for_delivery - timedelta(hours=rng.uniform(4, 16))
    at_destination = min(max(at_destination, scanned), out_for_delivery)
    # Carriers quote their timetable, a day early three times in ten: optimistic, as they are.
    promised = max(round(timetable + 0.5) - (rng.random() < 0.3), 1)
    carrier_date = calendar.add(day, promised) if rng.random() < 0.85 else None
    return Trip(
        carrier,
        service,
        node,
        country,
        postcode,
        shipped,
        scanned,
        at_destination,
        min(out_for_delivery, delivered),
        delivered,
        carrier_date,
    )


async def seed_volume(
    slug: str,
    shipments: int,
    *,
    seed: int = 7,
    now: datetime | None = None,
    shape: Shape = YEAR,
) -> AsyncIterator[int]:
    """Create the brand (or add to it) and its data; yields how many shipments are done after
    each batch. `porchlight demo` gives its brands 13 weeks of a small shop this way."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by design
    now = now or datetime.now(UTC)
    brand = await Brand.get_or_none(slug=slug) or await _new_brand(slug)
    done = await Shipment.filter(
        brand=brand, tracking_number__startswith=f"{shape.prefix}T"
    ).count()
    while done < shipments:
        size = min(BATCH, shipments - done)
        await _batch(brand, rng, done, size, now, shape)
        done += size
        if done % ANALYZE_EVERY < BATCH:
            await _analyze()
        yield done
    await _page_views(brand, rng, now, shape)
    await _analyze()


async def _new_brand(slug: str) -> Brand:
    """A German shop: its customers' numbers typed nationally (0151 …) are read as German."""
    brand = await create_brand(slug, slug.title(), [f"{slug}.volume.invalid"])
    brand.settings = stored(validate_settings({"country": "DE"}))
    await brand.save(update_fields=["settings"])
    return brand


async def _analyze() -> None:
    """Fresh planner statistics: tables that grew from nothing otherwise get sequential scans
    (seen here: seeding fell from ~1,800 to ~100 shipments/s at 190,000 without it)."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script("ANALYZE")


def _phone(i: int) -> str:
    return f"+49151{i:08d}"


async def _batch(
    brand: Brand, rng: random.Random, start: int, size: int, now: datetime, shape: Shape
) -> None:
    numbers = [f"{shape.prefix}-{i:08d}" for i in range(start, start + size)]
    await Customer.bulk_create(
        [
            Customer(
                brand=brand,
                email=f"c{i}@volume.invalid",
                name=f"{FIRST_NAMES[i % 10]} {LAST_NAMES[i // 10 % 8]} {i}",
                phone=_phone(i),
            )
            for i in range(start, start + size)
        ],
        ignore_conflicts=True,  # a run stopped mid-batch left some: resume over them
    )
    # Each batch's rows are read back by a range of their numbered keys: an IN list of 2,000
    # parameters gets a generic plan that compares every row with every value (seen here: 30 s
    # to a minute per lookup from 140,000 shipments on, and the seeding crawled).
    customers = dict(
        await Customer.filter(
            brand=brand, phone__gte=_phone(start), phone__lte=_phone(start + size - 1)
        ).values_list("phone", "id")
    )
    trips = [_trip(rng, now - timedelta(days=rng.uniform(1, shape.days))) for _ in numbers]
    await Order.bulk_create(
        [
            Order(
                brand=brand,
                customer_id=customers[_phone(start + k)],
                number=number,
                access_token=secrets.token_urlsafe(24),
                destination={"country": trip.country, "postcode": trip.postcode},
                postcode=trip.postcode,
                flags=["vip"] if rng.random() < 0.02 else [],
            )
            for k, (number, trip) in enumerate(zip(numbers, trips, strict=True))
        ],
        ignore_conflicts=True,
    )
    orders = dict(
        await Order.filter(
            brand=brand, number__gte=numbers[0], number__lte=numbers[-1]
        ).values_list("number", "id")
    )
    rows, events, plans = [], [], []
    for k, (number, trip) in enumerate(zip(numbers, trips, strict=True)):
        in_flight = trip.delivered > now
        tracking = f"{shape.prefix}T{brand.id}-{start + k:09d}"  # unique across seeded brands
        rows.append(
            Shipment(
                brand=brand,
                order_id=orders[number],
                direction=Direction.OUTBOUND,
                carrier=trip.carrier,
                service=trip.service,
                tracking_number=tracking,
                fulfilment_node=trip.node,
                lane=f"{NODE_COUNTRY[trip.node]}-{trip.country}",
                shipped_at=trip.shipped,
                first_scan_at=min(trip.scanned, now),
                last_event_at=min(trip.delivered, now),
                delivered_at=None if in_flight else trip.delivered,
                status=ShipmentStatus.IN_TRANSIT if in_flight else ShipmentStatus.DELIVERED,
            )
        )
        hubs = (trip.at_destination - trip.scanned) / (EVENTS_PER_SHIPMENT - 4)
        times = [
            trip.shipped,
            *[trip.scanned + hubs * i for i in range(EVENTS_PER_SHIPMENT - 4)],
            trip.at_destination,
            trip.out_for_delivery,
            trip.delivered,
        ]
        events += [
            (
                trip.carrier_date if i == 1 else None,
                tracking,
                when,
                status.value,
                MESSAGE_DESTINATION if i == EVENTS_PER_SHIPMENT - 3 else f"scan {i}",
                f"{tracking}-{i}",
            )
            for i, (status, when) in enumerate(zip(JOURNEY, times, strict=True))
            if when <= now
        ]
        plans.append((tracking, trip.shipped, trip.delivered, orders[number]))
    await Shipment.bulk_create(rows)
    await _store_events(events, now)
    ids = dict(
        await Shipment.filter(
            brand=brand, tracking_number__gte=plans[0][0], tracking_number__lte=plans[-1][0]
        ).values_list("tracking_number", "id")
    )
    await ShipmentItem.bulk_create(
        [ShipmentItem(shipment_id=ids[p[0]], sku=rng.choice(SKUS)) for p in plans]
    )
    await _cases_and_contacts(brand, rng, plans, ids, now)


EVENT_COLUMNS = (
    "estimated_delivery",
    "source",
    "tracking_number",
    "carrier",
    "occurred_at",
    "occurred_offset",
    "received_at",
    "status",
    "carrier_status",
    "carrier_substatus",
    "message",
    "location",
    "fingerprint",
    "raw_payload",
    "signed_by",
)


async def _store_events(events: list[tuple[Any, ...]], now: datetime) -> None:
    """Events are nine rows in ten: plain tuples (estimated delivery, tracking number, time,
    status, message, fingerprint), not models (building ten million of those cost more than
    storing them); on PostgreSQL they go in with COPY, not INSERTs."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect != "postgres":
        await TrackingEvent.bulk_create(
            [
                TrackingEvent(
                    source=EventSource.EASYPOST,
                    tracking_number=tracking,
                    occurred_at=when,
                    status=status,
                    message=message,
                    estimated_delivery=estimated,
                    fingerprint=fingerprint,
                )
                for estimated, tracking, when, status, message, fingerprint in events
            ],
            batch_size=BATCH,
        )
        return
    source = EventSource.EASYPOST.value
    records = [
        (
            estimated,
            source,
            tracking,
            "",
            when,
            "",
            now,
            status,
            "",
            "",
            message,
            "{}",
            mark,
            "{}",
            "",
        )
        for estimated, tracking, when, status, message, mark in events
    ]
    async with conn.acquire_connection() as raw:  # type: ignore[attr-defined]
        await raw.copy_records_to_table("tracking_event", records=records, columns=EVENT_COLUMNS)


async def _cases_and_contacts(
    brand: Brand,
    rng: random.Random,
    plans: list[tuple[str, datetime, datetime, int]],
    ids: dict[str, int],
    now: datetime,
) -> None:
    cases, contacts = [], []
    for tracking, shipped, _delivered, order_id in plans:
        if rng.random() < CASE_SHARE:
            opened = min(shipped + timedelta(days=rng.uniform(0.5, 5)), now)
            first = opened + timedelta(hours=rng.uniform(0.2, 12))
            closed = first + timedelta(hours=rng.uniform(1, 96))
            is_closed = closed < now
            cases.append(
                Case(
                    brand=brand,
                    shipment_id=ids[tracking],
                    type=rng.choice(DELIVERY_EXCEPTIONS),
                    source=CaseSource.RULE,
                    state=CaseState.CLOSED if is_closed else CaseState.OPEN,
                    opened_at=opened,
                    sla_due_at=opened + timedelta(hours=rng.choice([2, 4, 8])),
                    resolution_due_at=opened + timedelta(days=5),
                    next_due_at=opened + timedelta(days=5),
                    first_action_at=first if first < now else None,
                    closed_at=closed if is_closed else None,
                    close_code=rng.choice(list(CloseCode)) if is_closed else None,
                    open_key=None if is_closed else f"{ids[tracking]}:volume",
                )
            )
        if rng.random() < CONTACT_SHARE:
            contacts.append(
                Contact(
                    brand=brand,
                    order_id=order_id,
                    channel=rng.choice(["phone", "email", "chat"]),
                    reason=ContactReason.WISMO,
                    occurred_at=min(shipped + timedelta(days=rng.uniform(1, 6)), now),
                )
            )
    await Case.bulk_create(cases)
    await Contact.bulk_create(contacts)
    await _answers(brand, rng, [c.shipment_id for c in cases], plans)  # type: ignore[attr-defined]


# What agents and the notifier did about the cases: a refund or reship for some (the
# refund/reship rate), a delay message for most delays (proactive coverage).
ANSWERED = {
    ExceptionType.DAMAGE_REPORTED,
    ExceptionType.DELIVERED_NOT_RECEIVED,
    ExceptionType.RETURN_TO_SENDER,
}
REFUND_SHARE = 0.4
DELAY_TOLD_SHARE = 0.7


async def _answers(
    brand: Brand,
    rng: random.Random,
    shipment_ids: list[int],
    plans: list[tuple[str, datetime, datetime, int]],
) -> None:
    made = await Case.filter(brand=brand, shipment_id__in=shipment_ids).values_list(
        "id", "shipment_id", "type", "first_action_at", "opened_at"
    )
    order_of = {tracking: order_id for tracking, _, _, order_id in plans}
    shipments = dict(
        await Shipment.filter(id__in=shipment_ids).values_list("id", "tracking_number")
    )
    customers = dict(
        await Order.filter(id__in=list(order_of.values())).values_list("id", "customer_id")
    )
    entries, told = [], []
    for case_id, shipment_id, type_, first_action_at, opened_at in made:
        if type_ in ANSWERED and first_action_at and rng.random() < REFUND_SHARE:
            entries.append(
                CaseEntry(
                    case_id=case_id,
                    kind=rng.choice(["customer:refund", "customer:reship"]),
                    created_at=first_action_at,
                )
            )
        if type_ == ExceptionType.DELAY and rng.random() < DELAY_TOLD_SHARE:
            told.append(
                Notification(
                    brand=brand,
                    shipment_id=shipment_id,
                    customer_id=customers[order_of[shipments[shipment_id]]],
                    trigger=Trigger.DELAY,
                    channel=Channel.EMAIL,
                    status=NotificationStatus.SENT,
                    sent_at=opened_at + timedelta(minutes=rng.uniform(5, 90)),
                )
            )
    await CaseEntry.bulk_create(entries)
    await Notification.bulk_create(told)


async def _page_views(brand: Brand, rng: random.Random, now: datetime, shape: Shape) -> None:
    days = {d.day for d in await PageViewDay.filter(brand=brand)}
    today = now.date()
    await PageViewDay.bulk_create(
        [
            PageViewDay(brand=brand, day=day, views=rng.randint(*shape.views))
            for day in (today - timedelta(days=i) for i in range(int(shape.days) + 1))
            if day not in days
        ]
    )
