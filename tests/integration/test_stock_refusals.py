"""Every refusal of transfers, write-offs and corrections: the right error, naming what and
where, and nothing written (documents, moves, serials and their codes, quantities, audit).

Since no refusal writes anything (which each case asserts), all cases share one world per
database, built once for the module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

import serialtrack
from builders import shop, snapshot
from databases import drop_postgres_schema, new_postgres_schema, require_postgres
from serialtrack import Conflict, Invalid, NotFound, SerialtrackError
from serialtrack.adapters.db.tables import audit, serial_code_changes, serials
from serialtrack.inventory import Inventory


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def moving(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Inventory]:
    if request.param == "sqlite":
        url, schema = f"sqlite:///{tmp_path_factory.mktemp('moving') / 'serialtrack.db'}", None
    else:
        require_postgres()
        url, schema = new_postgres_schema()
    inv = serialtrack.open(url)
    try:
        yield build(inv)
    finally:
        inv.close()
        if schema:
            drop_postgres_schema(schema)


def build(inv: Inventory) -> Inventory:
    """Store: S4, S9, W1 and 4 cables in stock; S5 sold (INV-1); S6 held by DRAFT-1.

    TR-000001 (Store → Warehouse) sent S1, S2, S8 and 4 cables; TI-000001 took S1, S8 and one
    cable, so S2 and 3 cables are in transit; S8 was then sold at the Warehouse (INV-2).
    TR-000002 was cancelled. TR-000003 (Warehouse → Store, W1) is fully received (TI-000002).
    TR-000004 sent 2 cables of which TI-000003 took 1. S3 is written off (WO-000001); S7 went
    to the Warehouse in one step (TF-000001) and was sold there (INV-3).
    """
    shop(inv)
    phones = [f"S{n}" for n in range(1, 10)]
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", phones), ("CABLE", 10)])
    inv.receive(supplier="Globex", location="Warehouse", lines=[("PHONE", ["W1"])])
    inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["S5"])], number="INV-1")
    inv.sell(location="Store", lines=[("PHONE", ["S6"])], post=False, number="DRAFT-1")
    inv.dispatch(
        source="Store", destination="Warehouse", lines=[("PHONE", ["S1", "S2", "S8"]), ("CABLE", 4)]
    )
    inv.receive_transfer(dispatch="TR-000001", lines=[("PHONE", ["S1", "S8"]), ("CABLE", 1)])
    inv.sell(customer="Bob", location="Warehouse", lines=[("PHONE", ["S8"])], number="INV-2")
    inv.cancel(inv.dispatch(source="Store", destination="Warehouse", lines=[("PHONE", ["S4"])]))
    inv.dispatch(source="Warehouse", destination="Store", lines=[("PHONE", ["W1"])])
    inv.receive_transfer(dispatch="TR-000003")
    inv.dispatch(source="Store", destination="Warehouse", lines=[("CABLE", 2)])
    inv.receive_transfer(dispatch="TR-000004", lines=[("CABLE", 1)])
    inv.write_off(location="Store", lines=[("PHONE", ["S3"])], reason="broken")
    inv.transfer(source="Store", destination="Warehouse", lines=[("PHONE", ["S7"])])
    inv.sell(customer="Bob", location="Warehouse", lines=[("PHONE", ["S7"])], number="INV-3")
    return inv


def full_snapshot(inv: Inventory) -> dict[str, Any]:
    """``snapshot`` plus every serial's code, the corrected codes and the audit trail."""
    with inv.store.transaction(write=False) as tx:
        c = tx.connection
        codes = sorted(c.execute(select(serials.c.id, serials.c.code, serials.c.code_key)).all())
        changes = c.execute(select(func.count()).select_from(serial_code_changes)).scalar()
        audited = c.execute(select(func.count()).select_from(audit)).scalar()
    return {**snapshot(inv), "codes": codes, "changes": changes, "audit": audited}


Action = Callable[[Inventory], object]
TO_WAREHOUSE = {"source": "Store", "destination": "Warehouse"}


def dispatch(lines: list[Any], **header: Any) -> Action:
    return lambda i: i.dispatch(lines=lines, **{**TO_WAREHOUSE, **header})


def receive(lines: list[Any] | None, dispatch: str = "TR-000001", **header: Any) -> Action:
    return lambda i: i.receive_transfer(dispatch=dispatch, lines=lines, **header)


def transfer(lines: list[Any], **header: Any) -> Action:
    return lambda i: i.transfer(lines=lines, **{**TO_WAREHOUSE, **header})


def write_off(lines: list[Any], reason: str = "broken", **header: Any) -> Action:
    return lambda i: i.write_off(location="Store", lines=lines, reason=reason, **header)


