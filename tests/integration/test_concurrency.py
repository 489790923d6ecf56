"""Two clerks, one unit: of two postings that take the same serial at once, exactly one wins.

Threads race real connections (SQLite serializes writers with BEGIN IMMEDIATE; PostgreSQL runs
them truly in parallel). A deterministic test then forces the worst interleaving on PostgreSQL:
another document takes the unit and commits after this sale has checked the serial but before
it moves it, so only the compare-and-set in the UPDATE can catch it.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest

import serialtrack
from builders import codes, race, shop
from serialtrack import Conflict, SerialStatus
from serialtrack.adapters.db.ledger import LedgerRepo

ROUNDS = 15


def test_two_clerks_selling_the_same_unit_one_wins(db_url: str) -> None:
    sn = codes("U", ROUNDS)
    with shop(serialtrack.open(db_url)) as setup:
        setup.receive(supplier="Acme", location="Store", lines=[("PHONE", sn)])
    clerks = [serialtrack.open(db_url), serialtrack.open(db_url)]
    try:
        for code in sn:
            results = race(
                [
                    lambda c=clerk, customer=customer, code=code: c.sell(
                        customer=customer, location="Store", lines=[("PHONE", [code])]
                    )
                    for clerk, customer in zip(clerks, ["Alice", "Bob"], strict=True)
                ]
            )
            losers = [r for r in results if isinstance(r, Exception)]
            assert len(losers) == 1, f"{code}: {results}"
            assert isinstance(losers[0], Conflict), repr(losers[0])
            assert code in str(losers[0].problems) + losers[0].message
        sales = clerks[0].documents(kind="sale", limit=1000)
        assert len(sales) == ROUNDS
        assert all(clerks[0].serial("PHONE", c).status is SerialStatus.SOLD for c in sn)
        assert clerks[0].check() == []
    finally:
        for clerk in clerks:
            clerk.close()


def test_two_receipts_of_the_same_new_code_one_wins(db_url: str) -> None:
    with shop(serialtrack.open(db_url)):
        pass
    clerks = [serialtrack.open(db_url), serialtrack.open(db_url)]
    try:
        for code in codes("NEW", 5):
            results = race(
                [
                    lambda c=clerk, s=supplier, code=code: c.receive(
                        supplier=s, location="Store", lines=[("PHONE", [code])]
                    )
                    for clerk, supplier in zip(clerks, ["Acme", "Globex"], strict=True)
                ]
            )
            losers = [r for r in results if isinstance(r, Exception)]
            assert len(losers) == 1, f"{code}: {results}"
            assert isinstance(losers[0], Conflict), repr(losers[0])
            assert code in str(losers[0].problems) + losers[0].message
        assert len(clerks[0].documents(kind="receipt")) == 5
        assert clerks[0].check() == []
    finally:
        for clerk in clerks:
            clerk.close()


@pytest.mark.postgres
def test_sale_committed_between_check_and_move_is_caught_by_the_cas(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with shop(serialtrack.open(postgres_url)) as setup:
        setup.receive(supplier="Acme", location="Store", lines=[("PHONE", ["RACE-1"])])
    me, other = serialtrack.open(postgres_url), serialtrack.open(postgres_url)
    real_move = LedgerRepo.move_serials
    interleaved: list[Any] = []

    def move_after_the_other_clerk(self: LedgerRepo, *args: Any, **kwargs: Any) -> int:
        if not interleaved:
            interleaved.append(None)
            # another kind, so it does not wait on this sale's document number
            interleaved[0] = other.return_to_supplier(
                supplier="Acme", location="Store", lines=[("PHONE", ["RACE-1"])]
            )
        return real_move(self, *args, **kwargs)

    monkeypatch.setattr(LedgerRepo, "move_serials", move_after_the_other_clerk)
    try:
        with pytest.raises(Conflict) as refused:
            me.sell(customer="Alice", location="Store", lines=[("PHONE", ["RACE-1"])])
        assert "RACE-1" in str(refused.value.problems) + refused.value.message
        monkeypatch.undo()
        unit = me.serial("PHONE", "RACE-1")
        assert (unit.status, unit.holder) == (SerialStatus.RETURNED_TO_SUPPLIER, "Acme")
        assert unit.last_document == interleaved[0].number
        assert me.documents(kind="sale") == []
        assert me.check() == []
    finally:
        me.close()
        other.close()


def _sell_in_process(url: str, customer: str, code: str, start: Any, out: Any) -> None:
    with serialtrack.open(url) as clerk:
        start.wait()
        try:
            clerk.sell(customer=customer, location="Store", lines=[("PHONE", [code])])
            out.put((customer, "sold"))
        except Conflict as error:
            out.put((customer, f"conflict: {error.message} {error.problems}"))


@pytest.mark.postgres
def test_two_processes_selling_the_same_unit_one_wins(postgres_url: str) -> None:
    with shop(serialtrack.open(postgres_url)) as setup:
        setup.receive(supplier="Acme", location="Store", lines=[("PHONE", ["PROC-1"])])
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Barrier(2), ctx.Queue()
    workers = [
        ctx.Process(target=_sell_in_process, args=(postgres_url, name, "PROC-1", start, out))
        for name in ("Alice", "Bob")
    ]
    for worker in workers:
        worker.start()
    results = dict(out.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    outcomes = sorted(v.split(":")[0] for v in results.values())
    assert outcomes == ["conflict", "sold"], results
    assert "PROC-1" in next(v for v in results.values() if v.startswith("conflict"))
    with serialtrack.open(postgres_url) as inv:
        winner = next(k for k, v in results.items() if v == "sold")
        assert inv.serial("PHONE", "PROC-1").holder == winner


@pytest.mark.postgres
def test_a_large_posting_refreshes_planner_statistics(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from serialtrack.services import execution

    monkeypatch.setattr(execution, "LARGE_DOCUMENT", 3)

    def analyzed(inv: serialtrack.Inventory) -> int:
        with inv.store.transaction(write=False) as tx:
            query = (
                "select analyze_count from pg_stat_user_tables"
                " where relname = 'serials' and schemaname = current_schema()"
            )
            return int(tx.connection.exec_driver_sql(query).scalar_one())

    with shop(serialtrack.open(postgres_url)) as inv:
        before = analyzed(inv)
        inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["S1", "S2"])])
        assert analyzed(inv) == before  # small: no ANALYZE
        receipt = inv.receive(supplier="Acme", location="Store", lines=[("PHONE", codes("B", 3))])
        assert analyzed(inv) == before + 1
        inv.cancel(receipt)
        assert analyzed(inv) == before + 2


@pytest.mark.postgres
def test_a_growing_count_refreshes_planner_statistics(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A count's scans compared against a store with stale statistics took 28 s at 30k
    scans (bench/README.md); the statistics are refreshed each time the scans double."""
    from serialtrack.services import counts

    monkeypatch.setattr(counts, "STATISTICS_FROM", 2)

    def analyzed(inv: serialtrack.Inventory) -> int:
        with inv.store.transaction(write=False) as tx:
            query = (
                "select analyze_count from pg_stat_user_tables"
                " where relname = 'count_scans' and schemaname = current_schema()"
            )
            return int(tx.connection.exec_driver_sql(query).scalar_one())

    with shop(serialtrack.open(postgres_url)) as inv:
        count = inv.open_count(location="Store", sku="PHONE")
        before = analyzed(inv)
        inv.count_scan(count, ["C1"])
        assert analyzed(inv) == before  # 1 scan: below the threshold
        inv.count_scan(count, ["C2"])
        assert analyzed(inv) == before + 1  # 2: doubled past the threshold
        inv.count_scan(count, ["C3"])
        assert analyzed(inv) == before + 1  # 3: not doubled
        inv.count_scan(count, ["C4", "C5"])
        assert analyzed(inv) == before + 2  # 5: doubled again


