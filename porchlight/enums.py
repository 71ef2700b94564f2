"""The product's vocabulary (DESIGN.md): one module so portal, notifier and tests agree."""

from enum import StrEnum


class ShipmentStatus(StrEnum):
    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNING_TO_SENDER = "returning_to_sender"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class Direction(StrEnum):
    OUTBOUND = "outbound"
    RETURN = "return"


class ExceptionType(StrEnum):
    NO_FIRST_SCAN = "no_first_scan"
    STALLED_IN_TRANSIT = "stalled_in_transit"
    FAILED_ATTEMPT = "failed_attempt"
    DELIVERED_NOT_RECEIVED = "delivered_not_received"
    DAMAGE_REPORTED = "damage_reported"
    RETURN_TO_SENDER = "return_to_sender"
    DELAY = "delay"  # estimated delivery moved past the promised date
    LOW_RATING = "low_rating"  # the shopper rated the delivery 1 or 2: a lead calls back


class CaseState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CaseSource(StrEnum):
    RULE = "rule"
    CARRIER = "carrier"
    SHOPPER = "shopper"
    AGENT = "agent"
    HELPDESK = "helpdesk"  # a ticket about the order (POST /api/v1/contacts)


class CloseCode(StrEnum):
    CARRIER_DELAY = "carrier_delay"
    WAREHOUSE_MISS = "warehouse_miss"
    ADDRESS_ISSUE = "address_issue"
    MISDELIVERY = "misdelivery"
    DAMAGE = "damage"
    FRAUD_SUSPECTED = "fraud_suspected"
    CUSTOMER_ERROR = "customer_error"


class PriorityFlag(StrEnum):
    """Declared weightiest first: the queue ranks cases in this order (after overdue)."""

    VIP = "vip"
    HIGH_VALUE = "high_value"
    FIRST_TIME_BUYER = "first_time_buyer"
    SUBSCRIPTION = "subscription"
    REPEAT_ISSUE = "repeat_issue"
    PREDICTED = "predicted"  # opened on our predicted date, before the carrier admits a delay


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"  # Twilio's Messages API with pre-approved templates (a brand's choice)


# The channels whose wording a brand writes itself and turns on per trigger in the console;
# WhatsApp sends the templates the brand maps to triggers in its own settings instead.
TEXT_CHANNELS = (Channel.EMAIL, Channel.SMS)


class Trigger(StrEnum):
    SHIPPED = "shipped"
    FIRST_SCAN = "first_scan"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    DELAY = "delay"  # later than promised, or (no promise) a day or more later than said
    NEW_DATE = "new_date"  # a later date that still keeps the promise
    LOOKING_INTO_IT = "looking_into_it"  # the sweep found the parcel silent: we are on it
    EXCEPTION = "exception"
    RETURNING_TO_SENDER = "returning_to_sender"
    RETURN_RECEIVED = "return_received"
    REFUND_ISSUED = "refund_issued"
    SPLIT_PROGRESS = "split_progress"


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # recorded before the provider call: never blindly resent
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNDELIVERED = "undelivered"  # the provider accepted it but could not deliver


class ContactReason(StrEnum):
    WISMO = "wismo"
    WISMR = "wismr"


class Role(StrEnum):
    AGENT = "agent"
    LEAD = "lead"
    ADMIN = "admin"  # administers the brands they belong to in /admin
    OWNER = "owner"  # deployment-wide: every brand, and the only one who may create brands


class EventSource(StrEnum):
    EASYPOST = "easypost"
    AFTERSHIP = "aftership"
    SHIPPO = "shippo"


class Scope(StrEnum):
    """What an API key may do. A key handed to a chatbot needs `track` alone: `orders:read`
    gives any order's link with no second factor."""

    ORDERS_WRITE = "orders:write"
    ORDERS_READ = "orders:read"
    TRACK = "track"
    CONTACTS_WRITE = "contacts:write"
