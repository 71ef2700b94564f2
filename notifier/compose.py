"""A due notification as the message the shopper gets: read what a batch of rows needs in a few
queries (`Reading`), then render each one without touching the database (`compose`)."""

from collections.abc import Iterable
from dataclasses import dataclass

from porchlight.accounts.brand_settings import settings_of
from porchlight.channels import Outgoing, PermanentSendError
from porchlight.enums import Channel, Direction, Trigger
from porchlight.models import Brand, Notification, Order, Refund
from porchlight.notifications import whatsapp
from porchlight.notifications.messages import brand_look, render_message
from porchlight.notifications.rating_links import rating_urls
from porchlight.notifications.texts import BrandTexts
from porchlight.notifications.unsubscribe import unsubscribe_token
from porchlight.orders.links import brand_base_url, order_link
from porchlight.orders.split import still_to_come
from porchlight.platform import i18n
from porchlight.platform.settings import Settings
from porchlight.tracking import derive, timeline
from porchlight.tracking.status_text import headline


@dataclass(frozen=True)
class Reading:
    """What the messages of a batch show beyond their rows: each order's parcels, each brand's
    link base and own texts, the newest refund of orders told about one."""

    parcels: dict[int, list[timeline.Parcel]]
    bases: dict[int, str]
    texts: BrandTexts
    refunds: dict[int, Refund]

    @classmethod
    async def of(cls, settings: Settings, rows: Iterable[Notification]) -> "Reading":
        """Rows fetched with `shipment__order__brand`: a few queries, whatever their number."""
        orders = {row.shipment.order.id: row.shipment.order for row in rows}
        brands = {order.brand.id: order.brand for order in orders.values()}
        told = [r.shipment.order.id for r in rows if r.trigger == Trigger.REFUND_ISSUED]
        refunds: dict[int, Refund] = {}
        for refund in await Refund.filter(order_id__in=told).order_by("id") if told else []:
            refunds[refund.order_id] = refund  # type: ignore[attr-defined]  # the newest wins
        return cls(
            parcels=await timeline.parcels_of(list(orders.values())),
            bases={
                brand_id: await brand_base_url(settings.public_base_url, brand)
                for brand_id, brand in brands.items()
            },
            texts=await BrandTexts.of(set(brands)),
            refunds=refunds,
        )


def compose(
    settings: Settings, row: Notification, in_message: set[int], reading: Reading
) -> Outgoing:
    """`row` with its customer and `shipment__order__brand`; `in_message`: the shipments the
    message is about (a "shipped" email may carry several of an order's parcels)."""
    order: Order = row.shipment.order
    brand: Brand = order.brand
    customer = row.customer
    parcels = reading.parcels[order.id]
    outbound = [p for p in parcels if p.shipment.direction == Direction.OUTBOUND]
    total = timeline.parcel_total(order, len(outbound))
    trigger = Trigger(row.trigger)
    if trigger == Trigger.SHIPPED and total > 1 and len(in_message) < total:
        trigger = Trigger.SPLIT_PROGRESS  # "2 of 3 parcels shipped"
    shipped = sum(1 for p in outbound if p.shipment.first_scan_at or p.shipment.id in in_message)
    base = reading.bases[brand.id]
    secret = settings.secret_key.get_secret_value()
    unsubscribe = f"{base}/unsubscribe/{unsubscribe_token(secret, customer)}"
    # The delivered email asks how it went: one signed link per score (porchlight.feedback).
    rate = trigger == Trigger.DELIVERED and row.channel == Channel.EMAIL
    shipment_id: int = row.shipment_id  # type: ignore[attr-defined]
    chosen = settings_of(brand)
    offered = customer.locale in chosen.languages  # else the brand stopped offering it
    locale = (customer.locale if offered else None) or brand.default_locale
    context = {
        "brand": brand,
        "order": order,
        "customer": customer,
        "locale": locale,
        "order_url": order_link(base, order),
        "unsubscribe_url": unsubscribe,
        **brand_look(brand, base),
        "support": chosen.support,
        "tz": i18n.time_zone(customer.time_zone, brand.time_zone),
        "shipped_count": shipped,
        "parcel_count": total,
        "still_to_come": still_to_come(order, [p.shipment for p in parcels]),
        "previous_date": row.about_date,  # a date message: the date before the move
        "refund": reading.refunds.get(order.id) if trigger == Trigger.REFUND_ISSUED else None,
        "rating_urls": rating_urls(base, secret, order.id, shipment_id) if rate else [],
        "parcels": [
            {
                "position": p.position,
                "of": p.of,
                "carrier": p.shipment.carrier,
                "tracking_number": p.shipment.tracking_number,
                "headline": headline(p.shipment.direction, p.derived.status),
                "estimated_delivery": derive.date_ahead(p.derived),
                "delivered_at": p.derived.delivered_at,
            }
            for p in parcels
            if p.shipment.id in in_message
        ],
    }
    own = reading.texts.own(brand, trigger, locale)  # the brand's wording, from the console
    email = row.channel == Channel.EMAIL
    rendered = render_message(
        trigger, brand.theme, locale, context, chosen.tone, own=own, email=email, sms=not email
    )
    if row.channel == Channel.WHATSAPP:
        template = whatsapp.template_for(brand, (trigger, Trigger(row.trigger)), locale, context)
        if template is None:  # turned off since the row was written
            raise PermanentSendError("WhatsApp is off for this brand or message")
        return Outgoing(
            reference=f"{row.id:08d}",
            brand_id=brand.id,
            kind=Channel.WHATSAPP,
            to=whatsapp.address(row.recipient),
            subject="",
            text=rendered.sms,
            html="",
            sender=whatsapp.address(chosen.whatsapp.sender or ""),
            unsubscribe_url=unsubscribe,
            status_callback=f"{settings.public_base_url}/hooks/twilio/status",
            content_sid=template.content_sid,
            content_variables=template.content_variables,
        )
    return Outgoing(
        reference=f"{row.id:08d}",
        brand_id=brand.id,
        kind=Channel(row.channel),
        to=row.recipient,
        subject=rendered.subject if email else "",
        text=rendered.text if email else rendered.sms,
        html=rendered.html if email else "",
        sender=(brand.email_from or settings.email_from)
        if email
        else (brand.sms_from or settings.twilio_from_number or ""),
        sender_name=brand.name if email else "",
        unsubscribe_url=unsubscribe,
        status_callback=f"{settings.public_base_url}/hooks/twilio/status",
        reply_to=(chosen.reply_to or "") if email else "",
    )
