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
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

import serialtrack
from builders import codes, shop, snapshot
from serialtrack.adapters.db import backup as backups
from serialtrack.adapters.db import migrate
from serialtrack.adapters.db.engine import make_engine
from serialtrack.adapters.db.migrate import head_revision
from serialtrack.adapters.db.tables import metadata
from serialtrack.domain.errors import Unauthenticated
from serialtrack.entrypoints.web import create_app


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


def busy_shop(url: str) -> None:
    """Documents of eleven kinds (a draft, one sent with an Idempotency-Key), batches, a
    correction, a cancel, counts of serials and of quantities with their adjustments and
    discrepancies, serial+batch units, a notice of expected serials, audit rows, users,
    tokens, a session, settings, a failed login, a bundle sale: every table but the redactions
    holds rows."""
    with shop(serialtrack.open(url)) as inv:
        inv.add_location("Annex")
        inv.add_partner("Initech", supplier=True)
        inv.add_product("PILLS", "Pills", "batch", expiry_required=True)
        inv.update_product("CABLE", name="USB cable")
        inv.set_setting("allow_negative_stock", "false")
        inv.add_user("kim", "clerk", "kim-password-1")
        inv.create_token("admin", "backup test")
        inv.login("kim", "kim-password-1")
        with pytest.raises(Unauthenticated):  # a failed login, recorded
            inv.login("kim", "wrong-password")
        inv.opening_balance(location="Store", lines=[("PHONE", codes("OB", 3)), ("CABLE", 5)])
        receipt = inv.receive(supplier="Acme", location="Store", reference="PO-7",
                              lines=[("PHONE", codes("SN", 10)), ("CABLE", 20),
                                     {"sku": "PILLS", "batches": [
                                         {"code": "LOT-A", "quantity": 10, "expiry": "2030-01-31"},
                                         {"code": "LOT-B", "quantity": 5, "expiry": "2031-06-30"},
                                     ]}])  # fmt: skip
        sale = inv.sell(customer="Alice", location="Store",
                        lines=[("PHONE", ["SN-0001", "SN-0002", "SN-0003"]), ("CABLE", 4),
                               {"sku": "PILLS", "batches": [("LOT-A", 3)]}])  # fmt: skip
        inv.return_from_customer(customer="Alice", location="Store", invoice=sale.number,
                                 lines=[("PHONE", ["SN-0002"]), ("CABLE", 1)])  # fmt: skip
        inv.return_to_supplier(supplier="Acme", location="Store", receipt=receipt.number,
                               lines=[("PHONE", ["SN-0004"]), ("CABLE", 2)])  # fmt: skip
        dispatch = inv.dispatch(source="Store", destination="Warehouse",
                                lines=[("PHONE", ["SN-0005", "SN-0006"])])  # fmt: skip
        inv.receive_transfer(dispatch=dispatch, lines=[("PHONE", ["SN-0005"])])  # one in transit
        inv.transfer(source="Store", destination="Annex", lines=[("PHONE", ["SN-0007"])])
        inv.write_off(location="Store", reason="dropped", lines=[("PHONE", ["SN-0008"])])
        inv.correct_serial("PHONE", "SN-0009", "SN-0090", reason="typo")
        mistaken = inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["SN-0010"])])
        inv.cancel(mistaken)
        inv.add_product("KIT", "Phone kit", "none")  # a bundle, sold from its components
        inv.set_components("KIT", [("PHONE", 1), ("CABLE", 1)])
        inv.sell(location="Store", lines=[("KIT", ["SN-0010"])])
        inv.sell(
            customer="Bob",
            location="Store",
            post=False,
            lines=[("PHONE", ["OB-0001"]), {"sku": "PILLS", "batches": [("LOT-B", 1)]}],
        )
        count = inv.open_count(location="Annex", sku="PHONE")
        inv.count_scan(count, ["SN-0007", "ZZ-0001"], sku="PHONE")  # one not on the books
        inv.post_count(count)
        inv.open_count(location="Warehouse")  # left open
        tally = inv.open_count(location="Store", sku="CABLE")  # a count of quantities
        inv.count_quantity(tally, "CABLE", 17)
        inv.post_count(tally)
        inv.add_product("VAX", "Vaccine", "serial+batch", shelf_life_days=365, alert_days=30,
                        batch_pattern="V{yy}-{seq:03}")  # fmt: skip
        # units in a generated batch, expiring by the shelf life; a notice of more to come
        inv.receive(supplier="Acme", location="Store", lines=[{"sku": "VAX", "serials": ["V1"]}])
        inv.expect_receipt(supplier="Acme", location="Store", lines=[("VAX", ["V2", "V3"])])
        inv.set_setting("serial_uniqueness", "global")
        token = inv.create_token("kim", "till")
    with TestClient(create_app(url)) as client:  # a sale sent with an Idempotency-Key
        sale = {"kind": "sale", "partner": "Bob", "location": "Store",
                "lines": [{"sku": "PHONE", "serials": ["OB-0002"]}]}  # fmt: skip
        answer = client.post(
            "/api/v1/documents",
            json=sale,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k1"},
        )
        assert answer.status_code == 201, answer.text


def rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and the schema's revision; on PostgreSQL each sequence's
    position), ordered by primary key."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            found = {
                table.name: [tuple(r) for r in connection.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in metadata.sorted_tables
            }  # fmt: skip
            found["alembic_version"] = [
                tuple(r) for r in connection.execute(text("SELECT * FROM alembic_version"))
            ]
            if engine.dialect.name == "postgresql":
                found["(sequences)"] = [tuple(r) for r in connection.execute(text(
                    "SELECT sequencename, last_value FROM pg_sequences"
                    " WHERE schemaname = current_schema() ORDER BY sequencename"))]  # fmt: skip
    finally:
        engine.dispose()
    return found


def test_a_busy_database_round_trips_every_row_of_every_table(db_url: str, tmp_path: Path) -> None:
    busy_shop(db_url)
    assert check(db_url) == []
    before = rows(db_url)
    assert set(before) >= {t.name for t in metadata.sorted_tables}
    # A busy database: every table holds rows but the redactions' (only a purge writes them).
    empty = sorted(name for name, table_rows in before.items() if not table_rows)
    assert empty == ["ledger_redactions"]
    backups.backup(db_url, tmp_path / "busy.backup")
    assert rows(db_url) == before  # the backup changed nothing

    with serialtrack.open(db_url) as inv:  # business after the backup, which the restore undoes
        inv.receive(supplier="Globex", location="Warehouse", lines=[("PHONE", codes("NEW", 3))])
        inv.cancel(inv.sell(customer="Bob", location="Store", lines=[("PHONE", ["OB-0003"])]))
        inv.correct_serial("PHONE", "SN-0090", "SN-0091")
        inv.add_product("TABLET", "Tablet", "serial")
        inv.set_setting("allow_negative_stock", "true")
    changed = rows(db_url)
    for name in ("documents", "lines", "moves", "serials", "document_events", "audit",
                 "serial_code_changes", "products", "settings", "ledger_head"):  # fmt: skip
        assert changed[name] != before[name], name

    backups.restore(db_url, tmp_path / "busy.backup", force=True)
    after = rows(db_url)
    for name in before:
        assert after[name] == before[name], name
    assert after == before
    assert check(db_url) == []


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
