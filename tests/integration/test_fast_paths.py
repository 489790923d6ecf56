"""Issue 15: the fast paths write and answer exactly what the plain ones do.

Large documents go to the driver directly (COPY / unnest on PostgreSQL, executemany on
SQLite) and answer with a summary; a one-serial sale and a lookup keep to a small, counted
number of statements. The ``inv`` fixture replays the whole ledger (``check``) after each
test, so a row stored otherwise than its digest was taken over fails it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, select

from builders import snapshot
from serialtrack import Inventory
from serialtrack.adapters.db.bulk import BULK_FROM
from serialtrack.adapters.db.tables import moves, serials
from serialtrack.domain.errors import Conflict
from serialtrack.domain.model import SerialStatus
from serialtrack.services.execution import serial_row
from serialtrack.services.queries import SUMMARY_MOVES

EXPIRY = date(2031, 5, 17)


@pytest.fixture
def shop(inv: Inventory) -> Inventory:
    inv.add_location("Store")
    inv.add_partner("Acme", supplier=True)
    inv.add_partner("Jane", customer=True)
    inv.add_product("PHONE", "Phone", supplier_warranty_days=365)
    return inv


@contextmanager
def statements(inv: Inventory) -> Iterator[list[str]]:
    """The SQL statements ``inv`` sends while the block runs."""
    said: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        said.append(statement)

    engine = inv.store.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield said
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_large_receipt_answers_with_a_summary_and_pages_the_rest(shop: Inventory) -> None:
    codes = [f"S{i:05d}" for i in range(SUMMARY_MOVES + 250)]
    answer = shop.receive(
        supplier="Acme",
        location="Store",
        lines=[{"sku": "PHONE", "serials": codes, "expiry": EXPIRY}],
    )
    assert (len(answer.moves), answer.moves_total) == (SUMMARY_MOVES, len(codes))
    assert answer.moves_next_after == answer.moves[-1].id
    (line,) = answer.lines
    assert (line["quantity"], line["serials_total"]) == (len(codes), len(codes))
    assert line["serials"] == codes[:SUMMARY_MOVES]

    rest = shop.document_moves(answer.number, after_id=answer.moves_next_after)
    assert [m.serial for m in rest] == codes[SUMMARY_MOVES:]
    assert shop.document_moves(answer.number, after_id=rest[-1].id) == []
    whole = shop.document(answer.number)  # the library's read: everything
    assert whole.moves_next_after is None
    assert whole.moves_total == len(codes)
    assert whole.lines[0]["serials"] == codes
    assert whole.lines[0]["serials_total"] == len(codes)
    assert whole.moves[:SUMMARY_MOVES] == answer.moves

    last = shop.serial("PHONE", codes[-1])  # written by the bulk path, read back as typed
    assert (last.status, last.expiry, last.receipt) == (
        SerialStatus.IN_STOCK,
        EXPIRY,
        answer.number,
    )
    assert last.supplier_warranty_until == date.fromordinal(answer.date.toordinal() + 365)

    cancelled = shop.cancel(answer.number)
    assert cancelled.moves_total == 2 * len(codes)
    assert len(cancelled.moves) == SUMMARY_MOVES
    assert shop.serial("PHONE", codes[-1]).status is SerialStatus.RETURNED_TO_SUPPLIER


def test_a_small_document_answers_whole(shop: Inventory) -> None:
    answer = shop.receive(supplier="Acme", location="Store", lines=[("PHONE", ["A1", "A2"])])
    assert (answer.moves_total, answer.moves_next_after) == (2, None)
    assert answer.lines[0]["serials_total"] == 2
    assert shop.document(answer.number, moves_limit=1).moves_next_after == answer.moves[0].id


def test_bulk_and_row_by_row_store_the_same_values(shop: Inventory) -> None:
    one = shop.receive(
        supplier="Acme",
        location="Store",
        lines=[{"sku": "PHONE", "serials": ["ONE"], "expiry": EXPIRY}],
    )
    many = shop.receive(
        supplier="Acme", location="Store",
        lines=[{"sku": "PHONE", "serials": [f"M{i}" for i in range(BULK_FROM)], "expiry": EXPIRY}],
    )  # fmt: skip
    with shop.store.transaction(write=False) as tx:
        c = tx.connection
        stored = {
            document.number: c.execute(
                select(serials.c.expiry, serials.c.created_at, moves.c.at, moves.c.reversal)
                .join(moves, moves.c.serial_id == serials.c.id)
                .where(moves.c.document_id == document.id)
                .limit(1)
            ).one()
            for document in (one, many)
        }
        if c.dialect.name == "sqlite":  # the text SQLite holds is the same shape both ways
            raw = {
                document.number: c.exec_driver_sql(
                    "SELECT s.expiry, s.created_at, m.at, m.reversal FROM serials s JOIN moves m"
                    " ON m.serial_id = s.id WHERE m.document_id = ? LIMIT 1",
                    (document.id,),
                ).one()
                for document in (one, many)
            }
            assert [len(str(v)) for v in raw[one.number]] == [len(str(v)) for v in raw[many.number]]
    assert stored[one.number].expiry == stored[many.number].expiry == EXPIRY
    assert stored[one.number].reversal is stored[many.number].reversal is False


def test_the_bulk_insert_skips_a_code_created_meanwhile(shop: Inventory) -> None:
    shop.receive(supplier="Acme", location="Store", lines=[("PHONE", ["TAKEN"])])
    codes = ["TAKEN", *(f"NEW{i}" for i in range(BULK_FROM))]
    product = shop.product("PHONE")
    location = shop.location("Store")
    document = shop.receive(supplier="Acme", location="Store", lines=[("PHONE", ["X"])])

    class Undo(Exception):
        pass

    ids: dict[str, int] = {}
    try:
        with shop.store.transaction() as tx:
            rows = [
                serial_row(product.id, code, location_id=location.id,
                           status=SerialStatus.IN_STOCK, document_id=document.id,
                           now=document.moves[0].at.replace(tzinfo=None))
                for code in codes
            ]  # fmt: skip
            ids = tx.ledger.insert_serials(rows)
            raise Undo  # the rows would be serials no move brought in: rolled back
    except Undo:
        pass
    assert set(ids) == {c.casefold() for c in codes[1:]}
    assert len(set(ids.values())) == BULK_FROM
    assert shop.serial("PHONE", "TAKEN").receipt is not None


def test_a_one_serial_sale_and_a_lookup_keep_to_few_statements(shop: Inventory) -> None:
    """The statement budget of the hot paths (bench/README.md): a regression that adds a
    round trip to every sale or lookup fails here, not only in a benchmark run."""
    shop.receive(supplier="Acme", location="Store", lines=[("PHONE", ["P1", "P2", "P3"])])
    shop.sell(customer="Jane", location="Store", lines=[("PHONE", ["P1"])])  # warm caches
    with statements(shop) as sale:
        sold = shop.sell(customer="Jane", location="Store", lines=[("PHONE", ["P2"])])
    with statements(shop) as lookup:
        seen = shop.serial("PHONE", "P2")
    # SQLite sends its BEGIN as a statement; psycopg opens the transaction itself.
    begin = 1 if shop.store.engine.dialect.name == "sqlite" else 0
    assert len(sale) <= 14 + begin, "\n".join(sale)
    assert len(lookup) <= 5 + begin, "\n".join(lookup)
    # What the fast paths answer is what a fresh read says.
    assert sold == shop.document(sold.number)
    assert seen.sale == sold.number
    assert seen.customer == "Jane"
    assert [m.document_number for m in seen.history][-1] == sold.number


def test_a_large_cancel_names_exactly_the_serials_that_moved_on(shop: Inventory) -> None:
    """The cancel's check reads only serials no longer where the document left them: those
    are named, nothing is written; once they are back, the cancel goes through."""
    shop.add_location("Annex")
    codes = [f"C{i:04d}" for i in range(BULK_FROM + 50)]
    receipt = shop.receive(supplier="Acme", location="Store", lines=[("PHONE", codes)])
    sale = shop.sell(customer="Jane", location="Store", lines=[("PHONE", [codes[7]])])
    moved = shop.transfer(source="Store", destination="Annex", lines=[("PHONE", [codes[201]])])
    # Away and back: in the same store again, but put there by another document.
    away = shop.transfer(source="Store", destination="Annex", lines=[("PHONE", [codes[202]])])
    back = shop.transfer(source="Annex", destination="Store", lines=[("PHONE", [codes[202]])])
    before = snapshot(shop)
    with pytest.raises(Conflict, match="moved on since") as refused:
        shop.cancel(receipt.number)
    assert sorted(p.where for p in refused.value.problems) == [
        f"serials.{codes[7]}",
        f"serials.{codes[201]}",
        f"serials.{codes[202]}",
    ]
    assert snapshot(shop) == before
    for later in (sale, moved, back, away):
        shop.cancel(later.number)
    shop.cancel(receipt.number)
    assert {s["status"] for s in shop.serials(sku="PHONE", limit=1000)} == {"returned_to_supplier"}