REFUSALS: list[tuple[str, Action, type[SerialtrackError], str]] = [
    # dispatch
    ("dispatch a sold serial", dispatch([("PHONE", ["S5"])]), Conflict, "sold to Alice on INV-1"),
    (
        "dispatch a reserved serial",
        dispatch([("PHONE", ["S6"])]),
        Conflict,
        "reserved by draft DRAFT-1",
    ),
    (
        "dispatch a serial in transit",
        dispatch([("PHONE", ["S2"])]),
        Conflict,
        "PHONE S2: not available: in transit on transfer TR-000001 from Store to Warehouse since",
    ),
    (
        "dispatch from the wrong store",
        dispatch([("PHONE", ["S1"])]),
        Conflict,
        "not at the source location: in stock at Warehouse",
    ),
    (
        "dispatch a written-off serial",
        dispatch([("PHONE", ["S3"])]),
        Conflict,
        "written off at Scrap by WO-000001",
    ),
    ("dispatch a serial never received", dispatch([("PHONE", ["NOPE"])]), Conflict, "never"),
    (
        "dispatch more cables than on hand",
        dispatch([("CABLE", 5)]),
        Conflict,
        "not enough CABLE at Store: 4 on hand, 5 asked",
    ),
    (
        "dispatch without a destination",
        lambda i: i.create_document("dispatch", [("PHONE", ["S4"])], location="Store"),
        Invalid,
        "destination: a destination is required",
    ),
    (
        "dispatch to the store it leaves",
        dispatch([("PHONE", ["S4"])], destination="Store"),
        Invalid,
        "Store is where the goods are now",
    ),
    (
        "dispatch to a virtual location",
        dispatch([("PHONE", ["S4"])], destination="Transit"),
        Invalid,
        "Transit is a transit location, not a store",
    ),
    (
        "dispatch to an unknown store",
        dispatch([("PHONE", ["S4"])], destination="Attic"),
        Invalid,
        "no location named 'Attic'",
    ),
    (
        "dispatch with a partner",
        lambda i: i.create_document("dispatch", [("CABLE", 1)], location="Store", partner="Acme"),
        Invalid,
        "a transfer has no partner",
    ),
    (
        "dispatch with a taken number",
        dispatch([("PHONE", ["S4"])], number="TR-000001"),
        Invalid,
        "transfer TR-000001 already exists",
    ),
    # transfer receipt
    (
        "receive a serial not on the dispatch",
        receive([("PHONE", ["S4"])]),
        Conflict,
        "PHONE S4: not on TR-000001: in stock at Store",
    ),
    (
        "receive a serial already received",
        receive([("PHONE", ["s1"])]),
        Conflict,
        "PHONE s1: already received from TR-000001: now in stock at Warehouse, "
        "moved there by TI-000001",
    ),
    (
        "receive a serial received and sold since",
        receive([("PHONE", ["S8"])]),
        Conflict,
        "already received from TR-000001: now sold to Bob on INV-2",
    ),
    (
        "receive one good and one bad serial",
        receive([("PHONE", ["S2", "S4"])]),
        Conflict,
        "lines[0].serials[1]: PHONE S4",
    ),
    ("receive a serial never received", receive([("PHONE", ["GHOST"])]), Conflict, "never"),
    (
        "receive more cables than are in transit",
        receive([("CABLE", 4)]),
        Conflict,
        "CABLE: 3 still in transit on TR-000001, 4 asked",
    ),
    (
        "receive cables that were never sent",
        receive([("CABLE", 1)], dispatch="TR-000003"),
        Conflict,
        "CABLE: 0 still in transit on TR-000003, 1 asked",
    ),
    (
        "receive at a store the dispatch is not bound for",
        receive([("PHONE", ["S2"])], location="Store"),
        Invalid,
        "TR-000001 is bound for Warehouse, not Store",
    ),
    (
        "receive without naming a dispatch",
        lambda i: i.create_document("transfer_receipt", [("PHONE", ["S2"])], location="Warehouse"),
        Invalid,
        "a transfer receipt names the dispatch it takes from",
    ),
    (
        "receive on an unknown dispatch",
        receive([("PHONE", ["S2"])], dispatch="TR-404"),
        Invalid,
        "no dispatch numbered TR-404",
    ),
    (
        "receive on a cancelled dispatch",
        receive([("PHONE", ["S4"])], dispatch="TR-000002"),
        Invalid,
        "TR-000002 is cancelled, not posted",
    ),
    (
        "receive all of a fully received dispatch",
        receive(None, dispatch="TR-000003"),
        Conflict,
        "nothing of TR-000003 is still in transit",
    ),
    (
        "receive naming a sale as the dispatch",
        receive([("PHONE", ["S2"])], dispatch="INV-1"),
        Invalid,
        "no dispatch numbered INV-1",
    ),
    # one-step transfer
    ("transfer a sold serial", transfer([("PHONE", ["S5"])]), Conflict, "sold to Alice on INV-1"),
    ("transfer a reserved serial", transfer([("PHONE", ["S6"])]), Conflict, "DRAFT-1"),
    (
        "transfer a serial in transit",
        transfer([("PHONE", ["S2"])]),
        Conflict,
        "in transit on transfer TR-000001",
    ),
    (
        "transfer to the same store",
        transfer([("PHONE", ["S4"])], destination="Store"),
        Invalid,
        "a transfer goes to another store",
    ),
    (
        "transfer more cables than on hand",
        transfer([("CABLE", 5)]),
        Conflict,
        "4 on hand, 5 asked",
    ),
    # write-off
    ("write off without a reason", write_off([("PHONE", ["S4"])], ""), Invalid, "needs a reason"),
    ("write off with a blank reason", write_off([("PHONE", ["S4"])], "  "), Invalid, "reason"),
    ("write off a sold serial", write_off([("PHONE", ["S5"])]), Conflict, "sold to Alice"),
    ("write off a reserved serial", write_off([("PHONE", ["S6"])]), Conflict, "DRAFT-1"),
    ("write off a serial in transit", write_off([("PHONE", ["S2"])]), Conflict, "in transit"),
    (
        "write off a written-off serial",
        write_off([("PHONE", ["S3"])]),
        Conflict,
        "written off at Scrap",
    ),
    ("write off more cables than on hand", write_off([("CABLE", 5)]), Conflict, "4 on hand"),
    # cancelling
    (
        "cancel a partly received dispatch",
        lambda i: i.cancel("TR-000001"),
        Conflict,
        "S1 is now in stock at Warehouse, moved there by TI-000001",
    ),
    (
        "cancel a dispatch whose received serial was sold since",
        lambda i: i.cancel("TR-000001"),
        Conflict,
        "S8 is now sold to Bob on INV-2",
    ),
    (
        "cancel a dispatch whose cables were partly received",
        lambda i: i.cancel("TR-000004"),
        Conflict,
        "TR-000004 cannot be cancelled: TI-000003 received goods from it",
    ),
    (
        "cancel a transfer receipt whose serial was sold since",
        lambda i: i.cancel("TI-000001"),
        Conflict,
        "S8 is now sold to Bob on INV-2",
    ),
    (
        "cancel a one-step transfer whose serial was sold since",
        lambda i: i.cancel("TF-000001"),
        Conflict,
        "S7 is now sold to Bob on INV-3",
    ),
    (
        "cancel a cancelled dispatch",
        lambda i: i.cancel("TR-000002"),
        Conflict,
        "only a posted document can be cancelled",
    ),
    # serial correction
    (
        "correct to a code that is taken",
        lambda i: i.correct_serial("PHONE", "S4", "S9"),
        Conflict,
        "PHONE S9 is in stock at Store",
    ),
    (
        "correct to a code taken by a sold unit",
        lambda i: i.correct_serial("PHONE", "S4", " s5"),
        Conflict,
        "PHONE S5 is sold to Alice on INV-1",
    ),
    (
        "correct an unknown serial",
        lambda i: i.correct_serial("PHONE", "GHOST", "G1"),
        NotFound,
        "no serial 'GHOST' of PHONE",
    ),
    (
        "correct a serial of an unknown product",
        lambda i: i.correct_serial("NOPE", "S4", "S40"),
        NotFound,
        "no product with SKU 'NOPE'",
    ),
    (
        "correct a quantity-only product",
        lambda i: i.correct_serial("CABLE", "S4", "S40"),
        Invalid,
        "CABLE is not serial-tracked",
    ),
    (
        "correct to an empty code",
        lambda i: i.correct_serial("PHONE", "S4", "  "),
        Invalid,
        "new_code: the serial code is empty",
    ),
    (
        "correct to the same code",
        lambda i: i.correct_serial("PHONE", "S4", " S4 "),
        Invalid,
        "nothing to change",
    ),
]


