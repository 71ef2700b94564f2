"""Registering a new parcel's tracking number at the brand's aggregator accounts, so the
aggregator starts sending its scans to us.

One row per (parcel, aggregator) holds the state the agent sees (pending, registered, failed,
with the last error); the worker does the calls, retried with backoff. Registering twice is
harmless on both sides: the row makes a second request a no-op here, and EasyPost, AfterShip
and Shippo each answer a repeated registration with the tracker they already have."""

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import easypost
import httpx
from arq.connections import ArqRedis
from redis.exceptions import RedisError

from porchlight.connectors import carrier_codes
from porchlight.enums import EventSource
from porchlight.models import AggregatorAccount, Brand, Shipment, TrackerRegistration
from porchlight.platform.clock import utcnow
from porchlight.platform.jobs import REGISTER_TRACKER
from porchlight.platform.sealed import unseal
from porchlight.platform.settings import Settings

log = logging.getLogger(__name__)

PENDING, REGISTERED, FAILED = "pending", "registered", "failed"
TIMEOUT_SECONDS = 10
AFTERSHIP_VERSION = "2026-07"
AFTERSHIP_EXISTS = 4003  # meta.code of "Tracking already exists."


class TransientRefusal(Exception):
    """Worth another try later: the aggregator was away, slow, or asked us to slow down."""


class PermanentRefusal(Exception):
    """Another try would get the same answer (bad key, unknown carrier): the row says why."""


async def request_registration(
    arq: ArqRedis, brand: Brand, tracking_numbers: Iterable[str]
) -> list[TrackerRegistration]:
    """A pending row per (parcel, connected aggregator) not yet there, and a job for each
    pending row. Called wherever parcels are created: the API, Shopify, the CSV import."""
    accounts = await AggregatorAccount.filter(brand=brand)
    numbers = list(tracking_numbers)
    if not accounts or not numbers:
        return []
    shipments = await Shipment.filter(brand=brand, tracking_number__in=numbers)
    await TrackerRegistration.bulk_create(
        [
            TrackerRegistration(shipment=s, account=a, aggregator=a.aggregator)
            for s in shipments
            for a in accounts
        ],
        ignore_conflicts=True,
    )
    pending = await TrackerRegistration.filter(
        shipment_id__in=[s.id for s in shipments], state=PENDING
    )
    await enqueue(arq, pending)
    return pending


async def enqueue(arq: ArqRedis, registrations: Iterable[TrackerRegistration]) -> None:
    """One job per row (the id folds repeats). Without Redis the rows stay pending and the
    worker's sweep enqueues them again."""
    for registration in registrations:
        try:
            await arq.enqueue_job(
                REGISTER_TRACKER, registration.id, _job_id=f"register:{registration.id}"
            )
        except (RedisError, OSError) as exc:
            log.warning("registration %s not enqueued, the sweep will: %s", registration.id, exc)


@dataclass(frozen=True)
class Registered:
    external_id: str


async def register(
    settings: Settings, http: httpx.AsyncClient, registration: TrackerRegistration
) -> Registered:
    """Call the aggregator for one row (account and shipment fetched). Raises TransientRefusal
    or PermanentRefusal."""
    account: AggregatorAccount = registration.account
    shipment: Shipment = registration.shipment
    key = unseal(settings, account.api_key_sealed)
    source = EventSource(account.aggregator)
    if source == EventSource.EASYPOST:
        return await asyncio.to_thread(_easypost, settings, key, shipment)
    if source == EventSource.AFTERSHIP:
        return await _aftership(settings, http, key, shipment)
    return await _shippo(settings, http, key, shipment)


def _easypost(settings: Settings, key: str, shipment: Shipment) -> Registered:
    """Tracker create through the official SDK (blocking: it runs in a thread)."""
    client = easypost.EasyPostClient(
        key, api_base=f"{settings.easypost_api_base}/v2", timeout=TIMEOUT_SECONDS
    )
    params = {"tracking_code": shipment.tracking_number}
    if carrier := carrier_codes.EASYPOST.get(shipment.carrier):
        params["carrier"] = carrier
    try:
        tracker = client.tracker.create(**params)
    except (easypost.errors.TimeoutError, easypost.errors.HttpError) as exc:
        raise TransientRefusal(f"EasyPost unreachable: {exc.message}") from None
    except easypost.errors.ApiError as exc:
        status = exc.http_status or 0
        refusal = TransientRefusal if status == 429 or status >= 500 else PermanentRefusal
        raise refusal(f"EasyPost {status}: {exc.message}") from None
    return Registered(str(tracker.id))


def _answer(name: str, response: httpx.Response) -> dict[str, object]:
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientRefusal(f"{name} {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        body = {}
    return body if isinstance(body, dict) else {}


async def _post(http: httpx.AsyncClient, name: str, url: str, **kwargs: object) -> httpx.Response:
    try:
        return await http.post(url, timeout=TIMEOUT_SECONDS, **kwargs)  # type: ignore[arg-type]
    except httpx.HTTPError as exc:
        raise TransientRefusal(f"{name} unreachable: {type(exc).__name__}") from None


async def _aftership(
    settings: Settings, http: httpx.AsyncClient, key: str, shipment: Shipment
) -> Registered:
    payload = {"tracking_number": shipment.tracking_number}
    if slug := carrier_codes.AFTERSHIP.get(shipment.carrier):
        payload["slug"] = slug
    url = f"{settings.aftership_api_base}/tracking/{AFTERSHIP_VERSION}/trackings"
    response = await _post(http, "AfterShip", url, json=payload, headers={"as-api-key": key})
    body = _answer("AfterShip", response)
    meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
    code = meta.get("code") if isinstance(meta, dict) else None
    if response.status_code in (200, 201) or code == AFTERSHIP_EXISTS:
        data = body.get("data")
        found = data.get("id", "") if isinstance(data, dict) else ""
        return Registered(str(found or ""))
    message = meta.get("message", "") if isinstance(meta, dict) else ""
    raise PermanentRefusal(f"AfterShip {response.status_code}: {message}".strip())


async def _shippo(
    settings: Settings, http: httpx.AsyncClient, key: str, shipment: Shipment
) -> Registered:
    """Shippo's tracking webhook registration (POST /tracks/); it needs the carrier token."""
    carrier = carrier_codes.SHIPPO.get(shipment.carrier)
    if carrier is None:
        raise PermanentRefusal(f"Shippo has no carrier for {shipment.carrier!r}")
    payload = {"carrier": carrier, "tracking_number": shipment.tracking_number}
    response = await _post(
        http,
        "Shippo",
        f"{settings.shippo_api_base}/tracks/",
        json=payload,
        headers={"Authorization": f"ShippoToken {key}"},
    )
    body = _answer("Shippo", response)
    if response.status_code in (200, 201):
        return Registered(f"{carrier}:{shipment.tracking_number}")
    raise PermanentRefusal(f"Shippo {response.status_code}: {str(body)[:200]}")


async def mark(
    registration: TrackerRegistration,
    state: str,
    *,
    error: str = "",
    external_id: str = "",
) -> None:
    registration.state = state
    registration.attempts += 1
    registration.last_error = error[:255]
    if state == REGISTERED:
        registration.external_id = external_id[:128]
        registration.registered_at = utcnow()
    await registration.save(
        update_fields=[
            "state",
            "attempts",
            "last_error",
            "external_id",
            "registered_at",
            "updated_at",
        ]
    )


async def of_shipment(shipment: Shipment) -> list[TrackerRegistration]:
    """What the agent sees on the parcel: one line per aggregator."""
    return await TrackerRegistration.filter(shipment=shipment).order_by("aggregator")
