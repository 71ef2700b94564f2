"""Recording a shopper's rating: one row per order however often they rate, a week of the KPIs
measured again when a rating lands in a week the worker no longer refreshes, and one call-back
case per order for a score of 1 or 2 (when the brand wants them)."""

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from porchlight.accounts.brand_settings import settings_of
from porchlight.cases.cases import open_or_join
from porchlight.enums import CaseSource, ExceptionType
from porchlight.insight import kpi_rollup
from porchlight.models import Brand, Order, Rating, Shipment
from porchlight.platform.clock import utcnow

MAX_COMMENT = 1000
UNHAPPY = (1, 2)


async def record_rating(
    brand: Brand, order: Order, shipment: Shipment, score: int, comment: str
) -> Rating:
    """Create or change the order's rating; `comment` replaces the one before (the form shows
    it). Two first clicks racing both end in the one row."""
    now = utcnow()
    values: dict[str, Any] = {
        "shipment_id": shipment.id,
        "score": score,
        "comment": comment,
        "updated_at": now,
    }
    if not await Rating.filter(order_id=order.id).update(**values):
        try:
            await Rating.create(brand_id=brand.id, order_id=order.id, rated_at=now, **values)
        except IntegrityError:
            await Rating.filter(order_id=order.id).update(**values)
    async with in_transaction():
        rating = await Rating.select_for_update().get(order_id=order.id)
        if (
            score in UNHAPPY
            and rating.callback_case_id is None  # type: ignore[attr-defined]
            and settings_of(brand).low_rating_callback
        ):
            case, _ = await open_or_join(
                shipment,
                ExceptionType.LOW_RATING,
                CaseSource.SHOPPER,
                body=comment,
                data={"rating": score},
            )
            rating.callback_case = case
            await rating.save(update_fields=["callback_case_id"])
    await kpi_rollup.changed(brand.id, rating.rated_at)
    return rating
