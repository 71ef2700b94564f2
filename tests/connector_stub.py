"""A local stand-in for the services the connectors call: EasyPost's Tracker create, AfterShip's
create tracking, Shippo's tracks, and the Shopify Admin API's order reads and webhook
subscriptions. It records what the
real clients sent and answers the way the services do (AfterShip's "already exists" included),
or fails on request."""

import json
import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

ADMIN = "/admin/api/2025-10"


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    json: dict[str, Any] = field(default_factory=dict)


class ConnectorStub:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: list[int] = []  # status codes, consumed one per request
        self.orders: list[dict[str, Any]] = []  # the shop's orders, oldest first
        self.page_size = 2
        self.refuse_page: str | None = None  # this page_info answers 503, once
        self.aftership_known: set[str] = set()
        self.webhooks: list[dict[str, Any]] = []  # the shop's subscriptions
        self.lock = threading.Lock()
        self.base = ""

    def of(self, prefix: str) -> list[Call]:
        return [c for c in self.calls if c.path.startswith(prefix)]

    @property
    def trackers(self) -> list[Call]:
        return self.of("/v2/trackers")


def _handler(stub: ConnectorStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> Call | None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
            call = Call(self.command, self.path, dict(self.headers))
            if raw:
                call.json = json.loads(raw)
            with stub.lock:
                stub.calls.append(call)
                failure = stub.failures.pop(0) if stub.failures else 0
            if failure:
                # Each service's own error shape (the EasyPost SDK reads error.message).
                body: dict[str, Any] = {"error": "stub failure"}
                if call.path.startswith("/v2/"):
                    body = {"error": {"code": "STUB", "message": "stub failure", "errors": []}}
                self._answer(failure, body)
                return None
            return call

        def do_POST(self) -> None:
            call = self._record()
            if call is None:
                return
            if call.path == "/v2/trackers":
                tracker = call.json["tracker"]
                self._answer(
                    201,
                    {
                        "object": "Tracker",
                        "id": "trk_" + secrets.token_hex(8),
                        "tracking_code": tracker["tracking_code"],
                        "carrier": tracker.get("carrier", ""),
                        "status": "unknown",
                    },
                )
            elif call.path == "/tracking/2026-07/trackings":
                number = call.json["tracking_number"]
                if number in stub.aftership_known:
                    self._answer(
                        400, {"meta": {"code": 4003, "message": "Tracking already exists."}}
                    )
                    return
                stub.aftership_known.add(number)
                self._answer(
                    201,
                    {
                        "meta": {"code": 200},
                        "data": {"id": secrets.token_hex(8), "tracking_number": number},
                    },
                )
            elif call.path == "/tracks/":
                self._answer(201, {**call.json, "tracking_status": None})
            elif call.path == f"{ADMIN}/webhooks.json":
                if call.headers.get("X-Shopify-Access-Token") != "shpat_test_token_0123":
                    self._answer(401, {"errors": "[API] Invalid API key or access token"})
                    return
                hook = {"id": len(stub.webhooks) + 1, **call.json["webhook"]}
                if any(
                    (w["topic"], w["address"]) == (hook["topic"], hook["address"])
                    for w in stub.webhooks
                ):
                    self._answer(
                        422, {"errors": {"address": ["for this topic has already been taken"]}}
                    )
                    return
                stub.webhooks.append(hook)
                self._answer(201, {"webhook": hook})
            else:
                self._answer(404, {"error": "unknown path"})

        def do_GET(self) -> None:
            call = self._record()
            if call is None:
                return
            url = urlsplit(call.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if call.headers.get("X-Shopify-Access-Token") != "shpat_test_token_0123":
                self._answer(401, {"errors": "[API] Invalid API key or access token"})
            elif found := re.fullmatch(rf"{ADMIN}/orders/(\d+)\.json", url.path):
                order = next((o for o in stub.orders if o["id"] == int(found[1])), None)
                self._answer(
                    200 if order else 404, {"order": order} if order else {"errors": "Not Found"}
                )
            elif url.path == f"{ADMIN}/webhooks.json":
                self._answer(200, {"webhooks": stub.webhooks})
            elif url.path == f"{ADMIN}/orders/count.json":
                self._answer(200, {"count": len(stub.orders)})
            elif url.path == f"{ADMIN}/orders.json" and query.get("page_info") == stub.refuse_page:
                stub.refuse_page = None
                self._answer(503, {"errors": "Service Unavailable"})
            elif url.path == f"{ADMIN}/orders.json":
                start = int(query.get("page_info", "0"))
                page = stub.orders[start : start + stub.page_size]
                headers = {}
                if start + stub.page_size < len(stub.orders):
                    following = (
                        f"{stub.base}{ADMIN}/orders.json?limit=2&page_info={start + stub.page_size}"
                    )
                    headers["Link"] = f'<{following}>; rel="next"'
                self._answer(200, {"orders": page}, headers)
            else:
                self._answer(404, {"errors": "Not Found"})

        def _answer(
            self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def connector_stub() -> Iterator[ConnectorStub]:
    stub = ConnectorStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    stub.base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield stub
    server.shutdown()
    server.server_close()
