"""Bundles on the pages: the product page's components (and the form that sets them), the
counter's bundle panel, a document's bundle heading, a serial's history saying the bundle.

The demo shop plus CASE-1 (serial-tracked, CS-1..CS-3 at Main store) and KIT "Phone kit":
1 PHN-X1, 2 CBL-USB, 1 CASE-1. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from webshop import HTMX, MAIN, PASSWORD, as_user, library

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.entrypoints.web import create_app
from templates import initialized

TIMES = "\N{MULTIPLICATION SIGN}"


@pytest.fixture
def shop(db_url: str) -> Iterator[TestClient]:
    with serialtrack.open(initialized(db_url)) as inv:
        load_demo(inv)
        for name, role in (("kim", "clerk"), ("mia", "manager")):
            inv.add_user(name, role, PASSWORD)
        inv.add_product("CASE-1", "Phone case", "serial")
        inv.receive(supplier="Acme Distribution", location=MAIN,
                    lines=[("CASE-1", ["CS-1", "CS-2", "CS-3"])])  # fmt: skip
        inv.add_product("KIT", "Phone kit", "none")
        inv.set_components("KIT", [("PHN-X1", 1), ("CBL-USB", 2), ("CASE-1", 1)])
    with TestClient(create_app(db_url)) as client:
        yield client


def post(shop: TestClient, path: str, token: str, **form: str) -> object:
    return shop.post(path, headers={**HTMX, "X-CSRF-Token": token}, data={"location": MAIN, **form})


def fields(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields, repeated names in order (what a browser posts)."""
    found: dict[str, list[str]] = {}
    for name, value in pairs:
        found.setdefault(name, []).append(value)
    return found


def text_of(page: str) -> str:
    words = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
    return words.replace(" )", ")")


# --- the product page ---------------------------------------------------------------------------
def test_a_bundles_page_shows_its_components_and_what_each_store_can_sell(shop: TestClient) -> None:
    as_user(shop, "kim")
    page = shop.get("/product?sku=KIT")
    assert page.status_code == 200
    table = page.text.split('id="components"')[1].split("</table>")[0]
    for sku in ("PHN-X1", "CBL-USB", "CASE-1"):
        assert f'href="/product?sku={sku}"' in table
    assert re.search(r"CBL-USB</a> USB-C cable</td><td>none</td><td class=\"num\">2<", table)
    stores = text_of(page.text.split('id="bundle-stock"')[1].split("</table>")[0])
    # Main store: 3 cases make 3 kits (16 phones, 47 cables); the Warehouse has no phone
    assert "Main store 3 CASE-1 (3 on hand, 1 per bundle)" in stores
    assert "Warehouse 0" in stores
    assert 'id="components-form"' not in page.text  # a clerk sets no components
    plain = shop.get("/product?sku=PHN-X1")
    assert 'id="components"' not in plain.text


