"""The journal, discrepancies resolved and serial corrections end to end: the REST API (bearer
tokens), the CLI (``serialtrack journal``, ``discrepancy-resolve``) and the pages (/journal,
resolving from the discrepancies page with its CSRF token)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import serialtrack
from serialtrack.entrypoints.cli import app as cli_app
from serialtrack.entrypoints.web import create_app
from templates import initialized

PASSWORD = "journal-pages-1"
EVIL = "=cmd|' /C calc'!A0"


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    """A shop: P1..P3 received at Store from Acme, P1 sent to Warehouse, P2 sold to a customer
    named like a formula, NEW-1 sold without a receipt (one open discrepancy); users kim
    (clerk), mia (manager), vic (viewer) with API tokens."""
    with serialtrack.open(initialized(db_url)) as inv:
        inv.add_location("Store")
        inv.add_location("Warehouse")
        inv.add_partner("Acme", supplier=True)
        inv.add_partner(EVIL, customer=True)
        inv.add_product("PHONE", "Phone")
        inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["P1", "P2", "P3"])])
        inv.transfer(source="Store", destination="Warehouse", lines=[("PHONE", ["P1"])])
        inv.sell(customer=EVIL, location="Store", lines=[("PHONE", ["P2"])])
        inv.set_setting("unknown_serials_at_sale", "allow")
        inv.sell(customer=EVIL, location="Store", lines=[("PHONE", ["NEW-1"])])
        for name, role in (("kim", "clerk"), ("mia", "manager"), ("vic", "viewer")):
            inv.add_user(name, role, PASSWORD)
        tokens = {name: inv.create_token(name, "t") for name in ("admin", "kim", "mia", "vic")}
    with TestClient(create_app(db_url)) as client:
        yield client, tokens, db_url


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def open_discrepancy(url: str) -> int:
    with serialtrack.open(url) as inv:
        (found,) = inv.discrepancies_by_state("open")
        return found.id


# --- REST API -------------------------------------------------------------------------------
def test_the_api_pages_the_journal_with_filters(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens, _ = world
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        answer = client.get("/api/v1/journal", params=params, headers=auth(tokens["vic"]))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        seen += [item["id"] for item in body["items"]]
        if body["next_after"] is None:
            break
        params["after"] = body["next_after"]
    assert len(seen) == len(set(seen)) == 7  # 3 in, 1 out to Warehouse, 1 sold, NEW-1 in and out
    assert seen == sorted(seen)
    answer = client.get("/api/v1/journal", params={"location": "Warehouse", "kind": ""},
                        headers=auth(tokens["vic"]))  # fmt: skip
    (item,) = answer.json()["items"]
    assert (item["serial"], item["from_location"], item["to_location"], item["kind"]) == (
        "P1", "Store", "Warehouse", "transfer",
    )  # fmt: skip
    assert {"at", "number", "sku", "quantity", "user", "partner", "reversal"} <= set(item)
    sold = client.get("/api/v1/journal", params={"kind": "sale", "partner": EVIL},
                      headers=auth(tokens["vic"])).json()["items"]  # fmt: skip
    assert [i["serial"] for i in sold] == ["P2", "NEW-1"]


def test_the_api_refuses_unknown_filters_by_name(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens, _ = world
    for path in ("/api/v1/journal", "/api/v1/journal.csv"):
        refused = client.get(path, params={"sku": "NOPE", "user": "zed", "date_to": "soon"},
                             headers=auth(tokens["vic"]))  # fmt: skip
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert sorted(e["where"] for e in refused.json()["errors"]) == ["date_to", "sku", "user"]
    assert client.get("/api/v1/journal").status_code == 401
    assert client.get("/api/v1/journal", params={"limit": 0},
                      headers=auth(tokens["vic"])).status_code == 422  # fmt: skip


def test_the_csv_export_streams_every_move_safe_from_formulas(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens, _ = world
    answer = client.get("/api/v1/journal.csv", params={"partner": EVIL},
                        headers=auth(tokens["vic"]))  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "journal.csv" in answer.headers["content-disposition"]
    header, *rows = list(csv.reader(io.StringIO(answer.text)))
    assert len(rows) == 2  # P2 and NEW-1 sold; NEW-1 adopted (adjustment, no partner) is not
    partner = header.index("partner")
    assert {r[partner] for r in rows} == {"'" + EVIL}


def test_a_manager_resolves_a_discrepancy_over_the_api(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens, url = world
    found = open_discrepancy(url)
    path = f"/api/v1/discrepancies/{found}/resolve"
    for who in ("kim", "vic"):
        refused = client.post(path, json={"note": "looked"}, headers=auth(tokens[who]))
        assert refused.status_code == 403, refused.text
    empty = client.post(path, json={"note": " "}, headers=auth(tokens["mia"]))
    assert empty.status_code == 422
    assert [e["where"] for e in empty.json()["errors"]] == ["note"]
    assert client.post(path, json={}, headers=auth(tokens["mia"])).status_code == 422
    done = client.post(path, json={"note": "receipt found"}, headers=auth(tokens["mia"]))
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["id"], body["resolved_by"], body["resolution"]) == (found, "mia", "receipt found")
    assert body["resolved_at"]
    again = client.post(path, json={"note": "again"}, headers=auth(tokens["admin"]))
    assert again.status_code == 409
    assert "mia" in again.json()["detail"]
    missing = client.post("/api/v1/discrepancies/99999/resolve", json={"note": "x"},
                          headers=auth(tokens["mia"]))  # fmt: skip
    assert missing.status_code == 404


def test_serial_correction_over_the_api(world) -> None:  # type: ignore[no-untyped-def]
    client, tokens, url = world
    path = "/api/v1/products/PHONE/serials/P3/correction"
    clerk = client.post(path, json={"new_code": "P3X"}, headers=auth(tokens["kim"]))
    assert clerk.status_code == 403
    taken = client.post(path, json={"new_code": "P1"}, headers=auth(tokens["mia"]))
    assert taken.status_code == 409, taken.text
    same = client.post(path, json={"new_code": "P3"}, headers=auth(tokens["mia"]))
    assert same.status_code == 422
    assert [e["where"] for e in same.json()["errors"]] == ["new_code"]
    strict = client.post(path, json={"new_code": "P3X", "extra": 1}, headers=auth(tokens["mia"]))
    assert strict.status_code == 422
    unknown = client.post("/api/v1/products/PHONE/serials/ZZ/correction",
                          json={"new_code": "ZY"}, headers=auth(tokens["mia"]))  # fmt: skip
    assert unknown.status_code == 404
    done = client.post(path, json={"new_code": "P3-A", "reason": "typo"},
                       headers=auth(tokens["mia"]))  # fmt: skip
    assert done.status_code == 200, done.text
    view = done.json()
    assert (view["code"], view["old_codes"], view["status"]) == ("P3-A", ["P3"], "in_stock")
    assert [c["reason"] for c in view["corrections"]] == ["typo"]
    with serialtrack.open(url) as inv:
        assert inv.serial("PHONE", "P3-A").location == "Store"
        assert inv.check() == []


# --- command line ---------------------------------------------------------------------------
def test_the_cli_prints_the_journal_in_80_columns_and_writes_csv(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, _, url = world
    runner = CliRunner()
    shown = runner.invoke(cli_app, ["--db", url, "journal", "--location", "Warehouse"],
                          env={"COLUMNS": "80"})  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert "P1" in shown.output
    assert "Warehouse" in shown.output
    assert max(len(line) for line in shown.output.splitlines()) <= 80
    paged = runner.invoke(cli_app, ["--db", url, "journal", "--limit", "2"])
    assert "more: --after" in paged.output
    target = tmp_path / "journal.csv"
    written = runner.invoke(cli_app, ["--db", url, "journal", "--sku", "PHONE", "--csv",
                                      str(target)])  # fmt: skip
    assert written.exit_code == 0, written.output
    _header, *rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 7
    assert all(not c.startswith("=") for row in rows for c in row)
    refused = runner.invoke(cli_app, ["--db", url, "journal", "--location", "Attic", "--csv",
                                      str(tmp_path / "no.csv")])  # fmt: skip
    assert refused.exit_code == 1
    assert "Attic" in refused.output
    assert not (tmp_path / "no.csv").exists()


def test_the_cli_resolves_a_discrepancy(world) -> None:  # type: ignore[no-untyped-def]
    _, _, url = world
    found = open_discrepancy(url)
    runner = CliRunner()
    clerk = runner.invoke(cli_app, ["--db", url, "--user", "kim", "discrepancy-resolve",
                                    str(found), "--note", "x"])  # fmt: skip
    assert clerk.exit_code == 1
    done = runner.invoke(cli_app, ["--db", url, "--user", "mia", "discrepancy-resolve",
                                   str(found), "--note", "found the paperwork"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert f"discrepancy {found}" in done.output
    assert "resolved by mia" in done.output
    again = runner.invoke(cli_app, ["--db", url, "discrepancy-resolve", str(found), "--note", "y"])
    assert again.exit_code == 1
    assert "already resolved" in again.output


# --- pages ----------------------------------------------------------------------------------
def log_in(client: TestClient, username: str) -> str:
    """Log in; return the session's CSRF token."""
    client.cookies.clear()
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_journal_page_filters_pages_and_links_the_export(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = world
    from serialtrack.entrypoints import pages_journal

    log_in(client, "vic")
    page = client.get("/journal", params={"sku": "PHONE"})
    assert page.status_code == 200
    assert page.text.count("<tr data-id=") == 7
    assert 'href="/exports/journal.csv?sku=PHONE"' in page.text
    assert 'href="/exports/journal.xlsx?sku=PHONE"' in page.text
    assert client.get("/api/v1/journal.csv?sku=PHONE").status_code == 200  # the session may
    monkeypatch.setattr(pages_journal, "PAGE_SIZE", 4)
    first = client.get("/journal", params={"sku": "PHONE"})
    assert first.text.count("<tr data-id=") == 4
    link = first.text.split('id="next-page"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get(link.replace("&amp;", "&"))
    assert second.text.count("<tr data-id=") == 3
    assert 'id="next-page"' not in second.text
    refused = client.get("/journal", params={"location": "Attic"})
    assert refused.status_code == 422
    assert "no location named" in refused.text
    assert 'value="Attic"' in refused.text


def test_resolving_through_the_discrepancies_page(world) -> None:  # type: ignore[no-untyped-def]
    client, _, url = world
    found = open_discrepancy(url)
    csrf = log_in(client, "kim")
    assert f'action="/discrepancies/{found}/resolve"' not in client.get("/discrepancies").text
    forged = client.post(f"/discrepancies/{found}/resolve",
                         data={"csrf_token": csrf, "note": "x"})  # fmt: skip
    assert forged.status_code == 403
    csrf = log_in(client, "mia")
    page = client.get("/discrepancies")
    assert f'action="/discrepancies/{found}/resolve"' in page.text
    stale = client.post(f"/discrepancies/{found}/resolve", data={"note": "x"})
    assert stale.status_code == 403
    empty = client.post(f"/discrepancies/{found}/resolve", data={"csrf_token": csrf, "note": ""})
    assert empty.status_code == 422
    assert "a note is required" in empty.text
    done = client.post(f"/discrepancies/{found}/resolve",
                       data={"csrf_token": csrf, "note": "receipt <b>found</b>"},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    with serialtrack.open(url) as inv:
        (resolved,) = inv.discrepancies_by_state("resolved")
        assert (resolved.resolved_by, resolved.resolution) == ("mia", "receipt <b>found</b>")
    twice = client.post(f"/discrepancies/{found}/resolve", data={"csrf_token": csrf, "note": "y"})
    assert twice.status_code == 409
