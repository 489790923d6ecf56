"""The home page's figures (REST API).

- ``GET /api/v1/dashboard?weeks=12&days=30``: units in each store, units received, sold and
  returned per ISO week, units in the stores expired or expiring soon.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.api import Inv
from serialtrack.services.dashboard import MAX_DAYS, MAX_WEEKS, Dashboard

router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES)
Weeks = Annotated[int, Query(ge=1, le=MAX_WEEKS, description="ISO weeks, this one the last.")]
Days = Annotated[int, Query(ge=0, le=MAX_DAYS, description="Expiring within this many days.")]


@router.get("/dashboard", tags=["stock"])
def read_dashboard(inv: Inv, weeks: Weeks = 12, days: Days = 30) -> Dashboard:
    """The figures of the home page's charts, as of now (UTC):

    - ``stores``: units in each store (serials in stock or reserved, quantities, batch parts),
      most first, with ``by_tracking`` (serial, batch, none); ``in_stores`` their sum;
    - ``weeks``: per ISO week, oldest first and this one last, the units ``received``
      (receipts and opening balances), ``sold`` (sales) and ``returned`` (sales returns, not
      subtracted from sold), by when the moves were posted; cancelled documents do not count,
      nor transfers, adjustments, counts, write-offs or purchase returns; with their totals;
    - ``expiry``: units in the stores ``expired``, expiring ``within_week`` (7 days, today
      included) and ``later`` (within ``days``); ``expiring`` is those two together."""
    return inv.dashboard(weeks, days=days)
