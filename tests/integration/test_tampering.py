"""``serialtrack check`` finds every kind of change made to the books behind the ledger's back.

Each tampering below is an SQL statement run on a copy of a real small shop (receipts, sales,
returns, a transfer, a correction, quantities and batches), as someone with database access
might. ``check`` must report each one, in words a shop uses (SKU, serial, document number,
location), never an internal id. On PostgreSQL the ledger's tables refuse such edits outright;
the test shows that first, then lifts the guard (as a superuser could) to test the check too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Connection, text

import serialtrack
from builders import shop
from serialtrack.inventory import Inventory

TODAY = date.today()


@pytest.fixture
def opened() -> Iterator[list[Inventory]]:
    """Inventories a test opens, closed after it."""
    held: list[Inventory] = []
    yield held
    for inv in held:
        inv.close()


def real_shop(url: str, opened: list[Inventory]) -> Inventory:
    inv = shop(serialtrack.open(url))
    opened.append(inv)
    inv.add_product("PILLS", "Pills", "batch")
    inv.receive(
        supplier="Acme",
        location="Store",
        lines=[
            ("PHONE", ["P-001", "P-002", "P-003", "P-004"]),
            ("CABLE", 10),
            {
                "sku": "PILLS",
                "batches": [{"code": "L1", "quantity": 10, "expiry": TODAY + timedelta(days=200)}],
            },
        ],
    )
    inv.sell(
        location="Store",
        customer="Alice",
        lines=[
            ("PHONE", ["P-001", "P-002"]),
            ("CABLE", 5),
            {"sku": "PILLS", "batches": [("L1", 5)]},
        ],
    )
    inv.return_from_customer(location="Store", customer="Alice", lines=[("PHONE", ["P-002"])])
    inv.transfer(source="Store", destination="Warehouse", lines=[("PHONE", ["P-003"])])
    inv.correct_serial("PHONE", "P-004", "P-004X", reason="typo")
    inv.update_partner("Bob", name="Robert")
    assert inv.check() == [], "the shop is clean before any tampering"
    return inv


def sql(*statements: str) -> Callable[[Connection], None]:
    def run(c: Connection) -> None:
        for statement in statements:
            c.execute(text(statement))

    return run


SERIAL = "(SELECT id FROM serials WHERE code = '{}')"
LOCATION = "(SELECT id FROM locations WHERE name = '{}')"
SALE = "(SELECT id FROM documents WHERE kind = 'sale')"

# name: (tampering, a pattern the report must contain)
TAMPERINGS: dict[str, tuple[Callable[[Connection], None], str]] = {
    "serial location changed": (
        sql(
            f"UPDATE serials SET location_id = {LOCATION.format('Warehouse')} WHERE code = 'P-004X'"
        ),
        r"PHONE P-004X is recorded at Warehouse, but its last move \(RC-000001\) took it to Store",
    ),
    "sold serial put back in stock": (
        sql(
            f"UPDATE serials SET location_id = {LOCATION.format('Store')}, status = 'in_stock' "
            "WHERE code = 'P-001'"
        ),
        r"PHONE P-001 is recorded at Store, but its last move \(SO-000001\) took it to Customers",
    ),
    "last move deleted": (
        sql(
            "DELETE FROM moves WHERE id = (SELECT MAX(id) FROM moves WHERE serial_id = "
            + SERIAL.format("P-003")
            + ")"
        ),
        r"ledger entr(y|ies) \d+.* missing",
    ),
    "status changed, same location": (
        sql("UPDATE serials SET status = 'sold' WHERE code = 'P-004X'"),
        r"PHONE P-004X has status sold at Store",
    ),
    "earlier move rewritten": (
        sql(
            f"UPDATE moves SET to_location_id = {LOCATION.format('Warehouse')} "
            f"WHERE serial_id = {SERIAL.format('P-001')} AND document_id = "
            "(SELECT id FROM documents WHERE kind = 'receipt')"
        ),
        r"ledger entry \d+ was changed after it was written: move of PHONE P-001 on RC-000001",
    ),
    "quantity stock +1000": (
        sql(
            "UPDATE quants SET quantity = quantity + 1000 WHERE product_id = "
            f"(SELECT id FROM products WHERE sku = 'CABLE') AND location_id = "
            f"{LOCATION.format('Store')}"
        ),
        r"CABLE at Store: 1005 on hand recorded, the ledger's moves add up to 5",
    ),
    "posted sale marked cancelled": (
        sql("UPDATE documents SET state = 'cancelled' WHERE kind = 'sale'"),
        r"SO-000001 is cancelled, but the ledger says: posted",
    ),
    "serial's product changed": (
        sql(
            "UPDATE serials SET product_id = (SELECT id FROM products WHERE sku = 'CABLE') "
            "WHERE code = 'P-003'"
        ),
        r"CABLE P-003 belongs to CABLE, but the ledger moved it as PHONE",
    ),
    "serial code rewritten": (
        sql("UPDATE serials SET code = 'FAKE-9', code_key = 'fake-9' WHERE code = 'P-003'"),
        r"PHONE FAKE-9: the ledger knows this unit as P-003",
    ),
    "phantom serial": (
        sql(
            "INSERT INTO serials (product_id, code, code_key, location_id, status, created_at) "
            "SELECT product_id, 'GHOST-1', 'ghost-1', location_id, 'in_stock', created_at "
            "FROM serials WHERE code = 'P-004X'"
        ),
        r"PHONE GHOST-1 has no move in the ledger",
    ),
    "move's user rewritten": (
        sql(
            "UPDATE moves SET user_id = (SELECT MAX(id) FROM users) WHERE id = "
            "(SELECT MIN(id) FROM moves WHERE serial_id IS NOT NULL)"
        ),
        r"ledger entry \d+ was changed after it was written: move of PHONE P-001 on RC-000001 "
        r"from Suppliers to Store by clerk",
    ),
    "audit trail wiped": (
        sql("DELETE FROM audit"),
        r"ledger entr(y|ies) \d+.*missing",
    ),
    "whole sale erased, unit put back": (
        sql(
            f"DELETE FROM moves WHERE document_id = {SALE}",
            f"DELETE FROM lines WHERE document_id = {SALE}",
            f"UPDATE serials SET location_id = {LOCATION.format('Store')}, status = 'in_stock', "
            "last_document_id = created_document_id WHERE code IN ('P-001')",
            "UPDATE serials SET last_document_id = created_document_id WHERE last_document_id = "
            f"{SALE}",
            f"DELETE FROM document_events WHERE document_id = {SALE}",
            "DELETE FROM documents WHERE kind = 'sale'",
        ),
        r"ledger entries .*missing|SO-000001",
    ),
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_check_reports_each_tampering_in_words_a_shop_uses(
    db_url: str, name: str, opened: list[Inventory]
) -> None:
    inv = real_shop(db_url, opened)
    inv.add_user("clerk", "clerk", "a-long-password-1")
    tamper, expected = TAMPERINGS[name]
    postgres = inv.store.engine.dialect.name == "postgresql"
    with inv.store.engine.begin() as c:
        if postgres:
            c.execute(text("SET LOCAL session_replication_role = replica"))  # as a superuser
        tamper(c)
    report = inv.check()
    assert report, f"{name}: check saw nothing"
    joined = "\n".join(report)
    assert re.search(expected, joined), f"{name}: {expected!r} not in:\n{joined}"
    assert not re.search(r"\b(serial|location|document|product) \d+\b", joined), joined


def test_postgresql_refuses_to_change_or_remove_ledger_rows(
    postgres_url: str, opened: list[Inventory]
) -> None:
    inv = real_shop(postgres_url, opened)
    for statement in (
        "UPDATE moves SET quantity = 2",
        "DELETE FROM moves",
        "DELETE FROM audit",
        "UPDATE document_events SET number = 'X'",
        "TRUNCATE moves CASCADE",
    ):
        with pytest.raises(Exception, match="append-only"), inv.store.engine.begin() as c:
            c.execute(text(statement))
    assert inv.check() == []


def test_check_runs_from_the_cli_and_exits_non_zero_when_the_books_differ(
    sqlite_url: str, opened: list[Inventory]
) -> None:
    from typer.testing import CliRunner

    from serialtrack.entrypoints.cli import app

    inv = real_shop(sqlite_url, opened)
    runner = CliRunner()
    env = {"SERIALTRACK_DATABASE_URL": sqlite_url}
    clean = runner.invoke(app, ["check"], env=env)
    assert clean.exit_code == 0, clean.output
    with inv.store.engine.begin() as c:
        TAMPERINGS["quantity stock +1000"][0](c)
    dirty = runner.invoke(app, ["check"], env=env)
    assert dirty.exit_code == 1
    assert "CABLE at Store: 1005 on hand recorded" in dirty.output


def test_only_an_admin_may_verify_the_whole_ledger(
    sqlite_url: str, opened: list[Inventory]
) -> None:
    from serialtrack.domain.errors import Forbidden

    inv = real_shop(sqlite_url, opened)
    inv.add_user("boss", "manager", "a-long-password-1")
    with pytest.raises(Forbidden):
        inv.as_user("boss").check()
