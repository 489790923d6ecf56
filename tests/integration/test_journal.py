"""The journal of moves (filters, keyset paging, reversals, refusals, CSV export) and resolving
discrepancies (rules, roles, the audit entry), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest

from builders import shop
from serialtrack.domain.errors import Conflict, Forbidden, Invalid, NotFound
from serialtrack.inventory import Inventory

DAY1 = datetime(2024, 3, 1, 9, 0)


class Clock:
    """A clock the test moves on, one day at a time."""

    def __init__(self) -> None:
        self.now = DAY1

    def __call__(self) -> datetime:
        return self.now

    def next_day(self) -> None:
        self.now += timedelta(days=1)


@pytest.fixture
def books(inv: Inventory) -> tuple[Inventory, dict[str, str]]:
    """Four days of moves: day 1 a receipt (3 phones, 5 cables) at Store; day 2 a transfer of
    P1 to Warehouse; day 3 kim (clerk) sells P2 and 2 cables to Alice; day 4 a sale of P3 to
    Bob, cancelled the same day. Returns the inventory (admin, on that clock) and numbers."""
    shop(inv)
    inv.add_user("kim", "clerk", "clerk-password-1")
    clock = Clock()
    admin = Inventory(inv.store, clock=clock)
    kim = Inventory(inv.store, user="kim", clock=clock)
    receipt = admin.receive(
        supplier="Acme", location="Store", lines=[("PHONE", ["P1", "P2", "P3"]), ("CABLE", 5)]
    )
    clock.next_day()
    transfer = admin.transfer(source="Store", destination="Warehouse", lines=[("PHONE", ["P1"])])
    clock.next_day()
    sale = kim.sell(customer="Alice", location="Store", lines=[("PHONE", ["P2"]), ("CABLE", 2)])
    clock.next_day()
    cancelled = admin.sell(customer="Bob", location="Store", lines=[("PHONE", ["P3"])])
    admin.cancel(cancelled.number)
    numbers = {"receipt": receipt.number, "transfer": transfer.number, "sale": sale.number,
               "cancelled": cancelled.number}  # fmt: skip
    return admin, numbers


def ids(rows) -> list[int]:  # type: ignore[no-untyped-def]
    return [r.id for r in rows]


def test_the_journal_lists_every_move_oldest_first(books) -> None:  # type: ignore[no-untyped-def]
    inv, n = books
    rows = inv.journal()
    assert ids(rows) == sorted(ids(rows))
    assert len(rows) == 4 + 1 + 2 + 2
    first = rows[0]
    assert (first.number, first.kind.value, first.sku, first.serial, first.quantity) == (
        n["receipt"], "receipt", "PHONE", "P1", 1,
    )  # fmt: skip
    assert (first.to_location, first.user, first.partner, first.reversal) == (
        "Store", "admin", "Acme", False,
    )  # fmt: skip
    assert first.at.date() == DAY1.date()
    assert first.document_date == DAY1.date()
    cable = next(r for r in rows if r.sku == "CABLE")
    assert (cable.serial, cable.quantity) == (None, 5)


def test_each_filter_keeps_only_its_moves(books) -> None:  # type: ignore[no-untyped-def]
    inv, n = books
    numbers = lambda **f: [(r.number, r.serial) for r in inv.journal(**f)]  # noqa: E731
    day2, day3 = date(2024, 3, 2), date(2024, 3, 3)
    assert numbers(date_from=day2, date_to=day2) == [(n["transfer"], "P1")]
    assert {x for x, _ in numbers(date_from="2024-03-03")} == {n["sale"], n["cancelled"]}
    assert {x for x, _ in numbers(date_to=day3)} == {n["receipt"], n["transfer"], n["sale"]}
    # a location keeps the moves from or to it: the history of that place
    assert numbers(location="Warehouse") == [(n["transfer"], "P1")]
    assert len(numbers(location="Store")) == 9
    assert numbers(sku="CABLE") == [(n["receipt"], None), (n["sale"], None)]
    assert numbers(kind="transfer") == [(n["transfer"], "P1")]
    assert numbers(kind="sale", partner="Alice") == [(n["sale"], "P2"), (n["sale"], None)]
    assert numbers(partner="Bob") == [(n["cancelled"], "P3")] * 2
    assert numbers(user="kim") == [(n["sale"], "P2"), (n["sale"], None)]
    assert numbers(user="kim", sku="PHONE", location="Store", date_from=day3) == [(n["sale"], "P2")]
    assert numbers(kind="write_off") == []


def test_a_cancelled_document_shows_its_moves_and_their_reversals(books) -> None:  # type: ignore[no-untyped-def]
    inv, n = books
    original, reversal = inv.journal(partner="Bob")
    assert (original.reversal, original.from_location, original.to_location) == (
        False, "Store", "Customers",
    )  # fmt: skip
    assert (reversal.reversal, reversal.from_location, reversal.to_location) == (
        True, "Customers", "Store",
    )  # fmt: skip
    assert reversal.id > original.id
    assert reversal.number == original.number == n["cancelled"]


@pytest.mark.parametrize("filters", [{}, {"location": "Store"}, {"sku": "PHONE"}])
def test_keyset_pages_have_no_gaps_nor_duplicates(books, filters) -> None:  # type: ignore[no-untyped-def]
    inv, _ = books
    everything = ids(inv.journal(**filters, limit=1000))
    seen, after = [], 0
    while True:
        page = inv.journal(**filters, after_id=after, limit=2)
        seen += ids(page)
        if len(page) < 2:
            break
        after = page[-1].id
    assert seen == everything
    assert len(set(seen)) == len(seen) > 2


def test_unknown_names_and_bad_values_are_refused_naming_each_filter(books) -> None:  # type: ignore[no-untyped-def]
    inv, _ = books
    with pytest.raises(Invalid) as refused:
        inv.journal(sku="NOPE", location="Attic", kind="gift", partner="Zed", user="nobody",
                    date_from="2024-02-30", date_to="soon")  # fmt: skip
    where = sorted(p.where for p in refused.value.problems)
    assert where == ["date_from", "date_to", "kind", "location", "partner", "sku", "user"]
    assert "NOPE" in str(refused.value)
    assert "Attic" in str(refused.value)
    with pytest.raises(Invalid, match="date_from"):
        inv.journal(date_from="2024-03-04", date_to="2024-03-01")
    with pytest.raises(Invalid, match="limit"):
        inv.journal(limit=0)
    with pytest.raises(Invalid, match="limit"):
        inv.journal(limit=1001)
    with pytest.raises(Invalid, match="not a filter"):
        inv.journal_csv(serial="P1")
    with pytest.raises(Invalid, match="sku"):
        inv.journal_csv(sku="\x00")  # a NUL can name nothing; PostgreSQL must not be asked


def test_the_csv_export_has_every_move_and_no_formula(inv: Inventory) -> None:
    shop(inv)
    inv.add_partner("=cmd|' /C calc'!A0", customer=True)
    codes = ['=HYPERLINK("http://x")', "+1+1", "@SUM(A1)", "P4"]
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", codes)])
    inv.sell(customer="=cmd|' /C calc'!A0", location="Store", lines=[("PHONE", ["+1+1"])])
    text = "".join(inv.journal_csv())
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:4] == ["id", "at", "kind", "number"]
    body = table[1:]
    assert len(body) == len(inv.journal()) == 5
    for row in body:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row
    serials = [row[table[0].index("serial")] for row in body]
    assert serials[:3] == ['\'=HYPERLINK("http://x")', "'+1+1", "'@SUM(A1)"]
    assert body[-1][table[0].index("partner")] == "'=cmd|' /C calc'!A0"
    only = list(csv.reader(io.StringIO("".join(inv.journal_csv(kind="sale")))))
    assert len(only) == 2
    assert only[1][table[0].index("kind")] == "sale"


def test_a_viewer_reads_the_journal(books) -> None:  # type: ignore[no-untyped-def]
    inv, _ = books
    inv.add_user("vic", "viewer", "viewer-password-1")
    assert len(inv.as_user("vic").journal()) == 9


# --- discrepancies resolved ----------------------------------------------------------------
@pytest.fixture
def flagged(inv: Inventory) -> tuple[Inventory, int]:
    """Two serials sold without a receipt: two open discrepancies; users kim (clerk), mia
    (manager), vic (viewer). Returns the inventory and the older discrepancy's id."""
    shop(inv)
    for name, role in (("kim", "clerk"), ("mia", "manager"), ("vic", "viewer")):
        inv.add_user(name, role, f"{role}-password-1")
    inv.set_setting("unknown_serials_at_sale", "allow")
    inv.sell(location="Store", customer="Bob", lines=[("PHONE", ["NEW-1"])])
    inv.sell(location="Store", customer="Bob", lines=[("PHONE", ["NEW-2"])])
    found = inv.discrepancies_by_state("open")
    assert [d.code for d in found] == ["NEW-2", "NEW-1"]
    return inv, found[1].id


