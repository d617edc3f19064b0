"""Phone numbers, names, companies and codes as visitors type them."""

from __future__ import annotations

import dataclasses

import pytest

from kiosk.core.config.errors import ValidationError
from kiosk.core.config.i18n import LANGUAGES, catalogue
from kiosk.core.store.records import normalise_phone
from kiosk.core.visits.validation import (
    Phone,
    parse_phone,
    validate_code,
    validate_company,
    validate_name,
)


def error_of(fn, text) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        fn(text)
    return info.value


# -- phone ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        " 138 1234 5678 ",
        "+86 138 1234 5678",
        "+86-13812345678",
        "+8613812345678",
        "0086 138 1234 5678",
        "008613812345678",
        "１３８１２３４５６７８",  # full-width digits from a Chinese keyboard
        "＋８６ １３８ １２３４ ５６７８",
        "138.1234.5678",
    ],
)
def test_mainland_mobiles_in_every_usual_form(text):
    phone = parse_phone(text)
    assert phone == Phone(normalised="13812345678", e164="+8613812345678", mainland=True)
    assert normalise_phone(text) == phone.normalised


@pytest.mark.parametrize("second", "3456789")
def test_every_mainland_mobile_range(second):
    assert parse_phone(f"1{second}012345678").mainland


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("+49 30 1234567", "+49301234567"),
        ("+852 9123 4567", "+85291234567"),
        ("+81-90-1234-5678", "+819012345678"),
        ("+1234567", None),  # 7 digits: too short
        ("+12345678", "+12345678"),  # 8 digits: the shortest accepted
        ("+123456789012345", "+123456789012345"),  # 15: the longest accepted
    ],
)
def test_international_numbers(text, e164):
    if e164 is None:
        assert error_of(parse_phone, text).message_key == "input.phone_international"
        return
    phone = parse_phone(text)
    assert phone.e164 == phone.normalised == e164
    assert not phone.mainland
    assert normalise_phone(text) == phone.normalised


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "input.phone_empty"),
        ("   ", "input.phone_empty"),
        ("abc", "input.phone_chars"),
        ("138 1234 567x", "input.phone_chars"),
        ("138#12345678", "input.phone_chars"),
        ("+", "input.phone_invalid"),
        ("--", "input.phone_invalid"),
        ("12345", "input.phone_mainland"),
        ("1381234567", "input.phone_mainland"),  # 10 digits
        ("138123456789", "input.phone_mainland"),  # 12 digits
        ("23812345678", "input.phone_mainland"),  # does not start with 1
        ("12812345678", "input.phone_mainland"),  # 12x is not a mobile range
        ("8613812345678", "input.phone_mainland"),  # country code without +
        ("+86 12812345678", "input.phone_mainland"),
        ("+86 010 1234 5678", "input.phone_mainland"),  # a landline
        ("0086 2812345678", "input.phone_mainland"),
        ("+0123456789", "input.phone_international"),  # country code 0
        ("+1234567890123456", "input.phone_international"),  # 16 digits
        ("0044 20 7946 0958", "input.phone_international"),  # 00 instead of +
        ("+44 20+7946", "input.phone_chars"),  # a second +
        ("(+86) 138 1234 5678", "input.phone_chars"),  # + must come first
        ("1" * 50, "input.phone_invalid"),
        ("1" * 10_000, "input.phone_invalid"),
        ("١٣٨١٢٣٤٥٦٧٨", "input.phone_chars"),  # Arabic-Indic digits are not accepted
    ],
)
def test_bad_phone_numbers_say_what_is_wrong(text, key):
    err = error_of(parse_phone, text)
    assert err.field == "phone"
    assert err.message_key == key


def test_masked_phone_shows_only_the_ends():
    assert parse_phone("13812345678").masked == "138****5678"
    assert parse_phone("+44 20 7946 0958").masked == "+44******0958"
    assert parse_phone("+12345678").masked == "+12**5678"


