"""The scheduled exception sweep: silence is a signal too. No first scan, stalled in transit and
a delivery estimate past the promise are found here, each parcel once per problem.

Every query is bounded (a window of recent shipments, on indexed columns, in batches), so a
run costs what is at risk now, not the size of the history."""

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

from tortoise.queryset import QuerySet

from porchlight.cases import rules as exception_rules
from porchlight.cases.cases import open_or_join
from porchlight.enums import CaseSource, CaseState, Direction, ExceptionType
from porchlight.enums import ShipmentStatus as S
from porchlight.models import Brand, Case, Shipment
from porchlight.platform.clock import utcnow

BATCH = 500
LOOKBACK = timedelta(days=30)  # older silence is a lost parcel someone already chased
IN_FLIGHT = [S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.FAILED_ATTEMPT, S.EXCEPTION]


@dataclass
class SweepReport:
    opened: Counter[str] = field(default_factory=Counter)
    joined: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        types = sorted(set(self.opened) | set(self.joined))
        if not types:
            return ["nothing new"]
        return [f"{t}: opened {self.opened[t]}, joined {self.joined[t]}" for t in types]


async def _already(shipments: list[Shipment], type_: ExceptionType) -> set[int]:
    """Shipments that already had a case of this type for this episode (opened after their
    last movement; open, or closed by an agent): the sweep finds each problem once."""
    rows = await Case.filter(shipment_id__in=[s.id for s in shipments], type=type_).values_list(
        "shipment_id", "opened_at", "state"
    )
    last_move = {s.id: s.last_event_at for s in shipments}
    return {
        shipment_id
        for shipment_id, opened_at, state in rows
        if state == CaseState.OPEN
        or last_move[shipment_id] is None
        or opened_at >= last_move[shipment_id]
    }


async def _open_each(
    report: SweepReport, shipments: list[Shipment], type_: ExceptionType, body: str
) -> None:
    seen = await _already(shipments, type_)
    for shipment in shipments:
        if shipment.id in seen:
            continue
        _, opened = await open_or_join(shipment, type_, CaseSource.RULE, body)
        (report.opened if opened else report.joined)[type_.value] += 1


async def _batches(query: QuerySet[Shipment]) -> AsyncIterator[list[Shipment]]:
    last = 0
    while True:
        batch = await query.filter(id__gt=last).order_by("id").limit(BATCH)
        if not batch:
            return
        yield batch
        last = batch[-1].id


def _past_promise(shipment: Shipment) -> bool:
    estimate, promise = shipment.estimated_delivery, shipment.order.promised_delivery_date
    return estimate is not None and promise is not None and estimate > promise


async def sweep() -> SweepReport:
    report = SweepReport()
    now = utcnow()
    for brand in await Brand.all():
        base = Shipment.filter(brand_id=brand.id, direction=Direction.OUTBOUND)
        limit = exception_rules.no_first_scan_after(brand)
        silent = base.filter(
            first_scan_at=None,
            shipped_at__gte=now - LOOKBACK,
            shipped_at__lte=now - limit,
            status__in=[S.LABEL_CREATED, S.UNKNOWN],
        )
        async for batch in _batches(silent):
            await _open_each(
                report,
                batch,
                ExceptionType.NO_FIRST_SCAN,
                f"No carrier scan {int(limit.total_seconds() // 3600)} hours after shipping.",
            )
        thresholds = exception_rules.stalled_after(brand)
        for carrier, days in thresholds.items():
            stalled = base.filter(
                status=S.IN_TRANSIT,
                last_event_at__gte=now - LOOKBACK,
                last_event_at__lte=now - days,
            )
            named = [c for c in thresholds if c]
            stalled = (
                stalled.filter(carrier=carrier) if carrier else stalled.exclude(carrier__in=named)
            )
            async for batch in _batches(stalled):
                await _open_each(
                    report,
                    batch,
                    ExceptionType.STALLED_IN_TRANSIT,
                    f"No carrier movement for {days.days} days.",
                )
        estimated = base.filter(
            status__in=IN_FLIGHT,
            estimated_delivery__not_isnull=True,
            order__promised_delivery_date__not_isnull=True,
            last_event_at__gte=now - LOOKBACK,
        ).select_related("order")
        async for batch in _batches(estimated):
            late = [s for s in batch if _past_promise(s)]
            await _open_each(
                report,
                late,
                ExceptionType.DELAY,
                "The carrier's estimate is past the promised delivery date.",
            )
    return report
