"""The journal of moves, discrepancies resolved, serial corrections over the API (REST API).

- ``GET /api/v1/journal``: every move, filtered, oldest first, keyset-paged (``after`` = the
  previous page's ``next_after``); ``GET /api/v1/journal.csv``: the same, every page, as CSV;
- ``POST /api/v1/discrepancies/{id}/resolve``: mark one resolved with a note (managers);
- ``POST /api/v1/products/{sku}/serials/{code}/correction``: fix a mistyped serial code;
- ``PATCH /api/v1/products/{sku}/serials/{code}``: a serial's note (an internal reference).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse
from pydantic import StringConstraints

from serialtrack.domain.model import SerialView
from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.api import Inv, Limit
from serialtrack.services.journal import ResolvedDiscrepancy

router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES)
Name = Annotated[str | None, Query(max_length=200)]
Day = Annotated[str | None, Query(max_length=40, description="A day, YYYY-MM-DD (UTC).")]
After = Annotated[int, Query(ge=0, le=2**62, description="The previous page's next_after.")]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The journal as CSV",
          "content": {"text/csv": {"schema": {"type": "string"}}}},
}  # fmt: skip


def _filters(**given: str | None) -> dict[str, str | None]:
    """Empty query values count as not given."""
    return {name: (value or None) for name, value in given.items()}


@router.get("/journal", tags=["journal"])
def journal(
    inv: Inv, date_from: Day = None, date_to: Day = None, location: Name = None,
    sku: Name = None, kind: Name = None, partner: Name = None, user: Name = None,
    after: After = 0, limit: Limit = 100,
) -> dict[str, Any]:  # fmt: skip
    """Every move of the ledger, oldest first: when, document (kind, number, date), product,
    serial or batch, quantity, from, to, user, partner and whether it reverses a cancelled
    document. ``location`` keeps moves from or to it; an unknown name is a 422 naming its
    filter. Next page: ``after`` = ``next_after`` (null on the last page)."""
    filters = _filters(date_from=date_from, date_to=date_to, location=location, sku=sku,
                       kind=kind, partner=partner, user=user)  # fmt: skip
    rows = inv.journal(**filters, after_id=after, limit=limit)  # type: ignore[arg-type]
    following = rows[-1].id if len(rows) == limit else None
    return jsonable_encoder({"items": rows, "next_after": following})


@router.get("/journal.csv", tags=["journal"], response_class=StreamingResponse,
            responses=CSV_RESPONSE)  # fmt: skip
def journal_csv(
    inv: Inv, date_from: Day = None, date_to: Day = None, location: Name = None,
    sku: Name = None, kind: Name = None, partner: Name = None, user: Name = None,
) -> StreamingResponse:  # fmt: skip
    """The journal with the same filters, every move, as CSV (cells that would start a
    spreadsheet formula are written as text). The filters are checked before the first byte:
    a refusal is a problem response, never a 200 that breaks off."""
    filters = _filters(date_from=date_from, date_to=date_to, location=location, sku=sku,
                       kind=kind, partner=partner, user=user)  # fmt: skip
    chunks = inv.journal_csv(**filters)
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="journal.csv"'},
    )


class ResolveIn(m.Strict):
    note: Annotated[str, StringConstraints(max_length=2000)]


@router.post("/discrepancies/{discrepancy_id}/resolve", tags=["serials"])
def resolve_discrepancy(inv: Inv, discrepancy_id: int, body: ResolveIn) -> ResolvedDiscrepancy:
    """Mark a discrepancy resolved (managers), ``note`` saying how; who and when are recorded
    and audited. One already resolved is a 409 naming who resolved it."""
    return inv.resolve_discrepancy(discrepancy_id, body.note)


class CorrectionIn(m.Strict):
    new_code: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


@router.post("/products/{sku}/serials/{code}/correction", tags=["serials"])
def correct_serial(inv: Inv, sku: str, code: str, body: CorrectionIn) -> SerialView:
    """Fix a mistyped serial code (managers): the whole history stays with the unit and the old
    code stays searchable. Answers the serial under its new code."""
    return inv.correct_serial(sku, code, body.new_code, reason=body.reason)


class SerialNoteIn(m.Strict):
    note: Annotated[str, StringConstraints(max_length=2000)] | None


@router.patch("/products/{sku}/serials/{code}", tags=["serials"])
def note_serial(inv: Inv, sku: str, code: str, body: SerialNoteIn) -> SerialView:
    """Set a serial's ``note`` (free text: an internal reference, a remark; "" or null clears
    it). Anyone who posts documents may; the audit trail keeps the note before and after.
    Answers the serial."""
    return inv.set_serial_note(sku, code, body.note)
