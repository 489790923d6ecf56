"""Archiving locations and partners, and names that ignore case, over the web, the API and the
CLI (issue 16)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import as_user, library

from serialtrack.entrypoints.cli import app as cli_app


def test_a_manager_archives_and_restores_a_partner_on_its_edit_page(shop: TestClient) -> None:
    token = as_user(shop, "mia")
    page = shop.get("/partners/edit?name=Corner%20Caf%C3%A9").text
    assert 'id="archive"' in page
    done = shop.post("/partners/archive?name=corner%20caf%C3%A9", data={"csrf_token": token})
    assert done.status_code == 200
    assert "Partner Corner Café archived" in done.text
    assert "(archived)" in shop.get("/partners").text
    assert "Corner Café" not in shop.get("/sales/new").text  # offered in no picker
    assert 'id="restore"' in shop.get("/partners/edit?name=Corner%20Caf%C3%A9").text
    shop.post("/partners/archive?name=Corner%20Caf%C3%A9&restore=1", data={"csrf_token": token})
    assert "Corner Café" in shop.get("/sales/new").text


def test_a_store_holding_stock_is_not_archived_and_the_page_says_why(shop: TestClient) -> None:
    token = as_user(shop, "mia")
    refused = shop.post("/locations/archive?name=Main%20store", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "Main store still holds" in refused.text
    assert 'id="archive"' in refused.text  # the edit page again, with the reason


def test_a_clerk_sees_no_archive_button_and_a_forged_post_is_refused(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    assert shop.get("/partners/edit?name=Corner%20Caf%C3%A9").status_code == 403
    forged = shop.post("/partners/archive?name=Corner%20Caf%C3%A9", data={"csrf_token": token})
    assert forged.status_code == 403
    with library(shop) as inv:
        assert inv.partner("Corner Café").active


def test_the_api_archives_with_patch_active(shop: TestClient) -> None:
    with library(shop) as inv:
        inv.add_location("Back room")
        bearer = {"Authorization": f"Bearer {inv.create_token('mia', 'tests')}"}
    shop.cookies.clear()
    archived = shop.patch("/api/v1/locations/BACK%20ROOM", json={"active": False}, headers=bearer)
    assert archived.status_code == 200, archived.text
    assert archived.json()["active"] is False
    listed = shop.get("/api/v1/locations", headers=bearer).json()
    assert "Back room" not in str(listed)
    assert "Back room" in str(shop.get("/api/v1/locations?archived=true", headers=bearer).json())
    restored = shop.patch("/api/v1/locations/back room", json={"active": True}, headers=bearer)
    assert restored.json()["active"] is True


def test_the_cli_finds_names_whatever_their_case_and_archives(tmp_path: Path) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'shop.db'}"

    def cli(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli_app, ["--db", db, *args])
        assert result.exit_code == code, result.stdout + result.stderr
        return result.stdout + result.stderr

    cli("init")
    assert "location Main Store added (store)" in cli("location", "add", "Main Store")
    assert "already exists" in cli("location", "add", "main store", code=1)
    cli("partner", "add", "Acme", "--supplier")
    cli("product", "add", "PHONE", "Phone X", "--tracking", "serial")
    received = cli("receive", "--supplier", "ACME", "--location", "MAIN STORE", "--sku", "PHONE",
                   "SN1")  # fmt: skip
    assert "RC-000001" in received
    listed = cli("location", "list")
    assert "store" in listed
    assert "internal" not in listed
    cli("location", "add", "Shed")
    assert "location Shed archived" in cli("location", "archive", "shed")
    assert "archived" in cli("location", "list")
    refused = cli("receive", "--supplier", "Acme", "--location", "Shed", "--sku", "PHONE", "SN2",
                  code=1)  # fmt: skip
    assert "Shed is archived" in refused
    assert "location Shed restored" in cli("location", "restore", "Shed")
    assert "partner Acme archived" in cli("partner", "archive", "acme")
    assert "partner Acme restored" in cli("partner", "restore", "Acme")
