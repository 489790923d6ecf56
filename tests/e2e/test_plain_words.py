"""Issue 16, a back office that explains itself: refusals, messages and lists in people's words."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import as_user, library

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.wording import place, plainly


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("lines[0].serials[2]", "line 1, serial 3"),
        ("lines[1].batches[0]", "line 2, batch 1"),
        ("lines[1].batches[0].quantity", "line 2, batch 1, quantity"),
        ("lines[0].sku", "line 1, product"),
        ("lines[0].components[1].serials[0]", "line 1, component 2, serial 1"),
        ("units[2].serials[1]", "unit 3, serial 2"),
        ("lines.2.serials.5", "line 3, serial 6"),
        ("days", "days"),  # a field's own name stays as the form labels it
        ("row 4", "row 4"),
        ("", ""),
    ],
)
def test_a_place_is_said_as_people_count(where: str, said: str) -> None:
    assert place(where) == said


def test_a_path_inside_a_message_is_said_too() -> None:
    assert plainly("S1 is entered twice (first at lines[0].serials[0])") == (
        "S1 is entered twice (first at line 1, serial 1)"
    )


RECEIPT = {
    "partner": "Acme Distribution", "location": "Warehouse", "lines-0-sku": "PHN-X1",
    "lines-0-quantity": "3", "lines-0-serial": ["NEW-1", "X1-00005", "NEW-3"],
}  # fmt: skip


def test_a_refused_receipt_page_says_what_to_do_and_counts_from_one(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    refused = shop.post("/receipts/new", data={"csrf_token": token, **RECEIPT})
    assert refused.status_code == 409, refused.text
    alert = refused.text.split('id="refusal"')[1].split("</div>")[0]
    assert "Some serials cannot be received: see each line below" in alert
    assert '<span class="where">line 1, serial 2</span>: PHN-X1 X1-00005' in alert
    assert "lines[0]" not in alert
    assert "names serials it cannot move" not in alert
    assert 'id="err-lines-0-serials-1"' in refused.text  # the row's own message stays beside it


def test_the_api_keeps_the_machine_path_beside_the_message(shop: TestClient) -> None:
    as_user(shop, "kim")
    token = shop.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
    refused = shop.post(
        "/api/v1/documents",
        json={"kind": "receipt", "partner": "Acme Distribution", "location": "Warehouse",
              "lines": [{"sku": "PHN-X1", "serials": ["NEW-1", "X1-00005"]}]},
        headers={"X-CSRF-Token": token},
    )  # fmt: skip
    assert refused.status_code == 409, refused.text
    assert [e["where"] for e in refused.json()["errors"]] == ["lines[0].serials[1]"]


def test_the_cli_says_the_line_and_serial_as_people_count(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'shop.db'}"
    with serialtrack.open(db) as inv:
        load_demo(inv)
    result = CliRunner().invoke(app, ["--db", db, "receive", "--sku", "PHN-X1", "--supplier",
                                      "Acme Distribution", "--location", "Warehouse",
                                      "NEW-1", "X1-00005"])  # fmt: skip
    assert result.exit_code == 1, result.stdout
    said = result.stderr
    assert "error: Some serials cannot be received: see each line below" in said
    assert "  line 1, serial 2: PHN-X1 X1-00005" in said
    assert "lines[0]" not in said


def test_filters_offer_words_and_send_the_values(shop: TestClient) -> None:
    as_user(shop, "kim")
    serials = shop.get("/serials").text
    assert '<option value="returned_to_supplier">returned to supplier</option>' in serials
    assert ">returned_to_supplier<" not in serials
    documents = shop.get("/documents").text
    assert '<option value="opening_balance">opening balance</option>' in documents
    assert '<option value="sales_return">sales return</option>' in documents
    journal = shop.get("/journal").text
    assert '<option value="opening_balance">opening balance</option>' in journal
    chosen = shop.get("/serials", params={"status": "returned_to_supplier"}).text
    assert '<option value="returned_to_supplier" selected>returned to supplier</option>' in chosen
    assert "X1-00020" in chosen  # the demo's unit sent back to Acme


def test_the_serial_list_forgets_the_customer_of_a_unit_back_in_stock(shop: TestClient) -> None:
    """X1-00001 was sold to Jane Doe and came back: it is in stock, nobody's."""
    as_user(shop, "kim")
    page = shop.get("/serials", params={"sku": "PHN-X1", "text": "X1-0000"}).text
    back = page.split('value="PHN-X1:X1-00001"')[1].split("</tr>")[0]
    assert "in stock" in back
    assert "Jane Doe" not in back
    assert "SO-000001" not in back
    still_out = page.split('value="PHN-X1:X1-00002"')[1].split("</tr>")[0]
    assert "Jane Doe" in still_out  # sold and not back: the customer is shown


