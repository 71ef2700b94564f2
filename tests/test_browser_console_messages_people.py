"""In a real Chromium: an admin edits the German out-for-delivery SMS, previews it and sends a
test to the outbox; invites an agent, who sets a password from the emailed link and signs in.
Every page is checked with axe-core (WCAG 2.1 AA) and photographed at laptop and phone width."""

import json
from pathlib import Path

import pytest

from porchlight.accounts.agents import upsert_agent
from porchlight.accounts.brands import create_brand
from porchlight.models import AuditEntry, MessageText
from tests.browser_support import accessibility_violations, artifact, checked_for_accessibility

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
GERMAN_SMS = "{{ brand }}: Ihr Paket {{ tracking_number }} kommt heute. {{ order_url }}"


async def sign_in(page, base, email, next_path):
    await page.goto(f"{base}/agent/login?next={next_path}")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(f"{base}{next_path}")


async def clean(page) -> None:
    assert await accessibility_violations(page) == []


def outbox_files(settings, pattern):
    """The outbox is the session's: earlier tests' messages are in it too."""
    return set(Path(settings.outbox_dir).glob(pattern))


async def test_an_admin_edits_previews_and_tests_the_german_out_for_delivery_sms(
    live_server, desktop_page, settings
):
    await create_brand("northwind", "Northwind", ["127.0.0.1"])
    await upsert_agent("ada@northwind.test", PASSWORD, "admin", ["northwind"], name="Ada Admin")
    page = desktop_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await checked_for_accessibility(page)
    await sign_in(page, live_server, "ada@northwind.test", "/admin/brands/northwind/messages")
    await clean(page)
    await page.screenshot(path=artifact("console-messages.png"), full_page=True)

    await page.click("a[href$='/out_for_delivery/sms/en']")
    await page.click("nav.switch >> text=Deutsch")
    await page.wait_for_url("**/out_for_delivery/sms/de")
    assert "wird heute zugestellt" in await page.input_value("#f-body")
    await page.fill("#f-body", GERMAN_SMS)
    await page.click("text=Preview")
    bubble = await page.locator(".sms-bubble").inner_text()
    assert bubble.startswith("Northwind: Ihr Paket JJD000390007786263 kommt heute.")
    assert "1 segment" in await page.locator(".sms-facts").inner_text()
    await clean(page)

    await page.fill("#f-to", "+49 151 12345678")
    earlier = outbox_files(settings, "test-*-sms.json")
    await page.click("text=Send test")
    notice = await page.locator("p.saved[role=status]").inner_text()
    assert "+4915112345678" in notice
    [sent] = outbox_files(settings, "test-*-sms.json") - earlier
    assert json.loads(sent.read_text())["text"] == bubble
    assert not await MessageText.exists()  # previews and tests save nothing

    await page.click("button:has-text('Save')")
    await page.wait_for_selector("text=Messages use this text from now on")
    assert (await MessageText.get(locale="de")).body == GERMAN_SMS
    await clean(page)
    await page.screenshot(path=artifact("console-message-sms.png"), full_page=True)

    await page.fill("#f-body", "{{ brand }} {{ secret }}")
    await page.click("text=Preview")
    assert "Unknown variable secret" in await page.locator("#e-body").inner_text()
    await clean(page)
    assert {e.action for e in await AuditEntry.all()} >= {"message.save", "message.test"}
    assert [e for e in errors if "400" not in e] == []  # only the refused text


async def test_an_invited_agent_sets_a_password_and_signs_in(
    live_server, browser, desktop_page, settings
):
    await create_brand("northwind", "Northwind", ["127.0.0.1"])
    await upsert_agent("ada@northwind.test", PASSWORD, "admin", ["northwind"], name="Ada Admin")
    page = desktop_page
    await checked_for_accessibility(page)
    await sign_in(page, live_server, "ada@northwind.test", "/admin/brands/northwind/people")
    await page.fill("#f-email", "bea@northwind.test")
    await page.select_option("#f-role", "lead")
    earlier = outbox_files(settings, "invite-*-email.json")
    await page.click("text=Send invitation")
    await page.wait_for_url("**/people?done=invite")
    assert "Invited" in await page.locator("table.people tbody").inner_text()
    await clean(page)
    await page.screenshot(path=artifact("console-people.png"), full_page=True)

    [mail] = outbox_files(settings, "invite-*-email.json") - earlier
    text = json.loads(mail.read_text())["text"]
    link = next(line for line in text.splitlines() if "/agent/welcome/" in line).strip()
    assert link.startswith(live_server)

    context = await browser.new_context(viewport={"width": 390, "height": 844})
    invitee = await context.new_page()
    await checked_for_accessibility(invitee)
    await invitee.goto(link)
    await clean(invitee)
    await invitee.screenshot(path=artifact("welcome-phone.png"), full_page=True)
    await invitee.fill("#password", "bea's own long password")
    await invitee.fill("#password_again", "bea's own long password")
    await invitee.click("text=Set my password")
    await invitee.wait_for_selector("text=Your password is set")
    await invitee.click("main a:has-text('Sign in')")
    await invitee.fill("#email", "bea@northwind.test")
    await invitee.fill("#password", "bea's own long password")
    await invitee.click("main button[type=submit]")
    await invitee.wait_for_url(f"{live_server}/agent/")
    await invitee.goto(link)  # the link is spent
    assert "no longer works" in await invitee.locator("h1").inner_text()
    await context.close()


@pytest.mark.parametrize("width", [1366, 390])
async def test_the_pages_read_well_at_laptop_and_phone_width(live_server, browser, width):
    await create_brand("northwind", "Northwind", ["127.0.0.1"])
    await upsert_agent("ada@northwind.test", PASSWORD, "admin", ["northwind"], name="Ada Admin")
    await upsert_agent("sam@northwind.test", PASSWORD, "agent", ["northwind"], name="Sam Agent")
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    await checked_for_accessibility(page)
    base = "/admin/brands/northwind"
    await sign_in(page, live_server, "ada@northwind.test", f"{base}/messages")
    for name, path in [
        ("messages", f"{base}/messages"),
        ("message-email", f"{base}/messages/delivered/email/en"),
        ("message-sms", f"{base}/messages/out_for_delivery/sms/de"),
        ("people", f"{base}/people"),
    ]:
        await page.goto(f"{live_server}{path}")
        await clean(page)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {width}px"
        await page.screenshot(path=artifact(f"console-{name}-{width}.png"), full_page=True)
    await context.close()
