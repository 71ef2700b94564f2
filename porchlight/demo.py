"""Demo data: two brands, orders with parcels in every canonical status, a lead agent, an owner
for the console, API keys."""

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from arq.connections import ArqRedis

from porchlight.accounts.agents import upsert_agent
from porchlight.accounts.apikeys import _hash
from porchlight.accounts.brands import create_brand
from porchlight.carriers.base import NormalizedEvent
from porchlight.edd import accuracy, predict
from porchlight.edd.calendar import calendar_for
from porchlight.enums import ContactReason, Direction, EventSource
from porchlight.enums import ShipmentStatus as S
from porchlight.feedback.ratings import UNHAPPY, record_rating
from porchlight.insight.contacts import ContactIn, record_contact
from porchlight.insight.volume import Shape, seed_volume
from porchlight.models import ApiKey, Brand, Customer, Order, Rating, Shipment, TrackingEvent
from porchlight.orders.orders import upsert_order
from porchlight.orders.payload import OrderIn, normalize_postcode
from porchlight.orders.refunds import announce, record_refund
from porchlight.platform.clock import utcnow
from porchlight.tracking import derive, intake
from porchlight.tracking.status_text import HEADLINE, N_

# Thirteen weeks of a small shop's delivered parcels, cases and contacts before today's orders,
# from the volume generator: every KPI chart of the demo has something to show.
HISTORY_DAYS = 13 * 7
HISTORY_SHIPMENTS = 600
DEMO_PASSWORD = "porchlight-demo"  # noqa: S105 - published on purpose, demo only
AGENT_EMAIL = "lead@porchlight.test"
OWNER_EMAIL = "owner@porchlight.test"  # the console (/admin): every brand, creates brands


@dataclass(frozen=True)
class DemoBrand:
    slug: str
    name: str
    host: str
    theme: str
    locale: str
    country: str
    postcode: str
    city: str
    delivery_options: dict[str, bool]
    email_from: str  # its own sender and care address: an email reads as the brand's
    reply_to: str
    accent: str


BRANDS = [
    DemoBrand(
        "northwind",
        "Northwind Outfitters",
        "localhost",
        "northwind",
        "en",
        "GB",
        "SW1A 1AA",
        "London",
        {"choose_date": True, "pickup_point": True, "reroute": True},
        "updates@northwind-outfitters.example",
        "care@northwind-outfitters.example",
        "#1e4d2b",
    ),
    DemoBrand(
        "fjord",
        "Fjord & Pine",
        "127.0.0.1",
        "fjord",
        "de",
        "DE",
        "10115",
        "Berlin",
        {"choose_date": True},
        "hallo@fjordandpine.example",
        "kundenservice@fjordandpine.example",
        "#2c7a7b",
    ),
]

# (status the parcel ends in, the statuses its carrier reported on the way there)
JOURNEYS: list[tuple[S, list[S]]] = [
    (S.LABEL_CREATED, [S.LABEL_CREATED]),
    (S.IN_TRANSIT, [S.LABEL_CREATED, S.IN_TRANSIT, S.IN_TRANSIT]),
    (S.OUT_FOR_DELIVERY, [S.LABEL_CREATED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY]),
    (S.AVAILABLE_FOR_PICKUP, [S.LABEL_CREATED, S.IN_TRANSIT, S.AVAILABLE_FOR_PICKUP]),
    (S.FAILED_ATTEMPT, [S.LABEL_CREATED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.FAILED_ATTEMPT]),
    (S.DELIVERED, [S.LABEL_CREATED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED]),
    (S.EXCEPTION, [S.LABEL_CREATED, S.IN_TRANSIT, S.EXCEPTION]),
    (S.RETURNING_TO_SENDER, [S.LABEL_CREATED, S.IN_TRANSIT, S.RETURNING_TO_SENDER]),
    (S.RETURNED, [S.LABEL_CREATED, S.IN_TRANSIT, S.RETURNING_TO_SENDER, S.RETURNED]),
    (S.CANCELLED, [S.LABEL_CREATED, S.CANCELLED]),
    (S.UNKNOWN, []),
]

