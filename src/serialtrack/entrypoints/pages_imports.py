"""The bulk import page: download the template, upload, see the whole-file check, confirm.

The check is the service's own (``check_only=True``): every bad row is named with its row
number and nothing is written. Confirming sends the same file again (kept in the page, so no
upload is stored on the server between the two steps).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from serialtrack.domain.errors import Invalid, Problem, SerialtrackError
from serialtrack.entrypoints.pages import FormPage, Page, refusal_context, render, status_of, text
from serialtrack.inventory import Inventory

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, inv: Page) -> HTMLResponse:
    return render(request, "import.html", _choices(inv, {"title": "Import serials"}))


@router.get("/import/template.{extension}")
def template(inv: Page, extension: str) -> Response:
    if extension == "xlsx":
        content = inv.import_template(xlsx=True)
        return Response(content, media_type=XLSX, headers=_attachment("xlsx"))
    return Response(inv.import_template(), media_type="text/csv", headers=_attachment("csv"))


def _attachment(extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="serials-template.{extension}"'}


@router.post("/import", response_class=HTMLResponse)
async def check_or_import(request: Request, inv: FormPage) -> HTMLResponse:
    """Check the uploaded file (nothing written), or import the checked file on confirm."""
    form = await request.form()
    target = {k: text(form.get(k)) for k in ("location", "supplier", "number", "reference")}
    context: dict[str, Any] = _choices(inv, {"title": "Import serials", "target": target})
    try:
        data, filename = await _file(form)
        confirm = form.get("confirm") == "1"
        result = inv.import_serials(data, filename, check_only=not confirm, **target)
    except SerialtrackError as refusal:
        context.update(refusal_context(refusal))
        return render(request, "import.html", context, status_code=status_of(refusal))
    context.update(result=result, filename=filename, checked=not confirm)
    if confirm:
        context["documents"] = [inv.document(d) for d in result.documents]
    else:
        context["payload"] = base64.b64encode(data).decode("ascii")
    return render(request, "import.html", context)


async def _file(form: Any) -> tuple[bytes, str]:
    """The uploaded file, or the checked file carried in the confirm form."""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            return await upload.read(), upload.filename
        finally:
            await upload.close()
    payload = form.get("payload")
    if payload:
        try:
            return base64.b64decode(str(payload), validate=True), str(form.get("filename") or "")
        except (binascii.Error, ValueError):
            pass
    raise Invalid("choose a file to import", [Problem("file", "choose a CSV or XLSX file")])


def _choices(inv: Inventory, context: dict[str, Any]) -> dict[str, Any]:
    context["locations"] = [x.name for x in inv.locations() if not x.kind.is_virtual]
    context["suppliers"] = [p.name for p in inv.partners() if p.is_supplier]
    context.setdefault("target", {})
    return context
