"""Bad input gets a 4xx, never a 500 nor a stored effect: integers longer than Python reads
or an id column holds, a fourth photo, spreadsheet formulas in a CSV, a replayed event batch."""

import asyncio
import contextlib
import csv
import io
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from porchlight.models import (
    AppliedEmailEvent,
    Case,
    CaseEntry,
    Customer,
    EmailSuppression,
    Order,
    Shipment,
    TrackingEvent,
)
from porchlight.notifications.unsubscribe import set_email_opt_in
from porchlight.platform.spreadsheet import FORMULA_STARTS, SafeWriter, cell
from portal.body import FORM_LIMIT
from tests.browser_support import running_portal
from tests.factories import (
    a_brand,
    an_order,
    bearer,
    easypost_event,
    easypost_headers,
    journey,
    order_payload,
    scans,
    shopper_order,
)
from tests.test_agent_workspace import a_case, an_agent, signed_in_token
from tests.test_kpis import data_set  # noqa: F401 - the hand-made data set fixture
from tests.test_messaging_hooks import hooks, sendgrid_post  # noqa: F401 - hooks: a fixture
from tests.test_shopper_pages import csrf

HUGE = (
    "9" * 4301
)  # Python refuses to read an integer this long (sys.int_info.default_max_str_digits)


async def test_an_order_with_an_integer_of_4301_digits_gets_a_400(client):
    _, key = await a_brand()
    payload = order_payload()
    payload["shipments"][0]["items"] = [{"sku": "MUG-01", "name": "Mug", "quantity": 0}]
    body = json.dumps(payload).replace('"quantity": 0', f'"quantity": {HUGE}')
    assert HUGE in body
    response = await client.post(
        "/api/v1/orders", content=body, headers={**bearer(key), "content-type": "application/json"}
    )
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]
    assert not await Order.exists()


async def test_a_signed_webhook_with_an_integer_of_4301_digits_gets_a_400(client):
    body = easypost_event("TN1", journey("pre_transit")).replace(
        b"{", b'{"n": ' + HUGE.encode() + b", ", 1
    )
    response = await client.post("/hooks/easypost", content=body, headers=easypost_headers(body))
    assert response.status_code == 400
    assert not await TrackingEvent.exists()


@pytest.mark.parametrize("case_id", ["99999999999999999999999", "2147483648", "9" * 5000])
async def test_a_case_id_no_id_column_holds_is_a_404(client, case_id):
    brand, _ = await a_brand()
    await a_case(brand)
    await an_agent()
    token = await signed_in_token(client, "agent@northwind.test")
    assert (await client.get(f"/agent/cases/{case_id}")).status_code == 404
    posted = await client.post(f"/agent/cases/{case_id}/note", data={"csrf_token": token})
    assert posted.status_code == 404


