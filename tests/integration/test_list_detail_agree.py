"""The serial list and the serial detail tell the same story (issue 10, findings 6 and 8).

- customer and invoice: shown only while the unit is sold (its latest posted sale is what put
  it at the customer), in the library's list, report and detail, the API and the web pages;
- supplier, receipt and warranty: the same purchase in the list and on the detail;
- a search lists the unit whose code is the text first (K1 before K10, K11), then the
  prefix matches, also on later keyset pages, and an earlier (corrected) code counts too;
  Enter in the sale form's picker chooses that unit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from builders import shop
from serialtrack import REPORT_COLUMNS
from serialtrack.entrypoints.web import create_app
from serialtrack.inventory import Inventory

PASSWORD = "agree-pass-1"


@pytest.fixture
def web(inv: Inventory, db_url: str) -> Iterator[tuple[TestClient, str]]:
    """The app on the same database, logged in as a clerk; (client, API token)."""
    shop(inv)
    inv.add_user("kim", "clerk", PASSWORD)
    token = inv.create_token("kim")
    with TestClient(create_app(db_url)) as client:
        response = client.post(
            "/login", data={"username": "kim", "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        yield client, token


def listed(inv: Inventory, code: str) -> dict[str, Any]:
    (row,) = [r for r in inv.serials(sku="PHONE") if r["serial"] == code]
    return row


def reported(inv: Inventory, code: str) -> dict[str, Any]:
    (row,) = [dict(zip(REPORT_COLUMNS, r, strict=True)) for r in inv.report() if r[2] == code]
    return row


def api_row(client: TestClient, token: str, code: str) -> dict[str, Any]:
    response = client.get(
        "/api/v1/serials", params={"sku": "PHONE"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    (row,) = [r for r in response.json()["items"] if r["serial"] == code]
    return row


def web_list_cells(client: TestClient, code: str) -> list[str]:
    """The serial list's row of ``code``: its cells as text (after the row's "select for
    labels" checkbox)."""
    page = client.get("/serials", params={"sku": "PHONE"})
    assert page.status_code == 200
    for row in re.findall(r"<tr>(.*?)</tr>", page.text, re.S):
        cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) > 1 and cells[0] == "" and cells[1] == code:
            return cells[1:]
    raise AssertionError(f"{code} not in the serial list")


def web_detail_customer(client: TestClient, code: str) -> str:
    page = client.get("/serial", params={"sku": "PHONE", "code": code})
    assert page.status_code == 200
    return _text(re.search(r'id="serial-customer">(.*?)</dd>', page.text, re.S)[1])


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def assert_agree(
    inv: Inventory, web: tuple[TestClient, str], code: str,
    customer: str | None, invoice: str | None,
) -> None:  # fmt: skip
    """Every view of ``code`` names this customer and invoice (None: none at all)."""
    client, token = web
    detail = inv.serial("PHONE", code)
    sale_date = inv.document(invoice).date if invoice else None
    warranty = sale_date + timedelta(days=365) if sale_date else None  # PHONE: 365 days
    assert (detail.customer, detail.sale, detail.sold_on) == (customer, invoice, sale_date)
    assert detail.customer_warranty_until == warranty
    for row in (listed(inv, code), reported(inv, code), api_row(client, token, code)):
        assert (row["customer"], row["sales_invoice"]) == (customer, invoice)
        assert row["sale_date"] in (sale_date, sale_date.isoformat() if sale_date else None)
    cells = web_list_cells(client, code)
    assert cells[6:8] == [invoice or "", customer or ""]  # invoice, customer
    shown = web_detail_customer(client, code)
    assert shown == (f"{customer} · {invoice} (sold {sale_date})" if customer else "—")


def test_sold_returned_resold_cancelled_list_and_detail_agree(
    inv: Inventory, web: tuple[TestClient, str]
) -> None:
    receipt = inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["U1", "U2"])])
    alice = inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["U1"])])
    assert_agree(inv, web, "U1", "Alice", alice.number)

    inv.return_from_customer(
        customer="Alice", location="Store", invoice=alice.number, lines=[("PHONE", ["U1"])]
    )
    assert_agree(inv, web, "U1", None, None)  # back in stock: nobody's, no invoice

    bob = inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["U1"])])
    assert_agree(inv, web, "U1", "Bob", bob.number)

    inv.cancel(bob)
    assert_agree(inv, web, "U1", None, None)  # not Alice's old sale either
    assert_agree(inv, web, "U2", None, None)
    # What the unit went through stays on its history (and the filters by partner see it).
    assert [m.document_number for m in inv.serial("PHONE", "U1").history][-1] == bob.number
    assert {r["serial"] for r in inv.serials(partner="Alice")} == {"U1"}
    assert listed(inv, "U1")["purchase_number"] == receipt.number


def test_a_cancelled_return_gives_the_unit_back_to_its_customer(
    inv: Inventory, web: tuple[TestClient, str]
) -> None:
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["U1"])])
    sale = inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["U1"])])
    back = inv.return_from_customer(
        customer="Alice", location="Store", invoice=sale.number, lines=[("PHONE", ["U1"])]
    )
    assert_agree(inv, web, "U1", None, None)
    inv.cancel(back)
    assert_agree(inv, web, "U1", "Alice", sale.number)


