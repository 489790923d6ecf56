"""Scans: plain codes stay plain; GS1 element strings and Digital Links give GTIN, serial, batch
and expiry; malformed GS1 data is refused naming the scan."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serialtrack.domain.errors import Invalid
from serialtrack.domain.gtin import gtin_check_digit
from serialtrack.scanning import Scan, parse_scan, resolve

GTIN = "09506000134352"
EAN13 = "5901234123457"
GS = "\x1d"


def refusal(raw: str, where: str = "scan") -> str:
    with pytest.raises(Invalid) as caught:
        parse_scan(raw, where)
    (problem,) = caught.value.problems
    assert problem.where == where
    return problem.message


# --- plain codes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "SN-0001",
        "AF5-69H",
        "12345",
        EAN13,
        "0109506000134352",
        "01" + GTIN + "21ABC",
        "(A)12",
        "]",
        "]C",
        "]X",
    ],  # too short for a symbology identifier: plain (found by schemathesis)
)
def test_ordinary_codes_are_plain(code: str) -> None:
    assert parse_scan(code) == Scan(code, serial=code, kind="plain")


def test_a_plain_scan_is_trimmed_but_keeps_its_raw_text() -> None:
    scan = parse_scan("  SN-0001\r\n")
    assert scan.serial == "SN-0001"
    assert scan.raw == "  SN-0001\r\n"
    assert scan.gtin is None
    assert scan.kind == "plain"


def test_a_non_gs1_symbology_identifier_is_dropped() -> None:
    assert parse_scan("]C0SN-0001") == Scan("]C0SN-0001", serial="SN-0001", kind="plain")
    assert parse_scan("]A0AF5-69H").serial == "AF5-69H"


@pytest.mark.parametrize(
    ("raw", "says"),
    [("", "empty"), ("  \n", "empty"), ("SN\x071", "control character"), ("X" * 101, "longer")],
)
def test_unusable_plain_scans_are_refused(raw: str, says: str) -> None:
    assert says in refusal(raw)


def test_a_scan_must_be_text() -> None:
    assert "not bytes" in refusal(b"SN1")  # type: ignore[arg-type]


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9./_-]{0,30}", fullmatch=True))
def test_codes_without_gs1_markers_are_always_plain(code: str) -> None:
    scan = parse_scan(code)
    assert scan.kind == "plain"
    assert scan.serial == code


# --- GS1 element strings -----------------------------------------------------------------


def test_an_element_string_with_group_separators() -> None:
    raw = f"01{GTIN}21SN-1{GS}10LOT7{GS}17261231"
    assert parse_scan(raw) == Scan(
        raw, gtin=GTIN, serial="SN-1", batch="LOT7", expiry=date(2026, 12, 31), kind="gs1"
    )


def test_an_element_string_with_a_gs1_symbology_identifier() -> None:
    for identifier in ("]C1", "]d2", "]Q3", "]e0"):
        scan = parse_scan(f"{identifier}01{GTIN}17260100{GS}21A1")
        assert scan.kind == "gs1"
        assert (scan.gtin, scan.serial) == (GTIN, "A1")
        assert scan.expiry == date(2026, 1, 31)  # day 00 is the month's last day


def test_a_gs1_symbology_identifier_makes_even_a_short_string_gs1() -> None:
    scan = parse_scan(f"]d201{GTIN}")
    assert scan == Scan(f"]d201{GTIN}", gtin=GTIN, kind="gs1")


def test_a_leading_separator_standing_for_fnc1_is_accepted() -> None:
    scan = parse_scan(f"{GS}01{GTIN}21X9")
    assert (scan.kind, scan.gtin, scan.serial) == ("gs1", GTIN, "X9")


def test_the_printed_form_with_parentheses() -> None:
    raw = f"(01){GTIN}(21)SN-1(10)LOT7(17)270228"
    assert parse_scan(raw) == Scan(
        raw, gtin=GTIN, serial="SN-1", batch="LOT7", expiry=date(2027, 2, 28), kind="gs1"
    )
    assert parse_scan(f"(01) {GTIN} (21) SN-1").serial == "SN-1"


def test_a_product_barcode_with_its_symbology_gives_the_gtin_only() -> None:
    assert parse_scan(f"]E0{EAN13}") == Scan(f"]E0{EAN13}", gtin="0" + EAN13, kind="gs1")


def test_a_serial_without_gtin_is_still_read() -> None:
    scan = parse_scan(f"21SN-1{GS}10L1")
    assert (scan.gtin, scan.serial, scan.batch) == (None, "SN-1", "L1")


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (f"0109506000134353{GS}21SN1", "check digit of GTIN 09506000134353 should be 2, not 3"),
        ("(01)09506000134353(21)SN1", "should be 2, not 3"),
        (f"]E0{EAN13[:-1]}8", "should be 7, not 8"),
        (f"01{GTIN}17261301{GS}21A", "not a valid GS1 element string"),
        (f"01{GTIN[:-1]}{GS}21A", "not a valid GS1 element string"),
        ("(01)123(21)A", "not a valid GS1 element string"),
        (f"(01){GTIN}(21)A(B)", "has text outside its (AI) fields"),
        ("(99)FREE", "holds no GTIN (01), serial (21) or batch (10)"),
        (f"SN-1{GS}", "not a valid GS1 element string"),
    ],
)
def test_malformed_gs1_is_refused_naming_the_scan(raw: str, says: str) -> None:
    message = refusal(raw, where="lines[0].scan")
    assert says in message
    assert repr(raw.strip())[:40] in message


# --- GS1 Digital Link --------------------------------------------------------------------


def test_a_digital_link_with_serial() -> None:
    raw = f"https://id.gs1.org/01/{GTIN}/21/SN-1"
    assert parse_scan(raw) == Scan(raw, gtin=GTIN, serial="SN-1", kind="digital_link")


def test_a_digital_link_on_any_domain_with_batch_and_expiry() -> None:
    raw = f"https://example.com/p/01/{GTIN[1:]}/10/LOT%2F7/21/S1?17=260131&utm=x"
    scan = parse_scan(raw)
    assert scan == Scan(
        raw, gtin=GTIN, serial="S1", batch="LOT/7", expiry=date(2026, 1, 31), kind="digital_link"
    )


def test_an_uppercase_digital_link_from_a_qr_code() -> None:
    scan = parse_scan(f"HTTPS://ID.GS1.ORG/01/{GTIN}/21/ABC")
    assert (scan.kind, scan.gtin, scan.serial) == ("digital_link", GTIN, "ABC")


def test_a_digital_link_behind_a_qr_symbology_identifier() -> None:
    scan = parse_scan(f"]Q1https://id.gs1.org/01/{GTIN}")
    assert (scan.kind, scan.gtin, scan.serial) == ("digital_link", GTIN, None)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("https://example.com/s/ABC", "not a GS1 Digital Link"),
        ("https://id.gs1.org/01/09506000134353/21/A", "should be 2, not 3"),
        (f"https://id.gs1.org/01/{GTIN}/21", "not a GS1 Digital Link"),
        (f"https://id.gs1.org/01/{GTIN}/21/A/10/B", "not a GS1 Digital Link"),
        (f"https://id.gs1.org/01/{GTIN}?17=261399", "not a GS1 Digital Link"),
    ],
)
def test_malformed_digital_links_are_refused(raw: str, says: str) -> None:
    assert says in refusal(raw)


# --- round trips -------------------------------------------------------------------------

serials = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9/.-]{0,19}", fullmatch=True)
gtins = (
    st.text(alphabet="0123456789", min_size=13, max_size=13)
    .filter(lambda body: body.strip("0"))  # an all-zero GTIN is refused on purpose
    .map(lambda body: body + str(gtin_check_digit(body)))
)


@given(gtins, serials, st.dates(date(2000, 1, 1), date(2049, 12, 31)))
def test_what_is_encoded_is_read_back(gtin: str, serial: str, expiry: date) -> None:
    yymmdd = expiry.strftime("%y%m%d")
    forms = {
        "gs1": [f"]C101{gtin}17{yymmdd}21{serial}", f"(01){gtin}(17){yymmdd}(21){serial}"],
        "digital_link": [f"https://id.gs1.org/01/{gtin}/21/{quote(serial, safe='')}?17={yymmdd}"],
    }
    for kind, raws in forms.items():
        for raw in raws:
            assert parse_scan(raw) == Scan(raw, gtin, serial, None, expiry, kind)  # type: ignore[arg-type]


# --- resolving ---------------------------------------------------------------------------

PRODUCTS_BY_GTIN = {GTIN: "phone", "0" + EAN13: "tablet"}
PRODUCTS_BY_CODE = {"PHONE": "phone", "4006381333931": "pen"}


def lookup(scan: Scan) -> tuple[str | None, list[str]]:
    asked: list[str] = []

    def by_gtin(gtin: str) -> str | None:
        asked.append(f"gtin {gtin}")
        return PRODUCTS_BY_GTIN.get(gtin)

    def by_code(code: str) -> str | None:
        asked.append(f"code {code}")
        return PRODUCTS_BY_CODE.get(code)

    return resolve(scan, by_gtin, by_code), asked


def test_a_gs1_scan_resolves_by_its_gtin_only() -> None:
    assert lookup(parse_scan(f"(01){GTIN}(21)S1")) == ("phone", [f"gtin {GTIN}"])
    other = "0" + "950600013436" + "9"
    assert lookup(parse_scan(f"(01){other}(21)S1")) == (None, [f"gtin {other}"])


def test_a_plain_scan_that_is_a_gtin_resolves_by_gtin_first() -> None:
    assert lookup(parse_scan(EAN13)) == ("tablet", [f"gtin 0{EAN13}"])


def test_a_plain_scan_falls_back_to_sku_or_barcode() -> None:
    assert lookup(parse_scan("PHONE")) == ("phone", ["code PHONE"])
    assert lookup(parse_scan("4006381333931")) == (
        "pen",
        ["gtin 04006381333931", "code 4006381333931"],
    )


def test_a_plain_serial_names_no_product() -> None:
    assert lookup(parse_scan("SN-0001")) == (None, ["code SN-0001"])


def test_a_gs1_scan_without_gtin_names_no_product() -> None:
    assert lookup(parse_scan(f"21SN-1{GS}10L1")) == (None, [])
