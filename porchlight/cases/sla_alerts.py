"""SLA alerts by email, through the configured email channel, each in its recipient's language
(`Agent.locale`, else the brand's default): the owner of a case whose first response is due
within the brand's `sla_warning_minutes`, and the brand's leads once it broke.
Each alert goes once per case: the case is marked in the same UPDATE that claims it, so two
workers never both send, and a send the provider refused for now is unmarked for the next run."""

from datetime import datetime, timedelta

from porchlight.accounts.brand_settings import settings_of
from porchlight.channels import Outgoing, PermanentSendError, TransientSendError, send_once
from porchlight.enums import CaseState, Channel, Role
from porchlight.models import Agent, Brand, Case, Order
from porchlight.platform import i18n
from porchlight.platform.clock import utcnow
from porchlight.platform.settings import Settings
from porchlight.tracking.templating import environment

MAX_WARNING = timedelta(days=1)  # the setting's upper bound
BREACHES_LOOKED_BACK = timedelta(days=1)  # older breaches predate the alerts: no flood on upgrade
BATCH = 500


async def _send(
    settings: Settings, case: Case, folder: str, to: list[Agent], **extra: object
) -> int:
    """One email per recipient, each in their own language (else the brand's default)."""
    brand: Brand = case.brand
    order = await Order.get(id=case.shipment.order_id)  # type: ignore[attr-defined]
    case_url = f"{settings.public_base_url.rstrip('/')}/agent/cases/{case.id}"
    context = {"case": case, "brand": brand, "order": order, "case_url": case_url, **extra}
    sent = 0
    for agent in to:
        env = environment(brand.theme, i18n.supported(agent.locale) or brand.default_locale)
        message = Outgoing(
            reference=f"{folder}-{case.id}-{agent.email}",
            brand_id=brand.id,
            kind=Channel.EMAIL,
            to=agent.email,
            subject=" ".join(env.get_template(f"{folder}/subject.txt").render(context).split()),
            text=env.get_template(f"{folder}/body.txt").render(context).strip(),
            html="",
            sender=brand.email_from or settings.email_from,
            unsubscribe_url=case_url,
            status_callback="",
        )
        try:
            await send_once(Channel.EMAIL, settings, message)
        except PermanentSendError:
            continue  # this address; the others still hear of it
        sent += 1
    return sent


async def _claimed(case: Case, mark: str, now: datetime) -> bool:
    return bool(await Case.filter(id=case.id, **{mark: None}).update(**{mark: now}))


async def send_sla_alerts(settings: Settings) -> tuple[int, int]:
    """(owners warned, breaches reported)."""
    now = utcnow()
    open_unanswered = Case.filter(state=CaseState.OPEN, first_action_at=None).select_related(
        "brand", "owner", "shipment"
    )
    warned = breached = 0
    soon = await open_unanswered.filter(
        owner_id__isnull=False,
        sla_warned_at=None,
        sla_due_at__gt=now,
        sla_due_at__lte=now + MAX_WARNING,
    ).limit(BATCH)
    for case in soon:
        owner = case.owner
        minutes = settings_of(case.brand).sla_warning_minutes
        if owner is None or not minutes or case.sla_due_at - now > timedelta(minutes=minutes):  # type: ignore[operator]
            continue
        if not await _claimed(case, "sla_warned_at", now):
            continue
        left = max(1, int((case.sla_due_at - now).total_seconds() // 60))  # type: ignore[operator]
        try:
            warned += await _send(settings, case, "sla_warning", [owner], minutes=left)
        except TransientSendError:
            await Case.filter(id=case.id).update(sla_warned_at=None)
    broken = await open_unanswered.filter(
        sla_breach_alerted_at=None,
        sla_due_at__lte=now,
        sla_due_at__gt=now - BREACHES_LOOKED_BACK,
    ).limit(BATCH)
    for case in broken:
        if not await _claimed(case, "sla_breach_alerted_at", now):
            continue
        leads = await Agent.filter(
            active=True, role__in=[Role.LEAD, Role.ADMIN], brands__id=case.brand.id
        ).order_by("email")
        try:
            if await _send(settings, case, "sla_breach", leads):
                breached += 1
        except TransientSendError:
            await Case.filter(id=case.id).update(sla_breach_alerted_at=None)
    return warned, breached
