"""The serial report and what is in transit over the REST API.

- ``GET /api/v1/reports/serials``: the product serial number report (``Inventory.report``:
  a row per serial, a row per part of each batch) with the filters of
  ``/reports/serials.csv``, keyset-paged: ``after`` = the previous page's ``next_after``
  (null on the last page); a bad filter is a 422 naming it;
- ``GET /api/v1/transfers/in-transit``: what posted transfers sent that has not arrived,
  per transfer and product, with its serials and batches; ``location`` (from or to) and
  ``sku`` narrow it down.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.api import Inv, Limit

router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES)
Name = Annotated[str | None, Query(max_length=200)]
Day = Annotated[str | None, Query(max_length=40, description="A day, YYYY-MM-DD.")]
After = Annotated[str | None, Query(max_length=80, description="The previous page's next_after.")]


class SerialReportRow(BaseModel):
    """A serial (``quantity`` 1) or a part of a batch: so many of it in one place, or still
    out on one invoice, or sent back to one supplier."""

    sku: str
    product: str
    serial: str | None = Field(description="The serial's code; null on a batch's row.")
    batch: str | None = Field(description="The batch code; null on a serial's row.")
    status: str = Field(examples=["in_stock", "in_transit", "sold", "returned_to_supplier"])
    quantity: int
    location: str
    supplier: str | None
    purchase_number: str | None = Field(description="The receipt (a batch: its first).")
    purchase_reference: str | None = Field(description="The supplier's invoice number.")
    purchase_date: dt.date | None
    customer: str | None = Field(description="While sold; null for a walk-in customer.")
    sales_invoice: str | None
    sale_date: dt.date | None
    note: str | None = Field(None, description="The serial's own note; null on a batch's row.")


class SerialReportPage(BaseModel):
    items: list[SerialReportRow]
    next_after: str | None = Field(description="Pass as after for the next page; null: last.")


class BatchInTransit(BaseModel):
    code: str
    quantity: int


class InTransit(BaseModel):
    """What one transfer (its dispatch) sent of one product that no receipt took yet."""

    number: str
    date: dt.date
    from_location: str
    to_location: str | None
    sku: str
    quantity: int
    serials: list[str]
    batches: list[BatchInTransit]


class InTransitList(BaseModel):
    items: list[InTransit]


def _given(value: str | None) -> str | None:
    """An empty query value counts as not given."""
    return value or None


@router.get("/reports/serials", tags=["reports"])
def serial_report(
    inv: Inv, sku: Name = None, status: Name = None, location: Name = None,
    partner: Name = None, received_from: Day = None, received_to: Day = None,
    sold_from: Day = None, sold_to: Day = None, after: After = None, limit: Limit = 100,
) -> SerialReportPage:  # fmt: skip
    """The product serial number report: every serial with its purchase and sale, then every
    batch as the parts it is in now (per store, in transit, per invoice still out, per
    supplier it went back to) with its quantity. ``partner``: bought from or sold to;
    ``received_*``: the receipt's date, ``sold_*``: the invoice's. Every filter is checked
    before any row is read: an unknown name or a bad date is a 422 naming its filter.
    Next page: ``after`` = ``next_after`` (null on the last page)."""
    page = inv.report_page(
        after=_given(after), limit=limit, sku=_given(sku), status=_given(status),
        location=_given(location), partner=_given(partner),
        received_from=_given(received_from), received_to=_given(received_to),
        sold_from=_given(sold_from), sold_to=_given(sold_to),
    )  # fmt: skip
    items = [SerialReportRow(**row) for row in page.items]
    return SerialReportPage(items=items, next_after=page.next_after)


@router.get("/transfers/in-transit", tags=["reports"])
def in_transit(inv: Inv, location: Name = None, sku: Name = None) -> InTransitList:
    """Transfers not fully received: per transfer (its dispatch number) and product, the
    quantity still on the way, its serials and batches (code, quantity). ``location``: only
    transfers from or to it; ``sku``: only that product. An unknown name is a 422 naming
    its filter."""
    rows = inv.in_transit(sku=_given(sku), location=_given(location))
    return InTransitList(items=[InTransit(**row) for row in rows])
