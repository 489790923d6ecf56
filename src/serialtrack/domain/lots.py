"""Lots: batch-code patterns, shelf life and the dates derived from an expiry (plain Python).

A batch pattern such as ``{sku}-{yy}{ww}-{seq:03}`` is rendered with a document's date into a
prefix and a suffix around the sequence number; the next code continues after the highest
number already used between that prefix and suffix. A product's shelf life gives the expiry
of what comes in without one; best-before, removal and alert dates are days before expiry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from serialtrack.domain.codes import code_key
from serialtrack.domain.model import LineInput, Product, TrackingMode

MAX_SHELF_LIFE = 36_500
MAX_PATTERN = 120
AUTO = "auto"  # a batch code given as this word is generated from the pattern
PLACEHOLDERS = ("sku", "yyyy", "yy", "mm", "ww", "dd", "seq")
_PLACEHOLDER = re.compile(r"\{([^{}:]*)(?::([^{}]*))?\}")
_FORMAT = re.compile(r"0?[1-9]")  # {seq:03}: zero-padded to 3 digits; {seq:3} likewise


def pattern_problems(pattern: object) -> list[str]:
    """Why ``pattern`` cannot be a batch pattern (empty when it can)."""
    if not isinstance(pattern, str) or not pattern.strip():
        return ["the batch pattern must be text"]
    if len(pattern) > MAX_PATTERN:
        return [f"the batch pattern is longer than {MAX_PATTERN} characters"]
    problems: list[str] = []
    unknown: list[str] = []
    bad_formats: list[str] = []
    seqs = 0
    for match in _PLACEHOLDER.finditer(pattern):
        name, spec = match[1], match[2]
        if name not in PLACEHOLDERS:
            unknown.append(match[0])
            continue
        seqs += name == "seq"
        if spec is not None and (name == "sku" or not _FORMAT.fullmatch(spec)):
            bad_formats.append(match[0])
    if unknown:
        problems.append(
            f"unknown placeholder{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            "use {sku} {yyyy} {yy} {mm} {ww} {dd} {seq}"
        )
    if bad_formats:
        problems.append(f"{', '.join(bad_formats)}: a format is a digit count such as {{seq:03}}")
    rest = _PLACEHOLDER.sub("", pattern)
    if "{" in rest or "}" in rest:
        problems.append("the batch pattern has an unmatched { or }")
    if seqs == 0:
        problems.append("the batch pattern must contain {seq}, the running number")
    elif seqs > 1:
        problems.append("the batch pattern contains {seq} more than once")
    return problems


@dataclass(frozen=True)
class Rendered:
    """A pattern rendered for one product and day: ``prefix`` + number + ``suffix``."""

    prefix: str
    suffix: str
    width: int  # zero-padded to this many digits (0: as it comes)

    def code(self, seq: int) -> str:
        return f"{self.prefix}{seq:0{self.width}d}{self.suffix}"

    def seq_of(self, code: str) -> int | None:
        """The running number of ``code`` if it is one of this pattern's codes, else None."""
        key, prefix, suffix = code_key(code), code_key(self.prefix), code_key(self.suffix)
        if not (key.startswith(prefix) and key.endswith(suffix)):
            return None
        middle = key[len(prefix) : len(key) - len(suffix)]
        return int(middle) if middle.isascii() and middle.isdigit() else None


def render(pattern: str, sku: str, on: date) -> Rendered:
    """``pattern`` (valid) rendered for ``sku`` on ``on``; {ww} is the ISO week."""
    values = {
        "sku": sku, "yyyy": on.year, "yy": on.year % 100, "mm": on.month,
        "ww": on.isocalendar()[1], "dd": on.day,
    }  # fmt: skip
    natural = {"yyyy": 4, "yy": 2, "mm": 2, "ww": 2, "dd": 2}
    parts: list[str] = []
    width = 0
    at = 0
    before: str | None = None
    for match in _PLACEHOLDER.finditer(pattern):
        parts.append(pattern[at : match.start()])
        at = match.end()
        name, spec = match[1], match[2]
        if name == "seq":
            before, parts = "".join(parts), []
            width = int(spec) if spec else 0
            continue
        if name == "sku":
            parts.append(str(values[name]))
        else:
            digits = int(spec) if spec else natural[name]
            parts.append(f"{values[name]:0{digits}d}")
    parts.append(pattern[at:])
    if before is None:  # no {seq}: refused by pattern_problems
        raise ValueError(f"the batch pattern {pattern!r} has no {{seq}}")
    return Rendered(before, "".join(parts), width)


