"""Refund by scan end to end: ``POST /api/v1/refunds/lookup`` and ``/refunds``, the refund
page, ``serialtrack refund``; and the returns' reason field in the API and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import serialtrack
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app


@pytest.fixture
def world(tmp_path: Path) -> tuple[str, str, dict[str, str]]:
    """A shop that sold three phones to Alice: URL, the sale's number, tokens by user."""
    url = f"sqlite:///{tmp_path / 'refunds.db'}"
    with serialtrack.open(url) as inv:
        inv.add_location("Store")
        inv.add_location("Quarantine")
        inv.add_partner("Acme", supplier=True)
        inv.add_partner("Alice", customer=True)
        inv.add_product("PHONE", "Phone", customer_warranty_days=365)
        inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["P1", "P2", "P3"])])
        sale = inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["P1", "P2", "P3"])])
        inv.add_user("kim", "clerk", "clerk-password-1")
        inv.add_user("vic", "viewer", "viewer-password-1")
        tokens = {u: inv.create_token(u, "t") for u in ("admin", "kim", "vic")}
    return url, sale.number, tokens


@pytest.fixture
def client(world) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(world[0])) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def books(url: str) -> tuple[int, int]:
    """How many documents and moves the database holds (a refusal must add none)."""
    with serialtrack.open(url) as inv:
        moves = sum(len(inv.document(d["number"]).moves) for d in inv.documents(limit=1000))
        return len(inv.documents(limit=1000)), moves


