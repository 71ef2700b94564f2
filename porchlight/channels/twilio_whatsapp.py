"""WhatsApp through Twilio's same Messages API and SDK: `whatsapp:+…` addresses, and a
pre-approved template (ContentSid with its ContentVariables) instead of a body, which WhatsApp
requires for messages the business starts."""

import anyio

from porchlight.channels.base import Outgoing
from porchlight.channels.twilio_sms import created, twilio_client
from porchlight.platform.settings import Settings


class TwilioWhatsApp:
    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        self.client = twilio_client(settings)

    def _send(self, message: Outgoing) -> str:
        return created(
            lambda: self.client.messages.create(
                to=message.to,
                from_=message.sender,
                content_sid=message.content_sid,
                content_variables=message.content_variables,
                status_callback=message.status_callback,
            )
        )

    async def send(self, message: Outgoing) -> str:
        return await anyio.to_thread.run_sync(self._send, message)
