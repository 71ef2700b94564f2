"""Which delivery date a parcel shows: the carrier's, or ours when the carrier gave none (or the
brand prefers ours). The page shows one; the API carries both, each with its source."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from porchlight.accounts.brand_settings import DeliveryPrediction
from porchlight.enums import ShipmentStatus as S
from porchlight.models import Shipment

ARRIVED = {S.DELIVERED, S.RETURNED, S.CANCELLED}


class Source(StrEnum):
    CARRIER = "carrier"
    PREDICTED = "predicted"  # ours, from the brand's own history


@dataclass(frozen=True)
class Estimate:
    source: Source
    day: date
    confidence: float | None = None  # ours only: the share of similar parcels there by `day`


def estimates(shipment: Shipment, carrier_date: date | None) -> list[Estimate]:
    """Every date known for the parcel, the carrier's first. `carrier_date` is the derived one
    (a page derives it from the scans it shows, so it can be newer than the stored row)."""
    found = [Estimate(Source.CARRIER, carrier_date)] if carrier_date else []
    if shipment.predicted_delivery is not None:
        found.append(
            Estimate(Source.PREDICTED, shipment.predicted_delivery, shipment.predicted_confidence)
        )
    return found


def shown(
    shipment: Shipment, status: S, carrier_date: date | None, chosen: DeliveryPrediction
) -> Estimate | None:
    if status in ARRIVED:
        return None
    known = {e.source: e for e in estimates(shipment, carrier_date)}
    if chosen.prefer_prediction and Source.PREDICTED in known:
        return known[Source.PREDICTED]
    return known.get(Source.CARRIER) or known.get(Source.PREDICTED)
