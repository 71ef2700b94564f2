"""In a real Chromium: an owner sets up a brand in the console (create it, upload a logo, change
the accent and see it on the tracking page, no restart), an admin makes a track-only key and
revokes it, and leads and other brands' admins are kept out. Every console page is checked with
axe-core and photographed at laptop and phone widths (test-artifacts/console-*.png)."""

import re

import pytest
from playwright.async_api import expect

from porchlight.accounts.agents import upsert_agent
from porchlight.accounts.audit import record
from porchlight.accounts.brand_settings import settings_of
from porchlight.accounts.brands import create_brand
from porchlight.models import ApiKey, Brand
from tests.browser_support import accessibility_violations, artifact, checked_for_accessibility
from tests.test_admin_look import CLEAN_SVG

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
SECTIONS = (
    "brand",
    "look",
    "whatsapp",
    "operations",
    "integrations",
    "integrations/shopify",
    "audit",
)


async def sign_in(page, base, email, then="/admin/"):
    await page.goto(f"{base}{then}")
    await page.wait_for_url(re.compile(r"/agent/login\?next="))
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(f"{base}{then}")


async def clean(page) -> None:
    assert await accessibility_violations(page) == [], page.url


async def test_an_owner_sets_up_a_brand_and_its_look_reaches_the_tracking_page(
    live_server, desktop_page, tmp_path
):
    await upsert_agent("olga@porchlight.test", PASSWORD, "owner", [], name="Olga Owner")
    page = desktop_page
    await checked_for_accessibility(page)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    shop = live_server.replace("127.0.0.1", "localhost")  # the new brand's host

    await sign_in(page, live_server, "olga@porchlight.test")
    await clean(page)
    await page.fill("#f-name", "Acme Outdoor")
    await page.fill("#f-slug", "acme")
    await page.fill("#f-host", "localhost")
    await page.click("text=Create brand")
    await page.wait_for_url("**/admin/brands/acme/brand")
    await clean(page)

    await page.goto(f"{shop}/track")
    assert await page.locator(".site-header .brand span").inner_text() == "Acme Outdoor"
    before = await page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )

    await page.goto(f"{live_server}/admin/brands/acme/look")
    await clean(page)
    logo = tmp_path / "acme.svg"
    logo.write_bytes(CLEAN_SVG)
    await page.set_input_files("#f-logo", str(logo))
    await page.click("text=Upload logo")
    await page.wait_for_url("**/look?done=logo")
    await page.fill("#f-accent", "#ffee00")  # white text on yellow: refused
    await page.click("text=Save look")
    assert "WCAG AA needs 4.5:1" in await page.locator("#e-accent").inner_text()
    await clean(page)
    await page.fill("#f-accent", "#6b2c91")
    await page.fill("#f-tagline", "Outside is better")
    # The preview followed the form (htmx). Playwright's own assertion polls without eval(),
    # which the page's Content-Security-Policy refuses.
    await expect(page.locator("#preview iframe.page")).to_have_attribute(
        "src", re.compile("6b2c91")
    )
    await page.click("text=Save look")
    await page.wait_for_url("**/look?done=saved")

    await page.goto(f"{shop}/track")  # the same server process: no restart in between
    after = await page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert after == "rgb(107, 44, 145)" != before
    assert await page.locator(".tagline").inner_text() == "Outside is better"
    logo_src = await page.locator("img.logo").get_attribute("src")
    assert re.fullmatch(r"/brand-logo/[0-9a-f]{16}\.svg", logo_src)
    assert await page.evaluate("document.querySelector('img.logo').naturalWidth") > 0
    await clean(page)
    await page.screenshot(path=artifact("console-tracking-page-after.png"), full_page=True)
    brand = await Brand.get(slug="acme")
    assert settings_of(brand).accent == "#6b2c91"
    assert errors == [] or all("400" in e for e in errors)  # only the refused colour


async def test_an_admin_makes_a_track_only_key_and_revokes_it(live_server, desktop_page):
    await create_brand("northwind", "Northwind Outfitters", ["127.0.0.1"])
    await upsert_agent("ada@northwind.test", PASSWORD, "admin", ["northwind"], name="Ada Admin")
    page = desktop_page
    await checked_for_accessibility(page)
    await sign_in(page, live_server, "ada@northwind.test", "/admin/brands/northwind/integrations")
    await page.check("input[name=scopes][value=track]")
    await page.click("text=Create key")
    key = await page.locator(".secret code").inner_text()
    await clean(page)
    row = await ApiKey.get(prefix=key[:10])
    assert row.scopes == "track" and row.revoked_at is None
    await page.goto(f"{live_server}/admin/brands/northwind/integrations")
    assert key not in await page.content()
    await page.click(f"button[aria-label='Revoke {key[:10]}']")
    await page.wait_for_url("**/integrations?done=revoked")
    assert "revoked" in await page.locator("table.keys tbody tr").first.inner_text()
    await row.refresh_from_db()
    assert row.revoked_at is not None


async def test_leads_get_403_and_other_brands_admins_404(live_server, desktop_page):
    await create_brand("northwind", "Northwind Outfitters", ["127.0.0.1"])
    await create_brand("fjord", "Fjord & Pine", ["fjord.test"])
    await upsert_agent("lee@northwind.test", PASSWORD, "lead", ["northwind"])
    await upsert_agent("ada@northwind.test", PASSWORD, "admin", ["northwind"])
    page = desktop_page
    await page.goto(f"{live_server}/agent/login")
    await page.fill("#email", "lee@northwind.test")
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(f"{live_server}/agent/")
    assert await page.locator("a[href='/admin/']").count() == 0
    response = await page.goto(f"{live_server}/admin/brands/northwind/brand")
    assert response.status == 403
    await page.click("text=Sign out") if await page.locator("text=Sign out").count() else None
    await page.context.clear_cookies()
    await sign_in(page, live_server, "ada@northwind.test", "/admin/brands/northwind/brand")
    response = await page.goto(f"{live_server}/admin/brands/fjord/brand")
    assert response.status == 404
    assert "Fjord" not in await page.content()


@pytest.mark.parametrize("width", [1366, 390], ids=["laptop", "phone"])
async def test_every_console_page_reads_well_at_laptop_and_phone_width(live_server, browser, width):
    """Screenshots to look at; axe-core finds no WCAG 2.1 AA violation on any page."""
    brand = await create_brand("northwind", "Northwind Outfitters", ["127.0.0.1"])
    brand.settings = {
        "support": {"email": "help@northwind.test"},
        "tagline": "Gear for the long way round",
    }
    await brand.save()
    olga = await upsert_agent("olga@porchlight.test", PASSWORD, "owner", [], name="Olga Owner")
    await record(
        "settings.update",
        brand=brand,
        agent=olga,
        subject="operations",
        before={"daily_message_cap": 4, "exception_thresholds": {"stalled_days": 3}},
        after={"daily_message_cap": 2, "exception_thresholds": {"stalled_days": 5}},
    )
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    await checked_for_accessibility(page)
    await sign_in(page, live_server, "olga@porchlight.test")
    await clean(page)
    await page.screenshot(path=artifact(f"console-home-{width}.png"), full_page=True)
    for section in SECTIONS:
        await page.goto(f"{live_server}/admin/brands/northwind/{section}")
        await clean(page)
        if section == "look":  # the previews paint once they are in view
            await page.locator("#preview iframe.email").scroll_into_view_if_needed()
            await page.wait_for_timeout(300)
        shot = f"console-{section.replace('/', '-')}-{width}.png"
        await page.screenshot(path=artifact(shot), full_page=True)
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{section} scrolls sideways at {width}px"
    await context.close()
