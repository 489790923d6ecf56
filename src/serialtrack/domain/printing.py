"""Printed documents: what the paper a shop hands over says. Pure, no I/O.

A printout is a titled document (a sales slip, a credit note, a delivery note...) with the
shop's name and address, the document number (also as a Code 128, so scanning the paper at
the counter opens the document), a few facts (date, partner, locations, references) and
tables: the products and quantities, each unit's serial (on a sales slip with the date its
warranty ends), each batch with its quantity and expiry, and for a transfer what was received
and what is missing. Renderers (``adapters/printing``) lay it out on pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from serialtrack.domain.model import DocumentKind, DocumentState

TITLES = {
    DocumentKind.OPENING_BALANCE: "Opening balance",
    DocumentKind.RECEIPT: "Goods receipt",
    DocumentKind.PURCHASE_RETURN: "Purchase return (debit note)",
    DocumentKind.SALE: "Sales slip",
    DocumentKind.SALES_RETURN: "Sales return (credit note)",
    DocumentKind.DISPATCH: "Delivery note (transfer)",
    DocumentKind.TRANSFER_RECEIPT: "Transfer receipt",
    DocumentKind.TRANSFER: "Delivery note (transfer)",
    DocumentKind.WRITE_OFF: "Write-off",
    DocumentKind.ADJUSTMENT: "Inventory adjustment",
    DocumentKind.INVENTORY_COUNT: "Count result",
    DocumentKind.SERIAL_ASSIGNMENT: "Serial assignment",
    DocumentKind.ASSEMBLY: "Assembly",
    DocumentKind.DISASSEMBLY: "Disassembly",
    DocumentKind.HOLD: "Hold (quarantine)",
    DocumentKind.RELEASE: "Release from hold",
}
# What the paper is called on a button ("Print slip").
PAPER_NAMES = {
    DocumentKind.SALE: "slip",
    DocumentKind.SALES_RETURN: "credit note",
    DocumentKind.PURCHASE_RETURN: "debit note",
    DocumentKind.DISPATCH: "delivery note",
    DocumentKind.TRANSFER: "delivery note",
    DocumentKind.INVENTORY_COUNT: "count result",
}
# What the partner of each kind is called on paper.
PARTNER_WORDS = {
    DocumentKind.RECEIPT: "Supplier",
    DocumentKind.PURCHASE_RETURN: "Supplier",
    DocumentKind.SALE: "Customer",
    DocumentKind.SALES_RETURN: "Customer",
}
# What the document a kind names as its origin is called.
ORIGIN_WORDS = {
    DocumentKind.SALES_RETURN: "Invoice",
    DocumentKind.PURCHASE_RETURN: "Receipt",
    DocumentKind.TRANSFER_RECEIPT: "Dispatch",
    DocumentKind.RELEASE: "Hold",
}
STAMPS = {DocumentState.DRAFT: "DRAFT", DocumentState.CANCELLED: "CANCELLED"}
NONE = "—"
GUTTER = 0.04  # the share of the width between the groups of a grid


@dataclass(frozen=True)
class Shop:
    """Who hands the paper over: the shop's name and address lines (both may be empty)."""

    name: str = ""
    address: tuple[str, ...] = ()

    @classmethod
    def of(cls, name: str, address: str) -> Shop:
        lines = tuple(line.strip() for line in address.splitlines() if line.strip())
        return cls(name.strip(), lines)


@dataclass(frozen=True)
class Table:
    """A titled table: column titles, their shares of the width, and the rows (text)."""

    heading: str
    columns: tuple[str, ...]
    widths: tuple[float, ...]  # shares of the text width, summing to 1
    rows: tuple[tuple[str, ...], ...]
    empty: str = "none"  # said instead of rows when there are none

    def __post_init__(self) -> None:
        assert len(self.columns) == len(self.widths)
        assert all(len(r) == len(self.columns) for r in self.rows), self.heading


@dataclass(frozen=True)
class Printout:
    """One printed document, ready to lay out."""

    title: str
    number: str
    shop: Shop
    facts: tuple[tuple[str, str], ...]
    tables: tuple[Table, ...]
    footer: str  # who printed it and when
    stamp: str | None = None  # DRAFT or CANCELLED across the top
    barcode: str | None = field(default=None)  # the Code 128 payload: the number

    @property
    def filename(self) -> str:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in self.number)
        return f"{safe or 'document'}.pdf"


def barcode_of(number: str) -> str | None:
    """The number as a Code 128 payload, or None when it is not printable ASCII."""
    return number if number and all(" " <= ch <= "~" for ch in number) else None


def grid(
    items: Iterable[Sequence[str]], per_row: int, heading: str, columns: Sequence[str],
    widths: Sequence[float], *, empty: str = "none",
) -> Table:  # fmt: skip
    """``items`` (each a few cells) packed ``per_row`` to a row, so long lists of serials
    take few pages: the columns repeat ``per_row`` times."""
    cells = [tuple(item) for item in items]
    size = len(columns)
    gap = GUTTER if per_row > 1 else 0.0
    share = [w * (1 - gap * (per_row - 1)) / per_row for w in widths]
    titles: list[str] = []
    shares: list[float] = []
    for group in range(per_row):
        if group:
            titles.append("")
            shares.append(gap)
        titles.extend(columns)
        shares.extend(share)
    rows = []
    for start in range(0, len(cells), per_row):
        row: list[str] = []
        for group in range(per_row):
            if group:
                row.append("")
            at = start + group
            row.extend(cells[at] if at < len(cells) else [""] * size)
        rows.append(tuple(row))
    return Table(heading, tuple(titles), tuple(shares), tuple(rows), empty)


def quantity_text(quantity: int | float | None, unit: str = "") -> str:
    if quantity is None:
        return NONE
    text = f"{quantity:g}" if isinstance(quantity, float) else str(quantity)
    return f"{text} {unit}".strip()
