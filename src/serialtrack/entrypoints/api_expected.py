"""Expected serials, an advance shipping notice (REST API).

- ``POST /api/v1/documents/{number}/expected``: add serials to a draft receipt's notice, as
  lines (``sku`` and ``serials`` or pasted ``serial_text``) or as the supplier's ``csv`` text
  (columns sku, serial, optional batch and expiry); all or nothing;
- ``GET /api/v1/documents/{number}/expected``: matched, missing and unexpected serials (a
  dispatch: its own serials, arrived or missing);
- ``POST /api/v1/documents/{number}/scan``: receive one scanned unit against the notice;
- ``POST /api/v1/documents/{number}/expected/post``: post what was scanned.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field, StringConstraints

from serialtrack.domain.errors import Invalid, Problem
from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.api import Inv
from serialtrack.services.queries import DocumentView

router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES, tags=["documents"])
Text = Annotated[str, StringConstraints(max_length=100)]


class NoticeLineIn(m.Strict):
    sku: Text
    serials: Annotated[list[Annotated[str, StringConstraints(max_length=400)]],
                       Field(max_length=20_000)] = Field(default_factory=list)  # fmt: skip
    serial_text: Annotated[str, StringConstraints(max_length=1_000_000)] | None = Field(
        None, description="Pasted codes: newlines, commas, spaces; ranges SN-0001..SN-0100."
    )


class NoticeIn(m.Strict):
    lines: Annotated[list[NoticeLineIn], Field(max_length=1000)] = Field(default_factory=list)
    batch: Text | None = Field(None, description="The batch of every serial given (serial+batch).")
    expiry: date | None = Field(None, description="The expiry of every serial given.")
    csv: Annotated[str, StringConstraints(max_length=5_000_000)] | None = Field(
        None, description="The supplier's CSV: columns sku, serial, optional batch and expiry."
    )


class ScanIn(m.Strict):
    scan: Annotated[str, StringConstraints(max_length=400)]
    sku: Text | None = Field(None, description="Only when a plain code could be of several.")


@router.post("/documents/{number}/expected")
def add_expected(inv: Inv, number: str, body: NoticeIn) -> dict[str, Any]:
    """Add serials to draft receipt ``number``'s notice; serials already on it stay as they
    are. Answers how many were added and the notice against what arrived."""
    if body.csv is not None and body.lines:
        raise Invalid("give lines or csv, not both", [Problem("csv", "one or the other")])
    if body.csv is not None:
        added = inv.expect_csv(number, body.csv)
    else:
        lines = [
            (line.sku, line.serial_text if line.serial_text is not None else line.serials)
            for line in body.lines
        ]
        added = inv.expect(number, lines, batch=body.batch, expiry=body.expiry)
    return {"added": added, **inv.expected(number).as_dict()}


@router.get("/documents/{number}/expected")
def read_expected(inv: Inv, number: str) -> dict[str, Any]:
    """The notice against what arrived: matched, missing (still listed once posted) and
    unexpected serials; for a dispatch, its own serials arrived or still missing."""
    return inv.expected(number).as_dict()


@router.post("/documents/{number}/scan")
def scan_expected(inv: Inv, number: str, body: ScanIn) -> dict[str, Any]:
    """Receive one scanned unit (plain code, GS1 element string or Digital Link, whose batch
    and expiry go with the unit): ``matched``, ``unexpected`` (when the setting
    ``unexpected_serials`` is ``accept``; 409 otherwise) or ``duplicate``."""
    outcome = inv.receive_scan(number, body.scan, sku=body.sku)
    view = inv.expected(number)
    counts = {"expected": view.expected, "matched": len(view.matched),
              "missing": len(view.missing), "unexpected": len(view.unexpected)}  # fmt: skip
    return {**outcome.as_dict(), "counts": counts}


@router.post("/documents/{number}/expected/post")
def post_expected(inv: Inv, number: str) -> DocumentView:
    """Post what was scanned: the draft receipt, or for a dispatch the transfer receipt of its
    scanned units (the rest stays in transit). Answers the posted document."""
    return inv.post_received(number)
