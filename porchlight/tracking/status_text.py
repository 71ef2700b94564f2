"""Words for statuses and exception types, marked for extraction and translated where shown
(`_()` in templates, the recipient's translations in the worker)."""

from porchlight.enums import Direction
from porchlight.enums import ShipmentStatus as S
from porchlight.platform.i18n import N_ as N_  # re-exported: where every layer marks words

HEADLINE: dict[S, str] = {
    S.LABEL_CREATED: N_("Label created, waiting for the carrier"),
    S.IN_TRANSIT: N_("On its way"),
    S.OUT_FOR_DELIVERY: N_("Out for delivery today"),
    S.AVAILABLE_FOR_PICKUP: N_("Ready for pickup"),
    S.FAILED_ATTEMPT: N_("Delivery attempt failed"),
    S.DELIVERED: N_("Delivered"),
    S.EXCEPTION: N_("There is a problem with this parcel"),
    S.RETURNING_TO_SENDER: N_("Returning to sender"),
    S.RETURNED: N_("Returned to sender"),
    S.CANCELLED: N_("Shipment cancelled"),
    S.UNKNOWN: N_("Waiting for tracking information"),
}

# For return parcels ("where is my return?").
RETURN_HEADLINE: dict[S, str] = {
    S.LABEL_CREATED: N_("Return label created: drop the parcel off with the carrier"),
    S.IN_TRANSIT: N_("Your return is on its way to us"),
    S.OUT_FOR_DELIVERY: N_("Your return is on its way to us"),
    S.AVAILABLE_FOR_PICKUP: N_("Your return is on its way to us"),
    S.FAILED_ATTEMPT: N_("Your return is delayed"),
    S.DELIVERED: N_("Return received: your refund is being processed"),
    S.EXCEPTION: N_("There is a problem with your return"),
    S.RETURNING_TO_SENDER: N_("Your return is coming back to you"),
    S.RETURNED: N_("Return received: your refund is being processed"),
    S.CANCELLED: N_("Return cancelled"),
    S.UNKNOWN: N_("Waiting for the carrier to scan your return"),
}


def headline(direction: Direction | str, status: S) -> str:
    """A parcel's headline, in the words of a return when it is one (untranslated)."""
    return (RETURN_HEADLINE if direction == Direction.RETURN else HEADLINE)[status]


NEXT_STEP: dict[S, str] = {
    S.LABEL_CREATED: N_(
        "The carrier has not scanned the parcel yet. This usually happens within a day."
    ),
    S.IN_TRANSIT: N_("Nothing to do: we will tell you when it is out for delivery."),
    S.OUT_FOR_DELIVERY: N_(
        "Someone should be home today, or the carrier may leave it with a neighbour."
    ),
    S.AVAILABLE_FOR_PICKUP: N_(
        "Collect it with your ID and the tracking number before the deadline."
    ),
    S.FAILED_ATTEMPT: N_("The carrier will try again, or you can choose another delivery option."),
    S.DELIVERED: N_("If you cannot find it, check with neighbours, then report it below."),
    S.EXCEPTION: N_("We are looking into it and will contact you. You can also report a problem."),
    S.RETURNING_TO_SENDER: N_("We will contact you about a refund or a new delivery."),
    S.RETURNED: N_("We will contact you about a refund or a new delivery."),
    S.CANCELLED: N_("Contact us if you did not expect this."),
    S.UNKNOWN: N_("Tracking appears as soon as the carrier reports the parcel."),
}


# One scan of the timeline, in the reader's language: what the canonical status means at that
# moment (a parcel's headline speaks of its present, a scan of its past). The carrier's own
# words go beneath, as they sent them.
SCAN: dict[S, str] = {
    S.LABEL_CREATED: N_("Shipping label created"),
    S.IN_TRANSIT: N_("In transit"),
    S.OUT_FOR_DELIVERY: N_("Out for delivery"),
    S.AVAILABLE_FOR_PICKUP: N_("Ready for pickup"),
    S.FAILED_ATTEMPT: N_("Delivery attempted, nobody could take it"),
    S.DELIVERED: N_("Delivered"),
    S.EXCEPTION: N_("Delivery problem reported by the carrier"),
    S.RETURNING_TO_SENDER: N_("Returning to sender"),
    S.RETURNED: N_("Returned to sender"),
    S.CANCELLED: N_("Shipment cancelled"),
    S.UNKNOWN: N_("Tracking update"),
}

# Carrier sub-statuses that say more than their canonical status, keyed lower-cased: Shippo
# substatus codes, EasyPost status_detail values and AfterShip subtags. The rest read as
# their status.
SCAN_DETAIL: dict[str, str] = {
    "information_received": N_("The carrier has the parcel's details"),
    "arrived_at_facility": N_("Arrived at a carrier facility"),
    "departed_facility": N_("Left a carrier facility"),
    "arrived_at_destination": N_("Arrived at the delivery depot"),
    "delayed": N_("Delayed"),
    "weather_delay": N_("Delayed by the weather"),
    "exception_017": N_("Delayed by the weather"),
    "exception_016": N_("Delayed at the carrier"),
    "address_issue": N_("The carrier has a problem with the address"),
    "package_damaged": N_("Damaged in transit"),
    "exception_012": N_("Damaged in transit"),
    "package_lost": N_("Lost in transit"),
    "exception_013": N_("Lost in transit"),
}


def scan_text(status: str, substatus: str = "") -> str:
    """A scan's description (untranslated): its sub-status's meaning where we know it."""
    return SCAN_DETAIL.get(substatus.strip().lower()) or SCAN[S(status)]
