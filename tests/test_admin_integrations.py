"""Integrations: API keys made with scopes and shown once, revoked by prefix; the retailer
webhook's address, secret rotation, test ping and delivery log; the aggregators' addresses and
whether a signed event came in the last day."""

import json
from datetime import timedelta

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.accounts.brand_settings import settings_of
from porchlight.models import ApiKey, AuditEntry, Brand, WebhookDelivery
from porchlight.orders.retailer_webhook import signature
from porchlight.platform.clock import utcnow
from tests.factories import a_brand, an_order, bearer, easypost_event, easypost_headers
from tests.test_admin_brand import an_admin
from tests.test_shopper_safety import Retailer, retailer_url  # noqa: F401 - the stub endpoint

PAGE = "/admin/brands/northwind/integrations"


async def test_a_track_only_key_is_shown_once_works_for_track_alone_and_is_revoked(client):
    await a_brand()
    token = await an_admin(client)
    made = await client.post(f"{PAGE}/keys", data={"scopes": ["track"], "csrf_token": token})
    assert made.status_code == 201
    key = HTMLParser(made.text).css_first(".secret code").text()
    assert key.startswith("pl_")
    row = await ApiKey.get(prefix=key[:10])
    assert row.scopes == "track"
    listed = HTMLParser((await client.get(PAGE)).text)
    assert key not in listed.html and f"{key[:10]}…" in listed.css_first("table.keys").text()
    track = "/api/v1/track?order_number=A-1&email=a@example.com"
    host = {"host": "track.example.com"}
    assert (await client.get(track, headers=bearer(key) | host)).status_code == 404  # allowed
    assert (await client.get("/api/v1/orders/A-1", headers=bearer(key) | host)).status_code == 403
    revoked = await client.post(
        f"{PAGE}/keys/revoke", data={"prefix": key[:10], "csrf_token": token}
    )
    assert revoked.status_code == 303
    assert (await client.get(track, headers=bearer(key) | host)).status_code == 401
    actions = (
        await AuditEntry.filter(brand__slug="northwind")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["api_key.create", "api_key.revoke"]
    assert key not in json.dumps(await AuditEntry.all().values("before", "after"))


async def test_a_key_needs_a_scope(client):
    await a_brand()
    token = await an_admin(client)
    before = await ApiKey.all().count()
    refused = await client.post(f"{PAGE}/keys", data={"csrf_token": token})
    assert refused.status_code == 400
    assert HTMLParser(refused.text).css_first("#e-scopes").text() == "Choose at least one scope."
    assert await ApiKey.all().count() == before


async def test_the_webhook_secret_is_shown_once_on_rotation_and_kept_out_of_the_log(client):
    await a_brand()
    token = await an_admin(client)
    rotated = await client.post(f"{PAGE}/webhook/secret", data={"csrf_token": token})
    secret = HTMLParser(rotated.text).css_first(".secret code").text()
    brand = await Brand.get(slug="northwind")
    assert settings_of(brand).retailer_webhook_secret == secret and len(secret) >= 32
    assert secret not in (await client.get(PAGE)).text
    [entry] = await AuditEntry.filter(action="webhook.rotate")
    assert entry.before == {"secret": None} and entry.after == {"secret": f"…{secret[-4:]}"}


async def test_a_bad_webhook_address_is_refused_beside_the_field(client):
    await a_brand()
    token = await an_admin(client)
    refused = await client.post(
        f"{PAGE}/webhook", data={"retailer_webhook_url": "ftp://shop", "csrf_token": token}
    )
    assert refused.status_code == 400
    page = HTMLParser(refused.text)
    assert "http:// or https://" in page.css_first("#e-retailer_webhook_url").text()
    assert page.css_first("#f-retailer_webhook_url").attributes["value"] == "ftp://shop"


async def test_a_test_ping_reaches_the_retailer_signed_and_lands_in_the_log(
    client,
    retailer_url,  # noqa: F811
):
    await a_brand()
    token = await an_admin(client)
    no_address = await client.post(f"{PAGE}/webhook/ping", data={"csrf_token": token})
    assert no_address.status_code == 400
    await client.post(
        f"{PAGE}/webhook", data={"retailer_webhook_url": retailer_url, "csrf_token": token}
    )
    rotated = await client.post(f"{PAGE}/webhook/secret", data={"csrf_token": token})
    secret = HTMLParser(rotated.text).css_first(".secret code").text()
    for _ in range(2):  # the stub refuses the first with 503, then answers 204
        sent = await client.post(f"{PAGE}/webhook/ping", data={"csrf_token": token})
        assert sent.status_code == 303
    headers, body = Retailer.received[-1]
    assert json.loads(body)["type"] == "ping"
    assert headers["X-Porchlight-Signature"] == signature(secret, body)
    assert [d.status_code for d in await WebhookDelivery.all().order_by("id")] == [503, 204]
    log = HTMLParser((await client.get(PAGE)).text)
    rows = [
        [td.text(strip=True) for td in tr.css("td")] for tr in log.css("table.deliveries tbody tr")
    ]
    assert [r[2] for r in rows] == ["204", "503"] and all(r[3].endswith("ms") for r in rows)


def aggregator_rows(html: str) -> list[list[str]]:
    page = HTMLParser(html)
    return [
        [td.text(strip=True) for td in tr.css("td")]
        for tr in page.css("table.aggregators tbody tr")
    ]


async def test_the_aggregators_addresses_use_the_brands_host_and_say_when_events_came(client):
    brand, _ = await a_brand()
    await an_order(brand, "A-1", "EZ1")
    await an_admin(client)
    rows = aggregator_rows((await client.get(PAGE)).text)
    assert rows[0][:2] == ["EasyPost", "https://track.example.com/hooks/easypost"]
    assert rows[2][1].startswith("https://track.example.com/hooks/shippo?token=…")  # owner only
    assert [r[2] for r in rows] == ["No", "No", "No"]
    body = easypost_event("EZ1", [("in_transit", "Departed", utcnow() - timedelta(hours=2))])
    accepted = await client.post("/hooks/easypost", content=body, headers=easypost_headers(body))
    assert accepted.status_code == 200
    rows = aggregator_rows((await client.get(PAGE)).text)
    assert rows[0][2].startswith("Yes, last at") and rows[1][2] == "No"


ORDERS_CSV = (
    "order_number,email,postcode,country,carrier,tracking_number,items\n"
    "C-1,ana@example.com,10115,DE,dhl,TN-C1,MUG-01*2|TEE\n"
    "C-2,not-an-email,10115,DE,dhl,TN-C2,\n"
    "C-1,ana@example.com,10115,DE,ups,TN-C1B,\n"
    "C-3,bo@example.com,,DE,,,\n"
)


async def test_an_admin_imports_orders_from_a_csv_upload_and_sees_what_was_refused(client):
    from porchlight.models import Order, Shipment

    await a_brand()
    token = await an_admin(client)
    form = await client.get(f"{PAGE}/import")
    assert form.status_code == 200
    assert HTMLParser(form.text).css_first("form input[type=file][name=file]") is not None
    upload = {"file": ("orders.csv", ORDERS_CSV.encode(), "text/csv")}
    done = await client.post(f"{PAGE}/import", data={"csrf_token": token}, files=upload)
    assert done.status_code == 200, done.text
    page = HTMLParser(done.text)
    assert page.css_first("p.saved").text() == "Rows imported: 2. Rows refused: 2."
    refused = [
        [td.text() for td in tr.css("td")] for tr in page.css("table.import-refused tbody tr")
    ]
    assert [line for line, _ in refused] == ["3", "5"]
    assert refused[0][1].startswith("customer.email:")
    assert refused[1][1].startswith("destination.postcode:")
    assert sorted(await Shipment.all().values_list("tracking_number", flat=True)) == [
        "TN-C1",
        "TN-C1B",
    ]
    assert await Order.all().count() == 1
    [entry] = await AuditEntry.filter(action="orders.import")
    assert (entry.actor, entry.after) == (
        "admin@northwind.test",
        {"file": "orders.csv", "imported": 2, "refused": 2},
    )


async def test_a_csv_upload_needs_the_form_token_a_file_and_a_size_the_console_takes(client):
    from porchlight.connectors.order_csv import REQUIRED
    from porchlight.models import Order
    from portal.admin.import_page import MAX_CSV_BYTES

    await a_brand()
    token = await an_admin(client)
    csv = {"file": ("orders.csv", ORDERS_CSV.encode(), "text/csv")}
    forged = await client.post(f"{PAGE}/import", data={"csrf_token": "forged"}, files=csv)
    assert forged.status_code == 403
    empty = await client.post(f"{PAGE}/import", data={"csrf_token": token})
    assert HTMLParser(empty.text).css_first("#e-file").text() == "Choose a CSV file."
    big = ",".join(REQUIRED) + "\n" + "x" * MAX_CSV_BYTES
    large = await client.post(
        f"{PAGE}/import",
        data={"csrf_token": token},
        files={"file": ("big.csv", big.encode(), "text/csv")},
    )
    assert large.status_code == 400 and "larger than 1 MB" in large.text
    latin = {"file": ("orders.csv", "order_number\nZ-ä\n".encode("latin-1"), "text/csv")}
    wrong = await client.post(f"{PAGE}/import", data={"csrf_token": token}, files=latin)
    assert wrong.status_code == 400 and "not UTF-8" in wrong.text
    assert await Order.all().count() == 0
    assert not await AuditEntry.filter(action="orders.import").exists()
