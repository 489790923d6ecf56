"""Documents, their lines and the serials a draft names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    bindparam,
    delete,
    exists,
    insert,
    select,
    update,
)

from serialtrack.adapters.db import driver
from serialtrack.adapters.db.chain import ChainRepo
from serialtrack.adapters.db.tables import (
    document_bundles,
    documents,
    line_batches,
    line_serials,
    lines,
    serials,
)

# The document's header as the chain records it when it is posted, cancelled or discarded.
EVENT_FIELDS = (
    "kind", "number", "date", "partner_id", "from_location_id", "to_location_id",
    "origin_document_id",
)  # fmt: skip


# Statements on every document's path are built once (building one costs more than running
# it on SQLite); the values come as parameters.
_INSERT_DOCUMENT = insert(documents).returning(documents.c.id)
_INSERT_LINE = insert(lines).returning(lines.c.id)
_GET = select(documents).where(documents.c.id == bindparam("_id"))
_NUMBER_TAKEN = (
    select(documents.c.id)
    .where(documents.c.kind == bindparam("_kind"), documents.c.number == bindparam("_number"))
    .limit(1)
)


@cache
def _insert_unless_taken(columns: tuple[str, ...]) -> Any:
    """Insert a document unless its kind already has its number (one statement: the check
    and the insert)."""
    values = select(*(bindparam(c, type_=documents.c[c].type) for c in columns)).where(
        ~exists().where(
            documents.c.kind == bindparam("kind", type_=documents.c.kind.type),
            documents.c.number == bindparam("number", type_=documents.c.number.type),
        )
    )
    return insert(documents).from_select(list(columns), values).returning(documents.c.id)


# Compare-and-set of the state (SET: the columns the parameters name), returning what the
# chain records of the document.
_TRANSITION = (
    update(documents)
    .where(documents.c.id == bindparam("_id"), documents.c.state == bindparam("_old"))
    .returning(*(documents.c[name] for name in EVENT_FIELDS))
)


class DocumentRepo:
    def __init__(self, connection: Connection) -> None:
        self.c = connection
        # A document's header as its last state change in this transaction returned it, for
        # the chain's event (saves reading the row again); any other update forgets it.
        self._headers: dict[int, Mapping[str, Any]] = {}

    def insert(self, values: dict[str, Any]) -> int:
        document_id = int(self.c.execute(_INSERT_DOCUMENT, values).scalar_one())
        self._remember(document_id, values)
        return document_id

    def insert_unless_taken(self, values: dict[str, Any]) -> int | None:
        """Insert a document; None (and nothing written) when its number is taken."""
        query = _insert_unless_taken(tuple(sorted(values)))
        found = driver.execute(self.c, query, values).scalar()
        if found is None:
            return None
        self._remember(int(found), values)
        return int(found)

    def _remember(self, document_id: int, values: dict[str, Any]) -> None:
        if all(name in values for name in EVENT_FIELDS):
            self._headers[document_id] = {name: values[name] for name in EVENT_FIELDS}

    def insert_lines(self, document_id: int, rows: Iterable[dict[str, Any]]) -> list[int]:
        """Insert line rows (line_no, product_id, quantity, ...); return their ids in order."""
        return [
            int(
                driver.execute(
                    self.c, _INSERT_LINE, {"document_id": document_id, **values}
                ).scalar_one()
            )
            for values in rows
        ]

    def insert_bundles(
        self, document_id: int, groups: Iterable[tuple[int, int, int, list[int]]]
    ) -> None:
        """The bundles a document names: (bundle no, bundle product, quantity, its lines' ids)."""
        for bundle_no, product_id, quantity, line_ids in groups:
            query = (
                insert(document_bundles)
                .values(document_id=document_id, bundle_no=bundle_no, product_id=product_id,
                        quantity=quantity)
                .returning(document_bundles.c.id)
            )  # fmt: skip
            bundle_id = int(self.c.execute(query).scalar_one())
            self.c.execute(
                update(lines).where(lines.c.id.in_(line_ids)).values(bundle_id=bundle_id)
            )

    def insert_line_batches(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.c.execute(insert(line_batches), rows)

    def draft_batches(self, document_id: int) -> list[RowMapping]:
        query = (
            select(line_batches)
            .join(lines, lines.c.id == line_batches.c.line_id)
            .where(lines.c.document_id == document_id)
            .order_by(line_batches.c.id)
        )
        return list(self.c.execute(query).mappings())

    def insert_line_serials(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.c.execute(insert(line_serials), rows)

    def get(self, document_id: int) -> RowMapping | None:
        return self.c.execute(_GET, {"_id": document_id}).mappings().first()

    def by_number(self, kind: str | None, number: str) -> list[RowMapping]:
        query = select(documents).where(documents.c.number == number)
        if kind:
            query = query.where(documents.c.kind == kind)
        return list(self.c.execute(query).mappings())

    def number_taken(self, kind: str, number: str) -> bool:
        found = self.c.execute(_NUMBER_TAKEN, {"_kind": kind, "_number": number}).first()
        return found is not None

    def number_of(self, document_id: int) -> str:
        query = select(documents.c.number).where(documents.c.id == document_id)
        return str(self.c.execute(query).scalar())

    def lines(self, document_id: int) -> list[RowMapping]:
        query = select(lines).where(lines.c.document_id == document_id).order_by(lines.c.line_no)
        return list(self.c.execute(query).mappings())

    def draft_serials(self, document_id: int) -> list[RowMapping]:
        """The codes a draft names, line by line, in entry order."""
        query = (
            select(line_serials.c.line_id, line_serials.c.code, line_serials.c.serial_id)
            .join(lines, lines.c.id == line_serials.c.line_id)
            .where(lines.c.document_id == document_id)
            .order_by(line_serials.c.id)
        )
        return list(self.c.execute(query).mappings())

    def transition(self, document_id: int, old: str, new: str, values: dict[str, Any]) -> bool:
        """Compare-and-set of a document's state: True only for the one caller who moved it."""
        row = (
            self.c.execute(_TRANSITION, {"_id": document_id, "_old": old, "state": new, **values})
            .mappings()
            .first()
        )
        if row is None:
            self._headers.pop(document_id, None)
            return False
        self._headers[document_id] = row
        return True

    def record_event(self, document_id: int, event: str, *, user_id: int, at: datetime) -> None:
        """Append the document's event (posted, cancelled, discarded) to the ledger's chain.

        Called last in a posting or cancel, after its moves: appending locks the chain's head
        until commit, so the lock is held only for the end of the transaction."""
        row = self._headers.get(document_id) or self.get(document_id)
        assert row is not None
        entry = {name: row[name] for name in EVENT_FIELDS}
        entry.update(document_id=document_id, event=event, user_id=user_id, at=at)
        ChainRepo(self.c).append("event", [entry])

    def forget_draft_serials(self, document_id: int) -> None:
        """A posted document's serials live in its moves; the draft's list is dropped."""
        line_ids = select(lines.c.id).where(lines.c.document_id == document_id)
        self.c.execute(delete(line_serials).where(line_serials.c.line_id.in_(line_ids)))
        self.c.execute(delete(line_batches).where(line_batches.c.line_id.in_(line_ids)))

    def delete_lines(self, document_id: int) -> None:
        """A draft's lines and its list of codes (before the draft is rewritten or deleted)."""
        self.forget_draft_serials(document_id)
        self.c.execute(delete(lines).where(lines.c.document_id == document_id))
        self.c.execute(
            delete(document_bundles).where(document_bundles.c.document_id == document_id)
        )

    def delete_draft(self, document_id: int, *, user_id: int, at: datetime) -> None:
        """Delete a draft; its number stays accounted for by a ``discarded`` event."""
        self.record_event(document_id, "discarded", user_id=user_id, at=at)
        self.delete_lines(document_id)
        self.c.execute(delete(documents).where(documents.c.id == document_id))

    def update(self, document_id: int, values: dict[str, Any]) -> None:
        self._headers.pop(document_id, None)
        self.c.execute(update(documents).where(documents.c.id == document_id).values(values))

    def holds(self, document_id: int) -> int:
        query = select(serials.c.id).where(serials.c.reserved_by == document_id)
        return len(self.c.execute(query).all())

    def stamp(self, document_id: int, when: datetime, **values: Any) -> None:
        self._headers.pop(document_id, None)
        self.c.execute(update(documents).where(documents.c.id == document_id).values(**values))
