"""Pages: login required, session cookie, CSRF on logout, HTML escaping, the CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.entrypoints.web import create_app

PASSWORD = "counter-pass-1"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    with serialtrack.open(url) as inv:
        load_demo(inv)
        inv.add_user("kim", "clerk", PASSWORD)
        inv.add_user("mia", "manager", PASSWORD)
        inv.add_partner("<script>alert(1)</script>", supplier=True)
        inv.receive(
            supplier="<script>alert(1)</script>", location="Warehouse",
            lines=[("LAP-14", ["=cmd|' /C calc'!A0"])],
        )  # fmt: skip
    with TestClient(create_app(url)) as test_client:
        yield test_client


def log_in(client: TestClient, password: str = PASSWORD, username: str = "kim") -> None:
    response = client.post(
        "/login", data={"username": username, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def csrf(client: TestClient) -> str:
    return client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]


def test_pages_need_a_login(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert client.get("/reports/serials.csv").status_code == 401


def test_wrong_password_is_refused_on_the_form(client: TestClient) -> None:
    response = client.post("/login", data={"username": "kim", "password": "nope-nope"})
    assert response.status_code == 401
    assert "wrong username or password" in response.text
    assert "serialtrack_session" not in response.cookies


def test_pages_escape_what_users_typed(client: TestClient) -> None:
    log_in(client)
    page = client.get("/", params={"sku": "LAP-14", "code": "=cmd|' /C calc'!A0"}).text
    assert "kim (clerk)" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the supplier, on the serial page
    assert "in stock at Warehouse" in page


def test_logout_needs_the_csrf_token(client: TestClient) -> None:
    log_in(client)
    refused = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200
    done = client.post("/logout", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_csv_report_streams_every_serial_safely(client: TestClient) -> None:
    log_in(client)
    response = client.get("/reports/serials.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(response.text.splitlines()))
    assert len(rows) == 31 + 2  # and the demo's two VIT-C batches, in stock at Main store
    assert {r["serial"] for r in rows} >= {"X1-00001", "LP14-0010", "'=cmd|' /C calc'!A0"}
    assert [(r["batch"], r["quantity"]) for r in rows if r["batch"]] == [
        ("LOT-2401", "24"), ("LOT-2402", "36"),
    ]  # fmt: skip
    assert {r["quantity"] for r in rows if r["serial"]} == {"1"}


def counts(client: TestClient) -> dict[str, int]:
    with serialtrack.open(
        client.app.state.inventory.store.engine.url.render_as_string(False)
    ) as inv:
        return {
            "documents": len(inv.documents(limit=1000)),
            "serials": len(inv.serials(limit=1000)),
        }


def test_a_refused_receipt_shows_each_problem_beside_its_row_and_writes_nothing(
    client: TestClient,
) -> None:
    log_in(client)
    before = counts(client)
    form = {
        "csrf_token": csrf(client), "partner": "Acme Distribution", "location": "Warehouse",
        "lines-0-sku": "PHN-X1", "lines-0-quantity": "3",
        "lines-0-serial": ["NEW-1", "X1-00005", "NEW-3"],
    }  # fmt: skip
    response = client.post("/receipts/new", data=form)
    assert response.status_code == 409, response.text
    page = response.text
    assert 'id="err-lines-0-serials-1"' in page  # X1-00005 is in stock already
    assert 'value="NEW-1"' in page  # what was typed stays
    assert counts(client) == before
    form["lines-0-serial"] = ["NEW-1", "", "NEW-3"]
    empty = client.post("/receipts/new", data=form)
    assert empty.status_code == 422
    assert "the serial code is empty" in empty.text
    assert 'id="err-lines-0-serials-1"' in empty.text
    form["lines-0-serial"] = ["NEW-1", "NEW-2", "NEW-3"]
    posted = client.post("/receipts/new", data=form, follow_redirects=False)
    assert posted.status_code == 303
    assert "posted" in client.get(posted.headers["location"]).text


def test_the_allocate_panel_has_one_row_per_unit_and_expands_a_pasted_range(
    client: TestClient,
) -> None:
    log_in(client)
    headers = {"X-CSRF-Token": csrf(client)}
    three = client.post(
        "/entry/allocate?index=0", data={"lines-0-sku": "LAP-14", "lines-0-quantity": "3"},
        headers=headers,
    ).text  # fmt: skip
    assert three.count('name="lines-0-serial"') == 3
    pasted = client.post(
        "/entry/allocate?index=0&action=paste", headers=headers,
        data={"lines-0-sku": "LAP-14", "lines-0-quantity": "1", "paste-0": "LP-8..LP-11"},
    ).text  # fmt: skip
    assert pasted.count('name="lines-0-serial"') == 4
    assert 'value="LP-11"' in pasted
    assert 'value="4"' in pasted  # the quantity follows the rows
    forged = client.post("/entry/allocate?index=0", data={"lines-0-sku": "LAP-14"})
    assert forged.status_code == 403


def test_the_scan_box_opens_a_serial_a_gs1_scan_or_a_product(client: TestClient) -> None:
    log_in(client)
    found = client.get("/search", params={"q": "(01)09506000134352(21)X1-00004"})
    assert found.url.path == "/serial"
    assert "X1-00004" in found.text
    assert client.get("/search", params={"q": "LAP-14"}).url.path == "/product"
    missing = client.get("/search", params={"q": "NOPE-404"})
    assert "is no known product, GTIN or serial" in missing.text


def test_the_serial_list_pages_by_key(client: TestClient) -> None:
    log_in(client)
    first = client.get("/serials", params={"sku": "PHN-X1"}).text
    assert "X1-00001" in first
    assert "next page" not in first
    filtered = client.get("/serials", params={"status": "sold", "sku": "PHN-X1"}).text
    assert "X1-00002" in filtered
    assert "X1-00004" not in filtered
    bad = client.get("/serials", params={"location": "Nowhere"})
    assert bad.status_code == 422
    assert "no location named" in bad.text


def test_a_clerk_sees_no_cancel_and_is_refused_when_posting_it(client: TestClient) -> None:
    log_in(client)
    page = client.get("/documents/1").text
    assert "posted" in page
    assert 'id="cancel"' not in page
    refused = client.post("/documents/1/cancel", data={"csrf_token": csrf(client)})
    assert refused.status_code == 403
    assert "may not cancel document" in refused.text
    new_product = client.post(
        "/products/new", data={"csrf_token": csrf(client), "sku": "X", "name": "X"}
    )
    assert new_product.status_code == 403


def test_a_refused_cancel_names_the_serials_that_moved_on(client: TestClient) -> None:
    log_in(client, username="mia")
    page = client.get("/documents/1").text
    assert 'id="cancel"' in page
    refused = client.post("/documents/1/cancel", data={"csrf_token": csrf(client)})
    assert refused.status_code == 409
    assert "cannot be cancelled" in refused.text
    assert "X1-00002 is now sold" in refused.text


def test_import_checks_the_whole_file_then_imports_on_confirm(client: TestClient) -> None:
    log_in(client, username="mia")
    token = csrf(client)
    assert "sku" in client.get("/import/template.csv").text.lower()
    bad = "sku,product name,location,serial\nPHN-X1,,Warehouse,X1-00001\nNOPE,,Warehouse,Z-1\n"
    checked = client.post("/import", data={"csrf_token": token},
                          files={"file": ("bad.csv", bad.encode())})  # fmt: skip
    assert checked.status_code == 422
    assert "row 2" in checked.text
    assert "row 3" in checked.text
    good = "sku,product name,location,serial\nLAP-14,,Warehouse,LP14-9001\n"
    checked = client.post("/import", data={"csrf_token": token},
                          files={"file": ("good.csv", good.encode())})  # fmt: skip
    assert 'id="confirm-import"' in checked.text
    payload = checked.text.split('name="payload" value="')[1].split('"')[0]
    done = client.post("/import", data={"csrf_token": token, "confirm": "1",
                                        "payload": payload, "filename": "good.csv"})  # fmt: skip
    assert 'id="import-done"' in done.text
    assert "in stock" in client.get("/serial", params={"sku": "LAP-14", "code": "LP14-9001"}).text
