"""The journal of moves and resolving discrepancies, mixed into ``Inventory``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from serialtrack.domain.model import Actor
from serialtrack.services import journal as journal_service
from serialtrack.services.journal import JournalRow, ResolvedDiscrepancy

if TYPE_CHECKING:
    from serialtrack.adapters.db.journal_queries import JournalFilter
    from serialtrack.adapters.db.store import Store

Day = date | str | None


class JournalMixin:
    store: Store
    actor: Actor
    clock: Callable[[], datetime]

    # the journal of moves -------------------------------------------------------------
    def journal(
        self,
        *,
        date_from: Day = None,
        date_to: Day = None,
        location: str | None = None,
        sku: str | None = None,
        kind: str | None = None,
        partner: str | None = None,
        user: str | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[JournalRow]:
        """Every move, oldest first, filtered: moved on ``date_from``..``date_to`` (UTC days,
        both included), from or to ``location``, of ``sku``, on a document of ``kind`` or of
        ``partner``, written by ``user``. A page of ``limit`` after move ``after_id`` (pass the
        last row's id for the next page). An unknown name is refused, naming its filter."""
        filters = {"date_from": date_from, "date_to": date_to, "location": location, "sku": sku,
                   "kind": kind, "partner": partner, "user": user}  # fmt: skip
        with self.store.transaction(write=False) as tx:
            f = journal_service.prepare(tx, self.actor, **filters)
            return journal_service.page(tx, self.actor, f, after_id=after_id, limit=limit)

    def journal_rows(self, **filters: Any) -> Iterator[JournalRow]:
        """Every move the filters (those of ``journal``) keep, streamed oldest first. The
        filters are checked by this call, before it returns: a refusal never comes from the
        stream after its first bytes went out."""
        with self.store.transaction(write=False) as tx:
            f = journal_service.prepare(tx, self.actor, **filters)
        return self._journal_stream(f)

    def _journal_stream(self, f: JournalFilter) -> Iterator[JournalRow]:
        with self.store.transaction(write=False) as tx:
            yield from journal_service.rows(tx, self.actor, f)

    def journal_csv(self, **filters: Any) -> Iterator[str]:
        """The journal as CSV text, streamed in chunks: a header, then one line per move.
        Cells a spreadsheet would read as a formula are written as text."""
        from serialtrack.adapters.files import safe_cell

        return _csv_chunks(
            journal_service.JOURNAL_COLUMNS,
            ([safe_cell(v) for v in row.values()] for row in self.journal_rows(**filters)),
        )

    # discrepancies ----------------------------------------------------------------------
    def discrepancies_by_state(
        self, state: str = "open", *, limit: int = 1000
    ) -> list[ResolvedDiscrepancy]:
        """Discrepancies newest first, with who resolved them, when and how: ``open``,
        ``resolved`` or ``all``."""
        with self.store.transaction(write=False) as tx:
            return journal_service.discrepancies(tx, self.actor, state=state, limit=limit)

    def resolve_discrepancy(self, discrepancy_id: int, note: str) -> ResolvedDiscrepancy:
        """Mark a discrepancy resolved (managers), the ``note`` saying how; who and when are
        recorded, and audited. One already resolved is refused (409)."""
        with self.store.transaction() as tx:
            return journal_service.resolve(tx, self.actor, discrepancy_id, note, now=self.clock())


def _csv_chunks(header: tuple[str, ...], rows: Iterator[list[Any]]) -> Iterator[str]:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, 1):
        writer.writerow(row)
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
