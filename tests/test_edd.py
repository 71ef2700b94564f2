"""Predicted delivery dates: seeded histories whose right answer is known, the worker's refresh
and what a predicted delay sets off, what the page and the API show, and the backtest."""

import csv
import io
import secrets
from datetime import UTC, date, datetime, time, timedelta

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from notifier import edd as edd_jobs
from porchlight.accounts.brand_settings import InvalidSettings, validate_settings
from porchlight.edd import accuracy, predict
from porchlight.edd.calendar import DeliveryCalendar, calendar_for
from porchlight.edd.lanes import Lane, Milestone
from porchlight.enums import EventSource, ShipmentStatus
from porchlight.models import (
    Brand,
    Case,
    CaseEntry,
    Customer,
    EddAccuracy,
    EddLane,
    Notification,
    Order,
    Shipment,
    TrackingEvent,
)
from porchlight.platform.clock import utcnow
from tests.factories import a_brand, an_order, bearer

DE = calendar_for("DE")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday
THURSDAY = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


async def an_order_to(
    brand: Brand, number: str, *, postcode: str = "10115", promise: date | None = None
) -> Order:
    customer, _ = await Customer.get_or_create(brand=brand, email="history@example.com")
    return await Order.create(
        brand=brand,
        number=number,
        customer=customer,
        access_token=secrets.token_urlsafe(24),
        destination={"country": "DE", "postcode": postcode},
        postcode=postcode,
        promised_delivery_date=promise,
    )


async def a_parcel(
    brand: Brand,
    number: str,
    scanned: datetime,
    *,
    delivered: datetime | None = None,
    carrier: str = "dhl",
    postcode: str = "10115",
    promise: date | None = None,
    out_for_delivery: datetime | None = None,
    carrier_date: date | None = None,
) -> Shipment:
    """A parcel first scanned at `scanned`, delivered at `delivered` (else in transit), with an
    out-for-delivery scan and the carrier's date on its first scan when given."""
    order = await an_order_to(brand, number, postcode=postcode, promise=promise)
    shipment = await Shipment.create(
        brand=brand,
        order=order,
        carrier=carrier,
        service="parcel",
        tracking_number=f"T{number}",
        fulfilment_node="WH-BER-1",
        status=ShipmentStatus.DELIVERED if delivered else ShipmentStatus.IN_TRANSIT,
        first_scan_at=scanned,
        last_event_at=delivered or out_for_delivery or scanned,
        delivered_at=delivered,
    )
    scans = [(scanned, ShipmentStatus.IN_TRANSIT, carrier_date)]
    if out_for_delivery:
        scans.append((out_for_delivery, ShipmentStatus.OUT_FOR_DELIVERY, None))
    if delivered:
        scans.append((delivered, ShipmentStatus.DELIVERED, None))
    for i, (when, status, estimate) in enumerate(scans):
        await TrackingEvent.create(
            source=EventSource.EASYPOST,
            tracking_number=f"T{number}",
            occurred_at=when,
            status=status,
            message=f"scan {i}",
            estimated_delivery=estimate,
            fingerprint=f"T{number}-{i}",
        )
    return shipment


async def a_history(
    brand: Brand,
    prefix: str,
    transit: list[int],
    *,
    weeks_ago: float = 1,
    now: datetime = NOW,
    postcode: str = "10115",
    carrier_days_early: int | None = None,
    out_for_delivery: bool = False,
) -> None:
    """One delivered parcel per entry of `transit` (delivery days from first scan to delivery),
    first scanned one working day after another, the last `weeks_ago` weeks before `now`."""
    day = (now - timedelta(weeks=weeks_ago)).date()
    for i, days in enumerate(transit):
        day -= timedelta(days=1)
        while not DE.is_delivery_day(day):
            day -= timedelta(days=1)
        arrives = DE.add(day, days)
        await a_parcel(
            brand,
            f"{prefix}{i}",
            at(day),
            delivered=at(arrives, 15),
            postcode=postcode,
            out_for_delivery=at(arrives, 8) if out_for_delivery else None,
            carrier_date=DE.add(day, days - carrier_days_early)
            if carrier_days_early is not None
            else None,
        )


