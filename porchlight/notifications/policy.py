"""Who gets which message on which channel, and when: brand policy, the customer's choices,
quiet hours and the daily cap. Decisions carry a reason so every skip is explained."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from porchlight.accounts.brand_settings import settings_of
from porchlight.enums import TEXT_CHANNELS, Channel
from porchlight.enums import Trigger as T
from porchlight.models import Brand, Customer, Order

# Email for every trigger (56% prefer it); SMS for what needs action or happens today.
DEFAULT_CHANNELS: dict[T, set[Channel]] = {
    T.SHIPPED: {Channel.EMAIL},
    T.FIRST_SCAN: {Channel.EMAIL},
    T.SPLIT_PROGRESS: {Channel.EMAIL},
    T.OUT_FOR_DELIVERY: {Channel.EMAIL, Channel.SMS},
    T.DELIVERED: {Channel.EMAIL, Channel.SMS},
    T.AVAILABLE_FOR_PICKUP: {Channel.EMAIL, Channel.SMS},
    T.FAILED_ATTEMPT: {Channel.EMAIL, Channel.SMS},
    T.DELAY: {Channel.EMAIL, Channel.SMS},
    T.NEW_DATE: {Channel.EMAIL},
    T.LOOKING_INTO_IT: {Channel.EMAIL, Channel.SMS},
    T.EXCEPTION: {Channel.EMAIL, Channel.SMS},
    T.RETURNING_TO_SENDER: {Channel.EMAIL},
    T.RETURN_RECEIVED: {Channel.EMAIL},
    T.REFUND_ISSUED: {Channel.EMAIL},
}


@dataclass(frozen=True)
class Decision:
    send: bool
    reason: str = ""


def brand_channels(brand: Brand, trigger: T) -> set[Channel]:
    """The brand's `notification_channels` setting ({"delivered": ["email"]}) or the default,
    and WhatsApp where the brand has it on and mapped this trigger to a template."""
    chosen = settings_of(brand)
    override = chosen.notification_channels.get(trigger)
    channels = set(override) if override is not None else DEFAULT_CHANNELS[trigger]
    return channels | {Channel.WHATSAPP} if chosen.whatsapp.template(trigger) else channels


def channels_for(brand: Brand, trigger: T) -> tuple[Channel, ...]:
    """The channels a trigger gets a row on: email and SMS always (a skip says why not), and
    WhatsApp only for brands that send it, so other brands' records stay as they were."""
    if Channel.WHATSAPP in brand_channels(brand, trigger):
        return (*TEXT_CHANNELS, Channel.WHATSAPP)
    return TEXT_CHANNELS


def shipped_grace(brand: Brand) -> timedelta:
    return timedelta(hours=settings_of(brand).shipped_grace_hours)


def group_hold(brand: Brand) -> timedelta:
    return timedelta(minutes=settings_of(brand).group_hold_minutes)


def estimate_hold(brand: Brand) -> timedelta:
    return timedelta(minutes=settings_of(brand).estimate_hold_minutes)


def daily_cap(brand: Brand) -> int:
    return settings_of(brand).daily_message_cap


ORDER_CANCELLED = "order_cancelled"


def withheld(order: Order) -> str:
    """Why no message about this order goes out, or "": the store cancelled it
    ("order_cancelled"), or an agent paused its messages (porchlight.desk.actions, "paused").
    Each message it would have had is recorded as skipped with that reason, not sent later."""
    if order.cancelled_at is not None:
        return ORDER_CANCELLED
    return "paused" if order.notifications_paused_at is not None else ""


def customer_allows(
    customer: Customer, order: Order, channel: Channel, suppressed: bool
) -> Decision:
    if channel == Channel.EMAIL:
        wanted = order.notify_email if order.notify_email is not None else customer.email_opt_in
        if not wanted:
            return Decision(False, "opted_out")
        return Decision(False, "email_suppressed") if suppressed else Decision(True)
    if channel == Channel.WHATSAPP:  # the customer's own consent, for all their orders
        if not customer.whatsapp_opt_in:
            return Decision(False, "opted_out")
        if customer.whatsapp_opted_out_at is not None:
            return Decision(False, "whatsapp_stopped")
        return Decision(True) if customer.phone else Decision(False, "no_phone")
    wanted = order.notify_sms if order.notify_sms is not None else customer.sms_opt_in
    if not wanted:
        return Decision(False, "opted_out")
    if customer.sms_opted_out_at is not None:
        return Decision(False, "sms_stopped")
    return Decision(True) if customer.phone else Decision(False, "no_phone")


def customer_zone(customer: Customer, brand: Brand) -> ZoneInfo:
    return ZoneInfo(customer.time_zone or brand.time_zone or "UTC")


def quiet_hours(customer: Customer, brand: Brand) -> tuple[int, int]:
    """(start, end) hours: the shopper's own once chosen, else the brand's default."""
    if customer.quiet_hours_chosen:
        return customer.quiet_hours_start, customer.quiet_hours_end
    chosen = settings_of(brand).quiet_hours
    return chosen.start, chosen.end


def quiet_until(moment: datetime, customer: Customer, brand: Brand) -> datetime | None:
    """When quiet hours end if `moment` falls inside them (local time), else None."""
    zone = customer_zone(customer, brand)
    local = moment.astimezone(zone)
    start, end = quiet_hours(customer, brand)
    hour = local.hour
    inside = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not inside:
        return None
    wake = datetime.combine(local.date(), time(end), zone)
    if wake <= local:
        wake += timedelta(days=1)
    return wake
