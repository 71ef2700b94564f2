"""Every language is complete: catalogs match the code's strings, with nothing left untranslated."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from porchlight.platform.i18n import LOCALES_DIR, SUPPORTED

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = [lang for lang in SUPPORTED if lang != "en"]


def msgids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The strings the code and templates use today, extracted the way `make extract` does."""
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
            "--no-location",
            "-o",
            str(target),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return msgids(target)


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
    import re

    return re.findall(r"%\((\w+)\)s", text)
