"""The HTTP app over a demo database: JSON API answers, refusals, HTML escaping, CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.entrypoints.web import create_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    with serialtrack.open(url) as inv:
        load_demo(inv)
        inv.add_partner("<script>alert(1)</script>", supplier=True)
        inv.receive(
            supplier="<script>alert(1)</script>", location="Warehouse",
            lines=[("LAP-14", ["=cmd|' /C calc'!A0"])],
        )  # fmt: skip
    with TestClient(create_app(url)) as test_client:
        yield test_client


def test_serial_detail_with_history(client: TestClient) -> None:
    body = client.get("/api/v1/products/PHN-X1/serials/X1-00002").json()
    assert body["status"] == "sold"
    assert body["holder"] == "Jane Doe"
    assert [m["document_number"] for m in body["history"]] == ["RC-000001", "SO-000001"]


def test_unknown_serial_is_404_naming_it(client: TestClient) -> None:
    response = client.get("/api/v1/products/PHN-X1/serials/NOPE")
    assert response.status_code == 404
    assert "NOPE" in response.json()["error"]


def test_serial_list_pages_by_keyset(client: TestClient) -> None:
    first = client.get("/api/v1/serials", params={"sku": "PHN-X1", "limit": 5}).json()
    second = client.get(
        "/api/v1/serials", params={"sku": "PHN-X1", "limit": 5, "after_id": first["next_after_id"]}
    ).json()
    codes = [r["serial"] for r in first["items"] + second["items"]]
    assert codes == [f"X1-{n:05d}" for n in range(1, 11)]


def test_bad_filter_is_422_naming_the_field(client: TestClient) -> None:
    response = client.get("/api/v1/serials", params={"status": "lost-ish"})
    assert response.status_code == 422
    assert response.json()["problems"][0]["where"] == "status"
    assert client.get("/api/v1/serials", params={"limit": 0}).status_code == 422


def test_document_detail(client: TestClient) -> None:
    body = client.get("/api/v1/documents/SO-000001").json()
    assert body["partner"] == "Jane Doe"
    assert body["state"] == "posted"


def test_home_page_escapes_what_users_typed(client: TestClient) -> None:
    page = client.get("/", params={"sku": "LAP-14", "code": "=cmd|' /C calc'!A0"}).text
    assert "<script>alert(1)</script>" not in page
    assert "in_stock at Warehouse" in page
    assert "&lt;script&gt;" in page or "alert" not in page


def test_csv_report_streams_every_serial_safely(client: TestClient) -> None:
    response = client.get("/reports/serials.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(response.text.splitlines()))
    assert len(rows) == 31
    assert {r["serial"] for r in rows} >= {"X1-00001", "LP14-0010", "'=cmd|' /C calc'!A0"}
