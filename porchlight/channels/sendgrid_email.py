"""Email through the sendgrid SDK; SENDGRID_API_BASE points it elsewhere (tests: a stub)."""

import urllib.error

import anyio
from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import CustomArg, From, Header, Mail, ReplyTo

from porchlight.channels.base import Channel, Outgoing, PermanentSendError, TransientSendError
from porchlight.platform.settings import Settings

TRANSIENT = {408, 425, 429, 500, 502, 503, 504}
TIMEOUT = 10.0


class SendGridEmail(Channel):
    name = "sendgrid"

    def __init__(self, settings: Settings) -> None:
        if settings.sendgrid_api_key is None:
            raise PermanentSendError("SENDGRID_API_KEY is not set")
        self.client = SendGridAPIClient(
            settings.sendgrid_api_key.get_secret_value(), host=settings.sendgrid_api_base
        )

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
        # One-click unsubscribe (RFC 8058) and our id, echoed back in event webhooks. Mail to an
        # agent (an invitation, a test from the console) has no list to leave.
        if message.unsubscribe_url:
            mail.add_header(Header("List-Unsubscribe", f"<{message.unsubscribe_url}>"))
            mail.add_header(Header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        if message.reference.isdigit():
            mail.custom_arg = CustomArg("notification_id", str(int(message.reference)))
        try:
            # The client's own timeout; the SDK passes it to urllib for every call.
            response = self.client.client.mail.send.post(request_body=mail.get(), timeout=TIMEOUT)
        except HTTPError as exc:
            error = TransientSendError if exc.status_code in TRANSIENT else PermanentSendError
            raise error(f"SendGrid {exc.status_code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TransientSendError(f"SendGrid unreachable: {exc}") from None
        return str(response.headers.get("X-Message-Id", ""))

    async def send(self, message: Outgoing) -> str:
        # The SDK is synchronous: keep the worker's event loop free while it talks.
        return await anyio.to_thread.run_sync(self._send, message)
