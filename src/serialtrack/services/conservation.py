"""Nothing comes back that never went out; no stock is taken before it arrived.

Checked inside the posting (or cancelling) transaction, after the document's moves are written,
so the numbers include it: a sales return never brings back more of a product or batch than
the invoice delivered minus what already came back against it, nor more than that customer
holds in total (walk-in customers are one customer); a purchase return likewise against its
receipt and its supplier. And stock at a store or in transit, replayed in the order of the
documents' dates, never goes below zero: a back-dated sale can't take what came in later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.errors import Conflict, Problem
from serialtrack.domain.model import DocumentKind, LocationKind, Partner

# A return kind -> the kind whose deliveries it takes back.
RETURNS = {
    DocumentKind.SALES_RETURN: DocumentKind.SALE,
    DocumentKind.PURCHASE_RETURN: DocumentKind.RECEIPT,
}
# A delivering kind -> its return kind (cancelling a delivery takes from its partner too).
DELIVERIES = {out: back for back, out in RETURNS.items()}
COUNTED = tuple(k for k in LocationKind if k.holds_stock)
ALLOW_NEGATIVE_STOCK = "allow_negative_stock"


def hold(tx: Tx, kind: DocumentKind, partner: Partner | None, from_id: int, to_id: int) -> None:
    """Lock the partner (or walk-in location) whose holdings a return or a cancelled
    delivery changes, until commit; a no-op for other kinds."""
    if kind in RETURNS:
        tx.ledger.hold_partner(partner.id if partner else None, from_id)
    elif kind in DELIVERIES:
        tx.ledger.hold_partner(partner.id if partner else None, to_id)


def check_posting(tx: Tx, document: Mapping[str, Any]) -> None:
    """Refuse the document just posted if it returns more than its partner or origin holds,
    or if it leaves a store short on some day between its date and today."""
    kind = DocumentKind(document["kind"])
    moved = tx.ledger.quantity_moves(document["id"])
    if not moved:
        return
    if kind in RETURNS:
        _within_holdings(tx, document, RETURNS[kind], kind, moved, returning=True)
    _dated(tx, document, [(m.product_id, m.batch_id, m.from_location_id) for m in moved])


def check_cancel(tx: Tx, document: Mapping[str, Any], moved: Sequence[Any]) -> None:
    """After a cancel: the partner still holds no less than zero of what it delivered, and no
    store is short on any day since the document's date."""
    if not moved:
        return
    kind = DocumentKind(document["kind"])
    if kind in DELIVERIES:
        _within_holdings(tx, document, kind, DELIVERIES[kind], moved, returning=False)
    _dated(tx, document, [(m.product_id, m.batch_id, m.to_location_id) for m in moved])


def _within_holdings(
    tx: Tx,
    document: Mapping[str, Any],
    out_kind: DocumentKind,
    back_kind: DocumentKind,
    moved: Sequence[Any],
    *,
    returning: bool,
) -> None:
    partner_id = document["partner_id"]
    partner_side = document["from_location_id" if returning else "to_location_id"]
    tx.ledger.hold_partner(partner_id, partner_side)
    products = sorted({m.product_id for m in moved})
    touched = {(m.product_id, m.batch_id) for m in moved}
    who = tx.catalog.partner(partner_id).name if partner_id else _walk_in(out_kind)
    problems: list[Problem] = []
    held = tx.ledger.holdings(
        out_kind, back_kind, by="partner", owner=partner_id, product_ids=products
    )
    problems += _short(tx, held, touched, who, out_kind)
    origin = document["origin_document_id"] if returning else None
    if origin is not None:
        number = tx.documents.number_of(origin)
        held = tx.ledger.holdings(
            out_kind, back_kind, by="origin", owner=origin, product_ids=products
        )
        problems += _short(tx, held, touched, number, out_kind)
    if problems:
        if returning:
            message = (
                f"{document['number']} returns more than {_went(out_kind)}; nothing was posted"
            )
        else:
            message = (
                f"{document['number']} cannot be cancelled: {who} already returned part of what "
                "it delivered"
            )
        raise Conflict(message, problems)


def _short(
    tx: Tx,
    held: Mapping[tuple[int, int | None], tuple[int, int]],
    touched: Iterable[tuple[int, int | None]],
    who: str,
    out_kind: DocumentKind,
) -> list[Problem]:
    problems = []
    verb = "sold" if out_kind is DocumentKind.SALE else "received"
    for product_id, batch_id in sorted(touched, key=lambda k: (k[0], k[1] or 0)):
        out, back = held.get((product_id, batch_id), (0, 0))
        if back > out:
            what = _goods(tx, product_id, batch_id)
            problems.append(
                Problem(
                    what,
                    f"{what}: {who}: {out} {verb}, {back} returned with this document — "
                    f"{back - out} more than {verb}",
                    "quantity",
                )
            )
    return problems


def _dated(
    tx: Tx, document: Mapping[str, Any], taken: Iterable[tuple[int, int | None, int]]
) -> None:
    """Stock each decreased store or transit had on every day from the document's date on."""
    if tx.catalog.setting(ALLOW_NEGATIVE_STOCK) == "true":
        return
    on: date = document["date"]
    problems = []
    for product_id, batch_id, location_id in sorted(
        set(taken), key=lambda k: (k[0], k[1] or 0, k[2])
    ):
        location = tx.catalog.location(location_id)
        if location.kind not in COUNTED:
            continue
        later = tx.ledger.later_nets(product_id, batch_id, location_id, on)
        if not later:
            continue
        now = (
            tx.ledger.batch_quantity_at(batch_id, location_id)
            if batch_id is not None
            else tx.ledger.quantity_at(product_id, location_id)
        )
        balance, day = now - sum(net for _, net in later), on
        short = balance < 0
        for when, net in later:
            if short:
                break
            balance += net
            day, short = when, balance < 0
        if short:
            what = _goods(tx, product_id, batch_id)
            problems.append(
                Problem(
                    what,
                    f"{what} at {location.name}: {-balance} short on {day} — what this "
                    f"document dated {on} takes came in later",
                    "quantity",
                )
            )
    if problems:
        raise Conflict(
            f"{document['number']} would take stock before it arrived (by document dates)",
            problems,
        )


def _goods(tx: Tx, product_id: int, batch_id: int | None) -> str:
    sku = tx.catalog.product(product_id).sku
    return f"{sku} batch {tx.ledger.batch_code(batch_id)}" if batch_id is not None else sku


def _walk_in(kind: DocumentKind) -> str:
    return "walk-in customers" if kind is DocumentKind.SALE else "unnamed suppliers"


def _went(kind: DocumentKind) -> str:
    return "was sold" if kind is DocumentKind.SALE else "was received"
