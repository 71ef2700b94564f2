"""Many emails in one SendGrid call: messages from the same sender whose texts differ only in
some lines share one content, in which each differing line is a substitution tag; each message
is a personalization with its recipient, subject, headers, our id and its lines for the tags.
SendGrid fills the tags per recipient, so every shopper gets exactly the message rendered for
them. Messages whose lines do not line up, or whose own lines pass SendGrid's 10,000 bytes of
substitutions per personalization, go one by one."""

import secrets
from dataclasses import dataclass

from sendgrid.helpers.mail import CustomArg, Header, Personalization, Substitution, To

from porchlight.channels.base import Outgoing

MAX_PERSONALIZATIONS = 1000  # SendGrid's per call
MAX_SUBSTITUTION_BYTES = 10_000  # SendGrid's per personalization


@dataclass
class Shared:
    """The content the messages share (tags where they differ) and each message's values."""

    text: str
    html: str
    values: list[dict[str, str]]


def _lines_apart(texts: list[str], tag: str, values: list[dict[str, str]]) -> str | None:
    """One text with `tag`+n for each line n that is not the same in all, the lines themselves
    into `values`; None when the texts have different numbers of lines."""
    split = [text.split("\n") for text in texts]
    if len({len(lines) for lines in split}) != 1:
        return None
    shared = []
    for n, versions in enumerate(zip(*split, strict=True)):
        if all(version == versions[0] for version in versions):
            shared.append(versions[0])
            continue
        key = f"{tag}{n}-"
        shared.append(key)
        for own, version in zip(values, versions, strict=True):
            own[key] = version
    return "\n".join(shared)


def shared_content(messages: list[Outgoing]) -> Shared | None:
    """The messages' one content, or None when they cannot share one."""
    nonce = secrets.token_hex(4)  # tags no rendered text contains
    values: list[dict[str, str]] = [{} for _ in messages]
    text = _lines_apart([m.text for m in messages], f"-t{nonce}-", values)
    html = _lines_apart([m.html for m in messages], f"-h{nonce}-", values)
    if text is None or html is None:
        return None
    for own in values:
        if sum(len(k.encode()) + len(v.encode()) for k, v in own.items()) > MAX_SUBSTITUTION_BYTES:
            return None
    return Shared(text, html, values)


def personalization(message: Outgoing, values: dict[str, str]) -> Personalization:
    """One message's part of a shared call: what a single send puts on the whole mail."""
    own = Personalization()
    own.add_to(To(message.to))
    own.subject = message.subject
    for header in unsubscribe_headers(message):
        own.add_header(header)
    if arg := notification_arg(message):
        own.add_custom_arg(arg)
    for key, value in values.items():
        own.add_substitution(Substitution(key, value))
    return own


def unsubscribe_headers(message: Outgoing) -> list[Header]:
    """One-click unsubscribe (RFC 8058). Mail to an agent (an invitation, a test from the
    console) has no list to leave."""
    if not message.unsubscribe_url:
        return []
    return [
        Header("List-Unsubscribe", f"<{message.unsubscribe_url}>"),
        Header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    ]


def notification_arg(message: Outgoing) -> CustomArg | None:
    """Our id, echoed back in SendGrid's event webhooks."""
    if message.reference.isdigit():
        return CustomArg("notification_id", str(int(message.reference)))
    return None
