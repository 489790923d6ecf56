"""Document pages: the list, a document's detail and cancel, and the forms that post them.

Each form posts straight away ("Save and post"), or keeps what was typed as a draft ("Save as
draft": nothing moves, outgoing serials are held for it); a draft opens in the same form again
(``/documents/<id>/edit``) to be saved again or posted. A refusal re-renders the form with what
was typed, every problem at the top and each one beside its field or serial row, and nothing
was written (the service saves whole or not at all).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from serialtrack.domain.errors import Conflict, Invalid, Problem, SerialtrackError
from serialtrack.domain.first_steps import who_may
from serialtrack.domain.model import DocumentKind, DocumentState
from serialtrack.domain.permissions import document_permission
from serialtrack.domain.printing import PAPER_NAMES
from serialtrack.domain.rules import heading, rule_for
from serialtrack.entrypoints import pages_entry as entry
from serialtrack.entrypoints import pages_stock
from serialtrack.entrypoints.pages import (
    ENTERED_KINDS,
    PICKED_KINDS,
    TEMPLATES,
    FormPage,
    Page,
    document_saved,
    form_dates,
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
from serialtrack.services.queries import SUMMARY_MOVES, DocumentView

router = APIRouter(include_in_schema=False)


# --- list and detail -------------------------------------------------------------------------
@router.get("/documents", response_class=HTMLResponse)
def documents(
    request: Request, inv: Page, kind: str = "", state: str = "", date_from: str = "",
    date_to: str = "",
) -> HTMLResponse:  # fmt: skip
    context: dict[str, Any] = {
        "title": "Documents", "kind": kind, "state": state, "documents": [],
        "date_from": date_from, "date_to": date_to,
        "kinds": [k.value for k in DocumentKind], "states": [s.value for s in DocumentState],
    }  # fmt: skip
    try:
        dates = form_dates({"date_from": date_from, "date_to": date_to})
        found = inv.documents(kind=kind or None, state=state or None, limit=200, **dates)
    except SerialtrackError as refusal:
        context.update(refusal_context(refusal))
        return render(request, "documents.html", context, status_code=status_of(refusal))
    context["documents"] = found
    return render(request, "documents.html", context)


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document(request: Request, inv: Page, document_id: int) -> HTMLResponse:
    return _document_page(request, inv, document_id)


def _document_page(
    request: Request, inv: Inventory, document_id: int, *, refusal: SerialtrackError | None = None
) -> HTMLResponse:
    view = inv.document(document_id, moves_limit=SUMMARY_MOVES)  # a large one: a summary
    context: dict[str, Any] = {
        "title": f"{heading(view.kind)} {view.number}", "document": view,
        "post_permission": document_permission(view.kind).value,
        "printed_as": PAPER_NAMES.get(view.kind, "document"),
        "bundles": {b["bundle_no"]: b for b in view.bundles},
        "editable": view.kind.value in DRAFT_KINDS,  # a draft opens in its form again
        "holds_serials": rule_for(view.kind).reserves,  # a draft of it reserves its serials
    }  # fmt: skip
    if refusal is None:
        return render(request, "document.html", context)
    context.update(refusal_context(refusal))
    return render(request, "document.html", context, status_code=status_of(refusal))


@router.get("/documents/{document_id}/pdf")
def document_pdf(inv: Page, document_id: int) -> Response:
    """The document printed (a slip, a note): the PDF, shown in the browser to print."""
    from serialtrack.entrypoints.api_printing import pdf_response

    return pdf_response(inv.print_document(document_id), inline=True)


@router.post("/documents/{document_id}/cancel")
def cancel(request: Request, inv: FormPage, document_id: int) -> Response:
    """Cancel a posted document; a refusal (role, serials moved on) is shown on its page."""
    return _act(request, inv, document_id, inv.cancel, f"/documents/{document_id}")


@router.post("/documents/{document_id}/post")
def post_draft(request: Request, inv: FormPage, document_id: int) -> Response:
    """Post a draft; a refusal (role, serials gone meanwhile) is shown beside its serial."""
    return _act(request, inv, document_id, inv.post, f"/documents/{document_id}")


@router.post("/documents/{document_id}/release")
def release_hold(request: Request, inv: FormPage, document_id: int) -> Response:
    """Release all a hold still has back to its store (managers); the release's page next."""
    try:
        released = inv.release(hold=inv.document(document_id).number)
    except SerialtrackError as refusal:
        return _document_page(request, inv, document_id, refusal=refusal)
    return RedirectResponse(f"/documents/{released.id}", status_code=303)


