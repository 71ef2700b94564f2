"""The console's Messages and People pages, through HTTP as an admin uses them."""

import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.accounts.brand_settings import settings_of
from porchlight.models import Agent, AgentSession, AuditEntry, Brand, MessageText
from tests.factories import a_brand
from tests.test_agent_workspace import an_agent, signed_in_token

OFD_DE = "/admin/brands/northwind/messages/out_for_delivery/sms/de"


@pytest.fixture
async def admin(viewer_client, viewer_settings):
    """Northwind's admin, signed in; the outbox is the test's own."""
    await a_brand()
    await an_agent("admin@northwind.test", role="admin")
    return viewer_client, await signed_in_token(viewer_client, "admin@northwind.test")


@pytest.fixture
def outbox(viewer_settings):
    def read(pattern):
        folder = Path(viewer_settings.outbox_dir)
        return [json.loads(p.read_text()) for p in sorted(folder.glob(pattern))]

    return read


async def test_the_editor_starts_from_the_german_default_and_counts_segments(admin):
    client, _ = admin
    page = HTMLParser((await client.get(OFD_DE)).text)
    body = page.css_first("textarea#f-body").text()
    assert (
        body == "{{ brand }}: Bestellung {{ order_number }} wird heute zugestellt. {{ order_url }}"
    )
    assert "1 segment" in page.css_first(".sms-facts").text()
    assert "GSM-7" in page.css_first(".sms-facts").text()
    names = [dt.text() for dt in page.css("dl.variables dt")]
    assert "{{ tracking_number }}" in names and "{{ shipped_count }}" not in names


async def test_an_admin_previews_saves_and_resets_the_german_sms(admin):
    client, token = admin
    text = "{{ brand }}: Paket {{ tracking_number }} kommt heute 🚚 {{ order_url }}"
    shown = await client.post(f"{OFD_DE}/preview", data={"csrf_token": token, "body": text})
    page = HTMLParser(shown.text)
    assert page.css_first(".sms-bubble").text().startswith("Northwind: Paket JJD000390007786263")
    assert "UCS-2" in page.css_first(".sms-facts").text()  # the emoji has no GSM-7 form
    assert not await MessageText.exists()

    saved = await client.post(f"{OFD_DE}/save", data={"csrf_token": token, "body": text})
    assert saved.status_code == 200
    row = await MessageText.get(trigger="out_for_delivery", channel="sms", locale="de")
    assert row.body == text
    [entry] = await AuditEntry.filter(action="message.save")
    assert entry.subject == "out_for_delivery/sms/de" and entry.after["body"] == text

    reset = await client.post(f"{OFD_DE}/reset", data={"csrf_token": token})
    assert reset.status_code == 200 and not await MessageText.exists()
    assert await AuditEntry.filter(action="message.reset").count() == 1


async def test_a_bad_template_is_refused_on_the_field_and_nothing_is_saved(admin):
    client, token = admin
    for text, says in [
        ("{{ brand }} {{ password }}", "Unknown variable password"),
        ("{{ brand ", "Line 1"),
        ("{{ brand.__class__ }}", "a text may use variables, if/else and the filters"),
    ]:
        response = await client.post(f"{OFD_DE}/save", data={"csrf_token": token, "body": text})
        assert response.status_code == 400
        page = HTMLParser(response.text)
        assert says in page.css_first("#e-body").text()
        assert page.css_first("textarea#f-body").text() == text  # kept for correcting
    assert not await MessageText.exists()


async def test_a_test_goes_to_the_outbox_and_a_bad_number_is_refused(admin, outbox):
    client, token = admin
    text = "{{ brand }}: heute! {{ order_url }}"
    bad = await client.post(
        f"{OFD_DE}/test", data={"csrf_token": token, "body": text, "to": "12345"}
    )
    assert bad.status_code == 400 and HTMLParser(bad.text).css_first("#e-to")
    sent = await client.post(
        f"{OFD_DE}/test", data={"csrf_token": token, "body": text, "to": "+49 151 12345678"}
    )
    assert sent.status_code == 200
    [sms] = outbox("test-*-sms.json")
    assert sms["to"] == "+4915112345678"
    assert sms["text"] == "Northwind: heute! https://track.example.com/o/sample"
    assert sms["brand"] == (await Brand.get(slug="northwind")).id


async def test_an_email_text_needs_a_subject_and_its_preview_shows_it(admin):
    client, token = admin
    path = "/admin/brands/northwind/messages/delivered/email/en"
    empty = await client.post(
        f"{path}/save", data={"csrf_token": token, "subject": "", "body": "x"}
    )
    assert empty.status_code == 400 and HTMLParser(empty.text).css_first("#e-subject")
    shown = await client.post(
        f"{path}/preview",
        data={"csrf_token": token, "subject": "Here: {{ order_number }}", "body": "<b>Hi</b>"},
    )
    page = HTMLParser(shown.text)
    assert page.css_first(".email-subject span").text() == "Here: SAMPLE-1001"
    assert "<b>Hi</b>" in page.css_first(".email-text").text()  # shown as text, not markup


