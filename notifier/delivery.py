"""Sending due notifications in batches. Rows due in the same second wake one job; it takes up to
BATCH of the rows due and gives every further batch a job of its own. A batch is read in a few
queries and decided row by row (superseded, paused, a date moved back, quiet hours, the daily
cap); then it is claimed, sent and recorded a wave at a time. A claim says the provider may have
the message, so it covers only the wave in flight: a worker dying mid-wave fails those rows
(at most once), and the rest of its batch is still sent by the job's next run."""

import asyncio
import logging
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from time import monotonic
from typing import Any, TypeVar

from redis.exceptions import RedisError
from tortoise.models import Model

from notifier.compose import Reading, compose
from porchlight.channels import (
    Channel,
    ManyAtOnce,
    Outgoing,
    PermanentSendError,
    TransientSendError,
    channel_for,
)
from porchlight.enums import Channel as Kind
from porchlight.enums import NotificationStatus, ShipmentStatus, Trigger
from porchlight.models import Brand, Customer, Notification, Order, Shipment
from porchlight.notifications import triggers
from porchlight.notifications.policy import customer_allows, daily_cap, quiet_until, withheld
from porchlight.platform.clock import utcnow
from porchlight.platform.jobs import DELIVER_BATCH, DELIVER_DUE
from porchlight.platform.settings import Settings
from porchlight.platform.sql import Sql, rows_in, rows_where

log = logging.getLogger(__name__)
M = TypeVar("M", bound=Model)
S = NotificationStatus
BATCH = 300  # rows per job: read in a handful of queries
SENDS = 10  # provider calls in flight per worker (twilio's HTTP session keeps 10 connections)
# Rows claimed together, just before their provider calls: one round of calls, so a wave
# started within half the job's timeout ends well inside it.
WAVE = SENDS
BATCHES = 2  # batches a worker works on at once: one read or rendered while one sends
MAX_DUE = 100 * BATCH  # rows one wake-up hands out; a bigger backlog wakes another job
MAX_ATTEMPTS = 5
GROUP_WINDOW = timedelta(hours=2)  # parcels shipping this close together share one message
# A date message whose date moved back before it was due: nothing was sent, so the row may be
# used again when the date moves once more (the one skip that does not close the slot).
DATE_MOVED_BACK = "date_moved_back"
INTERRUPTED = "interrupted mid-send: not resent"


async def wake(redis: Any, due: datetime) -> None:
    """One job per second of due time (rounded up): rows due together share it, and the job
    for a second starts only once that second is over, so it finds them all."""
    second = math.ceil(max(due, utcnow()).timestamp())
    try:
        await redis.enqueue_job(
            DELIVER_DUE,
            _job_id=f"notify-due:{second}",
            _defer_until=datetime.fromtimestamp(second, UTC),
        )
    except (RedisError, OSError) as exc:
        log.warning("messages due %s not woken, the due sweep sends them: %s", due, exc)


async def deliver_due(ctx: dict[str, Any]) -> dict[str, int]:
    """The rows due now that no batch job holds (`hand_out`): the first batch here, one job
    for each further batch."""
    job = ctx["job_id"]
    await _fail_interrupted(job)
    ids = await hand_out(utcnow(), timedelta(seconds=ctx["settings"].job_timeout_seconds))
    batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    for n, batch in enumerate(batches[1:], 1):
        await ctx["redis"].enqueue_job(DELIVER_BATCH, batch, _job_id=f"{job}:{n}")
    if len(ids) == MAX_DUE:  # the batches handed out claim theirs meanwhile
        await wake(ctx["redis"], utcnow() + timedelta(seconds=30))
    return await _deliver(ctx, batches[0]) if batches else {}


async def hand_out(now: datetime, lease: timedelta) -> list[int]:
    """The due rows no batch job holds, oldest due first, marked as handed out. Without the
    mark, every second of a backlog woke a job that handed out the whole backlog again: 10,000
    rows due over eleven seconds were read by 374 batch jobs instead of 34, most of them
    finding their rows taken. A row handed out longer ago than `lease` (a job's timeout: arq
    too gives a job up by then, as when its worker was killed) is handed out again; the claim
    still lets one job alone send it. Wake-ups at the same moment skip each other's rows
    (`SKIP LOCKED`): waiting on them, PostgreSQL rechecked the whole subquery for each row."""
    sql = Sql()
    free = (
        "status = ? AND due_at <= ? AND (handed_out_at IS NULL OR handed_out_at < due_at"
        " OR handed_out_at < ?)"
    )
    skip = "" if sql.sqlite else " FOR UPDATE SKIP LOCKED"  # SQLite has one writer at a time
    oldest = f"SELECT id FROM notification WHERE {free} ORDER BY due_at, id LIMIT ?{skip}"  # noqa: S608 - fixed text, values as parameters
    query = f"UPDATE notification SET handed_out_at = ? WHERE id IN ({oldest}) RETURNING id, due_at"  # noqa: S608
    rows = await sql.rows(query, [now, S.PENDING.value, now, now - lease, MAX_DUE])
    return [row["id"] for row in sorted(rows, key=lambda row: (row["due_at"], row["id"]))]