@router.get("/holds", response_class=HTMLResponse)
def holds(request: Request, inv: Page) -> HTMLResponse:
    """What is on hold, per hold and product, with a release button for managers."""
    return render(request, "holds.html", {"title": "On hold", "rows": inv.on_hold()})


@router.post("/holds/release")
def release_from_list(request: Request, inv: FormPage, number: str) -> Response:
    """Release all a hold still has; a refusal is shown on the list."""
    try:
        released = inv.release(hold=number)
    except SerialtrackError as refusal:
        context = {"title": "On hold", "rows": inv.on_hold(), **refusal_context(refusal)}
        return render(request, "holds.html", context, status_code=status_of(refusal))
    return RedirectResponse(f"/documents/{released.id}", status_code=303)


@router.post("/documents/{document_id}/delete")
def delete_draft(request: Request, inv: FormPage, document_id: int) -> Response:
    """Delete a draft (its serials are free again); a posted document is cancelled instead."""
    return _act(request, inv, document_id, inv.delete_draft, "/documents?state=draft")


def _act(request: Request, inv: Inventory, document_id: int, action: Any, then: str) -> Response:
    """Do ``action`` to the document, then go to ``then``; a refusal is shown on its page."""
    try:
        action(document_id)
    except SerialtrackError as refusal:
        return _document_page(request, inv, document_id, refusal=refusal)
    return RedirectResponse(then, status_code=303)


# --- receipt ---------------------------------------------------------------------------------
@router.get("/receipts/new", response_class=HTMLResponse)
def new_receipt(request: Request, inv: Page) -> HTMLResponse:
    blank = {"sku": "", "quantity": 1, "serials": [""]}
    return _form(request, inv, "receipt", {"date": date.today().isoformat()}, [blank])


@router.post("/receipts/new")
async def post_receipt(request: Request, inv: FormPage) -> Response:
    form = await request.form()
    header, lines = _header(form), form_lines(form)
    if (refusal := _pasted_not_added(form)) is not None:
        return _form(request, inv, "receipt", header, lines, refusal=refusal)
    try:
        posted = inv.receive(
            supplier=header["partner"], location=header["location"],
            lines=service_lines(lines), **_extra(header),
        )  # fmt: skip
    except SerialtrackError as refusal:
        return _form(request, inv, "receipt", header, lines, refusal=refusal)
    return document_saved(request, posted)


def _pasted_not_added(form: Any) -> Invalid | None:
    """The form posts what its rows show: serials left in a paste box are refused, not dropped."""
    problems = [
        Problem(f"lines[{i}].paste",
                "pasted serials not added yet: press “Add pasted” or clear the box")
        for i in line_indexes(form)
        if str(form.get(f"paste-{i}") or "").strip()
    ]  # fmt: skip
    return Invalid("the paste box still holds serials", problems) if problems else None


# --- opening balance --------------------------------------------------------------------------
@router.get("/opening-balances/new", response_class=HTMLResponse)
def new_opening_balance(request: Request, inv: Page) -> HTMLResponse:
    inv.require("opening_balance")
    blank = {"sku": "", "quantity": 1, "serials": [""]}
    return _form(request, inv, "opening_balance", {"date": date.today().isoformat()}, [blank])


@router.post("/opening-balances/new")
async def post_opening_balance(request: Request, inv: FormPage) -> Response:
    """Units already on hand when serialtrack starts (a manager's)."""
    form = await request.form()
    header, lines = _header(form), form_lines(form)
    if (refusal := _pasted_not_added(form)) is not None:
        return _form(request, inv, "opening_balance", header, lines, refusal=refusal)
    try:
        posted = inv.opening_balance(
            location=header["location"], lines=service_lines(lines), **_extra(header)
        )
    except SerialtrackError as refusal:
        return _form(request, inv, "opening_balance", header, lines, refusal=refusal)
    return document_saved(request, posted)


# --- sale ------------------------------------------------------------------------------------
@router.get("/sales/new", response_class=HTMLResponse)
def new_sale(request: Request, inv: Page, quick: int = 0) -> Response:
    """The sale form; quick mode (``?quick=1``) is the counter, made for a scanner."""
    if quick:
        return RedirectResponse("/counter", status_code=303)
    lines = [{"sku": "", "quantity": None, "serials": []}]
    return _form(request, inv, "sale", {"date": date.today().isoformat()}, lines)


