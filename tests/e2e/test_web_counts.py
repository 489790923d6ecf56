"""Pages for inventory counts, discrepancies, a serial's warranty and deletion, the tracking
switch, batch stock and sellable-only pickers.

Each page: it works, a refusal is shown beside the field it names (and nothing is written),
and a role that may not do it does not see it and gets the service's 403 when it posts anyway.
The demo shop: PHN-X1 X1-00001 and X1-00004..X1-00019 in stock at Main store (17), LAP-14
LP14-0003..LP14-0010 at Warehouse, 47 USB-C cables (no tracking) at Main store.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from webshop import HTMX, MAIN, WAREHOUSE, as_user, library

from serialtrack.domain.errors import NotFound


def document_count(client: TestClient) -> int:
    with library(client) as inv:
        return len(inv.documents(limit=1000))


def post(client: TestClient, path: str, data: dict[str, object]) -> object:
    return client.post(path, data=data, follow_redirects=False)


def open_count(client: TestClient, token: str, sku: str = "PHN-X1") -> int:
    opened = post(client, "/counts/new", {"csrf_token": token, "location": MAIN, "sku": sku})
    assert opened.status_code == 303, opened.text
    return int(opened.headers["location"].rsplit("/", 1)[1])


def scan(client: TestClient, token: str, count_id: int, code: str) -> str:
    headers = {**HTMX, "X-CSRF-Token": token}
    response = client.post(f"/counts/{count_id}/scan", headers=headers, data={"scan": code})
    assert response.status_code == 200, response.text
    return response.text


def tally(page: str, name: str) -> int:
    return int(page.split(f'id="count-{name}">')[1].split("<")[0])


# --- inventory counts ----------------------------------------------------------------------------
def test_a_clerk_opens_and_scans_a_count_and_a_manager_posts_it(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    listed = shop.get("/counts").text
    assert 'id="open-count"' in listed
    assert 'href="/counts"' in listed
    assert 'href="/discrepancies"' in listed
    count_id = open_count(shop, token)
    page = shop.get(f"/counts/{count_id}").text
    assert (tally(page, "expected"), tally(page, "found"), tally(page, "missing")) == (17, 0, 17)
    assert 'id="count-scan"' in page
    assert 'id="post-count"' not in page  # what the shelf lacks leaves the books: a manager's
    assert "in stock at Main store" in page.split('id="missing"')[1]  # the books

    first = scan(shop, token, count_id, "X1-00004")
    assert "X1-00004" in first
    assert "counted" in first.split('id="scan-result"')[1]
    assert 'hx-swap-oob="true"' in first
    assert (tally(first, "found"), tally(first, "missing")) == (1, 16)
    again = scan(shop, token, count_id, "X1-00004")
    assert "already counted" in again
    assert tally(again, "found") == 1
    found = scan(shop, token, count_id, "X1-00005")
    assert (tally(found, "found"), tally(found, "matched"), tally(found, "missing")) == (2, 2, 15)
    sold = scan(shop, token, count_id, "X1-00002")  # the books say sold to Jane Doe
    assert tally(sold, "unexpected") == 1
    assert "sold to Jane Doe" in sold.split('id="unexpected"')[1]

    refused = post(shop, f"/counts/{count_id}/post", {"csrf_token": token})
    assert refused.status_code == 403
    manager = as_user(shop, "mia")
    assert 'id="post-count"' in shop.get(f"/counts/{count_id}").text
    posted = post(shop, f"/counts/{count_id}/post", {"csrf_token": manager})
    assert posted.status_code == 303
    after = shop.get(f"/counts/{count_id}").text
    assert 'id="count-differences"' in after
    assert "Not found: written out as lost" in after
    assert tally(after, "missing") == 15
    assert "X1-00006" in after.split('id="missing"')[1]
    assert "not restored" in after.split('id="unexpected"')[1]
    assert 'id="count-scan"' not in after
    assert 'id="post-count"' not in after
    as_user(shop, "kim")
    assert 'id="cancel"' not in shop.get(f"/counts/{count_id}").text  # a clerk does not cancel
    with library(shop) as inv:
        assert inv.serial("PHN-X1", "X1-00006", history=False).status.value == "adjusted_out"
        assert inv.serial("PHN-X1", "X1-00005", history=False).status.value == "in_stock"
    listed = shop.get("/counts").text
    assert "posted" in listed.split('id="counts"')[1]
    flagged = shop.get("/discrepancies").text.split('id="discrepancies"')[1]
    assert "X1-00006" in flagged
    assert "not found" in flagged
    assert "/serial?sku=PHN-X1&amp;code=X1-00006" in flagged
    assert "/documents/by-number?number=CT-" in flagged


def test_a_scan_that_cannot_be_counted_is_named_beside_the_box(shop: TestClient) -> None:
    with library(shop) as inv:
        inv.dispatch(source=MAIN, destination=WAREHOUSE, lines=[("PHN-X1", ["X1-00007"])])
    token = as_user(shop, "kim")
    count_id = open_count(shop, token)
    refused = scan(shop, token, count_id, "X1-00007")
    result = refused.split('id="scan-result"')[1]
    assert 'id="err-scans-0"' in result
    assert "in transit" in result
    with library(shop) as inv:
        assert inv.count(count_id).found == 0  # nothing recorded
    plain = shop.post(f"/counts/{count_id}/scan", data={"csrf_token": token, "scan": "X1-00007"})
    assert plain.status_code == 409  # without JavaScript: the whole page, the error by the box
    assert 'id="err-scans-0"' in plain.text
    assert 'aria-invalid="true"' in plain.text
    recorded = shop.post(f"/counts/{count_id}/scan", data={"csrf_token": token, "scan": "X1-00008"})
    assert recorded.status_code == 200
    assert tally(recorded.text, "found") == 1


def test_opening_a_count_names_the_bad_field(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    before = document_count(shop)
    refused = shop.post("/counts/new", data={"csrf_token": token, "location": "", "sku": ""})
    assert refused.status_code == 422
    assert 'id="err-location"' in refused.text
    unknown = shop.post(
        "/counts/new", data={"csrf_token": token, "location": MAIN, "sku": "NO-SUCH"}
    )  # a quantity-only product (CBL-USB) may be counted: tests/e2e/test_quantity_counts_api.py
    assert unknown.status_code == 422
    assert 'id="err-sku"' in unknown.text
    assert document_count(shop) == before


def test_a_manager_cancels_a_posted_count(shop: TestClient) -> None:
    token = as_user(shop, "mia")
    count_id = open_count(shop, token)
    scan(shop, token, count_id, "X1-00004")
    assert post(shop, f"/counts/{count_id}/post", {"csrf_token": token}).status_code == 303
    page = shop.get(f"/counts/{count_id}").text
    assert f'action="/documents/{count_id}/cancel"' in page
    assert f'id="print-document" href="/documents/{count_id}/pdf"' in page
    printed = shop.get(f"/documents/{count_id}/pdf")
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.content.startswith(b"%PDF")
    cancelled = post(shop, f"/documents/{count_id}/cancel", {"csrf_token": token})
    assert cancelled.status_code == 303
    with library(shop) as inv:
        assert inv.serial("PHN-X1", "X1-00006", history=False).status.value == "in_stock"
    assert "Cancelled" in shop.get(f"/counts/{count_id}").text


def test_a_viewer_sees_counts_but_may_not_count(shop: TestClient) -> None:
    clerk = as_user(shop, "kim")
    count_id = open_count(shop, clerk)
    token = as_user(shop, "vic")
    listed = shop.get("/counts").text
    assert 'id="open-count"' not in listed
    page = shop.get(f"/counts/{count_id}").text
    assert 'id="count-expected"' in page
    assert 'id="count-scan"' not in page
    assert 'id="post-count"' not in page
    before = document_count(shop)
    opened = shop.post("/counts/new", data={"csrf_token": token, "location": MAIN})
    assert opened.status_code == 403
    scanned = shop.post(f"/counts/{count_id}/scan", data={"csrf_token": token, "scan": "X1-00004"})
    assert scanned.status_code == 403
    posted = shop.post(f"/counts/{count_id}/post", data={"csrf_token": token})
    assert posted.status_code == 403
    assert document_count(shop) == before
    with library(shop) as inv:
        view = inv.count(count_id)
    assert (view.state.value, view.found) == ("draft", 0)


def test_a_count_post_needs_the_csrf_token(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    count_id = open_count(shop, token)
    forged = shop.post(f"/counts/{count_id}/post", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    with library(shop) as inv:
        assert inv.count(count_id).state.value == "draft"


# --- discrepancies -------------------------------------------------------------------------------
def test_the_discrepancies_page_lists_nothing_at_first(shop: TestClient) -> None:
    as_user(shop, "vic")
    page = shop.get("/discrepancies")
    assert page.status_code == 200
    assert "Nothing to investigate." in page.text


# --- a serial's warranty, expiry and deletion ----------------------------------------------------
def test_a_serial_shows_supplier_customer_and_warranty(shop: TestClient) -> None:
    as_user(shop, "vic")
    laptop = shop.get("/serial", params={"sku": "LAP-14", "code": "LP14-0005"}).text
    facts = laptop.split('id="serial-facts"')[1]
    assert "Northwind Parts" in facts
    assert "RC-000002" in facts
    assert "Under supplier warranty until" in facts
    phone = shop.get("/serial", params={"sku": "PHN-X1", "code": "X1-00002"}).text
    facts = phone.split('id="serial-facts"')[1]
    assert "Jane Doe" in facts
    assert "SO-000001" in facts
    assert "(sold " in facts
    assert "Customer warranty until" in facts
    assert 'id="delete-form"' not in phone
    assert 'id="correct-form"' not in phone


def test_an_old_warranty_and_an_expired_unit_say_so(shop: TestClient) -> None:
    with library(shop) as inv:
        inv.add_product("MED-1", "Infusion pump", "serial", supplier_warranty_days=30,
                        expiry_required=True)  # fmt: skip
        inv.receive(
            supplier="Acme Distribution", location=MAIN, date=date(2020, 1, 1),
            lines=[{"sku": "MED-1", "serials": ["PUMP-1"], "expiry": "2021-01-01"}],
        )  # fmt: skip
    as_user(shop, "vic")
    page = shop.get("/serial", params={"sku": "MED-1", "code": "PUMP-1"}).text
    assert "Supplier warranty expired on 2020-01-31" in page
    assert 'id="expired-badge"' in page
    assert "2021-01-01" in page.split('id="serial-expiry"')[1]


def test_a_manager_deletes_a_serial_entered_by_mistake(shop: TestClient) -> None:
    with library(shop) as inv:
        receipt = inv.receive(supplier="Acme Distribution", location=MAIN,
                              lines=[("PHN-X1", ["X1-TYPO", "X1-00021"])])  # fmt: skip
    token = as_user(shop, "mia")
    page = shop.get("/serial", params={"sku": "PHN-X1", "code": "X1-TYPO"}).text
    assert 'id="delete-form"' in page
    deleted = post(
        shop, "/serial/delete?sku=PHN-X1&code=X1-TYPO",
        {"csrf_token": token, "delete_reason": "typed twice"},
    )  # fmt: skip
    assert deleted.status_code == 303
    assert receipt.number in deleted.headers["location"]
    with library(shop) as inv:
        with pytest.raises(NotFound):
            inv.serial("PHN-X1", "X1-TYPO")
        assert inv.document(receipt.number).lines[0]["serials"] == ["X1-00021"]


def test_deleting_a_serial_that_moved_is_refused_beside_the_form(shop: TestClient) -> None:
    token = as_user(shop, "mia")
    refused = shop.post(
        "/serial/delete?sku=PHN-X1&code=X1-00002", data={"csrf_token": token, "delete_reason": "x"}
    )
    assert refused.status_code == 409
    form = refused.text.split('id="delete-form"')[1].split("</form>")[0]
    assert 'id="err-code"' in form
    assert "write it off" in form
    assert 'id="err-code"' not in refused.text.split('id="correct-form"')[1].split("</form>")[0]
    with library(shop) as inv:
        assert inv.serial("PHN-X1", "X1-00002", history=False).status.value == "sold"


def test_a_clerk_sees_no_delete_and_is_refused(shop: TestClient) -> None:
    with library(shop) as inv:
        inv.receive(supplier="Acme Distribution", location=MAIN, lines=[("PHN-X1", ["X1-TYPO"])])
    token = as_user(shop, "kim")
    page = shop.get("/serial", params={"sku": "PHN-X1", "code": "X1-TYPO"}).text
    assert 'id="delete-form"' not in page
    refused = shop.post("/serial/delete?sku=PHN-X1&code=X1-TYPO", data={"csrf_token": token})
    assert refused.status_code == 403
    with library(shop) as inv:
        assert inv.serial("PHN-X1", "X1-TYPO", history=False).status.value == "in_stock"


# --- the tracking switch -------------------------------------------------------------------------
def test_switching_tracking_with_stock_on_hand_is_refused_beside_the_field(
    shop: TestClient,
) -> None:
    token = as_user(shop, "mia")
    page = shop.get("/product/edit", params={"sku": "CBL-USB"}).text
    assert 'id="tracking-form"' in page
    assert 'name="serials.Main store"' in page
    assert "47 units at Main store" in page
    refused = shop.post(
        "/product/tracking?sku=CBL-USB", data={"csrf_token": token, "tracking": "serial"}
    )
    assert refused.status_code == 409
    form = refused.text.split('id="tracking-form"')[1]
    assert 'id="err-tracking"' in form
    assert "47 on hand" in form
    short = shop.post(
        "/product/tracking?sku=CBL-USB",
        data={"csrf_token": token, "tracking": "serial", "serials.Main store": "CB-1\nCB-2"},
    )
    assert short.status_code == 422
    error = short.text.split('id="err-serials-0"')[1].split("</span>")[0]
    assert "47 on hand at Main store, 2 serials" in error
    assert "CB-1\nCB-2" in short.text  # what was pasted stays
    with library(shop) as inv:
        assert inv.product("CBL-USB").tracking.value == "none"


def test_a_manager_switches_to_serial_giving_every_unit_a_serial(shop: TestClient) -> None:
    token = as_user(shop, "mia")
    switched = post(
        shop, "/product/tracking?sku=CBL-USB",
        {"csrf_token": token, "tracking": "serial", "serials.Main store": "CB-0001..CB-0047"},
    )  # fmt: skip
    assert switched.status_code == 303
    with library(shop) as inv:
        assert inv.product("CBL-USB").tracking.value == "serial"
        assert inv.serial("CBL-USB", "CB-0047", history=False).status.value == "in_stock"
    assert "CB-0001" in shop.get("/product", params={"sku": "CBL-USB"}).text


def test_a_clerk_may_not_switch_tracking(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    refused = shop.post(
        "/product/tracking?sku=LAP-14", data={"csrf_token": token, "tracking": "none"}
    )
    assert refused.status_code == 403
    with library(shop) as inv:
        assert inv.product("LAP-14").tracking.value == "serial"


# --- batches and sellable pickers ----------------------------------------------------------------
def test_a_batch_product_shows_its_batches_on_hand(shop: TestClient) -> None:
    with library(shop) as inv:
        inv.add_product("TAB-5", "Tablets 5mg", "batch")
        inv.receive(
            supplier="Acme Distribution", location=MAIN,
            lines=[{"sku": "TAB-5", "quantity": 30, "batches": [
                {"code": "LOT-A", "quantity": 30, "expiry": "2031-05-01"}]}],
        )  # fmt: skip
    as_user(shop, "vic")
    table = shop.get("/product", params={"sku": "TAB-5"}).text.split('id="batches"')[1]
    assert "LOT-A" in table
    assert "2031-05-01" in table
    assert ">30<" in table


def test_the_sale_picker_offers_only_unexpired_serials(shop: TestClient) -> None:
    with library(shop) as inv:
        inv.add_product("MED-2", "Test kit", "serial", expiry_required=True)
        inv.receive(supplier="Acme Distribution", location=MAIN, lines=[
            {"sku": "MED-2", "serials": ["KIT-OLD"], "expiry": "2020-01-01"},
            {"sku": "MED-2", "serials": ["KIT-NEW"], "expiry": "2099-01-01"},
        ])  # fmt: skip
    headers = {"X-CSRF-Token": as_user(shop, "kim")}
    form = {"location": MAIN, "lines-0-sku": "MED-2"}
    sale = shop.post("/entry/picker?index=0&kind=sale", headers=headers, data=form).text
    assert "KIT-NEW" in sale
    assert "KIT-OLD" not in sale
    write_off = shop.post("/entry/picker?index=0&kind=write_off", headers=headers, data=form).text
    assert "KIT-NEW" in write_off
    assert "KIT-OLD" in write_off
    scanned = shop.post(
        "/entry/quick-scan", headers=headers, data={"location": MAIN, "scan": "KIT-OLD"}
    )
    assert "expired" in scanned.text
    assert "lines-0-serial" not in scanned.text
    sale_form = shop.get("/sales/new").text
    assert "kind=sale" in sale_form


# --- a serial unknown at sale: the setting decides --------------------------------------------
def test_quick_sale_takes_an_unknown_serial_only_when_the_setting_allows(shop: TestClient) -> None:
    scan = {"location": MAIN, "scan": "(01)09506000134352(21)NEVER-SEEN"}  # PHN-X1's GTIN
    headers = {"X-CSRF-Token": as_user(shop, "kim")}
    refused = shop.post("/entry/quick-scan?kind=sale", headers=headers, data=scan).text
    assert "not in stock at Main store: not in the books" in refused
    assert "lines-0-serial" not in refused
    with library(shop) as inv:
        inv.set_setting("unknown_serials_at_sale", "allow")
    token = as_user(shop, "kim")
    taken = shop.post("/entry/quick-scan?kind=sale", headers={"X-CSRF-Token": token}, data=scan)
    assert 'name="lines-0-serial" value="NEVER-SEEN"' in taken.text
    assert "not in the books: will be added" in taken.text
    sold = shop.post(
        "/sales/new",
        data={"csrf_token": token, "location": MAIN, "lines-0-sku": "PHN-X1",
              "lines-0-serial": "NEVER-SEEN"},
        follow_redirects=False,
    )  # fmt: skip
    assert sold.status_code == 303, sold.text
    with library(shop) as inv:
        assert inv.serial("PHN-X1", "NEVER-SEEN").status.value == "sold"
        assert [d.kind for d in inv.discrepancies()] == ["sold_without_receipt"]
    # a dispatch follows the same setting (seed 001); a purchase return never adopts one
    other = {**scan, "scan": "(01)09506000134352(21)OTHER-NEW"}
    moved = shop.post("/entry/quick-scan?kind=dispatch", headers={"X-CSRF-Token": token},
                      data=other)  # fmt: skip
    assert "not in the books: will be added" in moved.text
    back = shop.post("/entry/quick-scan?kind=purchase_return", headers={"X-CSRF-Token": token},
                     data=other)  # fmt: skip
    assert "lines-0-serial" not in back.text


def test_quick_sale_never_takes_the_products_gtin_for_a_serial(shop: TestClient) -> None:
    """Issue 10, finding 5: the bare GTIN names the product; the till asks for the unit."""
    with library(shop) as inv:
        inv.set_setting("unknown_serials_at_sale", "allow")
    token = as_user(shop, "kim")
    for code in ("09506000134352", "9506000134352", "PHN-X1"):
        scanned = shop.post(
            "/entry/quick-scan?kind=sale",
            headers={"X-CSRF-Token": token},
            data={"location": MAIN, "scan": code},
        ).text
        assert "will be added" not in scanned
        assert "lines-0-serial" not in scanned
    sold = shop.post(
        "/sales/new",
        data={"csrf_token": token, "location": MAIN, "lines-0-sku": "PHN-X1",
              "lines-0-serial": "09506000134352"},
        follow_redirects=False,
    )  # fmt: skip
    assert sold.status_code != 303
    assert "scan the unit" in sold.text
    with library(shop) as inv:
        assert inv.discrepancies() == []
        assert inv.check() == []
