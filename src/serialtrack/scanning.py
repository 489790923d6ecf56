"""Scans: what a barcode scanner typed, read as a plain code, GS1 data or a GS1 Digital Link.

``parse_scan`` decides the kind from the text alone, so ordinary serials stay plain codes:

- ``digital_link``: an ``http(s)://`` URL such as ``https://id.gs1.org/01/<gtin>/21/<serial>``
  (any domain, ``/10/<batch>`` and ``?17=YYMMDD`` too);
- ``gs1``: an element string with AIs 01 (GTIN), 21 (serial), 10 (batch), 17 (expiry), when it
  contains GS (``\\x1d``, what scanners send for FNC1), starts with a printed ``(01)``-style AI,
  or carries a GS1 symbology identifier (``]C1``, ``]d2``, ``]Q3``, ``]e0``); an EAN/UPC/ITF-14
  symbology identifier (``]E0``...) gives a GTIN alone;
- ``plain``: anything else, e.g. ``SN-0001``, ``AF5-69H`` or ``12345``; ``serial`` is the trimmed
  text. A non-GS1 symbology identifier (``]C0``, ``]Q1``...) is dropped first.

How a caller resolves a scan to product and unit: ``resolve`` finds the product from the GTIN,
or for a plain scan from the text as a GTIN, SKU or barcode; a plain scan that names no product is
a serial code, looked up among the serials (of the product being entered when there is one).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeVar

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.symbology import GS1Symbology, SymbologyIdentifier

from serialtrack.domain.codes import code_problem
from serialtrack.domain.errors import Invalid, Problem
from serialtrack.domain.gtin import gtin_problem, is_gtin, normalize_gtin

ScanKind = Literal["plain", "gs1", "digital_link"]

_GS = "\x1d"
_URL = re.compile(r"https?://", re.IGNORECASE)
_PRINTED_AI = re.compile(r"\(\s*[0-9]{2,4}\s*\)")
_WANTED_AIS = ("01", "21", "10")

P = TypeVar("P")


@dataclass(frozen=True)
class Scan:
    """One scan: the text as received and what it says. ``gtin`` is always 14 digits."""

    raw: str
    gtin: str | None = None
    serial: str | None = None
    batch: str | None = None
    expiry: date | None = None
    kind: ScanKind = "plain"


def parse_scan(raw: str, where: str = "scan") -> Scan:
    """Read one scan; raise ``Invalid`` naming ``where`` and the scan when GS1 data is malformed."""
    if not isinstance(raw, str):
        raise _invalid(where, f"a scan is text, not {type(raw).__name__}")
    text = raw.strip()
    if not text:
        raise _invalid(where, "the scan is empty")
    symbology, body = _symbology(text)
    if _URL.match(body):
        return _digital_link(raw, body, where)
    gs1 = symbology in GS1Symbology.with_gs1_messages()
    if gs1 or _GS in raw:
        return _element_string(raw, body, where)
    if symbology in GS1Symbology.with_gtin():
        return Scan(raw, gtin=_gtin(raw, body, where), kind="gs1")
    if _PRINTED_AI.match(body):
        return _printed(raw, body, where)
    problem = code_problem(body, where)
    if problem:
        raise Invalid("could not read the scan", [problem])
    return Scan(raw, serial=body, kind="plain")


def resolve(
    scan: Scan,
    find_by_gtin: Callable[[str], P | None],
    find_by_code: Callable[[str], P | None],
) -> P | None:
    """The product a scan names, or None.

    ``find_by_gtin`` gets a 14-digit GTIN; ``find_by_code`` gets the scanned text to match a SKU
    or a product barcode. A GS1 scan is resolved by its GTIN only; a plain scan by its text as a
    GTIN when it is a valid one, then as a SKU or barcode.
    """
    if scan.gtin is not None:
        return find_by_gtin(scan.gtin)
    if scan.kind != "plain" or scan.serial is None:
        return None
    if is_gtin(scan.serial):
        product = find_by_gtin(normalize_gtin(scan.serial))
        if product is not None:
            return product
    return find_by_code(scan.serial)


def _symbology(text: str) -> tuple[GS1Symbology | None, str]:
    """The GS1 symbology the scanner announced, if any, and the text after the identifier."""
    if not text.startswith("]") or len(text) < 3:  # an identifier is "]" + code + modifier
        return None, text
    try:
        identifier = SymbologyIdentifier.extract(text)
    except (ParseError, IndexError, ValueError):  # biip reads past a malformed one
        return None, text
    return identifier.gs1_symbology, text[len(identifier.value) :].strip()


def _element_string(raw: str, body: str, where: str) -> Scan:
    try:
        message = GS1Message.parse(body)
    except ParseError as error:
        raise _invalid(where, f"{_show(raw)} is not a valid GS1 element string: {error}") from None
    return _scan(raw, "gs1", message.element_strings, where)


def _printed(raw: str, body: str, where: str) -> Scan:
    try:
        message = GS1Message.parse_hri(body)
    except ParseError as error:
        raise _invalid(where, f"{_show(raw)} is not a valid GS1 element string: {error}") from None
    read = "".join(f"({e.ai.ai}){e.value}" for e in message.element_strings)
    if read != "".join(body.split()):
        raise _invalid(where, f"{_show(raw)} has text outside its (AI) fields")
    return _scan(raw, "gs1", message.element_strings, where)


def _digital_link(raw: str, body: str, where: str) -> Scan:
    try:
        link = GS1DigitalLinkURI.parse(body)
    except ParseError as error:
        raise _invalid(where, f"{_show(raw)} is not a GS1 Digital Link: {error}") from None
    return _scan(raw, "digital_link", link.element_strings, where)


def _scan(raw: str, kind: ScanKind, elements: GS1ElementStrings, where: str) -> Scan:
    values = {e.ai.ai: e for e in reversed(elements)}  # the first of a repeated AI wins
    if not any(ai in values for ai in _WANTED_AIS):
        raise _invalid(where, f"{_show(raw)} holds no GTIN (01), serial (21) or batch (10)")
    gtin = _gtin(raw, values["01"].value, where) if "01" in values else None
    serial = values["21"].value if "21" in values else None
    if serial is not None:
        problem = code_problem(serial, where)
        if problem:
            raise Invalid("could not read the scan", [problem])
    batch = values["10"].value if "10" in values else None
    expiry = values["17"].date if "17" in values else None
    return Scan(raw, gtin=gtin, serial=serial, batch=batch, expiry=expiry, kind=kind)


def _gtin(raw: str, value: str, where: str) -> str:
    problem = gtin_problem(value)
    if problem:
        raise _invalid(where, f"{_show(raw)}: {problem}")
    return normalize_gtin(value)


def _show(raw: str) -> str:
    shown = repr(raw.strip())
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _invalid(where: str, message: str) -> Invalid:
    return Invalid("could not read the scan", [Problem(where, message, "scan")])