def test_supplier_receipt_and_warranty_agree(inv: Inventory) -> None:
    shop(inv)
    inv.add_product("TOOL", "Drill", "serial", supplier_warranty_days=100)
    receipt = inv.receive(
        supplier="Acme", location="Store",
        lines=[{"sku": "TOOL", "serials": ["R1"], "warranty_days": 30}],
    )  # fmt: skip
    opening = inv.opening_balance(location="Store", lines=[("TOOL", ["O1"])])
    for code, document, days, supplier in (
        ("R1", receipt, 30, "Acme"),  # the receipt line's warranty, over the product's
        ("O1", opening, 100, None),  # stock the books opened with: no supplier
    ):
        (row,) = [r for r in inv.serials(sku="TOOL") if r["serial"] == code]
        detail = inv.serial("TOOL", code)
        assert (row["purchase_number"], row["supplier"]) == (document.number, supplier)
        assert (detail.receipt, detail.supplier) == (document.number, supplier)
        assert detail.received_on == row["purchase_date"] == document.date
        assert detail.supplier_warranty_until == document.date + timedelta(days=days)


# --- exact matches first -------------------------------------------------------------------
def k_units(inv: Inventory) -> None:
    """K10, K11 received before K1 (so K1 has the highest id), and K1000; all at Store."""
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["K10", "K11"])])
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["k1", "K1000"])])


def test_a_search_lists_the_exact_code_first(inv: Inventory) -> None:
    k_units(inv)
    codes = [r["serial"] for r in inv.serials(text="K1")]
    assert codes == ["k1", "K10", "K11", "K1000"]
    assert [r["serial"] for r in inv.serials(text=" k1 ", status="in_stock")] == codes
    assert [r[2] for r in inv.report(text="K1")] == codes
    assert [r["serial"] for r in inv.serials(text="K10")] == ["K10", "K1000"]
    assert [r["serial"] for r in inv.serials(text="K")] == ["K10", "K11", "k1", "K1000"]
    for limit in (1, 2, 3):  # keyset pages: every unit once, in the same order
        paged, after = [], 0
        while page := inv.serials(text="K1", after_id=after, limit=limit):
            paged += [r["serial"] for r in page]
            after = page[-1]["id"]
        assert paged == codes


def test_an_earlier_code_counts_as_exact(inv: Inventory) -> None:
    k_units(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["K12"])])
    inv.correct_serial("PHONE", "K12", "Z9", reason="typed K12 for Z9")
    inv.correct_serial("PHONE", "K10", "K2", reason="typed K10 for K2")
    assert [r["serial"] for r in inv.serials(text="K1")] == ["k1", "K2", "K11", "K1000", "Z9"]
    assert [r["serial"] for r in inv.serials(text="K12")] == ["Z9"]
    first = [r["serial"] for r in inv.serials(text="K10")]
    assert first == ["K2", "K1000"]  # K10 was K2's code
    two = inv.serials(text="K10", limit=1)
    assert [r["serial"] for r in inv.serials(text="K10", after_id=two[0]["id"])] == ["K1000"]


def pick(client: TestClient, q: str, chosen: tuple[str, ...] = ()) -> str:
    """Enter in line 0's picker of a sale form at Store: the picker panel as it comes back."""
    token = client.get("/sales/new").text.split('name="csrf_token" value="')[1].split('"')[0]
    data: dict[str, Any] = {"csrf_token": token, "location": "Store", "lines-0-sku": "PHONE",
                            "q-0": q, "pick-0": "1", "lines-0-serial": list(chosen)}  # fmt: skip
    response = client.post(
        "/entry/picker", params={"index": 0, "part": "list", "kind": "sale"}, data=data,
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return response.text


def chosen_codes(panel: str) -> list[str]:
    return re.findall(r'name="lines-0-serial" value="([^"]+)" checked', panel)


def test_enter_in_the_picker_chooses_the_exact_code(
    inv: Inventory, web: tuple[TestClient, str]
) -> None:
    client, _ = web
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["K10", "K11"])])
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["K1"])])
    assert chosen_codes(pick(client, "K1")) == ["K1"]
    assert chosen_codes(pick(client, " k1")) == ["K1"]  # any case, trimmed
    again = pick(client, "K1", ("K1",))  # scanned twice: K10 is not taken instead
    assert chosen_codes(again) == ["K1"]
    assert "K1 is chosen already" in again
    assert chosen_codes(pick(client, "K")) == []  # several matches, none exact: nothing
    assert chosen_codes(pick(client, "K11")) == ["K11"]
    inv.correct_serial("PHONE", "K11", "Q5")
    assert chosen_codes(pick(client, "K11")) == ["Q5"]  # its earlier code
    sold = inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["K1"])])
    gone = pick(client, "K1")  # K1 is at the customer: K10 is not chosen for it
    assert chosen_codes(gone) == []
    assert f"PHONE K1 is not offered here: sold to Bob on {sold.number}" in html.unescape(gone)
    assert sold.number


def test_quick_scan_finds_the_exact_code_among_many(
    inv: Inventory, web: tuple[TestClient, str]
) -> None:
    """More than a page of the picker's prefix matches received before K1: still found."""
    client, _ = web
    inv.receive(
        supplier="Acme", location="Store", lines=[("PHONE", [f"K1{n:02d}" for n in range(60)])]
    )
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["K1"])])
    token = client.get("/sales/new").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/entry/quick-scan", params={"kind": "sale"},
        data={"csrf_token": token, "location": "Store", "scan": "K1"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    assert 'value="K1"' in response.text
    assert "not in stock" not in response.text


def test_the_web_search_and_list_show_the_exact_code_first(
    inv: Inventory, web: tuple[TestClient, str]
) -> None:
    client, token = web
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["K10", "K11"])])
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["K1X", "K1"])])
    inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["K1"])])
    page = client.get("/serials", params={"text": "K1"}).text
    assert re.findall(r'class="code">([^<]+)</a>', page) == ["K1", "K10", "K11", "K1X"]
    items = client.get(
        "/api/v1/serials", params={"text": "k1"}, headers={"Authorization": f"Bearer {token}"}
    ).json()["items"]
    assert [r["serial"] for r in items] == ["K1", "K10", "K11", "K1X"]