def test_a_manager_resolves_one_with_a_note(flagged) -> None:  # type: ignore[no-untyped-def]
    inv, first = flagged
    moment = datetime(2024, 5, 6, 7, 8)
    mia = Inventory(inv.store, user="mia", clock=lambda: moment)
    done = mia.resolve_discrepancy(first, "  the receipt RC-9 was filed late \n")
    assert (done.id, done.resolved_by, done.resolution) == (
        first, "mia", "the receipt RC-9 was filed late",
    )  # fmt: skip
    assert done.resolved
    assert done.resolved_at is not None
    assert done.resolved_at.replace(tzinfo=None) == moment
    assert [d.code for d in inv.discrepancies_by_state("open")] == ["NEW-2"]
    (resolved,) = inv.discrepancies_by_state("resolved")
    assert resolved == done
    assert [d.code for d in inv.discrepancies_by_state("all")] == ["NEW-2", "NEW-1"]
    assert len(inv.discrepancies()) == 2  # the older list keeps showing every one
    (record,) = inv.audit(entity=None, limit=1)
    assert (record["entity"], record["entity_id"], record["action"], record["user"]) == (
        "discrepancy", first, "resolve", "mia",
    )  # fmt: skip
    assert record["detail"]["reason"] == "the receipt RC-9 was filed late"
    assert record["detail"]["code"] == "NEW-1"


