"""serial and batch code keys in NFKC: codes that look alike are one code

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from serialtrack.domain.codes import code_key

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# (table, code column, key column, the columns a key is unique within)
KEYED = (
    ("serials", "code", "code_key", ("product_id",)),
    ("batches", "code", "code_key", ("product_id",)),
    ("line_serials", "code", "code_key", None),
    ("count_scans", "code", "code_key", ("document_id", "product_id")),
    ("serial_code_changes", "old_code", "old_code_key", None),
)


def upgrade() -> None:
    """Recompute the keys of codes with non-ASCII characters (ASCII keys do not change).

    Where two existing codes now share a key, the later one keeps its old key: both units stay
    what they were, and a new entry of that code finds the first."""
    c = op.get_bind()
    md = sa.MetaData()
    for name, code, key, within in KEYED:
        table = sa.Table(name, md, autoload_with=c)
        rows = c.execute(sa.select(table.c.id, table.c[code], table.c[key])).all()
        for row in rows:
            value = row[1]
            if value is None or value.isascii():
                continue
            new = code_key(value)
            if new == row[2]:
                continue
            if within is not None:
                mine = c.execute(
                    sa.select(*(table.c[col] for col in within)).where(table.c.id == row[0])
                ).one()
                same = sa.and_(
                    table.c[key] == new,
                    *(table.c[col] == value for col, value in zip(within, mine, strict=True)),
                )
                if c.execute(sa.select(table.c.id).where(same).limit(1)).first():
                    continue
            c.execute(sa.update(table).where(table.c.id == row[0]).values({key: new}))
    claims = sa.Table("global_serial_codes", md, autoload_with=c)
    serials = md.tables["serials"]
    for serial_id, key in c.execute(
        sa.select(serials.c.id, serials.c.code_key).where(
            serials.c.id.in_(sa.select(claims.c.serial_id))
        )
    ).all():
        taken = c.execute(sa.select(claims.c.serial_id).where(claims.c.code_key == key)).scalar()
        if taken is None:
            c.execute(sa.update(claims).where(claims.c.serial_id == serial_id).values(code_key=key))


def downgrade() -> None:
    """Keys stay as they are: both forms compare equal under the old rule's casefold only for
    ASCII, which did not change."""