def highest_seq(rendered: Rendered, codes: list[str]) -> int:
    """The highest running number among ``codes`` made by ``rendered`` (0 when none)."""
    return max((n for c in codes if (n := rendered.seq_of(c)) is not None), default=0)


def wants_code(code: object) -> bool:
    """A batch code left to the pattern: none, blank, or the word "auto"."""
    return code is None or (isinstance(code, str) and code.strip().casefold() in ("", AUTO))


def shelf_life_expiry(product: Product, on: date) -> date | None:
    """The expiry of what comes in on ``on`` without one: ``on`` + the product's shelf life."""
    if not product.shelf_life_days:
        return None
    return on + timedelta(days=product.shelf_life_days)


def with_shelf_life(
    product: Product, line: LineInput, on: date, known: frozenset[str] = frozenset()
) -> LineInput:
    """``line`` of an incoming document dated ``on`` with the expiry its product's shelf life
    gives wherever it has none: the line's (serial, serial+batch) or each batch part's. An
    explicit expiry stays; so does a batch already in the books (``known``: code keys), whose
    expiry is its own."""
    expiry = shelf_life_expiry(product, on)
    if expiry is None:
        return line
    if product.tracking is TrackingMode.BATCH:
        parts = tuple(
            replace(b, expiry=expiry)
            if b.expiry is None and not (isinstance(b.code, str) and code_key(b.code) in known)
            else b
            for b in line.batches
        )
        return replace(line, batches=parts) if parts != line.batches else line
    if product.tracking is TrackingMode.SERIAL_BATCH:
        lot = line.batch
        if isinstance(lot, str) and lot.strip() and code_key(lot) in known:
            return line
    serial = product.tracking in (TrackingMode.SERIAL, TrackingMode.SERIAL_BATCH)
    return replace(line, expiry=expiry) if serial and line.expiry is None else line


@dataclass(frozen=True)
class DerivedDates:
    best_before: date | None
    removal: date | None
    alert: date | None


def _before(expiry: date | None, days: int | None) -> date | None:
    if expiry is None or days is None:
        return None
    try:
        return expiry - timedelta(days=days)
    except OverflowError:
        return date.min


def derived_dates(product: Product, expiry: date | None) -> DerivedDates:
    """Best-before, removal and alert dates: the product's days before ``expiry``."""
    return DerivedDates(
        _before(expiry, product.best_before_days),
        _before(expiry, product.removal_days),
        _before(expiry, product.alert_days),
    )


def removal_date(product: Product, expiry: date | None) -> date | None:
    return _before(expiry, product.removal_days)


def past_removal(product: Product, expiry: date | None, on: date) -> bool:
    """A unit may not be sold from the day after its removal date (expiry - removal days)."""
    removal = removal_date(product, expiry)
    return removal is not None and removal < on


def sellable_from_expiry(product: Product, on: date) -> date:
    """The earliest expiry a unit of ``product`` may have to be sold on ``on`` (neither expired
    nor past its removal date)."""
    return on + timedelta(days=product.removal_days or 0)


def rules_in_words(product: Product) -> list[str]:
    """The product's date rules, as a person reads them."""
    words = []
    if product.shelf_life_days:
        words.append(f"Expires {_days(product.shelf_life_days)} after it is received, unless "
                     "the receipt gives a date.")  # fmt: skip
    for days, what in (
        (product.best_before_days, "Best before"),
        (product.removal_days, "Taken off sale"),
        (product.alert_days, "Alert"),
    ):
        if days is not None:
            words.append(f"{what} {_days(days)} before expiry." if days else
                         f"{what} on the expiry date.")  # fmt: skip
    if product.batch_pattern:
        words.append(f"New batch codes follow {product.batch_pattern}.")
    return words


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"
