"""WhatsApp through Twilio's same Messages API and SDK: `whatsapp:+…` addresses, and a
pre-approved template (ContentSid with its ContentVariables) instead of a body, which WhatsApp
requires for messages the business starts."""

from porchlight.channels.base import Channel, Outgoing
from porchlight.channels.twilio_sms import close_client, created, twilio_client
from porchlight.platform.settings import Settings


class TwilioWhatsApp(Channel):
    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        self.client = twilio_client(settings)

    async def send(self, message: Outgoing) -> str:
        return await created(
            self.client.messages.create_async(
                to=message.to,
                from_=message.sender,
                content_sid=message.content_sid,
                content_variables=message.content_variables,
                status_callback=message.status_callback,
            )
        )

    async def close(self) -> None:
        await close_client(self.client)
