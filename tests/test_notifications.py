"""Proactive messages through the real twilio and sendgrid SDKs, against a local stub."""

from datetime import UTC, datetime, timedelta

from notifier.delivery import INTERRUPTED, deliver_batch
from notifier.notifications import send_due
from porchlight.models import Notification
from tests.factories import deliver_scans, night_zone, shopper_order
from tests.worker_run import run_worker


async def minutes_pass(minutes, settings, arq_redis):
    """Move every pending message's due time (and when it was handed to a job) back, then let
    the due sweep and a worker run."""
    for row in await Notification.filter(status="pending"):
        row.due_at -= timedelta(minutes=minutes)
        if row.handed_out_at is not None:
            row.handed_out_at -= timedelta(minutes=minutes)
        await row.save(update_fields=["due_at", "handed_out_at"])
    await send_due({"redis": arq_redis, "settings": settings})
    await run_worker(settings, arq_redis)


async def held_for_each_other(client, settings, arq_redis) -> None:
    """An order of two parcels scanned together: their "shipped" notices wait for each other."""
    await shopper_order("A-1001", "TN1", "TN2")
    await deliver_scans(client, "TN1", "pre_transit", "in_transit")
    await deliver_scans(client, "TN2", "pre_transit", "in_transit")
    await run_worker(settings, arq_redis)


async def test_a_delivered_scan_sends_one_email_and_one_sms(client, providers, arq_redis):
    stub, settings = providers
    _, _, order = await shopper_order()
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)
    [email] = stub.emails
    assert email.json["personalizations"][0]["to"][0]["email"] == "ana@example.com"
    assert email.json["subject"] == "Your order A-1001 has been delivered"
    text = next(c["value"] for c in email.json["content"] if c["type"] == "text/plain")
    assert f"/o/{order.access_token}" in text
    assert email.headers["Authorization"] == "Bearer SG.test"
    [sms] = stub.sms
    assert sms.form["To"] == "+4915112345678"
    assert sms.form["From"] == "+15005550006"
    assert sms.form["Body"].startswith("Northwind: order A-1001 was delivered.")
    rows = await Notification.all().values_list("trigger", "channel", "status", "skip_reason")
    assert sorted(rows) == [
        ("delivered", "email", "sent", ""),
        ("delivered", "sms", "sent", ""),
        ("first_scan", "email", "skipped", "merged_into_shipped"),
        ("first_scan", "sms", "skipped", "merged_into_shipped"),
        ("shipped", "email", "skipped", "superseded"),
        ("shipped", "sms", "skipped", "policy_off"),
    ]


async def test_a_replayed_or_stale_webhook_never_sends_again(client, providers, arq_redis):
    stub, settings = providers
    await shopper_order()
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)
    sent = len(stub.messages)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await deliver_scans(client, "TN1", "pre_transit", "in_transit")  # older, arriving late
    await run_worker(settings, arq_redis)
    assert len(stub.messages) == sent


async def test_the_message_speaks_the_customers_language(client, providers, arq_redis):
    stub, settings = providers
    await shopper_order(locale="de")
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)
    subjects = [e.json["subject"] for e in stub.emails]
    assert "Deine Bestellung A-1001 wurde zugestellt" in subjects


async def test_a_brand_that_says_usted_texts_and_emails_formally(client, providers, arq_redis):
    stub, settings = providers
    brand, _, _ = await shopper_order(locale="es")
    brand.settings = {"tone": "formal"}
    await brand.save()
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)
    assert [e.json["subject"] for e in stub.emails] == ["Su pedido A-1001 se ha entregado"]
    [sms] = stub.sms
    assert sms.form["Body"].startswith("Northwind: su pedido A-1001 se ha entregado. ¿No lo tiene?")


async def test_a_message_due_at_night_waits_for_the_morning(client, providers, arq_redis):
    stub, settings = providers
    await shopper_order(zone=night_zone())
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    assert stub.received == []
    pending = await Notification.filter(status="pending", trigger="out_for_delivery")
    assert {n.channel for n in pending} == {"email", "sms"}
    assert all(n.due_at > datetime.now(UTC) + timedelta(hours=4) for n in pending)


async def test_out_for_delivery_is_skipped_once_delivered_beats_it(
    client, providers, arq_redis, job_of
):
    _, settings = providers
    await shopper_order(zone=night_zone())
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)  # deferred to the morning
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)
    await Notification.filter(status="pending").update(
        due_at=datetime.now(UTC) - timedelta(hours=1)
    )
    ofd = await Notification.get(trigger="out_for_delivery", channel="email")
    job = job_of(settings, "a-job")
    assert await deliver_batch(job, [ofd.id]) == {"skipped": 1}
    assert (await Notification.get(id=ofd.id)).skip_reason == "superseded"


