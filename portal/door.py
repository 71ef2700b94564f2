"""The door every request passes, one plain ASGI layer: its request id, its input checks (a NUL
in the URL, a body over its route's limit), the security headers and the request id on its
response, and its log line. One layer where there were four, each wrapping `send` and reading
the headers again."""

import time

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from porchlight.platform.logs import correlation_id
from portal.body import BodyTooLarge
from portal.errors import http_error
from portal.request_log import RequestLog, request_id
from portal.security import BodyLimits, nul_in_url, security_headers

REQUEST_ID = b"x-request-id"


class Door:
    def __init__(
        self, app: ASGIApp, *, limits: BodyLimits, hsts: bool = False, log_sample: float = 1.0
    ) -> None:
        self.app = app
        self.limits = limits
        self.headers = security_headers(hsts)
        self.log = RequestLog(log_sample)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = incoming = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == REQUEST_ID:
                incoming = value
            elif name == b"transfer-encoding":
                chunked = True
        rid = request_id(incoming)
        token = correlation_id.set(rid)
        started = time.perf_counter()
        status = 500
        own = [*self.headers, (REQUEST_ID, rid.encode())]

        async def dressed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(n, v) for n, v in message.get("headers", ()) if n != REQUEST_ID]
                present = {name for name, _ in headers}
                headers += [(n, v) for n, v in own if n not in present]
                message["headers"] = headers
            await send(message)

        try:
            if nul_in_url(scope):
                refusal = JSONResponse({"error": "the URL contains a NUL character"}, 400)
                await refusal(scope, receive, dressed)
            elif declared is None and not chunked:
                await self.app(scope, receive, dressed)  # no body (HTTP/1.1 has no third way)
            else:
                await self._limited(scope, receive, dressed, declared)
        finally:
            self.log(scope, status, time.perf_counter() - started)
            correlation_id.reset(token)

    async def _limited(
        self, scope: Scope, receive: Receive, send: Send, declared: bytes | None
    ) -> None:
        size, limit = self.limits.of(declared)
        if limit is None:
            limit = self.limits.limit_for(scope)
        if size is not None and size > limit:
            response = await http_error(Request(scope), BodyTooLarge(limit))
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
