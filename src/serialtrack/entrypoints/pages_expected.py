"""Receive against the notice: a draft receipt's (or a dispatch's) expected serials, scanned.

The page has a scan box (Enter records; scanning twice changes nothing) and three live lists
with their counts: matched, missing (expected, not scanned yet) and unexpected; "Post what was
scanned" posts the draft (or a dispatch's transfer receipt). As everywhere, a page reads its
form, calls one ``Inventory`` method and shows its answer or its refusal.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from serialtrack.domain.errors import Invalid, Problem, SerialtrackError
from serialtrack.entrypoints.pages import (
    FormPage,
    Page,
    document_saved,
    form_dates,
    refusal_context,
    render,
    status_of,
    text,
)
from serialtrack.inventory import Inventory

router = APIRouter(include_in_schema=False)


@router.get("/documents/{document_id}/expected", response_class=HTMLResponse)
def expected(
    request: Request, inv: Page, document_id: int, added: int | None = None
) -> HTMLResponse:
    return _page(request, inv, document_id, added=added)


def _page(
    request: Request, inv: Inventory, document_id: int, *,
    refusal: SerialtrackError | None = None, outcome: Any = None, scan: str = "",
    notice: dict[str, Any] | None = None, added: int | None = None,
) -> HTMLResponse:  # fmt: skip
    context: dict[str, Any] = {
        "view": inv.expected(document_id), "outcome": outcome, "scan": scan, "added": added,
        "given": {"sku": "", "serials": "", "batch": "", "expiry": "", "errors": {}},
    }  # fmt: skip
    context["title"] = f"Receive against the notice: {context['view'].number}"
    context["products"] = _serial_products(inv)
    if notice is not None:
        context["given"] = notice
        return render(request, "expected.html", context, status_code=notice["status"])
    if refusal is None:
        return render(request, "expected.html", context)
    context.update(refusal_context(refusal))
    return render(request, "expected.html", context, status_code=status_of(refusal))


def _serial_products(inv: Inventory) -> list[str]:
    """The SKUs a notice may name: products whose every unit has its serial."""
    return [p.sku for p in inv.products() if p.tracking.serialized]


# A refused notice's problems by the field of the form they belong to: the pasted lines'
# ``lines[0].sku`` → product, ``lines…``/``lines[0].serials[3]`` → serials; a CSV's
# ``file``/``row 4, serial`` → file; a new receipt's header fields as they are.
_FIELDS = {"partner": "supplier", "location": "location", "reference": "reference",
           "date": "date", "expiry": "expiry", "batch": "batch"}  # fmt: skip


def _field_of(where: str) -> str:
    if where.endswith(".sku"):
        return "sku"
    if where.startswith("lines"):
        return "serials"
    if where == "file" or where.startswith("row "):
        return "file"
    return _FIELDS.get(where, "serials")


def _notice_refused(refusal: SerialtrackError, typed: dict[str, Any]) -> dict[str, Any]:
    """The form as typed with the refusal: its message and each field's problems, joined."""
    errors: dict[str, list[str]] = {}
    for problem in refusal.problems:
        message = problem.message
        if problem.where and problem.where.startswith("row "):
            message = f"{problem.where}: {message}"  # a CSV row: say which
        errors.setdefault(_field_of(problem.where or ""), []).append(message)
    if not errors:
        errors[typed.get("field", "serials")] = [refusal.message]
    return {**typed, "refusal": refusal.message, "status": status_of(refusal),
            "errors": {k: "; ".join(v) for k, v in errors.items()}}  # fmt: skip


def _typed_notice(form: Any) -> dict[str, Any]:
    return {k: str(form.get(k) or "").strip() for k in ("sku", "serials", "batch", "expiry")}


@router.post("/documents/{document_id}/expected/notice", response_class=HTMLResponse)
async def add_to_notice(request: Request, inv: FormPage, document_id: int) -> Response:
    """Add pasted serials (ranges, GS1 scans) of one product to a draft receipt's notice."""
    typed = _typed_notice(await request.form())
    try:
        expiry = form_dates({"expiry": typed["expiry"]})["expiry"]
        added = inv.expect(
            document_id, [(typed["sku"], typed["serials"])],
            batch=text(typed["batch"]), expiry=expiry,
        )  # fmt: skip
    except SerialtrackError as refusal:
        notice = _notice_refused(refusal, typed)
        return _page(request, inv, document_id, notice=notice)
    return RedirectResponse(f"/documents/{document_id}/expected?added={added}", status_code=303)


