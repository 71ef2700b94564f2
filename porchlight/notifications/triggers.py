"""Which customer-facing triggers a change in a shipment's derived state fires.

Triggers come from the derived state (before → after), never from a raw event, so a replayed
or out-of-order webhook, which derives nothing new, can never cause a second or a backwards
message."""

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
    promised = order.promised_delivery_date
    if promised and after.estimated_delivery and after.status != S.DELIVERED:
        was_late = before.estimated_delivery is not None and before.estimated_delivery > promised
        if after.estimated_delivery > promised and not was_late:
            triggers.append(T.DELAY)
    return triggers


def superseded(trigger: T, status: S) -> bool:
    """True when the parcel has moved past the moment this message was about."""
    if trigger in (T.SHIPPED, T.FIRST_SCAN, T.SPLIT_PROGRESS, T.DELAY):
        return STATUS_STAGE[status] >= 5 or status == S.OUT_FOR_DELIVERY
    return STATUS_STAGE[status] > STAGE[trigger]
