"""Issue 15: the hot statements run on the driver and answer exactly as SQLAlchemy would.

``adapters/db/driver.py`` runs a sale's, a lookup's and a token check's statements on the
DBAPI connection, compiled once. Here every statement a day of work sends through it is run
again through ``Connection.execute`` and the two answers compared value by value, type by
type; driver errors must come out as SQLAlchemy's (so a refused write is a ``Conflict`` and
writes nothing), listeners must see the statements, and what the driver path does not handle
must go to SQLAlchemy unchanged. The ``inv`` fixture replays the ledger (``check``) after
each test, so a row stored otherwise than SQLAlchemy stores it fails there.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Select, bindparam, event, insert, select
from sqlalchemy.exc import IntegrityError, StatementError

from serialtrack import Inventory
from serialtrack.adapters.db import driver
from serialtrack.adapters.db.tables import partners, products
from serialtrack.domain.errors import Conflict

EXPIRY = date(2031, 5, 17)
_SKUS = select(products.c.id, products.c.sku).where(products.c.sku.in_(bindparam("skus")))
_PARTNER = select(partners.c.name, partners.c.created_at, partners.c.is_supplier).where(
    partners.c.name == bindparam("name")
)
_ADD_PARTNER = insert(partners)


def _day_of_work(inv: Inventory) -> None:
    inv.add_location("Store")
    inv.add_location("Depot")
    inv.add_partner("Acme", supplier=True)
    inv.add_partner("Jane", customer=True)
    inv.add_product("PHONE", "Phone", supplier_warranty_days=365)
    inv.add_product("GEL", "Gel", "batch")
    inv.receive(
        supplier="Acme",
        location="Store",
        lines=[
            {"sku": "PHONE", "serials": ["P1", "P2", "P3"], "expiry": EXPIRY},
            {"sku": "GEL", "batches": [("G-1", 5)]},
        ],
    )
    token = inv.create_token("admin", "pos")
    pos = inv.via_token(token)
    pos.sell(customer="Jane", location="Store", lines=[("PHONE", ["P1"])])
    pos.sell(customer="Jane", location="Store", lines=[{"sku": "GEL", "batches": [("G-1", 2)]}])
    pos.serial("PHONE", "P1")
    pos.return_from_customer(customer="Jane", location="Store", lines=[("PHONE", ["P1"])])
    inv.transfer(source="Store", destination="Depot", lines=[("PHONE", ["P2"])])
    inv.cancel(pos.sell(customer="Jane", location="Store", lines=[("PHONE", ["P3"])]).number)
    inv.serial("PHONE", "P2")
    inv.serial("PHONE", "P1")


@pytest.fixture
def recorded(inv: Inventory, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    """Every (statement, parameters) that went to the driver during a day of work."""
    calls: list[tuple[Any, dict[str, Any]]] = []
    run = driver._run

    def spy(connection: Any, plan: Any, given: Any) -> Any:
        calls.append((plan.statement, dict(given)))
        return run(connection, plan, given)

    monkeypatch.setattr(driver, "_run", spy)
    _day_of_work(inv)
    return calls


def _typed(rows: Any) -> list[list[tuple[type, Any]]]:
    return [[(type(v), v) for v in row] for row in rows]


def test_every_read_answers_as_sqlalchemy_does(inv: Inventory, recorded: list[Any]) -> None:
    reads = [(s, p) for s, p in recorded if isinstance(s, Select)]
    assert len({id(s) for s, _ in reads}) >= 10  # the sale's, the lookup's, the token's
    compared = 0
    with inv.store.transaction(write=False) as tx:
        for statement, params in reads:
            ours = driver.execute(tx.connection, statement, params)
            theirs = tx.connection.execute(statement, params)
            assert isinstance(ours, driver.Rows)
            keys = list(theirs.keys())
            expected = theirs.all()
            got = ours.all()
            assert _typed(got) == _typed(expected), statement
            for mine, sqlalchemy_row in zip(got, expected, strict=True):
                assert mine._mapping == dict(sqlalchemy_row._mapping)
                assert [getattr(mine, k) for k in keys] == [
                    getattr(sqlalchemy_row, k) for k in keys
                ]
            compared += len(expected)
    assert compared >= 20


def test_the_statements_of_a_sale_a_lookup_and_a_token_go_to_the_driver(
    inv: Inventory, recorded: list[Any]
) -> None:
    sent = " ".join(str(s) for s, _ in recorded)
    for table in ("sequences", "documents", "lines", "moves", "document_events",
                  "ledger_head", "api_tokens", "serial_code_changes"):  # fmt: skip
        assert f"{table}." in sent or f"INTO {table}" in sent, table


def test_a_refused_write_is_sqlalchemys_error_and_writes_nothing(inv: Inventory) -> None:
    inv.add_partner("Acme", supplier=True)
    row = {"name": "Beta", "name_key": "acme", "is_supplier": True, "is_customer": False,
           "active": True, "created_at": inv.clock()}  # fmt: skip
    with inv.store.transaction() as tx, pytest.raises(IntegrityError):
        driver.execute(tx.connection, _ADD_PARTNER, row)
    with pytest.raises(Conflict, match="refused"):  # the second of two is refused
        _add_partners(inv, [{**row, "name_key": "beta"}, {**row, "name": "Gamma"}])
    assert [p.name for p in inv.partners()] == ["Acme"]


def _add_partners(inv: Inventory, rows: list[dict[str, Any]]) -> None:
    with inv.store.transaction() as tx:
        for row in rows:
            driver.execute(tx.connection, _ADD_PARTNER, row)


def test_listeners_see_what_the_driver_runs(inv: Inventory) -> None:
    inv.add_partner("Acme", supplier=True)
    seen: list[tuple[str, Any, str]] = []

    def before(_c: Any, _cur: Any, statement: str, params: Any, _x: Any, _many: bool) -> None:
        seen.append(("before", params, statement))

    def after(_c: Any, _cur: Any, statement: str, params: Any, _x: Any, _many: bool) -> None:
        seen.append(("after", params, statement))

    engine = inv.store.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        with inv.store.transaction(write=False) as tx:
            row = driver.execute(tx.connection, _PARTNER, {"name": "Acme"}).one()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    assert (row.name, row.is_supplier) == ("Acme", True)
    ours = [(when, str(params)) for when, params, sql in seen if "FROM partners" in sql]
    assert [when for when, _ in ours] == ["before", "after"]
    assert "Acme" in ours[0][1]


def test_what_the_driver_does_not_take_goes_to_sqlalchemy(inv: Inventory) -> None:
    inv.add_product("PHONE", "Phone")
    with inv.store.transaction(write=False) as tx:
        c = tx.connection
        assert driver.execute(c, _SKUS, {"skus": []}).all() == []  # an empty IN
        assert [r.sku for r in driver.execute(c, _SKUS, {"skus": ["PHONE", "NONE"]})] == ["PHONE"]
        with pytest.raises(StatementError):  # a value left out: SQLAlchemy says which
            driver.execute(c, _PARTNER, {})

    row = {"is_supplier": True, "is_customer": False, "active": True, "created_at": inv.clock()}
    several = [{**row, "name": n, "name_key": n.lower()} for n in ("Acme", "Beta")]
    with inv.store.transaction() as tx:  # several rows at once: SQLAlchemy's executemany
        assert not isinstance(driver.execute(tx.connection, _ADD_PARTNER, several), driver.Rows)
    assert [p.name for p in inv.partners()] == ["Acme", "Beta"]


def test_a_list_of_any_length_takes_its_own_statement(inv: Inventory) -> None:
    for sku in ("A", "B", "C"):
        inv.add_product(sku, sku)
    with inv.store.transaction(write=False) as tx:
        for asked in (["A"], ["A", "B"], ["C", "B", "A"], ["B"]):
            found = driver.execute(tx.connection, _SKUS, {"skus": asked})
            assert isinstance(found, driver.Rows)
            assert sorted(r.sku for r in found) == sorted(asked)
        long = ["A", "B", *(f"NONE{i}" for i in range(driver.MAX_LIST))]  # a bulk chunk
        plans = len(driver._PLANS)
        found = driver.execute(tx.connection, _SKUS, {"skus": long})
        assert not isinstance(found, driver.Rows)  # SQLAlchemy's, and no plan kept for it
        assert sorted(r.sku for r in found) == ["A", "B"]
        assert len(driver._PLANS) == plans
