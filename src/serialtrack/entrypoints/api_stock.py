"""Stock on hand with totals, and stock as of any date and time, read from the ledger (REST API).

- ``GET /api/v1/stock?sku=&location=&status=&batch=``: stock on hand, rows and totals;
- ``GET /api/v1/stock?as_of=2026-11-30T18:00:00`` (or a date: its end, UTC; with ``sku`` and
  ``location``): quantities then, computed from the ledger;
- ``GET /api/v1/products/{sku}/serials/{code}/as-of?at=…``: where that unit was then.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder

from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.api import Inv
from serialtrack.services.stock_reports import (
    StockReport,
    as_of_totals,
    moment,
    refuse_on_hand_filters,
)

router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES)
Name = Annotated[str | None, Query(max_length=200)]
WHEN = "YYYY-MM-DD (the end of that day) or YYYY-MM-DDTHH:MM:SS, UTC"
Moment = Annotated[str | None, Query(max_length=40, description=WHEN)]


def _report(report: StockReport) -> dict[str, Any]:
    return {
        "items": [asdict(r) for r in report.rows],
        "totals": [asdict(t) for t in report.totals],
        "in_stores": report.in_stores,
        "in_transit": report.in_transit,
        "total": report.total,
    }


@router.get("/stock", tags=["stock"])
def read_stock(
    inv: Inv, sku: Name = None, location: Name = None, status: Name = None, batch: Name = None,
    as_of: Moment = None,
) -> dict[str, Any]:  # fmt: skip
    """Stock on hand in stores and in transit: one row per product, location, status, batch
    and (in transit) transfer, with totals per product and overall. With ``as_of``: the
    quantities per product and location at that moment, computed from the ledger."""
    if as_of is None:
        return jsonable_encoder(_report(inv.stock_on_hand(sku=sku, location=location,
                                                          status=status, batch=batch)))  # fmt: skip
    refuse_on_hand_filters(status=status, batch=batch)
    rows = inv.stock_as_of(as_of, sku=sku, location=location, where="as_of")
    answer = _report(as_of_totals(rows))
    answer["items"] = [asdict(r) for r in rows]
    answer["as_of"] = moment(as_of, "as_of").isoformat() + "Z"
    return jsonable_encoder(answer)


@router.get("/products/{sku}/serials/{code}/as-of", tags=["stock"])
def read_serial_as_of(
    inv: Inv,
    sku: str,
    code: str,
    at: Annotated[str, Query(max_length=40, description=WHEN)],
) -> dict[str, Any]:
    """Where the unit was at ``at``: its location, status and the document that put it
    there; ``serial`` is null (and ``existed`` false) when it had not come in yet."""
    found = inv.serial_as_of(sku, code, at, where="at")
    return jsonable_encoder(
        {
            "at": moment(at, "at").isoformat() + "Z",
            "existed": found is not None,
            "serial": asdict(found) if found else None,
        }
    )
