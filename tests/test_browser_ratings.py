"""Rating a delivery in a real Chromium at phone width: the link opens the form with its score
chosen, one click confirms, the thank-you page follows; no WCAG 2.1 AA violation on either."""

import pytest

from porchlight.accounts.brands import create_brand
from porchlight.models import Rating, Shipment
from porchlight.notifications.rating_links import rating_urls
from tests.browser_support import (
    accessibility_violations,
    artifact,
    checked_for_accessibility,
    running_portal,
)
from tests.factories import an_order

pytestmark = pytest.mark.browser


async def test_a_shopper_rates_the_delivery_and_comments_on_a_phone(settings, phone_page):
    # A portal of its own: the session's live server may still hold another test's brand for
    # 127.0.0.1 in its 30-second host cache.
    brand = await create_brand(
        "northwind", "Northwind Outfitters", ["127.0.0.1"], theme="northwind"
    )
    order = await an_order(brand, "NW-1001", "TN1")
    shipment = await Shipment.get(tracking_number="TN1")
    secret = settings.secret_key.get_secret_value()
    page = phone_page
    await checked_for_accessibility(page)
    with running_portal(settings) as (base_url, _):
        links = rating_urls(base_url, secret, order.id, shipment.id)
        await page.goto(links[1])
        assert await page.locator("h1").inner_text() == "How was the delivery of order NW-1001?"
        assert await page.locator("input[name=score][value='2']").is_checked()
        assert await Rating.all().count() == 0, "opening the link rates nothing"
        await page.get_by_label("Anything you want to tell us? (optional)").fill(
            "The driver left it in the rain."
        )
        assert await accessibility_violations(page) == []
        await page.screenshot(path=artifact("rating-form-phone.png"), full_page=True)

        await page.get_by_role("button", name="Send my rating").click()
        await page.wait_for_url("**/thanks")
        assert await page.locator("h1").inner_text() == "Thank you for your rating"
        assert "2 of 5" in await page.locator("[role=status]").inner_text()
        assert await accessibility_violations(page) == []
        await page.screenshot(path=artifact("rating-thanks-phone.png"), full_page=True)
        [rating] = await Rating.all()
        assert (rating.score, rating.comment) == (2, "The driver left it in the rain.")
