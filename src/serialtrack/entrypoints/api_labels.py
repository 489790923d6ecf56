"""``GET /api/v1/labels`` and ``POST /api/v1/labels``: barcode labels as PDF or ZPL, streamed.

Everything (the selection, the layout and every label's content) is checked before the answer
starts, so a refusal is a problem response, never a 200 with a broken file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import ConfigDict, Field, StringConstraints

from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.api import Inv
from serialtrack.inventory_labels import LabelsMixin
from serialtrack.services.labels import MAX_LABELS, LabelJob, Unit

router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES)
Name = Annotated[str | None, Query(max_length=200)]
Base = Annotated[str, StringConstraints(max_length=200, pattern="^https?://")]
FILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "The labels", "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "application/x-zpl": {"schema": {"type": "string"}},
    }},
}  # fmt: skip


def label_job(
    inv: object,
    *,
    document: str | None,
    sku: str | None,
    serials: str | Sequence[str] | None,
    location: str | None,
    batch: str | None,
    copies: int,
    format: str,
    layout: str,
    preset: str | None,
    start: int,
    digital_link: bool,
    digital_link_base: str | None = None,
    units: Sequence[Unit] | None = None,
    new: bool = False,
) -> LabelJob:
    """The job for what a request names (empty texts count as not given)."""
    return LabelsMixin.labels(
        inv, document or None, sku=sku or None, serials=serials or None,  # type: ignore[arg-type]
        location=location or None, batch=batch or None, copies=copies, format=format,
        layout=layout, preset=preset or None, start=start, digital_link=digital_link,
        digital_link_base=digital_link_base or None, units=units, new=new,
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


@router.get("/labels", tags=["labels"], response_class=StreamingResponse,
            responses=FILE_RESPONSES)  # fmt: skip
def labels(
    inv: Inv,
    document: Name = None,
    sku: Name = None,
    serials: Annotated[str | None, Query(max_length=1_000_000)] = None,
    location: Name = None,
    batch: Name = None,
    unit: Annotated[list[str] | None, Query(max_length=1000)] = None,
    new: bool = False,
    copies: Annotated[int, Query(ge=1, le=1000)] = 1,
    format: Annotated[str, Query(pattern="^(pdf|zpl)$")] = "pdf",
    layout: Annotated[str, Query(pattern="^(sheet|single)$")] = "sheet",
    preset: Annotated[str | None, Query(max_length=40)] = None,
    start: Annotated[int, Query(ge=1, le=1000)] = 1,
    digital_link: bool = False,
    digital_link_base: Annotated[str | None, Query(max_length=200, pattern="^https?://")] = None,
) -> StreamingResponse:
    """Labels for a ``document``'s units, or for product ``sku``: the ``serials`` given (lists
    and ranges), its units in stock (at ``location``), or a ``batch`` (``copies`` each).

    Units of several products: ``unit=SKU:SERIAL``, repeated (``?unit=PHONE:SN-1&unit=TAB:T-9``),
    at most 1000, in the order to print. The SKU ends at the ``:`` that leaves a known SKU
    before it (a SKU or a serial may itself hold a ``:``); if two splits name products, the
    unit is refused as ambiguous: send it with ``POST /api/v1/labels`` instead, which names
    units as ``{"sku", "serial"}`` and takes large selections.
    Unknown units are refused, each named (``units[2]``).

    ``new=true`` with ``sku`` and ``serials``: codes not in the books yet (e.g. just made by
    ``POST /products/{sku}/serials/generate``), each a valid code of the serial-tracked product.

    ``layout`` sheet (``preset`` a4-3x8, a4-3x7, a4-4x10, letter-3x10; ``start`` the first free
    position) or single (50x25, 57x32, 100x50 or WxH mm). ``digital_link`` adds a QR code of
    the GS1 Digital Link at ``digital_link_base`` (default: the ``digital_link_base``
    setting)."""
    job = label_job(
        inv, document=document, sku=sku, serials=serials, location=location, batch=batch,
        copies=copies, format=format, layout=layout, preset=preset, start=start,
        digital_link=digital_link, digital_link_base=digital_link_base, units=unit, new=new,
    )  # fmt: skip
    return download(job)


class UnitIn(m.Strict):
    sku: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    serial: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class LabelsIn(m.Strict):
    """What ``GET /api/v1/labels`` takes, as a JSON body; units as ``{"sku", "serial"}``."""

    document: m.Code | None = None
    sku: m.Code | None = None
    serials: list[m.Code] | None = Field(None, max_length=MAX_LABELS)
    location: m.Code | None = None
    batch: m.Code | None = None
    units: list[UnitIn] | None = Field(None, max_length=MAX_LABELS)
    new: bool = False
    copies: Annotated[int, Field(ge=1, le=1000)] = 1
    format: Literal["pdf", "zpl"] = "pdf"
    layout: Literal["sheet", "single"] = "sheet"
    preset: Annotated[str, StringConstraints(max_length=40)] | None = None
    start: Annotated[int, Field(ge=1, le=1000)] = 1
    digital_link: bool = False
    digital_link_base: Base | None = None

    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{
            "units": [{"sku": "PHONE", "serial": "SN-1"}, {"sku": "TABLET", "serial": "T-9"}],
            "layout": "single", "preset": "50x25", "digital_link": True,
        }]},
    )  # fmt: skip


@router.post("/labels", tags=["labels"], response_class=StreamingResponse,
             responses=FILE_RESPONSES)  # fmt: skip
def labels_from_body(inv: Inv, body: LabelsIn) -> StreamingResponse:
    """The labels ``GET /api/v1/labels`` makes, chosen by a JSON body: for selections too
    large for a URL, and units named without any text encoding (``{"sku", "serial"}``).
    Reads only: nothing is stored."""
    units = None if body.units is None else [(u.sku, u.serial) for u in body.units]
    job = label_job(
        inv, document=body.document, sku=body.sku, serials=body.serials, location=body.location,
        batch=body.batch, copies=body.copies, format=body.format, layout=body.layout,
        preset=body.preset, start=body.start, digital_link=body.digital_link,
        digital_link_base=body.digital_link_base, units=units, new=body.new,
    )  # fmt: skip
    return download(job)
