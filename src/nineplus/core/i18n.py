"""UI languages: Babel catalogues, the per-request locale and the gettext callables.

The ``.po`` catalogues in ``nineplus/locale`` are compiled in memory at first use, so no compiled ``.mo``
file has to be kept in the repository or built before a run.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("nl", "en")
LOCALE_NAMES = {"nl": "Nederlands", "en": "English"}
SOURCE_LOCALE = "en"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


class _LocaleBox:
    """A per-request holder: dependencies run in worker threads with copied contexts, so they change
    the box's value rather than the context variable, and every part of the request sees the change."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value


_current: ContextVar[_LocaleBox | None] = ContextVar("nineplus_locale", default=None)


def N_(message: str) -> str:  # noqa: N802 - the conventional name for "mark for translation"
    """Mark a string for extraction; it is translated where it is shown."""
    return message


@cache
def translations(locale: str) -> NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == SOURCE_LOCALE or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def begin_request(locale: str) -> None:
    """Give the current request (or CLI command) its own locale holder."""
    _current.set(_LocaleBox(locale if locale in LOCALES else LOCALES[0]))


def set_locale(locale: str) -> None:
    box = _current.get()
    if box is None:
        begin_request(locale)
    elif locale in LOCALES:
        box.value = locale


def get_locale() -> str:
    box = _current.get()
    return box.value if box is not None else LOCALES[0]


def gettext(message: str, **variables: object) -> str:
    text = translations(get_locale()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(get_locale()).ungettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def negotiate(accept_language: str | None, default: str) -> str:
    """Pick a UI language from an Accept-Language header."""
    if accept_language:
        weighted: list[tuple[float, int, str]] = []
        for index, part in enumerate(accept_language.split(",")):
            tag, _, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            weighted.append((-quality, index, tag.strip().lower()[:2]))
        for _q, _i, lang in sorted(weighted):
            if lang in LOCALES:
                return lang
    return default if default in LOCALES else LOCALES[0]
