"""Counted quantities against the books: the rule for quantity-only and batch products.

A count records, per product (and per batch of a batch product), how many are on the shelf.
A product the count has entries for is counted whole: a batch the books have there that was
not entered counts as 0. A product without any entry was not counted and is left as is (the
count says so). Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from serialtrack.domain.errors import Problem


@dataclass(frozen=True)
class QuantityLine:
    """One product (and batch) of a count: what the books expect, what was counted."""

    product_id: int
    batch: str  # '' for a quantity-only product
    batch_id: int | None
    expected: int
    counted: int | None  # None: not entered
    product_counted: bool  # the product has entries: a batch not entered counts as 0

    @property
    def difference(self) -> int | None:
        """What posting moves (in when positive, out when negative); None: left as is."""
        if not self.product_counted:
            return None
        return (self.counted or 0) - self.expected


def quantity_lines(
    expected: Iterable[Mapping[str, Any]], counted: Iterable[Mapping[str, Any]]
) -> list[QuantityLine]:
    """Lines from what the books hold (product_id, batch_id, batch_code, quantity) and what was
    counted (product_id, batch_code, quantity), by product and batch code."""
    entered = {(c["product_id"], c["batch_code"]): int(c["quantity"]) for c in counted}
    counted_products = {product_id for product_id, _ in entered}
    books = {(e["product_id"], e["batch_code"]): e for e in expected}
    lines = []
    for key in sorted(set(books) | set(entered)):
        book = books.get(key)
        lines.append(
            QuantityLine(
                product_id=key[0],
                batch=key[1],
                batch_id=book["batch_id"] if book else None,
                expected=int(book["quantity"]) if book else 0,
                counted=entered.get(key),
                product_counted=key[0] in counted_products,
            )
        )
    return lines


MAX_QUANTITY = 1_000_000_000


def quantity_problem(value: object, where: str) -> Problem | None:
    """Why a counted quantity is not one: a whole number, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int):
        return Problem(where, f"a whole number is needed, not {value!r}")
    if value < 0:
        return Problem(where, f"{value} is below zero; count what is on the shelf (0 or more)")
    if value > MAX_QUANTITY:
        return Problem(where, f"{value:,} is more than {MAX_QUANTITY:,}")
    return None