def picker(shop: TestClient, token: str, sku: str, q: str = "", **more: str) -> str:
    """Line 0's picker of a sale from Main store, for ``sku`` with ``q`` typed in its search."""
    form = {"location": "Main store", "lines-0-sku": sku, "q-0": q, **more}
    answer = shop.post(
        "/entry/picker", params={"index": 0, "kind": "sale", "part": "list"}, data=form,
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    return html.unescape(answer.text)


def offered(picklist: str) -> list[str]:
    return re.findall(r'name="lines-0-serial" value="([^"]+)">', picklist)


def test_the_sale_picker_says_where_a_unit_is_as_posting_does(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    sold = picker(shop, token, "PHN-X1", "X1-00002")
    assert "PHN-X1 X1-00002 is not in stock at Main store: sold to Jane Doe on SO-000001." in sold
    away = picker(shop, token, "LAP-14", "LP14-0003")
    assert "LAP-14 LP14-0003 is not in stock at Main store: in stock at Warehouse." in away
    nothing = picker(shop, token, "PHN-X1", "NOPE")
    assert "No PHN-X1 in stock at Main store has “NOPE” in its serial." in nothing
    posted = shop.post(
        "/sales/new",
        data={"csrf_token": token, "location": "Main store", "lines-0-sku": "PHN-X1",
              "lines-0-quantity": "1", "lines-0-serial": "X1-00002"},
    )  # fmt: skip
    assert "PHN-X1 X1-00002: not available: sold to Jane Doe on SO-000001" in html.unescape(
        posted.text
    )


def test_the_sale_picker_offers_units_by_code(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    with library(shop) as inv:
        inv.receive(supplier="Acme Distribution", location="Main store",
                    lines=[("PHN-X1", ["A-2", "A-10", "A-1", "1-Z"])])  # fmt: skip
    listed = offered(picker(shop, token, "PHN-X1"))
    assert listed[:4] == ["1-Z", "A-1", "A-2", "A-10"]
    assert listed[4:] == sorted(listed[4:])  # X1-00001, X1-00004...
    by_one = offered(picker(shop, token, "PHN-X1", "1"))
    assert by_one[:3] == ["1-Z", "A-1", "A-10"]  # the code starting with "1" first


def test_the_search_box_finds_a_code_by_any_part_of_it(shop: TestClient) -> None:
    as_user(shop, "kim")
    page = html.unescape(shop.get("/search", params={"q": "0003"}).text)
    assert "/serial?sku=PHN-X1&code=X1-00003" in page
    assert "/serial?sku=LAP-14&code=LP14-0003" in page
    assert 'id="scan-message"' not in page  # no "no known serial" above what it found
    with library(shop) as inv:
        inv.receive(supplier="Acme Distribution", location="Main store",
                    lines=[("PHN-X1", ["AB-99X"])])  # fmt: skip
    assert "code=AB-99X" in shop.get("/search", params={"q": "99X"}).text
    listed = html.unescape(shop.get("/serials", params={"text": "00003"}).text)
    assert "X1-00003" in listed
    assert "Serial contains" in listed


def test_a_serial_note_is_edited_on_its_page_and_through_the_api(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    page = shop.get("/serial", params={"sku": "PHN-X1", "code": "X1-00004"}).text
    assert 'id="serial-note" class="note">—<' in page
    assert 'id="note-form"' in page
    saved = shop.post(
        "/serial/note",
        params={"sku": "PHN-X1", "code": "X1-00004"},
        data={"csrf_token": token, "note": "shop window demo unit"},
    )
    assert saved.status_code == 200, saved.text  # redirected back to the serial
    assert 'id="serial-note" class="note">shop window demo unit<' in saved.text
    patched = shop.patch(
        "/api/v1/products/PHN-X1/serials/X1-00004",
        json={"note": "ref WO-12"},
        headers={"X-CSRF-Token": token},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["note"] == "ref WO-12"
    assert shop.get("/api/v1/products/PHN-X1/serials/X1-00004").json()["note"] == "ref WO-12"
    refused = shop.patch(
        "/api/v1/products/PHN-X1/serials/X1-00004",
        json={"note": "ok", "extra": 1},
        headers={"X-CSRF-Token": token},
    )
    assert refused.status_code == 422
    with library(shop) as inv:
        trail = inv.audit(entity="serial")
    assert [r["summary"] for r in trail[:2]] == [
        "note: shop window demo unit → ref WO-12",
        "note: (none) → shop window demo unit",
    ]
    as_user(shop, "vic")  # a viewer reads the note, has no form
    seen = shop.get("/serial", params={"sku": "PHN-X1", "code": "X1-00004"}).text
    assert ">ref WO-12<" in seen
    assert 'id="note-form"' not in seen
