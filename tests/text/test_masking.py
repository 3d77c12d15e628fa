"""Personal data in verbatims is masked before anyone reads them; ordinary numbers and words are not."""

from __future__ import annotations

import pytest

from nineplus.text.masking import iban_valid, mask


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        (
            "Mijn naam is Jan de Vries, mail jan.devries@example.org of bel 06-12345678.",
            "Mijn naam is [naam], mail [e-mail] of bel [telefoon].",
            {"name": 1, "email": 1, "phone": 1},
        ),
        ("Maak het over op NL91 ABNA 0417 1643 00 aub", "Maak het over op [IBAN] aub", {"iban": 1}),
        ("Mevrouw Bakker hielp me goed.", "Mevrouw [naam] hielp me goed.", {"name": 1}),
        ("Ons adres: 1234 AB 56, kom gerust", "Ons adres: [adres], kom gerust", {"postcode": 1}),
        ("postcode 3511AB, huisnummer 12", "postcode [adres]", {"postcode": 1}),
        ("Bel +31 20 123 4567 of 0031 6 1234 5678", "Bel [telefoon] of [telefoon]", {"phone": 2}),
    ],
)
def test_dutch_personal_data_is_masked(text: str, expected: str, kinds: dict[str, int]) -> None:
    masked = mask(text, "nl")
    assert masked.text == expected
    assert dict(masked.found) == kinds


def test_english_placeholders_and_titles() -> None:
    masked = mask("My name is Sarah Jones; Mr Patel called me on +44 20 7946 0958.", "en")
    assert masked.text == "My name is [name]; Mr [name] called me on [phone]."


@pytest.mark.parametrize(
    "text",
    [
        "ik ben erg boos over de rente",  # a capitalised name only
        "order NL12345678901234 was late",  # fails the IBAN check: an order number, not an account
        "3 weken gewacht, 10 van de 10 keer mis",
        "postcode 1000 SS bestaat niet",  # SA, SD and SS are not used in Dutch postcodes
        "De app gaf foutcode 2024-11",
        "Ik betaal 1.250 euro per maand",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert mask(text, "nl").text == text


def test_names_the_caller_knows_are_masked_wherever_they_occur() -> None:
    masked = mask("pieter was top, echt Pieter bedankt. Pietersen niet.", "nl", names=["Pieter"])
    assert masked.text == "[naam] was top, echt [naam] bedankt. Pietersen niet."


def test_the_iban_check_digits() -> None:
    assert iban_valid("NL91ABNA0417164300")
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_valid("NL92ABNA0417164300")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mevrouw Ayşe Demir hielp me", "mevrouw [naam] hielp me"),
        ("meneer Özdemir en Mr. O'Brien", "meneer [naam] en Mr. [naam]"),
        ("meneer Van den Berg belde", "meneer [naam] belde"),
        ("bel (020) 123 4567 of 06 - 12 34 56 78", "bel [telefoon] of [telefoon]"),
        ("mijn BSN is 111222333", "mijn BSN is [BSN]"),  # passes the eleven-test
    ],
)
def test_names_in_any_script_phone_layouts_and_the_bsn(text: str, expected: str) -> None:
    assert mask(text, "nl").text == expected


@pytest.mark.parametrize("text", ["geboren op 12-03-1980", "op 12 maart 2026 om 10:30", "order 123456789"])
def test_dates_times_and_other_numbers_stay(text: str) -> None:
    assert mask(text, "nl").text == text


def test_a_known_name_s_parts_are_masked_where_written_as_a_name() -> None:
    assert mask("Ruben was top, de jansen-achtige aanpak", "nl", ["Ruben Jansen"]).text == (
        "[naam] was top, de jansen-achtige aanpak"
    )
