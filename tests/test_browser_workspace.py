"""In a real Chromium: a lead assigns a case, an agent reships, files a claim and closes it."""

import pytest

from porchlight.accounts.agents import upsert_agent
from porchlight.accounts.brands import create_brand
from porchlight.cases.cases import open_or_join
from porchlight.enums import CaseSource, ExceptionType
from porchlight.models import Case, Shipment
from tests.browser_support import accessibility_violations, artifact, checked_for_accessibility
from tests.factories import an_order, scans

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


async def sign_in(page, base, email):
    await page.goto(f"{base}/agent/")
    await page.wait_for_url("**/agent/login?next=/agent/")
    assert await accessibility_violations(page) == []
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(f"{base}/agent/")


async def test_a_lead_assigns_and_an_agent_resolves_both_tracks_and_closes(
    live_server, desktop_page
):
    brand = await create_brand("northwind", "Northwind Outfitters", ["127.0.0.1"])
    await upsert_agent("lee@northwind.test", PASSWORD, "lead", ["northwind"], name="Lee Lead")
    await upsert_agent("sam@northwind.test", PASSWORD, "agent", ["northwind"], name="Sam Agent")
    for number in ("NW-1001", "NW-1002", "NW-1003"):
        order = await an_order(brand, number, f"TN{number[-4:]}")
        await scans(f"TN{number[-4:]}", "pre_transit", "in_transit", "out_for_delivery")
        shipment = await Shipment.get(order=order)
        await open_or_join(
            shipment, ExceptionType.DAMAGE_REPORTED, CaseSource.SHOPPER, "Crushed box"
        )
    page = desktop_page
    await checked_for_accessibility(page)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    await sign_in(page, live_server, "lee@northwind.test")
    assert await page.locator("table.queue tbody tr").count() == 3
    assert "due in" in await page.locator("time.countdown").first.inner_text()  # agent.js ran
    assert await accessibility_violations(page) == []
    await page.screenshot(path=artifact("agent-queue.png"), full_page=True)
    await page.click("text=NW-1002")
    await page.select_option("#assignee", label="Sam Agent")
    await page.click("header.case-head button[type=submit]")
    await page.wait_for_url("**/agent/cases/*")
    case = await Case.get(shipment__order__number="NW-1002")
    assert case.owner_id is not None
    await page.click("text=Sign out")
    await page.wait_for_url("**/agent/login")

    await sign_in(page, live_server, "sam@northwind.test")
    await page.goto(f"{live_server}/agent/?owner=me")
    await page.click("text=NW-1002")
    await page.wait_for_url("**/agent/cases/*")  # axe on the queue page's unloading document fails
    assert await accessibility_violations(page) == []
    # The Act card spans the grid's width: no empty column beside it.
    act, grid = page.locator("section.act"), page.locator(".case-grid")
    act_box, grid_box = await act.bounding_box(), await grid.bounding_box()
    assert act_box["width"] > 0.95 * grid_box["width"]
    await page.screenshot(path=artifact("agent-case-open.png"), full_page=True)
    await page.select_option("#customer-action", "reship")
    await page.click("#customer-form button[type=submit]")
    await page.wait_for_url("**#timeline")
    await page.select_option("#carrier-step", "claim_filed")
    await page.fill("#claim-number", "CLM-4711")
    await page.fill("#carrier-amount", "39.90")
    await page.click("#carrier-form button[type=submit]")
    await page.wait_for_url("**#timeline")
    await page.click("#close-form button[type=submit]")  # no close code chosen
    assert "Choose a close code" in await page.locator("#close-form [role=alert]").inner_text()
    await page.select_option("#close-code", "damage")
    assert "CLM-4711" in await page.locator("#open-claim-warning").inner_text()
    await page.check("input[name=claim_stays_open]")
    await page.click("#close-form button[type=submit]")
    await page.wait_for_url("**#timeline")
    assert await page.locator("#carrier-form").is_visible()  # the payout can still come
    assert await accessibility_violations(page) == []
    await page.screenshot(path=artifact("agent-case.png"), full_page=True)

    case = await Case.get(id=case.id)
    assert (case.state, case.close_code) == ("closed", "damage")
    assert case.customer_resolution["steps"][0]["action"] == "reship"
    assert case.carrier_recovery["claim_number"] == "CLM-4711"
    assert [e for e in errors if "422" not in e] == []  # only the refused close, nothing broke
