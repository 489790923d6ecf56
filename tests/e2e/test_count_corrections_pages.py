"""Counts over the web, the API and the CLI (issue 16): the count page lists what was found
with a button to undo a wrong scan; an open count is discarded; a blind count hides what the
books expect from the counter until it posts."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import WAREHOUSE, as_user, library

from serialtrack.entrypoints.cli import app as cli_app


def test_the_count_page_lists_what_was_found_and_undoes_a_wrong_scan(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    opened = shop.post("/counts/new", data={"csrf_token": token, "location": WAREHOUSE})
    count_url = opened.url.path
    shop.post(f"{count_url}/scan", data={"csrf_token": token, "scan": "X1-00004"})
    page = shop.get(count_url).text
    assert 'id="found-list"' in page
    assert "X1-00004" in page.split('id="found-list"')[1]
    assert 'aria-label="Remove PHN-X1 X1-00004"' in page
    assert 'id="discard-count"' in page
    undone = shop.post(
        f"{count_url}/unscan", data={"csrf_token": token, "scan": "X1-00004", "sku": "PHN-X1"}
    )
    assert "PHN-X1 X1-00004 is no longer counted" in undone.text
    assert "Nothing scanned yet." in undone.text
    discarded = shop.post(f"{count_url}/discard", data={"csrf_token": token})
    assert "discarded" in discarded.text
    with library(shop) as inv:
        assert inv.documents(kind="inventory_count") == []


def test_a_blind_count_shows_the_counter_only_what_was_found(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    opened = shop.post(
        "/counts/new", data={"csrf_token": token, "location": WAREHOUSE, "blind": "1"}
    )
    count_url = opened.url.path
    shop.post(f"{count_url}/scan", data={"csrf_token": token, "scan": "X1-00004"})
    page = shop.get(count_url).text
    assert 'id="count-hidden"' in page
    assert 'id="missing"' not in page
    assert 'id="count-expected"' not in page
    as_user(shop, "mia")
    page = shop.get(count_url).text
    assert 'id="missing"' in page
    assert 'id="count-expected"' in page


def test_the_api_undoes_a_scan_discards_and_counts_blind(shop: TestClient) -> None:
    with library(shop) as inv:
        kim = {"Authorization": f"Bearer {inv.create_token('kim', 'tests')}"}
    shop.cookies.clear()
    made = shop.post("/api/v1/counts", json={"location": WAREHOUSE, "blind": True}, headers=kim)
    assert made.status_code == 201, made.text
    number = made.json()["number"]
    assert made.json()["blind"] is True
    assert made.json()["expected"] is None
    shop.post(f"/api/v1/counts/{number}/scans", json={"scans": ["X1-00004"]}, headers=kim)
    undone = shop.post(f"/api/v1/counts/{number}/unscan", json={"scan": "X1-00004"}, headers=kim)
    assert undone.status_code == 200, undone.text
    assert undone.json()["item"]["outcome"] == "removed"
    assert undone.json()["count"]["found"] == 0
    assert shop.delete(f"/api/v1/counts/{number}", headers=kim).status_code == 204
    assert shop.get(f"/api/v1/counts/{number}", headers=kim).status_code == 404


def test_the_cli_undoes_a_scan_and_says_how_to_discard(tmp_path: Path) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'shop.db'}"

    def cli(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli_app, ["--db", db, *args])
        assert result.exit_code == code, result.stdout + result.stderr
        return result.stdout + result.stderr

    cli("init")
    cli("location", "add", "Store")
    cli("partner", "add", "Acme", "--supplier")
    cli("product", "add", "PHONE", "Phone X", "--tracking", "serial")
    cli("receive", "--supplier", "Acme", "--location", "Store", "--sku", "PHONE", "SN1", "SN2")
    opened = cli("count", "open", "--location", "store", "--blind")
    assert "CT-000001 (blind)" in opened
    assert "hidden until it posts" not in opened
    cli("count", "scan", "CT-000001", "SN1", "SN2")
    undone = cli("count", "unscan", "CT-000001", "SN2")
    assert "PHONE SN2 removed from CT-000001" in undone
    assert "found 1" in undone
    refused = cli("cancel", "CT-000001", code=1)
    assert "serialtrack count discard CT-000001" in refused
    assert "CT-000001 discarded" in cli("count", "discard", "CT-000001")