def test_delivery_days_skip_weekends_and_the_destination_countrys_holidays():
    # Christmas in Germany: the 25th and 26th are holidays, the 26th a Saturday too.
    assert DE.between(date(2026, 12, 23), date(2026, 12, 28)) == 2
    assert DE.add(date(2026, 12, 23), 2) == date(2026, 12, 28)
    assert DE.add(date(2026, 12, 23), 0) == date(2026, 12, 23)
    # A carrier that delivers on Saturdays gets Saturday; one that doesn't, Monday.
    saturdays = DeliveryCalendar("DE", range(6))
    assert saturdays.add(date(2026, 12, 4), 1) == date(2026, 12, 5)
    assert DE.add(date(2026, 12, 4), 1) == date(2026, 12, 7)
    # The 3rd of October is a German holiday, not a French one.
    assert calendar_for("FR").add(date(2026, 10, 2), 1) == date(2026, 10, 5)
    assert calendar_for("DE").is_delivery_day(date(2026, 10, 5))
    # A country the holidays package does not know counts weekdays only.
    assert calendar_for("ZZ").add(date(2026, 12, 24), 1) == date(2026, 12, 25)


async def test_a_parcel_is_predicted_from_its_lane_at_the_brands_confidence():
    brand, _ = await a_brand()
    # 35 parcels took 2 delivery days and 5 took 5: 80% are there after 2 days, 95% after 5.
    await a_history(brand, "H", [5 if i % 8 == 0 else 2 for i in range(40)])
    await predict.refresh_lanes(brand, NOW)
    parcel = await a_parcel(brand, "LIVE", THURSDAY)

    update = await predict.update(parcel, today=THURSDAY.date())
    await parcel.refresh_from_db()
    # Thursday + 2 delivery days: Friday, then Monday.
    assert parcel.predicted_delivery == date(2026, 11, 30)
    assert 0.85 < parcel.predicted_confidence < 0.9  # what the lane says of that day: 35 in 40
    assert parcel.predicted_from == "first_scan"
    assert parcel.predicted_lane.startswith("node_area: dhl|parcel|WH-BER-1|DE|10 (40)")
    assert update.after is not None and update.after.day == date(2026, 11, 30)

    brand.settings = {"delivery_prediction": {"confidence": 0.95}}
    await brand.save()
    await predict.update(parcel, today=THURSDAY.date())
    await parcel.refresh_from_db()
    # 95% lies between the 4th day (35 in 40) and the 5th (all): one or the other, the same
    # one at every refresh.
    assert parcel.predicted_delivery in (date(2026, 12, 2), date(2026, 12, 3))
    first = parcel.predicted_delivery
    await predict.update(parcel, today=THURSDAY.date())
    await parcel.refresh_from_db()
    assert parcel.predicted_delivery == first


def test_a_lanes_dates_come_true_at_the_confidence_asked_for_not_at_the_nearest_whole_day():
    # Half the parcels arrive after 1 day, 90% after 2, all after 3: no day is "80%".
    lane = Lane(Milestone.FIRST_SCAN, 0, "dhl", 100, {1: 50.0, 2: 40.0, 3: 10.0})
    draws = [i / 1000 for i in range(1000)]
    for confidence in (0.8, 0.95, 0.6):
        picks = [lane.date_for(confidence, draw=d) for d in draws]
        come_true = sum(share for _, share in picks) / len(picks)  # type: ignore[misc]
        assert abs(come_true - confidence) < 0.002
    # 80%: the 1st day (50%) for a quarter of the parcels, the 2nd (90%) for the rest.
    at_80 = [lane.date_for(0.8, draw=d) for d in draws]
    assert sum(p == (1, 0.5) for p in at_80) == 250 and sum(p == (2, 0.9) for p in at_80) == 750
    # No day earlier than any parcel ever took; none at all for a parcel later than them all.
    fast = Lane(Milestone.FIRST_SCAN, 0, "dhl", 100, {2: 90.0, 3: 10.0})
    assert {fast.date_for(0.8, draw=d) for d in draws} == {(2, 0.9)}
    assert lane.date_for(0.8, at_least=4) is None


