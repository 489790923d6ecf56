"""Assembling a serial-tracked bundle ahead on the pages: the assembly form (units with their
own serial or a generated one, refusals beside the unit they name), taking units apart, the
serial page of a part inside a unit and of the unit, the product page's links by role.

The demo shop plus CASE-1 (serial-tracked, CS-1..CS-3 at Main store) and KIT "Phone kit",
serial-tracked: 1 PHN-X1, 2 CBL-USB, 1 CASE-1. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from webshop import MAIN, PASSWORD, as_user, library

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.entrypoints.web import create_app
from templates import initialized


@pytest.fixture
def shop(db_url: str) -> Iterator[TestClient]:
    with serialtrack.open(initialized(db_url)) as inv:
        load_demo(inv)
        for name, role in (("kim", "clerk"), ("mia", "manager"), ("vic", "viewer")):
            inv.add_user(name, role, PASSWORD)
        inv.add_product("CASE-1", "Phone case", "serial")
        inv.receive(supplier="Acme Distribution", location=MAIN,
                    lines=[("CASE-1", ["CS-1", "CS-2", "CS-3"])])  # fmt: skip
        inv.add_product("KIT", "Phone kit", "serial")
        inv.set_components("KIT", [("PHN-X1", 1), ("CBL-USB", 2), ("CASE-1", 1)])
    with TestClient(create_app(db_url)) as client:
        yield client


def text_of(page: str) -> str:
    words = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()
    return words.replace(" ,", ",")


def part_of(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def assemble(shop: TestClient, token: str, *units: tuple[str, str], **more: str) -> object:
    data = {"csrf_token": token, "location": MAIN, "action": "assemble", **more}
    for n, (serial, parts) in enumerate(units):
        data[f"units-{n}-serial"] = serial
        data[f"units-{n}-parts"] = parts
    return shop.post("/assemblies/new?sku=KIT", data=data, follow_redirects=False)


def counts(shop: TestClient) -> tuple[int, int]:
    """How many documents there are, and KIT units."""
    with library(shop) as inv:
        return len(inv.documents()), len(inv.serials(sku="KIT"))


# --- assembling ---------------------------------------------------------------------------------
def test_a_clerk_assembles_two_units_one_serial_given_one_generated(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    page = shop.get("/assemblies/new?sku=KIT")
    assert page.status_code == 200
    assert 'id="assembly-form"' in page.text
    assert 'name="units-0-parts"' in page.text
    assert 'name="units-1-parts"' not in page.text  # one row; "Add a unit" adds the next
    help_text = text_of(part_of(page.text, 'id="assembly-help"', "</p>"))
    assert "1 PHN-X1, 1 CASE-1 (scan their serials), and 2 CBL-USB taken" in help_text
    assert re.search(r"<td>Main store</td><td class=\"num\">3</td><td class=\"num\">0</td>",
                     page.text)  # fmt: skip
    # "Add a unit": one more row, what was typed kept, nothing written
    data = {"csrf_token": token, "location": MAIN, "action": "add",
            "units-0-serial": "K-1", "units-0-parts": "X1-00004\nCS-1\n"}  # fmt: skip
    added = shop.post("/assemblies/new?sku=KIT", data=data)
    assert added.status_code == 200
    assert 'name="units-1-parts"' in added.text
    assert 'value="K-1"' in added.text
    assert ">X1-00004\nCS-1\n</textarea>" in added.text
    assert re.search(r'id="units-1-serial"[^>]*autofocus', added.text)
    assert counts(shop) == (counts(shop)[0], 0)

    done = assemble(shop, token, ("K-1", "X1-00004\nCS-1"), ("", "X1-00005 CS-2\n"), ("", ""))
    assert done.status_code == 303
    document = shop.get(done.headers["location"])
    assert document.status_code == 200
    assert "AS-000001" in document.text
    with library(shop) as inv:
        made = inv.document("AS-000001")
        assert made.kind.value == "assembly"
        assert made.state.value == "posted"
        assert [line["serials"] for line in made.lines if line["sku"] == "KIT"] == [
            ["K-1"],
            ["KIT-000001"],
        ]
        assert inv.serial("KIT", "K-1").contents == (
            "PHN-X1 X1-00004",
            "CBL-USB x 2",
            "CASE-1 CS-1",
        )
        assert inv.serial("PHN-X1", "X1-00005").inside == "KIT KIT-000001"
    # a unit serial taken already, parts assembled already: beside the unit's fields
    refused = assemble(shop, token, ("K-1", "X1-00004\nCS-3"))
    assert refused.status_code == 409
    serial_error = text_of(part_of(refused.text, 'id="units-0-serial-errors">', "</span>"))
    assert serial_error == "KIT K-1: already known: in stock at Main store"
    parts_error = text_of(part_of(refused.text, 'id="units-0-parts-errors"', "</ul>"))
    assert "X1-00004: not available: assembled into a bundle by AS-000001" in parts_error
    with library(shop) as inv:
        assert len(inv.serials(sku="KIT")) == 2
        assert inv.check() == []


def test_a_refusal_is_shown_beside_the_unit_it_names_and_nothing_is_written(
    shop: TestClient,
) -> None:
    token = as_user(shop, "kim")
    before = counts(shop)
    # the second row is blank (no unit): the service's units[1] is the third row, "Unit 3"
    refused = assemble(shop, token, ("K-1", "X1-00004\nCS-1"), ("", ""), ("K-2", "X1-00005\nNOPE"))
    assert refused.status_code == 422
    beside = text_of(part_of(refused.text, 'id="units-2-parts-errors"', "</ul>"))
    assert "NOPE: no unit of PHN-X1 or CASE-1 has this serial" in beside
    assert 'id="units-0-parts-errors"' not in refused.text
    assert ">unit 3, serial 2</span>" in refused.text  # the row shown ("Unit 3"), not the unit sent
    assert ">X1-00005\nNOPE</textarea>" in refused.text
    assert 'value="K-2"' in refused.text
    assert re.search(r'id="units-2-parts"[^>]*aria-invalid="true"', refused.text, re.S)
    # a serial taken already, and a part missing: each beside its unit
    refused = assemble(shop, token, ("X1-00004", "X1-00004"), ("", "CS-1"))
    assert refused.status_code == 422
    first = text_of(part_of(refused.text, 'id="units-0-parts-errors"', "</ul>"))
    assert "CASE-1" in first
    second = text_of(part_of(refused.text, 'id="units-1-parts-errors"', "</ul>"))
    assert "PHN-X1" in second
    # a store not chosen: named at its field
    refused = assemble(shop, token, ("", "X1-00004\nCS-1"), location="")
    assert refused.status_code == 422
    assert 'id="err-location"' in refused.text
    # a part that is no code at all
    refused = assemble(shop, token, ("", "X1-00004..\nCS-1"))
    assert refused.status_code == 422
    assert "is not a range" in part_of(refused.text, 'id="units-0-parts-errors"', "</ul>")
    assert counts(shop) == before
    with library(shop) as inv:
        assert inv.serial("PHN-X1", "X1-00004").status.value == "in_stock"
        assert inv.check() == []


# --- taking apart -------------------------------------------------------------------------------
def test_a_clerk_takes_a_unit_apart_and_its_parts_come_back(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    assert (
        assemble(shop, token, ("K-1", "X1-00004 CS-1"), ("K-2", "X1-00005 CS-2")).status_code == 303
    )
    page = shop.get("/disassemblies/new?sku=KIT")
    assert page.status_code == 200
    in_stock = text_of(part_of(page.text, 'id="units-in-stock"', "</table>"))
    assert "K-1 Main store" in in_stock
    assert "K-2 Main store" in in_stock
    data = {"csrf_token": token, "location": MAIN, "serials": "K-1\nK-9\n"}
    refused = shop.post("/disassemblies/new?sku=KIT", data=data)
    assert refused.status_code == 409
    assert "K-9" in text_of(part_of(refused.text, 'id="serials-errors"', "</ul>"))
    assert "K-1\nK-9\n</textarea>" in refused.text
    with library(shop) as inv:
        assert inv.serial("KIT", "K-1").status.value == "in_stock"
    data["serials"] = "K-1\n"
    done = shop.post("/disassemblies/new?sku=KIT", data=data, follow_redirects=False)
    assert done.status_code == 303
    assert "DA-000001" in shop.get(done.headers["location"]).text
    with library(shop) as inv:
        assert inv.serial("KIT", "K-1").status.value != "in_stock"
        assert inv.serial("PHN-X1", "X1-00004").status.value == "in_stock"
        assert inv.serial("CASE-1", "CS-1").location == MAIN
        assert inv.serial("PHN-X1", "X1-00005").inside == "KIT K-2"
        assert inv.check() == []


# --- the serial page ----------------------------------------------------------------------------
def test_the_serial_page_says_which_unit_a_part_is_inside_and_what_a_unit_holds(
    shop: TestClient,
) -> None:
    token = as_user(shop, "kim")
    assert assemble(shop, token, ("K-1", "X1-00004\nCS-1")).status_code == 303
    part = shop.get("/serial?sku=PHN-X1&code=X1-00004")
    assert part.status_code == 200
    where = text_of(part_of(part.text, 'id="serial-where">', "</dd>"))
    assert where == "Inside KIT K-1 (assembled) — which is in stock at Main store"
    assert 'id="inside-unit" href="/serial?sku=KIT&amp;code=K-1"' in part.text
    unit = shop.get("/serial?sku=KIT&code=K-1")
    assert unit.status_code == 200
    contents = part_of(unit.text, 'id="contents">', "</ul>")
    assert text_of(contents) == "PHN-X1 X1-00004 CBL-USB x 2 CASE-1 CS-1"
    assert '<a href="/serial?sku=PHN-X1&amp;code=X1-00004">PHN-X1 X1-00004</a>' in contents
    assert '<a href="/serial?sku=CASE-1&amp;code=CS-1">CASE-1 CS-1</a>' in contents
    assert "<li>CBL-USB x 2</li>" in contents  # quantity-only: no serial page
    # sold: the part's page follows the unit to its customer
    with library(shop) as inv:
        inv.sell(location=MAIN, customer="Jane Doe", lines=[("KIT", ["K-1"])])
    where = text_of(part_of(shop.get("/serial?sku=CASE-1&code=CS-1").text, 'id="serial-where">',
                            "</dd>"))  # fmt: skip
    assert where.startswith("Inside KIT K-1 (assembled) — which is sold to Jane Doe")
    with library(shop) as inv:
        assert inv.check() == []


# --- who sees what ------------------------------------------------------------------------------
def test_the_product_page_links_assembly_for_clerks_only(shop: TestClient) -> None:
    as_user(shop, "kim")
    page = shop.get("/product?sku=KIT")
    assert 'id="assemble-units" href="/assemblies/new?sku=KIT"' in page.text
    assert 'id="take-apart" href="/disassemblies/new?sku=KIT"' in page.text
    assert "units the parts make" in page.text
    # a quantity-only bundle offers no assembly
    with library(shop) as inv:
        inv.add_product("SET", "Cable set", "none")
        inv.set_components("SET", [("CBL-USB", 2)])
    assert 'id="assemble-units"' not in shop.get("/product?sku=SET").text
    assert 'id="assembly-form"' not in shop.get("/assemblies/new?sku=SET").text
    as_user(shop, "vic")
    page = shop.get("/product?sku=KIT")
    assert page.status_code == 200
    assert 'id="assemble-units"' not in page.text
    assert 'id="take-apart"' not in page.text
    with library(shop) as inv:
        assert inv.check() == []


def test_a_viewers_post_is_refused_and_writes_nothing(shop: TestClient) -> None:
    token = as_user(shop, "vic")
    before = counts(shop)
    refused = assemble(shop, token, ("K-1", "X1-00004\nCS-1"))
    assert refused.status_code == 403
    data = {"csrf_token": token, "location": MAIN, "serials": "K-1"}
    assert shop.post("/disassemblies/new?sku=KIT", data=data).status_code == 403
    # a clerk's form without its CSRF token is refused too
    as_user(shop, "kim")
    stale = assemble(shop, "not-the-token", ("K-1", "X1-00004\nCS-1"))
    assert stale.status_code == 403
    assert counts(shop) == before
    with library(shop) as inv:
        assert inv.check() == []
