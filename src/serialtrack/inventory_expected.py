"""Expected serials (an advance shipping notice), mixed into ``Inventory``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from serialtrack.domain.entry import parse_entry
from serialtrack.domain.model import Actor, DocumentKind
from serialtrack.services import expected as expected_service
from serialtrack.services import queries
from serialtrack.services.expected import ExpectedView, ScanOutcome
from serialtrack.services.header import HeaderInput
from serialtrack.services.queries import DocumentView

if TYPE_CHECKING:
    from serialtrack.adapters.db.store import Store

NoticeLines = Iterable[tuple[str, str | Sequence[str]]]


class ExpectedMixin:
    store: Store
    actor: Actor
    clock: Callable[[], datetime]

    def expect(
        self,
        document: str | int | DocumentView,
        lines: NoticeLines,
        *,
        batch: str | None = None,
        expiry: date | None = None,
    ) -> int:
        """Add serials to a draft receipt's notice: ``lines`` of (SKU, codes), codes a list or
        pasted text (ranges too; GS1 scans keep their batch and expiry). ``batch`` and
        ``expiry`` apply to every serial given. Returns how many were new to the notice."""
        given = _notice_lines(lines)
        with self.store.transaction() as tx:
            return expected_service.expect(
                tx,
                self.actor,
                self._id(tx, document),
                given,
                batch=batch,
                expiry=expiry,  # type: ignore[attr-defined]
                now=self.clock(),
            )

    def expect_csv(self, document: str | int | DocumentView, text: str | bytes) -> int:
        """Add a supplier's CSV (columns sku, serial, optional batch and expiry) to a draft
        receipt's notice; all rows or none."""
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = text.decode("cp1252", errors="replace")
        with self.store.transaction() as tx:
            return expected_service.expect_csv(
                tx,
                self.actor,
                self._id(tx, document),
                text,
                now=self.clock(),  # type: ignore[attr-defined]
            )

    def expect_receipt(
        self,
        *,
        supplier: str,
        location: str,
        lines: NoticeLines,
        reference: str | None = None,
        date: date | None = None,
        batch: str | None = None,
        expiry: date | None = None,
    ) -> DocumentView:
        """A new draft receipt, empty, carrying the notice ``lines``: receive it by scanning."""
        header = HeaderInput(
            DocumentKind.RECEIPT,
            location=location,
            partner=supplier,
            date=date,
            reference=reference,
        )
        given = _notice_lines(lines)
        with self.store.transaction() as tx:
            document_id = expected_service.expect_receipt(
                tx, self.actor, header, given, batch=batch, expiry=expiry, now=self.clock()
            )
            return queries.document(tx, self.actor, document_id)

    def expected(self, document: str | int | DocumentView) -> ExpectedView:
        """A draft receipt's (or posted receipt's) notice against what arrived: matched,
        missing, unexpected; a dispatch's own serials: matched (arrived) and missing."""
        with self.store.transaction(write=False) as tx:
            return expected_service.view(tx, self.actor, self._id(tx, document))  # type: ignore[attr-defined]

    def receive_scan(
        self, document: str | int | DocumentView, scan: str, *, sku: str | None = None
    ) -> ScanOutcome:
        """Receive one scanned unit against the notice: matched, unexpected (when the setting
        ``unexpected_serials`` accepts it; refused otherwise) or duplicate."""
        with self.store.transaction() as tx:
            return expected_service.scan(
                tx,
                self.actor,
                self._id(tx, document),
                scan,
                sku=sku,
                now=self.clock(),  # type: ignore[attr-defined]
            )

    def post_received(self, document: str | int | DocumentView) -> DocumentView:
        """Post what was scanned: the draft receipt, or the transfer receipt of a dispatch's
        scanned units (the rest stays in transit). Returns the posted document."""
        with self.store.transaction() as tx:
            posted = expected_service.post(tx, self.actor, self._id(tx, document), now=self.clock())  # type: ignore[attr-defined]
            return queries.document(tx, self.actor, posted)


def _notice_lines(lines: NoticeLines) -> list[tuple[str, list[str]]]:
    given: list[tuple[str, list[str]]] = []
    for index, line in enumerate(lines):
        sku, codes = line
        if isinstance(codes, str):
            codes = parse_entry(codes, f"lines[{index}].serials").codes
        given.append((str(sku), [str(c) for c in codes]))
    return given
