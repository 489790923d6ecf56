"""Pages for locations, partners, transfers, write-offs, serial correction, drafts and filters.

Each page: it works, a refusal is shown beside the field it names (and nothing is written),
and a role that may not do it does not see it and gets the service's 403 when it posts anyway.
The demo shop: PHN-X1 X1-00004..X1-00019 in stock at Main store, LAP-14 at Warehouse.
"""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from webshop import MAIN, WAREHOUSE, as_user, library


def status_of(client: TestClient, sku: str, code: str) -> str:
    with library(client) as inv:
        return inv.serial(sku, code, history=False).status.value


def document_count(client: TestClient) -> int:
    with library(client) as inv:
        return len(inv.documents(limit=1000))


def post(client: TestClient, path: str, data: dict[str, object]) -> object:
    return client.post(path, data=data, follow_redirects=False)


# --- locations and partners ----------------------------------------------------------------------
def test_a_manager_creates_and_renames_a_location(shop: TestClient) -> None:
    token = as_user(shop, "mia")
    assert 'id="new-location"' in shop.get("/locations").text
    created = post(shop, "/locations/new", {"csrf_token": token, "name": "Back room"})
    assert created.status_code == 303
    assert "Back room" in shop.get("/locations").text
    taken = shop.post("/locations/new", data={"csrf_token": token, "name": WAREHOUSE})
    assert taken.status_code == 409
    assert 'id="err-name"' in taken.text
    renamed = post(shop, "/locations/edit?name=Back+room", {"csrf_token": token, "name": "Annex"})
    assert renamed.status_code == 303
    listed = shop.get("/locations").text
    assert "Annex" in listed
    assert "Back room" not in listed
    empty = shop.post("/locations/edit?name=Annex", data={"csrf_token": token, "name": " "})
    assert empty.status_code == 422
    assert 'id="err-name"' in empty.text