async def test_skips_say_why(client, providers, arq_redis):
    stub, settings = providers
    await shopper_order(sms=False)
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    sms = await Notification.get(trigger="out_for_delivery", channel="sms")
    assert (sms.status, sms.skip_reason) == ("skipped", "opted_out")
    assert stub.sms == []


async def test_parcels_shipping_together_go_out_as_one_email(client, providers, arq_redis):
    stub, settings = providers
    await held_for_each_other(client, settings, arq_redis)
    assert stub.emails == []  # held for a few minutes in case the other parcel is scanned too
    await minutes_pass(11, settings, arq_redis)
    shipped = [e for e in stub.emails if "shipped" in e.json["subject"]]
    assert len(shipped) == 1, [e.json["subject"] for e in stub.emails]
    text = next(c["value"] for c in shipped[0].json["content"] if c["type"] == "text/plain")
    assert "TN1" in text and "TN2" in text
    rows = await Notification.filter(trigger="shipped", channel="email").order_by("id")
    assert [r.status for r in rows] == ["sent", "sent"]
    # Either parcel's job may carry the message (whichever claimed first); the other rides along.
    carrier, rider = sorted(rows, key=lambda r: r.grouped_into_id is not None)
    assert (carrier.grouped_into_id, rider.grouped_into_id) == (None, carrier.id)


async def test_a_provider_outage_is_retried_and_still_sends_once(client, providers, arq_redis):
    stub, settings = providers
    settings = settings.model_copy(update={"notification_retry_seconds": 0.05})
    await shopper_order(sms=False)
    stub.fail_next("500", "503")
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    ofd = await Notification.get(trigger="out_for_delivery", channel="email")
    assert (ofd.status, ofd.attempts) == ("sent", 3)
    assert len([e for e in stub.emails if "arrives today" in e.json["subject"]]) == 1


async def test_a_rejected_number_fails_without_retrying(client, providers, arq_redis):
    stub, settings = providers
    await shopper_order()
    await Notification.all().delete()
    stub.fail_next("400")  # the first call of this run: the out-for-delivery SMS or email
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery")
    await run_worker(settings, arq_redis)
    failed = await Notification.filter(status="failed")
    assert len(failed) == 1 and failed[0].attempts == 1


async def test_a_claim_cut_short_by_a_dying_worker_is_failed_not_stuck(
    client, providers, arq_redis, job_of
):
    stub, settings = providers
    brand, _, order = await shopper_order()
    shipment = await order.shipments.all().first()
    row = await Notification.create(
        brand=brand,
        shipment=shipment,
        customer_id=order.customer_id,
        trigger="delivered",
        channel="email",
        recipient="ana@example.com",
        status="pending",
    )
    # What a worker killed between claiming the row and recording the provider's answer leaves
    # behind; arq then runs the same job (same id) again.
    await Notification.filter(id=row.id).update(status="sending", claimed_by="notify-due:1")
    job = job_of(settings, "notify-due:1")
    assert await deliver_batch(job, [row.id]) == {}
    assert (
        (await Notification.get(id=row.id)).error
        == INTERRUPTED
        == "interrupted mid-send: not resent"
    )
    assert stub.emails == []


async def test_a_siblings_job_never_fails_the_message_another_job_is_sending(
    client, providers, arq_redis, job_of
):
    stub, settings = providers
    await held_for_each_other(client, settings, arq_redis)
    shipped = Notification.filter(trigger="shipped", channel="email")
    await shipped.update(due_at=datetime.now(UTC))
    first, second = await shipped.order_by("id")
    # Another job claimed both rows, the later parcel's carrying the message, and is sending it.
    await Notification.filter(id=second.id).update(status="sending", claimed_by="job-a")
    await Notification.filter(id=first.id).update(
        status="sending", claimed_by="job-a", grouped_into_id=second.id
    )
    job = job_of(settings, "job-b")
    assert await deliver_batch(job, [first.id, second.id]) == {}
    assert [n.status for n in await shipped.order_by("id")] == ["sending", "sending"]
    assert stub.emails == []


