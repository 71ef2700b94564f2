"""A year of synthetic traffic for one brand, at a mid-size retailer's scale by default
(1,000,000 shipments, 10 events each, 5% with a case, 3% with a WISMO contact): what the KPI
dashboard and the sweep are measured on. Deterministic for a given seed; written in batches.
"""

import random
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise import Tortoise

from porchlight.accounts.brands import create_brand
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
LANES = ["DE-DE", "DE-AT", "DE-NL", "DE-FR", "NL-BE"]
CARRIERS = ["dhl", "dpd", "ups", "gls"]
SKUS = [f"SKU-{i:03d}" for i in range(200)]
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
    brand = await Brand.get_or_none(slug=slug) or await create_brand(
        slug, slug.title(), [f"{slug}.volume.invalid"]
    )
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


async def _analyze() -> None:
    """Fresh planner statistics: tables that grew from nothing otherwise get sequential scans
    (seen here: seeding fell from ~1,800 to ~100 shipments/s at 190,000 without it)."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script("ANALYZE")


async def _batch(
    brand: Brand, rng: random.Random, start: int, size: int, now: datetime, shape: Shape
) -> None:
    numbers = [f"{shape.prefix}-{i:08d}" for i in range(start, start + size)]
    await Customer.bulk_create(
        [Customer(brand=brand, email=f"c{i}@volume.invalid") for i in range(start, start + size)],
        ignore_conflicts=True,  # a run stopped mid-batch left some: resume over them
    )
    customers = dict(
        await Customer.filter(
            brand=brand, email__in=[f"c{i}@volume.invalid" for i in range(start, start + size)]
        ).values_list("email", "id")
    )
    await Order.bulk_create(
        [
            Order(
                brand=brand,
                customer_id=customers[f"c{start + k}@volume.invalid"],
                number=number,
                access_token=secrets.token_urlsafe(24),
                postcode="10115",
                flags=["vip"] if rng.random() < 0.02 else [],
            )
            for k, number in enumerate(numbers)
        ],
        ignore_conflicts=True,
    )
    orders = dict(await Order.filter(brand=brand, number__in=numbers).values_list("number", "id"))
    rows, events, plans = [], [], []
    for k, number in enumerate(numbers):
        shipped = now - timedelta(days=rng.uniform(1, shape.days))
        scanned = shipped + timedelta(hours=rng.choice([2, 6, 12, 20, 30, 50]))
        delivered = scanned + timedelta(days=rng.uniform(1, 4))
        in_flight = delivered > now
        tracking = f"{shape.prefix}T{start + k:09d}"
        rows.append(
            Shipment(
                brand=brand,
                order_id=orders[number],
                direction=Direction.OUTBOUND,
                carrier=rng.choice(CARRIERS),
                tracking_number=tracking,
                fulfilment_node=rng.choice(NODES),
                lane=rng.choice(LANES),
                shipped_at=shipped,
                first_scan_at=min(scanned, now),
                last_event_at=min(delivered, now),
                delivered_at=None if in_flight else delivered,
                status=ShipmentStatus.IN_TRANSIT if in_flight else ShipmentStatus.DELIVERED,
            )
        )
        step = (delivered - shipped) / (len(JOURNEY) - 1)
        events += [
            TrackingEvent(
                source=EventSource.EASYPOST,
                tracking_number=tracking,
                occurred_at=shipped + step * i,
                status=status,
                message=f"scan {i}",
                fingerprint=f"{tracking}-{i}",
            )
            for i, status in enumerate(JOURNEY)
            if shipped + step * i <= now
        ]
        plans.append((tracking, shipped, delivered, orders[number]))
    await Shipment.bulk_create(rows)
    await _store_events(events, now)
    ids = dict(
        await Shipment.filter(brand=brand, tracking_number__in=[p[0] for p in plans]).values_list(
            "tracking_number", "id"
        )
    )
    await ShipmentItem.bulk_create(
        [ShipmentItem(shipment_id=ids[p[0]], sku=rng.choice(SKUS)) for p in plans]
    )
    await _cases_and_contacts(brand, rng, plans, ids, now)


EVENT_COLUMNS = (
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
)


async def _store_events(events: list[TrackingEvent], now: datetime) -> None:
    """Events are nine rows in ten: on PostgreSQL they go in with COPY, not INSERTs."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect != "postgres":
        await TrackingEvent.bulk_create(events, batch_size=BATCH)
        return
    records = [
        (
            e.source.value,
            e.tracking_number,
            "",
            e.occurred_at,
            "",
            now,
            e.status.value,
            "",
            "",
            e.message,
            "{}",
            e.fingerprint,
            "{}",
        )
        for e in events
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
                    type=rng.choice(list(ExceptionType)),
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
