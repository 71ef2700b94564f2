"""The Starlette app: shopper pages, agent workspace, JSON API and inbound webhooks."""

from starlette.convertors import IntegerConvertor, register_url_convertor

INT4_MAX = 2**31 - 1  # our ids are INTEGER columns


def up_to(limit: int) -> str:
    """A regex for the decimal numbers 0..limit: each digit of `limit` in turn lowered, the
    rest free, or `limit` itself, or any shorter number."""
    digits = str(limit)
    choices = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            choices.append(f"{digits[:i]}[0-{int(digit) - 1}][0-9]{{{len(digits) - i - 1}}}")
    choices.append(digits)
    return "|".join(f"(?:{choice})" for choice in choices)


class IdConvertor(IntegerConvertor):
    """`{name:int}` path parameters match only numbers an id column holds: a longer one is a
    404 like any unknown id, not a 500 from the database (or from int() past 4,300 digits)."""

    regex = f"(?:{up_to(INT4_MAX)})"


# Every route module is imported after this package, so every `:int` route compiles with it.
register_url_convertor("int", IdConvertor())
