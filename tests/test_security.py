"""Security checks over the whole app: every route keeps brands apart, every page carries its
headers, cookies are locked down, and no secret reaches the logs."""

import contextlib
import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.routing import Mount

from porchlight.cases.cases import open_or_join
from porchlight.channels import Outgoing
from porchlight.channels.outbox import Outbox
from porchlight.enums import CaseSource, ExceptionType
from porchlight.enums import Channel as Kind
from porchlight.models import Case, CaseEntry, Contact, Shipment
from porchlight.notifications.rating_links import RatingLink, rating_token
from porchlight.notifications.unsubscribe import unsubscribe_token
from porchlight.platform.logs import configure
from porchlight.platform.settings import Settings, SettingsError, load_settings
from portal import admin
from portal.app import create_app
from portal.shopper.lookup import PER_CLIENT
from tests.browser_support import _environment, _free_port
from tests.conftest import client_for
from tests.factories import a_brand, an_order, bearer, order_payload
from tests.test_agent_workspace import PASSWORD, an_agent, csrf_from, sign_in, signed_in_token

A_HOST, B_HOST = "track.example.com", "fjord.example.com"

# Routes that hold no brand's data, and why.
NOT_BRAND_SCOPED = {
    "/": "a redirect: to the host's own brand's lookup form, or to the sign-in",
    "/healthz": "liveness",
    "/readyz": "readiness",
    "/metrics": "operator totals, no customer data",
    "/api/openapi.json": "the API's description",
    "/agent/login": "the sign-in form",
    "/agent/logout": "ends the caller's own session",
    "/agent/welcome/{token:str}": "an invitation: its one-time token is the credential",
    "/agent/availability": "the caller's own availability for new cases",
    "/agent/language": "the caller's own language for alert emails",
    "/hooks/easypost": "carrier events, verified by signature, attach by tracking number",
    "/hooks/aftership": "same",
    "/hooks/shippo": "same",
    "/hooks/twilio/inbound": "provider callback, verified by signature",
    "/hooks/twilio/status": "same",
    "/hooks/sendgrid/events": "same",
    "/brand-colours.css": "two colours from the URL, nothing looked up",
    "/brand-logo/{name}": "a public logo named by its content's hash",
}
# Brand-scoped, checked by their own tests below.
CHECKED_APART = {
    "/api/v1/contacts": "it can only link the caller's own orders",
    "/outbox": "each agent sees their brands' messages (an owner all), with OUTBOX_VIEWER on only",
    "/outbox/{stem:str}": "same",
    # tests/test_connectors.py: signed with the named brand's own secret; another brand's
    # secret, or a brand with nothing connected, is a 401.
    "/hooks/shopify/{brand:str}": "the brand's store, verified with its webhook secret",
    "/hooks/easypost/{brand:str}": "verified with the brand's own account; scans of another "
    "brand's parcels are ignored",
    "/hooks/aftership/{brand:str}": "same",
    "/hooks/shippo/{brand:str}": "same",
    **{
        route.path: "the console: 403 below admin, 404 to another brand's admin "
        "(tests/test_admin_console.py walks every route)"
        for route in admin.routes
    },
    "/demo": "the demo brands' links, with DEMO_INDEX on only (porchlight demo; test_demo.py)",
}


def app_paths(app) -> set[str]:
    paths = set()
    for route in app.routes:
        if isinstance(route, Mount):
            paths |= {route.path + r.path for r in route.routes or []}
        else:
            paths.add(route.path)
    return paths


@pytest.fixture
async def two_brands(client):
    """Brand A (northwind) with its agent signed in; brand B (fjord) with an order, a case with a
    photo, and a customer. Every request below is A trying to reach B's things."""
    _, a_key = await a_brand()
    b, b_key = await a_brand("fjord", host=B_HOST)
    order = await an_order(b, "F-1", "FTN1")
    shipment = await Shipment.get(order=order)
    case, _ = await open_or_join(shipment, ExceptionType.DAMAGE_REPORTED, CaseSource.SHOPPER)
    await CaseEntry.create(case=case, kind="note", data={"photos": ["p1.jpg"]})
    await an_agent(role="lead")  # of northwind only; a lead, so the KPI routes answer too
    token = await signed_in_token(client, "agent@northwind.test")
    return {
        "a_key": a_key,
        "b_key": b_key,
        "order": order,
        "shipment": shipment,
        "case": case,
        "csrf": token,
    }


