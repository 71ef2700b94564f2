"""What the lane refresh learns from: how many of a brand's delivered parcels of each route took
how many delivery days from each milestone, and their recency weight.

On PostgreSQL one aggregate query counts a year of parcels where they are stored: reading a
million parcels into Python and counting there took minutes. Delivery days are counted in SQL
by joining each local day to its rank in the route's calendar (porchlight.edd.calendar, built
here in Python and passed as arrays), so holidays and the carriers' weekdays count the same as
in a prediction. SQLite (demo, tests) reads the parcels in batches and counts in Python.
"""

from datetime import date, datetime, timedelta

from tortoise.transactions import in_transaction

from porchlight.accounts.brand_settings import DeliveryPrediction
from porchlight.edd.calendar import FIRST_YEAR, LAST_YEAR, zone_known
from porchlight.edd.history import delivered, destination_sql
from porchlight.edd.lanes import Calendars, Milestone, Route, calendar_of
from porchlight.models import Brand
from porchlight.platform.sql import Sql

Tallies = dict[tuple[Route, Milestone, int], list[float]]  # → [weight, parcels]

WEEK_SECONDS = 7 * 86400
# The calendars' indexed span with a day either side: a day outside it is counted as that day.
BEFORE, AFTER = date(FIRST_YEAR - 1, 12, 31), date(LAST_YEAR + 1, 1, 1)


def recency_weight(delivered_at: datetime, now: datetime, half_life_weeks: float) -> float:
    age_weeks = max((now - delivered_at).total_seconds(), 0.0) / WEEK_SECONDS
    return float(0.5 ** (age_weeks / half_life_weeks))


async def tallies(
    brand: Brand, since: datetime, now: datetime, chosen: DeliveryPrediction
) -> Tallies:
    """Parcels delivered since `since`, alike ones (route, milestone, days) summed."""
    sql = Sql()
    if sql.sqlite:
        return await _in_python(brand, since, now, chosen)
    return await _in_sql(sql, brand, since, now, chosen)


async def _in_python(
    brand: Brand, since: datetime, now: datetime, chosen: DeliveryPrediction
) -> Tallies:
    alike: Tallies = {}
    calendars = Calendars(chosen.delivery_days_by_carrier)
    async for batch in delivered(brand, since):
        for parcel in batch:
            weight = recency_weight(parcel.delivered_at, now, chosen.half_life_weeks)
            route = parcel.route
            for milestone, days in route.transit(
                calendars[route], parcel.milestones, parcel.delivered_at
            ):
                tally = alike.setdefault((route, milestone, days), [0.0, 0])
                tally[0] += weight
                tally[1] += 1
    return alike


PARCELS = """
    FROM shipment s JOIN "order" o ON o.id = s.order_id JOIN customer c ON c.id = o.customer_id
    WHERE s.brand_id = ? AND s.direction = 'outbound' AND s.status = 'delivered'
    AND s.delivered_at >= CAST(? AS timestamptz) AND s.first_scan_at IS NOT NULL"""
