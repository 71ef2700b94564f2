"""Every language is complete: catalogs match the code's strings, with nothing left untranslated;
each formal variant covers every shopper-facing string that says "you" informally; French keeps
its typography on the web and "vous" everywhere."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from porchlight.platform.i18n import LOCALES_DIR, SUPPORTED, Tone, french_spacing, translations

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = [lang for lang in SUPPORTED if lang != "en"]

# "You" said informally, and the languages that have a formal variant for it.
INFORMAL = {
    "de": re.compile(r"\b(du|dich|dir|dein\w*)\b", re.IGNORECASE),
    "es": re.compile(r"\b(tú|tu|tus|te|ti|contigo)\b", re.IGNORECASE),
    "nl": re.compile(r"\b(je|jij|jou|jouw)\b", re.IGNORECASE),
}
FRENCH_TU = re.compile(r"\b(tu|toi|ton|ta|tes)\b", re.IGNORECASE)
# Where shoppers read strings: their pages, messages and texts (not the agents' workspace).
SHOPPER_CODE = (
    "portal/shopper/",
    "portal/messaging_hooks.py",
    "portal/csrf.py",
    "portal/body.py",
    "porchlight/notifications/",
    "porchlight/tracking/",
)
SHOPPER_TEMPLATE = re.compile(r"themes/\w+/templates/((notifications|phone_code)/|(?!outbox)\w+\.)")


def msgids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def catalog(lang: str, domain: str = "messages") -> Catalog:
    with (LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def strings(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


@pytest.fixture(scope="module")
def located(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The strings the code and templates use today, extracted the way `make extract` does,
    with where each is used."""
    target = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [
            pybabel,
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-o",
            str(target),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with target.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def fresh_template(located: Catalog) -> set[str]:
    return {key(m) for m in located if m.id}


@pytest.fixture(scope="module")
def shopper_facing(located: Catalog) -> set[str]:
    return {
        key(m)
        for m in located
        if m.id
        and any(
            path.startswith(SHOPPER_CODE) or SHOPPER_TEMPLATE.match(path) for path, _ in m.locations
        )
    }


def test_the_template_catalog_is_not_stale(fresh_template):
    committed = msgids(LOCALES_DIR / "messages.pot")
    assert fresh_template - committed == set(), "new strings: run `make catalogs` and translate"
    assert committed - fresh_template == set(), "strings no longer used: run `make catalogs`"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_string_is_translated_and_none_is_fuzzy(lang, fresh_template):
    path = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    messages = [m for m in catalog if m.id]
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in messages} == fresh_template
    untranslated = [
        m.id for m in messages if not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert untranslated == []
    assert [m.id for m in messages if m.fuzzy] == []
    placeholders = [
        m.id
        for m in messages
        if isinstance(m.id, str) and sorted(_names(m.id)) != sorted(_names(m.string))
    ]
    assert placeholders == [], "a translation lost or renamed a %(placeholder)s"


def _names(text: str) -> list[str]:
    return re.findall(r"%\((\w+)\)s", text)


@pytest.mark.parametrize("lang", sorted(INFORMAL))
def test_the_formal_variant_covers_every_informal_shopper_string(
    lang, fresh_template, shopper_facing
):
    default, formal = catalog(lang), catalog(lang, "formal")
    overrides = {key(m): m for m in formal if m.id}
    assert set(overrides) - fresh_template == set(), "formal strings no longer used"
    assert [k for k, m in overrides.items() if m.fuzzy or not all(strings(m))] == []
    assert [
        k for k, m in overrides.items() if sorted(_names(k)) != sorted(_names(strings(m)[0]))
    ] == [], "a formal translation lost or renamed a %(placeholder)s"
    informal = {
        key(m)
        for m in default
        if m.id and key(m) in shopper_facing and any(INFORMAL[lang].search(s) for s in strings(m))
    }
    assert sorted(informal - set(overrides)) == [], "say these formally in formal.po"
    assert [
        k for k, m in overrides.items() if any(INFORMAL[lang].search(s) for s in strings(m))
    ] == []


def test_a_formal_brand_reads_formal_strings_and_falls_back_to_the_default():
    formal, informal = translations("de", Tone.FORMAL), translations("de", Tone.INFORMAL)
    assert formal.gettext("Confirm your new number") == "Bestätigen Sie Ihre neue Nummer"
    assert informal.gettext("Confirm your new number") == "Bestätige deine neue Nummer"
    assert formal.gettext("Order number") == informal.gettext("Order number") == "Bestellnummer"
    assert formal.ngettext(
        "Your parcel has been delivered.", "All %(num)s parcels have been delivered.", 1
    ) == ("Ihr Paket wurde zugestellt.")
    assert translations("fr", Tone.FORMAL).gettext("Save") == "Enregistrer"  # French: vous always


def test_french_says_vous_everywhere():
    assert [
        key(m) for m in catalog("fr") if m.id and any(FRENCH_TU.search(s) for s in strings(m))
    ] == []


def test_french_pages_get_no_break_spaces_and_texts_plain_ones():
    assert french_spacing("Suivi : « oui » ? non ! 1 000 ; fin") == (
        "Suivi\u00a0: «\u00a0oui\u00a0»\u202f? non\u202f! 1\u202f000\u202f; fin"
    )
    fr = translations("fr")
    assert fr.gettext("What happened?") == "Que s'est-il passé\u202f?"
    assert fr.gettext("Estimated delivery: %(date)s") == "Livraison estimée\u00a0: %(date)s"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_amounts_in_examples_take_the_local_decimal_comma(lang):
    example = translations(lang).gettext("Enter the amount as a number, for example 12.50.")
    assert "12,50" in example and "12.50" not in example