@router.post("/sales/new")
async def post_sale(request: Request, inv: FormPage) -> Response:
    form = await request.form()
    header, lines = _header(form), entry.without_blank_parts(inv, form_lines(form))
    try:
        posted = inv.sell(
            customer=header["partner"], location=header["location"],
            lines=service_lines(lines), allow_expired=header["allow_expired"], **_extra(header),
        )  # fmt: skip
    except SerialtrackError as refusal:
        return _form(request, inv, "sale", header, lines, refusal=refusal)
    return document_saved(request, posted)


# --- returns ---------------------------------------------------------------------------------
RETURNS = {"sales-returns": "sales_return", "purchase-returns": "purchase_return"}


def _return_pages(path: str, kind: str) -> None:
    """The form of a sales return (credit note) or purchase return (debit note)."""

    @router.get(f"/{path}/new", response_class=HTMLResponse, name=f"new_{kind}")
    def new_return(request: Request, inv: Page, origin: str = "") -> HTMLResponse:
        header: dict[str, Any] = {"date": date.today().isoformat(), "origin": origin}
        lines: list[dict[str, Any]] = []
        if origin:
            found = inv.document(origin)
            header["location"] = entry.return_location(found)
            lines = entry.origin_lines(found, inv.returnable(found.number))
        return _form(request, inv, kind, header, lines)

    @router.post(f"/{path}/new", name=f"post_{kind}")
    async def post_return(request: Request, inv: FormPage) -> Response:
        form = await request.form()
        header, lines = _header(form), form_lines(form)
        try:
            posted = inv.create_document(
                kind, service_lines(lines), location=header["location"],
                partner=header["partner"], origin=header["origin"], note=header["note"],
                **_extra(header),
            )  # fmt: skip
        except SerialtrackError as refusal:
            return _form(request, inv, kind, header, lines, refusal=refusal)
        return document_saved(request, posted)


for _path, _kind in RETURNS.items():
    _return_pages(_path, _kind)


# --- drafts: saved from the forms, opened in them again ---------------------------------------
# The kinds whose web form can keep what was typed as a draft: every kind the service makes as
# a plain document (``create_document``) that has a form, here or on the stock pages. (A
# transfer receipt's draft comes from the library; it is posted or deleted on its page.)
DRAFT_KINDS = ("receipt", "opening_balance", "sale", "sales_return", "purchase_return",
               *pages_stock.STOCK_FORMS)  # fmt: skip


def _permission_of(kind: str) -> str:
    """``permission_of(kind)`` in templates: what making a document of ``kind`` needs, for
    ``may()`` (a write-off: taking units off the books, as the shop's settings give it)."""
    return document_permission(DocumentKind(kind)).value


TEMPLATES.env.globals["permission_of"] = _permission_of
TEMPLATES.env.globals["who_may"] = who_may  # "a manager or an admin"


@router.post("/drafts/new")
async def save_new_draft(request: Request, inv: FormPage, kind: str) -> Response:
    """A form's "Save as draft": the document is kept as typed, nothing moves (outgoing serials
    are held for it); a refusal shows on the form, as posting's do, and nothing was written."""
    if kind not in DRAFT_KINDS:
        raise Invalid(f"a {kind[:40]!r} is not saved as a draft here", [Problem("kind", "")])
    header, lines, refusal = await _typed(request, inv, kind)
    if refusal is not None:
        return _kind_form(request, inv, kind, header, lines, refusal=refusal)
    try:
        draft = inv.create_document(kind, service_lines(lines), post=False, **_fields(kind, header))
    except SerialtrackError as refusal:
        return _kind_form(request, inv, kind, header, lines, refusal=refusal)
    return _draft_saved(request, draft)


@router.get("/documents/{document_id}/edit", response_class=HTMLResponse)
def edit_draft(request: Request, inv: Page, document_id: int) -> HTMLResponse:
    """A draft in the form it was made with, filled in as it was saved."""
    view = inv.document(document_id)
    if (refusal := _not_editable(view)) is not None:
        return _document_page(request, inv, document_id, refusal=refusal)
    inv.require(_permission_of(view.kind.value))
    header, lines = draft_header(view), draft_lines(view)
    return _kind_form(request, inv, view.kind.value, header, lines)