def test_a_clerk_sees_locations_but_may_not_add_one(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    page = shop.get("/locations").text
    assert MAIN in page
    assert 'id="new-location"' not in page
    assert "Rename" not in page
    refused = shop.post("/locations/new", data={"csrf_token": token, "name": "Back room"})
    assert refused.status_code == 403
    assert "Back room" not in shop.get("/locations").text


def test_a_manager_creates_and_edits_a_partner(shop: TestClient) -> None:
    token = as_user(shop, "mia")
    neither = shop.post("/partners/new", data={"csrf_token": token, "name": "Initech"})
    assert neither.status_code == 422
    assert 'id="err-role"' in neither.text
    assert "Initech" not in shop.get("/partners").text
    created = post(
        shop, "/partners/new", {"csrf_token": token, "name": "Initech", "supplier": "on"}
    )
    assert created.status_code == 303
    edited = post(
        shop, "/partners/edit?name=Initech",
        {"csrf_token": token, "name": "Initech Ltd", "supplier": "on", "customer": "on"},
    )  # fmt: skip
    assert edited.status_code == 303
    with library(shop) as inv:
        partner = inv.partner("Initech Ltd")
    assert (partner.is_supplier, partner.is_customer) == (True, True)
    taken = shop.post(
        "/partners/edit?name=Initech+Ltd",
        data={"csrf_token": token, "name": "Jane Doe", "customer": "on"},
    )
    assert taken.status_code == 409
    assert 'id="err-name"' in taken.text


def test_a_clerk_may_not_edit_a_partner(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    assert "Edit" not in shop.get("/partners").text
    refused = shop.post(
        "/partners/edit?name=Jane+Doe", data={"csrf_token": token, "name": "J", "customer": "on"}
    )
    assert refused.status_code == 403
    forged = shop.post(
        "/partners/new", data={"csrf_token": "forged", "name": "X", "customer": "on"}
    )
    assert forged.status_code == 403


# --- transfers -----------------------------------------------------------------------------------
def dispatch(client: TestClient, token: str, *codes: str) -> str:
    """Dispatch ``codes`` from Main store to Warehouse through the page; return its number."""
    form = {"csrf_token": token, "location": MAIN, "destination": WAREHOUSE,
            "lines-0-sku": "PHN-X1", "lines-0-serial": list(codes)}  # fmt: skip
    done = post(client, "/transfers/dispatch", form)
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"]).text
    assert "in transit" in page or "Still in transit" in page
    return page.split('<h1>Dispatch <span id="doc-number">')[1].split("<")[0]


def test_a_dispatch_picks_serials_in_stock_and_refuses_the_others(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    form_page = shop.get("/transfers/dispatch").text
    assert 'id="destination"' in form_page
    before = document_count(shop)
    sold = shop.post("/transfers/dispatch", data={
        "csrf_token": token, "location": MAIN, "destination": WAREHOUSE,
        "lines-0-sku": "PHN-X1", "lines-0-serial": ["X1-00004", "X1-00002"],
    })  # fmt: skip
    assert sold.status_code == 409
    assert 'id="err-lines-0-serials-1"' in sold.text  # X1-00002 was sold
    same = shop.post("/transfers/dispatch", data={
        "csrf_token": token, "location": MAIN, "destination": MAIN,
        "lines-0-sku": "PHN-X1", "lines-0-serial": ["X1-00004"],
    })  # fmt: skip
    assert same.status_code == 422
    assert 'id="err-destination"' in same.text
    assert document_count(shop) == before
    assert status_of(shop, "PHN-X1", "X1-00004") == "in_stock"
    number = dispatch(shop, token, "X1-00004", "X1-00005")
    listed = shop.get("/transfers").text
    assert number in listed
    assert "X1-00004" in listed
    assert status_of(shop, "PHN-X1", "X1-00005") == "in_transit"


def test_the_dispatch_picker_offers_serials_at_the_source(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    picked = shop.post(
        "/entry/picker?index=0", headers={"X-CSRF-Token": token},
        data={"location": WAREHOUSE, "lines-0-sku": "LAP-14"},
    ).text  # fmt: skip
    assert 'value="LP14-0003"' in picked
    assert "X1-00004" not in picked
    line = shop.post("/entry/line?kind=dispatch", headers={"X-CSRF-Token": token}, data={}).text
    assert "/entry/picker?index=0" in line


def test_receiving_part_of_a_dispatch_by_scanning(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    number = dispatch(shop, token, "X1-00004", "X1-00005")
    page = shop.get("/transfers/receive", params={"dispatch": number}).text
    assert 'id="receive-scan"' in page
    headers = {"X-CSRF-Token": token}
    scan = f"/transfers/receive/scan?dispatch={number}"
    added = shop.post(scan, headers=headers, data={"scan": "x1-00004"})
    assert 'name="lines-0-serial" value="X1-00004"' in added.text  # the code as stored
    not_on_it = shop.post(scan, headers=headers, data={"scan": "X1-00006"})
    assert not_on_it.headers["HX-Retarget"] == "#scan-message"
    assert "not in transit on" in not_on_it.text
    on_form = {"lines-0-sku": "PHN-X1", "lines-0-serial": "X1-00004"}
    twice = shop.post(scan, headers=headers, data={"scan": "X1-00004", **on_form})
    assert "scanned already" in twice.text
    wrong = shop.post(f"/transfers/receive?dispatch={number}", data={
        "csrf_token": token, "lines-0-sku": "PHN-X1", "lines-0-serial": "X1-00006",
    })  # fmt: skip
    assert wrong.status_code == 409
    assert 'id="err-lines-0-serials-0"' in wrong.text
    nothing = shop.post(f"/transfers/receive?dispatch={number}", data={"csrf_token": token})
    assert nothing.status_code == 422
    assert 'id="err-lines"' in nothing.text
    received = post(shop, f"/transfers/receive?dispatch={number}", {"csrf_token": token, **on_form})
    assert received.status_code == 303
    assert status_of(shop, "PHN-X1", "X1-00004") == "in_stock"
    assert status_of(shop, "PHN-X1", "X1-00005") == "in_transit"
    still = shop.get("/transfers").text
    assert "X1-00005" in still
    assert "X1-00004" not in still
    rest = post(shop, f"/transfers/receive?dispatch={number}", {"csrf_token": token, "all": "1"})
    assert rest.status_code == 303
    assert "Nothing is in transit" in shop.get("/transfers").text


def test_a_one_step_transfer_moves_at_once(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    done = post(shop, "/transfers/one-step", {
        "csrf_token": token, "location": WAREHOUSE, "destination": MAIN,
        "lines-0-sku": "LAP-14", "lines-0-serial": ["LP14-0003"],
    })  # fmt: skip
    assert done.status_code == 303
    with library(shop) as inv:
        assert inv.serial("LAP-14", "LP14-0003").location == MAIN
    missing = shop.post("/transfers/one-step", data={
        "csrf_token": token, "location": WAREHOUSE, "lines-0-sku": "LAP-14",
        "lines-0-serial": ["LP14-0004"],
    })  # fmt: skip
    assert missing.status_code == 422
    assert 'id="err-destination"' in missing.text


def test_a_viewer_sees_transfers_but_may_not_move_stock(shop: TestClient) -> None:
    token = as_user(shop, "vic")
    page = shop.get("/transfers").text
    assert "In transit" in page
    assert 'id="new-dispatch"' not in page
    assert "/write-offs/new" not in page
    before = document_count(shop)
    for path, extra in (("/transfers/dispatch", {"destination": WAREHOUSE}),
                        ("/transfers/one-step", {"destination": WAREHOUSE}),
                        ("/write-offs/new", {"reason": "dropped"})):  # fmt: skip
        refused = shop.post(path, data={
            "csrf_token": token, "location": MAIN, "lines-0-sku": "PHN-X1",
            "lines-0-serial": ["X1-00004"], **extra,
        })  # fmt: skip
        assert refused.status_code == 403, path
    assert document_count(shop) == before


# --- write-off and serial correction -------------------------------------------------------------
def test_a_write_off_needs_a_reason(shop: TestClient) -> None:
    clerk = as_user(shop, "kim")  # units leave the books: a manager's unless the shop says so
    assert 'href="/write-offs/new"' not in shop.get("/").text
    refused = shop.post("/write-offs/new", data={"csrf_token": clerk, "location": MAIN,
                        "lines-0-sku": "PHN-X1", "lines-0-serial": ["X1-00007"],
                        "reason": "screen cracked"})  # fmt: skip
    assert refused.status_code == 403
    assert status_of(shop, "PHN-X1", "X1-00007") == "in_stock"
    token = as_user(shop, "mia")
    form = {"csrf_token": token, "location": MAIN, "lines-0-sku": "PHN-X1",
            "lines-0-serial": ["X1-00007"]}  # fmt: skip
    no_reason = shop.post("/write-offs/new", data=form)
    assert no_reason.status_code == 422
    assert 'id="err-reason"' in no_reason.text
    assert 'value="X1-00007" checked' in no_reason.text  # what was picked stays picked
    assert status_of(shop, "PHN-X1", "X1-00007") == "in_stock"
    done = post(shop, "/write-offs/new", {**form, "reason": "screen cracked"})
    assert done.status_code == 303
    page = shop.get(done.headers["location"]).text
    assert "screen cracked" in page
    assert status_of(shop, "PHN-X1", "X1-00007") == "written_off"


def test_a_manager_corrects_a_mistyped_serial(shop: TestClient) -> None:
    token = as_user(shop, "mia")
    page = shop.get("/serial", params={"sku": "PHN-X1", "code": "X1-00010"}).text
    assert 'id="correct-form"' in page
    taken = shop.post("/serial/correct?sku=PHN-X1&code=X1-00010",
                      data={"csrf_token": token, "new_code": "X1-00011"})  # fmt: skip
    assert taken.status_code == 409
    assert 'id="err-new_code"' in taken.text
    fix = {"csrf_token": token, "new_code": "X1-00010B", "reason": "label misprint"}
    fixed = post(shop, "/serial/correct?sku=PHN-X1&code=X1-00010", fix)
    assert fixed.status_code == 303
    shown = shop.get(fixed.headers["location"]).text
    assert "X1-00010B" in shown
    assert "earlier codes" in shown


def test_a_clerk_sees_no_serial_correction(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    page = shop.get("/serial", params={"sku": "PHN-X1", "code": "X1-00010"}).text
    assert 'id="correct-form"' not in page
    refused = shop.post("/serial/correct?sku=PHN-X1&code=X1-00010",
                        data={"csrf_token": token, "new_code": "X1-00010B"})  # fmt: skip
    assert refused.status_code == 403
    assert status_of(shop, "PHN-X1", "X1-00010") == "in_stock"


# --- the receipt's allocate panel: rule and file -------------------------------------------------
def test_the_allocate_panel_fills_rows_from_a_rule(shop: TestClient) -> None:
    headers = {"X-CSRF-Token": as_user(shop, "kim")}
    rule = {"lines-0-sku": "LAP-14", "lines-0-quantity": "1", "rule-0-prefix": "RL-",
            "rule-0-start": "8", "rule-0-count": "3", "rule-0-width": "4"}  # fmt: skip
    filled = shop.post("/entry/allocate?index=0&action=rule", headers=headers, data=rule).text
    assert filled.count('name="lines-0-serial"') == 3
    assert 'value="RL-0010"' in filled
    bad = shop.post("/entry/allocate?index=0&action=rule", headers=headers,
                    data={**rule, "rule-0-count": "many"}).text  # fmt: skip
    assert 'id="err-lines-0-rule-count"' in bad
    assert bad.count('name="lines-0-serial"') == 1


def test_the_allocate_panel_fills_rows_from_a_file(shop: TestClient) -> None:
    headers = {"X-CSRF-Token": as_user(shop, "kim")}
    data = {"lines-0-sku": "LAP-14", "lines-0-quantity": "1", "lines-0-serial": "TYPED-1"}
    csv_file = b"F-1,laptop\nF-2,laptop\n\nF-3\n"
    files = {"file-0": ("serials.csv", io.BytesIO(csv_file), "text/csv")}
    path = "/entry/allocate?index=0&action=file"
    filled = shop.post(path, headers=headers, data=data, files=files).text
    assert filled.count('name="lines-0-serial"') == 4
    assert 'value="TYPED-1"' in filled
    assert 'value="F-3"' in filled
    assert "laptop" not in filled.split("<ol")[1].split("</ol>")[0]
    missing = shop.post(path, headers=headers, data=data).text
    assert 'id="err-lines-0-file"' in missing


# --- list filters --------------------------------------------------------------------------------
def test_the_serial_list_filters_by_dates(shop: TestClient) -> None:
    as_user(shop, "vic")
    with library(shop) as inv:
        received = inv.document("RC-000001").date
    on_the_day = shop.get("/serials", params={
        "sku": "PHN-X1", "received_from": received.isoformat(), "received_to": received.isoformat(),
    }).text  # fmt: skip
    assert "X1-00004" in on_the_day
    later = received.replace(year=received.year + 1).isoformat()
    none = shop.get("/serials", params={"sku": "PHN-X1", "sold_from": later}).text
    assert "No serials." in none
    bad = shop.get("/serials", params={"received_to": "31/12/2024"})
    assert bad.status_code == 422
    assert 'id="err-received_to"' in bad.text


def test_the_document_list_filters_by_dates(shop: TestClient) -> None:
    as_user(shop, "vic")
    with library(shop) as inv:
        day = inv.document("RC-000001").date
    same_day = shop.get("/documents", params={"date_from": day.isoformat(),
                                              "date_to": day.isoformat()}).text  # fmt: skip
    assert "RC-000001" in same_day
    earlier = day.replace(year=day.year - 1).isoformat()
    assert "No documents." in shop.get("/documents", params={"date_to": earlier}).text
    bad = shop.get("/documents", params={"date_from": "yesterday"})
    assert bad.status_code == 422
    assert 'id="err-date_from"' in bad.text


# --- drafts --------------------------------------------------------------------------------------
def draft_sale(client: TestClient, code: str) -> int:
    with library(client) as inv:
        return inv.sell(location=MAIN, customer="Jane Doe", lines=[("PHN-X1", [code])],
                        post=False).id  # fmt: skip


def test_a_clerk_posts_a_draft_and_deletes_another(shop: TestClient) -> None:
    first, second = draft_sale(shop, "X1-00008"), draft_sale(shop, "X1-00009")
    token = as_user(shop, "kim")
    page = shop.get(f"/documents/{first}").text
    assert 'id="post-draft"' in page
    assert 'id="delete-draft"' in page
    posted = post(shop, f"/documents/{first}/post", {"csrf_token": token})
    assert posted.status_code == 303
    assert status_of(shop, "PHN-X1", "X1-00008") == "sold"
    again = shop.post(f"/documents/{first}/post", data={"csrf_token": token})
    assert again.status_code == 409
    assert "only a draft can be posted" in again.text
    assert status_of(shop, "PHN-X1", "X1-00009") == "reserved"
    deleted = post(shop, f"/documents/{second}/delete", {"csrf_token": token})
    assert deleted.status_code == 303
    assert shop.get(f"/documents/{second}").status_code == 404
    assert status_of(shop, "PHN-X1", "X1-00009") == "in_stock"


def test_a_refused_draft_names_the_serial_beside_it(shop: TestClient) -> None:
    with library(shop) as inv:  # a draft receipt, then the same code arrives on another one
        draft = inv.receive(supplier="Acme Distribution", location=MAIN,
                            lines=[("PHN-X1", ["DR-1"])], post=False).id  # fmt: skip
        inv.receive(supplier="Acme Distribution", location=WAREHOUSE, lines=[("PHN-X1", ["DR-1"])])
    token = as_user(shop, "kim")
    forged = shop.post(f"/documents/{draft}/post", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    refused = shop.post(f"/documents/{draft}/post", data={"csrf_token": token})
    assert refused.status_code == 409
    assert 'id="err-lines-0-serials-0"' in refused.text
    assert 'id="post-draft"' in refused.text  # still a draft
    with library(shop) as inv:
        assert inv.serial("PHN-X1", "DR-1").location == WAREHOUSE


def test_a_viewer_sees_no_draft_buttons_and_is_refused(shop: TestClient) -> None:
    draft = draft_sale(shop, "X1-00008")
    token = as_user(shop, "vic")
    page = shop.get(f"/documents/{draft}").text
    assert 'id="post-draft"' not in page
    assert 'id="delete-draft"' not in page
    for action in ("post", "delete"):
        refused = shop.post(f"/documents/{draft}/{action}", data={"csrf_token": token})
        assert refused.status_code == 403, action
    assert status_of(shop, "PHN-X1", "X1-00008") == "reserved"