SIGNER = "A. Demo"
# WhatsApp on, with made-up template SIDs (the outbox shows which would go, and with what):
# the moments a shopper wants on their phone.
WHATSAPP = {
    "enabled": True,
    "sender": "+447700900123",
    "templates": {
        trigger: {
            "content_sids": {"en": "HX" + digit * 32, "de": "HX" + digit.upper() * 32},
            "variables": {"1": "customer_name", "2": "order_number", "3": "order_url"},
        }
        for trigger, digit in (
            ("out_for_delivery", "a"),
            ("delivered", "b"),
            ("failed_attempt", "c"),
            ("available_for_pickup", "d"),
            ("delay", "e"),
        )
    },
}

MESSAGES = {
    S.LABEL_CREATED: "Shipping label created",
    S.IN_TRANSIT: "Arrived at sort facility",
    S.OUT_FOR_DELIVERY: "Out for delivery",
    S.AVAILABLE_FOR_PICKUP: "Ready for collection at the parcel shop",
    S.FAILED_ATTEMPT: "Delivery attempted, nobody home",
    S.DELIVERED: "Delivered, left with neighbour",
    S.EXCEPTION: "Package damaged in transit",
    S.RETURNING_TO_SENDER: "Returning to sender: address incomplete",
    S.RETURNED: "Returned to sender",
    S.CANCELLED: "Shipment cancelled by sender",
}


def _events(
    tracking_number: str, steps: list[S], start: datetime, spec: DemoBrand, due: date | None
) -> list[NormalizedEvent]:
    return [
        NormalizedEvent(
            source=EventSource.EASYPOST,
            tracking_number=tracking_number,
            carrier="dhl",
            occurred_at=start + timedelta(hours=9 * i),
            status=status,
            carrier_status=status.value,
            message=MESSAGES[status],
            location={"city": spec.city if i else "Warehouse", "country": spec.country},
            estimated_delivery=due,
            # Proof of delivery: the page names the signer once the order is looked up.
            signed_by=SIGNER if status == S.DELIVERED else "",
        )
        for i, status in enumerate(steps)
    ]


def _due(final: S, now: datetime) -> date:
    """The carrier's date: the promised day (tomorrow), but the in-transit parcel runs late, so
    the demo shows a delay on its page, in a message and (after the exception sweep) a case."""
    return (now + timedelta(days=3 if final == S.IN_TRANSIT else 1)).date()


def _order(
    spec: DemoBrand,
    number: str,
    shipments: list[dict[str, object]],
    now: datetime,
    flags: list[str] | None = None,
    promised: bool = True,
    **extra: object,
) -> OrderIn:
    return OrderIn.model_validate(
        {
            "order_number": number,
            "placed_at": (now - timedelta(days=4)).isoformat(),
            "promised_delivery_date": (now + timedelta(days=1)).date().isoformat()
            if promised
            else None,
            "value": {"amount": "129.00", "currency": "EUR" if spec.country == "DE" else "GBP"},
            "customer": {
                "email": f"{number.lower()}@example.com",
                "name": "Ana Demo",
                "locale": spec.locale,
                "time_zone": "Europe/Berlin" if spec.country == "DE" else "Europe/London",
                "phone": "+4915112345678",
                "notifications": {
                    "email": True,
                    "sms": True,
                    "whatsapp": {"opt_in": True, "source": "demo checkout"},
                },
            },
            "destination": {
                "postcode": spec.postcode,
                "city": spec.city,
                "country": spec.country,
                "line1": "1 Demo Street",
            },
            "flags": flags or [],
            "shipments": shipments,
            **extra,
        }
    )


def _shipment(
    tracking_number: str,
    now: datetime,
    direction: Direction = Direction.OUTBOUND,
    sku: str = "MUG-01",
) -> dict[str, object]:
    return {
        "carrier": "dhl",
        "service": "parcel",
        "tracking_number": tracking_number,
        "direction": direction,
        "fulfilment_node": "WH-BER-1",
        "shipped_at": (now - timedelta(days=3)).isoformat(),
        "items": [{"sku": sku, "name": "Stoneware mug", "quantity": 2}],
    }


