"""global uniqueness of serial codes, enforced by the database

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "global_serial_codes",
        sa.Column("code_key", sa.String(length=100), nullable=False),
        sa.Column("serial_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["serial_id"], ["serials.id"], name=op.f("fk_global_serial_codes_serial_id_serials")
        ),
        sa.PrimaryKeyConstraint("code_key", name=op.f("pk_global_serial_codes")),
        sa.UniqueConstraint("serial_id", name=op.f("uq_global_serial_codes_serial_id")),
    )
    # An inventory already set to global uniqueness claims its codes now (the first serial of
    # a code wins; `serialtrack check` names any code two products share).
    op.execute(
        "INSERT INTO global_serial_codes (code_key, serial_id) "
        "SELECT code_key, MIN(id) FROM serials "
        "WHERE EXISTS (SELECT 1 FROM settings "
        "WHERE key = 'serial_uniqueness' AND value = 'global') "
        "GROUP BY code_key"
    )


def downgrade() -> None:
    op.drop_table("global_serial_codes")
