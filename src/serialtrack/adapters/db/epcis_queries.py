"""What the EPCIS export reads: the ledger's moves with their document, product, serial, batch
and both locations, in ledger order. Bound parameters only; rows are streamed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Connection, RowMapping, select

from serialtrack.adapters.db.tables import (
    batches,
    documents,
    locations,
    moves,
    partners,
    products,
    serials,
)

STREAM_ROWS = 500


def moves_for_export(
    connection: Connection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    product_id: int | None = None,
) -> Iterator[RowMapping]:
    """Every move with ``since <= at < until`` (of ``product_id``), oldest first: its
    document (kind, number, posting time, origin's kind and number), product (SKU, GTIN,
    unit), serial code (as it was when it moved), batch code (and a serial+batch unit's batch
    and expiry), the name, kind and GLN of both
    locations and the GLN of the document's partner."""
    source = locations.alias("source")
    target = locations.alias("target")
    origin = documents.alias("origin")
    lot = batches.alias("lot")  # a serial+batch unit's batch
    columns = (
        moves.c.id, moves.c.at, moves.c.document_id, moves.c.product_id, moves.c.quantity,
        moves.c.reversal, moves.c.from_location_id, moves.c.to_location_id,
        moves.c.serial_code, serials.c.code.label("current_code"), batches.c.code.label("batch"),
        documents.c.kind, documents.c.number, documents.c.posted_at,
        origin.c.kind.label("origin_kind"), origin.c.number.label("origin_number"),
        products.c.sku, products.c.gtin, products.c.unit,
        source.c.name.label("from_name"), source.c.kind.label("from_kind"),
        source.c.gln.label("from_gln"),
        target.c.name.label("to_name"), target.c.kind.label("to_kind"),
        target.c.gln.label("to_gln"), partners.c.gln.label("partner_gln"),
        lot.c.code.label("unit_batch"), lot.c.expiry.label("unit_expiry"),
    )  # fmt: skip
    query = (
        select(*columns)
        .select_from(moves)
        .join(documents, documents.c.id == moves.c.document_id)
        .join(products, products.c.id == moves.c.product_id)
        .join(source, source.c.id == moves.c.from_location_id)
        .join(target, target.c.id == moves.c.to_location_id)
        .outerjoin(serials, serials.c.id == moves.c.serial_id)
        .outerjoin(batches, batches.c.id == moves.c.batch_id)
        .outerjoin(lot, lot.c.id == serials.c.batch_id)
        .outerjoin(origin, origin.c.id == documents.c.origin_document_id)
        .outerjoin(partners, partners.c.id == documents.c.partner_id)
        .order_by(moves.c.id)
    )
    if since is not None:
        query = query.where(moves.c.at >= since)
    if until is not None:
        query = query.where(moves.c.at < until)
    if product_id is not None:
        query = query.where(moves.c.product_id == product_id)
    result = connection.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(query)
    yield from result.mappings()
