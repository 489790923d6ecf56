"""Transfers, write-offs and corrections by command line, on a real database file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from serialtrack.entrypoints.cli import app


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'shop.db'}"

    def run(*args: str, ok: bool = True) -> str:
        result = runner.invoke(app, ["--db", db, *args])
        output = result.stdout + result.stderr
        assert result.exit_code == (0 if ok else 1), output
        return output

    run("init")
    run("location", "add", "Store")
    run("location", "add", "Warehouse")
    run("partner", "add", "Acme", "--supplier")
    run("product", "add", "PHONE", "Phone")
    run("product", "add", "CABLE", "Cable", "--tracking", "none")
    run("receive", "--supplier", "Acme", "--location", "Store", "--sku", "PHONE", "SN1..SN4")
    run("receive", "--supplier", "Acme", "--location", "Store", "--sku", "CABLE", "--quantity", "5")
    return run


def test_a_transfer_by_command_line(cli) -> None:  # type: ignore[no-untyped-def]
    sent = cli(
        "transfer", "dispatch", "--sku", "PHONE", "--from", "Store", "--to", "Warehouse",
        "SN1", "SN2",
    )  # fmt: skip
    assert "transfer TR-000001 posted: 2 units" in sent
    assert "in transit from Store to Warehouse" in sent
    assert "in transit on transfer TR-000001 from Store to Warehouse since" in cli(
        "serial", "PHONE", "SN2"
    )
    listed = cli("transfer", "list")
    assert "TR-000001" in listed
    assert "SN1 SN2" in listed

    got = cli("transfer", "receive", "TR-000001", "--sku", "PHONE", "SN1")
    assert "transfer receipt TI-000001 posted: 1 unit" in got
    assert "TR-000001: 1 unit still in transit" in got
    again = cli("transfer", "receive", "TR-000001", "--sku", "PHONE", "SN1", ok=False)
    assert again.startswith("error:")
    assert "SN1: already received from TR-000001" in again
    assert "Traceback" not in again
    shown = cli("document", "TR-000001")
    assert "Store → Transit (bound for Warehouse)" in shown
    assert "still in transit: PHONE x 1  SN2" in shown
    assert "received by: TI-000001" in shown

    refused = cli("cancel", "TR-000001", ok=False)
    assert "SN1 is now in stock at Warehouse, moved there by TI-000001" in refused

    assert "TR-000001: all received" in cli("transfer", "receive", "TR-000001")
    assert "SN2" not in cli("transfer", "list")

    moved = cli(
        "transfer", "direct", "--sku", "CABLE", "--quantity", "2", "--from", "Store",
        "--to", "Warehouse",
    )  # fmt: skip
    assert "one-step transfer TF-000001 posted: 2 units" in moved
    assert "agree" in cli("check")


def test_a_write_off_needs_a_reason_and_can_be_cancelled(cli) -> None:  # type: ignore[no-untyped-def]
    blank = cli(
        "write-off", "--sku", "PHONE", "--location", "Store", "--reason", " ", "SN3", ok=False
    )
    assert "a write-off needs a reason" in blank
    done = cli(
        "write-off", "--sku", "PHONE", "--location", "Store", "--reason", "dropped [screen]", "SN3"
    )
    assert "write-off WO-000001 posted: 1 unit" in done
    assert "note: dropped [screen]" in cli("document", "WO-000001")
    assert "written off at Scrap" in cli("serial", "PHONE", "SN3")
    cli("cancel", "WO-000001")
    assert "in stock at Store" in cli("serial", "PHONE", "SN3")


def test_a_mistyped_code_is_corrected(cli) -> None:  # type: ignore[no-untyped-def]
    fixed = cli("correct", "PHONE", "SN4", "SN-4", "--reason", "dash missing")
    assert "PHONE SN4 is now SN-4 (formerly SN4)" in fixed
    shown = cli("serial", "PHONE", "SN4")  # the old code still finds it
    assert "PHONE SN-4: in stock at Store" in shown
    assert "formerly: SN4" in shown
    assert "dash missing" in shown
    assert "RC-000001" in shown
    taken = cli("correct", "PHONE", "SN1", "SN2", ok=False)
    assert "error: SN2 is taken" in taken
    assert "PHONE SN2 is in stock at Store" in taken
