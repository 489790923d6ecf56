"""Appending to the ledger's hash chain: number, digest, insert, move the head.

The head row is locked for the rest of the transaction by the first append (PostgreSQL:
``SELECT ... FOR UPDATE``; SQLite writers are one at a time already), so entries are numbered
in commit order with no gap, and a rolled-back transaction gives its numbers back. The head
moves in memory while the transaction appends and is written once, by ``flush_head`` just
before the commit (``Store.transaction``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, text, update

from serialtrack.adapters.db import driver
from serialtrack.adapters.db.bulk import BULK_FROM, insert_rows
from serialtrack.adapters.db.tables import (
    audit,
    document_events,
    ledger_head,
    ledger_redactions,
    moves,
    serial_code_changes,
)
from serialtrack.domain.chain import GENESIS, seal

TABLES: dict[str, Table] = {
    "move": moves,
    "event": document_events,
    "code_change": serial_code_changes,
    "audit": audit,
    "redaction": ledger_redactions,
}
BATCH = 20_000
# connection.info: (transaction, last seq, last digest, written): the head as this transaction
# moved it, and whether the row already says so.
HEAD = "serialtrack_chain_head"
_READ_HEAD = select(ledger_head.c.last_seq, ledger_head.c.last_digest).where(ledger_head.c.id == 1)
_LOCK_HEAD = _READ_HEAD.with_for_update()
_MOVE_HEAD = (
    update(ledger_head)
    .where(ledger_head.c.id == 1)
    .values(last_seq=bindparam("seq"), last_digest=bindparam("digest"))
)
_INSERT = {kind: insert(table) for kind, table in TABLES.items()}


def flush_head(connection: Connection) -> None:
    """Write the chain's head as this transaction moved it (once, before its commit)."""
    cached = connection.info.get(HEAD)
    if cached is not None and not cached[3] and cached[0] is connection.get_transaction():
        driver.execute(connection, _MOVE_HEAD, {"seq": cached[1], "digest": cached[2]})
        connection.info[HEAD] = (*cached[:3], True)


class ChainRepo:
    def __init__(self, connection: Connection) -> None:
        self.c = connection

    def _head(self) -> tuple[int, str]:
        """The chain's last number and digest, locked for this transaction (read once in it)."""
        cached = self.c.info.get(HEAD)
        if cached is not None and cached[0] is self.c.get_transaction():
            return cached[1], cached[2]
        query = _LOCK_HEAD if self.c.dialect.name == "postgresql" else _READ_HEAD
        row = driver.execute(self.c, query).first()
        if row is None:
            self.c.execute(insert(ledger_head).values(id=1, last_seq=0, last_digest=GENESIS))
            return 0, GENESIS
        return int(row.last_seq), row.last_digest

    def append(self, kind: str, rows: Iterable[dict[str, Any]]) -> None:
        """Number, digest and insert ``rows`` (dicts of the kind's table) in order."""
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self._append(kind, batch)
                batch = []
        if batch:
            self._append(kind, batch)

    def _append(self, kind: str, rows: list[dict[str, Any]]) -> None:
        last_seq, last_digest = self._head()
        seq, digest = seal(last_digest, last_seq + 1, kind, rows)
        if len(rows) >= BULK_FROM:
            insert_rows(self.c, TABLES[kind], rows)
        elif len(rows) == 1:
            driver.execute(self.c, _INSERT[kind], rows[0])
        else:
            self.c.execute(_INSERT[kind], rows)
        self.c.info[HEAD] = (self.c.get_transaction(), seq, digest, False)

    def allow_redaction(self) -> None:
        """Let this transaction remove ledger rows (PostgreSQL refuses it otherwise)."""
        if self.c.dialect.name == "postgresql":
            self.c.execute(text("SET LOCAL serialtrack.redact = 'on'"))

    def digests_of(self, table: Table, where: Any) -> list[tuple[int, str]]:
        query = select(table.c.seq, table.c.digest).where(where, table.c.seq.is_not(None))
        return [(int(r[0]), r[1]) for r in self.c.execute(query)]