CROSS_BRAND = {
    # The same order number under A's key is A's own order: B's stays as it was.
    "/api/v1/orders": lambda c, w: c.post(
        "/api/v1/orders", json=order_payload("F-1", "ATN9"), headers=bearer(w["a_key"])
    ),
    "/api/v1/orders/{number:str}": lambda c, w: c.get(
        "/api/v1/orders/F-1", headers=bearer(w["a_key"])
    ),
    "/api/v1/orders/{number:str}/shipments": lambda c, w: c.post(
        "/api/v1/orders/F-1/shipments",
        json={"carrier": "dhl", "tracking_number": "X1"},
        headers=bearer(w["a_key"]),
    ),
    "/api/v1/orders/{number:str}/returns": lambda c, w: c.post(
        "/api/v1/orders/F-1/returns",
        json={"carrier": "dhl", "tracking_number": "R1"},
        headers=bearer(w["a_key"]),
    ),
    "/api/v1/orders/{number:str}/refunds": lambda c, w: c.post(
        "/api/v1/orders/F-1/refunds",
        json={"amount": "5.00", "currency": "EUR", "external_id": "x"},
        headers=bearer(w["a_key"]),
    ),
    "/api/v1/track": lambda c, w: c.get(
        "/api/v1/track?order_number=F-1&email=ana@example.com", headers=bearer(w["a_key"])
    ),
    "/agent/": lambda c, w: c.get("/agent/?brand=fjord"),
    "/agent/cases": lambda c, w: c.post(
        "/agent/cases", data={"order_number": "F-1", "type": "delay", "csrf_token": w["csrf"]}
    ),
    "/agent/cases/{case_id:int}": lambda c, w: c.get(f"/agent/cases/{w['case'].id}"),
    "/agent/cases/{case_id:int}/assign": lambda c, w: c.post(
        f"/agent/cases/{w['case'].id}/assign", data={"csrf_token": w["csrf"]}
    ),
    "/agent/cases/{case_id:int}/photos/{name:str}": lambda c, w: c.get(
        f"/agent/cases/{w['case'].id}/photos/p1.jpg"
    ),
    "/agent/cases/{case_id:int}/{action:str}": lambda c, w: c.post(
        f"/agent/cases/{w['case'].id}/close",
        data={"close_code": "damage", "csrf_token": w["csrf"]},
    ),
    "/agent/search": lambda c, w: c.get("/agent/search?q=F-1"),
    "/agent/orders/{order_id:int}": lambda c, w: c.get(f"/agent/orders/{w['order'].id}"),
    "/agent/orders/{order_id:int}/{action:str}": lambda c, w: c.post(
        f"/agent/orders/{w['order'].id}/new-link", data={"csrf_token": w["csrf"]}
    ),
    "/agent/kpis": lambda c, w: c.get("/agent/kpis?brand=fjord"),
    "/agent/kpis.csv": lambda c, w: c.get("/agent/kpis.csv?brand=fjord"),
    "/track": lambda c, w: c.post(
        "/track",
        data={"order_number": "F-1", "postcode": "10115", "csrf_token": w["csrf"]},
        follow_redirects=True,
    ),
    "/o/{token:str}": lambda c, w: c.get(f"/o/{w['order'].access_token}"),
    "/o/{token:str}/parcels/{shipment_id:int}": lambda c, w: c.get(
        f"/o/{w['order'].access_token}/parcels/{w['shipment'].id}"
    ),
    "/o/{token:str}/preferences": lambda c, w: c.post(
        f"/o/{w['order'].access_token}/preferences", data={"csrf_token": w["csrf"]}
    ),
    "/o/{token:str}/phone/confirm": lambda c, w: c.post(
        f"/o/{w['order'].access_token}/phone/confirm",
        data={"code": "123456", "csrf_token": w["csrf"]},
    ),
    "/o/{token:str}/phone/resend": lambda c, w: c.post(
        f"/o/{w['order'].access_token}/phone/resend", data={"csrf_token": w["csrf"]}
    ),
    "/o/{token:str}/parcels/{shipment_id:int}/report": lambda c, w: c.post(
        f"/o/{w['order'].access_token}/parcels/{w['shipment'].id}/report",
        data={"kind": "damaged", "csrf_token": w["csrf"]},
    ),
    "/o/{token:str}/parcels/{shipment_id:int}/delivery": lambda c, w: c.post(
        f"/o/{w['order'].access_token}/parcels/{w['shipment'].id}/delivery",
        data={"kind": "safe_place", "csrf_token": w["csrf"]},
    ),
    "/unsubscribe/{token:str}": lambda c, w: c.post(
        "/unsubscribe/" + unsubscribe_token("test-secret-key-with-enough-length", w["customer"])
    ),
    "/rate/{token:str}": lambda c, w: c.post(
        f"/rate/{other_brands_rating(w)}", data={"score": "1", "csrf_token": w["csrf"]}
    ),
    "/rate/{token:str}/thanks": lambda c, w: c.get(f"/rate/{other_brands_rating(w)}/thanks"),
}


