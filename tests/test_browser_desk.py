"""In a real Chromium: a caller gives a phone number; the agent types it as said (spaces, a
leading 0), opens the order, resends the link and opens a damage case from there; the queue puts
a VIP's overdue case above an older plain one. Every page passes axe-core (WCAG 2.1 AA)."""

from datetime import timedelta

import anyio
import pytest

from porchlight.accounts.agents import upsert_agent
from porchlight.accounts.brands import create_brand
from porchlight.cases.cases import open_or_join
from porchlight.enums import CaseSource, ExceptionType
from porchlight.models import AuditEntry, Case, Shipment
from porchlight.platform.clock import utcnow
from tests.browser_support import accessibility_violations, artifact, checked_for_accessibility
from tests.factories import an_order

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


async def a_case_due(brand, number, minutes, *, flags, email):
    order = await an_order(
        brand,
        number,
        f"TN{number[-4:]}",
        flags=flags,
        value={"amount": "30.00", "currency": "EUR"},
        customer={"email": email, "phone": "+4917012345678", "name": "Olaf Older"},
    )
    case, _ = await open_or_join(
        await Shipment.get(order=order), ExceptionType.STALLED_IN_TRANSIT, CaseSource.RULE
    )
    await Case.filter(id=case.id).update(next_due_at=utcnow() + timedelta(minutes=minutes))


async def clean(page) -> None:
    assert await accessibility_violations(page) == [], page.url


async def test_an_agent_finds_a_callers_order_by_phone_and_acts_on_it(
    live_server, desktop_page, settings
):
    brand = await create_brand("northwind", "Northwind Outfitters", ["127.0.0.1"])
    brand.time_zone = "Europe/Berlin"
    await brand.save(update_fields=["time_zone"])
    await upsert_agent("sam@northwind.test", PASSWORD, "agent", ["northwind"], name="Sam Agent")
    await a_case_due(brand, "NW-1001", -180, flags=[], email="olaf@example.com")  # older, plain
    await a_case_due(brand, "NW-1002", -5, flags=["vip"], email="vera@example.com")
    caller = await an_order(brand, "NW-2001", "TN2001")  # Ana, +4915112345678
    page = desktop_page
    await checked_for_accessibility(page)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    await page.goto(f"{live_server}/agent/")
    await page.fill("#email", "sam@northwind.test")
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(f"{live_server}/agent/")
    rows = page.locator("table.queue tbody tr td:nth-child(2) a")
    assert await rows.all_inner_texts() == ["NW-1002", "NW-1001"]  # the VIP's, though younger
    await clean(page)
    await page.screenshot(path=artifact("desk-queue.png"), full_page=True)

    await page.fill("#workspace-q", "0151 1234 5678")
    await page.press("#workspace-q", "Enter")
    await page.wait_for_url("**/agent/search?q=0151+1234+5678")
    assert await page.locator("table.search-results a").all_inner_texts() == ["NW-2001"]
    await clean(page)
    await page.screenshot(path=artifact("desk-search.png"), full_page=True)

    await page.click("table.search-results a")
    await page.wait_for_url(f"**/agent/orders/{caller.id}")
    assert "TN2001" in await page.locator("#parcels").inner_text()
    await clean(page)
    await page.select_option("#resend-channel", "email")
    await page.click("#resend-form button[type=submit]")
    await page.wait_for_url(f"**/agent/orders/{caller.id}?done=resend")
    assert await page.locator("[role=status]").inner_text() == "Tracking link sent."
    await clean(page)
    await page.screenshot(path=artifact("desk-order.png"), full_page=True)
    sent = [p async for p in anyio.Path(settings.outbox_dir).glob(f"link-{caller.id}-*-email.json")]
    assert sent, "the resent link is in the outbox"
    assert (await AuditEntry.get(action="order.link_resent")).actor == "sam@northwind.test"

    await page.select_option("#case-type", "damage_reported")
    await page.fill("#case-note", "Caller says the box arrived crushed")
    await page.click("#order-case-form button[type=submit]")
    await page.wait_for_url("**/agent/cases/*")
    case = await Case.get(shipment__order_id=caller.id)
    assert (case.type, case.source) == ("damage_reported", "agent")
    await clean(page)
    await page.screenshot(path=artifact("desk-case.png"), full_page=True)
    assert errors == []
