"""Table definitions. Alembic migrations create them; ``tests`` check the two agree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _only_set(column: Column[Any]) -> dict[str, Any]:
    """The dialect options of a partial index over the rows where ``column`` is set."""
    return {"sqlite_where": column.is_not(None), "postgresql_where": column.is_not(None)}


# 64-bit ids on PostgreSQL; SQLite wants INTEGER PRIMARY KEY (its rowid), which is 64-bit anyway.
Id = BigInteger().with_variant(Integer, "sqlite")

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("value", Text, nullable=False),
)

sequences = Table(
    "sequences",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("next_value", Integer, nullable=False),
)

locations = Table(
    "locations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
    Column("gln", String(13)),  # GS1 Global Location Number: EPCIS names the place by it
)

partners = Table(
    "partners",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("is_supplier", Boolean, nullable=False, default=False),
    Column("is_customer", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
    Column("phone", String(60)),
    Column("email", String(254)),
    Column("address", Text),
    Column("gln", String(13)),
)

products = Table(
    "products",
    metadata,
    Column("id", Id, primary_key=True),
    Column("sku", String(80), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("unit", String(20), nullable=False, default="pcs"),
    # serial+batch needs 12 characters: widened on PostgreSQL (revision 0013); SQLite holds any
    # length, and rebuilding its products table would cascade.
    Column("tracking", String(10).with_variant(String(16), "postgresql"), nullable=False),
    Column("gtin", String(14), unique=True),
    Column("expiry_required", Boolean, nullable=False, default=False),
    Column("supplier_warranty_days", Integer),
    Column("customer_warranty_days", Integer),
    Column("serial_pattern", String(120)),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("number", String(60), nullable=False),
    Column("state", String(12), nullable=False),
    Column("date", Date, nullable=False),
    Column("partner_id", ForeignKey("partners.id")),
    Column("from_location_id", ForeignKey("locations.id"), nullable=False),
    Column("to_location_id", ForeignKey("locations.id"), nullable=False),
    Column("reference", String(120)),
    Column("origin_document_id", ForeignKey("documents.id")),
    Column("note", Text),
    Column("created_by", ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("posted_by", ForeignKey("users.id")),
    Column("posted_at", DateTime),
    Column("cancelled_by", ForeignKey("users.id")),
    Column("cancelled_at", DateTime),
    UniqueConstraint("kind", "number", name="uq_documents_kind_number"),
    Index("ix_documents_state_kind", "state", "kind"),
    Index("ix_documents_partner", "partner_id"),
)

lines = Table(
    "lines",
    metadata,
    Column("id", Id, primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    UniqueConstraint("document_id", "line_no", name="uq_lines_document_line_no"),
)

serials = Table(
    "serials",
    metadata,
    Column("id", Id, primary_key=True),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("code", String(100), nullable=False),
    Column("code_key", String(100), nullable=False),
    Column("location_id", ForeignKey("locations.id"), nullable=False),
    Column("status", String(24), nullable=False),
    Column("last_document_id", ForeignKey("documents.id")),
    Column("reserved_by", ForeignKey("documents.id")),
    Column("created_document_id", ForeignKey("documents.id")),
    Column("expiry", Date),
    Column("notes", Text),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("product_id", "code_key", name="uq_serials_product_code_key"),
    Index("ix_serials_code_key", "code_key"),
    Index("ix_serials_location_status", "location_id", "status"),
    Index("ix_serials_product_status", "product_id", "status"),
    Index("ix_serials_reserved_by", "reserved_by"),
)

line_serials = Table(
    "line_serials",
    metadata,
    Column("id", Id, primary_key=True),
    Column("line_id", ForeignKey("lines.id", ondelete="CASCADE"), nullable=False),
    Column("serial_id", ForeignKey("serials.id")),
    Column("code", String(100), nullable=False),
    Column("code_key", String(100), nullable=False),
    Index("ix_line_serials_line", "line_id"),
    Index("ix_line_serials_serial", "serial_id"),
)

moves = Table(
    "moves",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("document_id", ForeignKey("documents.id"), nullable=False),
    Column("line_id", ForeignKey("lines.id"), nullable=False),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("serial_id", ForeignKey("serials.id")),
    Column("quantity", Integer, nullable=False),
    Column("from_location_id", ForeignKey("locations.id"), nullable=False),
    Column("to_location_id", ForeignKey("locations.id"), nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("reversal", Boolean, nullable=False, default=False),
    Index("ix_moves_serial", "serial_id", "id"),
    Index("ix_moves_document", "document_id"),
    Index("ix_moves_product_at", "product_id", "at"),
)

quants = Table(
    "quants",
    metadata,
    Column("product_id", ForeignKey("products.id"), primary_key=True),
    Column("location_id", ForeignKey("locations.id"), primary_key=True),
    Column("quantity", Integer, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("entity", String(24), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("action", String(24), nullable=False),
    Column("detail", Text),
)

# --- logins: API tokens, browser sessions, idempotent POSTs ------------------------------------
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(120), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of a random secret
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

# --- stock operations: where a transfer is bound, corrected serial codes ---------------------
# A dispatch puts goods in transit; the store they are bound for is named on the document.
documents.append_column(Column("destination_location_id", ForeignKey("locations.id")))

# A serial's code corrected (a mistype): the old code stays searchable, with who and why.
serial_code_changes = Table(
    "serial_code_changes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("serial_id", ForeignKey("serials.id"), nullable=False),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("old_code", String(100), nullable=False),
    Column("old_code_key", String(100), nullable=False),
    Column("new_code", String(100), nullable=False),
    Column("reason", Text),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_serial_code_changes_old_code_key", "old_code_key"),
    Index("ix_serial_code_changes_serial", "serial_id"),
)

# --- counts, batches, warranty, discrepancies (revision 0004) ---------------------------------
# A receipt line may carry its own supplier warranty (days), over the product's.
lines.append_column(Column("warranty_days", Integer))
lines.append_column(Column("expiry", Date))  # of the serials a draft's line will create
# The manager who allowed a document to take expired units; the count's product, if one.
documents.append_column(Column("override_by", ForeignKey("users.id")))
documents.append_column(Column("scope_product_id", ForeignKey("products.id")))

# Batch codes: one code shared by a quantity of units, held in parts at several locations.
batches = Table(
    "batches",
    metadata,
    Column("id", Id, primary_key=True),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("code", String(100), nullable=False),
    Column("code_key", String(100), nullable=False),
    Column("expiry", Date),
    Column("created_document_id", ForeignKey("documents.id")),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("product_id", "code_key", name="uq_batches_product_code_key"),
    Index("ix_batches_code_key", "code_key"),
)

batch_quants = Table(
    "batch_quants",
    metadata,
    Column("batch_id", ForeignKey("batches.id"), primary_key=True),
    Column("location_id", ForeignKey("locations.id"), primary_key=True),
    Column("quantity", Integer, nullable=False),
)

# A draft's batch lines, before posting: code, quantity and (incoming) expiry per batch.
line_batches = Table(
    "line_batches",
    metadata,
    Column("id", Id, primary_key=True),
    Column("line_id", ForeignKey("lines.id", ondelete="CASCADE"), nullable=False),
    Column("code", String(100), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("expiry", Date),
    Index("ix_line_batches_line", "line_id"),
)

moves.append_column(Column("batch_id", ForeignKey("batches.id")))
# Partial (revision 0015): most moves have no batch, and indexing their NULLs cost a large
# receipt a tenth of its time. ``batch_id = ?`` and joins on it still use it.
Index("ix_moves_batch", moves.c.batch_id, **_only_set(moves.c.batch_id))
# The journal by date, the home page's weeks: moves in a time window, every product.
Index("ix_moves_at", moves.c.at)

# What an open inventory count has found on the shelf; one row per serial, whoever scanned it.
count_scans = Table(
    "count_scans",
    metadata,
    Column("id", Id, primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("code", String(100), nullable=False),
    Column("code_key", String(100), nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("at", DateTime, nullable=False),
    UniqueConstraint("document_id", "product_id", "code_key", name="uq_count_scans_code"),
)

# Differences to investigate: sold without receipt, count differences, ...
discrepancies = Table(
    "discrepancies",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("code", String(100)),
    Column("document_id", ForeignKey("documents.id"), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_discrepancies_document", "document_id"),
)

# --- the tamper-evident ledger (revision 0006) --------------------------------------------------
# Moves, document events, code corrections, audit records and redactions share one sequence;
# each row carries ``seq`` and ``digest`` = sha256(previous digest + its content) (domain/chain.py).
moves.append_column(Column("seq", BigInteger))
moves.append_column(Column("digest", String(64)))
moves.append_column(Column("serial_code", String(100)))  # the serial's code when it moved
Index("ix_moves_seq", moves.c.seq, unique=True)
serial_code_changes.append_column(Column("seq", BigInteger))
serial_code_changes.append_column(Column("digest", String(64)))
Index("ix_serial_code_changes_seq", serial_code_changes.c.seq, unique=True)
audit.append_column(Column("seq", BigInteger))
audit.append_column(Column("digest", String(64)))
Index("ix_audit_seq", audit.c.seq, unique=True)

# A document posted, cancelled or discarded (a draft deleted: its number stays accounted for).
# No foreign key: an event outlives any attempt to erase its document, and says what it was.
document_events = Table(
    "document_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("digest", String(64), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("document_id", BigInteger, nullable=False),
    Column("event", String(12), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("number", String(60), nullable=False),
    Column("date", Date),
    Column("partner_id", BigInteger),
    Column("from_location_id", BigInteger),
    Column("to_location_id", BigInteger),
    Column("origin_document_id", BigInteger),
    Column("user_id", BigInteger, nullable=False),
    Index("ix_document_events_document", "document_id"),
)

# Entries removed on purpose (a serial entered by mistake and deleted): the chain keeps the
# removed entry's number and digest, so it still verifies, and says who removed it and why.
ledger_redactions = Table(
    "ledger_redactions",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("digest", String(64), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("removed_seq", BigInteger, nullable=False, unique=True),
    Column("removed_digest", String(64), nullable=False),
    Column("reason", Text),
    Column("user_id", BigInteger, nullable=False),
)

# Stored answers of idempotent requests are purged by age.
Index("ix_idempotency_keys_created_at", idempotency_keys.c.created_at)

# The chain's last entry: its number and digest (one row). Appending locks it.
ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_digest", String(64), nullable=False),
)

# --- global uniqueness (revision 0005) ---------------------------------------------------------
# With the setting serial_uniqueness = global, every code key is claimed here once, whatever its
# product: the database itself then refuses a second SN-1, even from two documents at once.
global_serial_codes = Table(
    "global_serial_codes",
    metadata,
    Column("code_key", String(100), primary_key=True),
    Column("serial_id", ForeignKey("serials.id"), nullable=False, unique=True),
)

# --- logins hardened (revision 0007) ---
# When a user last logged in; a success also ends the run of failures that throttles them.
users.append_column(Column("last_login_at", DateTime))

# Every refused login: the username as typed, where from, why. Recent ones throttle the next
# attempts (per username and per client address) before any password hash is computed.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("username", String(80), nullable=False),
    Column("client", String(64)),
    Column("reason", String(24), nullable=False),
    Index("ix_login_failures_username_at", "username", "at"),
    Index("ix_login_failures_client_at", "client", "at"),
    Index("ix_login_failures_at", "at"),
)

# --- users for real (revision 0008) ---
# A password an admin handed out (reset, or the first admin's generated one) must be changed at
# the next login before anything else; an API token may carry an expiry.
# (The migration gives existing rows false as a server default.)
users.append_column(Column("must_change_password", Boolean, nullable=False, default=False))
api_tokens.append_column(Column("expires_at", DateTime))

# --- bundles (revision 0010) ---
# A bundle is a product made of components, each with a quantity per bundle. Selling (or
# returning) a bundle moves its components: the document's lines are the components' lines,
# grouped under the bundle they were sold as, so every rule of the components holds as is.
bundle_components = Table(
    "bundle_components",
    metadata,
    Column("bundle_id", ForeignKey("products.id"), primary_key=True),
    Column("component_id", ForeignKey("products.id"), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("quantity", Integer, nullable=False),
    Index("ix_bundle_components_component", "component_id"),
)

# A bundle as a document names it: how many of which bundle; its components' lines point here.
document_bundles = Table(
    "document_bundles",
    metadata,
    Column("id", Id, primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("bundle_no", Integer, nullable=False),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    UniqueConstraint("document_id", "bundle_no", name="uq_document_bundles_document_no"),
)
lines.append_column(Column("bundle_id", ForeignKey("document_bundles.id")))
Index("ix_lines_bundle", lines.c.bundle_id)

# --- discrepancies resolved (revision 0011) ---
# A discrepancy stays listed once resolved: who resolved it, when, and the note saying how.
discrepancies.append_column(Column("resolved_at", DateTime))
discrepancies.append_column(Column("resolved_by", ForeignKey("users.id")))
discrepancies.append_column(Column("resolution", Text))

# --- lots (revision 0013) ------------------------------------------------------------------------
# Tracking serial+batch: each unit has its serial and belongs to a batch (fixed when it is
# received); a draft's line names the batch of the serials it will create.
serials.append_column(Column("batch_id", ForeignKey("batches.id")))
Index("ix_serials_batch", serials.c.batch_id, **_only_set(serials.c.batch_id))  # partial: 0015
lines.append_column(Column("batch", String(100)))
# A product's batch-code pattern ({sku}-{yy}{ww}-{seq:03}), shelf life in days (expiry = the
# receipt's date + days) and the offsets, in days before expiry, of its best-before, removal
# and alert dates.
products.append_column(Column("shelf_life_days", Integer))
products.append_column(Column("best_before_days", Integer))
products.append_column(Column("removal_days", Integer))
products.append_column(Column("alert_days", Integer))
products.append_column(Column("batch_pattern", String(120)))

# What an open count of a quantity-only or batch product has counted, per product and batch
# ('' for a quantity-only product); the latest entry for a line replaces the one before.
count_quantities = Table(
    "count_quantities",
    metadata,
    Column("id", Id, primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("batch_code", String(100), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("at", DateTime, nullable=False),
    UniqueConstraint("document_id", "product_id", "batch_code", name="uq_count_quantities_line"),
)

# The serials a draft receipt or a dispatch expects (an advance shipping notice), with the
# batch and expiry the supplier gave; a scan on receiving marks one found (who, when).
expected_serials = Table(
    "expected_serials",
    metadata,
    Column("id", Id, primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("code", String(100), nullable=False),
    Column("code_key", String(100), nullable=False),
    Column("batch", String(100)),
    Column("expiry", Date),
    Column("scanned_by", ForeignKey("users.id")),
    Column("scanned_at", DateTime),
    UniqueConstraint("document_id", "product_id", "code_key", name="uq_expected_serials_code"),
)

# --- names that ignore case, blind counts (revision 0014) ---------------------------------------
# A location's and a partner's name casefolded, unique: "Main Store" and "main store" are one
# store (nullable only because SQLite adds a column so in place; the code always sets it).
locations.append_column(Column("name_key", String(120)))
Index("uq_locations_name_key", locations.c.name_key, unique=True)
partners.append_column(Column("name_key", String(200)))
Index("uq_partners_name_key", partners.c.name_key, unique=True)
# A blind count hides what the books expect from the counter until it posts (managers see it).
documents.append_column(Column("blind", Boolean))
