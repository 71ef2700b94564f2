"""Email through the sendgrid SDK; SENDGRID_API_BASE points it elsewhere (tests: a stub). A
worker's wave of emails goes in as few calls as their contents allow (sendgrid_batch)."""

import urllib.error
from collections import defaultdict

import anyio
from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Content, From, Mail, ReplyTo

from porchlight.channels.base import Channel, Outgoing, PermanentSendError, TransientSendError
from porchlight.channels.sendgrid_batch import (
    MAX_PERSONALIZATIONS,
    notification_arg,
    personalization,
    shared_content,
    unsubscribe_headers,
)
from porchlight.platform.settings import Settings

TRANSIENT = {408, 425, 429, 500, 502, 503, 504}
TIMEOUT = 10.0


class SendGridEmail(Channel):
    name = "sendgrid"
    batch = MAX_PERSONALIZATIONS

    def __init__(self, settings: Settings) -> None:
        if settings.sendgrid_api_key is None:
            raise PermanentSendError("SENDGRID_API_KEY is not set")
        self.client = SendGridAPIClient(
            settings.sendgrid_api_key.get_secret_value(), host=settings.sendgrid_api_base
        )

    def _post(self, mail: Mail) -> str:
        try:
            # The client's own timeout; the SDK passes it to urllib for every call.
            response = self.client.client.mail.send.post(request_body=mail.get(), timeout=TIMEOUT)
        except HTTPError as exc:
            error = TransientSendError if exc.status_code in TRANSIENT else PermanentSendError
            raise error(f"SendGrid {exc.status_code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TransientSendError(f"SendGrid unreachable: {exc}") from None
        return str(response.headers.get("X-Message-Id", ""))

    def _send(self, message: Outgoing) -> str:
        mail = Mail(
            from_email=From(message.sender, message.sender_name or None),
            to_emails=message.to,
            subject=message.subject,
            plain_text_content=message.text,
            html_content=message.html or None,
        )
        if message.reply_to:
            mail.reply_to = ReplyTo(message.reply_to)
        for header in unsubscribe_headers(message):
            mail.add_header(header)
        if arg := notification_arg(message):
            mail.custom_arg = arg
        return self._post(mail)

    def _send_shared(self, messages: list[Outgoing]) -> list[str | BaseException]:
        """Messages of one sender in one call when their contents can be shared, else one by
        one. A call refused outright (a 400: one bad address refuses them all, and none was
        sent) is tried again one by one, so only the bad one fails."""
        shared = shared_content(messages) if len(messages) > 1 else None
        if shared is None:
            return [self._attempt(message) for message in messages]
        first = messages[0]
        mail = Mail(from_email=From(first.sender, first.sender_name or None), subject=first.subject)
        if first.reply_to:
            mail.reply_to = ReplyTo(first.reply_to)
        mail.add_content(Content("text/plain", shared.text))
        if first.html:
            mail.add_content(Content("text/html", shared.html))
        for n, (message, values) in enumerate(zip(messages, shared.values, strict=True)):
            mail.add_personalization(personalization(message, values), index=n)
        try:
            sent = self._post(mail)
        except PermanentSendError:
            return [self._attempt(message) for message in messages]
        except TransientSendError as exc:
            return [exc] * len(messages)
        return [sent] * len(messages)

    def _attempt(self, message: Outgoing) -> str | BaseException:
        try:
            return self._send(message)
        except (PermanentSendError, TransientSendError) as exc:
            return exc

    async def send(self, message: Outgoing) -> str:
        # The SDK is synchronous: keep the worker's event loop free while it talks.
        return await anyio.to_thread.run_sync(self._send, message)

    async def send_many(self, messages: list[Outgoing]) -> list[str | BaseException]:
        """Each message's provider id or error, in order: one call per sender (address, name
        and reply-to) and whether it has an HTML part."""
        groups: dict[tuple[str, str, str, bool], list[int]] = defaultdict(list)
        for n, message in enumerate(messages):
            key = (message.sender, message.sender_name, message.reply_to, bool(message.html))
            groups[key].append(n)
        results: list[str | BaseException] = [PermanentSendError("not sent")] * len(messages)
        for members in groups.values():
            answers = await anyio.to_thread.run_sync(
                self._send_shared, [messages[n] for n in members]
            )
            for n, answer in zip(members, answers, strict=True):
                results[n] = answer
        return results