async def test_timing_is_saved_with_range_checks(admin):
    client, token = admin
    base = "/admin/brands/northwind/messages/policy"
    good = {
        "csrf_token": token,
        "quiet_hours.start": "22",
        "quiet_hours.end": "7",
        "shipped_grace_hours": "6",
        "group_hold_minutes": "15",
        "daily_message_cap": "3",
    }
    assert (await client.post(base, data=good)).status_code == 303
    settings = settings_of(await Brand.get(slug="northwind"))
    assert (settings.quiet_hours.start, settings.quiet_hours.end) == (22, 7)
    assert (settings.shipped_grace_hours, settings.daily_message_cap) == (6, 3)
    [entry] = await AuditEntry.filter(action="settings.update")
    assert entry.after["daily_message_cap"] == 3

    refused = await client.post(
        base, data={**good, "daily_message_cap": "99", "quiet_hours.end": "x"}
    )
    assert refused.status_code == 400
    page = HTMLParser(refused.text)
    assert page.css_first("#e-daily_message_cap").text() == "At most 50."
    assert page.css_first("#e-quiet_hours-end").text() == "Give a whole number."
    assert settings_of(await Brand.get(slug="northwind")).daily_message_cap == 3


async def test_channels_store_only_what_differs_from_the_default(admin):
    client, token = admin
    page = HTMLParser((await client.get("/admin/brands/northwind/messages")).text)
    checked = [i.attributes["value"] for i in page.css("input[name=on][checked]")]
    assert "delivered:sms" in checked and "shipped:sms" not in checked
    kept = [v for v in checked if v != "delivered:sms"] + ["shipped:sms"]
    response = await client.post(
        "/admin/brands/northwind/messages/channels", data={"csrf_token": token, "on": kept}
    )
    assert response.status_code == 303
    brand = await Brand.get(slug="northwind")
    chosen = {t: set(c) for t, c in brand.settings["notification_channels"].items()}
    assert chosen == {"delivered": {"email"}, "shipped": {"email", "sms"}}


async def test_an_admin_invites_changes_a_role_and_deactivates(admin, outbox):
    client, token = admin
    people = "/admin/brands/northwind/people"
    invited = await client.post(
        f"{people}/invite", data={"csrf_token": token, "email": "bo@northwind.test", "role": "lead"}
    )
    assert invited.status_code == 303
    [mail] = outbox("invite-*-email.json")
    assert mail["to"] == "bo@northwind.test" and "/agent/welcome/" in mail["text"]
    again = await client.post(
        f"{people}/invite", data={"csrf_token": token, "email": "bo@northwind.test", "role": "lead"}
    )
    assert "already has an account" in HTMLParser(again.text).css_first("#e-email").text()

    bo = await Agent.get(email="bo@northwind.test")
    assert bo.role == "lead"
    await client.post(f"{people}/{bo.id}/role", data={"csrf_token": token, "role": "agent"})
    assert (await Agent.get(id=bo.id)).role == "agent"
    await AgentSession.create(
        agent=bo, key_hash="x" * 64, created_at=bo.created_at, last_seen_at=bo.created_at
    )
    await client.post(f"{people}/{bo.id}/deactivate", data={"csrf_token": token})
    assert not (await Agent.get(id=bo.id)).active
    assert not await AgentSession.exists(agent=bo)
    row = HTMLParser((await client.get(people)).text).css("table.people tbody tr")
    assert any("Deactivated" in r.text() for r in row)


async def test_another_brands_agent_cannot_be_touched(admin):
    client, token = admin
    await a_brand("fjord", host="fjord.example.com")
    stranger = await an_agent("x@fjord.test", brands=("fjord",))
    for action in ("role", "deactivate", "reset_lock", "resend", "reactivate"):
        response = await client.post(
            f"/admin/brands/northwind/people/{stranger.id}/{action}",
            data={"csrf_token": token, "role": "admin"},
        )
        assert response.status_code == 404
    assert (await Agent.get(id=stranger.id)).active
    me = await Agent.get(email="admin@northwind.test")
    mine = await client.post(
        f"/admin/brands/northwind/people/{me.id}/deactivate", data={"csrf_token": token}
    )
    assert mine.status_code == 400 and (await Agent.get(id=me.id)).active


async def test_the_framed_email_preview_escapes_the_draft_and_refuses_a_bad_one(admin):
    client, _ = admin
    path = "/admin/brands/northwind/messages/delivered/email/de/email.html"
    shown = await client.get(path, params={"subject": "Da: {{ order_number }}", "body": "<i>x</i>"})
    assert shown.status_code == 200
    assert "frame-ancestors 'self'" in shown.headers["content-security-policy"]
    assert "&lt;i&gt;x&lt;/i&gt;" in shown.text and "<i>x</i>" not in shown.text
    assert "<title>Da: SAMPLE-1001</title>" in shown.text
    bad = await client.get(path, params={"subject": "x", "body": "{{ nope }}"})
    assert bad.status_code == 400
