"""``GET /api/v1/documents/{ref}/pdf``: a document printed as the paper a shop hands over.

The document is read and laid out before the answer starts, so an unknown document is a
problem response, never a 200 with a broken file.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.api import Inv, document_ref
from serialtrack.services.printing import PrintJob

router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES)
# A PDF shown in the browser is drawn by its PDF viewer, which Chrome counts as an object:
# the site-wide policy (object-src 'none') would block it; nothing else may load.
PDF_POLICY = "default-src 'none'; object-src 'self'; frame-ancestors 'none'"


def pdf_response(job: PrintJob, *, inline: bool = False) -> StreamingResponse:
    disposition = "inline" if inline else "attachment"
    return StreamingResponse(
        job.chunks(),
        media_type=job.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{job.filename}"',
            "Content-Security-Policy": PDF_POLICY,
        },
    )


@router.get(
    "/documents/{ref}/pdf",
    tags=["documents"],
    response_class=StreamingResponse,
    responses={200: {"description": "The printed document", "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    }}},
)  # fmt: skip
def print_document(inv: Inv, ref: str) -> StreamingResponse:
    """The document (id or number) as a PDF: a sales slip lists each unit's serial and the
    day its warranty ends; a sales return is a credit note, a purchase return a debit note;
    a dispatch a delivery note with what arrived and what is missing; a count its
    differences. The number is printed as a Code 128 barcode: scanning it (``POST
    /api/v1/scan``) names the document. Shop name and address: settings ``shop_name`` and
    ``shop_address``."""
    return pdf_response(inv.print_document(document_ref(ref)))