async def _dates_moving(
    brand: Brand, spec: DemoBrand, code: str, now: datetime, start: datetime
) -> list[NormalizedEvent]:
    """Two parcels whose carrier moves the date after a first one was derived: later but within
    the promise (a "new date"), and later on an order with no promise (a delay). Returns the
    move, for the worker to derive and announce."""
    today = now.date()
    moves = [
        (f"{code}-3001", True, today, today + timedelta(days=1)),
        (f"{code}-3002", False, today + timedelta(days=1), today + timedelta(days=3)),
    ]
    later: list[NormalizedEvent] = []
    for number, promised, first, then in moves:
        tracking = f"{code}DATE{number[-1]}"
        await upsert_order(
            brand, _order(spec, number, [_shipment(tracking, now)], now, promised=promised)
        )
        steps = [S.LABEL_CREATED, S.IN_TRANSIT]
        await intake.store(_events(tracking, steps, start, spec, first))
        await derive.refresh_tracking_number(tracking)
        moved = _events(tracking, [*steps, S.IN_TRANSIT], start, spec, then)[-1:]
        later += moved
    return later


# What the demo index (`/demo`) links for each brand: one order of each kind a newcomer wants
# to see, by the status its parcel ends in (None: the split order of three parcels).
SHOWCASE: list[S | None] = [S.DELIVERED, S.EXCEPTION, S.RETURNING_TO_SENDER, None, S.LABEL_CREATED]
SPLIT = N_("Split order of three parcels")


def _number(spec: DemoBrand, final: S | None) -> str:
    code = spec.slug[:2].upper()
    if final is None:
        return f"{code}-2000"
    return f"{code}-{1001 + [status for status, _ in JOURNEYS].index(final)}"


@dataclass(frozen=True)
class Shown:
    """One order of the demo index: what it shows (untranslated), its number, its page."""

    what: str
    number: str
    url: str


async def showcase(port: int) -> list[tuple[DemoBrand, list[Shown]]]:
    """Each demo brand's showcase orders with their tracking pages on the brand's own host."""
    shown = []
    for spec in BRANDS:
        numbers = {_number(spec, final): final for final in SHOWCASE}
        orders = await Order.filter(brand__slug=spec.slug, number__in=list(numbers))
        by_number = {o.number: o for o in orders}
        shown.append(
            (
                spec,
                [
                    Shown(
                        HEADLINE[final] if final else SPLIT,
                        number,
                        f"http://{spec.host}:{port}/o/{by_number[number].access_token}",
                    )
                    for number, final in numbers.items()
                    if number in by_number
                ],
            )
        )
    return shown


def demo_api_key(slug: str) -> str:
    """Fixed, published keys: for the local demo only, never for a real brand."""
    return f"pl_demo_{slug}_key_do_not_use_in_production"