def test_a_manager_sets_the_components_and_refusals_are_shown_beside_them(
    shop: TestClient,
) -> None:
    token = as_user(shop, "mia")
    page = shop.get("/product?sku=KIT")
    assert 'id="components-form"' in page.text
    assert "PHN-X1 1\nCBL-USB 2\nCASE-1 1\n</textarea>" in page.text
    data = {"csrf_token": token, "components": "PHN-X1 1\nCASE-1 x2\n"}
    done = shop.post("/product/components?sku=KIT", data=data, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/product?sku=KIT")
    with library(shop) as inv:
        assert [(c.product.sku, c.quantity) for c in inv.components("KIT")] == [
            ("PHN-X1", 1),
            ("CASE-1", 2),
        ]
    data["components"] = "PHN-X1 1\n\nNOPE 1\nCASE-1 zero"  # a blank line: not a component
    refused = shop.post("/product/components?sku=KIT", data=data)
    assert refused.status_code == 422
    problems = text_of(refused.text.split('id="components-problems"')[1].split("</ul>")[0])
    assert "line 3: no product with SKU 'NOPE'" in problems
    assert "line 4: a whole number from 1 to 1000" in problems
    assert "PHN-X1 1\n\nNOPE 1\nCASE-1 zero</textarea>" in refused.text  # as typed
    with library(shop) as inv:  # nothing written
        assert len(inv.components("KIT")) == 2
    # a product that is no part of a bundle can be made one; a part of one offers no form
    plain = shop.get("/product?sku=CBL-USB").text
    assert "Make it a bundle" in plain
    assert 'id="part-of"' not in plain
    part = shop.get("/product?sku=PHN-X1").text
    assert 'id="components-form"' not in part
    assert 'A part of <a href="/product?sku=KIT">KIT</a>.' in part


def test_a_clerk_sees_no_components_form_and_a_forged_post_is_refused(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    assert 'id="components-form"' not in shop.get("/product?sku=KIT").text
    data = {"csrf_token": token, "components": "PHN-X1 1"}
    forged = shop.post("/product/components?sku=KIT", data=data)
    assert forged.status_code == 403
    with library(shop) as inv:
        assert len(inv.components("KIT")) == 3


# --- the counter --------------------------------------------------------------------------------
def test_the_counter_asks_for_each_parts_serial_and_adds_one_bundle_line(
    shop: TestClient,
) -> None:
    token = as_user(shop, "kim")
    on_sale = {"lines-0-sku": "PHN-X1", "lines-0-serial": "X1-00004"}
    opened = post(shop, "/counter/scan", token, scan="KIT", **on_sale)
    assert opened.headers["HX-Retarget"] == "#counter-picker"
    assert 'id="counter-bundle-scan"' in opened.text
    assert "Main store can sell 3 (scarcest: CASE-1)" in text_of(opened.text)
    assert f"2 {TIMES} CBL-USB USB-C cable: included" in text_of(opened.text)
    said = {
        "X1-00004": "X1-00004 is already on line 1",  # on the sale already
        "X1-00002": "PHN-X1 X1-00002 is not in stock at Main store: sold to Jane Doe on SO-000001",
        "LP14-0005": "LAP-14 is not a serial-tracked part of KIT",
        "CASE-1": "CASE-1 scanned, but no serial",
    }
    for code, message in said.items():
        answer = post(shop, "/counter/bundle?sku=KIT", token, **{"bundle-scan": code}, **on_sale)
        assert message in text_of(answer.text), code
        assert "bundle-part-serial" not in answer.text
    one = post(shop, "/counter/bundle?sku=KIT", token, **{"bundle-scan": "CS-2"}, **on_sale)
    assert 'name="bundle-part-serial" value="CS-2"' in one.text
    assert "HX-Retarget" not in one.headers  # the panel's parts, redrawn
    assert ">CS-1</button>" not in one.text  # the case is scanned: phones are offered next
    assert ">X1-00005</button>" in one.text
    assert ">X1-00004</button>" not in one.text  # on the sale
    chosen = {"bundle-part-sku": "CASE-1", "bundle-part-serial": "CS-2", **on_sale}
    again = post(shop, "/counter/bundle?sku=KIT", token, **{"bundle-scan": "CS-1"}, **chosen)
    assert "KIT takes 1 CASE-1: CS-2" in text_of(again.text)
    done = post(shop, "/counter/bundle?sku=KIT&code=X1-00005", token, **chosen)  # picked
    assert done.headers["HX-Retarget"] == "#lines"
    line = done.text
    assert 'name="lines-1-sku" value="KIT"' in line
    assert 'name="lines-1-bundle" value="1"' in line
    parts = re.findall(r'name="lines-1-part-(sku|serial)" value="([^"]+)"', line)
    assert parts == [("sku", "PHN-X1"), ("serial", "X1-00005"), ("sku", "CASE-1"),
                     ("serial", "CS-2")]  # fmt: skip
    assert '<div id="counter-picker" hx-swap-oob="true"></div>' in line  # the panel closes
    # a serial in a bundle line is on the sale: a scan of it says so
    in_kit = {**on_sale, "lines-1-sku": "KIT", "lines-1-bundle": "1", "lines-1-quantity": "1",
              "lines-1-part-sku": "CASE-1", "lines-1-part-serial": "CS-2"}  # fmt: skip
    taken = post(shop, "/counter/scan", token, scan="CS-2", **in_kit)
    assert "CS-2 is already on line 2 (in bundle KIT)" in taken.text


def test_the_counter_sells_the_bundle_as_its_line(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    form = {"csrf_token": token, "location": MAIN, "lines-0-sku": "KIT", "lines-0-bundle": "1",
            "lines-0-quantity": "1"}  # fmt: skip
    parts = [("lines-0-part-sku", "PHN-X1"), ("lines-0-part-serial", "X1-00006"),
             ("lines-0-part-sku", "CASE-1"), ("lines-0-part-serial", "CS-3")]  # fmt: skip
    body = list(form.items()) + parts
    refused = shop.post("/counter", data=fields(body[:-2]), follow_redirects=False)  # no case
    assert refused.status_code == 422
    assert "1 x KIT takes 1 CASE-1 serial; 0 given" in text_of(refused.text)
    assert 'name="lines-0-part-serial" value="X1-00006"' in refused.text  # shown again
    sold = shop.post("/counter", data=fields(body), follow_redirects=False)
    assert sold.status_code == 303, sold.text
    number = int(sold.headers["location"].split("sold=")[1])
    with library(shop) as inv:
        sale = inv.document(number)
        assert [b["sku"] for b in sale.bundles] == ["KIT"]
        assert {(x["sku"], tuple(x["serials"]), x["quantity"]) for x in sale.lines} == {
            ("PHN-X1", ("X1-00006",), 1), ("CBL-USB", (), 2), ("CASE-1", ("CS-3",), 1)
        }  # fmt: skip
        assert inv.check() == []


def test_a_bundle_of_quantity_only_parts_adds_a_line_of_one(shop: TestClient) -> None:
    with library(shop) as inv:
        inv.add_product("CBL-2", "Cable pair", "none")
        inv.set_components("CBL-2", [("CBL-USB", 2)])
    token = as_user(shop, "kim")
    added = post(shop, "/counter/scan", token, scan="CBL-2")
    assert 'name="lines-0-bundle" value="1"' in added.text
    assert 'name="lines-0-quantity" value="1"' in added.text
    on_sale = {"lines-0-sku": "CBL-2", "lines-0-bundle": "1", "lines-0-quantity": "1"}
    more = post(shop, "/counter/scan", token, scan="CBL-2", **on_sale)
    assert 'name="lines-0-quantity" value="2"' in more.text
    assert f"4 {TIMES} CBL-USB USB-C cable" in text_of(more.text)


# --- the sale form ------------------------------------------------------------------------------
def test_the_sale_form_takes_a_bundle_with_its_parts_serials(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    form = shop.get("/sales/new")
    assert '<option value="KIT">KIT — Phone kit</option>' in form.text
    panel = post(shop, "/entry/picker?index=0&kind=sale", token, **{"lines-0-sku": "KIT"})
    assert panel.text.count('name="lines-0-serial"') == 2  # a phone and a case
    assert "PHN-X1 Phone X1 128GB" in panel.text
    assert f"2 {TIMES} CBL-USB included" in text_of(panel.text)
    body = [
        ("csrf_token", token),
        ("location", MAIN),
        ("lines-0-sku", "KIT"),
        ("lines-0-quantity", "1"),
        ("lines-0-serial", "X1-00007"),
        ("lines-0-serial", ""),
    ]
    refused = shop.post("/sales/new", data=fields(body))
    assert refused.status_code == 422
    assert "1 x KIT takes 1 CASE-1 serial; 0 given" in text_of(refused.text)
    body[-1] = ("lines-0-serial", "CS-1")
    sold = shop.post("/sales/new", data=fields(body), follow_redirects=False)
    assert sold.status_code == 303, sold.text
    with library(shop) as inv:
        sale = inv.document(int(sold.headers["location"].rsplit("/", 1)[1]))
        assert sorted(s for x in sale.lines for s in x["serials"]) == ["CS-1", "X1-00007"]


# --- a document and a serial's history ----------------------------------------------------------
def test_a_document_groups_a_bundles_lines_and_a_serial_names_its_bundle(
    shop: TestClient,
) -> None:
    with library(shop) as inv:
        sale = inv.sell(
            customer="Jane Doe", location=MAIN,
            lines=[("CBL-USB", 1), {"sku": "KIT", "quantity": 1, "serials": ["X1-00008", "CS-1"]}],
        )  # fmt: skip
    as_user(shop, "kim")
    page = shop.get(f"/documents/{sale.id}")
    rows = page.text.split('<table id="lines">')[1].split("</table>")[0]
    head = rows.split('id="bundle-1"')[1].split("</tr>")[0]
    assert f"KIT</strong></a> — Phone kit {TIMES} 1" in head
    assert rows.index("CBL-USB") < rows.index('id="bundle-1"')  # the loose cable line first
    assert rows.count('class="in-bundle" data-bundle="KIT"') == 3
    assert rows.count('<tr class="bundle-head"') == 1
    history = shop.get("/serial?sku=CASE-1&code=CS-1")
    timeline = text_of(history.text.split('id="timeline"')[1].split("</ol>")[0])
    assert f"sale {sale.number} (in bundle KIT)" in timeline
    assert timeline.count("in bundle") == 1  # not its receipt
