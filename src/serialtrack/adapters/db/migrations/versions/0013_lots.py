"""lots: tracking serial+batch (a unit's batch, a draft line's batch); a product's batch-code
pattern, shelf life and the offsets of its best-before, removal and alert dates; counted
quantities of an inventory count (quantity-only and batch products); the serials a draft
receipt or a dispatch expects (an advance shipping notice)

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Columns are added in place (no batch rebuild: on SQLite it would cascade, see 0003/0004).
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:  # SQLite does not hold a VARCHAR to its length
        op.alter_column("products", "tracking", existing_type=sa.String(10), type_=sa.String(16))
    for column in ("shelf_life_days", "best_before_days", "removal_days", "alert_days"):
        op.add_column("products", sa.Column(column, sa.Integer(), nullable=True))
    op.add_column("products", sa.Column("batch_pattern", sa.String(120), nullable=True))
    op.add_column("lines", sa.Column("batch", sa.String(100), nullable=True))
    if sqlite:
        op.execute(
            "ALTER TABLE serials ADD COLUMN batch_id INTEGER"
            " CONSTRAINT fk_serials_batch_id_batches REFERENCES batches (id)"
        )
    else:
        op.add_column("serials", sa.Column("batch_id", sa.BigInteger(), nullable=True))
        op.create_foreign_key(
            "fk_serials_batch_id_batches", "serials", "batches", ["batch_id"], ["id"]
        )
    op.create_index("ix_serials_batch", "serials", ["batch_id"])
    op.create_table(
        "count_quantities",
        sa.Column("id", Id, nullable=False),
        sa.Column("document_id", Id, nullable=False),
        sa.Column("product_id", Id, nullable=False),
        sa.Column("batch_code", sa.String(100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_count_quantities_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_count_quantities_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_count_quantities_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_quantities")),
        sa.UniqueConstraint(
            "document_id", "product_id", "batch_code", name="uq_count_quantities_line"
        ),
    )
    op.create_table(
        "expected_serials",
        sa.Column("id", Id, nullable=False),
        sa.Column("document_id", Id, nullable=False),
        sa.Column("product_id", Id, nullable=False),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("code_key", sa.String(100), nullable=False),
        sa.Column("batch", sa.String(100), nullable=True),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("scanned_by", Id, nullable=True),
        sa.Column("scanned_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_expected_serials_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_expected_serials_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["scanned_by"], ["users.id"], name=op.f("fk_expected_serials_scanned_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expected_serials")),
        sa.UniqueConstraint(
            "document_id", "product_id", "code_key", name="uq_expected_serials_code"
        ),
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_table("expected_serials")
    op.drop_table("count_quantities")
    op.drop_index("ix_serials_batch", table_name="serials")
    if not sqlite:
        op.drop_constraint("fk_serials_batch_id_batches", "serials", type_="foreignkey")
    op.execute("ALTER TABLE serials DROP COLUMN batch_id")
    op.execute("ALTER TABLE lines DROP COLUMN batch")
    for column in ("batch_pattern", "alert_days", "removal_days", "best_before_days",
                   "shelf_life_days"):  # fmt: skip
        op.execute(f"ALTER TABLE products DROP COLUMN {column}")
    if not sqlite:
        op.alter_column("products", "tracking", existing_type=sa.String(16), type_=sa.String(10))