async def deliver_batch(ctx: dict[str, Any], ids: list[int]) -> dict[str, int]:
    """A batch a `deliver_due` job handed out (rows another job took meanwhile are left)."""
    await _fail_interrupted(ctx["job_id"])
    return await _deliver(ctx, ids)


async def _fail_interrupted(job: str) -> None:
    """This job ran before and its worker died mid-wave: what it had claimed may have reached
    the provider. At most once: failed, never resent."""
    await Notification.filter(claimed_by=job, status=S.SENDING).update(
        status=S.FAILED, error=INTERRUPTED
    )


@dataclass
class Send:
    """One message: its row, and for a "shipped" email the order's other parcels' rows riding
    along ({row id: shipment id})."""

    row: Notification
    riders: dict[int, int] = field(default_factory=dict)


async def _deliver(ctx: dict[str, Any], ids: list[int]) -> dict[str, int]:
    """A few batches at a time per worker, the others' jobs waiting their turn: sends go out
    as soon as one batch is ready, and a job that waited too long hands its rows on unread
    to a job of their own."""
    settings: Settings = ctx["settings"]
    started = monotonic()
    gate: asyncio.Semaphore = ctx.setdefault("batches", asyncio.Semaphore(BATCHES))
    async with gate:
        # A job that waited a quarter of its time hands its rows on before reading them, so
        # one that starts has at least a quarter left before its waves stop (at half).
        if monotonic() > started + settings.job_timeout_seconds / 4:
            return await _hand_on(ctx, ids, "")
        return await _deliver_now(ctx, ids, started + settings.job_timeout_seconds / 2)


async def _deliver_now(ctx: dict[str, Any], ids: list[int], deadline: float) -> dict[str, int]:
    settings: Settings = ctx["settings"]
    now = utcnow()
    rows = await _read(ids, now)
    outcome: Counter[str] = Counter()
    candidates = await _decide(ctx["redis"], rows, now, outcome)
    sends = await _sends(candidates, now, outcome)
    reading = await Reading.of(settings, [send.row for send in sends])
    for start in range(0, len(sends), WAVE):
        if monotonic() > deadline:  # the rest to a fresh job, long before this one times out
            rest = [send.row.id for send in sends[start:]]
            outcome.update(await _hand_on(ctx, rest, str(start)))
            break
        await _wave(ctx, sends[start : start + WAVE], reading, outcome)
    return dict(outcome)


async def _read(ids: list[int], now: datetime) -> list[Notification]:
    """The batch's due rows, each with its shipment, order, brand and customer. Those are read
    once each, in a query per table, and shared by their rows: `select_related` built all five
    wide rows again for every row (an order's email and SMS, a brand's hundreds), the biggest
    part of a batch's own work."""
    if not ids:  # (`IN ()` is SQLite's, not PostgreSQL's)
        return []
    marks = ", ".join("?" * len(ids))
    rows = await rows_where(
        Notification,
        f'("due_at" <= ? OR "due_at" IS NULL) AND "status" = ? AND "id" IN ({marks})',
        [now + timedelta(seconds=1), S.PENDING.value, *ids],
        order='"id"',
    )
    if not rows:
        return rows
    shipments = await _by_id(Shipment, {row.shipment_id for row in rows})  # type: ignore[attr-defined]
    orders = await _by_id(Order, {s.order_id for s in shipments.values()})  # type: ignore[attr-defined]
    brands = await _by_id(Brand, {o.brand_id for o in orders.values()})  # type: ignore[attr-defined]
    customers = await _by_id(Customer, {row.customer_id for row in rows})  # type: ignore[attr-defined]
    for order in orders.values():
        order.brand = brands[order.brand_id]  # type: ignore[attr-defined]
    for shipment in shipments.values():
        shipment.order = orders[shipment.order_id]  # type: ignore[attr-defined]
    for row in rows:
        row.shipment = shipments[row.shipment_id]  # type: ignore[attr-defined]
        row.customer = customers[row.customer_id]  # type: ignore[attr-defined]
    return rows


