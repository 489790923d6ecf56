"""Bundles through the library, on SQLite and PostgreSQL: a product made of components whose
sale moves the components (one serial per serial-tracked unit), returns bring them back (all,
or part with a reason), cancels restore exactly, and ``check`` finds nothing after each test."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import serialtrack
from builders import snapshot
from serialtrack.domain.errors import Conflict, Forbidden, Invalid, NotFound
from serialtrack.domain.model import LineInput
from serialtrack.inventory import Inventory
from templates import initialized

PHONE_GTIN = "09506000134352"


@pytest.fixture
def inv(db_url: str):  # type: ignore[no-untyped-def]
    with serialtrack.open(initialized(db_url)) as inventory:
        inventory.add_location("Store")
        inventory.add_location("Annex")
        inventory.add_partner("Acme", supplier=True)
        inventory.add_partner("Alice", customer=True)
        inventory.add_product("PHONE", "Phone", gtin=PHONE_GTIN, customer_warranty_days=365)
        inventory.add_product("CASE", "Case")
        inventory.add_product("CHG", "Charger", "none")
        inventory.add_product("GEL", "Screen gel", "batch")
        inventory.add_product("KIT", "Phone kit", "none")
        inventory.set_components("KIT", [("PHONE", 1), ("CHG", 1), ("CASE", 1)])
        inventory.receive(
            supplier="Acme", location="Store", date=date.today() - timedelta(days=3),
            lines=[("PHONE", ["P1", "P2", "P3"]), ("CASE", ["C1", "C2", "C3"]), ("CHG", 5),
                   {"sku": "GEL", "batches": [("G-1", 10)]}],
        )  # fmt: skip
        yield inventory
        assert inventory.check() == []  # the ledger replays clean after every test


def status(inv: Inventory, sku: str, code: str) -> str:
    return inv.serial(sku, code).status.value


def test_a_bundle_sale_moves_its_components_and_shows_the_bundle(inv: Inventory) -> None:
    sale = inv.sell(customer="Alice", location="Store", lines=[("KIT", ["P1", "C1"])])
    assert [(x["sku"], x["quantity"], x["serials"], x["bundle"]) for x in sale.lines] == [
        ("PHONE", 1, ["P1"], "KIT"),
        ("CHG", 1, [], "KIT"),
        ("CASE", 1, ["C1"], "KIT"),
    ]
    assert sale.bundles == (
        {"bundle_no": 1, "sku": "KIT", "name": "Phone kit", "quantity": 1, "lines": [1, 2, 3]},
    )
    assert status(inv, "PHONE", "P1") == status(inv, "CASE", "C1") == "sold"
    assert {(r["sku"], r["quantity"]) for r in inv.stock(location="Store")} >= {("CHG", 4)}
    phone = inv.serial("PHONE", "P1")
    assert phone.bundle == "KIT"
    assert phone.summary.endswith("in bundle KIT")
    assert [(m.document_number, m.bundle) for m in phone.history][-1] == (sale.number, "KIT")
    assert phone.customer_warranty_until == date.today() + timedelta(days=365)
    assert not any(r["sku"] == "KIT" for r in inv.stock())  # a bundle has no stock of its own


def test_serials_are_shared_out_by_the_books_and_by_gtin(inv: Inventory) -> None:
    """Given in any order on the bundle's line, each serial goes to the component it is a unit
    of; a GS1 scan goes by its GTIN."""
    sale = inv.sell(location="Store", lines=[
        {"sku": "KIT", "quantity": 2, "serials": ["C2", f"(01){PHONE_GTIN}(21)P2", "C3", "P3"]}
    ])  # fmt: skip
    by_sku = {x["sku"]: (x["quantity"], sorted(x["serials"])) for x in sale.lines}
    assert by_sku == {"PHONE": (2, ["P2", "P3"]), "CHG": (2, []), "CASE": (2, ["C2", "C3"])}
    assert sale.bundles[0]["quantity"] == 2


def test_explicit_components_and_batch_parts(inv: Inventory) -> None:
    inv.add_product("CARE", "Care kit", "none")
    inv.set_components("CARE", {"CASE": 1, "GEL": 2})
    line = {"sku": "CARE", "components": [{"sku": "CASE", "serials": ["C1"]},
                                          {"sku": "GEL", "batches": [("G-1", 2)]}]}  # fmt: skip
    sale = inv.sell(location="Store", lines=[line])
    assert [(x["sku"], x["quantity"]) for x in sale.lines] == [("CASE", 1), ("GEL", 2)]
    assert inv.batches(sku="GEL")[0]["quantity"] == 8


def test_wrong_bundle_lines_are_refused_naming_where_and_nothing_is_written(
    inv: Inventory,
) -> None:
    inv.sell(location="Store", lines=[("PHONE", ["P3"])])
    before = snapshot(inv)
    cases = [
        ([("KIT", ["P1"])], "lines[0].components[2]", "takes 1 CASE serial; 0 given"),
        # Two cases make it two kits (the quantity follows the serials), short of a phone.
        ([("KIT", ["P1", "C1", "C2"])], "lines[0].components[0]", "2 x KIT takes 2 PHONE"),
        ([("KIT", ["P3", "C1"])], "lines[0].components[0].serials[0]", "sold"),
        ([("KIT", ["P1", "NOPE"])], "lines[0].serials[1]", "no unit of PHONE or CASE"),
        ([{"sku": "KIT", "serials": ["P1", "C1"], "batches": [("G-1", 1)]}],
         "lines[0].batches", "set batches on its components"),
        ([{"sku": "KIT", "serials": ["P1", "C1"], "components": [{"sku": "GEL", "quantity": 1}]}],
         "lines[0].components[0].sku", "GEL is not a part of KIT"),
        ([{"sku": "PHONE", "serials": ["P1"], "components": [{"sku": "CASE"}]}],
         "lines[0].components", "PHONE is not a bundle"),
        ([{"sku": "KIT", "quantity": 6, "serials": ["P1", "C1"]}],
         "lines[0].components[0]", "6 x KIT takes 6 PHONE serials; 1 given"),
    ]  # fmt: skip
    for lines, where, words in cases:
        with pytest.raises((Invalid, Conflict)) as refused:
            inv.sell(location="Store", lines=lines)
        problems = {p.where: p.message for p in refused.value.problems}
        assert where in problems, (lines, problems)
        assert words in problems[where] or words in str(refused.value), (lines, problems)
    assert snapshot(inv) == before


def test_not_enough_of_a_quantity_part_refuses_the_sale(inv: Inventory) -> None:
    inv.sell(location="Store", lines=[("CHG", 5)])
    before = snapshot(inv)
    with pytest.raises(Conflict, match="CHG"):
        inv.sell(location="Store", lines=[("KIT", ["P1", "C1"])])
    assert snapshot(inv) == before
    assert status(inv, "PHONE", "P1") == "in_stock"


def test_available_bundles_are_what_the_scarcest_part_allows(inv: Inventory) -> None:
    stock = inv.bundle_stock("KIT", "Store")
    assert stock.available == 3
    assert [(p.sku, p.on_hand, p.makes) for p in stock.parts] == [
        ("PHONE", 3, 3), ("CHG", 5, 5), ("CASE", 3, 3),
    ]  # fmt: skip
    inv.sell(location="Store", lines=[("CASE", ["C1", "C2"])])
    inv.create_document("sale", [("PHONE", ["P3"])], location="Store", post=False)  # a draft holds
    assert inv.bundle_stock("KIT", "Store").available == 1
    assert inv.bundle_stock("KIT", "Annex").available == 0
    with pytest.raises(Invalid, match="not a bundle"):
        inv.bundle_stock("PHONE", "Store")


def test_cancel_of_a_bundle_sale_restores_exactly(inv: Inventory) -> None:
    before = snapshot(inv)
    sale = inv.sell(location="Store", lines=[("KIT", ["P1", "C1"])])
    inv.cancel(sale.number)
    after = snapshot(inv)
    assert after["serials"] == before["serials"]
    assert after["quants"] == before["quants"]
    assert inv.serial("PHONE", "P1").bundle is None


def test_a_whole_bundle_comes_back_and_a_part_only_with_a_reason(inv: Inventory) -> None:
    kits = {"sku": "KIT", "quantity": 2, "serials": ["P1", "P2", "C1", "C2"]}
    sale = inv.sell(customer="Alice", location="Store", lines=[kits])
    whole = inv.return_from_customer(location="Store", invoice=sale.number, customer="Alice",
                                     lines=[("KIT", ["P1", "C1"])])  # fmt: skip
    assert [(x["sku"], x["quantity"]) for x in whole.lines] == [
        ("PHONE", 1), ("CHG", 1), ("CASE", 1),
    ]  # fmt: skip
    assert whole.bundles[0]["sku"] == "KIT"
    before = snapshot(inv)
    part = [{"sku": "KIT", "components": [{"sku": "PHONE", "serials": ["P2"]},
                                          {"sku": "CHG", "quantity": 0}]}]  # fmt: skip
    with pytest.raises(Invalid, match="reason"):
        inv.return_from_customer(location="Store", invoice=sale.number, lines=part)
    assert snapshot(inv) == before
    back = inv.return_from_customer(
        location="Store", invoice=sale.number, lines=part, note="customer keeps case and charger"
    )
    assert [(x["sku"], x["serials"]) for x in back.lines] == [("PHONE", ["P2"])]
    assert status(inv, "CASE", "C2") == "sold"
    # Conservation holds per component: the second charger was never returned, and can be now.
    with pytest.raises(Conflict):
        inv.return_from_customer(location="Store", invoice=sale.number, lines=[("CHG", 2)])
    inv.return_from_customer(location="Store", invoice=sale.number, lines=[("CHG", 1)])


def test_a_bundle_receipt_names_new_serials_under_their_components(inv: Inventory) -> None:
    """Serials never seen cannot be told apart by the books: with two serial-tracked parts they
    are given under their component (or carry their GTIN)."""
    with pytest.raises(Invalid, match="no unit of PHONE or CASE has this serial"):
        inv.receive(supplier="Acme", location="Annex", lines=[("KIT", ["P9", "C9"])])
    line = LineInput("KIT", 1, components=(LineInput("PHONE", serials=("P9",)),
                                           LineInput("CASE", serials=("C9",))))  # fmt: skip
    receipt = inv.receive(supplier="Acme", location="Annex", lines=[line])
    assert [x["sku"] for x in receipt.lines] == ["PHONE", "CHG", "CASE"]
    assert status(inv, "PHONE", "P9") == "in_stock"
    moved = inv.create_document("transfer", [("KIT", ["P9", "C9"])], location="Annex",
                                destination="Store")  # fmt: skip
    assert moved.bundles[0]["sku"] == "KIT"
    assert inv.serial("CASE", "C9").location == "Store"


def test_components_are_checked_and_kept_by_managers_only(inv: Inventory) -> None:
    cases = [
        ("GEL", [("CASE", 1)], "batch-tracked"),
        ("KIT", [("KIT", 1)], "own part"),
        ("KIT", [("NOPE", 1)], "no product with SKU"),
        ("KIT", [("CASE", 0)], "from 1 to"),
        ("KIT", [("CASE", 1), ("CASE", 2)], "named twice"),
    ]
    for sku, parts, words in cases:
        with pytest.raises(Invalid, match=words):
            inv.set_components(sku, parts)
    inv.add_product("MEGA", "Mega kit", "none")
    with pytest.raises(Invalid, match="bundles hold no bundles"):
        inv.set_components("MEGA", [("KIT", 1)])
    with pytest.raises(Invalid, match="part of another bundle"):
        inv.set_components("CHG", [("CASE", 1)])
    inv.add_product("CABLE", "Cable", "none")
    inv.receive(supplier="Acme", location="Store", lines=[("CABLE", 2)])
    with pytest.raises(Conflict, match="stock of its own"):
        inv.set_components("CABLE", [("CASE", 1)])
    with pytest.raises(Conflict, match="is a bundle"):
        inv.switch_tracking("KIT", "serial")
    inv.add_user("clerk", "clerk", password="clerk-password-1")
    with pytest.raises(Forbidden):
        inv.as_user("clerk").set_components("KIT", [("CASE", 1)])
    assert [c.product.sku for c in inv.components("KIT")] == ["PHONE", "CHG", "CASE"]
    with pytest.raises(NotFound):
        inv.components("NOPE")


def test_a_bundle_becomes_a_plain_product_again_and_old_documents_keep_their_bundle(
    inv: Inventory,
) -> None:
    sale = inv.sell(location="Store", lines=[("KIT", ["P1", "C1"])])
    inv.set_components("KIT", [])
    assert inv.components("KIT") == []
    assert inv.document(sale.number).bundles[0]["sku"] == "KIT"
    inv.set_components("KIT", [("PHONE", 1)])
    assert [c.product.sku for c in inv.components("KIT")] == ["PHONE"]


def test_a_draft_with_a_bundle_holds_its_serials_and_posts_or_is_deleted(inv: Inventory) -> None:
    draft = inv.create_document("sale", [("KIT", ["P1", "C1"])], location="Store", post=False)
    assert status(inv, "PHONE", "P1") == "reserved"
    assert draft.bundles[0]["lines"] == [1, 2, 3]
    inv.delete_draft(draft.number)
    assert status(inv, "PHONE", "P1") == "in_stock"
    draft = inv.create_document("sale", [("KIT", ["P1", "C1"])], location="Store", post=False)
    edited = inv.update_draft(draft.number, [("KIT", ["P2", "C2"])], location="Store")
    assert edited.bundles[0]["quantity"] == 1
    assert status(inv, "PHONE", "P1") == "in_stock"
    posted = inv.post(draft.number)
    assert posted.bundles[0]["sku"] == "KIT"
    assert status(inv, "PHONE", "P2") == "sold"


def test_refund_by_scan_says_which_bundle_a_unit_left_in(inv: Inventory) -> None:
    sale = inv.sell(customer="Alice", location="Store", lines=[("KIT", ["P1", "C1"])])
    units = inv.sold_units(["P1", sale.number])
    assert [(u.sku, u.serial, u.bundle) for u in units] == [
        ("PHONE", "P1", "KIT"), ("CASE", "C1", "KIT"),
    ]  # fmt: skip
    made = inv.refund(["P1"], location="Store", reason="the phone is faulty; kit kept")
    assert [(x["sku"], x["serials"]) for x in made[0].lines] == [("PHONE", ["P1"])]


def test_every_move_names_its_product_serial_batch_places_user_and_bundle(
    inv: Inventory,
) -> None:
    """The names of a move are read beside it (not joined): each one is the move's own."""
    inv.add_user("kim", "clerk", "kim-password-1")
    sale = inv.as_user("kim").sell(
        customer="Alice",
        location="Store",
        lines=[("KIT", ["P2", "C2"]), {"sku": "GEL", "batches": [("G-1", 2)]}],
    )
    named = [
        (m.document_number, m.product_sku, m.serial, m.quantity, m.batch, m.from_location,
         m.to_location, m.user, m.bundle, m.reversal)
        for m in sale.moves
    ]  # fmt: skip
    customers = {m.to_location for m in sale.moves}
    assert len(customers) == 1
    assert "Store" not in customers
    (customer,) = customers
    assert sorted(named, key=str) == sorted(
        [
            (sale.number, "PHONE", "P2", 1, None, "Store", customer, "kim", "KIT", False),
            (sale.number, "CHG", None, 1, None, "Store", customer, "kim", "KIT", False),
            (sale.number, "CASE", "C2", 1, None, "Store", customer, "kim", "KIT", False),
            (sale.number, "GEL", None, 2, "G-1", "Store", customer, "kim", None, False),
        ],
        key=str,
    )
    assert inv.document_moves(sale.number) == list(sale.moves)  # the paged read agrees
    inv.cancel(sale.number)
    last = inv.serial("PHONE", "P2").history[-1]
    assert (last.document_number, last.from_location, last.to_location, last.user) == (
        sale.number, customer, "Store", "admin",
    )  # fmt: skip
    assert (last.reversal, last.bundle, last.product_sku, last.serial) == (
        True,
        "KIT",
        "PHONE",
        "P2",
    )
