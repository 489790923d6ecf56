"""New databases for tests, made once per test process by ``serialtrack.open`` and copied.

Opening an empty database runs every migration: about 0.25 s on SQLite and 0.5 s on
PostgreSQL, paid by most tests. ``initialized(url)`` makes the empty database at ``url`` what
``serialtrack.open`` (default clock) would have made of it, so that opening it then takes
0.02 s on SQLite (a file copy) and 0.15 s on PostgreSQL (a replay):

- SQLite: a copy of the template file, checkpointed so its WAL holds nothing.
- PostgreSQL: the template's writing statements (schema, then rows), recorded while it was
  built and replayed into the test's schema; the first replay is compared with the template
  (tables, columns, indexes, constraints, triggers, functions and row counts) and a
  difference fails that test and every later one, so a statement the recording missed
  cannot pass unnoticed.

Tests of opening itself (migrations, the first admin, fixed clocks) keep using empty
databases. Tests whose clock is not the real one must not use these: the template's rows are
stamped at its real time.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

import serialtrack
from databases import drop_postgres_schema, new_postgres_schema

_sqlite_template: Path | None = None
_postgres_script: list[tuple[str, Any, bool]] | None = None
_postgres_template: str | None = None  # the template's schema, kept to compare with
_postgres_wrong: str | None = None  # how the first replay differed from the template


def initialized(url: str) -> str:
    """Make the empty database at ``url`` a new serialtrack database; return ``url``."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists() and path.stat().st_size:
            raise AssertionError(f"{path} is not empty: a template is copied only into nothing")
        shutil.copyfile(_sqlite(), path)
    else:
        _replay(url)
    return url


def _sqlite() -> Path:
    global _sqlite_template
    if _sqlite_template is None:
        directory = Path(tempfile.mkdtemp(prefix="serialtrack-template-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        path = directory / "template.db"
        serialtrack.open(f"sqlite:///{path}").close()
        with sqlite3.connect(path) as bare:
            bare.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        bare.close()
        _sqlite_template = path
    return _sqlite_template


def _record() -> list[tuple[str, Any, bool]]:
    """Build the PostgreSQL template, recording every statement that writes."""
    global _postgres_template
    url, schema = new_postgres_schema()
    script: list[tuple[str, Any, bool]] = []

    def seen(_c: Any, _cur: Any, statement: str, parameters: Any, _x: Any, many: bool) -> None:
        if statement.lstrip()[:6].lower() != "select":
            script.append((statement, parameters, many))

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        serialtrack.open(url).close()
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    _postgres_template = schema
    atexit.register(drop_postgres_schema, schema)
    return script


def _replay(url: str) -> None:
    global _postgres_script, _postgres_wrong
    import psycopg

    if _postgres_wrong:
        raise AssertionError(_postgres_wrong)
    first = _postgres_script is None
    if _postgres_script is None:
        _postgres_script = _record()
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("select count(*) from pg_tables where schemaname = current_schema()")
        if cursor.fetchone()[0]:
            raise AssertionError(
                "the schema is not empty: a template is replayed only into nothing"
            )
        for statement, parameters, many in _postgres_script:
            if many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
        if first:
            assert _postgres_template is not None
            cursor.execute("select current_schema()")
            (schema,) = cursor.fetchone()
            # Off the search path, both schemas' names are written out (and then as S).
            cursor.execute("set local search_path to pg_catalog")
            mine, theirs = _shape(cursor, schema), _shape(cursor, _postgres_template)
            if mine != theirs:
                differ = [(a, b) for a, b in zip(mine, theirs, strict=True) if a != b]
                _postgres_wrong = f"the replayed template differs (replay, model): {differ}"
                raise AssertionError(_postgres_wrong)


def _shape(cursor: Any, name: str) -> list[Any]:
    """What schema ``name`` holds, its name written as S: to compare a replay with its model."""
    queries = [
        "select table_name, column_name, data_type, is_nullable, column_default"
        f" from information_schema.columns where table_schema = '{name}'",
        f"select tablename, indexname, indexdef from pg_indexes where schemaname = '{name}'",
        "select conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
        f" from pg_constraint where connamespace = '{name}'::regnamespace",
        "select event_object_table, trigger_name, action_statement"
        f" from information_schema.triggers where trigger_schema = '{name}'",
        f"select proname, prosrc from pg_proc where pronamespace = '{name}'::regnamespace",
    ]
    shape: list[Any] = []
    for query in queries:
        cursor.execute(query)
        shape.append(sorted(tuple(str(v).replace(name, "S") for v in r) for r in cursor))
    cursor.execute(
        "select table_name from information_schema.tables"
        f" where table_schema = '{name}' and table_type = 'BASE TABLE' order by table_name"
    )
    for (table,) in cursor.fetchall():
        cursor.execute(f'select count(*) from "{name}"."{table}"')
        shape.append((table, cursor.fetchone()[0]))
    return shape
