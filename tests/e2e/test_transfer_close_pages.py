"""A transfer closed short over the web, the API and the CLI; the serial list names the transfer
of units in transit (issue 16)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import MAIN, WAREHOUSE, as_user, library

from serialtrack.entrypoints.cli import app as cli_app


def dispatched(shop: TestClient) -> str:
    with library(shop) as inv:
        sent = inv.dispatch(source=MAIN, destination=WAREHOUSE,
                            lines=[("PHN-X1", ["X1-00004", "X1-00005"])])  # fmt: skip
        return sent.number


def test_the_serial_list_names_the_transfer_and_a_manager_closes_it(shop: TestClient) -> None:
    number = dispatched(shop)
    token = as_user(shop, "kim")
    listed = shop.get("/serials?sku=PHN-X1&status=in_transit").text
    link = f'<span class="transfer">on <a href="/documents/by-number?number={number}">'
    assert link in listed
    page = shop.get(f"/documents/by-number?number={number}").text
    assert 'id="close-back"' in page
    assert 'id="close-lost"' not in page
    lost = {"csrf_token": token, "outcome": "write_off", "reason": "lost"}
    forged = shop.post(f"/transfers/close?dispatch={number}", data=lost)
    assert forged.status_code == 403
    token = as_user(shop, "mia")
    assert 'id="close-lost"' in shop.get(f"/documents/by-number?number={number}").text
    lost = {"csrf_token": token, "outcome": "write_off", "reason": "van"}
    closed = shop.post(f"/transfers/close?dispatch={number}", data=lost)
    assert closed.status_code == 200
    assert f"{number} closed" in closed.text
    assert "Nothing is in transit." in shop.get("/transfers").text
    with library(shop) as inv:
        assert inv.serial("PHN-X1", "X1-00004").status.value == "written_off"


def test_the_api_brings_what_never_arrived_back(shop: TestClient) -> None:
    number = dispatched(shop)
    with library(shop) as inv:
        kim = {"Authorization": f"Bearer {inv.create_token('kim', 'tests')}"}
    shop.cookies.clear()
    closed = shop.post(f"/api/v1/transfers/{number}/close", json={"outcome": "back"}, headers=kim)
    assert closed.status_code == 200, closed.text
    assert [d["kind"] for d in closed.json()["items"]] == ["transfer_receipt"]
    assert shop.get("/api/v1/transfers/in-transit", headers=kim).json()["items"] == []


def test_the_cli_closes_a_transfer_short(tmp_path: Path) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'shop.db'}"

    def cli(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli_app, ["--db", db, *args])
        assert result.exit_code == code, result.stdout + result.stderr
        return result.stdout + result.stderr

    cli("init")
    cli("location", "add", "Store")
    cli("location", "add", "Warehouse")
    cli("partner", "add", "Acme", "--supplier")
    cli("product", "add", "PHONE", "Phone X", "--tracking", "serial")
    cli("receive", "--supplier", "Acme", "--location", "Store", "--sku", "PHONE", "SN1", "SN2")
    cli("transfer", "dispatch", "--from", "Store", "--to", "Warehouse", "--sku", "PHONE",
        "SN1", "SN2")  # fmt: skip
    cli("transfer", "receive", "TR-000001", "--sku", "PHONE", "SN1")
    assert "say --back or --write-off" in cli("transfer", "close", "TR-000001", code=2)
    refused = cli("transfer", "close", "TR-000001", "--write-off", code=1)
    assert "reason" in refused
    closed = cli("transfer", "close", "TR-000001", "--write-off", "--reason", "lost by carrier")
    assert "WO-000001" in closed
    assert "nothing left in transit" in closed
    assert "SN2" not in cli("transfer", "list")