async def test_a_lane_too_thin_falls_back_to_a_wider_one_and_none_predicts_below_the_minimum():
    brand, _ = await a_brand()
    await a_history(brand, "H", [2] * 40)
    await a_history(brand, "M", [1] * 10, postcode="80331")  # Munich: too few of its own
    await predict.refresh_lanes(brand, NOW)

    munich = await a_parcel(brand, "LIVE", THURSDAY, postcode="80333")
    await predict.update(munich, today=THURSDAY.date())
    await munich.refresh_from_db()
    assert munich.predicted_lane.startswith("country: dhl|parcel|DE (50)")
    # 80% falls between the 1st day (a fifth of that lane) and the 2nd (all of it).
    assert munich.predicted_delivery in (date(2026, 11, 27), date(2026, 11, 30))

    brand.settings = {"delivery_prediction": {"min_samples": 10}}
    await brand.save()
    await predict.update(munich, today=THURSDAY.date())
    await munich.refresh_from_db()
    assert munich.predicted_lane.startswith("node_area: dhl|parcel|WH-BER-1|DE|80 (10)")
    assert munich.predicted_delivery == date(2026, 11, 27)

    brand.settings = {"delivery_prediction": {"min_samples": 51}}
    await brand.save()
    await predict.update(munich, today=THURSDAY.date())
    await munich.refresh_from_db()
    assert munich.predicted_delivery is None and munich.predicted_lane == ""


async def test_recent_weeks_weigh_more_than_last_spring():
    brand, _ = await a_brand()
    await a_history(brand, "OLD", [5] * 40, weeks_ago=30)  # the lane used to be slow
    await a_history(brand, "NEW", [1] * 20, weeks_ago=1)  # fewer, but recent, and fast
    await predict.refresh_lanes(brand, NOW)
    parcel = await a_parcel(brand, "LIVE", THURSDAY)
    await predict.update(parcel, today=THURSDAY.date())
    await parcel.refresh_from_db()
    assert parcel.predicted_delivery == date(2026, 11, 27)  # one day, as lately


async def test_a_later_milestone_predicts_from_there_and_a_late_parcel_is_not_predicted_past():
    brand, _ = await a_brand()
    await a_history(brand, "H", [3] * 40, out_for_delivery=True)
    await predict.refresh_lanes(brand, NOW)

    on_the_van = await a_parcel(brand, "VAN", THURSDAY, out_for_delivery=at(date(2026, 11, 27), 7))
    on_the_van.status = ShipmentStatus.OUT_FOR_DELIVERY
    await on_the_van.save()
    await predict.update(on_the_van, today=date(2026, 11, 27))
    await on_the_van.refresh_from_db()
    assert on_the_van.predicted_from == "out_for_delivery"
    assert on_the_van.predicted_delivery == date(2026, 11, 27)  # the same day

    # Scanned two days ago, while such parcels take 3 days: still expected on the third.
    waiting = await a_parcel(brand, "WAIT", THURSDAY - timedelta(days=2))
    await predict.update(waiting, today=THURSDAY.date())
    await waiting.refresh_from_db()
    assert waiting.predicted_delivery == date(2026, 11, 27)
    # Scanned a week ago: later than every parcel the lane has seen, so no date to give.
    late = await a_parcel(brand, "LATE", THURSDAY - timedelta(days=7))
    await predict.update(late, today=THURSDAY.date())
    await late.refresh_from_db()
    assert late.predicted_delivery is None


async def test_the_worker_flags_a_predicted_delay_for_leads_and_tells_the_shopper_only_if_asked(
    arq_redis,
):
    brand, _ = await a_brand()
    now = utcnow()
    await a_history(brand, "H", [4] * 40, now=now)
    scanned = at(DE.add((now - timedelta(days=10)).date(), 5))  # a working day, days ago
    today = now.date()
    quiet = await a_parcel(brand, "QUIET", scanned, promise=today - timedelta(days=1))
    ctx = {"redis": arq_redis}

    summary = await edd_jobs.refresh_predictions(ctx)
    assert f"{brand.slug}: " in summary and "1 parcels in flight" in summary
    await quiet.refresh_from_db()
    assert quiet.predicted_delivery is not None and quiet.predicted_delivery >= today
    [case] = await Case.all()
    assert case.type == "delay" and "predicted" in case.priority_flags
    [entry] = await CaseEntry.filter(case=case)
    assert entry.data["predicted"] is True and "after the promised" in entry.body
    assert not await Notification.exists()  # telling the shopper early is off by default

    await edd_jobs.refresh_predictions(ctx)  # the same risk again: nothing new
    assert await CaseEntry.all().count() == 1

    brand.settings = {"delivery_prediction": {"warn_shopper_early": True}}
    await brand.save()
    told = await a_parcel(brand, "TOLD", scanned, promise=today - timedelta(days=1))
    await edd_jobs.refresh_predictions(ctx)
    await told.refresh_from_db()
    sent = await Notification.filter(shipment=told).values_list("trigger", "channel", "status")
    assert ("delay", "email", "pending") in sent
    assert await Notification.filter(shipment=quiet).count() == 0


