"""What is still to come of a split order: parcels the retailer expects but has not registered,
and order lines no outbound parcel carries yet. The page and the messages both say it."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from porchlight.enums import Direction
from porchlight.models import Order, Shipment
from porchlight.tracking.timeline import parcel_total


@dataclass(frozen=True)
class StillToCome:
    parcels: int = 0  # announced by the retailer (`expected_parcels`), not registered yet
    items: list[dict[str, Any]] = field(default_factory=list)  # {"sku", "name", "quantity"}

    def __bool__(self) -> bool:
        return bool(self.parcels or self.items)

    def lines(self) -> list[str]:
        """The missing order lines as "2 × Mug" (names are the retailer's, in its language)."""
        return [f"{i['quantity']} × {i['name'] or i['sku']}" for i in self.items]


def still_to_come(order: Order, shipments: list[Shipment]) -> StillToCome:
    """`shipments`: the order's parcels with their items fetched (either direction)."""
    outbound = [s for s in shipments if s.direction == Direction.OUTBOUND]
    shipped: Counter[str] = Counter()
    for shipment in outbound:
        for item in shipment.items:
            shipped[item.sku] += item.quantity
    missing = []
    for line in order.items or []:
        sku, wanted = str(line.get("sku", "")), int(line.get("quantity", 1))
        covered = min(shipped[sku], wanted)
        shipped[sku] -= covered
        if wanted > covered:
            missing.append({"sku": sku, "name": line.get("name", ""), "quantity": wanted - covered})
    return StillToCome(parcel_total(order, len(outbound)) - len(outbound), missing)
