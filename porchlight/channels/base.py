"""The contract every channel keeps: send one rendered message, return the provider's id."""

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from porchlight.enums import Channel as Kind


class TransientSendError(Exception):
    """Worth retrying: 5xx, 429, timeouts, connection trouble."""


class PermanentSendError(Exception):
    """Retrying cannot help: an invalid number, a rejected address, bad credentials."""


@dataclass(frozen=True)
class Outgoing:
    reference: str  # our id for it: a notification's zero-padded id, or e.g. "digest-..."
    brand_id: int  # whose message it is: the outbox shows each agent only their brands'
    kind: Kind
    to: str
    subject: str
    text: str
    html: str
    sender: str  # email address or phone number / messaging service
    unsubscribe_url: str
    status_callback: str
    sender_name: str = ""  # an email's display name: the brand's, not "tracking@…"
    reply_to: str = ""  # where a shopper's reply to an email goes (the brand's care address)
    # WhatsApp: the approved template (Twilio Content SID) and its placeholders' values as
    # JSON; `text` is then only what the message says, for the record and the outbox.
    content_sid: str = ""
    content_variables: str = ""


class Channel(Protocol):
    name: str

    async def send(self, message: Outgoing) -> str: ...

    async def close(self) -> None:
        """Its kept connections closed (a channel lives as long as its worker); a channel that
        keeps none has nothing to do."""
        return None


@runtime_checkable
class ManyAtOnce(Protocol):
    """A channel whose provider takes many messages in one call (SendGrid's personalizations)."""

    batch: int  # messages one call may carry

    async def send_many(self, messages: list[Outgoing]) -> list[str | BaseException]:
        """Each message's provider id or error, in order."""
        ...
