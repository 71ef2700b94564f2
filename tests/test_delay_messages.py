"""Every move of the carrier's date the shopper cares about reaches them once, through the real
worker and the real SDKs against the provider stub: a delay with no promise, a new date inside
the promise, back-and-forth dates held into one message or none, and silent parcels."""

from datetime import UTC, datetime, timedelta

from notifier.exception_sweep import exception_sweep
from notifier.tracking import reconcile
from porchlight.accounts.brand_settings import stored, validate_settings
from porchlight.models import Notification, Order, Shipment
from tests.factories import (
    deliver_scans,
    easypost_event,
    easypost_headers,
    email_text,
    journey,
    shopper_order,
)
from tests.test_notifications import minutes_pass
from tests.worker_run import run_worker

HELD = 130  # minutes: past the default estimate_hold_minutes (120) and send_due's minute


async def dated(client, settings, arq_redis, *estimates: str) -> None:
    """The carrier says the parcel (in transit) is due on each date in turn, each in a tracker
    update newer than the last (a body like an earlier one would be a replay). A date back at
    one seen within the hour folds into that body's refresh job; the reconcile cron (every five
    minutes) derives it, as it does here."""
    scans = journey("pre_transit", "in_transit", start=datetime(2026, 11, 30, 9, tzinfo=UTC))
    for estimate in estimates:
        dated.updates += 1  # type: ignore[attr-defined]
        updated = datetime(2026, 11, 30, 8, tzinfo=UTC) + timedelta(minutes=dated.updates)  # type: ignore[attr-defined]
        body = easypost_event(
            "TN1",
            scans,
            est_delivery=estimate,
            updated_at=updated.isoformat().replace("+00:00", "Z"),
        )
        response = await client.post(
            "/hooks/easypost", content=body, headers=easypost_headers(body)
        )
        assert response.status_code == 200
        await run_worker(settings, arq_redis)
        await reconcile({"redis": arq_redis, "settings": settings})
        await run_worker(settings, arq_redis)


dated.updates = 0  # type: ignore[attr-defined]


async def never_scanned(order) -> None:
    """The order's parcel left two days ago and the carrier has not scanned it since."""
    await Shipment.filter(order_id=order.id).update(
        shipped_at=datetime.now(UTC) - timedelta(days=2), status="label_created"
    )


async def sent(trigger: str) -> list[str]:
    rows = Notification.filter(trigger=trigger, status="sent")
    return sorted(await rows.values_list("channel", flat=True))


async def test_with_no_promise_a_later_date_is_a_delay_sent_once(client, providers, arq_redis):
    stub, settings = providers
    _, _, order = await shopper_order()
    await Order.filter(id=order.id).update(promised_delivery_date=None)
    await dated(client, settings, arq_redis, "2026-12-04", "2026-12-06")
    assert await sent("delay") == []  # held, in case the date moves back
    await minutes_pass(HELD, settings, arq_redis)
    assert await sent("delay") == ["email", "sms"]
    [email] = [e for e in stub.emails if "delayed" in e.json["subject"]]
    assert "later than before" in email_text(email)
    assert "It was expected on Friday, December 4, 2026." in email_text(email)
    await dated(client, settings, arq_redis, "2026-12-06", "2026-12-08")  # replay, then later
    await minutes_pass(HELD, settings, arq_redis)
    assert len([e for e in stub.emails if "delayed" in e.json["subject"]]) == 1


async def test_with_no_promise_an_earlier_date_says_nothing(client, providers, arq_redis):
    _, settings = providers
    _, _, order = await shopper_order()
    await Order.filter(id=order.id).update(promised_delivery_date=None)
    await dated(client, settings, arq_redis, "2026-12-06", "2026-12-03")
    await minutes_pass(HELD, settings, arq_redis)
    assert not await Notification.filter(trigger__in=["delay", "new_date"]).exists()


async def test_a_date_slipping_inside_the_promise_is_a_new_date_in_the_shoppers_language(
    client, providers, arq_redis
):
    stub, settings = providers
    await shopper_order(locale="de")  # promised for Saturday 5 December
    await dated(client, settings, arq_redis, "2026-12-01", "2026-12-03")
    await minutes_pass(HELD, settings, arq_redis)
    assert await sent("new_date") == ["email"]  # email only by default: nothing is late
    assert not await Notification.filter(trigger="delay").exists()
    [email] = [e for e in stub.emails if "Liefertermin" in e.json["subject"]]
    assert email.json["subject"] == "Neuer Liefertermin für Bestellung A-1001"
    assert "Dienstag, 1. Dezember 2026" in email_text(email)