async def _by_id(model: type[M], ids: set[int]) -> dict[int, M]:
    return {row.pk: row for row in await rows_in(model, "id", list(ids))}


async def _hand_on(ctx: dict[str, Any], ids: list[int], part: str) -> dict[str, int]:
    """Rows this job has no time left for go to a job of their own (a fresh timeout), not back
    to a wake-up, which would hand out again the rows other jobs are waiting to send."""
    await ctx["redis"].enqueue_job(DELIVER_BATCH, ids, _job_id=f"{ctx['job_id']}+{part}")
    return {"handed on": len(ids)}


def skip_reason(row: Notification) -> str:
    """Why a due row says nothing any more ("" when it still should be sent)."""
    shipment, order = row.shipment, row.shipment.order
    trigger = Trigger(row.trigger)
    if triggers.superseded(trigger, ShipmentStatus(shipment.status)):
        return "superseded"
    if reason := withheld(order):
        return reason
    if trigger in triggers.DATE_TRIGGERS and not triggers.date_still_moved(
        trigger, row.about_date, shipment.estimated_delivery, order.promised_delivery_date
    ):
        return DATE_MOVED_BACK
    if row.channel == Kind.WHATSAPP:  # a STOP or a change of mind while it waited
        allowed = customer_allows(row.customer, order, Kind.WHATSAPP, suppressed=False)
        if not allowed.send:
            return allowed.reason
    return ""


async def _decide(
    redis: Any, rows: list[Notification], now: datetime, outcome: Counter[str]
) -> list[Notification]:
    """Skips and quiet-hour deferrals recorded, one UPDATE per reason or wake-up time (a row
    another job took meanwhile is left alone); returns the rows to send."""
    skipped: dict[str, list[int]] = defaultdict(list)
    deferred: dict[datetime, list[int]] = defaultdict(list)
    candidates = []
    for row in rows:
        reason = skip_reason(row)
        wake_at = None if reason else quiet_until(now, row.customer, row.shipment.order.brand)
        if reason:
            skipped[reason].append(row.id)
        elif wake_at is not None:
            deferred[wake_at].append(row.id)
        else:
            candidates.append(row)
    await _skip(skipped, outcome)
    for wake_at, ids in deferred.items():
        await Notification.filter(id__in=ids, status=S.PENDING).update(
            due_at=wake_at, handed_out_at=None
        )
        await wake(redis, wake_at)
        outcome["deferred"] += len(ids)
    return candidates


async def _skip(skipped: dict[str, list[int]], outcome: Counter[str]) -> None:
    for reason, ids in skipped.items():
        await Notification.filter(id__in=ids, status=S.PENDING).update(
            status=S.SKIPPED, skip_reason=reason, error=""
        )
        outcome[S.SKIPPED] += len(ids)


async def _sends(
    candidates: list[Notification], now: datetime, outcome: Counter[str]
) -> list[Send]:
    """One message per row, except an order's "shipped" rows due within GROUP_WINDOW, which go
    out together in the first one's message; then the brand's daily cap per order and channel."""
    if not candidates:
        return []
    orders = {row.shipment.order.id for row in candidates}
    shipped_orders = {r.shipment.order.id for r in candidates if r.trigger == Trigger.SHIPPED}
    mates: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    if shipped_orders:
        waiting = await Notification.filter(
            shipment__order_id__in=shipped_orders,
            trigger=Trigger.SHIPPED,
            status=S.PENDING,
            due_at__lte=now + GROUP_WINDOW,
        ).values_list("id", "shipment__order_id", "channel", "shipment_id")
        for row_id, order_id, channel, shipment_id in waiting:
            mates[(order_id, channel)][row_id] = shipment_id
    sent_today = Counter(
        await Notification.filter(
            shipment__order_id__in=orders,
            status__in=[S.SENT, S.DELIVERED],
            sent_at__gte=now - timedelta(days=1),
            grouped_into_id=None,
        ).values_list("shipment__order_id", "channel")
    )
    sends: list[Send] = []
    riding: set[int] = set()
    capped: list[int] = []
    caps: dict[int, int] = {}
    for row in candidates:
        if row.id in riding:
            continue  # in the message of an earlier row of its order
        key, brand = (row.shipment.order.id, row.channel), row.shipment.order.brand
        if brand.id not in caps:
            caps[brand.id] = daily_cap(brand)  # read from the brand's settings once a batch
        if sent_today[key] >= caps[brand.id]:
            capped.append(row.id)
            continue
        sent_today[key] += 1
        riders = {}
        if row.trigger == Trigger.SHIPPED:
            riders = {i: s for i, s in mates[key].items() if i != row.id}
            riding.update(riders)
        sends.append(Send(row, riders))
    await _skip({"daily_cap": capped} if capped else {}, outcome)
    return sends


