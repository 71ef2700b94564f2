"""Carrier event intake: store each scan exactly once, then hand follow-up work to the worker."""

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import datetime

from arq.connections import ArqRedis
from redis.exceptions import RedisError

from porchlight.carriers.base import NormalizedEvent
from porchlight.models import TrackingEvent
from porchlight.models.limits import fit
from porchlight.platform.clock import utcnow
from porchlight.platform.jobs import REFRESH_TRACKING
from porchlight.platform.sql import Sql

log = logging.getLogger(__name__)


def _offset(event: NormalizedEvent) -> str:
    offset = event.occurred_at.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}" if offset else ""


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))  # as tortoise writes JSONField


def _values(event: NormalizedEvent, now: datetime) -> list[object]:
    return [
        event.source.value,
        event.tracking_number,
        fit(TrackingEvent, "carrier", event.carrier),
        event.occurred_at,
        _offset(event),
        now,
        event.status.value,
        fit(TrackingEvent, "carrier_status", event.carrier_status),
        fit(TrackingEvent, "carrier_substatus", event.carrier_substatus),
        event.message,
        _json(event.location),
        event.estimated_delivery,
        event.fingerprint,
        _json(event.raw),
        fit(TrackingEvent, "signed_by", event.signed_by),
    ]


# One statement for a whole body: tortoise's bulk_create sends BEGIN, one INSERT per row and
# COMMIT, which was most of intake's database time in a profile under load. A scan already
# stored stays as it is, except that a signer named later (aggregators add proof of delivery
# after the delivery scan) is filled in once.
_EVENTS = """
INSERT INTO tracking_event (source, tracking_number, carrier, occurred_at, occurred_offset,
  received_at, status, carrier_status, carrier_substatus, message, location, estimated_delivery,
  fingerprint, raw_payload, signed_by)
VALUES {values}
ON CONFLICT (source, tracking_number, fingerprint) DO UPDATE SET signed_by = excluded.signed_by
WHERE tracking_event.signed_by = '' AND excluded.signed_by <> ''
"""
ROWS_PER_STATEMENT = 1000  # PostgreSQL takes at most 32,767 parameters


async def _insert(statement: str, rows: Sequence[Sequence[object]]) -> None:
    """`statement` with its `{values}` filled in for the rows, a thousand rows at a time."""
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        values = ", ".join([f"({', '.join('?' * len(chunk[0]))})"] * len(chunk))
        await Sql().rows(statement.format(values=values), [v for row in chunk for v in row])


async def store(events: list[NormalizedEvent]) -> None:
    """Insert what is new; the unique (source, tracking number, fingerprint) drops the rest.

    ON CONFLICT makes two identical deliveries racing each other safe too.
    """
    unique = {(e.source, e.tracking_number, e.fingerprint): e for e in events}
    now = utcnow()
    await _insert(_EVENTS, [_values(event, now) for event in unique.values()])
    await _store_estimates(events, now)


# A date is as recent as the body that brought it (`as_of`): an older body never overwrites
# it, a replay changes nothing, and any change says when it was made (`received_at`, which the
# page's version and reconcile look at).
_ESTIMATE = """
INSERT INTO delivery_estimate (tracking_number, source, estimated_delivery, as_of, received_at)
VALUES {values}
ON CONFLICT (tracking_number, source) DO UPDATE SET
  estimated_delivery = excluded.estimated_delivery,
  as_of = excluded.as_of,
  received_at = excluded.received_at
WHERE excluded.as_of > delivery_estimate.as_of
  OR (excluded.as_of = delivery_estimate.as_of
      AND excluded.estimated_delivery <> delivery_estimate.estimated_delivery)
"""


def _as_of(event: NormalizedEvent) -> datetime:
    return max(event.occurred_at, event.reported_at or event.occurred_at)


async def _store_estimates(events: list[NormalizedEvent], now: datetime) -> None:
    latest: dict[tuple[str, str], NormalizedEvent] = {}
    for event in events:
        key = (event.tracking_number, event.source.value)
        if event.estimated_delivery and (key not in latest or _as_of(event) >= _as_of(latest[key])):
            latest[key] = event
    rows = [[*key, e.estimated_delivery, _as_of(e), now] for key, e in latest.items()]
    await _insert(_ESTIMATE, rows)


async def enqueue_follow_up(arq: ArqRedis, events: list[NormalizedEvent]) -> None:
    """One refresh job per tracking number; the job id folds identical replays into one job.

    If Redis is unreachable the events are already stored: the worker's reconcile sweep
    re-derives shipments whose events are newer than their derived state.
    """
    by_number: dict[str, list[str]] = {}
    for event in events:  # a new date alone is news too
        by_number.setdefault(event.tracking_number, []).append(
            f"{event.fingerprint}{event.estimated_delivery}"
        )
    for number, fingerprints in by_number.items():
        digest = hashlib.sha256("".join(sorted(fingerprints)).encode()).hexdigest()[:16]
        try:
            await arq.enqueue_job(REFRESH_TRACKING, number, _job_id=f"refresh:{number}:{digest}")
        except (RedisError, OSError) as exc:
            log.warning("follow-up for %s not enqueued, reconcile will pick it up: %s", number, exc)
