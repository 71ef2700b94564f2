"""A year of synthetic traffic for one brand, at a mid-size retailer's scale by default
(1,000,000 shipments, 10 events each, 5% with a case, 3% with a WISMO contact): what the KPI
dashboard and the sweep are measured on. Deterministic for a given seed; written in batches.
"""

import random
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from tortoise import Tortoise

from porchlight.accounts.brands import create_brand
from porchlight.enums import (
    CaseSource,
    CaseState,
    CloseCode,
    ContactReason,
    Direction,
    EventSource,
    ExceptionType,
    ShipmentStatus,
)
from porchlight.models import (
    Brand,
    Case,
    Contact,
    Customer,
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
# Names and German mobile numbers, so agent search is measured on realistic customers.
FIRST_NAMES = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannes", "Ida", "Jonas"]
LAST_NAMES = ["Schmidt", "Meyer", "Weber", "Wagner", "Becker", "Hoffmann", "Koch", "Richter"]
JOURNEY = [
    ShipmentStatus.LABEL_CREATED,
    *[ShipmentStatus.IN_TRANSIT] * (EVENTS_PER_SHIPMENT - 3),
    ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED,
]


async def seed_volume(
    slug: str, shipments: int, *, seed: int = 7, now: datetime | None = None
) -> AsyncIterator[int]:
    """Create the brand and its data; yields how many shipments are done after each batch."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by design
    now = now or datetime.now(UTC)
    brand = await Brand.get_or_none(slug=slug) or await create_brand(
        slug, slug.title(), [f"{slug}.volume.invalid"]
    )
    done = await Shipment.filter(brand=brand).count()
    while done < shipments:
        size = min(BATCH, shipments - done)
        await _batch(brand, rng, done, size, now)
        done += size
        if done % ANALYZE_EVERY < BATCH:
            await _analyze()
        yield done
    await _page_views(brand, rng, now)
    await _analyze()


async def _analyze() -> None:
    """Fresh planner statistics: tables that grew from nothing otherwise get sequential scans
    (seen here: seeding fell from ~1,800 to ~100 shipments/s at 190,000 without it)."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script("ANALYZE")


async def _batch(brand: Brand, rng: random.Random, start: int, size: int, now: datetime) -> None:
    numbers = [f"V-{i:08d}" for i in range(start, start + size)]
    await Customer.bulk_create(
        [
            Customer(
                brand=brand,
                email=f"c{i}@volume.invalid",
                name=f"{FIRST_NAMES[i % 10]} {LAST_NAMES[i // 10 % 8]} {i}",
                phone=f"+49151{i:08d}",
            )
            for i in range(start, start + size)
        ],
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
        shipped = now - timedelta(days=rng.uniform(1, 364))
        scanned = shipped + timedelta(hours=rng.choice([2, 6, 12, 20, 30, 50]))
        delivered = scanned + timedelta(days=rng.uniform(1, 4))
        in_flight = delivered > now
        tracking = f"VT{brand.id}-{start + k:09d}"  # unique across seeded brands
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


async def _page_views(brand: Brand, rng: random.Random, now: datetime) -> None:
    days = {d.day for d in await PageViewDay.filter(brand=brand)}
    today = now.date()
    await PageViewDay.bulk_create(
        [
            PageViewDay(brand=brand, day=day, views=rng.randint(2000, 9000))
            for day in (today - timedelta(days=i) for i in range(365))
            if day not in days
        ]
    )
