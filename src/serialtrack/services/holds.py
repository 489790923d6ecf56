"""A recall's units still in stock put on hold in the same step, and released again.

Holding is a document (``HD-``, kind ``hold``) per store: its units move from the store into
the virtual "On hold" location (quarantine) with status ``on_hold``, so no sale, transfer,
count or write-off takes them, and every rule of the ledger holds for them as for any move
(conservation, exact cancels, ``check``). A release (``RL-``, managers) brings back what a
hold still has, to the store it came from. What cannot be held is said, not skipped
silently: units at customers, in transit, reserved by a draft, and quantity-only products
(not traced).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import Invalid, Problem
from serialtrack.domain.model import Actor, BatchInput, DocumentKind, LineInput, SerialStatus
from serialtrack.services import documents, queries
from serialtrack.services.header import HeaderInput
from serialtrack.services.recall import RecallRow, RecallView

IN_STOCK = SerialStatus.IN_STOCK.value
ON_HOLD = SerialStatus.ON_HOLD.value


@dataclass(frozen=True)
class HoldPlan:
    """What a recall's hold puts aside: lines per store, and what it leaves, in words."""

    lines: dict[str, list[LineInput]]  # store name -> lines
    units: int  # units and quantities held
    left: tuple[str, ...]  # why some rows are not held ("3 sold to customers: call them")


def plan(tx: Tx, view: RecallView) -> HoldPlan:
    """The hold lines of a recall: every serial and batch part in stock in a store; an
    assembled unit in stock holding a recalled part is held whole."""
    serials: dict[tuple[str, str], list[str]] = defaultdict(list)
    parts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    left: dict[str, int] = defaultdict(int)
    seen_units: set[int] = set()
    for row in view.rows:
        if row.status == IN_STOCK and row.serial:
            serials[(row.location, row.sku)].append(row.serial)
        elif row.status == IN_STOCK and row.batch:
            parts[(row.location, row.sku)][row.batch] += row.quantity
        elif row.status == SerialStatus.ASSEMBLED.value and row.serial:
            unit = _unit_holding(tx, row)
            if unit is None:
                left["inside assembled units not in stock"] += row.quantity
            elif unit[3] not in seen_units:  # one unit may hold several recalled parts
                seen_units.add(unit[3])
                serials[(unit[0], unit[1])].append(unit[2])
        elif row.status == "received":  # quantity-only: not traced to a store
            left["of quantity-only products (not traced: hold them by hand)"] += row.quantity
        elif row.status != ON_HOLD:
            left[_why(row)] += row.quantity
    by_store: dict[str, list[LineInput]] = defaultdict(list)
    for (store, sku), codes in sorted(serials.items()):
        by_store[store].append(LineInput(sku, len(codes), tuple(dict.fromkeys(codes))))
    for (store, sku), batches in sorted(parts.items()):
        given = tuple(BatchInput(code, quantity) for code, quantity in sorted(batches.items()))
        by_store[store].append(LineInput(sku, sum(batches.values()), batches=given))
    units = sum(line.quantity for lines in by_store.values() for line in lines)
    words = tuple(f"{n} {why}" for why, n in sorted(left.items()) if n)
    return HoldPlan(dict(by_store), units, words)


def hold(tx: Tx, actor: Actor, view: RecallView, *, reason: str, now: datetime) -> list[int]:
    """Put the recall's units in stock on hold: one posted hold per store; their ids."""
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("a hold needs a reason", [Problem("reason", "say why (the recall)")])
    found = plan(tx, view)
    if not found.lines:
        raise Invalid(
            "nothing of this recall is in stock to put on hold",
            [Problem("scope", "; ".join(found.left) or "no unit in stock")],
        )
    made = []
    for store, lines in sorted(found.lines.items()):
        header = HeaderInput(DocumentKind.HOLD, location=store, note=reason.strip(),
                             reference=view.scope[:120])  # fmt: skip
        made.append(documents.create(tx, actor, header, lines, post=True, now=now))
    return made


def _unit_holding(tx: Tx, row: RecallRow) -> tuple[str, str, str, int] | None:
    """(store, bundle SKU, unit code, unit id) of the assembled unit in stock holding this
    part; None if it is not in stock."""
    product = tx.catalog.product_by_sku(row.sku)
    serial_id = tx.reads.serial_id(product.id, code_key(row.serial or "")) if product else None
    inside = tx.reads.inside(serial_id) if serial_id is not None else None
    if inside is None:
        return None
    (state,) = tx.ledger.states_by_ids([inside[2]])
    if state.status is not SerialStatus.IN_STOCK:
        return None
    return state.location_name, inside[0], inside[1], inside[2]


def _why(row: RecallRow) -> str:
    return {
        "sold": "with customers (call them)",
        "in_transit": "in transit (hold them when received)",
        "reserved": "reserved by a draft (delete the draft, then hold)",
        "returned_to_supplier": "back with the supplier",
        "written_off": "written off",
    }.get(row.status, row.status.replace("_", " "))


def holding(tx: Tx, actor: Actor, view: RecallView) -> list[str]:
    """The numbers of the holds that hold units or batch parts of this recall."""
    numbers = {r.document for r in view.rows if r.status == ON_HOLD and r.serial and r.document}
    held_batches = {(r.sku, code_key(r.batch)) for r in view.rows
                    if r.status == ON_HOLD and r.batch}  # fmt: skip
    if held_batches:
        for row in queries.on_hold(tx, actor):
            if any((row["sku"], code_key(b["code"])) in held_batches for b in row["batches"]):
                numbers.add(row["number"])
    return sorted(numbers)
