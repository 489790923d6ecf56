"""Names and codes of master data are clean text, on both databases.

NUL (PostgreSQL answers it with an error), control characters and bidirectional overrides
(``Bob\\u202egnp.exe`` shows as ``Bobexe.png``) are refused naming the field, with nothing
written; text is stored in NFC, so one name typed two ways is one name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from serialtrack.domain.errors import Conflict, Invalid, NotFound
from serialtrack.inventory import Inventory

BAD = {
    "nul": "A\x00B",
    "nul first": "\x00x",
    "control": "Main\x07store",
    "line break": "two\nlines",
    "tab": "tab\tbed",
    "c1 control": "x\x85y",
    "rtl override": "Bob\u202egnp.exe",
    "isolate": "left\u2067right",
    "lone surrogate": "half\ud800",
}


def snapshot(inv: Inventory) -> tuple[Any, ...]:
    return (
        [(p.sku, p.name, p.unit) for p in inv.products()],
        [loc.name for loc in inv.locations()],
        [p.name for p in inv.partners()],
    )


def refused(inv: Inventory, action: Callable[[], Any], field: str) -> None:
    before = snapshot(inv)
    with pytest.raises(Invalid) as error:
        action()
    wheres = [p.where for p in error.value.problems]
    assert field in wheres, error.value
    problem = next(p for p in error.value.problems if p.where == field)
    assert problem.message.startswith(f"{field} contains "), problem
    assert snapshot(inv) == before


@pytest.fixture
def shop(inv: Inventory) -> Inventory:
    inv.add_product("PHN", "Phone")
    inv.add_location("Store")
    inv.add_partner("Acme", supplier=True)
    return inv


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_bad_new_names_are_refused(shop: Inventory, bad: str) -> None:
    refused(shop, lambda: shop.add_product(bad, "Phone"), "sku")
    refused(shop, lambda: shop.add_product("SKU-2", bad), "name")
    refused(shop, lambda: shop.add_product("SKU-2", "Phone", unit=bad), "unit")
    refused(shop, lambda: shop.add_location(bad), "name")
    refused(shop, lambda: shop.add_partner(bad, customer=True), "name")


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_bad_changed_names_are_refused(shop: Inventory, bad: str) -> None:
    refused(shop, lambda: shop.update_product("PHN", name=bad), "name")
    refused(shop, lambda: shop.update_product("PHN", unit=bad), "unit")
    refused(shop, lambda: shop.rename_location("Store", bad), "name")
    refused(shop, lambda: shop.update_partner("Acme", name=bad), "name")


def test_every_bad_field_is_named_at_once(inv: Inventory) -> None:
    with pytest.raises(Invalid) as error:
        inv.add_product("A\x00", "B\u202e", unit="c\x01")
    assert [p.where for p in error.value.problems] == ["sku", "name", "unit"]
    assert inv.products() == []


def test_names_are_stored_in_nfc(inv: Inventory) -> None:
    partner = inv.add_partner("Cafe\u0301 Ole\u0301", customer=True)
    assert partner.name == "Café Olé"
    assert inv.partner("Café Olé").name == "Café Olé"
    with pytest.raises(Conflict):
        inv.add_partner("Café Olé", customer=True)
    assert inv.add_product("A\u030a-1", "Ångstro\u0308m").sku == "Å-1"
    assert inv.product("Å-1").name == "Ångström"
    assert inv.add_location(" Lager Süd ").name == "Lager Süd"
    assert inv.rename_location("Lager Süd", "Lager Su\u0308d-2").name == "Lager Süd-2"


def test_right_to_left_names_are_fine(inv: Inventory) -> None:
    assert inv.add_partner("שלום בע״מ", supplier=True).name == "שלום בע״מ"
    assert inv.add_location("مخزن").name == "مخزن"


def test_looking_up_a_name_no_database_can_hold_finds_nothing(shop: Inventory) -> None:
    for action in (
        lambda: shop.product("PHN\x00"),
        lambda: shop.location("Store\x00"),
        lambda: shop.partner("\x00Acme"),
        lambda: shop.update_product("PHN\x00", name="x"),
        lambda: shop.rename_location("Store\x00", "x"),
        lambda: shop.update_partner("Acme\udc80", name="x"),
    ):
        with pytest.raises(NotFound):
            action()


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("reference", "INV\x00-1"),
        ("reference", "INV\x07-1"),
        ("reference", "INV-1\u202egnp.exe"),
        ("note", "box\x00 1"),
        ("note", "box\x07 1"),
    ],
)  # a note is free text: right-to-left marks are fine in it, not in a one-line reference
def test_document_references_and_notes_refuse_control_and_override_characters(
    shop: Inventory, field: str, bad: str
) -> None:
    def receive() -> Any:
        return shop.receive(
            supplier="Acme", location="Store", lines=[("PHN", ["S-1"])], **{field: bad}
        )

    refused(shop, receive, field)


def test_a_note_may_hold_lines(shop: Inventory) -> None:
    done = shop.receive(
        supplier="Acme", location="Store", lines=[("PHN", ["S-1"])], note="box 1\nbox 2\tdented"
    )
    assert done.note == "box 1\nbox 2\tdented"


@pytest.mark.parametrize("bad", ["kim\x07", "kim\u202e", "ki\nm"])
def test_usernames_token_names_and_count_notes_refuse_control_characters(
    shop: Inventory, bad: str
) -> None:
    refused(shop, lambda: shop.add_user(bad, "clerk", "a-long-password-1"), "username")
    shop.add_user("kim", "clerk", "a-long-password-1")
    refused(shop, lambda: shop.create_token("kim", bad), "name")
    if "\u202e" not in bad and "\n" not in bad:  # a note is free text: lines and marks allowed
        refused(shop, lambda: shop.open_count(location="Store", note=bad), "note")
