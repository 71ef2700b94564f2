"""Peak-season behaviour in the suite: a burst of webhooks, duplicated and out of order, while
the provider fails a third of the calls. Nothing is lost and nothing is sent twice."""

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from notifier import delivery
from porchlight.models import Notification, Shipment, TrackingEvent
from tests.factories import a_brand, easypost_event, easypost_headers, reachable_orders
from tests.worker_run import run_worker

PARCELS = 40
JOURNEY = ["pre_transit", "in_transit", "in_transit", "out_for_delivery", "delivered"]
START = datetime.now(UTC) - timedelta(days=2)


async def test_a_shuffled_duplicated_burst_with_a_flaky_provider(client, providers, arq_redis):
    stub, settings = providers
    stub.flaky = 0.3
    settings = settings.model_copy(update={"notification_retry_seconds": 0.01})
    brand, _ = await a_brand()
    await reachable_orders(brand, "B", PARCELS)
    await Shipment.all().update(shipped_at=START)
    # One webhook per scan, as carriers send them; 30% sent twice; all shuffled.
    deliveries = [
        easypost_event(f"BT{n}", [(status, f"scan {i}", START + timedelta(hours=3 * i))])
        for n in range(PARCELS)
        for i, status in enumerate(JOURNEY)
    ]
    rng = random.Random(11)
    deliveries += rng.sample(deliveries, k=int(len(deliveries) * 0.3))
    rng.shuffle(deliveries)
    gate = asyncio.Semaphore(20)

    async def deliver(body: bytes) -> int:
        async with gate:
            response = await client.post(
                "/hooks/easypost", content=body, headers=easypost_headers(body)
            )
            return response.status_code

    for start in range(0, len(deliveries), 60):  # the worker runs between waves
        codes = await asyncio.gather(*(deliver(b) for b in deliveries[start : start + 60]))
        assert set(codes) == {200}
        await run_worker(settings, arq_redis)

    assert await TrackingEvent.all().count() == PARCELS * len(JOURNEY)  # each scan once
    assert set(await Shipment.all().values_list("status", flat=True)) == {"delivered"}

    rows = await Notification.filter(status="sent").values_list("shipment_id", "trigger", "channel")
    assert len(rows) == len(set(rows))
    # Every parcel's "delivered" went out on both channels, unless the provider refused all
    # five attempts (0.3^5: rare), which is then recorded as a failure, never resent.
    final = await Notification.filter(trigger="delivered").values_list(
        "channel", "status", "attempts"
    )
    assert Counter(c for c, _, _ in final) == {"email": PARCELS, "sms": PARCELS}
    assert all(s == "sent" or (s, a) == ("failed", delivery.MAX_ATTEMPTS) for _, s, a in final)
    # What the provider accepted is exactly what we recorded as sent: no duplicate at the
    # provider, however many calls it refused.
    assert len(stub.emails) + len(stub.sms) == len(rows)
    assert stub.refused > 0
    retried = await Notification.filter(attempts__gt=1).count()
    assert retried > 0
    assert await Notification.filter(status__in=["pending", "sending"]).count() == 0