@router.post("/documents/{document_id}/edit")
async def save_draft(request: Request, inv: FormPage, document_id: int) -> Response:
    """The draft's form sent again: saved as the draft it stays (``then=draft``) or posted
    (``then=post``), in one go; a refusal shows on the form and leaves the draft as it was."""
    view = inv.document(document_id)
    if (refusal := _not_editable(view)) is not None:
        return _document_page(request, inv, document_id, refusal=refusal)
    kind = view.kind.value
    header, lines, refusal = await _typed(request, inv, kind)
    form = await request.form()
    kept = draft_header(view)  # what the form has no field for stays as the draft had it
    header.update({k: kept[k] for k in ("partner", "destination", "origin", "note", "reason")
                   if k not in form})  # fmt: skip
    header.update(draft_id=view.id, draft_number=view.number)
    post = form.get("then") == "post"
    if refusal is not None:
        return _kind_form(request, inv, kind, header, lines, refusal=refusal)
    try:
        saved_view = inv.update_draft(
            view.id, service_lines(lines), kind=kind, post=post, **_fields(kind, header)
        )
    except SerialtrackError as refusal:
        return _kind_form(request, inv, kind, header, lines, refusal=refusal)
    return document_saved(request, saved_view) if post else _draft_saved(request, saved_view)


def _not_editable(view: DocumentView) -> SerialtrackError | None:
    """Why a document does not open in a form: not a draft (any more), or of a kind made
    elsewhere (a count, a transfer receipt, a hold)."""
    if view.state is not DocumentState.DRAFT:
        return Conflict(
            f"{view.number} is {view.state.value}; only a draft can be edited",
            [Problem("state", f"{view.state.value}: it can no longer change")],
        )
    if view.kind.value not in DRAFT_KINDS:
        return Invalid(
            f"a {heading(view.kind).lower()} draft is not edited in a form here",
            [Problem("kind", "post it or delete it")],
        )
    return None


def _draft_saved(request: Request, draft: DocumentView) -> Response:
    """To the draft's page, saying what a draft means for its serials."""
    held = rule_for(draft.kind).reserves
    message = f"{heading(draft.kind)} {draft.number} saved as a draft: " + (
        "its serials are held for it until it is posted or deleted" if held
        else "nothing moves until it is posted"
    )  # fmt: skip
    return saved(request, f"/documents/{draft.id}", message)


async def _typed(
    request: Request, inv: Inventory, kind: str
) -> tuple[dict[str, Any], list[dict[str, Any]], Invalid | None]:
    """Any document form as typed: its header (every field a form of ``kind`` has), its lines,
    and serials left in a paste box (refused, not dropped)."""
    form = await request.form()
    header = _header(form)
    header.update(destination=text(form.get("destination")), reason=text(form.get("reason")))
    lines = form_lines(form)
    if kind in PICKED_KINDS:
        lines = entry.without_blank_parts(inv, lines)
    return header, lines, _pasted_not_added(form) if kind in ENTERED_KINDS else None


def _fields(kind: str, header: dict[str, Any]) -> dict[str, Any]:
    """The header as ``create_document`` and ``update_draft`` take it (a write-off's reason is
    its note)."""
    return {
        "location": header["location"], "partner": header["partner"],
        "destination": header["destination"], "origin": header["origin"],
        "note": header["reason"] if kind == "write_off" else header["note"],
        "allow_expired": header["allow_expired"], **_extra(header),
    }  # fmt: skip


def draft_header(view: DocumentView) -> dict[str, Any]:
    """A draft's header as its form shows it: the store goods leave from (outgoing kinds) or
    come to, the partner, number, date, reference, original document, note or reason."""
    outgoing = rule_for(view.kind).outgoing_from_internal
    return {
        "draft_id": view.id, "draft_number": view.number,
        "partner": view.partner, "location": view.from_location if outgoing else view.to_location,
        "destination": view.destination, "number": view.number, "date": view.date.isoformat(),
        "reference": view.reference, "origin": view.origin, "note": view.note,
        "reason": view.note, "quick": False, "allow_expired": bool(view.expired_allowed_by),
    }  # fmt: skip


