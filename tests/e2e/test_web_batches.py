"""Batch lines, expiry and warranty on the document forms, and a manager's "allow expired".

The demo shop has VIT-C (batch-tracked, expiry required) with LOT-2401 (24, expiring in 60 days)
and LOT-2402 (36) at Main store. Each page reads its form and calls one ``Inventory`` method;
these tests check what the forms send and show, and that a refusal writes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from webshop import MAIN, WAREHOUSE, as_user, library


def on_hand(client: TestClient, sku: str = "VIT-C") -> dict[tuple[str, str], int]:
    with library(client) as inv:
        return {(b["code"], b["location"]): b["quantity"] for b in inv.batches(sku=sku)}


def document_count(client: TestClient) -> int:
    with library(client) as inv:
        return len(inv.documents(limit=1000))


def post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data=data, follow_redirects=False)


def row(page: str, line: int, position: int) -> str:
    """The HTML of batch row ``position`` of line ``line`` on a form."""
    return page.split(f'id="batch-{line}-{position}"')[1].split("</li>")[0]


def expired_kit(client: TestClient) -> None:
    """MED-9 KIT-OLD expired in 2020, KIT-NEW good until 2099, both at Main store."""
    with library(client) as inv:
        inv.add_product("MED-9", "Test kit", "serial", expiry_required=True)
        inv.receive(supplier="Acme Distribution", location=MAIN, lines=[
            {"sku": "MED-9", "serials": ["KIT-OLD"], "expiry": "2020-01-01"},
            {"sku": "MED-9", "serials": ["KIT-NEW"], "expiry": "2099-01-01"},
        ])  # fmt: skip


# --- receiving batches ---------------------------------------------------------------------------
def test_a_receipt_line_of_a_batch_product_takes_batch_rows_with_their_expiry(
    shop: TestClient,
) -> None:
    token = as_user(shop, "kim")
    headers = {"X-CSRF-Token": token}
    panel = shop.post(
        "/entry/allocate?index=0&kind=receipt", headers=headers,
        data={"lines-0-sku": "VIT-C", "lines-0-quantity": "1", "lines-0-serial": ""},
    ).text  # fmt: skip
    assert 'name="lines-0-batch-code"' in panel
    assert 'name="lines-0-batch-expiry"' in panel
    assert 'name="lines-0-serial"' not in panel  # no serial rows for a batch line
    assert 'id="qty-0"' not in panel  # the quantity is the batches' sum
    added = shop.post(
        "/entry/batches?index=0&kind=receipt&add=1", headers=headers,
        data={"lines-0-sku": "VIT-C", "lines-0-batch-code": "LOT-9",
              "lines-0-batch-quantity": "10", "lines-0-batch-expiry": "2030-01-31"},
    ).text  # fmt: skip
    assert added.count('name="lines-0-batch-code"') == 2  # the typed row and a new one
    assert 'value="LOT-9"' in added

    expiry = (date.today() + timedelta(days=400)).isoformat()
    posted = post(shop, "/receipts/new", {
        "csrf_token": token, "partner": "Northwind Parts", "location": WAREHOUSE,
        "lines-0-sku": "VIT-C",
        "lines-0-batch-code": ["LOT-9", "LOT-10", ""],
        "lines-0-batch-quantity": ["10", "5", ""],
        "lines-0-batch-expiry": [expiry, expiry, ""],
    })  # fmt: skip
    assert posted.status_code == 303, posted.text
    assert on_hand(shop)[("LOT-9", WAREHOUSE)] == 10
    with library(shop) as inv:
        lot = next(b for b in inv.batches(sku="VIT-C") if b["code"] == "LOT-9")
    assert lot["expiry"].isoformat() == expiry
    page = shop.get(posted.headers["location"]).text
    lines = page.split('id="line-batches-0"')[1].split("</ul>")[0]
    assert "LOT-9" in lines
    assert "\N{MULTIPLICATION SIGN} 10" in lines
    assert "LOT-10" in lines


def test_a_batch_without_its_required_expiry_is_refused_beside_its_row(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    before = document_count(shop)
    refused = shop.post("/receipts/new", data={
        "csrf_token": token, "partner": "Northwind Parts", "location": MAIN,
        "lines-0-sku": "VIT-C", "lines-0-batch-code": "LOT-NEW",
        "lines-0-batch-quantity": "4", "lines-0-batch-expiry": "",
    })  # fmt: skip
    assert refused.status_code in (409, 422), refused.text
    assert 'id="err-lines-0-batches-0-expiry"' in row(refused.text, 0, 0)
    assert 'value="LOT-NEW"' in refused.text  # what was typed stays
    assert document_count(shop) == before


def test_a_manager_enters_an_opening_balance_of_a_batch(shop: TestClient) -> None:
    token = as_user(shop, "mia")
    assert "/opening-balances/new" in shop.get("/").text
    form = shop.get("/opening-balances/new").text
    assert 'name="partner"' not in form
    posted = post(shop, "/opening-balances/new", {
        "csrf_token": token, "location": WAREHOUSE, "lines-0-sku": "VIT-C",
        "lines-0-batch-code": "LOT-OB", "lines-0-batch-quantity": "7",
        "lines-0-batch-expiry": "2031-03-01",
    })  # fmt: skip
    assert posted.status_code == 303, posted.text
    assert on_hand(shop)[("LOT-OB", WAREHOUSE)] == 7
    as_user(shop, "kim")
    assert "/opening-balances/new" not in shop.get("/").text


# --- selling part of a batch ---------------------------------------------------------------------
def test_a_sale_offers_the_batches_on_hand_and_sells_part_of_one(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    headers = {"X-CSRF-Token": token}
    panel = shop.post(
        "/entry/picker?index=0&kind=sale", headers=headers,
        data={"location": MAIN, "lines-0-sku": "VIT-C"},
    ).text  # fmt: skip
    soon = (date.today() + timedelta(days=60)).isoformat()
    offered = panel.split('id="on-hand-0"')[1].split("</ul>")[0]
    assert "LOT-2401" in offered
    assert soon in offered  # its expiry is shown
    assert offered.index("LOT-2401") < offered.index("LOT-2402")  # soonest expiry first
    assert '<option value="LOT-2402"' in panel
    assert 'name="lines-0-batch-expiry"' not in panel  # a sale sets no expiry

    before = on_hand(shop)
    sold = post(shop, "/sales/new", {
        "csrf_token": token, "partner": "Jane Doe", "location": MAIN,
        "lines-0-sku": "VIT-C", "lines-0-batch-code": "LOT-2401",
        "lines-0-batch-quantity": "5",
    })  # fmt: skip
    assert sold.status_code == 303, sold.text
    after = on_hand(shop)
    assert after[("LOT-2401", MAIN)] == before[("LOT-2401", MAIN)] - 5
    assert after[("LOT-2402", MAIN)] == before[("LOT-2402", MAIN)]
    page = shop.get(sold.headers["location"]).text
    assert "LOT-2401" in page.split('id="line-batches-0"')[1]
    assert "\N{MULTIPLICATION SIGN} 5" in page


def test_selling_more_than_a_batch_holds_is_refused_beside_that_row(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    before, documents = on_hand(shop), document_count(shop)
    refused = shop.post("/sales/new", data={
        "csrf_token": token, "partner": "Jane Doe", "location": MAIN, "lines-0-sku": "VIT-C",
        "lines-0-batch-code": ["LOT-2401", "LOT-2402"],
        "lines-0-batch-quantity": ["2", "99"],
    })  # fmt: skip
    assert refused.status_code in (409, 422), refused.text
    page = refused.text
    assert 'id="err-lines-0-batches-1-quantity"' in row(page, 0, 1)
    assert "36 on hand" in row(page, 0, 1)
    assert "err-" not in row(page, 0, 0)  # the other row is fine
    assert 'value="99"' in row(page, 0, 1)  # what was typed stays
    assert on_hand(shop) == before
    assert document_count(shop) == documents


def test_expired_batches_are_offered_only_to_a_manager_and_marked(shop: TestClient) -> None:
    with library(shop) as inv:
        inv.receive(supplier="Northwind Parts", location=MAIN, lines=[{"sku": "VIT-C", "batches": [
            {"code": "LOT-OLD", "quantity": 3, "expiry": "2020-02-01"}]}])  # fmt: skip
    form = {"location": MAIN, "lines-0-sku": "VIT-C"}
    clerk = shop.post("/entry/picker?index=0&kind=sale", data=form,
                      headers={"X-CSRF-Token": as_user(shop, "kim")}).text  # fmt: skip
    assert "LOT-OLD" not in clerk
    assert "1 expired or past-removal batch not offered" in clerk
    write_off = shop.post("/entry/picker?index=0&kind=write_off", data=form,
                          headers={"X-CSRF-Token": as_user(shop, "kim")}).text  # fmt: skip
    assert "LOT-OLD" in write_off  # a write-off takes expired goods
    manager = shop.post("/entry/picker?index=0&kind=sale", data=form,
                        headers={"X-CSRF-Token": as_user(shop, "mia")}).text  # fmt: skip
    assert "LOT-OLD" in manager
    assert "EXPIRED" in manager.split('<option value="LOT-OLD"')[1].split("</option>")[0]


# --- expired serials: a manager's override -------------------------------------------------------
def test_an_expired_serial_is_refused_to_a_clerk_and_allowed_by_a_manager(
    shop: TestClient,
) -> None:
    expired_kit(shop)
    sale = {"partner": "Jane Doe", "location": MAIN, "lines-0-sku": "MED-9",
            "lines-0-serial": "KIT-OLD"}  # fmt: skip
    token = as_user(shop, "kim")
    assert 'id="allow-expired"' not in shop.get("/sales/new").text
    documents = document_count(shop)
    refused = shop.post("/sales/new", data={**sale, "csrf_token": token})
    assert refused.status_code in (409, 422), refused.text
    assert 'id="err-lines-0-serials-0"' in refused.text
    assert "expired" in refused.text.split('id="err-lines-0-serials-0"')[1].split("</span>")[0]
    forged = shop.post("/sales/new", data={**sale, "csrf_token": token, "allow_expired": "1"})
    assert forged.status_code == 403
    assert document_count(shop) == documents

    token = as_user(shop, "mia")
    form = shop.get("/sales/new").text
    assert 'id="allow-expired"' in form
    assert "Allow expired units (manager)" in form
    picker = shop.post(
        "/entry/picker?index=0&kind=sale", headers={"X-CSRF-Token": token},
        data={"location": MAIN, "lines-0-sku": "MED-9"},
    ).text  # fmt: skip
    assert "KIT-OLD" in picker  # offered to a manager, marked
    assert "expired" in picker.split('value="KIT-OLD">')[1].split("</label>")[0]
    unchecked = shop.post("/sales/new", data={**sale, "csrf_token": token})
    assert unchecked.status_code in (409, 422)
    assert document_count(shop) == documents
    allowed = post(shop, "/sales/new", {**sale, "csrf_token": token, "allow_expired": "1"})
    assert allowed.status_code == 303, allowed.text
    page = shop.get(allowed.headers["location"]).text
    assert "expired units allowed by mia" in page
    with library(shop) as inv:
        assert inv.serial("MED-9", "KIT-OLD", history=False).status.value == "sold"


def test_a_manager_transfers_an_expired_unit_with_the_checkbox(shop: TestClient) -> None:
    expired_kit(shop)
    move = {"location": MAIN, "destination": WAREHOUSE, "lines-0-sku": "MED-9",
            "lines-0-serial": "KIT-OLD"}  # fmt: skip
    token = as_user(shop, "kim")
    assert 'id="allow-expired"' not in shop.get("/transfers/one-step").text
    assert 'id="allow-expired"' not in shop.get("/write-offs/new").text
    token = as_user(shop, "mia")
    assert 'id="allow-expired"' in shop.get("/transfers/one-step").text
    assert 'id="allow-expired"' in shop.get("/transfers/dispatch").text
    assert 'id="allow-expired"' not in shop.get("/write-offs/new").text
    refused = shop.post("/transfers/one-step", data={**move, "csrf_token": token})
    assert refused.status_code in (409, 422), refused.text
    assert 'id="err-lines-0-serials-0"' in refused.text
    moved = post(shop, "/transfers/one-step", {**move, "csrf_token": token, "allow_expired": "1"})
    assert moved.status_code == 303, moved.text
    assert "expired units allowed by mia" in shop.get(moved.headers["location"]).text
    with library(shop) as inv:
        assert inv.serial("MED-9", "KIT-OLD", history=False).location == WAREHOUSE


# --- expiry and warranty on serial receipt lines -------------------------------------------------
def test_receipt_line_warranty_days_and_expiry_show_on_the_serial_page(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    panel = shop.post(
        "/entry/allocate?index=0&kind=receipt", headers={"X-CSRF-Token": token},
        data={"lines-0-sku": "LAP-14", "lines-0-quantity": "1"},
    ).text  # fmt: skip
    assert 'name="lines-0-expiry"' in panel
    assert 'name="lines-0-warranty_days"' in panel
    posted = post(shop, "/receipts/new", {
        "csrf_token": token, "partner": "Northwind Parts", "location": WAREHOUSE,
        "lines-0-sku": "LAP-14", "lines-0-quantity": "1", "lines-0-serial": "LP14-W90",
        "lines-0-warranty_days": "90", "lines-0-expiry": "2032-06-30",
    })  # fmt: skip
    assert posted.status_code == 303, posted.text
    page = shop.get("/serial", params={"sku": "LAP-14", "code": "LP14-W90"}).text
    until = (date.today() + timedelta(days=90)).isoformat()
    assert until in page.split('id="supplier-warranty"')[1].split("</div>")[0]  # not 730 days
    assert "2032-06-30" in page.split('id="serial-expiry"')[1]


def test_bad_warranty_days_and_a_missing_expiry_are_named_beside_their_fields(
    shop: TestClient,
) -> None:
    token = as_user(shop, "kim")
    documents = document_count(shop)
    refused = shop.post("/receipts/new", data={
        "csrf_token": token, "partner": "Northwind Parts", "location": WAREHOUSE,
        "lines-0-sku": "LAP-14", "lines-0-quantity": "1", "lines-0-serial": "LP14-BAD",
        "lines-0-warranty_days": "-3",
    })  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert 'id="err-lines-0-warranty_days"' in refused.text
    assert 'value="-3"' in refused.text
    with library(shop) as inv:
        inv.add_product("MED-8", "Syringe", "serial", expiry_required=True)
    missing = shop.post("/receipts/new", data={
        "csrf_token": token, "partner": "Northwind Parts", "location": WAREHOUSE,
        "lines-0-sku": "MED-8", "lines-0-quantity": "1", "lines-0-serial": "SYR-1",
    })  # fmt: skip
    assert missing.status_code in (409, 422), missing.text
    assert "an expiry date is required" in missing.text.split('id="err-lines-0-serials-0"')[1]
    assert document_count(shop) == documents
