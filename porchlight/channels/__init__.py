"""Where messages go: a Protocol and one module per provider, chosen by setting."""

from porchlight.channels.base import (
    Channel,
    ManyAtOnce,
    Outgoing,
    PermanentSendError,
    TransientSendError,
)
from porchlight.enums import Channel as Kind
from porchlight.platform.settings import Settings


def channel_for(kind: Kind, settings: Settings) -> Channel:
    """EMAIL_BACKEND / SMS_BACKEND pick the provider (WhatsApp goes where SMS goes: Twilio's
    same Messages API); `outbox` writes files for the demo."""
    backend = settings.email_backend if kind == Kind.EMAIL else settings.sms_backend
    if backend == "twilio" and kind == Kind.WHATSAPP:
        from porchlight.channels.twilio_whatsapp import TwilioWhatsApp

        return TwilioWhatsApp(settings)
    if backend == "sendgrid":
        from porchlight.channels.sendgrid_email import SendGridEmail

        return SendGridEmail(settings)
    if backend == "twilio":
        from porchlight.channels.twilio_sms import TwilioSms

        return TwilioSms(settings)
    from porchlight.channels.outbox import Outbox

    return Outbox(settings)


async def send_once(kind: Kind, settings: Settings, message: Outgoing) -> str:
    """One message outside the worker's send loop (an agent's, an alert): a channel of its own,
    closed after."""
    channel = channel_for(kind, settings)
    try:
        return await channel.send(message)
    finally:
        await channel.close()


__all__ = [
    "Channel",
    "ManyAtOnce",
    "Outgoing",
    "PermanentSendError",
    "TransientSendError",
    "channel_for",
    "send_once",
]