async def _seed_brand(spec: DemoBrand, now: datetime, arq: ArqRedis) -> Brand:
    brand = await create_brand(
        spec.slug, spec.name, [spec.host], theme=spec.theme, locale=spec.locale
    )
    # The demo shows date and split-order messages at once: a real brand holds them for a
    # while (estimate_hold_minutes, group_hold_minutes).
    brand.settings = {
        "delivery_options": spec.delivery_options,
        "estimate_hold_minutes": 0,
        "group_hold_minutes": 0,
        "accent": spec.accent,
        "reply_to": spec.reply_to,
        "country": spec.country,
        "whatsapp": WHATSAPP,
    }
    brand.email_from = spec.email_from
    brand.time_zone = "Europe/London" if spec.country == "GB" else "Europe/Berlin"
    await brand.save()
    key = demo_api_key(spec.slug)
    await ApiKey.create(brand=brand, prefix=key[:10], key_hash=_hash(key))
    code = spec.slug[:2].upper()
    events: list[NormalizedEvent] = []
    start = now - timedelta(days=3)
    for i, (final, steps) in enumerate(JOURNEYS, start=1):
        number = f"{code}-{1000 + i}"
        tracking = f"{code}DEMO{i:04d}"
        direction = Direction.RETURN if final == S.RETURNED else Direction.OUTBOUND
        await upsert_order(
            brand,
            _order(
                spec,
                number,
                [_shipment(tracking, now, direction)],
                now,
                ["vip"] if final == S.EXCEPTION else None,
            ),
        )
        events += _events(tracking, steps, start, spec, _due(final, now))
    split = [f"{code}SPLIT{i}" for i in (1, 2, 3)]
    await upsert_order(
        brand,
        _order(
            spec,
            f"{code}-2000",
            [
                _shipment(split[0], now, sku="MUG-01"),
                _shipment(split[1], now, sku="PLATE-02"),
                _shipment(split[2], now, sku="BOWL-03"),
            ],
            now,
            ["first_time_buyer"],
            # A fourth parcel with the napkins is still to come: the page and messages say so.
            expected_parcels=4,
            items=[
                {"sku": sku, "name": name, "quantity": 2}
                for sku, name in (
                    ("MUG-01", "Stoneware mug"),  # the parcels' items are all called so
                    ("PLATE-02", "Stoneware mug"),
                    ("BOWL-03", "Stoneware mug"),
                    ("NAPKIN-04", "Linen napkins"),
                )
            ],
        ),
    )
    on_time = _due(S.DELIVERED, now)
    events += _events(split[0], JOURNEYS[5][1], start, spec, on_time)
    # No carrier date on this one: its page shows our prediction from the history below.
    events += _events(split[1], JOURNEYS[1][1], start, spec, None)
    events += _events(split[2], JOURNEYS[0][1], start, spec, on_time)
    # Two parcels of three shipping together today: one message, "2 of 3 parcels shipped".
    together = [f"{code}PAIR{i}" for i in (1, 2)]
    await upsert_order(
        brand,
        _order(
            spec,
            f"{code}-2001",
            [_shipment(tracking, now) for tracking in together],
            now,
            None,
            expected_parcels=3,
        ),
    )
    for tracking in together:
        events += _events(
            tracking, [S.LABEL_CREATED, S.IN_TRANSIT], now - timedelta(hours=10), spec, None
        )
    # A few help-desk contacts, so the KPI page's contact figures are not empty.
    for n, days_ago in ((1, 1), (3, 2), (5, 9)):
        await record_contact(
            brand,
            ContactIn(
                channel="phone",
                reason=ContactReason.WISMO,
                order_number=f"{code}-{1000 + n}",
                occurred_at=now - timedelta(days=days_ago),
                external_id=f"demo-{code}-{n}",
            ),
        )
    events += await _dates_moving(brand, spec, code, now, start)
    # The returned parcel's money went back: "your refund is on its way".
    returned_at = 1001 + [final for final, _ in JOURNEYS].index(S.RETURNED)
    returned = await Order.get(brand=brand, number=f"{code}-{returned_at}")
    refund, _ = await record_refund(
        returned, amount=Decimal("129.00"), currency="EUR", source="demo", method="card"
    )
    await announce(arq, refund)
    await _delivered_history(brand, spec, now)
    await predict.refresh_lanes(brand, now)
    await accuracy.record_weeks(brand, now=now)  # the KPI page's figures, before the nightly job
    # The demo shows its messages at any hour of the day: no quiet hours for its shoppers.
    await Customer.filter(brand=brand).update(
        quiet_hours_start=0, quiet_hours_end=0, quiet_hours_chosen=True
    )
    # The real path: stored like a webhook's events, derived and notified by the worker.
    await intake.store(events)
    await intake.enqueue_follow_up(arq, events)
    return brand


# Delivery days from first scan to delivery of the demo's past parcels, in turn: what the
# lane learns (80% arrive within 3 delivery days).
HISTORY_TRANSIT = [2, 2, 3, 2, 1, 2, 2, 4, 2, 3]
HISTORY_PARCELS = 60
# What the past parcels' shoppers rated their delivery, in turn (CSAT 70%); every other one rated.
HISTORY_SCORES = [5, 4, 5, 3, 5, 4, 2, 5, 4, 1]


