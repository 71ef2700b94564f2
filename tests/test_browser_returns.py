"""Where is my return, in a real Chromium at phone width: the return's own steps up to the
refund, and a split order's "still to come", with no WCAG 2.1 AA violation."""

from decimal import Decimal

import pytest

from porchlight.accounts.brands import create_brand
from porchlight.models import Order
from porchlight.orders.orders import add_shipment
from porchlight.orders.payload import ReturnIn
from porchlight.orders.refunds import record_refund
from tests.browser_support import (
    accessibility_violations,
    artifact,
    checked_for_accessibility,
    running_portal,
)
from tests.factories import an_order, scans

pytestmark = pytest.mark.browser


async def test_a_refunded_return_and_whats_still_to_come_on_a_phone(settings, phone_page):
    # A portal of its own: the session's live server may still hold another test's brand for
    # 127.0.0.1 in its 30-second host cache.
    brand = await create_brand(
        "northwind", "Northwind Outfitters", ["127.0.0.1"], theme="northwind"
    )
    order = await an_order(
        brand,
        "NW-1001",
        "TN1",
        expected_parcels=2,
        items=[
            {"sku": "MUG-01", "name": "Mug", "quantity": 2},
            {"sku": "VASE-01", "name": "Vase", "quantity": 1},
        ],
    )
    await scans("TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    back = ReturnIn(carrier="dhl", tracking_number="RET1", items=[{"sku": "MUG-01"}])
    await add_shipment(brand, order, back.as_shipment())
    await scans("RET1", "pre_transit", "in_transit", "in_transit")
    page = phone_page
    await checked_for_accessibility(page)
    with running_portal(settings) as (base_url, _):
        await page.goto(f"{base_url}/o/{order.access_token}")
        card = page.locator("article.parcel", has_text="Return 1 of 1")
        assert await card.locator(".return-steps li.done").count() == 3
        current = card.locator(".return-steps li[aria-current=step]")
        assert await current.inner_text() == "On its way to us"
        still = page.locator("section.still-to-come")
        assert "1 more parcel will follow" in await still.inner_text()
        assert await still.locator("li").all_inner_texts() == ["1 × Vase"]
        assert await accessibility_violations(page) == []
        await page.screenshot(path=artifact("return-on-its-way-phone.png"), full_page=True)

        await scans("RET1", "pre_transit", "in_transit", "in_transit", "delivered")
        await record_refund(
            await Order.get(id=order.id), amount=Decimal("24.00"), currency="EUR", source="api"
        )
        await page.reload()
        assert await card.locator(".return-steps li.done").count() == 5
        assert await card.locator("h2.status").inner_text() == "Refund issued"
        assert await accessibility_violations(page) == []
        await card.screenshot(path=artifact("return-refunded-phone.png"))