async def _claim(job: str, ids: list[int], *, carrier: int | None = None) -> set[int]:
    """Mark rows as being sent by this job, in one statement, and return those it got. The status
    test sits in the UPDATE's own WHERE: PostgreSQL rechecks it on a row another job claimed
    meanwhile, so of two jobs holding the same row exactly one goes on. Riders of a "shipped"
    email point at the row carrying it; a carrier's attempt is counted."""
    sql = Sql()
    marks = "attempts = attempts + 1" if carrier is None else "grouped_into_id = ?"
    params: list[Any] = [S.SENDING.value, job] + ([] if carrier is None else [carrier])
    marks_in = ", ".join("?" * len(ids))
    set_ = f"status = ?, claimed_by = ?, {marks}"
    query = f"UPDATE notification SET {set_} WHERE status = ? AND id IN ({marks_in}) RETURNING id"  # noqa: S608 - fixed text, values as parameters
    rows = await sql.rows(query, [*params, S.PENDING.value, *ids])
    return {row["id"] for row in rows}


async def _wave(
    ctx: dict[str, Any], sends: list[Send], reading: Reading, outcome: Counter[str]
) -> None:
    try:
        await _claimed_and_sent(ctx, sends, reading, outcome)
    except asyncio.CancelledError:
        # The job ran out of time, or the worker stops: what this wave claimed may have reached
        # the provider (a call in its thread runs on). At most once: failed, never resent.
        await _fail_interrupted(ctx["job_id"])
        raise


async def _claimed_and_sent(
    ctx: dict[str, Any], sends: list[Send], reading: Reading, outcome: Counter[str]
) -> None:
    job, settings = ctx["job_id"], ctx["settings"]
    claimed = await _claim(job, [send.row.id for send in sends])
    if len(claimed) < len(sends):
        outcome["taken by another job"] += len(sends) - len(claimed)
    sends = [send for send in sends if send.row.id in claimed]
    if not sends:
        return
    for send in sends:
        send.row.status, send.row.attempts = S.SENDING, send.row.attempts + 1
        if send.riders:
            got = await _claim(job, list(send.riders), carrier=send.row.id)
            send.riders = {i: s for i, s in send.riders.items() if i in got}
    messages: list[tuple[Send, Outgoing]] = []
    for send in sends:
        try:
            in_message = {send.row.shipment_id, *send.riders.values()}  # type: ignore[attr-defined]
            messages.append((send, compose(settings, send.row, in_message, reading)))
        except PermanentSendError as exc:  # e.g. WhatsApp turned off since the row was written
            _settle(ctx, send, exc, utcnow(), outcome)
        except Exception as exc:  # a bug in a template must not stop the batch
            log.exception("notification %s not rendered", send.row.id)
            _settle(ctx, send, RenderError(str(exc)), utcnow(), outcome)
    results = await send_all(ctx, [message for _, message in messages])
    answered = utcnow()
    for (send, message), result in zip(messages, results, strict=True):
        send.row.subject, send.row.body = message.subject, message.text
        _settle(ctx, send, result, answered, outcome)
    await _record([send.row for send in sends])
    await _settle_riders(sends)
    for due in {send.row.due_at for send in sends if send.row.status == S.PENDING}:
        await wake(ctx["redis"], due or utcnow())  # a retry after the provider's transient refusal


async def _record(rows: list[Notification]) -> None:
    """The wave's answers: one UPDATE for the messages sent (each with its provider id and
    text), one per row for the few others."""
    sent = [row for row in rows if row.status == S.SENT]
    for row in rows:
        if row.status != S.SENT:
            await Notification.filter(id=row.id).update(
                status=row.status, error=row.error, due_at=row.due_at, subject=row.subject
            )
    if not sent:
        return
    sql = Sql()
    cases, params = [], []
    for column in ("provider_id", "subject", "body"):
        cases.append(f"{column} = CASE id {' '.join(['WHEN ? THEN ?'] * len(sent))} END")
        params += [value for row in sent for value in (row.id, getattr(row, column))]
    marks = ", ".join("?" * len(sent))
    query = f"UPDATE notification SET status = ?, error = '', sent_at = {sql.moment()}, {', '.join(cases)} WHERE id IN ({marks})"  # noqa: S608, E501 - fixed text, values as parameters
    await sql.rows(query, [S.SENT.value, sent[0].sent_at, *params, *(row.id for row in sent)])