async def _delivered_history(brand: Brand, spec: DemoBrand, now: datetime) -> None:
    """Twelve weeks of delivered parcels on the demo's lane, so predicted dates have a history
    to come from, and their shoppers' ratings for the CSAT figures (synthetic, like every figure
    the demo shows). The latest low rating goes the real way and opens a call-back case."""
    calendar = calendar_for(spec.country)
    customer = await Customer.create(brand=brand, email=f"history@{spec.slug}.example.com")
    day = now.date()
    unhappy_sent = False
    for i in range(HISTORY_PARCELS):
        day -= timedelta(days=1)
        while not calendar.is_delivery_day(day):
            day -= timedelta(days=1)
        scanned = datetime.combine(day, time(9), UTC)
        transit = HISTORY_TRANSIT[i % len(HISTORY_TRANSIT)]
        arrived = datetime.combine(calendar.add(day, transit), time(13), UTC)
        # The carrier's date on its first scan: a day early every third parcel.
        quoted = calendar.add(day, max(transit - (i % 3 == 0), 1))
        if arrived >= now:
            continue
        order = await Order.create(
            brand=brand,
            number=f"{spec.slug[:2].upper()}-H{i:03d}",
            customer=customer,
            access_token=secrets.token_urlsafe(24),
            destination={"country": spec.country, "postcode": spec.postcode},
            postcode=normalize_postcode(spec.postcode),
        )
        tracking = f"{spec.slug[:2].upper()}HIST{i:04d}"
        shipment = await Shipment.create(
            brand=brand,
            order=order,
            carrier="dhl",
            service="parcel",
            tracking_number=tracking,
            fulfilment_node="WH-BER-1",
            shipped_at=scanned - timedelta(hours=3),
            status=S.DELIVERED,
            first_scan_at=scanned,
            last_event_at=arrived,
            delivered_at=arrived,
        )
        await TrackingEvent.bulk_create(
            [
                TrackingEvent(
                    source=EventSource.EASYPOST,
                    tracking_number=tracking,
                    occurred_at=when,
                    status=status,
                    message=MESSAGES[status],
                    estimated_delivery=quoted if status == S.IN_TRANSIT else None,
                    fingerprint=f"{tracking}-{status.value}",
                )
                for when, status in (
                    (scanned, S.IN_TRANSIT),
                    (arrived - timedelta(hours=5), S.OUT_FOR_DELIVERY),
                    (arrived, S.DELIVERED),
                )
            ]
        )
        score = HISTORY_SCORES[i // 2 % len(HISTORY_SCORES)]
        if i % 2:
            continue
        if score in UNHAPPY and not unhappy_sent:
            unhappy_sent = True
            await record_rating(brand, order, shipment, score, "The parcel was left in the rain.")
            continue
        rated = min(arrived + timedelta(hours=20), now)
        await Rating.create(brand=brand, order=order, shipment=shipment, score=score,
                            rated_at=rated, updated_at=rated)  # fmt: skip


async def seed(arq: ArqRedis, port: int = 8000) -> list[str]:
    """Seed once; later runs only report where to look (on `port`). The worker derives and
    notifies."""
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    for spec in BRANDS:
        if not await Brand.exists(slug=spec.slug):
            await _seed_brand(spec, now, arq)
            history = Shape(days=HISTORY_DAYS, prefix=f"{spec.slug[:2].upper()}H", views=(15, 60))
            async for _ in seed_volume(spec.slug, HISTORY_SHIPMENTS, shape=history):
                pass
    await upsert_agent(
        AGENT_EMAIL, DEMO_PASSWORD, "lead", [b.slug for b in BRANDS], name="Demo Lead"
    )
    await upsert_agent(OWNER_EMAIL, DEMO_PASSWORD, "owner", [], name="Demo Owner")
    lines = []
    for spec in BRANDS:
        split = await Order.get(brand__slug=spec.slug, number=f"{spec.slug[:2].upper()}-2000")
        lines += [
            f"{spec.name} (brand '{spec.slug}', served on host {spec.host}):",
            f"  tracking page of a split order: http://{spec.host}:{port}/o/{split.access_token}",
            f"  look up an order:               http://{spec.host}:{port}/track "
            f"(order {split.number}, postcode {spec.postcode})",
            f"  API key:                        {demo_api_key(spec.slug)}",
        ]
    lines += [
        f"One order per status, per brand: http://localhost:{port}/demo",
        f"Agent workspace: http://localhost:{port}/agent/login  {AGENT_EMAIL} / {DEMO_PASSWORD}",
        f"Weekly KPIs (lead):  http://localhost:{port}/agent/kpis",
        f"Console (owner):     http://localhost:{port}/admin  {OWNER_EMAIL} / {DEMO_PASSWORD}",
        f"Outbox (messages the demo would send, for the agent): http://localhost:{port}/outbox",
    ]
    return lines
