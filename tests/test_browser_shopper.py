"""In a real Chromium at phone width: look up, read, switch language, subscribe (confirming a
new number with the code texted to it), report; axe-core finds no WCAG 2.1 AA violation."""

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from porchlight.accounts.brands import create_brand
from porchlight.models import Case, Customer, Order
from tests.browser_support import accessibility_violations, artifact, checked_for_accessibility
from tests.conftest import METRICS_TOKEN
from tests.factories import an_order, bearer, scans
from tests.test_phone_confirmation import texted_code

pytestmark = pytest.mark.browser


async def test_a_shopper_on_a_phone_tracks_subscribes_and_reports(
    live_server,
    phone_page,
    settings,
    arq_redis,  # (an empty Redis: no code sent today)
):
    brand = await create_brand(
        "northwind", "Northwind Outfitters", ["127.0.0.1"], theme="northwind"
    )
    order = await an_order(brand, "NW-1001", "TN1", "TN2")
    await scans("TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await scans("TN2", "pre_transit", "in_transit")
    page = phone_page
    await checked_for_accessibility(page)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    await page.goto(f"{live_server}/track")
    await page.fill("#order_number", "NW-1001")
    await page.fill("#postcode", "10115")
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**/o/{order.access_token}")
    assert await page.locator("article.parcel").count() == 2
    assert await page.locator("h2.status").first.inner_text() == "Delivered"
    await page.screenshot(path=artifact("order-page-phone.png"), full_page=True)

    card = page.locator("article.parcel").first
    async with page.expect_response(lambda r: "/parcels/" in r.url):
        await card.locator("button.link-button").click()  # htmx swaps the card in place
    await page.wait_for_timeout(300)  # htmx settles the swapped card
    assert await page.locator("article.parcel").count() == 2

    await page.click("a[hreflang=de]")
    await page.wait_for_url("**?lang=de")
    assert await page.locator("html").get_attribute("lang") == "de"
    assert await page.locator("h2.status").first.inner_text() == "Zugestellt"

    await page.check("input[name=sms]")
    await page.fill("#phone", "+44 7911 123456")
    await page.check("input[name=scope][value=order]")
    await page.click("#preferences button[type=submit]")
    await page.wait_for_url("**done=code_sent**")
    saved = await Order.get(id=order.id)
    assert saved.notify_sms is True
    assert await page.locator("#confirm-phone").is_visible()
    assert await accessibility_violations(page) == []
    await page.screenshot(path=artifact("order-page-phone-confirm.png"), full_page=True)
    await page.fill("#phone-code", texted_code(settings.outbox_dir, "+447911123456"))
    await page.click("#confirm-phone button[type=submit] >> nth=0")
    await page.wait_for_url("**done=phone_confirmed**")
    assert (await Customer.get(id=order.customer_id)).phone == "+447911123456"
    assert "•••• 3456" in await page.locator("#phone-current").inner_text()
    assert await accessibility_violations(page) == []

    first = page.locator("article.parcel").first
    await first.locator("details.report-problem summary").click()
    await first.locator("select[name=kind]").select_option("damaged")
    await first.locator("textarea[name=text]").fill("Karton zerdrückt")
    await first.locator("details.report-problem button[type=submit]").click()
    await page.wait_for_url("**done=reported")
    assert await page.locator("[role=status]").inner_text() != ""
    case = await Case.get()
    assert case.type == "damage_reported"
    await page.screenshot(path=artifact("order-page-phone-de.png"), full_page=True)
    assert errors == []  # the CSP let htmx load and nothing broke


async def assets_served(live_server: str) -> float:
    """Requests the portal has answered from its stylesheet, script and logo folders."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{live_server}/metrics", headers=bearer(METRICS_TOKEN))).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "porchlight_request_seconds_count"
        and sample.labels["route"].startswith(("/static", "/theme/"))
    )


async def test_a_shopper_coming_back_to_their_page_fetches_only_the_page(live_server, phone_page):
    # localhost, not 127.0.0.1: the server keeps brands by host for a while, and the other test's
    # brand (on 127.0.0.1) may still be kept there.
    brand = await create_brand("fjord", "Fjord", ["localhost"], theme="fjord")
    order = await an_order(brand, "FJ-1001", "TN1")
    url = f"{live_server.replace('127.0.0.1', 'localhost')}/o/{order.access_token}"
    before = await assets_served(live_server)
    await phone_page.goto(url)
    await phone_page.wait_for_load_state("networkidle")
    first_view = await assets_served(live_server)
    assert first_view - before == 4  # two stylesheets, htmx, the logo (page and tab share it)

    await phone_page.goto(url)
    await phone_page.wait_for_load_state("networkidle")
    assert await phone_page.locator("article.parcel").count() == 1
    assert await assets_served(live_server) == first_view


async def test_a_shopper_from_an_email_link_gets_no_cookie_yet_saves_and_sees_304s(
    live_server, phone_page
):
    # A host of its own (Chromium takes any *.localhost for loopback): the server keeps the
    # other tests' brands by host for a while.
    brand = await create_brand("lumen", "Lumen", ["lumen.localhost"], theme="default")
    order = await an_order(brand, "LU-1001", "TN1")
    await scans("TN1", "pre_transit", "in_transit")
    url = f"{live_server.replace('127.0.0.1', 'lumen.localhost')}/o/{order.access_token}"
    page = phone_page
    first = await page.goto(url)
    assert first is not None and first.status == 200
    assert await page.context.cookies() == []  # reading the page leaves nothing behind
    again = await page.goto(url)
    assert again is not None
    # The browser kept the page and asked whether it changed (the portal answers 304; Chromium
    # shows its kept copy as the 200 it was).
    asked = await again.request.all_headers()
    assert asked.get("if-none-match") == await first.header_value("etag")
    assert await page.locator("article.parcel").count() == 1

    await page.uncheck("input[name=email]")
    await page.check("input[name=scope][value=order]")
    await page.click("#preferences button[type=submit]")  # the link's token, no cookie's
    await page.wait_for_url("**done=preferences**")
    assert (await Order.get(id=order.id)).notify_email is False
