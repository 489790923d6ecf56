"""Recall end to end: ``POST /api/v1/recall`` and ``/recall.csv``, ``serialtrack recall``; a
refused recall names what is wrong. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import html
import io

from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import MAIN, as_user, library

import serialtrack
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app


def test_a_recall_over_http_and_by_command_line(db_url: str) -> None:
    with serialtrack.open(db_url) as inv:
        inv.add_location("Main")
        inv.add_partner("Acme", supplier=True)
        inv.add_partner("Jane", customer=True)
        inv.add_product("PHN", "Phone")
        inv.receive(supplier="Acme", location="Main", lines=[("PHN", ["P1", "P2", "P3"])])
        sale = inv.sell(customer="Jane", location="Main", lines=[("PHN", ["P2"])])
        inv.add_user("vic", "viewer", "viewer-password-1")
        token = inv.create_token("vic", "t")
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(db_url)) as client:
        answer = client.post("/api/v1/recall", json={"supplier": "Acme"}, headers=auth)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["in_stock"], body["with_customers"]) == (2, 1)
        sold = next(r for r in body["items"] if r["serial"] == "P2")
        assert (sold["partner"], sold["document"], sold["status"]) == ("Jane", sale.number, "sold")
        refused = client.post("/api/v1/recall", json={"serials": "P1", "receipt": "RC-1"},
                              headers=auth)  # fmt: skip
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["where"] == "scope"
        exported = client.post("/api/v1/recall.csv", json={"serials": "P1..P3"}, headers=auth)
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [(r["serial"], r["status"]) for r in rows] == [
            ("P1", "in_stock"), ("P2", "sold"), ("P3", "in_stock"),
        ]  # fmt: skip
    result = CliRunner().invoke(app, ["--db", db_url, "recall", "P1..P3"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "3 rows, 2 in stock, 1 with customers" in result.stdout
    refused_cli = CliRunner().invoke(app, ["--db", db_url, "recall", "--receipt", "NOPE"])
    assert refused_cli.exit_code == 1


def test_the_recall_page_lists_units_and_downloads_them(shop: TestClient) -> None:
    """On the demo shop: a range of PHN-X1 serials, one sold; a refusal beside the form."""
    as_user(shop, "kim")
    with library(shop) as inv:
        sale = inv.sell(customer="Jane Doe", location=MAIN, lines=[("PHN-X1", ["X1-00005"])])
    page = shop.get("/recall?serials=X1-00004..X1-00006")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "3 rows, 2 in stock, 1 with customers" in text
    assert f"sold to Jane Doe on {sale.number}" in text
    download = shop.get("/recall.csv?serials=X1-00004..X1-00006")
    assert download.headers["content-type"].startswith("text/csv")
    assert len(download.text.strip().splitlines()) == 4
    refused = shop.get("/recall?serials=X1-00004&batch=LOT-2401")
    assert refused.status_code == 422
    assert 'id="recall-problems"' in refused.text
    assert shop.get("/recall?date_from=not-a-date&supplier=x").status_code == 422


def test_warranty_and_expiry_lists_over_http_and_by_command_line(shop: TestClient) -> None:
    """The demo's VIT-C batch LOT-2401 expires in 60 days; its phones carry warranty."""
    as_user(shop, "kim")
    with library(shop) as inv:
        token = inv.create_token("kim", "desk")
        url = inv.store.engine.url.render_as_string(False)
    auth = {"Authorization": f"Bearer {token}"}
    soon = shop.get("/api/v1/reports/expiring?days=90", headers=auth).json()["items"]
    assert [(r["batch"], r["quantity"], r["expired"]) for r in soon] == [("LOT-2401", 24, False)]
    assert shop.get("/api/v1/reports/expiring?days=-1", headers=auth).status_code == 422
    ending = shop.get("/api/v1/reports/warranty?days=3650", headers=auth)
    assert ending.status_code == 200
    sold = ending.json()["items"]  # the demo's sales to Jane Doe and Corner Café
    assert sold
    assert {r["partner"] for r in sold} == {"Jane Doe", "Corner Café"}
    bad_side = shop.get("/api/v1/reports/warranty?side=both", headers=auth)
    assert bad_side.status_code == 422
    result = CliRunner().invoke(app, ["--db", url, "expiring", "--days", "90"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "LOT-2401" in result.stdout
