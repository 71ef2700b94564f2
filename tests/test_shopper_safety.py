"""What a hostile or curious visitor cannot do, and what the page costs the database."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from tortoise import Tortoise

from notifier import retailer_webhooks
from porchlight.models import Case, DeliveryRequest
from tests.factories import a_brand, an_order, order_payload, scans
from tests.test_shopper_pages import a_parcel_page, csrf, page
from tests.worker_run import run_worker

XSS = '<img src=x onerror="alert(1)">'


class QueryCounter:
    """Counts the statements sent while the block runs: through the ORM, or (on PostgreSQL)
    straight to asyncpg's pool, as the raw SQL of `porchlight.platform.sql` goes."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> "QueryCounter":
        conn = Tortoise.get_connection("default")
        self.conn, self.originals = conn, {}
        for name in ("execute_query", "execute_query_dict"):
            original = getattr(conn, name)
            self.originals[name] = original

            async def counted(*args, _original=original, **kwargs):
                self.count += 1
                return await _original(*args, **kwargs)

            setattr(conn, name, counted)
        self.pool = getattr(conn, "_pool", None)
        if self.pool is not None:
            conn._pool = _CountedPool(self.pool, self)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, original in self.originals.items():
            setattr(self.conn, name, original)
        if self.pool is not None:
            self.conn._pool = self.pool


class _CountedPool:
    """asyncpg's pool (its methods are read-only), counting the queries sent to it directly."""

    def __init__(self, pool: object, counter: QueryCounter) -> None:
        self._pool, self._counter = pool, counter

    async def fetchrow(self, *args, **kwargs):
        self._counter.count += 1
        return await self._pool.fetchrow(*args, **kwargs)

    async def fetch(self, *args, **kwargs):
        self._counter.count += 1
        return await self._pool.fetch(*args, **kwargs)

    def __getattr__(self, name: str) -> object:
        return getattr(self._pool, name)


async def test_the_order_page_costs_a_bounded_number_of_queries(client):
    brand, _ = await a_brand()
    small = await an_order(brand, "A-1", "S1")
    await scans("S1", "pre_transit")
    big = await an_order(brand, "A-2", "B1", "B2", "B3")
    for number in ("B1", "B2", "B3"):
        statuses = ["pre_transit"] + ["in_transit"] * 12 + ["out_for_delivery"]
        await scans(number, *statuses)
    await client.get("/track")  # the brand's host is looked up once, then kept
    with QueryCounter() as few:
        assert (await client.get(f"/o/{small.access_token}")).status_code == 200
    with QueryCounter() as many:
        response = await client.get(f"/o/{big.access_token}")
    assert response.status_code == 200
    assert len(page(response).css(".timeline li")) == 42
    assert many.count == few.count <= 6  # no query per parcel or per event
    with QueryCounter() as again:
        assert (await client.get(f"/o/{big.access_token}")).text == response.text
    assert again.count == 1  # the order, with whether its parcels changed since: they did not


@pytest.mark.parametrize(
    "url_suffix",
    [
        "/preferences",
        "/phone/confirm",
        "/phone/resend",
        "/parcels/{id}/report",
        "/parcels/{id}/delivery",
    ],
)
async def test_every_order_form_refuses_a_post_without_its_token(client, url_suffix):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    shipment = (await order.shipments.all())[0]
    url = f"/o/{order.access_token}" + url_suffix.format(id=shipment.id)
    await client.get(f"/o/{order.access_token}")  # a session exists, just not this form's token
    refused = await client.post(url, data={"email": "1", "kind": "damaged"})
    assert refused.status_code == 403
    forged = await client.post(url, data={"csrf_token": "forged", "kind": "damaged"})
    assert forged.status_code == 403


async def test_what_a_shopper_types_comes_back_escaped(client):
    await a_brand()
    token = await csrf(client, "/track")
    response = await client.post(
        "/track",
        data={"csrf_token": token, "order_number": XSS, "postcode": XSS},
        follow_redirects=True,
    )
    assert response.status_code == 404
    assert XSS not in response.text
    field = page(response).css_first("#order_number")
    assert field.attributes["value"] == XSS[:64]  # shown back as text, not as markup


async def test_a_reroute_without_an_address_is_explained(client):
    _, shipment, url, token = await a_parcel_page(client, delivery_options={"reroute": True})
    form = {"csrf_token": token, "kind": "reroute", "line1": XSS}
    response = await client.post(
        f"{url}/parcels/{shipment.id}/delivery", data=form, follow_redirects=True
    )
    assert response.status_code == 422
    assert "street, postcode and city" in response.text
    assert await DeliveryRequest.all().count() == 0


