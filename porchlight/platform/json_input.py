"""Reading JSON from outside: one reader for webhooks and the API, so every door refuses the
same things (invalid JSON, nesting deep enough to exhaust the parser, integers longer than
Python converts (4,300 digits), NUL characters, which PostgreSQL cannot store in text or jsonb)."""

import json
import re
from typing import Any

# Valid JSON can only carry NUL as the escape \u0000 (raw control characters are refused by
# the parser); an escaped backslash before "u0000" is not one.
NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


class BadJson(ValueError):
    pass


def loads(body: bytes) -> Any:
    try:
        text = body.decode()
        data = json.loads(text)
    # ValueError covers JSONDecodeError, UnicodeDecodeError and an over-long integer literal.
    except (ValueError, RecursionError) as exc:
        raise BadJson(f"body is not valid JSON: {exc}") from None
    if "\\u0000" in text and NUL_ESCAPE.search(text):  # the regex costs 100x the plain test
        raise BadJson("body contains a NUL character (\\u0000)")
    return data
