"""bundles: products made of components; documents group component lines under a bundle

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bundle_components",
        sa.Column("bundle_id", Id, nullable=False),
        sa.Column("component_id", Id, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bundle_id"], ["products.id"], name="fk_bundle_components_bundle_id_products"
        ),
        sa.ForeignKeyConstraint(
            ["component_id"], ["products.id"], name="fk_bundle_components_component_id_products"
        ),
        sa.PrimaryKeyConstraint("bundle_id", "component_id", name="pk_bundle_components"),
    )
    op.create_index("ix_bundle_components_component", "bundle_components", ["component_id"])
    op.create_table(
        "document_bundles",
        sa.Column("id", Id, primary_key=True),
        sa.Column("document_id", Id, nullable=False),
        sa.Column("bundle_no", sa.Integer(), nullable=False),
        sa.Column("product_id", Id, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_document_bundles_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_document_bundles_product_id_products"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_document_bundles"),
        sa.UniqueConstraint("document_id", "bundle_no", name="uq_document_bundles_document_no"),
    )  # fmt: skip
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bundle_id", Id, nullable=True))
        batch_op.create_foreign_key(
            "fk_lines_bundle_id_document_bundles", "document_bundles", ["bundle_id"], ["id"]
        )
        batch_op.create_index("ix_lines_bundle", ["bundle_id"])


def downgrade() -> None:
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.drop_index("ix_lines_bundle")
        batch_op.drop_constraint("fk_lines_bundle_id_document_bundles", type_="foreignkey")
        batch_op.drop_column("bundle_id")
    op.drop_table("document_bundles")
    op.drop_index("ix_bundle_components_component", table_name="bundle_components")
    op.drop_table("bundle_components")
