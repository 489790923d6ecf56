"""Closing a transfer short: what never arrived leaves "in transit" with a document.

A dispatch's units still on the way either go back to the store that sent them (a transfer
receipt back at the source) or are written off as lost with a reason (a manager's, unless the
shop gives write-offs to clerks). A unit can only be written off from a store, so the lost
ones come back on the books at the source and go out to scrap at once, in the same
transaction, on a write-off that names the transfer and the reason: either both documents
are written or neither. Cancelling them restores exactly, like any document.
"""

from __future__ import annotations

from datetime import date, datetime

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem
from serialtrack.domain.model import Actor, BatchInput, DocumentKind, DocumentState, LineInput
from serialtrack.domain.permissions import Permission, require, require_may
from serialtrack.services import catalog, documents, queries
from serialtrack.services.header import HeaderInput

OUTCOMES = ("back", "write_off")


def close_short(
    tx: Tx, actor: Actor, number: str, *, outcome: str, reason: str | None, day: date | None,
    now: datetime,
) -> list[int]:  # fmt: skip
    """Close dispatch ``number`` short: its units still in transit go ``back`` to its source,
    or are written off (``write_off``, with ``reason``). Returns the documents made."""
    problems: list[Problem] = []
    if outcome not in OUTCOMES:
        problems.append(Problem("outcome", "back (to the source) or write_off (lost)"))
    reason = (reason or "").strip()
    if outcome == "write_off":
        if not reason:
            problems.append(Problem("reason", "say why the units are written off"))
        require_may(actor, Permission.TAKE_OFF_BOOKS,
                    clerks_take_off_books=catalog.clerks_take_off_books(tx))  # fmt: skip
    else:
        require(actor, Permission.POST_DOCUMENT)
    if problems:
        raise Invalid("the transfer cannot be closed so", problems)
    found = tx.documents.by_number(DocumentKind.DISPATCH.value, number.strip())
    if not found:
        raise NotFound(f"no transfer numbered {number.strip()!r}", [Problem("dispatch", number)])
    row = found[0]
    if row["state"] != DocumentState.POSTED.value:
        raise Conflict(f"{row['number']} is {row['state']}; only a posted transfer is closed")
    view = queries.document(tx, actor, row["id"])
    if not view.in_transit:
        raise Conflict(f"nothing of {row['number']} is still in transit: all of it arrived")
    lines = [
        LineInput(r["sku"], r["quantity"], tuple(r["serials"])) if r["serials"] else
        LineInput(r["sku"], r["quantity"],
                  batches=tuple(BatchInput(b["code"], b["quantity"]) for b in r["batches"]))
        for r in view.in_transit
    ]  # fmt: skip
    source = view.from_location
    said = (f"closed short: back to {source}" if outcome == "back"
            else f"closed short: lost in transit ({reason})")  # fmt: skip
    back = HeaderInput(DocumentKind.TRANSFER_RECEIPT, location=source, origin=row["number"],
                       date=day, note=said, back_to_source=True)  # fmt: skip
    made = [documents.create(tx, actor, back, lines, post=True, now=now)]
    if outcome == "write_off":
        lost = HeaderInput(DocumentKind.WRITE_OFF, location=source, date=day,
                           reference=row["number"],
                           note=f"{reason} (lost in transit on {row['number']})")  # fmt: skip
        made.append(documents.create(tx, actor, lost, lines, post=True, now=now))
    return made
