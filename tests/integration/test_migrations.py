"""The migrations are the schema: upgrading an empty database gives exactly the tables in code."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from serialtrack.adapters.db import migrate
from serialtrack.adapters.db.engine import make_engine
from serialtrack.adapters.db.tables import metadata


def test_migrations_match_the_tables_in_code(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
        assert differences == [], "write a migration for: " + repr(differences)
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine)
        tables = sorted(inspect(engine).get_table_names())
        migrate.upgrade(engine)
        assert sorted(inspect(engine).get_table_names()) == tables
        assert {"serials", "moves", "documents", "alembic_version"} <= set(tables)
    finally:
        engine.dispose()


def test_the_batch_indexes_leave_out_rows_without_a_batch(db_url: str) -> None:
    """Partial (revision 0015): a receipt's moves and serials without a batch add nothing
    to them."""
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine)
        where_option = f"{engine.dialect.name}_where"
        inspector = inspect(engine)
        for table in ("moves", "serials"):
            (index,) = [
                i for i in inspector.get_indexes(table) if i["column_names"] == ["batch_id"]
            ]
            where = str(index.get("dialect_options", {}).get(where_option, "")).lower()
            assert "batch_id is not null" in where, (table, index)
    finally:
        engine.dispose()