class Retailer(BaseHTTPRequestHandler):
    """The retailer's webhook endpoint: fails once, then accepts."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Retailer.received.append((dict(self.headers), body))
        self.send_response(503 if len(Retailer.received) == 1 else 204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def retailer_url():
    Retailer.received = []
    server = HTTPServer(("127.0.0.1", 0), Retailer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/porchlight"
    server.shutdown()
    server.server_close()


async def test_a_delivery_request_reaches_the_retailer_signed_after_a_retry(
    client, settings, arq_redis, retailer_url, monkeypatch
):
    monkeypatch.setattr(retailer_webhooks, "RETRY_BASE_SECONDS", 0.05)  # no minute-long waits
    _, shipment, url, token = await a_parcel_page(
        client,
        delivery_options={"choose_date": True},
        retailer_webhook_url=retailer_url,
        retailer_webhook_secret="retailer-secret-0123",
    )
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3 * 86400))
    form = {"csrf_token": token, "kind": "choose_date", "date": day}
    assert (
        await client.post(f"{url}/parcels/{shipment.id}/delivery", data=form)
    ).status_code == 303

    await run_worker(settings, arq_redis)  # 503 first, then the retry succeeds

    change = await DeliveryRequest.get()
    assert (change.status, change.attempts) == ("forwarded", 2)
    assert len(Retailer.received) == 2
    headers, body = Retailer.received[-1]
    assert json.loads(body)["details"] == {"date": day}
    assert headers["X-Porchlight-Signature"] == retailer_webhooks.signature(
        "retailer-secret-0123", body
    )
    assert headers["Idempotency-Key"] == f"delivery-request-{change.id}"


async def test_a_request_waits_for_the_retailers_webhook_and_goes_out_once_it_is_set(
    client, settings, arq_redis, retailer_url, monkeypatch
):
    monkeypatch.setattr(retailer_webhooks, "RETRY_BASE_SECONDS", 0.05)
    brand, shipment, url, token = await a_parcel_page(
        client, delivery_options={"pickup_point": True}
    )
    form = {"csrf_token": token, "kind": "pickup_point", "pickup_point": "K5"}
    await client.post(f"{url}/parcels/{shipment.id}/delivery", data=form)
    await run_worker(settings, arq_redis)
    change = await DeliveryRequest.get()
    assert (change.status, change.attempts) == ("requested", 0)
    assert "retailer_webhook_url" in change.last_error
    await DeliveryRequest.all().update(created_at=change.created_at - timedelta(minutes=30))
    ctx = {"redis": arq_redis, "settings": settings}
    assert await retailer_webhooks.resend_stuck_delivery_requests(ctx) == 0  # no job meanwhile
    brand.settings |= {"retailer_webhook_url": retailer_url, "retailer_webhook_secret": "s" * 16}
    await brand.save()
    assert await retailer_webhooks.resend_stuck_delivery_requests(ctx) == 1
    await run_worker(settings, arq_redis)
    assert (await DeliveryRequest.get()).status == "forwarded"
    assert [json.loads(body)["id"] for _, body in Retailer.received] == [change.id] * 2


async def test_a_return_can_be_neither_changed_nor_reported_even_by_a_hand_made_post(client):
    brand, _ = await a_brand()
    brand.settings = {"delivery_options": {"reroute": True, "pickup_point": True}}
    await brand.save()
    payload = order_payload("A-1001", "RET1")
    payload["shipments"][0]["direction"] = "return"
    order = await an_order(brand, "A-1001", **{"shipments": payload["shipments"]})
    await scans("RET1", "pre_transit", "in_transit")
    [parcel] = await order.shipments.all()
    url = f"/o/{order.access_token}"
    shown = page(await client.get(url))
    assert shown.css_first(".delivery-options") is None
    assert shown.css_first(".report-problem") is None
    token = await csrf(client, url)
    moved = await client.post(
        f"{url}/parcels/{parcel.id}/delivery",
        data={"csrf_token": token, "kind": "pickup_point", "pickup_point": "Kiosk 5"},
        follow_redirects=True,
    )
    reported = await client.post(
        f"{url}/parcels/{parcel.id}/report",
        data={"csrf_token": token, "kind": "damaged"},
        follow_redirects=True,
    )
    assert (moved.status_code, reported.status_code) == (422, 422)
    assert not await DeliveryRequest.exists()
    assert not await Case.exists()


async def test_an_unsubscribe_post_with_a_lying_or_endless_body_is_refused_not_a_crash(client):
    from porchlight.notifications.unsubscribe import unsubscribe_token

    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    path = f"/unsubscribe/{unsubscribe_token('test-secret-key-with-enough-length', order.customer)}"
    lying = await client.post(path, content=b"x=1", headers={"Content-Length": "lots"})
    assert lying.status_code == 200  # a one-click unsubscribe all the same (RFC 8058)

    async def endless_body():  # chunked: no Content-Length to refuse it by
        for _ in range(64):
            yield b"a" * 1024

    endless = await client.post(path, content=endless_body())
    assert endless.status_code == 413