def draft_lines(view: DocumentView) -> list[dict[str, Any]]:
    """A draft's lines as its form shows them: serials in their rows (or picked), batches in
    theirs, the quantity where units are counted rather than listed; a bundle's component
    lines are its one line again, the bundle's serials in its rows."""
    entered = view.kind.value in ENTERED_KINDS
    lines: list[dict[str, Any]] = []
    bundles: dict[int, dict[str, Any]] = {}
    for line in view.lines:
        if line.get("bundle_no"):
            if line["bundle_no"] not in bundles:
                bundle = next(b for b in view.bundles if b["bundle_no"] == line["bundle_no"])
                bundles[line["bundle_no"]] = {
                    "sku": bundle["sku"], "quantity": bundle["quantity"], "serials": [],
                    "batches": [], "expiry": "", "warranty_days": "", "lot": "",
                }  # fmt: skip
                lines.append(bundles[line["bundle_no"]])
            bundles[line["bundle_no"]]["serials"] += list(line["serials"])
            continue
        listed = bool(line["serials"] or line["batches"])
        lines.append({
            "sku": line["sku"],
            "quantity": line["quantity"] if (entered and not line["batches"]) or not listed
            else None,
            "serials": list(line["serials"]),
            "batches": [{"code": b["code"], "quantity": str(b["quantity"]),
                         "expiry": b["expiry"].isoformat() if b.get("expiry") else ""}
                        for b in line["batches"]],
            "expiry": line["expiry"].isoformat() if line.get("expiry") else "",
            "warranty_days": "" if line.get("warranty_days") is None
            else str(line["warranty_days"]),
            "lot": line.get("batch") or "",
        })  # fmt: skip
    return lines


def _kind_form(
    request: Request, inv: Inventory, kind: str, header: dict[str, Any],
    lines: list[dict[str, Any]], *, refusal: SerialtrackError | None = None,
) -> HTMLResponse:  # fmt: skip
    """The form of ``kind`` (this module's, or the stock pages' for transfers and write-offs)."""
    if kind in FORM_TITLES:
        return _form(request, inv, kind, header, lines, refusal=refusal)
    return pages_stock._form(request, inv, kind, header, lines, refusal=refusal)


# --- shared form plumbing --------------------------------------------------------------------
def _header(form: Any) -> dict[str, Any]:
    header = {k: text(form.get(k)) for k in ("partner", "location", "number", "date", "reference")}
    header["origin"] = text(form.get("origin"))
    header["note"] = text(form.get("note"))  # a return's reason
    header["quick"] = form.get("quick") == "1"
    header["allow_expired"] = form.get("allow_expired") == "1"  # a manager's checkbox on a sale
    return header


def _extra(header: dict[str, Any]) -> dict[str, Any]:
    """Number, date and reference as the service takes them; a bad date is named like others."""
    extra: dict[str, Any] = {"number": header["number"], "reference": header["reference"]}
    if header["date"]:
        extra["date"] = form_dates({"date": header["date"]})["date"]
    return extra


FORM_TITLES = {
    "receipt": "Receive goods", "opening_balance": "Opening balance", "sale": "Sell",
    "sales_return": "Sales return (credit note)", "purchase_return": "Purchase return (debit note)",
}  # fmt: skip


def _form(
    request: Request, inv: Inventory, kind: str, header: dict[str, Any],
    lines: list[dict[str, Any]], *, refusal: SerialtrackError | None = None,
) -> HTMLResponse:  # fmt: skip
    products = {p.sku: p for p in inv.products()}
    supplier_side = kind in ("receipt", "purchase_return", "opening_balance")
    partners = [
        p.name for p in inv.partners() if (p.is_supplier if supplier_side else p.is_customer)
    ]
    context: dict[str, Any] = {
        "title": FORM_TITLES[kind], "kind": kind, "header": header,
        "products": products, "lines": entry.with_rows(inv, kind, lines, products, header),
        "partners": partners,
        "locations": [loc.name for loc in inv.locations() if not loc.kind.is_virtual],
        "origins": _origins(inv, kind),
        "return_reasons": inv.return_reasons(),
    }  # fmt: skip
    if refusal is None:
        return render(request, "document_form.html", context)
    context.update(refusal_context(refusal))
    return render(request, "document_form.html", context, status_code=status_of(refusal))


def _origins(inv: Inventory, kind: str) -> list[dict[str, Any]]:
    origin_kind = {"sales_return": "sale", "purchase_return": "receipt"}.get(kind)
    if origin_kind is None:
        return []
    return inv.documents(kind=origin_kind, state="posted", limit=200)
