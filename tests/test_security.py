"""Security checks over the whole app: every route keeps brands apart, every page carries its
headers, cookies are locked down, and no secret reaches the logs."""

import logging

import pytest
from starlette.routing import Mount

from porchlight.cases import open_or_join
from porchlight.enums import CaseSource, ExceptionType
from porchlight.logs import configure
from porchlight.models import Case, CaseEntry, Contact, Shipment
from porchlight.unsubscribe import unsubscribe_token
from portal.app import create_app
from tests.factories import a_brand, an_order, bearer, order_payload
from tests.test_agent_workspace import PASSWORD, an_agent, csrf_from, signed_in_token

A_HOST, B_HOST = "track.example.com", "fjord.example.com"

# Routes that hold no brand's data, and why.
NOT_BRAND_SCOPED = {
    "/healthz": "liveness",
    "/readyz": "readiness",
    "/metrics": "operator totals, no customer data",
    "/api/openapi.json": "the API's description",
    "/agent/login": "the sign-in form",
    "/agent/logout": "ends the caller's own session",
    "/hooks/easypost": "carrier events, verified by signature, attach by tracking number",
    "/hooks/aftership": "same",
    "/hooks/shippo": "same",
    "/hooks/twilio/inbound": "provider callback, verified by signature",
    "/hooks/twilio/status": "same",
    "/hooks/sendgrid/events": "same",
    "/outbox": "the local demo outbox, mounted only without providers",
    "/outbox/{stem:str}": "same",
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
    "/agent/kpis": lambda c, w: c.get("/agent/kpis?brand=fjord"),
    "/agent/kpis.csv": lambda c, w: c.get("/agent/kpis.csv?brand=fjord"),
    "/track": lambda c, w: c.post(
        "/track", data={"order_number": "F-1", "postcode": "10115", "csrf_token": w["csrf"]}
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
}


async def test_every_route_is_either_brand_scoped_and_checked_or_says_why_not(settings):
    assert app_paths(create_app(settings)) == set(CROSS_BRAND) | set(NOT_BRAND_SCOPED) | {
        "/api/v1/contacts"  # checked below: it can only link the caller's own orders
    }


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
    assert '"path": "/agent/login"' in logged  # the requests were logged at all
    assert '"path": "/o/{token}"' in logged
