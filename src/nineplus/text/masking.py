"""Masking personal data in a customer's own words before the comment pages show them (quotes, search):
e-mail addresses, phone numbers, IBANs (checked by their mod-97 check digits, so an order number is left
alone), Dutch postcodes with a house number, and names where the text gives them away ("mijn naam is ...",
"mevrouw ...", "Mr ...") or where the caller knows them (the respondent's own name, the organisation's
staff). Each is replaced by a placeholder in the verbatim's language, so a quote stays readable.

Pure: the standard library only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

PLACEHOLDERS = {
    "nl": {"email": "[e-mail]", "phone": "[telefoon]", "iban": "[IBAN]", "postcode": "[adres]",
           "name": "[naam]", "bsn": "[BSN]"},
    "en": {"email": "[e-mail]", "phone": "[phone]", "iban": "[IBAN]", "postcode": "[address]",
           "name": "[name]", "bsn": "[BSN]"},
}  # fmt: skip

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Country code, two check digits, then 11 to 30 letters and digits, in groups of four or not.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
# International (+31 6 1234 5678, +44 20 7946 0958, 0031...), Dutch mobile and landline (06-12345678,
# 020 123 4567, 0201234567): nine or more digits with the usual separators.
_PHONE = re.compile(
    r"(?<![\w+./:-])(?:(?:\+|00)\d{1,3}[ .-]?(?:\(0\))?[ .-]?\d{1,4}|\(?0\d{1,3}\)?)"
    r"(?:\s?[.-]?\s?\d{2,4}){2,4}(?![\w])"
)
# A Dutch citizen service number (BSN): nine digits that pass the eleven-test.
_NINE_DIGITS = re.compile(r"(?<![\d-])\d{9}(?![\d-])")
# A Dutch postcode (four digits, not starting with 0, two letters) with what follows it as an address:
# a house number (with "huisnummer"/"nr" before it, a letter or addition after it).
_POSTCODE = re.compile(
    r"\b[1-9]\d{3}[ ]?(?!SA|SD|SS)[A-Z]{2}\b(?:,?[ ]?(?:huisnummer|huisnr\.?|nr\.?|number|no\.?)?[ ]?\d{1,5}"
    r"(?:[ -]?[A-Za-z]{1,2}\b|-\d{1,4})?)?"
)
_PARTICLES = r"(?:(?i:van|de|der|den|het|ter|ten|te|op|in|'t|von|la|le|du|da|di|el|al|bin|mc|o')\s*){0,3}"
# A capitalised word in any script ("Ayşe", "Özdemir", "Łukasz", "O'Brien").
_NAME_WORD = r"(?:[^\W\d_a-zß-ÿ])[^\W\d_]*(?:['’-][^\W\d_]+)*"
_FULL_NAME = rf"{_NAME_WORD}(?:\s+{_PARTICLES}{_NAME_WORD}){{0,3}}"
# A name announced by the text itself, or a courtesy title before a surname.
# The words before a name are matched in any case, the name itself only capitalised ("ik ben erg boos"
# names nobody).
_INTRODUCED = re.compile(rf"\b(?i:mijn naam is|ik heet|my name is|this is)\s+({_FULL_NAME})")
_TITLED = re.compile(
    rf"\b(?i:mevrouw|mevr\.?|meneer|mnr\.?|dhr\.?|de heer|mw\.?|mr\.?|mrs\.?|ms\.?|miss|dr\.?)\s+"
    rf"({_PARTICLES}{_NAME_WORD}(?:\s+{_NAME_WORD})?)"
)


def _known(names: Iterable[str]) -> list[tuple[str, bool]]:
    """Each known name whole (True), and its parts of three letters or more that are not particles
    (False), longest first (so the whole name is masked before its parts)."""
    found: dict[str, bool] = {}
    particles = {"van", "de", "der", "den", "het", "ter", "ten", "von", "la", "le", "du", "da", "di", "el"}
    for name in names:
        name = (name or "").strip()
        if len(name) > 1:
            found[name] = True
            for part in name.split():
                if len(part) >= 3 and part.lower() not in particles:
                    found.setdefault(part, False)
    return sorted(found.items(), key=lambda item: -len(item[0]))


@dataclass(frozen=True)
class Masked:
    text: str
    found: Counter[str] = field(default_factory=Counter)  # kind -> how many were masked


def iban_valid(candidate: str) -> bool:
    """Whether ``candidate`` (spaces allowed) passes the IBAN mod-97 check."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def bsn_valid(candidate: str) -> bool:
    """Whether nine digits pass the BSN eleven-test."""
    digits = [int(c) for c in candidate]
    return (
        len(digits) == 9
        and sum(d * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True)) % 11 == 0
    )


def mask(text: str, lang: str = "nl", names: Iterable[str] = ()) -> Masked:
    """``text`` with its personal data replaced by placeholders in ``lang`` (nl or en); ``names``: names
    known to belong to people (masked wherever they occur as whole words)."""
    words = PLACEHOLDERS.get(lang, PLACEHOLDERS["en"])
    found: Counter[str] = Counter()

    def replace(kind: str) -> callable:  # type: ignore[valid-type]
        def substitute(match: re.Match[str]) -> str:
            found[kind] += 1
            return words[kind]

        return substitute

    text = _EMAIL.sub(replace("email"), text)

    def iban(match: re.Match[str]) -> str:
        if not iban_valid(match.group(0)):
            return match.group(0)
        found["iban"] += 1
        return words["iban"]

    text = _IBAN.sub(iban, text)

    def bsn(match: re.Match[str]) -> str:
        if not bsn_valid(match.group(0)):
            return match.group(0)
        found["bsn"] += 1
        return words["bsn"]

    text = _NINE_DIGITS.sub(bsn, text)
    text = _POSTCODE.sub(replace("postcode"), text)
    text = _PHONE.sub(replace("phone"), text)

    def named(match: re.Match[str]) -> str:
        found["name"] += 1
        whole, offset = match.group(0), match.start(0)
        return whole[: match.start(1) - offset] + words["name"] + whole[match.end(1) - offset :]

    text = _INTRODUCED.sub(named, text)
    text = _TITLED.sub(named, text)
    for name, whole in _known(names):
        # The whole name in any case; a part of it (a first or last name) only capitalised, as a name.
        flags = re.IGNORECASE if whole else 0
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", flags)
        text, count = pattern.subn(words["name"], text)
        found["name"] += count
    return Masked(text, found)
