"""Which customer-facing triggers a change in a shipment's derived state fires.

Triggers come from the derived state (before → after), never from a raw event, so a replayed
or out-of-order webhook, which derives nothing new, can never cause a second or a backwards
message."""

from datetime import date

from porchlight.accounts.brand_settings import settings_of
from porchlight.enums import Direction
from porchlight.enums import ShipmentStatus as S
from porchlight.enums import Trigger as T
from porchlight.models import Order
from porchlight.tracking.derive import Change

ON_STATUS: dict[S, T] = {
    S.OUT_FOR_DELIVERY: T.OUT_FOR_DELIVERY,
    S.DELIVERED: T.DELIVERED,
    S.AVAILABLE_FOR_PICKUP: T.AVAILABLE_FOR_PICKUP,
    S.FAILED_ATTEMPT: T.FAILED_ATTEMPT,
    S.EXCEPTION: T.EXCEPTION,
    S.RETURNING_TO_SENDER: T.RETURNING_TO_SENDER,
}

# Where each trigger sits in a parcel's life: a message whose moment has passed by the time
# it is due (delivered beats out-for-delivery) is skipped as superseded.
STAGE: dict[T, int] = {
    T.SHIPPED: 1,
    T.FIRST_SCAN: 2,
    T.SPLIT_PROGRESS: 2,
    T.DELAY: 2,
    T.NEW_DATE: 2,
    T.LOOKING_INTO_IT: 2,
    T.EXCEPTION: 2,
    T.OUT_FOR_DELIVERY: 3,
    T.AVAILABLE_FOR_PICKUP: 3,
    T.FAILED_ATTEMPT: 3,
    T.RETURNING_TO_SENDER: 4,
    T.DELIVERED: 5,
    T.RETURN_RECEIVED: 5,
    T.REFUND_ISSUED: 6,
}
STATUS_STAGE: dict[S, int] = {
    S.UNKNOWN: 0,
    S.LABEL_CREATED: 1,
    S.IN_TRANSIT: 2,
    S.EXCEPTION: 2,
    S.OUT_FOR_DELIVERY: 3,
    S.AVAILABLE_FOR_PICKUP: 3,
    S.FAILED_ATTEMPT: 3,
    S.RETURNING_TO_SENDER: 4,
    S.DELIVERED: 5,
    S.RETURNED: 5,
    S.CANCELLED: 5,
}


def fired(change: Change, order: Order) -> list[T]:
    before, after = change.before, change.after
    if change.shipment.direction == Direction.RETURN:
        done = {S.DELIVERED, S.RETURNED}
        return [T.RETURN_RECEIVED] if after.status in done and before.status not in done else []
    triggers: list[T] = []
    if after.first_scan_at and not before.first_scan_at:
        triggers.append(T.FIRST_SCAN)
    if after.status != before.status and after.status in ON_STATUS:
        triggers.append(ON_STATUS[after.status])
    if after.estimated_delivery != before.estimated_delivery and after.status != S.DELIVERED:
        moved = date_moved(
            before.estimated_delivery,
            after.estimated_delivery,
            order.promised_delivery_date,
            new_date_messages=settings_of(order.brand).new_date_messages,
        )
        if moved:
            triggers.append(moved)
    return triggers


# Messages about the carrier's date: held a while, and dropped when the date moves back.
DATE_TRIGGERS = {T.DELAY, T.NEW_DATE}


def date_moved(
    before: date | None, after: date | None, promised: date | None, *, new_date_messages: bool
) -> T | None:
    """The message a move of the carrier's date calls for. Past the promise it is a delay (once:
    a date already late moving further says nothing new); inside it, a later date is a "new
    date" the brand may turn off; with no promise, any later date than the carrier said is a
    delay (dates are days: later is a day or more)."""
    if after is None:
        return None
    if promised is None:
        return T.DELAY if before is not None and after > before else None
    if after > promised:
        return T.DELAY if before is None or before <= promised else None
    if new_date_messages and before is not None and after > before:
        return T.NEW_DATE
    return None


def date_still_moved(
    trigger: T, since: date | None, now: date | None, promised: date | None
) -> bool:
    """Whether a held date message still has something to say when it is due: `since` is the
    date before the move, `now` the carrier's date at that moment (Tue -> Thu -> Tue: no)."""
    if now is None:
        return False
    if trigger == T.DELAY and promised is not None:
        return now > promised
    later = since is None or now > since
    return later and (trigger == T.DELAY or promised is None or now <= promised)


def superseded(trigger: T, status: S) -> bool:
    """True when the parcel has moved past the moment this message was about."""
    if trigger in (
        T.SHIPPED,
        T.FIRST_SCAN,
        T.SPLIT_PROGRESS,
        T.DELAY,
        T.NEW_DATE,
        T.LOOKING_INTO_IT,
    ):
        return STATUS_STAGE[status] >= 5 or status == S.OUT_FOR_DELIVERY
    return STATUS_STAGE[status] > STAGE[trigger]
