"""What `make demo` shows: seeded brands whose parcels the real worker derives and announces,
with every message browsable in the outbox."""

import json
from pathlib import Path

from porchlight.demo import BRANDS, JOURNEYS, seed
from porchlight.models import Contact, Notification, Order, Shipment
from tests.worker_run import run_worker


def outbox_files(directory: str, *, clear: bool = False) -> list[Path]:
    if clear:  # other tests' messages
        for old in Path(directory).iterdir():
            old.unlink()
    return sorted(Path(directory).glob("*.json"))


async def test_the_demo_seeds_every_status_and_its_messages_land_in_the_outbox(
    client, settings, arq_redis
):
    outbox_files(settings.outbox_dir, clear=True)
    lines = await seed(arq_redis)
    assert any("/agent/login" in line for line in lines)
    assert await Contact.filter(order_id__not_isnull=True).count() == 3 * len(BRANDS)
    await run_worker(settings, arq_redis)

    statuses = set(await Shipment.all().values_list("status", flat=True))
    assert statuses >= {final.value for final, _ in JOURNEYS}
    sent = await Notification.filter(status="sent").count()
    assert sent > 0
    outbox = outbox_files(settings.outbox_dir)
    assert len(outbox) == sent
    first = json.loads(outbox[0].read_text())
    assert first["to"] and first["text"]

    page = await client.get("/outbox")
    assert page.status_code == 200
    assert first["text"].splitlines()[0] in page.text
    email = next(p for p in outbox if p.stem.endswith("-email"))
    shown = await client.get(f"/outbox/{email.stem}")
    assert shown.status_code == 200 and "<!doctype html>" in shown.text.lower()
    assert "sandbox" in shown.headers["content-security-policy"]
    assert (await client.get("/outbox/..%2Fsecrets")).status_code == 404


async def test_seeding_again_changes_nothing(arq_redis):
    await seed(arq_redis)
    orders = await Order.all().count()
    lines = await seed(arq_redis)
    assert await Order.all().count() == orders
    assert len([line for line in lines if "tracking page" in line]) == len(BRANDS)