async def test_a_parcel_id_no_id_column_holds_is_a_404(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    response = await client.get(f"/o/{order.access_token}/parcels/99999999999999999999999")
    assert response.status_code == 404


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
BOUNDARY = "porchlight-test-boundary"


def multipart(fields: dict[str, str], photos: list[tuple[str, bytes]]) -> dict[str, Any]:
    """A form as a browser encodes it: fields first, then one part per file input, each with
    its `filename` even when empty (httpx leaves an empty one out)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts += [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photos"; filename="{filename}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
        for filename, data in photos
    ]
    return {
        "content": b"".join(parts) + f"--{BOUNDARY}--\r\n".encode(),
        "headers": {"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    }


async def a_delivered_parcel(settings, host: str = "track.example.com"):
    """Order A-1001's one delivered parcel (a problem can be reported for it) and the folder
    its photos go to, emptied: ids start again in every test."""
    brand, _ = await a_brand(host=host)
    order = await an_order(brand, "A-1001", "TN1")
    await scans("TN1", "pre_transit", "delivered")
    [shipment] = await order.shipments.all()
    stored = Path(settings.upload_dir) / str(shipment.id)
    shutil.rmtree(stored, ignore_errors=True)
    return order, shipment, stored


async def test_a_fourth_photo_without_a_file_name_is_still_a_fourth_photo(client, settings):
    order, shipment, stored = await a_delivered_parcel(settings)
    url = f"/o/{order.access_token}"
    report = f"{url}/parcels/{shipment.id}/report"
    named = [(f"{n}.png", PNG) for n in "abc"]
    form = {"csrf_token": await csrf(client, url), "kind": "damaged"}

    four = await client.post(report, **multipart(form, [*named, ("", PNG)]), follow_redirects=True)
    assert four.status_code == 422 and "at most three" in four.text
    assert not await Case.exists()
    assert not stored.exists() or not any(stored.iterdir())

    # What a browser sends with three photos chosen and one empty file input: three stored.
    three = await client.post(report, **multipart(form, [*named, ("", b"")]))
    assert three.status_code == 303
    assert len((await CaseEntry.get(case__shipment=shipment)).data["photos"]) == 3
    assert len(list(stored.iterdir())) == 3


async def test_a_node_named_like_a_formula_reaches_the_kpi_csv_as_text(client, data_set):  # noqa: F811
    await Shipment.filter(fulfilment_node="WH-A").update(fulfilment_node='=HYPERLINK("http://x")')
    await Shipment.filter(fulfilment_node="WH-B").update(fulfilment_node="@SUM(A1)")
    await Shipment.filter(lane="L1").update(lane="+1;=2")
    await Shipment.filter(lane="L2").update(lane="\tL2")
    await an_agent("lee@northwind.test", role="lead")
    await signed_in_token(client, "lee@northwind.test")
    response = await client.get("/agent/kpis.csv?weeks=4")
    rows = list(csv.reader(io.StringIO(response.text)))
    cells = [value for row in rows for value in row]
    assert not [value for value in cells if value.startswith(FORMULA_STARTS)]
    labels = {row[4] for row in rows[1:] if row[3] == "period"}
    assert {'\'=HYPERLINK("http://x")', "'@SUM(A1)", "'+1;=2", "'\tL2"} <= labels
    # Text cells are quoted (a `;` stays inside its cell); figures are bare numbers.
    assert '"\'+1;=2"' in response.text
    assert all(float(row[5]) >= 0 for row in rows[1:] if row[5])


def test_only_text_is_marked_negative_figures_stay_numbers():
    assert [cell(v) for v in (-3.5, -2, "-2", "=1+1", "a-b", None)] == [
        -3.5,
        -2,
        "'-2",
        "'=1+1",
        "a-b",
        None,
    ]
    out = io.StringIO()
    SafeWriter(out).writerow([-3.5, "-3.5", "ok"])
    assert out.getvalue() == '-3.5,"\'-3.5","ok"\r\n'


async def test_a_replayed_sendgrid_batch_does_not_unsubscribe_a_customer_again(hooks):  # noqa: F811
    client, _ = hooks
    _, _, order = await shopper_order()
    customer = await Customer.get(id=order.customer_id)
    batch = [
        {"email": "ana@example.com", "event": "unsubscribe", "sg_event_id": "ZmFrZS1ldmVudC0x"},
        {"email": "ana@example.com", "event": "open", "sg_event_id": "ZmFrZS1ldmVudC0y"},
    ]
    assert (await sendgrid_post(client, batch)).status_code == 204
    assert not (await Customer.get(id=customer.id)).email_opt_in
    await set_email_opt_in(customer, True)  # the shopper changes their mind on our page

    replayed = await sendgrid_post(client, batch, timestamp="1764075600")
    assert replayed.status_code == 204
    assert (await Customer.get(id=customer.id)).email_opt_in
    assert await AppliedEmailEvent.all().values_list("key", flat=True) == ["ZmFrZS1ldmVudC0x"]


async def test_an_event_without_an_id_is_applied_once_too(hooks):  # noqa: F811
    client, _ = hooks
    _, _, order = await shopper_order()
    customer = await Customer.get(id=order.customer_id)
    batch = [{"email": "ana@example.com", "event": "unsubscribe", "timestamp": 1764072000}]
    assert (await sendgrid_post(client, batch)).status_code == 204
    await set_email_opt_in(customer, True)
    assert (await sendgrid_post(client, batch)).status_code == 204
    assert (await Customer.get(id=customer.id)).email_opt_in


async def test_identical_batches_at_once_apply_each_event_once(hooks):  # noqa: F811
    client, _ = hooks
    await shopper_order()
    batch = [
        {"email": f"{n}@example.com", "event": "bounce", "sg_event_id": f"ev-{n}"} for n in range(5)
    ]
    answers = await asyncio.gather(*(sendgrid_post(client, batch) for _ in range(8)))
    assert [a.status_code for a in answers] == [204] * 8
    assert await AppliedEmailEvent.all().count() == 5
    assert await EmailSuppression.all().count() == 5


MB = 1024 * 1024


class Body:
    """A request body of `total` bytes handed out on demand (`head`, then `filler` over and
    over), counting what the app pulled of it."""

    def __init__(self, head: bytes, total: int, filler: bytes = b"a" * 64 * 1024) -> None:
        self.head, self.total, self.filler, self.pulled = head, total, filler, 0

    async def __aiter__(self):
        sent, piece = 0, self.head
        while sent < self.total:
            piece = piece[: self.total - sent]
            self.pulled += len(piece)
            sent += len(piece)
            yield piece
            piece = self.filler


async def test_a_form_larger_than_any_form_is_refused_before_a_byte_is_read(client):
    await a_brand()
    token = await csrf(client, "/track")
    declared = Body(f"csrf_token={token}&order_number=".encode(), 190 * MB)
    refused = await client.post(
        "/track",
        content=declared,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "content-length": str(190 * MB),
        },
    )
    assert refused.status_code == 413 and "larger than we accept" in refused.text
    assert declared.pulled == 0
    absurd = await client.post("/track", content=b"x=1", headers={"content-length": HUGE})
    assert absurd.status_code == 413

    chunked = Body(f"csrf_token={token}&order_number=".encode(), 190 * MB)
    refused = await client.post(
        "/track", content=chunked, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert refused.status_code == 413
    assert chunked.pulled <= FORM_LIMIT + 64 * 1024


async def test_a_photo_without_the_token_before_it_is_refused_unread(client, settings):
    order, shipment, stored = await a_delivered_parcel(settings)
    url = f"/o/{order.access_token}"
    token = await csrf(client, url)
    # The right token, but after the file: a browser never sends it so, a script might.
    photo = multipart({}, [("a.png", PNG)])["content"].removesuffix(f"--{BOUNDARY}--\r\n".encode())
    token_after = multipart({"csrf_token": token, "kind": "damaged"}, [])
    after = await client.post(
        f"{url}/parcels/{shipment.id}/report",
        content=photo + token_after["content"],
        headers=token_after["headers"],
    )
    assert after.status_code == 403
    for fields in ({"kind": "damaged"}, {"csrf_token": "forged", "kind": "damaged"}):
        head = multipart(fields, [("big.png", PNG)])
        body = Body(head["content"][: head["content"].rindex(PNG)], 300 * MB)
        response = await client.post(
            f"{url}/parcels/{shipment.id}/report", content=body, headers=head["headers"]
        )
        assert response.status_code == 403
        assert body.pulled < MB  # stopped at the file's headers: nothing spooled
    assert not await Case.exists()
    assert not stored.exists() or not any(stored.iterdir())


async def test_photos_past_the_three_allowed_are_refused_by_size_with_the_token(client, settings):
    order, shipment, _ = await a_delivered_parcel(settings)
    url = f"/o/{order.access_token}"
    form = {"csrf_token": await csrf(client, url), "kind": "damaged"}
    big = PNG + b"\x00" * (5 * MB - len(PNG))
    response = await client.post(
        f"{url}/parcels/{shipment.id}/report",
        **multipart(form, [(f"{n}.png", big) for n in "abcd"]),
    )
    assert response.status_code == 413
    assert not await Case.exists()


async def test_api_and_webhook_bodies_keep_their_own_larger_limits(client):
    _, key = await a_brand()
    padded = json.dumps(order_payload()) + " " * (200 * 1024)
    created = await client.post(
        "/api/v1/orders",
        content=padded,
        headers={**bearer(key), "content-type": "application/json"},
    )
    assert created.status_code == 201
    body = easypost_event("TN1", journey("pre_transit")) + b" " * (500 * 1024)
    accepted = await client.post("/hooks/easypost", content=body, headers=easypost_headers(body))
    assert accepted.status_code == 200


class Watch:
    """Samples a process every 20 ms: its peak RSS, and any file it holds open under `dirs`
    (a spooled upload is unlinked at once, so only its open descriptor shows it)."""

    def __init__(self, pid: int, *dirs: Path) -> None:
        self.process = psutil.Process(pid)
        self.dirs = [str(d) for d in dirs]
        self.peak = self.process.memory_info().rss
        self.files: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        fds = Path(f"/proc/{self.process.pid}/fd")
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)
            for fd in fds.iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith(tuple(self.dirs)):
                        self.files.add(target)

    def __enter__(self) -> "Watch":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def test_a_served_portal_stays_flat_under_parallel_huge_bodies(settings, tmp_path):
    """8 clients at once each send 40 MB to the lookup form (declared, then chunked) and a
    300 MB "photo" with no token to the problem report: every one is refused, the portal's
    memory stays flat and nothing reaches the upload or temporary directory."""
    order, shipment, _ = await a_delivered_parcel(settings, host="127.0.0.1")
    uploads, temporary = tmp_path / "uploads", tmp_path / "tmp"
    temporary.mkdir()
    field = b"&f=" + b"a" * (MB - 8)  # under Starlette's 1 MB per field: 40 of them
    report = multipart({"kind": "damaged"}, [("big.png", PNG)])
    photo_head = report["content"][: report["content"].rindex(PNG)]
    urlencoded = {"content-type": "application/x-www-form-urlencoded"}
    attacks = [
        ("/track", Body(b"order_number=A", 40 * MB, field), urlencoded, True),
        ("/track", Body(b"order_number=A", 40 * MB, field), urlencoded, False),
        (f"/o/{order.access_token}/parcels/{shipment.id}/report", None, report["headers"], False),
    ]

    async def attack(client: httpx.AsyncClient, path: str, body: Body | None, headers, declared):
        body = body or Body(photo_head, 300 * MB, b"a" * MB)
        if declared:
            headers = {**headers, "content-length": str(body.total)}
        try:
            return (await client.post(path, content=body, headers=headers)).status_code
        except httpx.TransportError:
            return "closed"  # refused mid-upload: the server stopped reading and hung up

    with running_portal(settings, UPLOAD_DIR=str(uploads), TMPDIR=str(temporary)) as (url, proc):
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            for _ in range(3):  # warm: imports, templates, pools
                assert (await client.get("/track")).status_code == 200
            baseline = psutil.Process(proc.pid).memory_info().rss
            with Watch(proc.pid, uploads, temporary) as watch:
                outcomes = await asyncio.gather(
                    *(attack(client, *a) for a in attacks for _ in range(8))
                )
    grown = (watch.peak - baseline) / MB
    print(f"RSS {baseline / MB:.0f} MB -> peak {watch.peak / MB:.0f} MB; outcomes {outcomes}")
    assert not [o for o in outcomes if o not in (403, 413, "closed")], outcomes
    assert grown < 30, f"the portal grew by {grown:.0f} MB"
    assert not watch.files
    assert not uploads.exists() or not any(uploads.rglob("*"))
    assert not any(temporary.iterdir())


@pytest.mark.browser
async def test_a_browser_without_javascript_still_sends_a_photo_with_its_report(
    browser, settings, tmp_path
):
    order, shipment, stored = await a_delivered_parcel(settings, host="127.0.0.1")
    photo = tmp_path / "box.png"
    photo.write_bytes(PNG)
    # A portal of its own: the session's live server would keep this brand's host cached (for
    # BRAND_CACHE_SECONDS) into the next browser test, whose brand takes the same host.
    with running_portal(settings) as (url, _):
        context = await browser.new_context(java_script_enabled=False)
        page = await context.new_page()
        await page.goto(f"{url}/o/{order.access_token}")
        await page.locator("details.report-problem summary").click()
        await page.locator("select[name=kind]").select_option("damaged")
        await page.locator("input[name=photos]").set_input_files(str(photo))
        await page.locator("details.report-problem button[type=submit]").click()
        await page.wait_for_url("**done=reported")
        await context.close()
    [name] = (await CaseEntry.get(case__shipment=shipment)).data["photos"]
    assert (stored / name).read_bytes() == PNG
