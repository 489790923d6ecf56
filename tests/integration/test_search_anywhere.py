"""Issue 16: a search finds the text anywhere in a serial's code ("99X" finds AB-99X), the
exact code first, then codes starting with it, then the rest; LIKE's wildcards are plain
characters, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from serialtrack import Inventory


def units(inv: Inventory) -> None:
    inv.add_location("Store")
    inv.add_partner("Acme", supplier=True)
    inv.add_product("PHONE", "Phone", "serial")
    codes = ["AB-99X", "X99XZ", "99X-1", "A%B", "A_B", "AXB", "99X", "Q\\1"]
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", codes)])


def found(inv: Inventory, text: str, **more: object) -> list[str]:
    return [r["serial"] for r in inv.serials(text=text, **more)]


def test_the_text_is_found_anywhere_in_the_code_prefixes_first(inv: Inventory) -> None:
    units(inv)
    assert found(inv, "99x") == ["99X", "99X-1", "AB-99X", "X99XZ"]  # exact, prefix, inside
    assert found(inv, "9XZ") == ["X99XZ"]
    assert [r[2] for r in inv.report(text="99X")] == ["99X", "99X-1", "AB-99X", "X99XZ"]
    for limit in (1, 2, 3):  # keyset pages: every unit once, in the same order
        paged, after = [], 0
        while page := inv.serials(text="99X", after_id=after, limit=limit):
            paged += [r["serial"] for r in page]
            after = page[-1]["id"]
        assert paged == ["99X", "99X-1", "AB-99X", "X99XZ"]


def test_wildcards_are_plain_characters(inv: Inventory) -> None:
    units(inv)
    assert found(inv, "%") == ["A%B"]
    assert found(inv, "_") == ["A_B"]
    assert found(inv, "A_") == ["A_B"]
    assert found(inv, "\\") == ["Q\\1"]


def test_an_earlier_code_is_found_anywhere_too(inv: Inventory) -> None:
    units(inv)
    inv.correct_serial("PHONE", "AXB", "NEW-1", reason="typed AXB for NEW-1")
    assert found(inv, "XB") == ["NEW-1"]
