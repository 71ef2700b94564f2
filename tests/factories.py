"""Test data with meaningful names: a brand with a key, an order with parcels, signed hooks."""

import base64
import hashlib
import hmac
import json
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

from porchlight.accounts.apikeys import create_api_key
from porchlight.accounts.brands import create_brand
from porchlight.enums import Scope
from porchlight.models import Brand

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def a_brand(
    slug: str = "northwind",
    host: str = "track.example.com",
    scopes: tuple[Scope, ...] = tuple(Scope),
) -> tuple[Brand, str]:
    """A brand on `host` and a fresh API key for it (with every scope unless told)."""
    brand = await create_brand(slug, slug.title(), [host])
    return brand, await create_api_key(brand, scopes)


def order_payload(
    number: str = "A-1001", *tracking_numbers: str, **overrides: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "order_number": number,
        "placed_at": "2026-11-28T10:00:00Z",
        "value": {"amount": "129.00", "currency": "EUR"},
        "promised_delivery_date": "2026-12-05",
        "customer": {
            "email": "Ana@Example.com",
            "phone": "+4915112345678",
            "name": "Ana",
            "locale": "de",
            "time_zone": "Europe/Berlin",
            "notifications": {"email": True, "sms": False},
        },
        "destination": {"postcode": "10115", "city": "Berlin", "country": "DE", "line1": "Str. 1"},
        "flags": ["vip"],
        "shipments": [
            {
                "carrier": "fedex",
                "service": "ground",
                "tracking_number": tn,
                "shipped_at": "2026-11-30T09:00:00Z",
                "direction": "outbound",
                "fulfilment_node": "WH-BER-1",
                "items": [{"sku": "MUG-01", "name": "Mug", "quantity": 2}],
            }
            for tn in (tracking_numbers or ("7712000001",))
        ],
    }
    payload.update(overrides)
    return payload


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def easypost_event(
    tracking_code: str,
    details: list[tuple[str, str, datetime]] | list[tuple[str, str, datetime, str]],
    est_delivery: str | None = "2026-12-04T00:00:00Z",
    updated_at: str = "2026-11-30T08:00:00Z",
) -> bytes:
    """A tracker.updated Event; details are (status, message, time[, status_detail])."""
    body = {
        "object": "Event",
        "description": "tracker.updated",
        "id": "evt_test",
        "result": {
            "object": "Tracker",
            "id": "trk_test",
            "tracking_code": tracking_code,
            "carrier": "FedEx",
            "status": details[-1][0] if details else "unknown",
            "status_detail": "unknown",
            "est_delivery_date": est_delivery,
            "created_at": "2026-11-30T08:00:00Z",
            "updated_at": updated_at,
            "tracking_details": [
                {
                    "object": "TrackingDetail",
                    "message": message,
                    "description": message,
                    "status": status,
                    "status_detail": sub[0] if sub else "status_update",
                    "datetime": when.isoformat().replace("+00:00", "Z"),
                    "source": "FedEx",
                    "tracking_location": {
                        "object": "TrackingLocation",
                        "city": "Berlin",
                        "state": None,
                        "country": "DE",
                        "zip": "10115",
                    },
                }
                for status, message, when, *sub in details
            ],
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


def journey(*statuses: str, start: datetime = T0) -> list[tuple[str, str, datetime]]:
    return [(s, f"scan {i}: {s}", start + timedelta(hours=6 * i)) for i, s in enumerate(statuses)]


def easypost_headers(body: bytes, secret: str = "sécret") -> dict[str, str]:
    key = unicodedata.normalize("NFKD", secret).encode()
    digest = hmac.new(key, body, hashlib.sha256).hexdigest()
    return {"X-Hmac-Signature": f"hmac-sha256-hex={digest}", "Content-Type": "application/json"}


def aftership_headers(body: bytes, secret: str = "aftership-secret") -> dict[str, str]:
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {"aftership-hmac-sha256": digest, "Content-Type": "application/json"}


async def an_order(brand: Brand, number: str = "A-1001", *tracking_numbers: str, **overrides: Any):
    """An order registered the way the API does it, with parcels `tracking_numbers`."""
    from porchlight.orders.orders import upsert_order
    from porchlight.orders.payload import OrderIn

    order, _, _ = await upsert_order(
        brand, OrderIn.model_validate(order_payload(number, *tracking_numbers, **overrides))
    )
    return await type(order).get(id=order.id).select_related("customer")


async def reachable_orders(brand: Brand, prefix: str, count: int) -> None:
    """`count` one-parcel orders ("{prefix}-n", tracking "{prefix}Tn"), each with a customer who
    takes email and SMS at any hour: what message-volume tests need."""
    from porchlight.models import Customer

    for n in range(count):
        await an_order(
            brand,
            f"{prefix}-{n}",
            f"{prefix}T{n}",
            customer={
                "email": f"{prefix.lower()}{n}@example.com",
                "phone": f"+4915112{n:06d}",
                "locale": "en",
                "time_zone": "UTC",
                "notifications": {"email": True, "sms": True},
            },
        )
    await Customer.filter(brand=brand).update(
        quiet_hours_start=0, quiet_hours_end=0, quiet_hours_chosen=True
    )


async def scans(tracking_number: str, *statuses: str, start: datetime = T0) -> None:
    """Carrier scans for a parcel, stored and derived as the worker would."""
    from porchlight.carriers.easypost import adapter
    from porchlight.tracking import derive, intake

    await intake.store(
        adapter.parse(easypost_event(tracking_number, journey(*statuses, start=start)))
    )
    await derive.refresh_tracking_number(tracking_number)


def daytime_zone() -> str:
    """A zone where it is around noon right now, so quiet hours never interfere by accident."""
    offset = 12 - datetime.now(UTC).hour
    offset = max(-12, min(offset, 14))
    return f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"


def night_zone() -> str:
    offset = 2 - datetime.now(UTC).hour  # 02:00 local
    offset = (offset + 12) % 24 - 12
    return f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"


async def shopper_order(number="A-1001", *parcels, zone=None, sms=True, locale="en"):
    brand, key = await a_brand()
    payload_customer = {
        "email": "ana@example.com",
        "phone": "+4915112345678",
        "name": "Ana",
        "locale": locale,
        "time_zone": zone or daytime_zone(),
        "notifications": {"email": True, "sms": sms},
    }
    order = await an_order(
        brand,
        number,
        *(parcels or ("TN1",)),
        customer=payload_customer,
        promised_delivery_date="2026-12-05",
    )
    return brand, key, order


async def deliver_scans(client, tracking, *statuses, start=None, estimate="2026-12-04T00:00:00Z"):
    body = easypost_event(
        tracking,
        journey(*statuses, start=start or datetime(2026, 11, 30, 9, tzinfo=UTC)),
        est_delivery=estimate,
    )
    response = await client.post("/hooks/easypost", content=body, headers=easypost_headers(body))
    assert response.status_code == 200


def email_text(email) -> str:
    """The plain-text part of an email the provider stub received."""
    return next(c["value"] for c in email.json["content"] if c["type"] == "text/plain")