def test_phone_is_a_frozen_value():
    phone = parse_phone("13812345678")
    with pytest.raises(dataclasses.FrozenInstanceError):
        phone.normalised = "x"  # type: ignore[misc]


# -- name ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" 李娜 ", "李娜"),
        ("欧阳 娜娜", "欧阳 娜娜"),
        ("Jean-Luc   Picard", "Jean-Luc Picard"),
        ("O'Brien", "O'Brien"),
        ("María José", "María José"),
        ("Мария Иванова", "Мария Иванова"),
        ("محمد علي", "محمد علي"),
        ("김민준", "김민준"),
        ("R2", "R2"),
        ("大卫·米勒", "大卫·米勒"),
        ("Li\tNa\n", "Li Na"),
        ("x" * 60, "x" * 60),
        ("Mari\u0301a", "Mar\u00eda"),  # combining accent composed (NFC)
    ],
)
def test_names_in_any_script(text, expected):
    assert validate_name(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "input.name_empty"),
        ("   \t ", "input.name_empty"),
        ("x" * 61, "input.name_too_long"),
        ("李" * 61, "input.name_too_long"),
        ("x" * 100_000, "input.name_too_long"),
        ("12345", "input.name_no_letters"),
        ("...", "input.name_no_letters"),
        ("- -", "input.name_no_letters"),
        ("李娜😀", "input.name_chars"),
        ("Li\x00Na", "input.name_chars"),
        ("Li\u202eNa", "input.name_chars"),  # right-to-left override
        ("\ud800", "input.name_chars"),  # lone surrogate
    ],
)
def test_bad_names(text, key):
    err = error_of(validate_name, text)
    assert err.field == "name"
    assert err.message_key == key


def test_name_too_long_tells_the_limit():
    err = error_of(validate_name, "x" * 61)
    assert err.params == {"max": 60}


# -- company -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("  ACME   Ltd ", "ACME Ltd"),
        ("360", "360"),
        ("华为技术有限公司", "华为技术有限公司"),
    ],
)
def test_company_is_optional(text, expected):
    assert validate_company(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [("x" * 101, "input.company_too_long"), ("ACME 🚀", "input.company_chars")],
)
def test_bad_companies(text, key):
    err = error_of(validate_company, text)
    assert (err.field, err.message_key) == ("company", key)


# -- code ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ab12", "AB12"),
        (" AB12-cd34 ", "AB12CD34"),
        ("ab12 cd34", "AB12CD34"),
        ("ＡＢ１２", "AB12"),
        ("x" * 16, "X" * 16),
    ],
)
def test_codes(text, expected):
    assert validate_code(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "input.code_empty"),
        (" - ", "input.code_empty"),
        ("abc", "input.code_length"),
        ("x" * 17, "input.code_length"),
        ("x" * 100_000, "input.code_length"),
        ("ab!2", "input.code_chars"),
        ("码码码码", "input.code_chars"),
        ("ÀB12", "input.code_chars"),
    ],
)
def test_bad_codes(text, key):
    err = error_of(validate_code, text)
    assert (err.field, err.message_key) == ("code", key)


# -- messages ------------------------------------------------------------------------------
ALL_KEYS = [
    "input.phone_empty",
    "input.phone_invalid",
    "input.phone_chars",
    "input.phone_mainland",
    "input.phone_international",
    "input.name_empty",
    "input.name_too_long",
    "input.name_no_letters",
    "input.name_chars",
    "input.company_too_long",
    "input.company_chars",
    "input.code_empty",
    "input.code_length",
    "input.code_chars",
]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("key", ALL_KEYS)
def test_every_error_key_has_a_message(lang, key):
    assert catalogue(lang).get(key, "").strip()


def test_the_phone_hint_reads_as_agreed():
    assert catalogue("zh_CN")["input.phone_invalid"] == "请输入11位手机号，或以+开头的国际号码"
    assert (
        catalogue("en")["input.phone_invalid"]
        == "Enter an 11-digit mobile number, or an international number starting with +"
    )
