"""Backup and restore: a restore gives back exactly the state at backup time, or writes nothing.

Each case runs on SQLite (the backup is an SQLite file) and PostgreSQL (a ``pg_dump`` custom
dump of the test's own schema).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

import serialtrack
from builders import codes, shop, snapshot
from serialtrack.adapters.db import backup as backups
from serialtrack.adapters.db import migrate
from serialtrack.adapters.db.engine import make_engine
from serialtrack.adapters.db.migrate import head_revision


def state(url: str) -> dict[str, Any]:
    """Documents, serials with status and location, quants: what a restore must bring back."""
    with serialtrack.open(url) as inv:
        result = snapshot(inv)
        result["serial_views"] = sorted(tuple(s.values()) for s in inv.serials(limit=1000))
        result["document_numbers"] = sorted(tuple(d.values()) for d in inv.documents(limit=1000))
    return result


def small_shop(url: str) -> None:
    with shop(serialtrack.open(url)) as inv:
        inv.receive(supplier="Acme", location="Store",
                    lines=[("PHONE", codes("SN", 6)), ("CABLE", 10)])  # fmt: skip
        inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["SN-0002"]), ("CABLE", 3)])
        inv.write_off(location="Store", reason="dropped", lines=[("PHONE", ["SN-0003"])])


def more_business(url: str) -> None:
    with serialtrack.open(url) as inv:
        inv.receive(supplier="Globex", location="Warehouse", lines=[("PHONE", codes("NEW", 3))])
        inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["SN-0004", "SN-0005"])])
        inv.add_product("TABLET", "Tablet", "serial")


def check(url: str) -> list[str]:
    with serialtrack.open(url) as inv:
        return inv.check()


def test_restore_brings_back_the_state_at_backup_time(db_url: str, tmp_path: Path) -> None:
    small_shop(db_url)
    before = state(db_url)
    pages: list[tuple[int, int]] = []
    info = backups.backup(db_url, tmp_path / "shop.backup", progress=lambda *p: pages.append(p))
    assert info.path == tmp_path / "shop.backup"
    assert info.size == (tmp_path / "shop.backup").stat().st_size > 0
    assert info.revision == head_revision()
    assert info.counts == {"documents": 3, "serials": 6, "moves": len_moves(db_url)}
    if db_url.startswith("sqlite"):
        assert pages
        assert pages[-1][0] == pages[-1][1]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    more_business(db_url)
    assert state(db_url) != before

    restored = backups.restore(db_url, tmp_path / "shop.backup", force=True)
    assert restored.revision == head_revision()
    assert restored.upgraded_from is None
    assert restored.counts == info.counts
    assert state(db_url) == before
    assert check(db_url) == []
    with serialtrack.open(db_url) as inv:  # the restored inventory works on
        inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["SN-0004"])])
        assert inv.check() == []


def len_moves(url: str) -> int:
    with serialtrack.open(url) as inv:
        return snapshot(inv)["counts"]["moves"]


def test_restore_refuses_a_database_with_documents_without_force(
    db_url: str, tmp_path: Path
) -> None:
    small_shop(db_url)
    backups.backup(db_url, tmp_path / "shop.backup")
    more_business(db_url)
    after = state(db_url)
    with pytest.raises(backups.BackupError, match=r"holds 5 documents.*--force"):
        backups.restore(db_url, tmp_path / "shop.backup")
    assert state(db_url) == after


def wipe(url: str) -> None:
    """Make the database at ``url`` not exist: the SQLite file, or the PostgreSQL schema."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for name in (path.name, path.name + "-wal", path.name + "-shm"):
            (path.parent / name).unlink(missing_ok=True)
        return
    schema = backups._pg_schema(make_url(url))
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        engine.dispose()


def test_restore_into_an_empty_or_missing_database_needs_no_force(
    db_url: str, tmp_path: Path
) -> None:
    small_shop(db_url)
    before = state(db_url)
    backups.backup(db_url, tmp_path / "shop.backup")

    wipe(db_url)  # nothing there at all: no file, no schema
    backups.restore(db_url, tmp_path / "shop.backup")
    assert state(db_url) == before

    wipe(db_url)
    if not db_url.startswith("sqlite"):
        engine = make_engine(db_url.split("?")[0])
        try:
            with engine.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{backups._pg_schema(make_url(db_url))}"'))
        finally:
            engine.dispose()
    serialtrack.open(db_url).close()  # a new, empty inventory
    backups.restore(db_url, tmp_path / "shop.backup")
    assert state(db_url) == before
    assert check(db_url) == []


