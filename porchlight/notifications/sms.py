"""SMS segment arithmetic: what a message costs, and keeping it in GSM-7 without misspelling."""

from porchlight.platform.i18n import Tone, translations
from porchlight.tracking.status_text import N_

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def segments(text: str) -> int:
    """Parts the network splits the message into (GSM-7: 160/153, UCS-2: 70/67 per part)."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
    else:
        units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
        single, multi = 70, 67
    return 1 if units <= single else -(-units // multi)


# Typographic characters with a GSM-7 twin that looks the same on a phone. Letters are never
# swapped: "reçu" or "está" without its accent is another word or a misspelling.
TYPOGRAPHY = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",  # French no-break spaces belong to pages, not texts
    "\u202f": " ",
}


def to_gsm7(text: str) -> str:
    """Swap typographic characters for their GSM-7 twins: one curly quote would switch the
    whole text to UCS-2 (70 characters a part instead of 160). A word that needs a letter
    GSM-7 lacks keeps it, and the text goes out, and is counted, as UCS-2."""
    return "".join(TYPOGRAPHY.get(ch, ch) for ch in text)


# What we text back to START and HELP; STOP is confirmed by the carrier network itself.
REPLIES = {
    "start": N_("You will get delivery updates by text again. Reply STOP to stop."),
    "help": N_("Delivery updates for your orders. Reply STOP to stop, START to resume."),
}


def reply(keyword: str, locale: str, tone: Tone) -> str:
    """The answer to a START or HELP text in the customer's language; "" for anything else."""
    text = REPLIES.get(keyword)
    return to_gsm7(translations(locale, tone).gettext(text)) if text else ""
