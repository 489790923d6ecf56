"""Random sequences of documents and cancellations keep the ledger's promises.

The documents: receipts, opening balances, sales (posted or drafts), sales and purchase
returns, transfers (dispatch, partial or whole receipts, one step), write-offs, inventory
counts, batch receipts, sales and transfers, and serial corrections beside them.

After every step: each serial is in exactly one place and that place is the one the ledger
replay gives; each serial's effective moves form an unbroken chain (so no unit is sold twice
or taken from where it is not); statuses follow from places; quantities match their moves and
are never negative in a store, batch quantities likewise; what is in transit is exactly what
posted dispatches sent and their receipts did not take. At the end, cancelling everything in
reverse returns to empty.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Callable
from itertools import pairwise
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

import serialtrack
from builders import shop, snapshot
from serialtrack import SerialtrackError
from serialtrack.adapters.db.tables import (
    batch_quants,
    documents,
    locations,
    moves,
    quants,
    serials,
)
from serialtrack.domain.model import LocationKind, status_for
from serialtrack.inventory import Inventory

CODES = st.lists(
    st.sampled_from(["A1", "A2", "A3", "B1", "B2", "C1"]), min_size=1, max_size=3, unique=True
)
STORES = st.sampled_from(["Store", "Warehouse"])
SUPPLIERS = st.sampled_from(["Acme", "Globex"])
CUSTOMERS = st.sampled_from(["Alice", "Bob", None])
NEW_CODES = st.sampled_from(["A1", "A2", "B1", "D1", "D2"])  # often taken, on purpose
BATCHES = st.sampled_from(["L1", "L2"])


def other(store: str) -> str:
    return "Warehouse" if store == "Store" else "Store"


def phones_and_cables(codes: list[str], cables: int) -> list[tuple[str, object]]:
    return [("PHONE", codes)] + ([("CABLE", cables)] if cables else [])


class Ledger(RuleBasedStateMachine):
    open_url: ClassVar[Callable[[], tuple[str, Callable[[], None]]]]

    def __init__(self) -> None:
        super().__init__()
        url, self._cleanup = type(self).open_url()  # a database with shop() in it
        self.inv = serialtrack.open(url)
        self.posted: list[str] = []
        self.drafts: list[str] = []

    def attempt(self, action: Callable[[], serialtrack.DocumentView]) -> None:
        before = snapshot(self.inv)
        try:
            document = action()
        except SerialtrackError:
            assert snapshot(self.inv) == before, "a refusal wrote something"
            return
        (self.posted if document.state.value == "posted" else self.drafts).append(document.number)

    @rule(codes=CODES, store=STORES, supplier=SUPPLIERS, cables=st.integers(0, 3))
    def receive(self, codes: list[str], store: str, supplier: str, cables: int) -> None:
        lines: list[tuple[str, object]] = [("PHONE", codes)] + (
            [("CABLE", cables)] if cables else []
        )
        self.attempt(lambda: self.inv.receive(supplier=supplier, location=store, lines=lines))

    @rule(codes=CODES, store=STORES)
    def opening_balance(self, codes: list[str], store: str) -> None:
        self.attempt(lambda: self.inv.opening_balance(location=store, lines=[("PHONE", codes)]))

    def pick(self, data: st.DataObject, status: str, store: str | None = None) -> list[str]:
        """Mostly codes that are in ``status`` (so steps succeed), sometimes any code."""
        rows = self.inv.serials(status=status, location=store, limit=1000)
        likely = sorted({r["serial"] for r in rows})
        if likely and data.draw(st.integers(0, 4)) > 0:
            return data.draw(st.lists(st.sampled_from(likely), min_size=1, max_size=3, unique=True))
        return data.draw(CODES)

    @rule(
        data=st.data(),
        store=STORES,
        customer=CUSTOMERS,
        cables=st.integers(0, 2),
        draft=st.booleans(),
    )
    def sell(
        self, data: st.DataObject, store: str, customer: str | None, cables: int, draft: bool
    ) -> None:
        codes = self.pick(data, "in_stock", store)
        lines: list[tuple[str, object]] = [("PHONE", codes)] + (
            [("CABLE", cables)] if cables else []
        )
        self.attempt(
            lambda: self.inv.sell(customer=customer, location=store, lines=lines, post=not draft)
        )

    @rule(data=st.data(), store=STORES, customer=CUSTOMERS)
    def sales_return(self, data: st.DataObject, store: str, customer: str | None) -> None:
        lines = [("PHONE", self.pick(data, "sold"))]
        self.attempt(
            lambda: self.inv.return_from_customer(customer=customer, location=store, lines=lines)
        )

    @rule(data=st.data(), store=STORES, supplier=SUPPLIERS)
    def purchase_return(self, data: st.DataObject, store: str, supplier: str) -> None:
        lines = [("PHONE", self.pick(data, "in_stock", store))]
        self.attempt(
            lambda: self.inv.return_to_supplier(supplier=supplier, location=store, lines=lines)
        )

    def has_stock(self) -> bool:
        return bool(self.inv.serials(status="in_stock", limit=1))

    def stocked(self, data: st.DataObject) -> tuple[str, list[str]]:
        """A store that has phones in stock (when one has) and some codes to take from it."""
        rows = self.inv.serials(status="in_stock", limit=1000)
        store = data.draw(st.sampled_from(sorted({r["location"] for r in rows}) or ["Store"]))
        return store, self.pick(data, "in_stock", store)

    @precondition(lambda self: self.has_stock())
    @rule(data=st.data(), cables=st.integers(0, 2), draft=st.booleans())
    def dispatch(self, data: st.DataObject, cables: int, draft: bool) -> None:
        store, codes = self.stocked(data)
        lines = phones_and_cables(codes, cables)
        self.attempt(
            lambda: self.inv.dispatch(
                source=store, destination=other(store), lines=lines, post=not draft
            )
        )

    @precondition(lambda self: any(n.startswith("TR-") for n in self.posted))
    @rule(data=st.data(), cables=st.integers(0, 2), whole=st.booleans(), draft=st.booleans())
    def receive_transfer(self, data: st.DataObject, cables: int, whole: bool, draft: bool) -> None:
        """A posted dispatch: all that is still on the way, or some serials in transit (maybe
        on another dispatch) and cables."""
        number = data.draw(st.sampled_from([n for n in self.posted if n.startswith("TR-")]))
        lines = None if whole else phones_and_cables(self.pick(data, "in_transit"), cables)
        self.attempt(
            lambda: self.inv.receive_transfer(dispatch=number, lines=lines, post=not draft)
        )

    @precondition(lambda self: self.has_stock())
    @rule(data=st.data(), cables=st.integers(0, 2), draft=st.booleans())
    def one_step_transfer(self, data: st.DataObject, cables: int, draft: bool) -> None:
        store, codes = self.stocked(data)
        lines = phones_and_cables(codes, cables)
        self.attempt(
            lambda: self.inv.transfer(
                source=store, destination=other(store), lines=lines, post=not draft
            )
        )

    @precondition(lambda self: self.has_stock())
    @rule(data=st.data(), cables=st.integers(0, 2), draft=st.booleans())
    def write_off(self, data: st.DataObject, cables: int, draft: bool) -> None:
        store, codes = self.stocked(data)
        lines = phones_and_cables(codes, cables)
        self.attempt(
            lambda: self.inv.write_off(location=store, lines=lines, reason="broken", post=not draft)
        )

    @rule(data=st.data(), new=NEW_CODES)
    def correct(self, data: st.DataObject, new: str) -> None:
        known = sorted({r["serial"] for r in self.inv.serials(limit=1000)})
        if known:
            code = data.draw(st.sampled_from(known))
            before = snapshot_with_codes(self.inv)
            try:
                self.inv.correct_serial("PHONE", code, new)
            except SerialtrackError:
                assert snapshot_with_codes(self.inv) == before, "a refused correction wrote"

    @rule(store=STORES, code=BATCHES, quantity=st.integers(1, 5))
    def receive_batch(self, store: str, code: str, quantity: int) -> None:
        lines = [{"sku": "PILLS", "batches": [(code, quantity)]}]
        self.attempt(lambda: self.inv.receive(supplier="Acme", location=store, lines=lines))

    @rule(store=STORES, code=BATCHES, quantity=st.integers(1, 6), move=st.booleans())
    def sell_or_move_batch(self, store: str, code: str, quantity: int, move: bool) -> None:
        lines = [{"sku": "PILLS", "batches": [(code, quantity)]}]
        if move:
            self.attempt(
                lambda: self.inv.transfer(source=store, destination=other(store), lines=lines)
            )
        else:
            self.attempt(lambda: self.inv.sell(location=store, lines=lines))

    @rule(data=st.data(), store=STORES, extra=st.lists(NEW_CODES, max_size=2, unique=True))
    def count(self, data: st.DataObject, store: str, extra: list[str]) -> None:
        """Count a store: most of what is there, perhaps units from elsewhere or unknown."""
        there = sorted({r["serial"] for r in self.inv.serials(location=store, limit=1000)
                        if r["status"] in ("in_stock", "reserved")})  # fmt: skip
        found = [c for c in there if data.draw(st.integers(0, 3)) > 0] + extra
        before = snapshot(self.inv)
        count = self.inv.open_count(location=store, sku="PHONE")
        try:
            if found:
                self.inv.count_scan(count, found)
            self.inv.post_count(count)
        except SerialtrackError:
            self.inv.delete_draft(count.number)
            assert snapshot(self.inv) == before, "a refused count wrote something"
            return
        self.posted.append(count.number)

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        if self.posted:
            number = data.draw(st.sampled_from(self.posted))
            before = snapshot(self.inv)
            try:
                self.inv.cancel(number)
            except SerialtrackError:
                assert snapshot(self.inv) == before
                return
            self.posted.remove(number)

    @rule(data=st.data(), post=st.booleans())
    def finish_draft(self, data: st.DataObject, post: bool) -> None:
        if self.drafts:
            number = data.draw(st.sampled_from(self.drafts))
            before = snapshot(self.inv)
            try:
                self.inv.post(number) if post else self.inv.delete_draft(number)
            except SerialtrackError:
                assert snapshot(self.inv) == before
                return
            self.drafts.remove(number)
            if post:
                self.posted.append(number)

    @invariant()
    def ledger_agrees_with_state(self) -> None:
        assert self.inv.check() == []
        check_chains_statuses_and_quantities(self.inv)
        check_transit(self.inv)

    def teardown(self) -> None:
        try:
            for number in self.drafts:
                self.inv.delete_draft(number)
            for number in reversed(self.posted):
                self.inv.cancel(number)  # must never be refused in reverse order
            assert self.inv.stock() == []
            kinds = {s["status"] for s in self.inv.serials(limit=1000)}
            assert not kinds & {"in_stock", "reserved", "in_transit", "sold"}
            check_chains_statuses_and_quantities(self.inv)
        finally:
            self.inv.close()
            self._cleanup()


def snapshot_with_codes(inv: Inventory) -> tuple[object, ...]:
    with inv.store.transaction(write=False) as tx:
        codes = sorted(tx.connection.execute(select(serials.c.id, serials.c.code_key)).all())
    return snapshot(inv), codes


def check_transit(inv: Inventory) -> None:
    """In transit is exactly what posted dispatches sent and no receipt took, never less."""
    left = inv.in_transit()
    assert all(r["quantity"] > 0 for r in left), left
    on_dispatches = sorted(code for r in left for code in r["serials"])
    in_transit = sorted(r["serial"] for r in inv.serials(status="in_transit", limit=1000))
    assert on_dispatches == in_transit
    with inv.store.transaction(write=False) as tx:
        query = (
            select(quants.c.quantity)
            .join(locations, locations.c.id == quants.c.location_id)
            .where(locations.c.kind == "transit")
        )
        in_transit_quantity = sum(tx.connection.execute(query).scalars())
    assert in_transit_quantity == sum(r["quantity"] for r in left if not r["serials"])


def check_chains_statuses_and_quantities(inv: serialtrack.Inventory) -> None:
    with inv.store.transaction(write=False) as tx:
        c = tx.connection
        kind_of = {
            r.id: LocationKind(r.kind) for r in c.execute(select(locations.c.id, locations.c.kind))
        }
        effective = (
            select(
                moves.c.serial_id,
                moves.c.product_id,
                moves.c.quantity,
                moves.c.from_location_id,
                moves.c.to_location_id,
            )
            .join(documents, documents.c.id == moves.c.document_id)
            .where(moves.c.reversal.is_(False), documents.c.state == "posted")
            .order_by(moves.c.id)
        )
        chains: dict[int, list[tuple[int, int]]] = defaultdict(list)
        sums: dict[tuple[int, int], int] = defaultdict(int)
        for m in c.execute(effective):
            if m.serial_id is None:
                sums[(m.product_id, m.from_location_id)] -= m.quantity
                sums[(m.product_id, m.to_location_id)] += m.quantity
            else:
                chains[m.serial_id].append((m.from_location_id, m.to_location_id))
        for s in c.execute(select(serials)):
            chain = chains.get(s.id, [])
            for (_, to), (frm, _) in pairwise(chain):
                assert frm == to, f"serial {s.code}: a move starts where the previous did not end"
            if chain:
                assert chain[-1][1] == s.location_id
            else:
                assert kind_of[s.location_id].is_virtual
            assert s.status == status_for(
                kind_of[s.location_id], reserved=s.reserved_by is not None
            )
        for q in c.execute(select(quants)):
            assert q.quantity == sums.get((q.product_id, q.location_id), 0)
            if kind_of[q.location_id] is LocationKind.INTERNAL:
                assert q.quantity >= 0
        by_batch: dict[tuple[int, int], int] = defaultdict(int)
        for m in c.execute(effective.add_columns(moves.c.batch_id)):
            if m.batch_id is not None:
                by_batch[(m.batch_id, m.from_location_id)] -= m.quantity
                by_batch[(m.batch_id, m.to_location_id)] += m.quantity
        for b in c.execute(select(batch_quants)):
            assert b.quantity == by_batch.get((b.batch_id, b.location_id), 0)
            if kind_of[b.location_id] in (LocationKind.INTERNAL, LocationKind.TRANSIT):
                assert b.quantity >= 0, "a batch went below zero in a store"


def _sqlite_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[], tuple[str, Callable[[], None]]]:
    """Each example gets a copy of one database made (migrated, with ``shop``) once."""
    template = tmp_path_factory.mktemp("template") / "serialtrack.db"
    inv = shop(serialtrack.open(f"sqlite:///{template}"))
    inv.add_product("PILLS", "Pills", "batch")
    with inv, inv.store.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def make() -> tuple[str, Callable[[], None]]:
        path = tmp_path_factory.mktemp("ledger") / "serialtrack.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}", lambda: None

    return make


def test_ledger_properties_sqlite(tmp_path_factory: pytest.TempPathFactory) -> None:
    machine = type(
        "SqliteLedger", (Ledger,), {"open_url": staticmethod(_sqlite_factory(tmp_path_factory))}
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=35,  # more rules since transfers: keep each one exercised
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


@pytest.mark.postgres
def test_ledger_properties_postgres() -> None:
    from databases import drop_postgres_schema, new_postgres_schema, require_postgres

    require_postgres()

    def make() -> tuple[str, Callable[[], None]]:
        url, schema = new_postgres_schema()
        inv = shop(serialtrack.open(url))
        inv.add_product("PILLS", "Pills", "batch")
        inv.close()
        return url, lambda: drop_postgres_schema(schema)

    run_state_machine_as_test(
        type("PostgresLedger", (Ledger,), {"open_url": staticmethod(make)}),
        settings=settings(
            max_examples=10,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