def test_api_lookup_then_refund(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    url, number, tokens = world
    before = books(url)
    found = client.post("/api/v1/refunds/lookup", json={"scans": ["P2"]},
                        headers=auth(tokens["vic"]))  # fmt: skip
    assert found.status_code == 200, found.text
    (item,) = found.json()["items"]
    assert (item["serial"], item["invoice"], item["customer"], item["under_warranty"]) == (
        "P2", number, "Alice", True,
    )  # fmt: skip
    refused = client.post("/api/v1/refunds", headers=auth(tokens["vic"]),
                          json={"scans": ["P2"], "location": "Store", "reason": "x"})  # fmt: skip
    assert refused.status_code == 403
    assert books(url) == before
    made = client.post("/api/v1/refunds", headers=auth(tokens["kim"]),
                       json={"scans": ["P2"], "location": "Quarantine",
                             "reason": "Defective: cracked"})  # fmt: skip
    assert made.status_code == 201, made.text
    before = books(url)
    (credit,) = made.json()["returns"]
    assert (credit["kind"], credit["origin"], credit["note"]) == (
        "sales_return", number, "Defective: cracked",
    )  # fmt: skip
    twice = {"scans": ["P2", "P9"], "location": "Store", "reason": "x"}
    again = client.post("/api/v1/refunds", headers=auth(tokens["kim"]), json=twice)
    assert again.status_code == 422
    where = [p["where"] for p in again.json()["errors"]]
    assert where == ["scans[0]", "scans[1]"]
    missing = client.post("/api/v1/refunds", headers=auth(tokens["kim"]),
                          json={"scans": ["P3"], "location": "Store"})  # fmt: skip
    assert missing.status_code == 422
    assert "reason" in missing.text
    assert books(url) == before  # none of the refusals wrote anything


def test_api_returns_take_a_reason(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    _, number, tokens = world
    body = {"kind": "sales_return", "partner": "Alice", "location": "Store", "origin": number,
            "reason": "Changed mind", "lines": [{"sku": "PHONE", "serials": ["P1"]}]}  # fmt: skip
    made = client.post("/api/v1/documents", json=body, headers=auth(tokens["kim"]))
    assert made.status_code == 201, made.text
    assert made.json()["note"] == "Changed mind"
    both = {**body, "note": "something else", "lines": [{"sku": "PHONE", "serials": ["P3"]}]}
    before = books(world[0])
    refused = client.post("/api/v1/documents", json=both, headers=auth(tokens["kim"]))
    assert books(world[0]) == before
    assert refused.status_code == 422
    assert "reason or note, not both" in refused.text


def test_refund_page_looks_up_then_refunds(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    _, number, _ = world
    login = client.post("/login", data={"username": "kim", "password": "clerk-password-1"},
                        follow_redirects=False)  # fmt: skip
    assert login.status_code == 303
    sale_page = client.get(f"/documents/by-number?number={number}")
    assert f'href="/refunds/new?scan={number}"' in sale_page.text
    page = client.get("/refunds/new", params={"scan": number})
    assert page.status_code == 200
    assert 'id="refund-units"' in page.text
    assert all(code in page.text for code in ("P1", "P2", "P3"))
    assert "Defective" in page.text  # the reasons offered (setting return_reasons)
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": csrf, "scans": "P1\r\nP3\r\n", "location": "Store", "reason": "",
            "detail": "", "action": "refund"}  # fmt: skip
    before = books(world[0])
    refused = client.post("/refunds/new", data=form)
    assert refused.status_code == 422
    assert 'id="err-reason"' in refused.text
    assert books(world[0]) == before
    form["reason"] = "Wrong item"
    done = client.post("/refunds/new", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    credit = client.get(done.headers["location"])
    assert "Sales return (credit note)" in credit.text
    assert "Wrong item" in credit.text


def test_cli_refund_and_return_reasons(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, number, _ = world
    runner = CliRunner()
    shown = runner.invoke(app, ["--db", url, "refund", "P1", "--dry-run"])
    assert shown.exit_code == 0, shown.stdout + shown.stderr
    assert number in shown.stdout
    assert "Alice" in shown.stdout
    done = runner.invoke(app, ["--db", url, "refund", number, "--location", "Store",
                               "--reason", "Changed mind"])  # fmt: skip
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "sales return (credit note) SR-000001 posted: 3 units" in done.stdout
    with serialtrack.open(url) as inv:
        assert inv.document("SR-000001").note == "Changed mind"
        inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["P7"])])
    args = ["return-to-supplier", "--sku", "PHONE", "--supplier", "Acme", "--location", "Store",
            "P7", "--reason", "Dead on arrival"]  # fmt: skip
    back = runner.invoke(app, ["--db", url, *args])
    assert back.exit_code == 0, back.stdout + back.stderr
    assert "purchase return (debit note) PR-000001 posted" in back.stdout
    with serialtrack.open(url) as inv:
        assert inv.document("PR-000001").note == "Dead on arrival"


def test_supplier_return_by_scan_api_page_and_cli(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    url, _, tokens = world
    with serialtrack.open(url) as inv:
        inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["R1", "R2", "R3"])])
        inv.opening_balance(location="Store", lines=[("PHONE", ["OB1"])])
    found = client.post("/api/v1/supplier-returns/lookup", headers=auth(tokens["vic"]),
                        json={"scans": ["R1", "OB1"], "location": "Store"})  # fmt: skip
    assert found.status_code == 200, found.text
    assert [(i["serial"], i["supplier"]) for i in found.json()["items"]] == [
        ("R1", "Acme"), ("OB1", None),
    ]  # fmt: skip
    body = {"scans": ["R1", "OB1"], "location": "Store", "reason": "Dead on arrival"}
    before = books(url)
    refused = client.post("/api/v1/supplier-returns", json=body, headers=auth(tokens["kim"]))
    assert refused.status_code == 422
    assert [e["where"] for e in refused.json()["errors"]] == ["scans[1]"]
    assert books(url) == before
    made = client.post("/api/v1/supplier-returns", headers=auth(tokens["kim"]),
                       json={**body, "supplier": "Acme"})  # fmt: skip
    assert made.status_code == 201, made.text
    assert [d["origin"] for d in made.json()["returns"]] == ["RC-000002", None]

    login = client.post("/login", data={"username": "kim", "password": "clerk-password-1"},
                        follow_redirects=False)  # fmt: skip
    assert login.status_code == 303
    page = client.get("/supplier-returns/new")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": csrf, "location": "Store", "scans": "R2\r\nP1\r\n", "supplier": "",
            "reason": "Wrong item", "detail": "", "action": "lookup"}  # fmt: skip
    before = books(url)
    looked = client.post("/supplier-returns/new", data=form)
    assert looked.status_code == 422  # P1 was sold: named, beside nothing written
    assert books(url) == before
    assert "P1 is not in stock at Store" in looked.text
    form["scans"] = "R2\r\n"
    looked = client.post("/supplier-returns/new", data=form)
    assert 'id="supplier-return-units"' in looked.text
    sent = client.post("/supplier-returns/new", data={**form, "action": "send"},
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303, sent.text
    assert "Purchase return (debit note)" in client.get(sent.headers["location"]).text

    result = CliRunner().invoke(app, ["--db", url, "supplier-return", "R3", "--location",
                                      "Store", "--reason", "Changed order"])  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "purchase return (debit note) PR-000004 posted: 1 unit\n" in result.stdout


def test_return_forms_offer_only_what_can_come_back_and_take_a_reason(
    client: TestClient, world
) -> None:  # type: ignore[no-untyped-def]
    url, number, _ = world
    with serialtrack.open(url) as inv:
        inv.refund(["P2"], location="Store", reason="Defective")
        receipt = inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["R1", "R2"])])
        inv.sell(location="Store", lines=[("PHONE", ["R1"])])
    login = client.post("/login", data={"username": "kim", "password": "clerk-password-1"},
                        follow_redirects=False)  # fmt: skip
    assert login.status_code == 303
    credit = client.get("/sales-returns/new", params={"origin": number}).text
    # serial rows as values (a bare "P2" could be part of the page's random CSRF token)
    assert 'value="P1"' in credit
    assert 'value="P3"' in credit
    assert 'value="P2"' not in credit  # already back
    assert 'id="note"' in credit
    assert "Changed mind" in credit  # the reasons offered
    debit = client.get("/purchase-returns/new", params={"origin": receipt.number}).text
    assert 'value="R2"' in debit
    assert 'value="R1"' not in debit  # sold since: not offered
    csrf = credit.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": csrf, "origin": number, "location": "Store", "partner": "",
            "note": "Wrong colour", "lines-0-sku": "PHONE", "lines-0-serial": "P3"}  # fmt: skip
    done = client.post("/sales-returns/new", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"]).text
    assert "Sales return (credit note)" in page
    assert "Wrong colour" in page
