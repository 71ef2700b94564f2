"""SMS through the twilio SDK's asynchronous client (aiohttp: no thread per call, and its
connections kept). TWILIO_API_BASE sends the SDK's calls to another base URL (tests: a local
stub), through the SDK's documented extension point, its HTTP client."""

from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, encode_basic_auth
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance

from porchlight.channels.base import Channel, Outgoing, PermanentSendError, TransientSendError
from porchlight.platform.settings import Settings

TRANSIENT = {408, 425, 429, 500, 502, 503, 504}
TIMEOUT = 10.0


class HttpClient(AsyncTwilioHttpClient):
    """The SDK's aiohttp client with a timeout on every call, the account's credentials sent
    as a header (aiohttp deprecates its `auth`), and each URL's scheme and host swapped for
    TWILIO_API_BASE when set. Its session is made at the first call, inside the event loop."""

    session: ClientSession | None

    def __init__(self, base_url: str | None) -> None:
        super().__init__(pool_connections=False, timeout=TIMEOUT)
        self.base = urlsplit(base_url) if base_url else None

    async def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the SDK's signature
        allow_redirects: bool = False,
    ) -> Response:
        if self.session is None:
            self.session = ClientSession(timeout=ClientTimeout(total=TIMEOUT))
        if self.base:
            parts = urlsplit(url)
            url = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, ""))
        headers = dict(headers or {})
        if auth:
            headers["Authorization"] = encode_basic_auth(*auth)
        return await super().request(
            method, url, params, data, headers, None, timeout, allow_redirects
        )


def twilio_client(settings: Settings) -> Client:
    """The SDK's client for the account, at TWILIO_API_BASE when set; `close_client` ends it."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise PermanentSendError("TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are not set")
    return Client(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        http_client=HttpClient(settings.twilio_api_base),
    )


async def close_client(client: Client) -> None:
    await client.http_client.close()  # type: ignore[attr-defined]


async def created(call: Awaitable[MessageInstance]) -> str:
    """The created message's sid, or Twilio's refusal as a transient or permanent error."""
    try:
        sent = await call
    except TwilioRestException as exc:
        error = TransientSendError if exc.status in TRANSIENT else PermanentSendError
        raise error(f"Twilio {exc.status} {exc.code}: {exc.msg}") from None
    except (ClientError, TimeoutError, OSError) as exc:
        raise TransientSendError(f"Twilio unreachable: {type(exc).__name__}") from None
    return str(sent.sid)


class TwilioSms(Channel):
    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        self.client = twilio_client(settings)
        self.messaging_service = settings.twilio_messaging_service_sid
        self.from_number = settings.twilio_from_number

    async def send(self, message: Outgoing) -> str:
        sender: dict[str, Any] = (
            {"messaging_service_sid": self.messaging_service}
            if self.messaging_service
            else {"from_": message.sender or self.from_number}
        )
        return await created(
            self.client.messages.create_async(
                to=message.to,
                body=message.text,
                status_callback=message.status_callback,
                **sender,
            )
        )

    async def close(self) -> None:
        await close_client(self.client)
