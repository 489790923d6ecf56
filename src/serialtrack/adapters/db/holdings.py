"""What a partner, or a document, still holds of what it delivered or received.

A customer holds what sales delivered to them minus what sales returns brought back; an invoice
what it delivered minus the returns that name it. Likewise a supplier holds what receipts took
from them minus what purchase returns sent back, and a receipt what it brought in minus the
returns that name it. Quantity and batch lines only: serials are checked one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, false, func, select

from serialtrack.adapters.db.tables import documents, moves
from serialtrack.domain.model import DocumentKind


def holdings_query(
    out_kind: DocumentKind,
    back_kind: DocumentKind,
    *,
    by: str,
    owner: int | None = None,
    any_owner: bool = True,
    product_ids: Sequence[int] | None = None,
) -> Any:
    """Rows ``(owner, product_id, batch_id, out, back)``: per partner (``by="partner"``; a
    partner of None is the walk-in bucket) or per origin document (``by="origin"``).

    ``any_owner=False`` limits the rows to ``owner``. Posted documents only.
    """
    is_out = documents.c.kind == out_kind.value
    delivered = func.sum(case((is_out, moves.c.quantity), else_=0))
    returned = func.sum(case((is_out, 0), else_=moves.c.quantity))
    if by == "partner":
        who = documents.c.partner_id
        which = documents.c.kind.in_([out_kind.value, back_kind.value])
        if not any_owner:
            which &= who.is_(None) if owner is None else who == owner
    else:
        who = case((is_out, documents.c.id), else_=documents.c.origin_document_id)
        which = is_out | (
            (documents.c.kind == back_kind.value) & documents.c.origin_document_id.is_not(None)
        )
        if not any_owner:
            which = (is_out & (documents.c.id == owner)) | (
                (documents.c.kind == back_kind.value) & (documents.c.origin_document_id == owner)
            )
    query = (
        select(
            who.label("owner"),
            moves.c.product_id,
            moves.c.batch_id,
            delivered.label("out"),
            returned.label("back"),
        )
        .join(documents, documents.c.id == moves.c.document_id)
        .where(
            which,
            documents.c.state == "posted",
            moves.c.serial_id.is_(None),
            moves.c.reversal == false(),
        )
        .group_by(who, moves.c.product_id, moves.c.batch_id)
    )
    if product_ids is not None:
        query = query.where(moves.c.product_id.in_(list(product_ids)))
    return query