@router.post("/documents/{document_id}/expected/csv", response_class=HTMLResponse)
async def add_csv_to_notice(request: Request, inv: FormPage, document_id: int) -> Response:
    """Add the supplier's CSV (sku, serial, optional batch, expiry) to the notice: all or none."""
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid("choose the notice file", [Problem("file", "choose a CSV file")])
        try:
            data = await upload.read()
        finally:
            await upload.close()
        added = inv.expect_csv(document_id, data)
    except SerialtrackError as refusal:
        blank = {"sku": "", "serials": "", "batch": "", "expiry": "", "field": "file"}
        return _page(request, inv, document_id, notice=_notice_refused(refusal, blank))
    return RedirectResponse(f"/documents/{document_id}/expected?added={added}", status_code=303)


# --- a new draft receipt from a notice ---------------------------------------------------------
@router.get("/receipts/notice", response_class=HTMLResponse)
def new_from_notice(request: Request, inv: Page) -> HTMLResponse:
    return _new_page(request, inv, {"sku": "", "serials": "", "batch": "", "expiry": ""})


def _new_page(
    request: Request, inv: Inventory, typed: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    context = {
        "title": "New receipt from a notice", "given": {"errors": {}, **typed},
        "products": _serial_products(inv),
        "locations": [x.name for x in inv.locations() if not x.kind.is_virtual],
        "suppliers": [p.name for p in inv.partners() if p.is_supplier],
    }  # fmt: skip
    return render(request, "expected_new.html", context, status_code=status_code)


@router.post("/receipts/notice", response_class=HTMLResponse)
async def post_new_from_notice(request: Request, inv: FormPage) -> Response:
    """Open an empty draft receipt carrying the notice; receive it by scanning next."""
    form = await request.form()
    typed = _typed_notice(form)
    typed |= {k: str(form.get(k) or "").strip() for k in ("supplier", "location", "reference")}
    try:
        expiry = form_dates({"expiry": typed["expiry"]})["expiry"]
        draft = inv.expect_receipt(
            supplier=typed["supplier"], location=typed["location"],
            reference=text(typed["reference"]), lines=[(typed["sku"], typed["serials"])],
            batch=text(typed["batch"]), expiry=expiry,
        )  # fmt: skip
    except SerialtrackError as refusal:
        notice = _notice_refused(refusal, typed)
        return _new_page(request, inv, notice, status_code=notice["status"])
    return RedirectResponse(f"/documents/{draft.id}/expected", status_code=303)


@router.post("/documents/{document_id}/expected/scan", response_class=HTMLResponse)
async def scan(request: Request, inv: FormPage, document_id: int) -> HTMLResponse:
    """Record one scan. HTMX gets the outcome and fresh lists; a plain post the whole page."""
    form = await request.form()
    scanned = str(form.get("scan") or "").strip()
    htmx = request.headers.get("HX-Request") == "true"
    try:
        outcome = inv.receive_scan(document_id, scanned, sku=text(form.get("sku")))
    except SerialtrackError as refusal:
        if not htmx:
            return _page(request, inv, document_id, refusal=refusal, scan=scanned)
        context = {"view": inv.expected(document_id), "scan": scanned, **refusal_context(refusal)}
        return render(request, "_expected_scan.html", context)
    if not htmx:
        return _page(request, inv, document_id, outcome=outcome)
    context = {"view": inv.expected(document_id), "outcome": outcome, "scan": ""}
    return render(request, "_expected_scan.html", context)


@router.post("/documents/{document_id}/expected/post")
def post(request: Request, inv: FormPage, document_id: int) -> Response:
    try:
        posted = inv.post_received(document_id)
    except SerialtrackError as refusal:
        return _page(request, inv, document_id, refusal=refusal)
    return document_saved(request, posted)
