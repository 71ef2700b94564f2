"""What an agent does from an order's page, each step recorded in the audit log (subject
"order:<id>") so the order view shows who did what: open a case, log a contact, resend the
tracking link, issue a new one, pause or resume the order's notifications."""

from porchlight.accounts.audit import record
from porchlight.accounts.brand_settings import settings_of
from porchlight.cases.cases import CaseError, open_or_join
from porchlight.channels import Outgoing, send_once
from porchlight.enums import CaseSource, Channel, ContactReason, Direction, ExceptionType
from porchlight.insight.contacts import ContactIn, record_contact
from porchlight.models import Agent, Case, EmailSuppression, Order, Shipment
from porchlight.notifications.sms import to_gsm7
from porchlight.notifications.unsubscribe import unsubscribe_token
from porchlight.orders.links import order_url
from porchlight.orders.orders import new_access_token
from porchlight.platform.clock import utcnow
from porchlight.platform.settings import Settings
from porchlight.tracking.status_text import N_
from porchlight.tracking.templating import environment

CONTACT_CHANNELS = ("phone", "email", "chat", "social")


def subject_of(order: Order) -> str:
    return f"order:{order.id}"


async def open_case(order: Order, tracking_number: str, type_: str, note: str, by: Agent) -> Case:
    """A case on one of the order's parcels (the only one, or the one named)."""
    parcels = await Shipment.filter(order_id=order.id).order_by("id")
    wanted = tracking_number.replace(" ", "").upper()
    chosen = [p for p in parcels if p.tracking_number == wanted] if wanted else parcels[:1]
    if type_ not in set(ExceptionType) or not chosen:
        raise CaseError(N_("Choose a parcel of this order and an exception type."))
    case, opened = await open_or_join(
        chosen[0], ExceptionType(type_), CaseSource.AGENT, note.strip()[:2000], author=by
    )
    await record(
        "order.case_open" if opened else "order.case_join",
        brand=order.brand,
        agent=by,
        subject=subject_of(order),
        after={"case": case.id, "type": type_, "tracking_number": chosen[0].tracking_number},
    )
    return case


async def log_contact(order: Order, channel: str, by: Agent) -> None:
    """The shopper called or wrote about this order: it counts toward the contact rate."""
    if channel not in CONTACT_CHANNELS:
        raise CaseError(N_("Choose how the customer got in touch."))
    returns = await Shipment.filter(order_id=order.id, direction=Direction.RETURN).exists()
    outbound = await Shipment.filter(order_id=order.id, direction=Direction.OUTBOUND).exists()
    reason = ContactReason.WISMR if returns and not outbound else ContactReason.WISMO
    data = ContactIn(channel=channel, reason=reason, order_number=order.number)
    contact, _ = await record_contact(order.brand, data, agent=by)
    await record(
        "order.contact",
        brand=order.brand,
        agent=by,
        subject=subject_of(order),
        after={"contact": contact.id, "channel": channel, "reason": reason.value},
    )


async def resend_link(settings: Settings, order: Order, channel: str, by: Agent) -> str:
    """Send the order's link again, by email or SMS, now (the shopper is on the line). A
    shopper's own refusals still hold: a suppressed address or a STOPped number gets nothing.
    Returns the provider's id; a provider's refusal propagates."""
    customer = order.customer
    if channel == Channel.EMAIL:
        if await EmailSuppression.exists(email=customer.email):
            raise CaseError(N_("This address bounced or reported spam: we no longer email it."))
        to = customer.email
    elif channel == Channel.SMS:
        if not customer.phone:
            raise CaseError(N_("We have no mobile number for this customer."))
        if customer.sms_opted_out_at is not None:
            raise CaseError(N_("This number replied STOP: we do not text it."))
        to = customer.phone
    else:
        raise CaseError(N_("Choose email or text message."))
    brand = order.brand
    link = await order_url(settings.public_base_url, brand, order)
    secret = settings.secret_key.get_secret_value()
    unsubscribe = f"{link.rsplit('/o/', 1)[0]}/unsubscribe/{unsubscribe_token(secret, customer)}"
    locale = customer.locale or brand.default_locale
    env = environment(brand.theme, locale)
    context = {
        "brand": brand,
        "order": order,
        "order_url": link,
        "unsubscribe_url": unsubscribe,
        "accent": settings_of(brand).accent,
        "parcels": [],
        "locale": locale,
    }

    def part(name: str, **extra: object) -> str:
        return env.get_template(f"tracking_link/{name}").render({**context, **extra}).strip()

    email = channel == Channel.EMAIL
    subject = " ".join(part("subject.txt").split()) if email else ""
    message = Outgoing(
        reference=f"link-{order.id}-{int(utcnow().timestamp())}",
        brand_id=brand.id,
        kind=Channel(channel),
        to=to,
        subject=subject,
        text=part("body.txt") if email else to_gsm7(" ".join(part("sms.txt").split())),
        html=part("body.html", subject=subject) if email else "",
        sender=(brand.email_from or settings.email_from)
        if email
        else (brand.sms_from or settings.twilio_from_number or ""),
        unsubscribe_url=unsubscribe,
        status_callback=f"{settings.public_base_url}/hooks/twilio/status",
    )
    provider_id = await send_once(Channel(channel), settings, message)
    await record(
        "order.link_resent",
        brand=brand,
        agent=by,
        subject=subject_of(order),
        after={"channel": channel, "provider_id": provider_id},
    )
    return provider_id


async def new_link(order: Order, by: Agent) -> None:
    """A fresh token: the old link (forwarded, leaked) stops opening the order at once."""
    order.access_token = new_access_token()
    await order.save(update_fields=["access_token"])
    await record("order.link_replaced", brand=order.brand, agent=by, subject=subject_of(order))


async def pause_notifications(order: Order, paused: bool, by: Agent) -> None:
    """While paused, the notifier records every message about this order as skipped."""
    before = order.notifications_paused_at is not None
    order.notifications_paused_at = utcnow() if paused else None
    await order.save(update_fields=["notifications_paused_at"])
    await record(
        "order.notifications_paused" if paused else "order.notifications_resumed",
        brand=order.brand,
        agent=by,
        subject=subject_of(order),
        before={"paused": before},
        after={"paused": paused},
    )
