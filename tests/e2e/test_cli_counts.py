"""Counts, batches, expiry, warranty, deleting and switching tracking by command line."""

from __future__ import annotations

from datetime import date, timedelta
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
        assert "Traceback" not in output
        return output

    run("init")
    run("location", "add", "Store")
    run("partner", "add", "Acme", "--supplier")
    run("product", "add", "PHONE", "Phone")
    run("receive", "--supplier", "Acme", "--location", "Store", "--sku", "PHONE", "SN1..SN4")
    return run


def test_a_count_by_command_line(cli) -> None:  # type: ignore[no-untyped-def]
    opened = cli("count", "open", "--location", "Store")
    assert "inventory count CT-000001 at Store draft: expected 4, found 0" in opened
    scanned = cli("count", "scan", "CT-000001", "SN1", "SN2", "SN2", "NEW-9", "--sku", "PHONE")
    assert "3 counted, 1 already counted" in scanned
    assert "expected 4, found 3, matched 2" in scanned
    posted = cli("count", "post", "CT-000001")
    assert "posted" in posted
    assert "SN3" in posted
    assert "NEW-9" in posted
    assert "count missing" in cli("discrepancies")
    assert "adjusted out" in cli("serial", "PHONE", "SN4")


def test_batches_expiry_warranty_and_deleting(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    soon = (date.today() + timedelta(days=10)).isoformat()
    cli("product", "add", "PILLS", "Pills", "--tracking", "batch")
    cli("receive", "--supplier", "Acme", "--location", "Store", "--sku", "PILLS",
        "--batch", f"L1:10:{soon}", "--batch", "L2:5")  # fmt: skip
    cli("sell", "--location", "Store", "--sku", "PILLS", "--batch", "L1:3")
    listed = cli("batches", "--sku", "PILLS")
    assert "L1" in listed
    assert "7" in listed
    refused = cli("sell", "--location", "Store", "--sku", "PILLS", "--batch", "L2:6", ok=False)
    assert "5 on hand at the source, 6 asked" in refused
    cli("receive", "--supplier", "Acme", "--location", "Store", "--sku", "PHONE", "W1",
        "--warranty-days", "30", "--expiry", soon)  # fmt: skip
    shown = cli("serial", "PHONE", "W1")
    assert f"supplier warranty until: {date.today() + timedelta(days=30)}" in shown
    assert f"expiry: {soon}" in shown
    assert "RC-" in cli("delete-serial", "PHONE", "SN4", "--reason", "typo")
    assert "cannot be deleted" in cli("delete-serial", "PHONE", "W1", ok=False)


def test_switching_tracking_by_command_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("product", "add", "CABLE", "Cable", "--tracking", "none")
    cli("receive", "--supplier", "Acme", "--location", "Store", "--sku", "CABLE", "--quantity", "2")
    refused = cli("switch-tracking", "CABLE", "serial", ok=False)
    assert "2 on hand (2 at Store)" in refused
    codes = tmp_path / "codes.txt"
    codes.write_text("C1\nC2\n")
    done = cli("switch-tracking", "CABLE", "serial", "--assign", f"Store={codes}")
    assert "serial assignment SA-000001 posted: 2 units" in done
    assert "in stock" in cli("serial", "CABLE", "C2")
