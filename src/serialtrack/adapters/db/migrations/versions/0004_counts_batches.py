"""counts, batches, warranty days per line, expiry overrides, discrepancies

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _add_column(table: str, column: str, sql_type: str, refers_to: str | None = None) -> None:
    """Add a nullable column in place (see 0003: batch mode would rebuild and cascade on SQLite)."""
    if op.get_bind().dialect.name == "sqlite":
        ref = ""
        if refers_to:
            ref = f" CONSTRAINT fk_{table}_{column}_{refers_to} REFERENCES {refers_to} (id)"
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}{ref}")
        return
    op.add_column(table, sa.Column(column, sa.BigInteger() if refers_to else sa.Integer()))
    if refers_to:
        name = f"fk_{table}_{column}_{refers_to}"
        op.create_foreign_key(name, table, refers_to, [column], ["id"])


def _drop_column(table: str, column: str, refers_to: str | None = None) -> None:
    if op.get_bind().dialect.name != "sqlite" and refers_to:
        op.drop_constraint(f"fk_{table}_{column}_{refers_to}", table, type_="foreignkey")
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", Id, nullable=False),
        sa.Column("product_id", Id, nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("code_key", sa.String(length=100), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("created_document_id", Id, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_document_id"], ["documents.id"],
            name=op.f("fk_batches_created_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_batches_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint("product_id", "code_key", name="uq_batches_product_code_key"),
    )  # fmt: skip
    op.create_index("ix_batches_code_key", "batches", ["code_key"], unique=False)
    op.create_table(
        "batch_quants",
        sa.Column("batch_id", Id, nullable=False),
        sa.Column("location_id", Id, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_quants_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_batch_quants_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("batch_id", "location_id", name=op.f("pk_batch_quants")),
    )
    op.create_table(
        "line_batches",
        sa.Column("id", Id, nullable=False),
        sa.Column("line_id", Id, nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_line_batches_line_id_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_batches")),
    )  # fmt: skip
    op.create_index("ix_line_batches_line", "line_batches", ["line_id"], unique=False)
    op.create_table(
        "count_scans",
        sa.Column("id", Id, nullable=False),
        sa.Column("document_id", Id, nullable=False),
        sa.Column("product_id", Id, nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("code_key", sa.String(length=100), nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_count_scans_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_count_scans_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_count_scans_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_scans")),
        sa.UniqueConstraint("document_id", "product_id", "code_key", name="uq_count_scans_code"),
    )  # fmt: skip
    op.create_table(
        "discrepancies",
        sa.Column("id", Id, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("product_id", Id, nullable=False),
        sa.Column("code", sa.String(length=100), nullable=True),
        sa.Column("document_id", Id, nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"],
            name=op.f("fk_discrepancies_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_discrepancies_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discrepancies")),
    )  # fmt: skip
    op.create_index("ix_discrepancies_document", "discrepancies", ["document_id"], unique=False)
    _add_column("lines", "warranty_days", "INTEGER")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE lines ADD COLUMN expiry DATE")
    else:
        op.add_column("lines", sa.Column("expiry", sa.Date()))
    _add_column("documents", "override_by", "INTEGER", "users")
    _add_column("documents", "scope_product_id", "INTEGER", "products")
    _add_column("moves", "batch_id", "INTEGER", "batches")
    op.create_index("ix_moves_batch", "moves", ["batch_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_moves_batch", table_name="moves")
    _drop_column("moves", "batch_id", "batches")
    _drop_column("documents", "scope_product_id", "products")
    _drop_column("documents", "override_by", "users")
    _drop_column("lines", "expiry")
    _drop_column("lines", "warranty_days")
    op.drop_index("ix_discrepancies_document", table_name="discrepancies")
    op.drop_table("discrepancies")
    op.drop_table("count_scans")
    op.drop_index("ix_line_batches_line", table_name="line_batches")
    op.drop_table("line_batches")
    op.drop_table("batch_quants")
    op.drop_index("ix_batches_code_key", table_name="batches")
    op.drop_table("batches")
