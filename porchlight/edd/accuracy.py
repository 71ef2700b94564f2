"""How good the predictions are: replay a brand's history as it happened and compare.

Each delivered parcel is predicted with only what was known at the time: the lanes learn a
parcel when it is delivered, and a parcel is predicted at its first scan (and at each later
milestone) from the parcels delivered before that moment. The carrier's date as it stood at
the first scan is scored on the same parcels. `porchlight edd-backtest` prints this; the
worker keeps the recent weeks in `edd_accuracy` for the KPI page."""

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tortoise.transactions import in_transaction

from porchlight.accounts.brand_settings import settings_of
from porchlight.edd.history import Delivered, delivered
from porchlight.edd.lanes import Calendars, LaneBook, Milestone
from porchlight.edd.predict import predict
from porchlight.models import Brand, EddAccuracy
from porchlight.platform.clock import utcnow

OURS, CARRIERS, SAME = "ours", "carriers", "ours_same_parcels"


@dataclass
class Tally:
    parcels: int = 0
    on_time: int = 0
    exact: int = 0
    abs_error_days: int = 0

    def add(self, predicted: date, actual: date) -> None:
        self.parcels += 1
        self.on_time += actual <= predicted
        self.exact += actual == predicted
        self.abs_error_days += abs((actual - predicted).days)

    def figures(self) -> dict[str, float]:
        n = self.parcels or 1
        return {
            "parcels": self.parcels,
            "on_time_rate": round(self.on_time / n, 4),
            "exact_day_rate": round(self.exact / n, 4),
            "mae_days": round(self.abs_error_days / n, 3),
        }


@dataclass
class Backtest:
    """One confidence setting's results: tallies by (scope, source, milestone), where scope is
    "all", "carrier:<code>" or "lane:<carrier|service|country>"; and by week of delivery."""

    confidence: float
    parcels: int = 0
    predictions: int = 0
    seconds: float = 0.0
    tallies: dict[tuple[str, str, str], Tally] = field(default_factory=dict)
    weekly: dict[tuple[date, str], Tally] = field(default_factory=dict)

    def tally(self, scope: str, source: str, milestone: Milestone) -> Tally:
        return self.tallies.setdefault((scope, source, milestone.value), Tally())

    def lines(self) -> Iterator[str]:
        """`name: value`, one per line, for people and scripts alike."""
        c = f"c{round(self.confidence * 100)}"
        yield f"{c}.parcels: {self.parcels}"
        yield f"{c}.predictions: {self.predictions}"
        per = self.seconds / self.predictions * 10_000 if self.predictions else 0.0
        yield f"{c}.seconds_per_10000_predictions: {per:.3f}"
        for (scope, source, milestone), tally in sorted(self.tallies.items()):
            prefix = c if scope == "all" else f"{c}.{scope.replace(':', '.', 1)}"
            for name, value in tally.figures().items():
                yield f"{prefix}.{source}.{milestone}.{name}: {value}"


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def replay(
    brand: Brand, since: datetime, until: datetime, confidences: list[float]
) -> list[Backtest]:
    """Parcels delivered in [since, until), each predicted from what was known before it."""
    chosen = settings_of(brand).delivery_prediction
    start = since - timedelta(weeks=chosen.history_weeks)
    history: list[Delivered] = []
    async for batch in delivered(brand, start, carrier_dates=True):
        history.extend(p for p in batch if p.delivered_at < until)
    history.sort(key=lambda p: p.delivered_at)
    asked = sorted(
        ((at, p, m) for p in history if p.delivered_at >= since for m, at in p.milestones.items()),
        key=lambda item: item[0],
    )
    results = [Backtest(c) for c in confidences]
    settings = [chosen.model_copy(update={"confidence": c}) for c in confidences]
    for result in results:
        result.parcels = sum(p.delivered_at >= since for p in history)
    half_life = timedelta(weeks=chosen.half_life_weeks).total_seconds()
    book, learnt, calendars = LaneBook(), 0, Calendars(chosen.delivery_days_by_carrier)
    for at, parcel, milestone in asked:
        while learnt < len(history) and history[learnt].delivered_at <= at:
            old = history[learnt]
            # Relative weights only matter: 2^(age/half-life) from a fixed start keeps the
            # newest parcels heaviest without reweighting the book at every step.
            weight = 2 ** ((old.delivered_at - start).total_seconds() / half_life)
            route = old.route
            for m, days in route.transit(calendars[route], old.milestones, old.delivered_at):
                book.learn(route, m, days, weight)
            learnt += 1
        route, actual = parcel.route, parcel.route.day(parcel.delivered_at)
        lanes = book.for_route(route)
        week = monday(parcel.delivered_at.date())
        for result, setting in zip(results, settings, strict=True):
            began = time.perf_counter()
            ours = predict(route, {milestone: at}, route.day(at), lanes, setting)
            result.seconds += time.perf_counter() - began
            if ours is None:
                continue
            result.predictions += 1
            for scope in ("all", f"carrier:{route.carrier}", f"lane:{route.lane_keys[1]}"):
                result.tally(scope, OURS, milestone).add(ours.day, actual)
            if milestone != Milestone.FIRST_SCAN:
                continue
            result.weekly.setdefault((week, OURS), Tally()).add(ours.day, actual)
            if parcel.carrier_estimate is not None:
                result.weekly.setdefault((week, CARRIERS), Tally()).add(
                    parcel.carrier_estimate, actual
                )
                for scope in ("all", f"carrier:{route.carrier}"):
                    result.tally(scope, CARRIERS, milestone).add(parcel.carrier_estimate, actual)
                    result.tally(scope, SAME, milestone).add(ours.day, actual)
    return results


async def record_weeks(brand: Brand, weeks: int = 2, now: datetime | None = None) -> int:
    """Replay the last `weeks` whole weeks and this one at the brand's confidence into
    `edd_accuracy` (the KPI page's figures); the number of rows written."""
    now = now or utcnow()
    first = monday(now.date()) - timedelta(weeks=weeks)
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    confidence = settings_of(brand).delivery_prediction.confidence
    [result] = await replay(brand, since, now, [confidence])
    rows = [
        EddAccuracy(
            brand_id=brand.id,
            week=week,
            source=source,
            confidence=confidence,
            parcels=t.parcels,
            on_time=t.on_time,
            exact=t.exact,
            abs_error_days=t.abs_error_days,
        )
        for (week, source), t in result.weekly.items()
    ]
    async with in_transaction():
        await EddAccuracy.filter(brand_id=brand.id, week__gte=first).delete()
        await EddAccuracy.bulk_create(rows)
    return len(rows)
