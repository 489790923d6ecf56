"""EPCIS 2.0: the ledger as GS1 EPCIS events (REST API).

``GET /api/v1/epcis/events?from=&to=&sku=``: one EPCIS 2.0 JSON-LD document
(``application/ld+json``) of the moves in the range; a bad filter is a 422 naming it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.api import Inv
from serialtrack.services.epcis import MEDIA_TYPE

router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES)
Day = Annotated[str | None, Query(max_length=40, description="A day, YYYY-MM-DD (UTC), included.")]
EPCIS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "An EPCIS 2.0 document (GS1 JSON-LD)",
          "content": {MEDIA_TYPE: {"schema": {"type": "object"}}}},
}  # fmt: skip


class EpcisResponse(JSONResponse):
    media_type = MEDIA_TYPE


@router.get("/epcis/events", tags=["epcis"], response_class=EpcisResponse,
            responses=EPCIS_RESPONSE)  # fmt: skip
def epcis_events(
    inv: Inv,
    date_from: Annotated[Day, Query(alias="from")] = None,
    date_to: Annotated[Day, Query(alias="to")] = None,
    sku: Annotated[str | None, Query(max_length=200)] = None,
) -> EpcisResponse:
    """The ledger's moves from ``from`` to ``to`` (days, both included) of ``sku`` as an
    EPCIS 2.0 ``EPCISDocument``: an ObjectEvent per document, product and direction (ADD
    for units entering the books, DELETE for units leaving them, OBSERVE otherwise), with
    bizStep, disposition, readPoint/bizLocation, the document numbers, serials as GS1
    Digital Link URIs and quantities in quantityList; a cancelled document's event comes
    again with an ``errorDeclaration``. An unknown SKU or a bad date is a 422 naming it."""
    document = inv.epcis_events(date_from=date_from or None, date_to=date_to or None,
                                sku=sku or None)  # fmt: skip
    return EpcisResponse(document)
