"""Recording WISMO/WISMR contacts (help desk, chatbot, agent, CSV import) so the contact rate
can be measured. A contact with the help desk's own id is stored once, however often it comes."""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field, ValidationError
from tortoise.exceptions import IntegrityError

from porchlight.enums import ContactReason, ExceptionType
from porchlight.insight import kpi_rollup
from porchlight.models import Agent, Brand, Case, Contact, Order
from porchlight.orders.payload import AwareDatetime, Strict
from porchlight.platform.clock import utcnow

Channel = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")]


class OpenCase(Strict):
    """The help desk asks for a case on the order (porchlight.desk.helpdesk)."""

    type: ExceptionType
    tracking_number: str | None = Field(default=None, max_length=64)


class ContactIn(Strict):
    """One contact, as a help desk or chatbot reports it."""

    channel: Channel
    reason: ContactReason
    order_number: str | None = Field(default=None, max_length=64)
    occurred_at: AwareDatetime | None = None
    external_id: str | None = Field(default=None, min_length=1, max_length=128)
    open_case: OpenCase | None = None


async def record_contact(
    brand: Brand,
    data: ContactIn,
    *,
    case: Case | None = None,
    agent: Agent | None = None,
) -> tuple[Contact, bool]:
    """(contact, created). An unknown order number is kept out of the link, not refused: the
    contact still happened and still counts."""
    if data.external_id:
        existing = await Contact.get_or_none(brand=brand, external_id=data.external_id)
        if existing is not None:
            return existing, False
    order = None
    if data.order_number:
        order = await Order.get_or_none(brand=brand, number=data.order_number)
    try:
        contact = await Contact.create(
            brand=brand,
            order=order,
            external_id=data.external_id,
            channel=data.channel,
            reason=data.reason,
            occurred_at=data.occurred_at or utcnow(),
            case=case,
            agent=agent,
        )
    except IntegrityError:  # the same external id, arriving twice at once
        return await Contact.get(brand=brand, external_id=data.external_id), False
    await kpi_rollup.changed(brand.id, contact.occurred_at)
    return contact, True


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


CSV_COLUMNS = ("occurred_at", "channel", "reason", "order_number", "external_id")


def read_csv(lines: Iterator[str]) -> Iterator[tuple[int, ContactIn | RowError]]:
    """Each data row as a contact or the reason it cannot be one (line numbers as in the file)."""
    reader = csv.DictReader(lines)
    missing = {"occurred_at", "channel", "reason"} - set(reader.fieldnames or [])
    if missing:
        yield 1, RowError(1, f"missing columns: {', '.join(sorted(missing))}")
        return
    for row in reader:
        line = reader.line_num
        values: dict[str, Any] = {k: (row.get(k) or "").strip() or None for k in CSV_COLUMNS}
        if values["occurred_at"]:
            try:
                moment = datetime.fromisoformat(values["occurred_at"])
                values["occurred_at"] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            except ValueError:
                yield (
                    line,
                    RowError(line, f"occurred_at: not a date and time: {values['occurred_at']!r}"),
                )
                continue
        else:
            yield line, RowError(line, "occurred_at: required")
            continue
        try:
            yield line, ContactIn.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            yield line, RowError(line, problems)