async def test_a_brand_can_turn_new_date_messages_off(client, providers, arq_redis):
    _, settings = providers
    brand, _, _ = await shopper_order()
    brand.settings = stored(validate_settings({"new_date_messages": False}))
    await brand.save(update_fields=["settings"])
    await dated(client, settings, arq_redis, "2026-12-01", "2026-12-03")
    await minutes_pass(HELD, settings, arq_redis)
    assert not await Notification.filter(trigger="new_date").exists()


async def test_a_date_that_goes_back_and_forth_sends_one_message(client, providers, arq_redis):
    stub, settings = providers
    await shopper_order()
    await dated(client, settings, arq_redis, "2026-12-01", "2026-12-03", "2026-12-01", "2026-12-03")
    await minutes_pass(HELD, settings, arq_redis)
    assert await sent("new_date") == ["email"]
    assert len([e for e in stub.emails if "New delivery date" in e.json["subject"]]) == 1


async def test_a_date_back_where_it_was_when_due_sends_nothing_until_it_moves_again(
    client, providers, arq_redis
):
    stub, settings = providers
    await shopper_order()
    await dated(client, settings, arq_redis, "2026-12-01", "2026-12-03", "2026-12-01")
    await minutes_pass(HELD, settings, arq_redis)
    row = await Notification.get(trigger="new_date", channel="email")
    assert (row.status, row.skip_reason) == ("skipped", "date_moved_back")
    assert not [e for e in stub.emails if "New delivery date" in e.json["subject"]]
    await dated(client, settings, arq_redis, "2026-12-04")  # hours later it really slips
    await minutes_pass(HELD, settings, arq_redis)
    assert await sent("new_date") == ["email"]
    assert len([e for e in stub.emails if "New delivery date" in e.json["subject"]]) == 1


async def test_a_new_date_overtaken_by_a_delay_sends_only_the_delay(client, providers, arq_redis):
    stub, settings = providers
    await shopper_order()  # promised for the 5th
    await dated(client, settings, arq_redis, "2026-12-01", "2026-12-03", "2026-12-08")
    await minutes_pass(HELD, settings, arq_redis)
    assert await sent("delay") == ["email", "sms"]
    assert await sent("new_date") == []
    subjects = [e.json["subject"] for e in stub.emails]
    assert not [s for s in subjects if "New delivery date" in s]


async def test_the_sweep_tells_the_shopper_of_a_parcel_never_scanned_once(
    client, providers, arq_redis
):
    stub, settings = providers
    _, _, order = await shopper_order()
    await never_scanned(order)
    ctx = {"redis": arq_redis, "settings": settings}
    for _ in range(2):  # the next sweep finds the same silence: no second message
        await exception_sweep(ctx)
        await run_worker(settings, arq_redis)
    assert await sent("looking_into_it") == ["email", "sms"]
    [email] = [e for e in stub.emails if "looking into" in e.json["subject"]]
    assert email.json["subject"] == "We are looking into your order A-1001"
    assert len([s for s in stub.sms if "We're on it" in s.form["Body"]]) == 1


async def test_a_parcel_moving_normally_hears_nothing_from_the_sweep(client, providers, arq_redis):
    _, settings = providers
    await shopper_order()
    await deliver_scans(
        client, "TN1", "pre_transit", "in_transit", start=datetime.now(UTC) - timedelta(hours=7)
    )
    await run_worker(settings, arq_redis)
    await exception_sweep({"redis": arq_redis, "settings": settings})
    await run_worker(settings, arq_redis)
    assert not await Notification.filter(trigger="looking_into_it").exists()


async def test_after_the_sweeps_message_an_agents_notify_sends_no_second_one(
    client, providers, arq_redis
):
    from porchlight.models import Case
    from tests.test_agent_workspace import an_agent, signed_in_token

    stub, settings = providers
    _, _, order = await shopper_order()
    await never_scanned(order)
    await exception_sweep({"redis": arq_redis, "settings": settings})
    await run_worker(settings, arq_redis)
    await an_agent()
    token = await signed_in_token(client, "agent@northwind.test")
    case = await Case.get(type="no_first_scan")
    refused = await client.post(f"/agent/cases/{case.id}/notify", data={"csrf_token": token})
    assert refused.status_code == 422
    assert "already had this message" in refused.text
    await run_worker(settings, arq_redis)
    assert len([e for e in stub.emails if "looking into" in e.json["subject"]]) == 1