def other_brands_rating(w) -> str:
    """A genuine rating link of the other brand's order, followed on this brand's host."""
    link = RatingLink(w["order"].id, w["shipment"].id, 1)
    return rating_token("test-secret-key-with-enough-length", link)


async def test_every_route_is_either_brand_scoped_and_checked_or_says_why_not(viewer_settings):
    everything = viewer_settings.model_copy(update={"demo_index": True})
    assert app_paths(create_app(everything)) == (
        set(CROSS_BRAND) | set(NOT_BRAND_SCOPED) | set(CHECKED_APART)
    )


@pytest.mark.parametrize("path", sorted(CROSS_BRAND))
async def test_brand_a_cannot_reach_brand_b_through(client, two_brands, path):
    from porchlight.models import Customer

    two_brands["customer"] = await Customer.get(brand__slug="fjord")
    response = await CROSS_BRAND[path](client, two_brands)
    body = response.text
    assert response.status_code in (200, 201, 404, 422), (path, response.status_code)
    assert "FTN1" not in body, path  # (the order number itself may be echoed from the form)
    assert two_brands["order"].access_token not in body
    case = await Case.get(id=two_brands["case"].id)
    assert (case.state, case.owner_id) == ("open", None)
    assert await Case.all().count() == 1
    assert await Shipment.filter(order=two_brands["order"]).count() == 1


async def test_a_contact_cannot_be_linked_to_another_brands_order(client, two_brands):
    response = await client.post(
        "/api/v1/contacts",
        json={"channel": "phone", "reason": "wismo", "order_number": "F-1"},
        headers=bearer(two_brands["a_key"]),
    )
    assert response.json()["order_found"] is False
    assert (await Contact.get()).order_id is None


PAGES = ["/track", "/agent/login", "/agent/", "/nowhere", "/api/v1/track", "/healthz"]


