"""``GET /api/v1/labels``: barcode labels as PDF or ZPL, streamed.

Everything (the selection, the layout, every label's content) is checked before the answer
starts, so a refusal is a problem response, never a 200 with a broken file.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from serialtrack.domain.labels import DIGITAL_LINK_BASE
from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.api import Inv
from serialtrack.inventory_labels import LabelsMixin
from serialtrack.services.labels import LabelJob

router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES)
Name = Annotated[str | None, Query(max_length=200)]


def label_job(
    inv: object,
    *,
    document: str | None,
    sku: str | None,
    serials: str | None,
    location: str | None,
    batch: str | None,
    copies: int,
    format: str,
    layout: str,
    preset: str | None,
    start: int,
    digital_link: bool,
    digital_link_base: str,
) -> LabelJob:
    return LabelsMixin.labels(
        inv, document or None, sku=sku or None, serials=serials or None,  # type: ignore[arg-type]
        location=location or None, batch=batch or None, copies=copies, format=format,
        layout=layout, preset=preset or None, start=start, digital_link=digital_link,
        digital_link_base=digital_link_base,
    )  # fmt: skip


def download(job: LabelJob) -> StreamingResponse:
    return StreamingResponse(
        job.chunks(),
        media_type=job.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{job.filename}"',
            "X-Label-Count": str(job.count),
        },
    )


@router.get(
    "/labels",
    tags=["labels"],
    response_class=StreamingResponse,
    responses={200: {"description": "The labels", "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "application/x-zpl": {"schema": {"type": "string"}},
    }}},
)  # fmt: skip
def labels(
    inv: Inv,
    document: Name = None,
    sku: Name = None,
    serials: Annotated[str | None, Query(max_length=1_000_000)] = None,
    location: Name = None,
    batch: Name = None,
    copies: Annotated[int, Query(ge=1, le=1000)] = 1,
    format: Annotated[str, Query(pattern="^(pdf|zpl)$")] = "pdf",
    layout: Annotated[str, Query(pattern="^(sheet|single)$")] = "sheet",
    preset: Annotated[str | None, Query(max_length=40)] = None,
    start: Annotated[int, Query(ge=1, le=1000)] = 1,
    digital_link: bool = False,
    digital_link_base: Annotated[str, Query(max_length=200, pattern="^https?://")] = (
        DIGITAL_LINK_BASE
    ),
) -> StreamingResponse:
    """Labels for a ``document``'s units, or for product ``sku``: the ``serials`` given (lists
    and ranges), its units in stock (at ``location``), or a ``batch`` (``copies`` each).
    ``layout`` sheet (``preset`` a4-3x8, a4-3x7, a4-4x10, letter-3x10; ``start`` the first free
    position) or single (50x25, 57x32, 100x50 or WxH mm)."""
    job = label_job(
        inv, document=document, sku=sku, serials=serials, location=location, batch=batch,
        copies=copies, format=format, layout=layout, preset=preset, start=start,
        digital_link=digital_link, digital_link_base=digital_link_base,
    )  # fmt: skip
    return download(job)
