"""SMS through the twilio SDK. TWILIO_API_BASE sends the SDK's calls to another base URL
(tests: a local stub), through the SDK's documented extension point, its HTTP client."""

from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import anyio
from requests.exceptions import RequestException
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance

from porchlight.channels.base import Outgoing, PermanentSendError, TransientSendError
from porchlight.platform.settings import Settings

TRANSIENT = {408, 425, 429, 500, 502, 503, 504}
TIMEOUT = 10.0


class RebasedHttpClient(TwilioHttpClient):
    """Swaps scheme and host of every request for the configured base URL."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=TIMEOUT)
        self.base = urlsplit(base_url)

    def request(self, method: str, url: str, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def, override]
        parts = urlsplit(url)
        rebased = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, ""))
        return super().request(method, rebased, *args, **kwargs)


def twilio_client(settings: Settings) -> Client:
    """The SDK's client for the account, at TWILIO_API_BASE when set."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise PermanentSendError("TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are not set")
    http = (
        RebasedHttpClient(settings.twilio_api_base)
        if settings.twilio_api_base
        else TwilioHttpClient(timeout=TIMEOUT)
    )
    return Client(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        http_client=http,
    )


def created(call: Callable[[], MessageInstance]) -> str:
    """The created message's sid, or Twilio's refusal as a transient or permanent error."""
    try:
        sent = call()
    except TwilioRestException as exc:
        error = TransientSendError if exc.status in TRANSIENT else PermanentSendError
        raise error(f"Twilio {exc.status} {exc.code}: {exc.msg}") from None
    except RequestException as exc:
        raise TransientSendError(f"Twilio unreachable: {type(exc).__name__}") from None
    return str(sent.sid)


class TwilioSms:
    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        self.client = twilio_client(settings)
        self.messaging_service = settings.twilio_messaging_service_sid
        self.from_number = settings.twilio_from_number

    def _send(self, message: Outgoing) -> str:
        sender = (
            {"messaging_service_sid": self.messaging_service}
            if self.messaging_service
            else {"from_": message.sender or self.from_number}
        )
        return created(
            lambda: self.client.messages.create(
                to=message.to,
                body=message.text,
                status_callback=message.status_callback,
                **sender,
            )
        )

    async def send(self, message: Outgoing) -> str:
        return await anyio.to_thread.run_sync(self._send, message)
