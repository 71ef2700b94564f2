"""The console's sections, in the order the navigation shows them (the URL segment is `key`)."""

from dataclasses import dataclass

from porchlight.platform.i18n import N_


@dataclass(frozen=True)
class Section:
    key: str
    title: str  # translated where shown
    built: bool = True  # False: listed, not linked, until the section's routes exist


NAV = (
    Section("brand", N_("Brand")),
    Section("look", N_("Look")),
    Section("messages", N_("Messages")),
    Section("whatsapp", N_("WhatsApp")),
    Section("operations", N_("Operations")),
    Section("integrations", N_("Integrations")),
    Section("people", N_("People")),
    Section("audit", N_("Audit log")),
)
