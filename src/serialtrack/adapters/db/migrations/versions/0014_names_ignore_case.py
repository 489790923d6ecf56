"""names_ignore_case: a location's and a partner's name is unique whatever its case ("Main
Store" and "main store" are one store), through ``name_key`` (the name casefolded, unique);
names that clashed so before get " (2)", " (3)" …; a count may be blind (``documents.blind``).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

WIDTH = {"locations": 120, "partners": 200}


def upgrade() -> None:
    # In place (a column, an index): no batch rebuild, which would cascade on SQLite.
    bind = op.get_bind()
    for table, width in WIDTH.items():
        op.add_column(table, sa.Column("name_key", sa.String(width), nullable=True))
        _fill_keys(bind, table)
        op.create_index(f"uq_{table}_name_key", table, ["name_key"], unique=True)
    op.add_column("documents", sa.Column("blind", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "blind")
    for table in WIDTH:
        op.drop_index(f"uq_{table}_name_key", table_name=table)
        op.drop_column(table, "name_key")


def _key(name: str) -> str:
    return name.strip().casefold()  # as adapters/db/catalog.py's name_key


def _fill_keys(bind: sa.Connection, table: str) -> None:
    """Each row's key; the oldest of names equal but for case keeps its name, the others get a
    numbered suffix."""
    rows = bind.execute(sa.text(f"SELECT id, name FROM {table} ORDER BY id")).all()
    taken = {_key(str(name)) for _, name in rows}
    seen: set[str] = set()
    for row_id, name in rows:
        name = str(name)
        if _key(name) in seen:
            number = 2
            while _key(f"{name} ({number})") in taken:
                number += 1
            name = f"{name} ({number})"
            taken.add(_key(name))
        seen.add(_key(name))
        bind.execute(
            sa.text(f"UPDATE {table} SET name = :name, name_key = :key WHERE id = :id"),
            {"name": name, "key": _key(name), "id": row_id},
        )