async def test_the_page_shows_the_carriers_date_else_ours_worded_as_a_prediction(client):
    brand, _ = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    shipment = await Shipment.get(order=order)
    shipment.status, shipment.first_scan_at = ShipmentStatus.IN_TRANSIT, THURSDAY
    shipment.predicted_delivery, shipment.predicted_confidence = date(2026, 12, 3), 0.8
    await shipment.save()

    def eta(response) -> str:
        return HTMLParser(response.text).css_first(".eta").text(separator=" ", strip=True)

    shown = eta(await client.get(f"/o/{order.access_token}"))
    assert shown.startswith("Likely by Thursday, December 3, 2026")
    assert "80% of similar parcels arrived by then" in shown

    await TrackingEvent.create(
        source=EventSource.EASYPOST,
        tracking_number="TN1",
        occurred_at=THURSDAY,
        status=ShipmentStatus.IN_TRANSIT,
        estimated_delivery=date(2026, 12, 1),
        fingerprint="carrier-date",
    )
    assert eta(await client.get(f"/o/{order.access_token}")).startswith(
        "Estimated delivery: Tuesday, December 1, 2026"
    )

    brand.settings = {"delivery_prediction": {"prefer_prediction": True}}
    await brand.save()
    assert eta(await client.get(f"/o/{order.access_token}")).startswith("Likely by Thursday")


async def test_the_chatbots_sentence_gives_our_date_as_a_prediction_when_the_carrier_has_none(
    client,
):
    brand, key = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    shipment = await Shipment.get(order=order)
    shipment.status, shipment.first_scan_at = ShipmentStatus.IN_TRANSIT, THURSDAY
    shipment.predicted_delivery, shipment.predicted_confidence = date(2026, 12, 3), 0.8
    await shipment.save()
    await TrackingEvent.create(
        source=EventSource.EASYPOST,
        tracking_number="TN1",
        occurred_at=THURSDAY,
        status=ShipmentStatus.IN_TRANSIT,
        fingerprint="scan",
    )
    track = await client.get(
        "/api/v1/track",
        params={"order_number": "A-1001", "postcode": "10115", "lang": "en"},
        headers=bearer(key),
    )
    assert track.json()["summary"].endswith("likely by Thursday, December 3, 2026.")


async def test_the_api_and_the_chatbot_answer_carry_both_dates_with_their_source(client):
    brand, key = await a_brand()
    order = await an_order(brand, "A-1001", "TN1")
    shipment = await Shipment.get(order=order)
    shipment.predicted_delivery, shipment.predicted_confidence = date(2026, 12, 3), 0.8
    await shipment.save()
    await TrackingEvent.create(
        source=EventSource.EASYPOST,
        tracking_number="TN1",
        occurred_at=THURSDAY,
        status=ShipmentStatus.IN_TRANSIT,
        estimated_delivery=date(2026, 12, 1),
        fingerprint="carrier-date",
    )
    both = [
        {"source": "carrier", "date": "2026-12-01", "confidence": None},
        {"source": "predicted", "date": "2026-12-03", "confidence": 0.8},
    ]
    read = await client.get("/api/v1/orders/A-1001", headers=bearer(key))
    assert read.json()["parcels"][0]["delivery_estimates"] == both
    track = await client.get(
        "/api/v1/track",
        params={"order_number": "A-1001", "postcode": "10115"},
        headers=bearer(key),
    )
    assert track.json()["parcels"][0]["delivery_estimates"] == both