@pytest.mark.postgres
def test_two_products_taking_one_code_at_once_under_global_uniqueness(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both documents pass the service's check; the other one commits first: this one's claim
    on the code is refused by the database and nothing of it is written."""
    with shop(serialtrack.open(postgres_url)) as setup:
        setup.add_product("TAB", "Tablet")
        setup.set_setting("serial_uniqueness", "global")
    me, other = serialtrack.open(postgres_url), serialtrack.open(postgres_url)
    real_insert = LedgerRepo.insert_serials
    interleaved: list[Any] = []

    def insert_after_the_other(self: LedgerRepo, rows: list[dict[str, Any]]) -> dict[str, int]:
        if not interleaved:
            interleaved.append(None)
            # an opening balance: another counter, so it does not wait on this receipt's number
            interleaved[0] = other.opening_balance(location="Store", lines=[("TAB", ["DUO-1"])])
        return real_insert(self, rows)

    monkeypatch.setattr(LedgerRepo, "insert_serials", insert_after_the_other)
    try:
        with pytest.raises(Conflict) as refused:
            me.receive(supplier="Acme", location="Store", lines=[("PHONE", ["DUO-1"])])
        assert "DUO-1" in str(refused.value.problems)
        monkeypatch.undo()
        assert me.serial("TAB", "DUO-1").status is SerialStatus.IN_STOCK
        assert me.serials(sku="PHONE") == []
        assert me.documents(kind="receipt") == []
    finally:
        me.close()
        other.close()
