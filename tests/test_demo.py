"""What `make demo` shows: seeded brands whose parcels the real worker derives and announces,
with every message browsable in the outbox by the demo's agent."""

import json
from pathlib import Path

from notifier.exception_sweep import exception_sweep
from porchlight.demo import AGENT_EMAIL, BRANDS, DEMO_PASSWORD, JOURNEYS, seed
from porchlight.models import Case, Contact, Notification, Order, Rating, Shipment
from tests.test_agent_workspace import sign_in
from tests.test_notifications import minutes_pass
from tests.worker_run import run_worker


def outbox_files(directory: str) -> list[Path]:
    return sorted(Path(directory).glob("*.json"))


async def test_the_demo_seeds_every_status_and_its_messages_land_in_the_outbox(
    viewer_client, viewer_settings, arq_redis
):
    client, settings = viewer_client, viewer_settings
    lines = await seed(arq_redis)
    assert any("/agent/login" in line for line in lines)
    assert await Contact.filter(external_id__startswith="demo-").count() == 3 * len(BRANDS)
    await run_worker(settings, arq_redis)

    statuses = set(await Shipment.all().values_list("status", flat=True))
    assert statuses >= {final.value for final, _ in JOURNEYS}
    # One parcel per brand runs later than promised, and its shopper hears so.
    assert await Notification.filter(trigger="delay", status="sent").exists()
    # Every kind of moment a shopper hears of is in the outbox once the sweep has run and the
    # split order's parcels have waited for each other.
    await exception_sweep({"redis": arq_redis, "settings": settings})
    await run_worker(settings, arq_redis)  # (sent before minutes_pass queues them a second job)
    await minutes_pass(11, settings, arq_redis)
    kinds = set(await Notification.filter(status="sent").values_list("trigger", flat=True))
    assert kinds >= {
        "delay",
        "new_date",
        "looking_into_it",
        "return_received",
        "refund_issued",
    }, kinds
    delayed = await Notification.filter(  # through a channel: not the seeded history's rows
        trigger="delay",
        status="sent",
        provider_id__isnull=False,
        shipment__order__promised_delivery_date__isnull=True,
    ).count()
    assert delayed == 3 * len(BRANDS), "email, SMS and WhatsApp of the parcel with no promise"
    texts = [json.loads(p.read_text()).get("text", "") for p in outbox_files(settings.outbox_dir)]
    assert any("of 4 parcels of order NO-2000" in t and "Linen napkins" in t for t in texts)
    assert any("2 of 3 parcels of order NO-2001 have shipped" in t for t in texts)
    # The delivered email asks for a rating; a past shopper's low one waits for a call-back.
    assert any(t.count("/rate/") == 5 for t in texts)
    assert await Case.filter(type="low_rating").count() == len(BRANDS)
    assert await Rating.all().count() > 20 * len(BRANDS)
    late = await Shipment.filter(status="in_transit", estimated_delivery__isnull=False).count()
    assert late >= len(BRANDS)
    # (the history before today, from the volume generator, sent nothing through a channel)
    # (a parcel riding in another's message, a split order's, adds no message of its own)
    sent = await Notification.filter(
        status="sent", provider_id__isnull=False, grouped_into_id=None
    ).count()
    assert sent > 0
    outbox = outbox_files(settings.outbox_dir)
    assert len(outbox) == sent
    first = json.loads(outbox[0].read_text())
    assert first["to"] and first["text"]

    assert (await sign_in(client, AGENT_EMAIL, DEMO_PASSWORD)).status_code == 303
    page = await client.get("/outbox")
    assert page.status_code == 200
    assert first["text"].splitlines()[0] in page.text
    email = next(p for p in outbox if p.stem.endswith("-email"))
    shown = await client.get(f"/outbox/{email.stem}")
    assert shown.status_code == 200 and "<!doctype html>" in shown.text.lower()
    assert "sandbox" in shown.headers["content-security-policy"]
    assert (await client.get("/outbox/..%2Fsecrets")).status_code == 404
    # WhatsApp: the template that would go, to the whatsapp: address, in the outbox.
    whatsapp = [json.loads(p.read_text()) for p in outbox if p.stem.endswith("-whatsapp")]
    assert whatsapp and all(m["to"].startswith("whatsapp:+") for m in whatsapp)
    assert all(m["content_sid"].startswith("HX") for m in whatsapp)
    assert "WhatsApp template HX" in page.text