async def test_two_sibling_jobs_claiming_at_the_same_moment_never_both_win(
    client, providers, arq_redis, job_of
):
    """One job's claim is mid-statement (its row locks held) when the sibling's job claims."""
    import asyncio

    import asyncpg
    import pytest

    _, settings = providers
    if not settings.database_url.startswith("postgres"):
        pytest.skip("row locks and their rechecks are PostgreSQL's; SQLite has one writer")
    await held_for_each_other(client, settings, arq_redis)
    shipped = Notification.filter(trigger="shipped", channel="email")
    await shipped.update(due_at=datetime.now(UTC))
    first, second = await shipped.order_by("id")
    other_job = await asyncpg.connect(settings.database_url)
    try:
        claim = other_job.transaction()
        await claim.start()
        await other_job.execute(
            "UPDATE notification SET status = 'sending', claimed_by = 'job-a',"
            " grouped_into_id = $1 WHERE id = ANY($2::int[]) AND status = 'pending'",
            first.id,
            [first.id, second.id],
        )
        job = job_of(settings, "job-b")
        racing = asyncio.create_task(deliver_batch(job, [second.id]))
        await asyncio.sleep(0.5)  # the sibling's UPDATE now waits on the first job's row locks
        await claim.commit()
        assert await racing == {"taken by another job": 1}  # the first job carries both
    finally:
        await other_job.close()
    assert {n.grouped_into_id for n in await shipped} == {first.id}  # type: ignore[attr-defined]


async def test_a_delivery_receipt_for_a_grouped_email_counts_for_every_parcel_it_carried(
    client, providers, arq_redis
):
    from porchlight.cases.delivery_reports import email_events

    _, settings = providers
    await held_for_each_other(client, settings, arq_redis)
    await minutes_pass(11, settings, arq_redis)
    shipped = Notification.filter(trigger="shipped", channel="email")
    rows = await shipped.order_by("id")
    [leader] = [n for n in rows if n.grouped_into_id is None]
    assert await email_events([{"event": "delivered", "notification_id": str(leader.id)}]) == 1
    assert [n.status for n in await shipped] == ["delivered", "delivered"]


async def test_a_parcel_registered_after_its_scans_arrived_still_gets_its_messages_and_case(
    client, providers, arq_redis
):
    from porchlight.models import Case
    from tests.factories import a_brand, bearer, daytime_zone, order_payload

    stub, settings = providers
    await deliver_scans(client, "LATE1", "pre_transit", "in_transit", "failure")
    await run_worker(settings, arq_redis)  # nobody claims the parcel yet: nothing to say
    _, key = await a_brand()
    payload = order_payload("A-1001", "LATE1")
    payload["customer"].update(time_zone=daytime_zone(), locale="en")
    registered = await client.post("/api/v1/orders", json=payload, headers=bearer(key))
    assert registered.status_code == 201
    await run_worker(settings, arq_redis)
    assert await Case.filter(shipment__tracking_number="LATE1").count() == 1
    assert await Notification.filter(trigger="shipped", status="sent").exists()
    assert stub.emails, "the shopper hears that the parcel is on its way"


async def test_a_carrier_moving_only_the_date_past_the_promise_sends_one_delay_message(
    client, providers, arq_redis
):
    stub, settings = providers
    await shopper_order()  # promised for 5 December
    await deliver_scans(client, "TN1", "pre_transit", "in_transit")  # due on the 4th
    await run_worker(settings, arq_redis)
    for _ in range(2):  # the same scans, now due on the 9th; then a replay of that
        await deliver_scans(client, "TN1", "pre_transit", "in_transit", estimate="2026-12-09")
    await run_worker(settings, arq_redis)
    assert not await Notification.filter(trigger="delay", status="sent").exists()  # held
    await minutes_pass(130, settings, arq_redis)
    delay = Notification.filter(trigger="delay", status="sent")
    assert sorted(await delay.values_list("channel", flat=True)) == ["email", "sms"]
    assert [e.json["subject"] for e in stub.emails][-1].startswith("Your order A-1001")


async def test_emails_carry_the_brands_reply_to_and_speak_only_offered_languages(
    client, providers, arq_redis
):
    """The console's Brand page: replies go to the brand's care address, and a customer who
    chose a language the brand stopped offering gets the brand's default."""
    stub, settings = providers
    brand, _, _ = await shopper_order(locale="fr")
    brand.settings = {"reply_to": "care@northwind.test", "languages": ["en", "de"]}
    brand.default_locale = "de"
    await brand.save()
    await deliver_scans(client, "TN1", "pre_transit", "in_transit", "out_for_delivery", "delivered")
    await run_worker(settings, arq_redis)
    [email] = stub.emails
    assert email.json["reply_to"] == {"email": "care@northwind.test"}
    assert email.json["subject"] == "Deine Bestellung A-1001 wurde zugestellt"