class RenderError(Exception):
    """The message could not be rendered: nothing went to the provider."""


def _channel(ctx: dict[str, Any], kind: Kind) -> Channel:
    """The worker's one client per provider (its HTTP connections reused), closed with it."""
    channels: dict[Kind, Channel] = ctx.setdefault("channels", {})
    if kind not in channels:
        channel = channels[kind] = channel_for(kind, ctx["settings"])
        ctx["resources"].push_async_callback(channel.close)
    return channels[kind]


def _gate(ctx: dict[str, Any]) -> asyncio.Semaphore:
    """At most SENDS provider calls in flight per worker."""
    gate: asyncio.Semaphore = ctx.setdefault("sends", asyncio.Semaphore(SENDS))
    return gate


async def send_all(ctx: dict[str, Any], messages: list[Outgoing]) -> list[str | BaseException]:
    """Each message's provider id, or the error its call ended with, in order. A channel that
    takes many messages in a call (email) gets its kind's together; the others one a call."""
    results: list[str | BaseException] = [PermanentSendError("not sent")] * len(messages)

    async def one(n: int) -> None:
        try:
            async with _gate(ctx):
                results[n] = await _channel(ctx, messages[n].kind).send(messages[n])
        except Exception as exc:
            results[n] = exc

    async def together(members: list[int], channel: ManyAtOnce) -> None:
        for start in range(0, len(members), channel.batch):
            chunk = members[start : start + channel.batch]
            try:
                async with _gate(ctx):
                    answers = await channel.send_many([messages[n] for n in chunk])
            except Exception as exc:
                answers = [exc] * len(chunk)
            for n, answer in zip(chunk, answers, strict=True):
                results[n] = answer

    batched: dict[Kind, tuple[ManyAtOnce, list[int]]] = {}
    calls = []
    for n, message in enumerate(messages):
        channel = _channel(ctx, message.kind)
        if isinstance(channel, ManyAtOnce):
            batched.setdefault(message.kind, (channel, []))[1].append(n)
        else:
            calls.append(one(n))
    calls += [together(members, channel) for channel, members in batched.values()]
    await asyncio.gather(*calls)
    return results


def _settle(
    ctx: dict[str, Any],
    send: Send,
    result: str | BaseException,
    answered: datetime,
    outcome: Counter[str],
) -> None:
    """The carrier row's new state from its provider call, saved with the wave's others (its
    riders follow in `_settle_riders`)."""
    row, settings = send.row, ctx["settings"]
    row.error = "" if isinstance(result, str) else str(result)[:255]
    if isinstance(result, str):
        row.provider_id, row.sent_at, row.status = result, answered, S.SENT
    elif isinstance(result, TransientSendError) and row.attempts < MAX_ATTEMPTS:
        row.status = S.PENDING
        row.due_at = utcnow() + timedelta(
            seconds=settings.notification_retry_seconds * 2**row.attempts
        )
    elif isinstance(result, (TransientSendError, PermanentSendError, RenderError)):
        row.status = S.FAILED
    else:  # the call broke off without an answer: the provider may have it
        log.error("notification %s: send ended without an answer: %r", row.id, result)
        row.status, row.error = S.FAILED, INTERRUPTED
    outcome["retrying" if row.status == S.PENDING else row.status] += 1


async def _settle_riders(sends: list[Send]) -> None:
    """Riders share their carrier's fate: sent with it, failed when its call broke off, else
    back to waiting on their own."""
    for send in sends:
        if not send.riders:
            continue
        ours = Notification.filter(grouped_into_id=send.row.id, status=S.SENDING)
        row = send.row
        if row.status == S.SENT:
            await ours.update(
                status=S.SENT, sent_at=row.sent_at, provider_id=row.provider_id, subject=row.subject
            )
        elif row.error == INTERRUPTED:
            await ours.update(status=S.FAILED, error=INTERRUPTED)
        else:
            await ours.update(status=S.PENDING, grouped_into_id=None, handed_out_at=None)
