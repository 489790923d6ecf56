"""Lots on incoming documents: generated batch codes and the expiry a shelf life gives."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from serialtrack.adapters.db import lots as lots_db
from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import Invalid, Problem
from serialtrack.domain.lots import Rendered, highest_seq, render, wants_code, with_shelf_life
from serialtrack.domain.model import DocumentKind, LineInput, Product, TrackingMode
from serialtrack.domain.rules import KindRule

INCOMING = (DocumentKind.RECEIPT, DocumentKind.OPENING_BALANCE)
_SCAN_MARKS = ("(", "]", "http://", "https://", "HTTP://", "HTTPS://")


def prepare_lines(
    tx: Tx, rule: KindRule, on: date, products: Mapping[str, Product],
    lines: Sequence[LineInput],
) -> tuple[tuple[LineInput, ...], list[Problem]]:  # fmt: skip
    """The lines of a receipt or opening balance dated ``on`` with their batch codes left to
    the product's pattern generated, and the expiry its shelf life gives where none is given.
    Other kinds' lines come back as they are."""
    if rule.kind not in INCOMING:
        return tuple(lines), []
    problems: list[Problem] = []
    given = _given_codes(products, lines)
    ready: list[LineInput] = []
    for index, line in enumerate(lines):
        product = products.get(line.sku) if isinstance(line.sku, str) else None
        if product is None:
            ready.append(line)
            continue
        line = _with_codes(tx, product, line, index, on, given, problems)
        if not product.shelf_life_days:  # nothing to read: most products, most receipts
            ready.append(line)
            continue
        keys = [code_key(b.code) for b in line.batches if isinstance(b.code, str)]
        if isinstance(line.batch, str) and line.batch.strip():
            keys.append(code_key(line.batch))
        known = frozenset(lots_db.known_batches(tx.connection, product.id, keys))
        ready.append(with_shelf_life(product, line, on, known))
    return tuple(ready), problems


def _given_codes(products: Mapping[str, Product], lines: Sequence[LineInput]) -> dict[int, list]:
    """The batch codes the document names itself, per product (a generated one must not
    repeat them)."""
    found: dict[int, list[str]] = {}
    for line in lines:
        product = products.get(line.sku) if isinstance(line.sku, str) else None
        if product is None:
            continue
        codes = [b.code for b in line.batches if not wants_code(b.code)]
        if not wants_code(line.batch):
            codes.append(line.batch)
        found.setdefault(product.id, []).extend(c for c in codes if isinstance(c, str))
    return found


def _with_codes(
    tx: Tx, product: Product, line: LineInput, index: int, on: date,
    given: dict[int, list], problems: list[Problem],
) -> LineInput:  # fmt: skip
    missing = f"line {index + 1}: batch code missing; give one or set the product's batch pattern"
    if product.tracking is TrackingMode.BATCH and line.batches:
        parts = []
        for position, part in enumerate(line.batches):
            if not wants_code(part.code):
                parts.append(part)
            elif product.batch_pattern:
                parts.append(replace(part, code=take(tx, product, on, given.get(product.id))))
            else:
                problems.append(Problem(f"lines[{index}].batches[{position}].code", missing))
                parts.append(part)
        return replace(line, batches=tuple(parts))
    if product.tracking is TrackingMode.SERIAL_BATCH and wants_code(line.batch):
        auto = isinstance(line.batch, str) and line.batch.strip() != ""
        scanned = any(isinstance(s, str) and (s.strip().startswith(_SCAN_MARKS) or "\x1d" in s)
                      for s in line.serials)  # fmt: skip
        if product.batch_pattern and (auto or not scanned):
            return replace(line, batch=take(tx, product, on, given.get(product.id)))
        if auto:
            problems.append(Problem(f"lines[{index}].batch", missing))
    return line


def _counter(product: Product, rendered: Rendered) -> str:
    """The counter's name: per product and rendered prefix and suffix (hashed when long)."""
    shape = f"{code_key(rendered.prefix)}{{seq}}{code_key(rendered.suffix)}"
    name = f"batch:{product.id}:{shape}"
    if len(name) > 80:
        name = f"batch:{product.id}:#{hashlib.sha1(shape.encode()).hexdigest()[:32]}"
    return name


def _highest(tx: Tx, product: Product, rendered: Rendered, extra: Sequence[str] = ()) -> int:
    codes = lots_db.batch_codes(tx.connection, product.id, code_key(rendered.prefix))
    return highest_seq(rendered, [*codes, *extra])


def take(tx: Tx, product: Product, on: date, extra: Sequence[str] | None = None) -> str:
    """The next batch code of ``product``'s pattern for ``on``, taken for good: the counter's
    row lock keeps two transactions from handing out the same one."""
    if not product.batch_pattern:
        raise Invalid(f"{product.sku} has no batch pattern",
                      [Problem("batch_pattern", "set the product's batch pattern")])  # fmt: skip
    rendered = render(product.batch_pattern, product.sku, on)
    highest = _highest(tx, product, rendered, extra or ())
    return rendered.code(tx.catalog.reserve_numbers(_counter(product, rendered), 1,
                                                    at_least=highest + 1))  # fmt: skip


def peek(tx: Tx, product: Product, on: date) -> str:
    """The code ``take`` would give now, without taking it."""
    if not product.batch_pattern:
        raise Invalid(f"{product.sku} has no batch pattern: batch codes are given by hand",
                      [Problem("batch_pattern", "set the product's batch pattern")])  # fmt: skip
    rendered = render(product.batch_pattern, product.sku, on)
    counter = lots_db.counter(tx.connection, _counter(product, rendered)) or 1
    return rendered.code(max(counter, _highest(tx, product, rendered) + 1))
