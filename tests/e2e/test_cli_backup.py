"""``serialtrack backup`` and ``serialtrack restore`` through the installed console command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import serialtrack
from builders import codes, shop
from serialtrack.adapters.db.migrate import head_revision

PASSWORD = "Secr3t-Pw-not-to-print"


def console() -> str:
    found = shutil.which("serialtrack", path=str(Path(sys.executable).parent))
    if not found:
        pytest.skip("the serialtrack console command is not installed in this environment")
    return found


def with_password(url: str) -> str:
    """The same database with a password in the URL (the test server trusts, so it is unused)."""
    scheme, rest = url.split("://", 1)
    userinfo, at, host = rest.partition("@")
    if not at or ":" in userinfo:
        return url
    return f"{scheme}://{userinfo}:{PASSWORD}@{host}"


def run(url: str, *args: str, ok: bool = True) -> str:
    env = dict(os.environ, SERIALTRACK_DATABASE_URL=url)
    env.pop("PGPASSWORD", None)
    result = subprocess.run([console(), *args], env=env, capture_output=True, text=True,
                            timeout=300, check=False)  # fmt: skip
    output = result.stdout + result.stderr
    assert (result.returncode == 0) is ok, output
    assert PASSWORD not in output
    return output


def test_backup_and_restore_by_command_line(db_url: str, tmp_path: Path) -> None:
    url = with_password(db_url)
    with shop(serialtrack.open(db_url)) as inv:
        inv.receive(supplier="Acme", location="Store", lines=[("PHONE", codes("SN", 4))])
        inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["SN-0001"])])
    target = tmp_path / "backups" / "shop.backup"
    target.parent.mkdir()

    out = run(url, "backup", str(target))
    assert f"backup written: {target}" in out
    assert f"schema revision {head_revision()}" in out
    assert "2 documents, 4 serials" in out
    assert sorted(p.name for p in target.parent.iterdir()) == ["shop.backup"]
    kind = target.read_bytes()[:16]
    assert kind.startswith(b"SQLite format 3" if db_url.startswith("sqlite") else b"PGDMP")

    with serialtrack.open(db_url) as inv:
        inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["SN-0002", "SN-0003"])])

    refused = run(url, "restore", str(target), ok=False)
    assert "holds 3 documents" in refused
    assert "--force" in refused

    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00not a backup" * 100)
    assert "is not a serialtrack backup" in run(url, "restore", str(garbage), "--force", ok=False)
    with serialtrack.open(db_url) as inv:
        assert len(inv.documents()) == 3

    out = run(url, "restore", str(target), "--force")
    assert f"restored {target}" in out
    assert "2 documents, 4 serials" in out
    assert "ledger and current state agree" in run(url, "check")
    with serialtrack.open(db_url) as inv:
        assert len(inv.documents()) == 2
        assert inv.serial("PHONE", "SN-0002").status.value == "in_stock"
        assert inv.serial("PHONE", "SN-0001").status.value == "sold"


def test_backup_of_a_missing_database_fails(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    assert "no database to back up" in run(url, "backup", str(tmp_path / "b"), ok=False)
    assert list(tmp_path.iterdir()) == []


def test_help_says_to_stop_the_app_before_a_restore() -> None:
    out = run("sqlite:///unused.db", "restore", "--help")
    assert "Stop the app first" in out
    assert "--force" in out
