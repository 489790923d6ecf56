"""Stock pages beyond buying and selling: transfers (dispatch, receive, one step) and write-offs.

- dispatch, one-step transfer and write-off are forms like the sale's: serials are picked
  from those in stock at the source (or scanned, each scan adding its line);
- "in transit" lists what dispatches sent that was not received yet;
- receiving a dispatch: scan the serials that arrived one after another (Enter adds), then
  post; what was not scanned stays in transit on the dispatch.

As everywhere, a page reads its form, calls one ``Inventory`` method and shows its answer or
its refusal beside the field or serial it names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import SerialtrackError
from serialtrack.entrypoints import pages_entry as entry
from serialtrack.entrypoints.pages import (
    STATUS_WORDS,
    FormPage,
    Page,
    document_saved,
    form_dates,
    form_line,
    form_lines,
    line_indexes,
    refusal_context,
    render,
    saved,
    service_lines,
    status_of,
    text,
)
from serialtrack.inventory import Inventory
from serialtrack.services.queries import DocumentView

router = APIRouter(include_in_schema=False)
HEADER_FIELDS = ("location", "destination", "number", "date", "reference", "note", "reason")


# --- in transit ----------------------------------------------------------------------------------
@router.get("/transfers", response_class=HTMLResponse)
def in_transit(request: Request, inv: Page) -> HTMLResponse:
    """Transfers not fully received: per dispatch and product, what is still on the way."""
    return render(request, "transfers.html", {"title": "Transfers", "rows": inv.in_transit()})


# --- dispatch, one-step transfer, write-off ------------------------------------------------------
Submit = Callable[[Inventory, dict[str, Any], list[dict[str, Any]]], DocumentView]
# Dispatch and one-step transfer go through ``create_document``, which takes a manager's
# ``allow_expired`` (the "allow expired units" checkbox) along with the header.
STOCK_FORMS: dict[str, tuple[str, str, Submit]] = {
    "dispatch": ("/transfers/dispatch", "Dispatch a transfer", lambda inv, h, lines:
        inv.create_document(
            "dispatch", lines, location=h["location"], destination=h["destination"],
            note=h["note"], allow_expired=h["allow_expired"], **_extra(h),
        )),
    "transfer": ("/transfers/one-step", "One-step transfer", lambda inv, h, lines:
        inv.create_document(
            "transfer", lines, location=h["location"], destination=h["destination"],
            note=h["note"], allow_expired=h["allow_expired"], **_extra(h),
        )),
    "write_off": ("/write-offs/new", "Write off", lambda inv, h, lines: inv.write_off(
        location=h["location"], lines=lines, reason=h["reason"], **_extra(h),
    )),
}  # fmt: skip


def _stock_pages(kind: str, path: str, submit: Submit) -> None:
    @router.get(path, response_class=HTMLResponse, name=f"new_{kind}")
    def new_form(request: Request, inv: Page, location: str = "") -> HTMLResponse:
        if kind == "write_off":  # a manager's, unless the shop gives it to clerks
            inv.require("take_off_books")
        header = {"date": date.today().isoformat(), "location": location or None}
        return _form(request, inv, kind, header, [{"sku": "", "quantity": None, "serials": []}])

    @router.post(path, name=f"post_{kind}")
    async def post_form(request: Request, inv: FormPage) -> Response:
        form = await request.form()
        header, lines = {k: text(form.get(k)) for k in HEADER_FIELDS}, form_lines(form)
        header["allow_expired"] = form.get("allow_expired") == "1"
        try:
            posted = submit(inv, header, service_lines(lines))
        except SerialtrackError as refusal:
            return _form(request, inv, kind, header, lines, refusal=refusal)
        return document_saved(request, posted)


for _kind, (_path, _title, _submit) in STOCK_FORMS.items():
    _stock_pages(_kind, _path, _submit)


def _extra(header: dict[str, Any]) -> dict[str, Any]:
    """Number, date and reference as the services take them; a bad date is named by its field."""
    return {"number": header["number"], "reference": header["reference"],
            **form_dates({"date": header["date"]})}  # fmt: skip


def _form(
    request: Request, inv: Inventory, kind: str, header: dict[str, Any],
    lines: list[dict[str, Any]], *, refusal: SerialtrackError | None = None,
) -> HTMLResponse:  # fmt: skip
    products = {p.sku: p for p in inv.products()}
    path, title, _ = STOCK_FORMS[kind]
    context: dict[str, Any] = {
        "title": title, "kind": kind, "action": path, "header": header, "products": products,
        "lines": entry.with_rows(inv, kind, lines, products, header),
        "locations": [loc.name for loc in inv.locations() if not loc.kind.is_virtual],
    }  # fmt: skip
    if refusal is None:
        return render(request, "stock_form.html", context)
    context.update(refusal_context(refusal))
    return render(request, "stock_form.html", context, status_code=status_of(refusal))


# --- receiving a dispatch ------------------------------------------------------------------------
@router.get("/transfers/receive", response_class=HTMLResponse)
def receive_form(request: Request, inv: Page, dispatch: str) -> HTMLResponse:
    header = {"date": date.today().isoformat()}
    return _receive_page(request, inv, inv.document(dispatch), header, [])


@router.post("/transfers/receive")
async def receive(request: Request, inv: FormPage, dispatch: str) -> Response:
    """Receive the scanned serials (and typed quantities), or everything still on the way."""
    form = await request.form()
    header = {k: text(form.get(k)) for k in ("date", "reference", "note")}
    arrived = [x for x in form_lines(form) if x["serials"] or x["quantity"] is not None]
    everything = form.get("all") == "1"
    try:
        posted = inv.receive_transfer(
            dispatch=dispatch, lines=None if everything else service_lines(arrived),
            reference=header["reference"], note=header["note"],
            **form_dates({"date": header["date"]}),
        )  # fmt: skip
    except SerialtrackError as refusal:
        view = inv.document(dispatch)
        return _receive_page(request, inv, view, header, arrived, refusal=refusal)
    return document_saved(request, posted)


def _receive_page(
    request: Request, inv: Inventory, view: DocumentView, header: dict[str, Any],
    arrived: list[dict[str, Any]], *, refusal: SerialtrackError | None = None,
) -> HTMLResponse:  # fmt: skip
    names = {p.sku: p.name for p in inv.products()}
    lines = [{**x, "index": i, "name": names.get(x["sku"], "")} for i, x in enumerate(arrived)]
    counted = {x["sku"] for x in arrived if not x["serials"]}
    for row in view.in_transit:  # products sent without serials: how many arrived, typed
        if not row["serials"] and row["sku"] not in counted:
            lines.append({"index": len(lines), "sku": row["sku"], "quantity": None,
                          "serials": [], "name": names.get(row["sku"], "")})  # fmt: skip
    context: dict[str, Any] = {
        "title": f"Receive {view.number}", "dispatch": view, "header": header, "lines": lines,
        "expected": {r["sku"]: r["quantity"] for r in view.in_transit},
    }  # fmt: skip
    if refusal is None:
        return render(request, "transfer_receive.html", context)
    context.update(refusal_context(refusal))
    return render(request, "transfer_receive.html", context, status_code=status_of(refusal))


@router.post("/transfers/close")
async def close_transfer(request: Request, inv: FormPage, dispatch: str) -> Response:
    """Close a transfer short: what is still in transit goes back to the source, or is written
    off as lost with the reason given (the service decides who may)."""
    form = await request.form()
    outcome, reason = str(form.get("outcome") or ""), text(form.get("reason"))
    try:
        made = inv.close_transfer(dispatch, outcome=outcome, reason=reason)
    except SerialtrackError as refusal:
        context = {"title": "Refused", **refusal_context(refusal)}
        return render(request, "error.html", context, status_code=status_of(refusal))
    return saved(request, f"/documents/{made[-1].id}",
                 f"{dispatch} closed: " + ", ".join(d.number for d in made))  # fmt: skip


@router.post("/transfers/receive/scan", response_class=HTMLResponse)
async def receive_scan(request: Request, inv: FormPage, dispatch: str) -> HTMLResponse:
    """A scanned serial becomes a received line, if it is on its way on this dispatch."""
    form = await request.form()
    scanned = str(form.get("scan") or "").strip()
    try:
        found = inv.scan(scanned)
        view = inv.document(dispatch)
    except SerialtrackError as refusal:
        return entry.scan_problem(request, refusal.message)
    if not (found.sku and found.serial):
        return entry.scan_problem(request, found.message or f"{scanned} names no unit")
    on_way = {(r["sku"], code_key(c)): c for r in view.in_transit for c in r["serials"]}
    code = on_way.get((found.sku, code_key(found.serial)))
    if code is None:
        status = STATUS_WORDS.get(found.status or "", "unknown")
        where = f"{status} at {found.location}" if found.location else status
        message = f"{found.sku} {found.serial} is not in transit on {view.number} ({where})"
        return entry.scan_problem(request, message)
    on_form = [form_line(form, i) for i in line_indexes(form)]
    if any(x["sku"] == found.sku and code in x["serials"] for x in on_form):
        return entry.scan_problem(request, f"{code} is scanned already")
    index = max((x["index"] for x in on_form), default=-1) + 1
    line = {"index": index, "sku": found.sku, "serials": [code], "quantity": None,
            "name": inv.product(found.sku).name}  # fmt: skip
    return render(request, "_received_line.html", {"line": line, "oob": True})
