"""A split order on a phone, in every theme: the order's summary on top, each card folded to its
newest scan, no WCAG 2.1 AA violation (axe-core) on the lookup page or the order page, folded
or opened. Screenshots land in test-artifacts/ to be looked at."""

import pytest

from porchlight.accounts.brands import create_brand
from tests.browser_support import (
    accessibility_violations,
    artifact,
    checked_for_accessibility,
    running_portal,
)
from tests.factories import an_order, scans

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("theme", ["default", "northwind", "fjord"])
async def test_a_split_order_reads_as_one_page_and_passes_axe_in_every_theme(
    settings, phone_page, theme
):
    brand = await create_brand(theme, f"{theme.title()} Shop", ["127.0.0.1"], theme=theme)
    brand.settings = {"delivery_options": {"choose_date": True, "pickup_point": True}}
    await brand.save()
    order = await an_order(brand, "S-3000", "TN1", "TN2", "TN3")
    await scans("TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await scans("TN2", "pre_transit", "in_transit")
    await scans("TN3", "pre_transit")
    page = phone_page
    await checked_for_accessibility(page)
    # A portal of its own: a served portal keeps brands by host, and each theme's brand
    # takes 127.0.0.1 in turn.
    with running_portal(settings) as (base, _):
        await page.goto(f"{base}/track")
        assert await accessibility_violations(page) == []
        await page.fill("#order_number", "s-3000")  # typed in lower case
        await page.fill("#postcode", "10115")
        await page.click("button[type=submit]")
        await page.wait_for_url(f"**/o/{order.access_token}")

        summary = await page.locator(".order-progress").inner_text()
        assert summary.startswith("1 of 3 delivered, 2 on the way, next expected")
        assert await page.locator("article.parcel").count() == 3
        assert (
            await page.locator("article.parcel >> nth=0 >> ol.timeline >> nth=0 >> li").count() == 1
        )
        assert await accessibility_violations(page) == []
        await page.screenshot(path=artifact(f"split-order-{theme}.png"), full_page=True)

        for opened in ("details.all-scans", "details.delivery-options", "details.report-problem"):
            await page.locator(f"{opened} >> nth=0 >> summary").click()
        assert await accessibility_violations(page) == []
        await page.screenshot(path=artifact(f"split-order-{theme}-open.png"), full_page=True)