COUNTRY = "upper(coalesce(o.destination->>'country', ''))"
ZONE = "coalesce(nullif(c.time_zone, ''), CAST(? AS text))"
PLACES = f"SELECT DISTINCT {COUNTRY} AS country, {ZONE} AS zone {PARCELS}"
KNOWN_ZONES = "SELECT name FROM pg_timezone_names WHERE name = ANY(CAST(? AS text[]))"
# Parcels with the calendar and zone their days are counted in; their destination and
# out-for-delivery scans in one grouped pass; one row per milestone reached; then the days
# between each milestone's local day and the delivery's: the difference of the two days' ranks
# in the calendar, read from an array of every day's rank per calendar: an expression, where
# joining the calendar's days as rows carried the whole array along every row.
TALLIES = """
WITH parcels AS MATERIALIZED (
    SELECT s.tracking_number, s.carrier, s.service, s.fulfilment_node AS node,
        {country} AS country, coalesce(o.postcode, '') AS postcode,
        s.first_scan_at, s.delivered_at,
        array_position(CAST(? AS text[]), {country} || '|' || CASE
            WHEN lower(s.carrier) = ANY(CAST(? AS text[])) THEN lower(s.carrier) ELSE '' END)
            AS calendar,
        CASE WHEN {zone} = ANY(CAST(? AS text[])) THEN {zone} ELSE 'UTC' END AS zone
    {parcels}
), scans AS (
    SELECT e.tracking_number,
        MIN(CASE WHEN e.status = 'out_for_delivery' THEN e.occurred_at END) AS out_for_delivery,
        MIN(CASE WHEN e.status = 'in_transit' AND ({destination}) THEN e.occurred_at END)
            AS destination
    FROM tracking_event e JOIN parcels p ON p.tracking_number = e.tracking_number
    WHERE e.status IN ('in_transit', 'out_for_delivery')
    GROUP BY e.tracking_number
), reached AS (
    SELECT p.carrier, p.service, p.node, p.country, p.postcode, p.calendar, p.delivered_at,
        m.milestone,
        LEAST(GREATEST(CAST(m.at AT TIME ZONE p.zone AS date) - CAST(? AS date), 0),
            CAST(? AS int)) + 1 AS start_day,
        LEAST(GREATEST(CAST(p.delivered_at AT TIME ZONE p.zone AS date) - CAST(? AS date), 0),
            CAST(? AS int)) + 1 AS end_day
    FROM parcels p
    LEFT JOIN scans sc ON sc.tracking_number = p.tracking_number
    CROSS JOIN LATERAL (VALUES ('first_scan', p.first_scan_at),
        ('destination', sc.destination), ('out_for_delivery', sc.out_for_delivery))
        AS m(milestone, at)
    WHERE m.at IS NOT NULL
)
SELECT r.carrier, r.service, r.node, r.country, r.postcode, r.milestone,
    GREATEST((CAST(? AS int[]))[r.calendar][r.end_day]
        - (CAST(? AS int[]))[r.calendar][r.start_day], 0) AS days,
    COUNT(*) AS parcels,
    SUM(power(0.5, GREATEST(EXTRACT(EPOCH FROM (CAST(? AS timestamptz) - r.delivered_at)), 0)
        / CAST(? AS float8))) AS weight
FROM reached r
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""


def _ranks(
    countries: set[str], delivery_days: dict[str, frozenset[int]]
) -> tuple[list[str], list[list[int]]]:
    """For each country on the default weekdays and on each carrier's own: its key and the
    rank of every day of the calendars' span, from BEFORE on (the query's `calendars`)."""
    span = [BEFORE + timedelta(days=n) for n in range((AFTER - BEFORE).days + 1)]
    keys, ranks = [], []
    for country in sorted(countries):
        for carrier in ["", *delivery_days]:
            calendar = calendar_of(carrier, country, delivery_days)
            keys.append(f"{country}|{carrier}")
            ranks.append([calendar.rank(day) for day in span])
    return keys, ranks


async def _in_sql(
    sql: Sql, brand: Brand, since: datetime, now: datetime, chosen: DeliveryPrediction
) -> Tallies:
    places = await sql.rows(PLACES, [brand.time_zone, brand.id, since])
    if not places:
        return {}
    # A zone Python and PostgreSQL both know, else UTC (as local_day does with an unknown one).
    zones = [r["zone"] for r in places if r["zone"] != "UTC" and zone_known(r["zone"])]
    zones = [r["name"] for r in await sql.rows(KNOWN_ZONES, [zones])] if zones else []
    carriers = list(chosen.delivery_days_by_carrier)
    query = TALLIES.format(
        country=COUNTRY, zone=ZONE, parcels=PARCELS, destination=destination_sql()
    )
    keys, ranks = _ranks({r["country"] for r in places}, chosen.delivery_days_by_carrier)
    # Without JIT: compiling the query cost 5.7 s of an 8.6 s run over 50,000 parcels, for
    # one pass of hashing and summing that gains little from compiled expressions.
    async with in_transaction() as conn:
        await conn.execute_script("SET LOCAL jit = off")
        rows = await Sql().rows(
            query,
            [
                keys,
                carriers,
                brand.time_zone,
                zones,
                brand.time_zone,
                brand.id,
                since,
                *[BEFORE, (AFTER - BEFORE).days] * 2,
                ranks,
                ranks,
                now,
                chosen.half_life_weeks * WEEK_SECONDS,
            ],
        )
    routes: dict[tuple[str, ...], Route] = {}
    alike: Tallies = {}
    for r in rows:
        known = (r["carrier"], r["service"], r["node"], r["country"], r["postcode"])
        route = routes.get(known) or routes.setdefault(known, Route(*known, time_zone=None))
        alike[(route, Milestone(r["milestone"]), int(r["days"]))] = [
            float(r["weight"]),
            int(r["parcels"]),
        ]
    return alike
