"""Human names for the workspace's codes (exception types, flags, close codes, roles, audit
entries), marked for translation; templates show `_(labels.exception[case.type])`."""

from collections.abc import Callable, Mapping
from typing import Any

from porchlight.enums import (
    Channel,
    CloseCode,
    ExceptionType,
    NotificationStatus,
    PriorityFlag,
    Role,
    Trigger,
)
from porchlight.tracking.status_text import N_


def worded(table: Mapping[Any, str], code: str, gettext: Callable[[str], str]) -> str:
    """`code` in the reader's words; a code the table lacks (a newer one) as itself. Templates:
    `{{ n.trigger|worded(labels.trigger) }}`."""
    return gettext(table[code]) if code in table else code


exception = {
    ExceptionType.NO_FIRST_SCAN: N_("No first scan"),
    ExceptionType.STALLED_IN_TRANSIT: N_("Stalled in transit"),
    ExceptionType.FAILED_ATTEMPT: N_("Failed delivery attempt"),
    ExceptionType.DELIVERED_NOT_RECEIVED: N_("Delivered, not received"),
    ExceptionType.DAMAGE_REPORTED: N_("Damage reported"),
    ExceptionType.RETURN_TO_SENDER: N_("Return to sender"),
    ExceptionType.DELAY: N_("Delayed past the promise"),
    ExceptionType.LOW_RATING: N_("Low delivery rating: call back"),
}
flag = {
    PriorityFlag.HIGH_VALUE: N_("High value"),
    PriorityFlag.FIRST_TIME_BUYER: N_("First-time buyer"),
    PriorityFlag.VIP: N_("VIP"),
    PriorityFlag.SUBSCRIPTION: N_("Subscription"),
    PriorityFlag.REPEAT_ISSUE: N_("Repeat lane issue"),
    PriorityFlag.PREDICTED: N_("Predicted delay"),
}
close_code = {
    CloseCode.CARRIER_DELAY: N_("Carrier delay"),
    CloseCode.WAREHOUSE_MISS: N_("Warehouse miss (late handoff)"),
    CloseCode.ADDRESS_ISSUE: N_("Address issue"),
    CloseCode.MISDELIVERY: N_("Misdelivery"),
    CloseCode.DAMAGE: N_("Damage"),
    CloseCode.FRAUD_SUSPECTED: N_("Fraud suspected"),
    CloseCode.CUSTOMER_ERROR: N_("Customer error"),
}
role = {
    Role.AGENT: N_("Agent"),
    Role.LEAD: N_("Lead"),
    Role.ADMIN: N_("Admin"),
    Role.OWNER: N_("Owner"),
}
state = {
    "open": N_("Open"),
    "closed": N_("Closed"),
    "in_progress": N_("In progress"),
    "resolved": N_("Resolved"),
}
step = {
    "refund": N_("Refund"),
    "reship": N_("Reship"),
    "store_credit": N_("Store credit"),
    "escalation": N_("Escalation"),
    "investigation": N_("Investigation"),
    "claim_filed": N_("Claim filed"),
    "follow_up": N_("Follow-up"),
    "payout_received": N_("Payout received"),
    "claim_denied": N_("Claim denied"),
}
notification_status: dict[str, str] = {
    NotificationStatus.PENDING: N_("waiting"),
    NotificationStatus.SENDING: N_("sending"),
    NotificationStatus.SENT: N_("sent"),
    NotificationStatus.DELIVERED: N_("delivered"),
    NotificationStatus.FAILED: N_("failed"),
    NotificationStatus.SKIPPED: N_("not sent"),
    NotificationStatus.UNDELIVERED: N_("undelivered"),
}
# Why a message was not sent (notifications.policy, notifier.notifications), as an agent reads it.
skip_reason: dict[str, str] = {
    "opted_out": N_("the customer turned this channel off"),
    "email_suppressed": N_("the address bounced or reported spam before"),
    "sms_stopped": N_("the number replied STOP"),
    "whatsapp_stopped": N_("the number replied STOP on WhatsApp"),
    "no_phone": N_("no mobile number"),
    "policy_off": N_("the brand does not send this on this channel"),
    "merged_into_shipped": N_("said in the shipped message instead"),
    "superseded": N_("a newer message about this parcel replaced it"),
    "daily_cap": N_("the day's message limit for this order was reached"),
    "paused": N_("an agent paused this order's notifications"),
    "order_cancelled": N_("the order was cancelled"),
    "date_moved_back": N_("the delivery date moved back before it was sent"),
}
# What a shopper asked to change about a delivery (portal.shopper.delivery), and where it stands.
delivery_request = {
    "choose_date": N_("Another delivery day"),
    "pickup_point": N_("A pickup point"),
    "reroute": N_("Another address"),
}
request_status = {
    "requested": N_("not yet passed on to the retailer"),
    "forwarded": N_("passed on to the retailer"),
    "failed": N_("could not be passed on to the retailer"),
}
contact_channel = {
    "phone": N_("Phone"),
    "email": N_("Email"),
    "chat": N_("Chat"),
    "social": N_("Social media"),
}
entry = {
    "signal:rule": N_("Found by the sweep"),
    "signal:carrier": N_("Carrier signal"),
    "signal:shopper": N_("Reported by the shopper"),
    "signal:agent": N_("Opened by an agent"),
    "signal:helpdesk": N_("Help desk contact"),
    "assigned": N_("Assigned"),
    "note": N_("Note"),
    "evidence_requested": N_("Evidence requested"),
    "customer_notified": N_("Customer notified"),
    "contact_logged": N_("Contact logged"),
    "closed": N_("Closed"),
    # Actions on an order's page (audit log actions)
    "order.case_open": N_("Case opened from the order"),
    "order.case_join": N_("Joined an open case from the order"),
    "order.contact": N_("Contact logged"),
    "order.link_resent": N_("Tracking link sent again"),
    "order.link_replaced": N_("New tracking link issued"),
    "order.notifications_paused": N_("Notifications paused"),
    "order.notifications_resumed": N_("Notifications resumed"),
    **{
        f"customer:{k}": v
        for k, v in step.items()
        if k in {"refund", "reship", "store_credit", "escalation"}
    },
    **{
        f"carrier:{k}": v
        for k, v in step.items()
        if k not in {"refund", "reship", "store_credit", "escalation"}
    },
}
# Audit log actions (porchlight.accounts.audit.record); an action missing here shows its code.
audit = {
    "brand.create": N_("Brand created"),
    "brand.update": N_("Brand changed"),
    "host.add": N_("Host added"),
    "host.remove": N_("Host removed"),
    "look.update": N_("Look changed"),
    "logo.upload": N_("Logo uploaded"),
    "settings.update": N_("Settings changed"),
    "api_key.create": N_("API key created"),
    "api_key.revoke": N_("API key revoked"),
    "webhook.update": N_("Retailer webhook changed"),
    "webhook.rotate": N_("Webhook secret rotated"),
    "webhook.ping": N_("Test ping sent"),
    "message.save": N_("Message text saved"),
    "message.reset": N_("Message text reset to the default"),
    "message.test": N_("Test message sent"),
    "agent.invite": N_("Agent invited"),
    "agent.invite_resend": N_("Invitation sent again"),
    "agent.accept_invite": N_("Invitation accepted"),
    "agent.role": N_("Role changed"),
    "agent.deactivate": N_("Agent deactivated"),
    "agent.reactivate": N_("Agent reactivated"),
    "agent.reset_lock": N_("Sign-in lock reset"),
    "agent.language": N_("Language of alert emails changed"),
}
# The proactive messages, as the console names them (one missing here shows its code).
trigger: dict[str, str] = {
    Trigger.SHIPPED: N_("Shipped"),
    Trigger.FIRST_SCAN: N_("First scan"),
    Trigger.OUT_FOR_DELIVERY: N_("Out for delivery"),
    Trigger.DELIVERED: N_("Delivered"),
    Trigger.AVAILABLE_FOR_PICKUP: N_("Ready for pickup"),
    Trigger.FAILED_ATTEMPT: N_("Delivery attempt failed"),
    Trigger.DELAY: N_("Delayed"),
    Trigger.NEW_DATE: N_("New delivery date"),
    Trigger.LOOKING_INTO_IT: N_("We're looking into it"),
    Trigger.EXCEPTION: N_("Problem with the parcel"),
    Trigger.RETURNING_TO_SENDER: N_("Returning to sender"),
    Trigger.RETURN_RECEIVED: N_("Return received"),
    Trigger.REFUND_ISSUED: N_("Refund issued"),
    Trigger.SPLIT_PROGRESS: N_("Some parcels of an order shipped"),
}
channel: dict[str, str] = {
    Channel.EMAIL: N_("Email"),
    Channel.SMS: N_("SMS"),
    Channel.WHATSAPP: N_("WhatsApp"),
}
# What an agent search matched on (porchlight.desk.search).
search_field = {
    "order_number": N_("order number"),
    "tracking_number": N_("tracking number"),
    "email": N_("email"),
    "phone": N_("phone"),
    "name": N_("name"),
}