def test_stopping_the_demo_with_term_stops_its_portal_and_worker_too(settings, tmp_path):
    """A service manager or `kill` sends TERM, not Ctrl-C: nothing may be left running."""
    import contextlib
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx
    from redis import Redis

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    redis_url = settings.redis_url  # this run's own database: nothing else runs during the test
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp_path / 'demo.sqlite3'}",
        "REDIS_URL": redis_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    children: list[str] = []
    exe = str(Path(sys.executable).with_name("porchlight"))
    demo = subprocess.Popen(
        [exe, "demo", "--port", str(port), "--logs", str(tmp_path / "logs")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert demo.poll() is None and time.monotonic() < deadline, "the demo did not start"
            time.sleep(0.3)
        children = Path(f"/proc/{demo.pid}/task/{demo.pid}/children").read_text().split()
        assert len(children) == 2  # the portal and the worker
        # The demo's outbox is there to look at, for its agent: strangers go to the login.
        outbox = httpx.get(f"http://127.0.0.1:{port}/outbox")
        assert outbox.status_code == 303
        assert outbox.headers["location"].startswith("/agent/login")
        httpx.get(f"http://127.0.0.1:{port}/track")  # the portal logs a request
        demo.send_signal(signal.SIGTERM)
        printed = demo.communicate(timeout=30)[0].decode()
        # The portal's and the worker's logs go to files: the banner stays the last thing shown.
        assert printed.rstrip().splitlines()[-1].startswith("Logs: ")
        assert "/agent/login" in printed and "/demo" in printed
        assert "GET /track" not in printed
        assert (tmp_path / "logs" / "demo-portal.log").exists()
        for pid in children:
            assert not Path(f"/proc/{pid}").exists(), f"child {pid} outlived the demo"
    finally:
        demo.kill()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        Redis.from_url(redis_url).flushdb()


async def test_the_demo_prints_and_indexes_one_order_per_status_per_brand_on_its_own_port(
    client, settings, arq_redis
):
    from asgi_lifespan import LifespanManager
    from selectolax.lexbor import LexborHTMLParser

    from portal.app import create_app
    from tests.conftest import client_for

    lines = await seed(arq_redis, port=8123)
    links = [word for line in lines for word in line.split() if word.startswith("http://")]
    assert links and all(":8123/" in link for link in links)
    assert (await client.get("/demo")).status_code == 404  # not outside the demo
    demo = settings.model_copy(update={"demo_index": True})
    async with LifespanManager(create_app(demo)) as manager, client_for(manager.app) as c:
        page = LexborHTMLParser((await c.get("http://localhost:8123/demo")).text)
    for spec in BRANDS:
        [section] = [s for s in page.css("section.card") if s.css_first("h2").text() == spec.name]
        links = {a.text(strip=True): a.attributes["href"] for a in section.css("a")}
        assert list(links) == [
            "Delivered",
            "There is a problem with this parcel",
            "Returning to sender",
            "Split order of three parcels",
            "Label created, waiting for the carrier",
        ]
        for href in links.values():
            order = await Order.get(access_token=href.rsplit("/o/", 1)[1])
            assert href.startswith(f"http://{spec.host}:8123/o/")
            assert (await order.brand).slug == spec.slug


async def test_the_demo_brands_have_thirteen_weeks_of_history_and_seeding_again_adds_nothing(
    arq_redis,
):
    from porchlight.insight import kpis
    from porchlight.models import Brand

    await seed(arq_redis)
    for spec in BRANDS:
        report = await kpis.weekly(await Brand.get(slug=spec.slug), weeks=13)
        shipments = report.series["shipments"]
        assert all(shipments[:-1]), shipments  # every past week shipped something
        empty = [key for key, values in report.series.items() if not any(values)]
        assert empty == [], (spec.slug, empty)  # no chart is empty
        assert any(report.series["exception_rate"]), spec.slug

    orders = await Order.all().count()
    lines = await seed(arq_redis)
    assert await Order.all().count() == orders
    assert len([line for line in lines if "tracking page" in line]) == len(BRANDS)