async def test_the_backtest_replays_history_and_scores_the_carriers_on_the_same_parcels():
    brand, _ = await a_brand()
    # Every parcel takes 2 delivery days; the carrier promises 1 on its first scan.
    await a_history(brand, "H", [2] * 60, now=NOW + timedelta(weeks=4), carrier_days_early=1)
    since = NOW - timedelta(weeks=20)
    [c80] = await accuracy.replay(brand, since, NOW + timedelta(weeks=5), [0.8])
    figures = dict(line.split(": ") for line in c80.lines())
    # Parcels scanned a working day apart, delivered two later: the 33rd is the first scanned
    # after 30 were delivered, and each from then on is predicted from those before it alone.
    assert figures["c80.parcels"] == "60"
    assert figures["c80.ours.first_scan.parcels"] == "28"
    assert figures["c80.ours.first_scan.on_time_rate"] == "1.0"
    assert figures["c80.ours.first_scan.exact_day_rate"] == "1.0"
    assert figures["c80.ours.first_scan.mae_days"] == "0.0"
    assert figures["c80.carriers.first_scan.parcels"] == "28"
    assert figures["c80.carriers.first_scan.on_time_rate"] == "0.0"
    assert figures["c80.carriers.first_scan.exact_day_rate"] == "0.0"
    assert float(figures["c80.carriers.first_scan.mae_days"]) >= 1
    assert figures["c80.carrier.dhl.ours.first_scan.on_time_rate"] == "1.0"
    assert figures["c80.lane.dhl|parcel|DE.ours.first_scan.parcels"] == "28"


async def test_recent_accuracy_is_kept_per_week_for_the_kpi_page():
    brand, _ = await a_brand()
    now = utcnow()
    await a_history(brand, "H", [2] * 40, weeks_ago=3, now=now)
    await a_history(brand, "R", [2] * 3, weeks_ago=0, now=now - timedelta(days=4))
    written = await accuracy.record_weeks(brand, weeks=2, now=now)
    rows = await EddAccuracy.filter(brand=brand, source="ours")
    assert written == len(rows) >= 1
    assert sum(r.parcels for r in rows) == sum(r.on_time for r in rows) >= 1


@pytest.mark.parametrize(
    ("chosen", "field"),
    [
        ({"confidence": 1.5}, "delivery_prediction.confidence"),
        ({"min_samples": 0}, "delivery_prediction.min_samples"),
        ({"delivery_days_by_carrier": {"dhl": [7]}}, "delivery_prediction.delivery_days"),
    ],
)
def test_prediction_settings_out_of_range_are_refused_with_the_field_named(chosen, field):
    with pytest.raises(InvalidSettings) as refused:
        validate_settings({"delivery_prediction": chosen})
    assert any(name.startswith(field) for name in refused.value.errors)


def test_carrier_delivery_days_are_kept_by_lower_case_code():
    chosen = validate_settings({"delivery_prediction": {"delivery_days_by_carrier": {"UPS": [5]}}})
    assert chosen.delivery_prediction.delivery_days_by_carrier == {"ups": frozenset({5})}


async def test_the_kpi_page_shows_the_weeks_accuracy_ours_beside_the_carriers(client):
    from tests.test_agent_workspace import an_agent, signed_in_token

    brand, _ = await a_brand()
    week = accuracy.monday(utcnow().date())
    for source, on_time, exact, errors in (("ours", 8, 5, 6), ("carriers", 4, 3, 15)):
        await EddAccuracy.create(
            brand=brand,
            week=week,
            source=source,
            confidence=0.8,
            parcels=10,
            on_time=on_time,
            exact=exact,
            abs_error_days=errors,
        )
    await an_agent("lee@example.com", role="lead")
    await signed_in_token(client, "lee@example.com")
    page = HTMLParser((await client.get("/agent/kpis?weeks=4")).text)
    section = page.css_first("#delivery-predictions")
    assert "synthetic" in section.text()
    rows = section.css("tbody tr")
    assert [td.text(strip=True) for td in rows[-1].css("td")] == [
        "10", "80 %", "50 %", "0.6", "10", "40 %", "30 %", "1.5",
    ]  # fmt: skip
    assert [td.text(strip=True) for td in rows[0].css("td")][:2] == ["0", "—"]

    # The CSV carries the same figures, per week, ours and the carriers', with the parcels.
    response = await client.get("/agent/kpis.csv?weeks=4")
    found = {
        (r["kpi"], r["label"]): (r["unit"], r["value"], r["base"])
        for r in csv.DictReader(io.StringIO(response.text))
        if r["kpi"].startswith("edd_") and r["week"] == week.isoformat()
    }
    assert found == {
        ("edd_on_time_rate", "ours"): ("%", "80.0", "10"),
        ("edd_exact_day_rate", "ours"): ("%", "50.0", "10"),
        ("edd_mae_days", "ours"): ("days", "0.6", "10"),
        ("edd_on_time_rate", "carriers"): ("%", "40.0", "10"),
        ("edd_exact_day_rate", "carriers"): ("%", "30.0", "10"),
        ("edd_mae_days", "carriers"): ("days", "1.5", "10"),
    }


