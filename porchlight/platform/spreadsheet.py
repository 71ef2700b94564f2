"""CSV files people open in a spreadsheet: no text cell may start a formula (OWASP, "CSV
Injection"). A retailer's fulfilment node named `=HYPERLINK(...)` would otherwise run as one in
the lead's Excel."""

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula, with a leading `'` (shown as text, the
    quote hidden). Numbers stay numbers: they come from our figures as int/float/Decimal, never
    from text, and `-3.5` written from a float is a negative number, not a formula."""
    if isinstance(value, int | float | Decimal) or value is None:
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """csv.writer whose rows pass through `cell`, with every text cell quoted, so a `;` or a
    line break in one cannot start a new cell in a spreadsheet that splits on it."""

    def __init__(self, out: Any) -> None:
        self._writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(value) for value in row])
