"""partners' contact fields: phone, e-mail and address (a recall calls the customers); GLNs
of locations and partners (EPCIS names them by GS1 Global Location Number); moves indexed
by time (the journal by date, the home page's weeks)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(60), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch_op.add_column(sa.Column("address", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("gln", sa.String(13), nullable=True))
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gln", sa.String(13), nullable=True))
    op.create_index("ix_moves_at", "moves", ["at"])


def downgrade() -> None:
    op.drop_index("ix_moves_at", table_name="moves")
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_column("gln")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("gln")
        batch_op.drop_column("address")
        batch_op.drop_column("email")
        batch_op.drop_column("phone")