@pytest.mark.parametrize("path", PAGES)
async def test_every_response_carries_the_security_headers(client, two_brands, path):
    response = await client.get(path)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_the_session_cookie_is_secure_httponly_and_samesite(client):
    await a_brand()
    await an_agent()
    page = await client.get("/agent/login")
    response = await client.post(
        "/agent/login",
        data={
            "email": "agent@northwind.test",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    cookie = response.headers["set-cookie"].lower()
    assert "porchlight_session=" in cookie
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


async def test_no_secret_reaches_the_logs(client, capsys):

    configure()
    try:
        await _a_day_of_secrets(client, capsys)
    finally:
        logging.getLogger().handlers.clear()


async def _a_day_of_secrets(client, capsys):
    from tests.factories import easypost_event, easypost_headers

    brand, key = await a_brand()
    await an_agent()
    await client.post("/api/v1/orders", json={"order_number": "X"}, headers=bearer(key))
    order = await an_order(brand, "A-7", "TN7")
    unsubscribe = unsubscribe_token("test-secret-key-with-enough-length", order.customer)
    assert (await client.get(f"/o/{order.access_token}")).status_code == 200
    assert (await client.get(f"/unsubscribe/{unsubscribe}")).status_code == 200
    await client.get("/api/v1/orders/X", headers=bearer(key))
    body = easypost_event("TN1", [])
    signed = easypost_headers(body)
    await client.post("/hooks/easypost", content=body, headers=signed)
    page = await client.get("/agent/login")
    await client.post(
        "/agent/login",
        data={
            "email": "agent@northwind.test",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    logged = capsys.readouterr().err
    session = client.cookies.get("porchlight_session") or ""
    for secret in (
        key,
        PASSWORD,
        "test-secret-key-with-enough-length",
        "sécret",
        session,
        signed["X-Hmac-Signature"].split("=", 1)[1],
        order.access_token,
        unsubscribe,
    ):
        assert secret and secret not in logged
    assert '"path":"/agent/login"' in logged  # the requests were logged at all
    assert '"path":"/o/{token}"' in logged


async def test_the_outbox_is_not_served_unless_outbox_viewer_turns_it_on(client):
    """It lists every brand's order links, addresses and unsubscribe links."""
    await a_brand()
    await an_agent()
    await sign_in(client, "agent@northwind.test")
    assert (await client.get("/outbox")).status_code == 404


def an_outbox_email(brand, reference: str) -> Outgoing:
    return Outgoing(
        reference=reference,
        brand_id=brand.id,
        kind=Kind.EMAIL,
        to=f"shopper@{brand.slug}.test",
        subject=f"Your {brand.name} parcel",
        text=f"Your {brand.name} parcel is on its way",
        html=f"<!doctype html><p>{brand.name} sent this</p>",
        sender=f"tracking@{brand.slug}.test",
        unsubscribe_url=f"https://{brand.slug}.test/unsubscribe/its-secret",
        status_callback="",
    )


async def test_the_outbox_shows_a_signed_in_agent_only_their_brands_messages(
    viewer_client, viewer_settings
):
    a, _ = await a_brand()
    b, _ = await a_brand("fjord", host=B_HOST)
    for brand, reference in ((a, "00000001"), (b, "00000002")):
        await Outbox(viewer_settings).send(an_outbox_email(brand, reference))

    for path in ("/outbox", "/outbox/00000001-email"):
        stranger = await viewer_client.get(path)
        assert stranger.status_code == 303
        assert stranger.headers["location"].startswith("/agent/login?next=/outbox")

    await an_agent()  # of northwind only
    await sign_in(viewer_client, "agent@northwind.test")
    page = await viewer_client.get("/outbox")
    assert page.status_code == 200
    assert "shopper@northwind.test" in page.text
    assert "fjord" not in page.text.lower()
    email = await viewer_client.get("/outbox/00000001-email")
    assert "Northwind sent this" in email.text
    # Shown as sent: its brand's own images (the logo) load, no script runs, nothing else.
    policy = email.headers["content-security-policy"]
    assert "img-src data: https://track.example.com;" in policy and "sandbox" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert (await viewer_client.get("/outbox/00000002-email")).status_code == 404


async def test_an_owner_sees_every_brands_messages_in_the_outbox(viewer_client, viewer_settings):
    a, _ = await a_brand()
    b, _ = await a_brand("fjord", host=B_HOST)
    for brand, reference in ((a, "00000001"), (b, "00000002")):
        await Outbox(viewer_settings).send(an_outbox_email(brand, reference))
    await an_agent("owner@porchlight.test", role="owner", brands=())  # runs every brand
    await sign_in(viewer_client, "owner@porchlight.test")
    page = await viewer_client.get("/outbox")
    assert "shopper@northwind.test" in page.text and "shopper@fjord.test" in page.text
    assert (await viewer_client.get("/outbox/00000002-email")).status_code == 200


@contextlib.contextmanager
def served(env: dict[str, str], log: Path) -> Iterator[str]:
    """`porchlight serve` in two processes, as compose runs it; its log lines go to `log`."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(Path(sys.executable).with_name("porchlight")), "serve", "--port", str(port)]
    with log.open("w") as out:
        server = subprocess.Popen([*command, "--workers", "2"], env=env, stderr=out)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            assert server.poll() is None and time.monotonic() < deadline, "no server"
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)


async def test_a_forged_x_forwarded_for_changes_neither_the_logged_client_nor_its_limit(
    settings, arq_redis, tmp_path
):
    """Behind a proxy at 127.0.0.2, an attacker reaches the server directly from 127.0.0.1,
    claiming a new address on every wrong lookup."""
    await a_brand(host="127.0.0.1")
    log = tmp_path / "portal.log"
    env = {**_environment(settings, "http://127.0.0.1"), "FORWARDED_ALLOW_IPS": "127.0.0.2"}
    with served(env, log) as base:
        async with httpx.AsyncClient(base_url=base) as attacker:
            token = csrf_from((await attacker.get("/track")).text)
            answers = [
                (
                    await attacker.post(
                        "/track",
                        data={"order_number": f"NOPE-{n}", "postcode": "1", "csrf_token": token},
                        headers={"X-Forwarded-For": f"198.51.100.{n}"},
                        follow_redirects=True,
                    )
                ).status_code
                for n in range(PER_CLIENT.attempts + 1)
            ]
        proxy = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
        async with httpx.AsyncClient(base_url=base, transport=proxy) as via_proxy:
            forwarded = {"X-Forwarded-For": "203.0.113.7"}
            assert (await via_proxy.get("/healthz", headers=forwarded)).status_code == 200
    assert answers == [404] * PER_CLIENT.attempts + [429]
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("message") == "request"]
    assert {r["client"] for r in requests if r["path"] == "/track"} == {"127.0.0.1"}
    assert [r["client"] for r in requests if r["path"] == "/healthz"][-1] == "203.0.113.7"


def test_forwarded_headers_are_believed_from_loopback_only_unless_configured():
    assert Settings(secret_key="s" * 16).forwarded_allow_ips == "127.0.0.1,::1"
    with pytest.raises(SettingsError, match=r"FORWARDED_ALLOW_IPS '10\.0\.0\.1/8' is not"):
        load_settings(secret_key="s" * 16, forwarded_allow_ips="10.0.0.0/8,10.0.0.1/8")


async def test_a_mistyped_links_token_stays_out_of_the_request_log(client, capsys):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-7", "TN7")
    unsubscribe = unsubscribe_token("test-secret-key-with-enough-length", order.customer)
    rating = rating_token("test-secret-key-with-enough-length", RatingLink(order.id, 1, 5))
    configure()
    try:
        for path in (
            f"/o/{order.access_token}/",
            f"/o/{order.access_token}/nope",
            f"/unsubscribe/{unsubscribe}/nope",
            f"/rate/{rating}/nope",
        ):
            await client.get(path)  # a redirect (the trailing slash) or a 404: no route
    finally:
        logging.getLogger().handlers.clear()
    logged = capsys.readouterr().err
    assert order.access_token not in logged and unsubscribe not in logged
    assert rating not in logged and '"path":"/rate/{token}/nope"' in logged
    assert '"path":"/o/{token}/nope"' in logged
    assert '"path":"/unsubscribe/{token}/nope"' in logged


async def test_https_pages_tell_browsers_to_come_back_over_https_only(client, settings):
    hsts = (await client.get("/healthz")).headers["strict-transport-security"]
    assert hsts == "max-age=31536000"  # a year; not includeSubDomains: a retailer's other hosts
    plain = settings.model_copy(update={"public_base_url": "http://localhost:8000"})
    async with client_for(create_app(plain)) as over_http:
        assert "strict-transport-security" not in (await over_http.get("/healthz")).headers
