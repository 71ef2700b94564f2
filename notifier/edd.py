"""Predicted delivery dates in the worker: the hourly lane refresh, a new date after every
movement, what a predicted delay sets off (a case for leads; the shopper's delay message when
the brand wants it early), and the daily accuracy figures."""

import logging
from typing import Any

from notifier import notifications
from porchlight.accounts.brand_settings import settings_of
from porchlight.cases import cases
from porchlight.edd import accuracy, predict
from porchlight.enums import CaseSource, ExceptionType, PriorityFlag, Trigger
from porchlight.models import Brand, Shipment

log = logging.getLogger(__name__)


async def act_on(ctx: dict[str, Any], update: predict.Update) -> None:
    """A parcel whose date newly passes the promise is a delay risk: a case flagged
    "predicted" opens (or an open delay case is joined) and, if the brand chose to, the
    shopper gets the delay message now (at most once, like every message)."""
    if not update.newly_at_risk or update.after is None:
        return
    after, promise = update.after, update.order.promised_delivery_date
    body = (
        f"Predicted delivery {after.day.isoformat()} ({after.confidence:.0%} confidence, "
        f"from {after.milestone.value}) is after the promised {promise}."
    )
    await cases.open_or_join(
        update.shipment,
        ExceptionType.DELAY,
        CaseSource.RULE,
        body,
        data={"predicted": True, "lane": after.basis},
        flags=(PriorityFlag.PREDICTED,),
    )
    if settings_of(update.brand).delivery_prediction.warn_shopper_early:
        await notifications.schedule(ctx, update.shipment, update.order, Trigger.DELAY)


async def repredict(ctx: dict[str, Any], shipment: Shipment) -> None:
    """After a parcel moved: its date again, from its newest milestone."""
    await act_on(ctx, await predict.update(shipment))


async def refresh_predictions(ctx: dict[str, Any]) -> str:
    """Every brand's lanes from its delivered parcels, then a date for each parcel in flight."""
    lines = []
    for brand in await Brand.all():
        lanes, parcels = await predict.refresh_lanes(brand), 0
        async for updates in predict.update_in_flight(brand):
            parcels += len(updates)
            for update in updates:
                await act_on(ctx, update)
        lines.append(f"{brand.slug}: {lanes} lanes, {parcels} parcels in flight")
    summary = "; ".join(lines) or "no brands"
    log.info("delivery predictions: %s", summary)
    return summary


async def record_accuracy(ctx: dict[str, Any]) -> int:
    """Each brand's recent weeks replayed into the KPI page's accuracy figures."""
    return sum([await accuracy.record_weeks(brand) for brand in await Brand.all()])
