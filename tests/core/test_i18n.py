"""Dutch and English: the catalogue covers every UI string, and the language is chosen sensibly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from nineplus.core import i18n

ROOT = Path(__file__).resolve().parents[2]


def test_every_ui_string_has_a_dutch_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            Path(sys.executable).parent / "pybabel",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "--no-location",
            "-o",
            pot,
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with (i18n.LOCALE_DIR / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {
        m.id for m in catalog if m.id and (m.string if isinstance(m.string, str) else all(m.string))
    }
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"run `python3 dev.py i18n` and translate: {missing[:10]}"


def test_translations_switch_with_the_locale() -> None:
    i18n.begin_request("nl")
    assert i18n.gettext("Journeys") == "Klantreizen"
    i18n.set_locale("en")
    assert i18n.gettext("Journeys") == "Journeys"


def test_accept_language_picks_the_best_supported_language() -> None:
    assert i18n.negotiate("en-GB,en;q=0.9,nl;q=0.8", "nl") == "en"
    assert i18n.negotiate("de-DE,nl;q=0.5,en;q=0.4", "en") == "nl"
    assert i18n.negotiate("fr, de", "nl") == "nl"
    assert i18n.negotiate(None, "en") == "en"
    assert i18n.negotiate("en;q=garbage, nl", "en") == "nl"
