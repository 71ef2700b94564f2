"""Rendering a notification: one template folder per trigger, in the brand's theme and the
recipient's language (themes/<theme>/templates/notifications/<trigger>/...)."""

from dataclasses import dataclass
from typing import Any

from porchlight.enums import Trigger
from porchlight.notifications.sms import to_gsm7
from porchlight.platform.i18n import Tone
from porchlight.tracking.templating import environment


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


def render_message(
    trigger: Trigger,
    theme: str,
    locale: str,
    context: dict[str, Any],
    tone: Tone = Tone.INFORMAL,
) -> Rendered:
    env = environment(theme, locale, tone)
    folder = f"notifications/{trigger.value}"

    def part(name: str, **extra: Any) -> str:
        return env.get_template(f"{folder}/{name}").render({**context, **extra}).strip()

    subject = " ".join(part("subject.txt").split())
    return Rendered(
        subject=subject,
        text=part("body.txt"),
        html=part("body.html", subject=subject),  # the HTML's <title>
        sms=to_gsm7(" ".join(part("sms.txt").split())),
    )
