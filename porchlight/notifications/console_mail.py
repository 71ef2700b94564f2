"""Messages the console sends on an admin's request: a test of a message text, rendered with the
made-up order, and an agent's invitation. Both go through the configured backend (or the
outbox), like every notification."""

import secrets

from porchlight.channels import Outgoing, send_once
from porchlight.enums import Channel, Trigger
from porchlight.models import Brand, MessageText
from porchlight.notifications.messages import Rendered, render_message, sample_context
from porchlight.notifications.texts import check
from porchlight.platform.settings import Settings
from porchlight.tracking.templating import environment


def preview(
    brand: Brand,
    trigger: Trigger,
    channel: Channel,
    locale: str,
    *,
    subject: str,
    body: str,
    base_url: str,
) -> Rendered:
    """The message as the edited (maybe unsaved) text makes it, for the made-up order. The
    text is checked first: a bad one raises TextError, as saving it would."""
    own = {}
    if body.strip():
        own[channel] = MessageText(
            subject=check(trigger, "subject", subject) if channel == Channel.EMAIL else "",
            body=check(trigger, "body", body),
        )
    context = sample_context(brand, locale, f"{base_url.rstrip('/')}/o/sample")
    return render_message(trigger, brand.theme, locale, context, own=own)


def _sender(settings: Settings, brand: Brand, channel: Channel) -> str:
    if channel == Channel.EMAIL:
        return brand.email_from or settings.email_from
    return brand.sms_from or settings.twilio_from_number or ""


async def send_test(
    settings: Settings, brand: Brand, channel: Channel, to: str, message: Rendered
) -> str:
    """Sends a preview to `to` (an address or an E.164 number the caller checked); returns
    the provider's id. Nothing is recorded as a notification: no order is involved."""
    email = channel == Channel.EMAIL
    outgoing = Outgoing(
        reference=f"test-{secrets.token_hex(6)}",
        brand_id=brand.id,
        kind=channel,
        to=to,
        subject=message.subject if email else "",
        text=message.text if email else message.sms,
        html=message.html if email else "",
        sender=_sender(settings, brand, channel),
        unsubscribe_url="",
        # Twilio reports on it like any SMS; the hook finds no notification for it and moves on.
        status_callback="" if email else f"{settings.public_base_url}/hooks/twilio/status",
    )
    return await send_once(channel, settings, outgoing)


def invite_link(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/agent/welcome/{token}"


async def send_invite(
    settings: Settings, brand: Brand, to: str, token: str, inviter: str, locale: str
) -> str:
    """The invitation with its one-time link, in the brand's theme and the given language."""
    env = environment(brand.theme, locale)
    context = {"brand": brand, "link": invite_link(settings, token), "inviter": inviter}
    outgoing = Outgoing(
        reference=f"invite-{secrets.token_hex(6)}",
        brand_id=brand.id,
        kind=Channel.EMAIL,
        to=to,
        subject=" ".join(env.get_template("invite/subject.txt").render(context).split()),
        text=env.get_template("invite/body.txt").render(context).strip(),
        html="",
        sender=_sender(settings, brand, Channel.EMAIL),
        unsubscribe_url="",
        status_callback="",
    )
    return await send_once(Channel.EMAIL, settings, outgoing)
