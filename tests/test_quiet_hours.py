"""Quiet hours: the brand's default applies until the shopper picks their own on the order page
(hours in their time zone); messages due inside them wait, through the real worker."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from porchlight.accounts.brand_settings import stored, validate_settings
from porchlight.models import Customer, Notification
from tests.factories import deliver_scans, shopper_order
from tests.worker_run import run_worker


async def form_of(client, order) -> tuple[dict[str, str], HTMLParser]:
    html = HTMLParser((await client.get(f"/o/{order.access_token}")).text)
    form = {
        "csrf_token": html.css_first("input[name=csrf_token]").attributes["value"],
        "email": "1",
        "sms": "1",
        "scope": "all",
    }
    return form, html


def selected(html: HTMLParser, name: str) -> str:
    return html.css_first(f"select[name={name}] option[selected]").attributes["value"]


async def test_the_brands_quiet_hours_hold_messages_until_the_shopper_picks_their_own(
    client, providers, arq_redis
):
    stub, settings = providers
    brand, _, order = await shopper_order()  # the shopper's zone is at about noon now
    brand.settings = stored(validate_settings({"quiet_hours": {"start": 10, "end": 14}}))
    await brand.save(update_fields=["settings"])
    form, html = await form_of(client, order)
    assert (selected(html, "quiet_start"), selected(html, "quiet_end")) == ("10", "14")
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    assert stub.received == []  # the brand's quiet hours: deferred to 14:00 local
    waiting = await Notification.filter(trigger="out_for_delivery", status="pending")
    assert waiting and all(n.due_at > datetime.now(UTC) + timedelta(hours=1) for n in waiting)

    saved = await client.post(
        f"/o/{order.access_token}/preferences", data={**form, "quiet_start": "0", "quiet_end": "0"}
    )
    assert saved.status_code == 303
    customer = await Customer.get(id=order.customer_id)
    assert (customer.quiet_hours_start, customer.quiet_hours_end) == (0, 0)
    assert customer.quiet_hours_chosen
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)
    assert [e.json["subject"] for e in stub.emails] == ["Your order A-1001 has been delivered"]


async def test_saving_the_hours_as_shown_keeps_following_the_brand(client):
    _, _, order = await shopper_order()
    form, html = await form_of(client, order)
    quiet = {"quiet_start": selected(html, "quiet_start"), "quiet_end": selected(html, "quiet_end")}
    assert quiet == {"quiet_start": "21", "quiet_end": "8"}  # the default brand's
    await client.post(f"/o/{order.access_token}/preferences", data={**form, **quiet})
    assert not (await Customer.get(id=order.customer_id)).quiet_hours_chosen


async def test_an_hour_not_on_the_list_is_refused_and_nothing_is_saved(client):
    _, _, order = await shopper_order()
    form, _ = await form_of(client, order)
    refused = await client.post(
        f"/o/{order.access_token}/preferences",
        data={**form, "quiet_start": "25", "quiet_end": "7"},
        follow_redirects=True,  # post/redirect/get: the page shows the refusal once
    )
    assert refused.status_code == 422
    assert "Choose quiet hours from the lists." in refused.text
    assert not (await Customer.get(id=order.customer_id)).quiet_hours_chosen


async def test_a_message_held_for_a_shopper_far_west_of_utc_is_not_due_before_their_morning(
    client, providers, arq_redis
):
    """The wake-up is a local time (UTC-12, whose clock reads half a day behind UTC's); SQLite
    keeps datetimes as text, and one kept in that zone once sorted before "now" and went out."""
    _, settings = providers
    zone = "Etc/GMT+12"
    hour = datetime.now(ZoneInfo(zone)).hour
    brand, _, _ = await shopper_order(zone=zone)
    quiet = {"start": hour, "end": (hour + 2) % 24}  # it is quiet there now, for an hour or two
    brand.settings = stored(validate_settings({"quiet_hours": quiet}))
    await brand.save(update_fields=["settings"])
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    assert await Notification.filter(trigger="out_for_delivery", status="pending").count() == 2
    now = datetime.now(UTC)
    assert not await Notification.filter(status="pending", due_at__lte=now).exists()
