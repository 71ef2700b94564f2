"""Every email template of both demo brands in a real Chromium at 320 px, in light and dark
mode: the brand's logo loads, nothing is wider than the screen, and axe-core finds no WCAG 2.1
AA violation. Screenshots land in test-artifacts/ to be looked at."""

import pytest

from porchlight.demo import BRANDS
from porchlight.enums import Trigger
from porchlight.models import Brand
from porchlight.notifications.messages import brand_look, render_message
from tests.browser_support import accessibility_violations, artifact
from tests.test_message_templates import context

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("spec", BRANDS, ids=lambda s: s.slug)
async def test_every_email_reads_on_a_320px_screen_in_light_and_dark(live_server, browser, spec):
    brand = Brand(
        slug=spec.slug, name=spec.name, theme=spec.theme, settings={"accent": spec.accent}
    )
    for scheme in ("light", "dark"):
        page_context = await browser.new_context(
            viewport={"width": 320, "height": 640}, color_scheme=scheme
        )
        page = await page_context.new_page()
        try:
            for trigger in Trigger:
                shown = {**context(spec.locale), "brand": brand, **brand_look(brand, live_server)}
                html = render_message(trigger, spec.theme, spec.locale, shown).html
                await page.set_content(html, wait_until="load")
                logo = page.locator("img").first
                assert await logo.evaluate("img => img.naturalWidth") > 0, trigger
                wide = await page.evaluate("document.documentElement.scrollWidth")
                assert wide <= 320, (trigger, scheme, wide)
                await page.add_script_tag(path=str(_axe()))
                assert await accessibility_violations(page) == [], (trigger, scheme)
                name = f"email-{spec.slug}-{trigger.value}-{scheme}.png"
                await page.screenshot(path=artifact(name), full_page=True)
        finally:
            await page_context.close()


def _axe():
    from tests.browser_support import AXE

    return AXE
