"""Orders from a CSV file, for retailers without a platform: one row per parcel (or per order
not shipped yet), validated exactly as the API validates; rows of one order share its number.

Columns (a header row names them; order_number, email, postcode and country are required):
order_number, email, phone, name, locale, time_zone, postcode, country, city, line1,
placed_at, promised_delivery_date, value, currency, carrier, tracking_number, service,
shipped_at, items (`SKU*QTY|SKU`, quantity 1 when left out)."""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis
from pydantic import ValidationError

from porchlight.connectors.registration import request_registration
from porchlight.models import Brand
from porchlight.orders.orders import TrackingNumberTaken, react_to_registration, upsert_order
from porchlight.orders.payload import OrderIn

REQUIRED = ("order_number", "email", "postcode", "country")


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


def _items(value: str) -> list[dict[str, Any]]:
    found = []
    for part in filter(None, (p.strip() for p in value.split("|"))):
        sku, _, quantity = part.partition("*")
        found.append({"sku": sku.strip(), "quantity": quantity.strip() or 1})
    return found


def _order(row: dict[str, str]) -> dict[str, Any]:
    def get(key: str) -> str | None:
        return (row.get(key) or "").strip() or None

    data: dict[str, Any] = {
        "order_number": get("order_number"),
        "customer": {
            k: v
            for k, v in {
                "email": get("email"),
                "phone": get("phone"),
                "name": get("name") or "",
                "locale": get("locale"),
                "time_zone": get("time_zone"),
            }.items()
            if v is not None
        },
        "destination": {
            "postcode": get("postcode"),
            "country": get("country"),
            "city": get("city") or "",
            "line1": get("line1") or "",
        },
        "placed_at": get("placed_at"),
        "promised_delivery_date": get("promised_delivery_date"),
        "shipments": [],
    }
    if get("value") or get("currency"):
        data["value"] = {"amount": get("value"), "currency": get("currency")}
    if get("tracking_number") or get("carrier"):
        data["shipments"].append(
            {
                "carrier": get("carrier"),
                "tracking_number": get("tracking_number"),
                "service": get("service") or "",
                "shipped_at": get("shipped_at"),
                "items": _items(get("items") or ""),
            }
        )
    return data


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


def read_orders(lines: Iterator[str]) -> Iterator[tuple[int, OrderIn | RowError]]:
    """Each data row as an order or the reason it cannot be one (line numbers as in the file)."""
    reader = csv.DictReader(lines)
    missing = set(REQUIRED) - set(reader.fieldnames or [])
    if missing:
        yield 1, RowError(1, f"missing columns: {', '.join(sorted(missing))}")
        return
    for row in reader:
        line = reader.line_num
        try:
            yield line, OrderIn.model_validate(_order(row))
        except ValidationError as exc:
            yield line, RowError(line, _problems(exc))


async def import_order(arq: ArqRedis, brand: Brand, line: int, data: OrderIn) -> RowError | None:
    """Store one row's order as the API would, and register its parcel at the aggregators."""
    try:
        _, _, changes = await upsert_order(brand, data)
    except TrackingNumberTaken as exc:
        return RowError(line, str(exc))
    await react_to_registration(arq, changes)
    await request_registration(arq, brand, [s.tracking_number for s in data.shipments])
    return None


@dataclass
class Imported:
    stored: int = 0
    refused: list[RowError] = field(default_factory=list)


async def import_rows(
    arq: ArqRedis, brand: Brand, rows: Iterable[tuple[int, OrderIn | RowError]]
) -> Imported:
    """Every row stored or named with why not: the good rows are kept whatever the bad say."""
    result = Imported()
    for line, row in rows:
        problem = row if isinstance(row, RowError) else await import_order(arq, brand, line, row)
        if problem:
            result.refused.append(problem)
        else:
            result.stored += 1
    return result
