"""A help desk's ticket and a carrier's signal meet in one queue: a contact reported through the
API that asks for a case (`open_case`) opens or joins one on the order's parcel, and a contact
about an order that already has an open case joins the most urgent of them."""

from porchlight.cases.cases import open_or_join
from porchlight.enums import CaseSource, CaseState
from porchlight.insight.contacts import ContactIn, record_contact
from porchlight.models import Brand, Case, CaseEntry, Contact, Shipment


async def contact_and_case(brand: Brand, data: ContactIn) -> tuple[Contact, bool, Case | None]:
    """(contact, created, the case it joined or opened). A contact sent again (same
    external_id) changes nothing and answers with the case it joined the first time."""
    contact, created = await record_contact(brand, data)
    if not created or contact.order_id is None:  # type: ignore[attr-defined]
        case_id = contact.case_id  # type: ignore[attr-defined]
        return contact, created, await Case.get_or_none(id=case_id) if case_id else None
    parcels = await Shipment.filter(order_id=contact.order_id).order_by("id")  # type: ignore[attr-defined]
    signal = {"contact": contact.id, "channel": contact.channel, "ticket": contact.external_id}
    case: Case | None = None
    if data.open_case is not None:
        wanted = (data.open_case.tracking_number or "").replace(" ", "").upper()
        chosen = [p for p in parcels if p.tracking_number == wanted] or parcels[:1]
        if chosen:
            case, _ = await open_or_join(
                chosen[0], data.open_case.type, CaseSource.HELPDESK, contact.channel, data=signal
            )
    else:
        case = (
            await Case.filter(shipment_id__in=[p.id for p in parcels], state=CaseState.OPEN)
            .order_by("next_due_at", "id")
            .first()
        )
        if case is not None:
            await CaseEntry.create(
                case=case,
                kind=f"signal:{CaseSource.HELPDESK.value}",
                body=contact.channel,
                data=signal,
            )
    if case is not None:
        contact.case = case
        await contact.save(update_fields=["case_id"])
    return contact, created, case