@pytest.mark.parametrize(
    ("action", "error", "words"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_refusal_writes_nothing(
    moving: Inventory, action: Action, error: type[SerialtrackError], words: str
) -> None:
    before = full_snapshot(moving)
    with pytest.raises(error) as raised:
        action(moving)
    assert words in str(raised.value)
    assert full_snapshot(moving) == before


def test_the_fixture_is_what_its_docstring_says(moving: Inventory) -> None:
    assert moving.in_transit() == [
        {"number": "TR-000001", "date": moving.document("TR-000001").date,
         "from_location": "Store", "to_location": "Warehouse", "sku": "CABLE", "quantity": 3,
         "serials": [], "batches": []},
        {"number": "TR-000001", "date": moving.document("TR-000001").date,
         "from_location": "Store", "to_location": "Warehouse", "sku": "PHONE", "quantity": 1,
         "serials": ["S2"], "batches": []},
        {"number": "TR-000004", "date": moving.document("TR-000004").date,
         "from_location": "Store", "to_location": "Warehouse", "sku": "CABLE", "quantity": 1,
         "serials": [], "batches": []},
    ]  # fmt: skip
    assert moving.check() == []


def test_a_corrected_code_is_not_corrected_twice(inv: Inventory) -> None:
    moving = build(inv)
    moving.correct_serial("PHONE", "S4", "S40")
    before = full_snapshot(moving)
    with pytest.raises(Conflict, match="PHONE S4 was already corrected to S40"):
        moving.correct_serial("PHONE", "S4", "S41")
    assert full_snapshot(moving) == before