def test_resolving_twice_is_a_conflict_naming_who_was_first(flagged) -> None:  # type: ignore[no-untyped-def]
    inv, first = flagged
    inv.as_user("mia").resolve_discrepancy(first, "checked")
    with pytest.raises(Conflict, match=r"already resolved \(by mia "):
        inv.resolve_discrepancy(first, "checked again")
    (resolved,) = inv.discrepancies_by_state("resolved")
    assert (resolved.resolved_by, resolved.resolution) == ("mia", "checked")


def test_refusals_write_nothing(flagged) -> None:  # type: ignore[no-untyped-def]
    inv, first = flagged
    for note in ("", "   ", None):
        with pytest.raises(Invalid) as refused:
            inv.resolve_discrepancy(first, note)  # type: ignore[arg-type]
        assert [p.where for p in refused.value.problems] == ["note"]
    with pytest.raises(Invalid, match="note"):
        inv.resolve_discrepancy(first, "x" * 2001)
    with pytest.raises(Invalid, match="note"):
        inv.resolve_discrepancy(first, "bad \x00 byte")
    for clerkish in ("kim", "vic"):
        with pytest.raises(Forbidden, match="take off books"):
            inv.as_user(clerkish).resolve_discrepancy(first, "I looked")
    with pytest.raises(NotFound):
        inv.resolve_discrepancy(first + 1000, "no such")
    with pytest.raises(Invalid, match="state"):
        inv.discrepancies_by_state("closed")
    assert len(inv.discrepancies_by_state("open")) == 2
    assert inv.discrepancies_by_state("resolved") == []
    assert all(r["entity"] != "discrepancy" for r in inv.audit(limit=100))


def test_a_cancelled_documents_discrepancy_cannot_be_resolved(flagged) -> None:  # type: ignore[no-untyped-def]
    inv, first = flagged
    newer = inv.discrepancies_by_state("open")[0]
    inv.cancel(inv.documents(kind="sale")[0]["number"])  # the sale of NEW-2, newest first
    inv.cancel(inv.documents(kind="adjustment")[0]["number"])  # and NEW-2's adoption
    assert [d.id for d in inv.discrepancies_by_state("all")] == [first]
    with pytest.raises(NotFound):
        inv.resolve_discrepancy(newer.id, "it went away")