def test_garbage_truncated_or_foreign_files_are_refused_and_nothing_is_written(
    db_url: str, tmp_path: Path
) -> None:
    small_shop(db_url)
    good = tmp_path / "shop.backup"
    backups.backup(db_url, good)
    more_business(db_url)
    after = state(db_url)
    data = good.read_bytes()

    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"this is not a backup\n" * 500)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    cases: dict[Path, str] = {
        garbage: "not a serialtrack backup",
        empty: "not a serialtrack backup",
        tmp_path / "missing": "no backup file",
    }
    for fraction in (0.1, 0.5, 0.9):
        cut = tmp_path / f"truncated-{fraction}"
        cut.write_bytes(data[: int(len(data) * fraction)])
        cases[cut] = "not a serialtrack backup"
    cut = tmp_path / "truncated-end"
    cut.write_bytes(data[:-50])
    cases[cut] = "not a serialtrack backup"
    other = tmp_path / "other-kind"
    if db_url.startswith("sqlite"):
        other.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
        cases[other] = "is a PostgreSQL backup but the configured database is SQLite"
        plain = tmp_path / "plain.sqlite"
        with sqlite3.connect(plain) as connection:
            connection.execute("CREATE TABLE documents (id integer)")
        connection.close()
        cases[plain] = "no alembic_version"
    else:
        with sqlite3.connect(other) as connection:
            connection.execute("CREATE TABLE alembic_version (version_num text)")
        connection.close()
        cases[other] = "is an SQLite backup but the configured database is PostgreSQL"

    for path, message in cases.items():
        with pytest.raises(backups.BackupError, match=message):
            backups.restore(db_url, path, force=True)
        assert state(db_url) == after, path
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert check(db_url) == []


def test_a_backup_from_a_newer_schema_is_refused(db_url: str, tmp_path: Path) -> None:
    small_shop(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        backups.backup(db_url, tmp_path / "future.backup")
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"),
                               {"head": head_revision()})  # fmt: skip
    finally:
        engine.dispose()
    more_business(db_url)
    after = state(db_url)
    with pytest.raises(backups.BackupError, match=r"revision 9999_future.*newer serialtrack"):
        backups.restore(db_url, tmp_path / "future.backup", force=True)
    assert state(db_url) == after


def test_a_backup_from_an_older_schema_is_upgraded_after_restore(
    db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine, "0005")
        assert migrate.current_revision(engine) == "0005"
    finally:
        engine.dispose()
    info = backups.backup(db_url, tmp_path / "old.backup")
    assert info.revision == "0005"

    small_shop(db_url)  # opening upgrades to the newest schema; then business happens
    restored = backups.restore(db_url, tmp_path / "old.backup", force=True)
    assert restored.upgraded_from == "0005"
    assert restored.revision == head_revision()
    engine = make_engine(db_url)
    try:
        assert migrate.current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    with serialtrack.open(db_url) as inv:
        assert inv.documents() == []
        assert inv.check() == []
        shop(inv).receive(supplier="Acme", location="Store", lines=[("PHONE", ["X1"])])
        assert inv.check() == []


def test_an_interrupted_backup_leaves_no_file(sqlite_url: str, tmp_path: Path) -> None:
    small_shop(sqlite_url)
    target = tmp_path / "out" / "shop.backup"
    target.parent.mkdir()

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backups.backup(sqlite_url, target, progress=interrupt)
    assert list(target.parent.iterdir()) == []


def test_backing_up_a_database_that_is_not_there_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(backups.BackupError, match="no database to back up"):
        backups.backup(f"sqlite:///{tmp_path / 'nothing.db'}", tmp_path / "b.backup")
    assert not (tmp_path / "nothing.db").exists()
    assert not (tmp_path / "b.backup").exists()


def test_missing_pg_tools_are_named(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_shop(postgres_url)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backups.BackupError, match=r"pg_dump was not found on PATH"):
        backups.backup(postgres_url, tmp_path / "shop.backup")
    assert list(tmp_path.iterdir()) == []


def test_an_online_sqlite_backup_taken_while_sales_post_is_consistent(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    units = codes("ON", 300)
    with shop(serialtrack.open(sqlite_url)) as inv:
        inv.receive(supplier="Acme", location="Store", lines=[("PHONE", units)])
    monkeypatch.setattr(backups, "SQLITE_STEP_PAGES", 1)  # many small steps: writers interleave
    stop = threading.Event()
    sold: list[str] = []
    failures: list[BaseException] = []

    def clerk() -> None:
        try:
            with serialtrack.open(sqlite_url) as seller:
                for code in units:
                    if stop.is_set():
                        return
                    seller.sell(customer="Alice", location="Store", lines=[("PHONE", [code])])
                    sold.append(code)
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=clerk)
    thread.start()
    backups_taken = []
    try:
        while len(sold) < 5:
            time.sleep(0.01)
        for n in range(3):
            sold_before = len(sold)
            target = tmp_path / f"online-{n}.backup"
            info = backups.backup(sqlite_url, target, progress=lambda *_: time.sleep(0.002))
            backups_taken.append((target, info, sold_before, len(sold)))
    finally:
        stop.set()
        thread.join(timeout=120)
    assert failures == []
    assert any(after > before for _, _, before, after in backups_taken), "no sale during backup"
    for target, info, before, after in backups_taken:
        url = f"sqlite:///{target}"
        with serialtrack.open(url) as copy:
            assert copy.check() == []
            sales = copy.documents(kind="sale", limit=1000)
        assert before <= len(sales) <= after
        assert info.counts["documents"] == len(sales) + 1
