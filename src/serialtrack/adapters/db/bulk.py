"""Writing many rows at once through the driver itself, inside the caller's transaction.

SQLAlchemy's ``executemany`` spends more per row preparing parameters than the database spends
storing them (bench/README.md). For the documents of thousands of serials, the rows go to the
driver directly: ``COPY ... FROM STDIN`` on PostgreSQL, ``executemany`` of one prepared
``INSERT`` on SQLite, with each column's value converted as SQLAlchemy would store it (its
type's bind processor), so what is stored is the same either way. Table and column names
come from ``tables.py`` (never from input) and are quoted by the dialect.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table

# Below this many rows the ordinary statements are as fast (and show in statement logs).
BULK_FROM = 200
_Processor = Callable[[Any], Any] | None


def _names(connection: Connection, table: Table, columns: Sequence[str]) -> tuple[str, str]:
    quote = connection.dialect.identifier_preparer
    return quote.format_table(table), ", ".join(quote.quote(c) for c in columns)


def _processors(connection: Connection, table: Table, columns: Sequence[str]) -> list[_Processor]:
    dialect = connection.dialect
    return [table.c[c].type._cached_bind_processor(dialect) for c in columns]


def _driver(connection: Connection) -> Any:
    """The DBAPI connection under ``connection`` (in its transaction)."""
    return connection.connection.driver_connection


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``."""
    if not rows:
        return
    columns = [c.name for c in table.columns if c.name in rows[0]]
    name, listed = _names(connection, table, columns)
    if connection.dialect.name == "postgresql":
        with (
            _driver(connection).cursor() as cursor,
            cursor.copy(f"COPY {name} ({listed}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    processors = _processors(connection, table, columns)
    marks = ", ".join("?" * len(columns))
    values = map(_row_maker(columns, processors), rows)
    cursor = _driver(connection).cursor()
    try:
        cursor.executemany(f"INSERT INTO {name} ({listed}) VALUES ({marks})", values)
    finally:
        cursor.close()


def _row_maker(
    columns: Sequence[str], processors: Sequence[_Processor]
) -> Callable[[dict[str, Any]], Sequence[Any]]:
    """A row dict to the driver's values in ``columns`` order, converted where the column's
    type converts (SQLite: dates and times to text). A document's rows mostly repeat those
    values (its time, its date), so each conversion is remembered for the call."""
    get = itemgetter(*columns)
    special = [(i, p, {}) for i, p in enumerate(processors) if p is not None]
    if not special:
        return get  # type: ignore[no-any-return]

    def make(row: dict[str, Any]) -> Sequence[Any]:
        values = list(get(row))
        for i, process, memo in special:
            value = values[i]
            if value is not None:
                done = memo.get(value)
                if done is None:
                    done = memo[value] = process(value)
                values[i] = done
        return values

    return make


def insert_new_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    unique: Sequence[str],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Insert ``rows``, skipping those whose ``unique`` columns are taken already; return the
    ``returning`` columns of the rows inserted.

    PostgreSQL: ``COPY`` into a temporary table, then ``INSERT ... SELECT ... ON CONFLICT DO
    NOTHING RETURNING``.
    SQLite: ``executemany`` of ``INSERT ... ON CONFLICT DO NOTHING``, then the rows with an id
    above the highest before it (SQLite writers are one at a time: those are this call's).
    """
    if not rows:
        return []
    columns = [c.name for c in table.columns if c.name in rows[0]]
    name, listed = _names(connection, table, columns)
    quote = connection.dialect.identifier_preparer.quote
    conflict = ", ".join(quote(c) for c in unique)
    back = ", ".join(quote(c) for c in returning)
    driver = _driver(connection)
    if connection.dialect.name == "postgresql":
        # COPY into a temporary table of the same columns (emptied at commit), then one
        # INSERT ... SELECT: COPY's rows are written by psycopg's C code, where arrays for
        # ``unnest`` would be built value by value in Python.
        staging = quote(f"serialtrack_new_{table.name}_{zlib.crc32(listed.encode()):08x}")
        with driver.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
                f"SELECT {listed} FROM {name} WITH NO DATA"
            )
            cursor.execute(f"DELETE FROM {staging}")  # an earlier call of this transaction
            with cursor.copy(f"COPY {staging} ({listed}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
            cursor.execute(
                f"INSERT INTO {name} ({listed}) SELECT {listed} FROM {staging} "
                f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {back}"
            )
            return [tuple(r) for r in cursor.fetchall()]
    processors = _processors(connection, table, columns)
    marks = ", ".join("?" * len(columns))
    key = quote(table.primary_key.columns.values()[0].name)
    cursor = driver.cursor()
    try:
        before = cursor.execute(f"SELECT coalesce(max({key}), 0) FROM {name}").fetchone()[0]
        cursor.executemany(
            f"INSERT INTO {name} ({listed}) VALUES ({marks}) ON CONFLICT ({conflict}) DO NOTHING",
            map(_row_maker(columns, processors), rows),
        )
        found = cursor.execute(
            f"SELECT {back} FROM {name} WHERE {key} > ? ORDER BY {key}", (before,)
        ).fetchall()
    finally:
        cursor.close()
    return [tuple(r) for r in found]
