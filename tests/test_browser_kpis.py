"""In a real Chromium: the ops lead reads the weekly KPIs and downloads them."""

import pytest

from porchlight.accounts.agents import upsert_agent
from porchlight.insight.volume import seed_volume
from tests.browser_support import accessibility_violations, artifact, checked_for_accessibility

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


async def test_the_ops_lead_reads_the_weekly_kpis(live_server, desktop_page):
    async for _ in seed_volume("volume", 1500):
        pass
    await upsert_agent("lee@volume.test", PASSWORD, "lead", ["volume"], name="Lee Lead")
    page = desktop_page
    await checked_for_accessibility(page)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(f"{live_server}/agent/login?next=/agent/kpis")
    await page.fill("#email", "lee@volume.test")
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url("**/agent/kpis")
    assert await page.locator("figure.kpi svg.chart").count() == 18
    assert await page.locator("#kpi-shipments svg circle").count() == 8
    await page.select_option("select[name=weeks]", "13")
    await page.click("text=Show")
    await page.wait_for_url("**weeks=13")
    assert await page.locator("#kpi-shipments svg circle").count() == 13
    assert await accessibility_violations(page) == []
    await page.screenshot(path=artifact("kpi-dashboard.png"), full_page=True)
    async with page.expect_download() as download:
        await page.click("text=Download CSV")
    assert (await download.value).suggested_filename.startswith("porchlight-kpis-volume-")
    assert errors == []
