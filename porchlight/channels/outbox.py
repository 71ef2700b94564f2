"""The demo's and the default channel: every message lands as a file, which agents of its brand
browse at /outbox when OUTBOX_VIEWER is on."""

import json

import anyio

from porchlight.channels.base import Channel, Outgoing
from porchlight.platform.settings import Settings


class Outbox(Channel):
    name = "outbox"

    def __init__(self, settings: Settings) -> None:
        self.directory = anyio.Path(settings.outbox_dir)

    async def send(self, message: Outgoing) -> str:
        await self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"{message.reference}-{message.kind.value}"
        record = {
            "brand": message.brand_id,
            "to": message.to,
            "from": f"{message.sender_name} <{message.sender}>"
            if message.sender_name
            else message.sender,
            "reply_to": message.reply_to,
            "subject": message.subject,
            "text": message.text,
            "unsubscribe": message.unsubscribe_url,
        }
        if message.content_sid:  # WhatsApp: the template that goes, and what fills it
            record["content_sid"] = message.content_sid
            record["content_variables"] = message.content_variables
        await (self.directory / f"{stem}.json").write_text(json.dumps(record, indent=2))
        if message.html:
            await (self.directory / f"{stem}.html").write_text(message.html)
        return f"outbox:{stem}"
