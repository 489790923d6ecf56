"""a tamper-evident ledger: hash chain over moves, document events, code changes and audit

Revision ID: 0006
Revises: 0005
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from serialtrack.domain.chain import GENESIS, link

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CHAINED = ("moves", "serial_code_changes", "audit")
PROTECTED = ("moves", "document_events", "serial_code_changes", "audit", "ledger_redactions")
EVENT_FIELDS = (
    "kind", "number", "date", "partner_id", "from_location_id", "to_location_id",
    "origin_document_id",
)  # fmt: skip


def _add(table: str, column: str, sql_type: str) -> None:
    """A nullable column added in place (batch mode would rebuild the table on SQLite)."""
    op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


def upgrade() -> None:
    for table in CHAINED:
        _add(table, "seq", "BIGINT")
        _add(table, "digest", "VARCHAR(64)")
    _add("moves", "serial_code", "VARCHAR(100)")
    op.create_table(
        "document_events",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("event", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("partner_id", sa.BigInteger(), nullable=True),
        sa.Column("from_location_id", sa.BigInteger(), nullable=True),
        sa.Column("to_location_id", sa.BigInteger(), nullable=True),
        sa.Column("origin_document_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_document_events")),
    )
    op.create_index("ix_document_events_document", "document_events", ["document_id"])
    op.create_table(
        "ledger_redactions",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("removed_seq", sa.BigInteger(), nullable=False),
        sa.Column("removed_digest", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_redactions")),
        sa.UniqueConstraint("removed_seq", name=op.f("uq_ledger_redactions_removed_seq")),
    )
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_head")),
    )
    _backfill(op.get_bind())
    op.create_index("ix_moves_seq", "moves", ["seq"], unique=True)
    op.create_index("ix_serial_code_changes_seq", "serial_code_changes", ["seq"], unique=True)
    op.create_index("ix_audit_seq", "audit", ["seq"], unique=True)
    # Idempotent answers are purged by age.
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    if op.get_bind().dialect.name == "postgresql":
        _protect()


def _backfill(c: sa.Connection) -> None:
    """Chain what the ledger already holds: events, then moves, code changes and audit."""
    md = sa.MetaData()
    t = {n: sa.Table(n, md, autoload_with=c) for n in (*PROTECTED, "documents", "serials")}
    _codes_at_the_time(c, t)
    state = {"seq": 0, "digest": GENESIS}

    def chain(kind: str, row: dict) -> dict:
        state["seq"] += 1
        state["digest"] = link(state["digest"], kind, state["seq"], row)
        return {"s": state["seq"], "d": state["digest"]}

    docs = t["documents"]
    events = []
    for d in c.execute(
        sa.select(docs).where(docs.c.state.in_(["posted", "cancelled"])).order_by(docs.c.id)
    ).mappings():
        happened = [("posted", d["posted_by"], d["posted_at"])]
        if d["state"] == "cancelled":
            happened.append(("cancelled", d["cancelled_by"], d["cancelled_at"]))
        for event, by, at in happened:
            row = {name: d[name] for name in EVENT_FIELDS}
            row.update(
                document_id=d["id"], event=event,
                user_id=by or d["created_by"], at=at or d["created_at"],
            )  # fmt: skip
            link_ = chain("event", row)
            events.append({**row, "seq": link_["s"], "digest": link_["d"]})
    events += _gaps(c, docs, chain)
    if events:
        c.execute(sa.insert(t["document_events"]), events)
    for name, kind in (
        ("moves", "move"),
        ("serial_code_changes", "code_change"),
        ("audit", "audit"),
    ):
        table = t[name]
        after = 0
        while True:
            page = list(
                c.execute(
                    sa.select(table).where(table.c.id > after).order_by(table.c.id).limit(5000)
                ).mappings()
            )
            if not page:
                break
            updates = [{"i": row["id"], **chain(kind, dict(row))} for row in page]
            c.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("i"))
                .values(seq=sa.bindparam("s"), digest=sa.bindparam("d")),
                updates,
            )
            after = page[-1]["id"]
    c.execute(
        sa.text("INSERT INTO ledger_head (id, last_seq, last_digest) VALUES (1, :s, :d)"),
        {"s": state["seq"], "d": state["digest"]},
    )


def _codes_at_the_time(c: sa.Connection, t: dict) -> None:
    """Each serial move records the code the serial had when it moved."""
    moves, serials, changes = t["moves"], t["serials"], t["serial_code_changes"]
    current = sa.select(serials.c.code).where(serials.c.id == moves.c.serial_id).scalar_subquery()
    c.execute(sa.update(moves).where(moves.c.serial_id.is_not(None)).values(serial_code=current))
    later_first = changes.select().order_by(changes.c.at.desc(), changes.c.id.desc())
    for change in c.execute(later_first).mappings().all():
        c.execute(
            sa.update(moves)
            .where(moves.c.serial_id == change["serial_id"], moves.c.at < change["at"])
            .values(serial_code=change["old_code"])
        )


def _gaps(c: sa.Connection, docs: sa.Table, chain) -> list[dict]:
    """Numbers issued before this revision whose drafts were deleted: recorded as discarded."""
    from serialtrack.domain.rules import RULES

    first_user = c.execute(sa.text("SELECT MIN(id) FROM users")).scalar()
    now = datetime.now(UTC).replace(tzinfo=None)
    found = []
    for rule in RULES.values():
        issued = c.execute(
            sa.text("SELECT next_value FROM sequences WHERE name = :n"),
            {"n": "document:" + rule.kind.value},
        ).scalar()
        if not issued:
            continue
        taken = set(
            c.execute(sa.select(docs.c.number).where(docs.c.kind == rule.kind.value)).scalars()
        )
        for value in range(1, int(issued)):
            number = f"{rule.prefix}-{value:06d}"
            if number in taken:
                continue
            row = dict.fromkeys(EVENT_FIELDS)
            row.update(
                kind=rule.kind.value, number=number, document_id=0, event="discarded",
                user_id=first_user, at=now,
            )  # fmt: skip
            link_ = chain("event", row)
            found.append({**row, "seq": link_["s"], "digest": link_["d"]})
    return found


def _protect() -> None:
    """PostgreSQL refuses to change or remove ledger rows, except a redaction on purpose."""
    op.execute(
        """
        CREATE OR REPLACE FUNCTION serialtrack_append_only() RETURNS trigger AS $$
        BEGIN
          IF coalesce(current_setting('serialtrack.redact', true), '') = 'on'
             AND TG_OP = 'DELETE' THEN
            RETURN OLD;
          END IF;
          RAISE EXCEPTION 'the ledger table % is append-only (% refused)', TG_TABLE_NAME, TG_OP;
        END
        $$ LANGUAGE plpgsql
        """
    )
    for table in PROTECTED:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION serialtrack_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION serialtrack_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in PROTECTED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS serialtrack_append_only()")
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_index("ix_audit_seq", table_name="audit")
    op.drop_index("ix_serial_code_changes_seq", table_name="serial_code_changes")
    op.drop_index("ix_moves_seq", table_name="moves")
    op.drop_table("ledger_head")
    op.drop_table("ledger_redactions")
    op.drop_index("ix_document_events_document", table_name="document_events")
    op.drop_table("document_events")
    for table in CHAINED:
        op.execute(f"ALTER TABLE {table} DROP COLUMN digest")
        op.execute(f"ALTER TABLE {table} DROP COLUMN seq")
    op.execute("ALTER TABLE moves DROP COLUMN serial_code")