async def test_the_demo_shows_a_predicted_date_where_the_carrier_gave_none(
    client, settings, arq_redis
):
    from porchlight.demo import seed
    from tests.worker_run import run_worker

    await seed(arq_redis)
    await run_worker(settings, arq_redis)
    parcel = await Shipment.get(tracking_number="FJSPLIT2").select_related("order")
    assert parcel.predicted_delivery is not None and parcel.predicted_from == "first_scan"
    response = await client.get(
        f"/o/{parcel.order.access_token}?lang=de", headers={"Host": "127.0.0.1"}
    )
    etas = [n.text(strip=True) for n in HTMLParser(response.text).css(".eta")]
    assert any(text.startswith("Voraussichtlich bis") for text in etas), etas
    # The KPI page has recent weeks to show, ours beside the carrier's.
    assert await EddAccuracy.filter(source="ours").exists()
    assert await EddAccuracy.filter(source="carriers").exists()


async def test_edd_backtest_prints_name_value_lines_a_script_can_read(settings):
    import asyncio
    import os
    import sys
    from pathlib import Path

    brand, _ = await a_brand()
    await a_history(brand, "H", [2] * 40, weeks_ago=1, now=utcnow(), carrier_days_early=1)
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SECRET_KEY": "x" * 40}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("porchlight")),
        *("edd-backtest", "--brand", brand.slug, "--weeks", "20", "--confidence", "0.8"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    figures = dict(line.split(": ", 1) for line in out.decode().splitlines())
    assert figures["brand"] == brand.slug and figures["c80.parcels"] == "40"
    assert figures["c80.ours.first_scan.on_time_rate"] == "1.0"
    assert figures["c80.carriers.first_scan.exact_day_rate"] == "0.0"


async def test_lanes_count_delivery_days_where_the_parcel_goes_and_on_the_carriers_weekdays():
    brand, _ = await a_brand()
    brand.settings = {
        "delivery_prediction": {"delivery_days_by_carrier": {"ups": [0, 1, 2, 3, 4, 5]}}
    }
    await brand.save()
    friday, monday = date(2026, 11, 20), date(2026, 11, 23)
    for i in range(3):  # Friday to Monday: two delivery days for UPS, which delivers Saturdays
        await a_parcel(brand, f"U{i}", at(friday), delivered=at(monday, 15), carrier="ups")
        await a_parcel(brand, f"D{i}", at(friday), delivered=at(monday, 15), carrier="dhl")
    # Scanned Thursday noon UTC and delivered Friday morning UTC: both on Friday in Auckland.
    far, _ = await a_brand("kiwi", "track.kiwi.example")
    for i in range(3):
        await a_parcel(far, f"NZ{i}", at(friday - timedelta(days=1), 12), delivered=at(friday, 10))
    await Customer.filter(brand=far).update(time_zone="Pacific/Auckland")

    for each in (brand, far):
        await predict.refresh_lanes(each, NOW)
    lanes = {
        (lane.brand_id, lane.key): lane.histogram
        for lane in await EddLane.filter(milestone="first_scan", level=3)
    }
    assert set(lanes[(brand.id, "ups")]) == {"2"}
    assert set(lanes[(brand.id, "dhl")]) == {"1"}
    assert set(lanes[(far.id, "dhl")]) == {"0"}