async def test_messages_due_together_share_one_job_and_each_goes_out_once(
    client, providers, arq_redis
):
    from arq.constants import default_queue_name

    from notifier.notifications import enqueue

    stub, settings = providers
    # all due in the same second
    await due_rows(12, datetime.now(UTC) + timedelta(seconds=2), "failed_attempt")
    for row in await Notification.all():
        await enqueue(arq_redis, row)  # what planning does for each row
    assert await arq_redis.zcard(default_queue_name) == 1  # the morning wave wakes one job
    await run_worker(settings, arq_redis)
    assert set(await Notification.all().values_list("status", flat=True)) == {"sent"}
    assert len(stub.emails) == len(stub.sms) == 12
    assert len({e.json["personalizations"][0]["to"][0]["email"] for e in stub.emails}) == 12


async def test_a_job_run_again_after_its_worker_died_fails_its_wave_and_sends_the_rest(
    client, providers, arq_redis, job_of
):
    stub, settings = providers
    brand, _, order = await shopper_order()
    shipment = await order.shipments.all().first()
    rows = [
        await Notification.create(
            brand=brand,
            shipment=shipment,
            customer_id=order.customer_id,
            trigger="delivered",
            channel=channel,
            recipient=to,
            due_at=datetime.now(UTC),
        )
        for channel, to in (("email", "ana@example.com"), ("sms", "+4915112345678"))
    ]
    # The job's first run claimed the email's wave and died before the provider answered.
    await Notification.filter(id=rows[0].id).update(status="sending", claimed_by="notify-due:7")
    job = job_of(settings, "notify-due:7")
    assert await deliver_batch(job, [r.id for r in rows]) == {"sent": 1}
    email, sms = [await Notification.get(id=r.id) for r in rows]
    assert (email.status, email.error) == ("failed", INTERRUPTED)
    assert sms.status == "sent"
    assert [s.form["To"] for s in stub.sms] == ["+4915112345678"]
    assert stub.emails == []


async def due_rows(orders: int, due: datetime, trigger: str = "out_for_delivery") -> list[int]:
    """An email and a text for each of `orders` orders, due at `due`: their ids, oldest first."""
    from porchlight.models import Shipment
    from tests.factories import a_brand, reachable_orders

    brand, _ = await a_brand()
    await reachable_orders(brand, "H", orders)
    for shipment in await Shipment.filter(brand=brand).select_related("order__customer"):
        customer = shipment.order.customer
        for channel, to in (("email", customer.email), ("sms", customer.phone)):
            await Notification.create(
                brand=brand,
                shipment=shipment,
                customer=customer,
                trigger=trigger,
                channel=channel,
                recipient=to,
                due_at=due,
            )
    return list(await Notification.all().order_by("id").values_list("id", flat=True))


async def test_a_later_wake_up_leaves_rows_already_handed_to_a_batch(providers):
    from notifier.delivery import hand_out

    rows = await due_rows(4, datetime.now(UTC) - timedelta(minutes=1))
    now, lease = datetime.now(UTC), timedelta(hours=1)
    assert await hand_out(now, lease) == rows
    # Each second of a backlog wakes a job: the rows already handed out stay with their batch.
    assert await hand_out(now + timedelta(seconds=1), lease) == []
    # A send refused for a moment is due again later: handed out again once that time comes.
    await Notification.filter(id=rows[3]).update(due_at=now + timedelta(minutes=5))
    assert await hand_out(now + timedelta(minutes=4), lease) == []
    assert await hand_out(now + timedelta(minutes=6), lease) == [rows[3]]
    # A batch job lost with Redis: its rows go out again once a job's time is long past,
    # oldest due first.
    assert await hand_out(now + timedelta(hours=2), lease) == [*rows[:3], *rows[4:], rows[3]]


async def test_two_wake_ups_at_the_same_moment_share_the_rows_out_between_them(providers):
    import asyncio

    from notifier.delivery import hand_out

    rows = await due_rows(20, datetime.now(UTC) - timedelta(minutes=1))
    now, lease = datetime.now(UTC), timedelta(hours=1)
    first, second = await asyncio.gather(hand_out(now, lease), hand_out(now, lease))
    assert not set(first) & set(second)
    assert sorted(first + second) == rows
