"""The "Print labels" page: choose format, layout, preset and start position, download the file.

Reached from a document (``?document=RC-000001``), a product (``?sku=PHONE``, optionally
``&location=Store``), units ticked in the serial list (``?selection=1&unit=SKU:SERIAL&…``) or
codes just generated (``?sku=PHONE&serials=…&new=1``). A selection of units or new codes is
checked when the page opens, so a refusal shows before any download; every download is checked
whole before it starts, and a refusal shows on the form again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from serialtrack.domain.errors import Invalid, Problem, SerialtrackError
from serialtrack.domain.labels import DEFAULT_PRESET, SHEET_PRESETS, SINGLE_PRESETS
from serialtrack.entrypoints.api_labels import download, label_job
from serialtrack.entrypoints.pages import Page, refusal_context, render, status_of
from serialtrack.services.labels import LabelJob

router = APIRouter(include_in_schema=False)
FIELDS = ("document", "sku", "serials", "location", "batch", "format", "layout", "preset")


def _context(request: Request) -> dict[str, Any]:
    q = request.query_params
    given: dict[str, Any] = {k: (q.get(k) or "").strip() for k in FIELDS}
    given["format"] = given["format"] or "pdf"
    given["layout"] = given["layout"] or "sheet"
    given["preset"] = given["preset"] or DEFAULT_PRESET.get(given["layout"], "")
    given["start"] = q.get("start") or "1"
    given["copies"] = q.get("copies") or "1"
    given["digital_link"] = q.get("digital_link") == "1"
    given["new"] = q.get("new") == "1"
    # units ticked in the serial list; "selection" says a list was sent, even an empty one
    given["units"] = [u for u in q.getlist("unit") if u.strip()]
    given["selection"] = q.get("selection") == "1" or bool(given["units"])
    subject = given["document"] or given["sku"]
    if given["selection"]:
        subject = f"{len(given['units'])} selected unit(s)"
    return {
        "title": f"Print labels {subject}".strip(),
        "given": given,
        "sheet_presets": list(SHEET_PRESETS),
        "single_presets": list(SINGLE_PRESETS),
        "errors": {},
    }


def _job(inv: object, g: dict[str, Any]) -> LabelJob:
    start, copies = _number(g["start"], "start"), _number(g["copies"], "copies")
    return label_job(
        inv, document=g["document"], sku=g["sku"], serials=g["serials"], location=g["location"],
        batch=g["batch"], copies=copies, format=g["format"], layout=g["layout"],
        preset=g["preset"], start=start, digital_link=g["digital_link"],
        units=g["units"] if g["selection"] else None, new=g["new"],
    )  # fmt: skip


@router.get("/labels", response_class=HTMLResponse)
def labels_page(request: Request, inv: Page) -> HTMLResponse:
    context = _context(request)
    if context["given"]["selection"] or context["given"]["new"]:
        try:  # a ticked selection or new codes: say now what cannot be printed
            context["count"] = _job(inv, context["given"]).count
        except SerialtrackError as refusal:
            context.update(refusal_context(refusal))
            return render(request, "labels.html", context, status_code=status_of(refusal))
    return render(request, "labels.html", context)


@router.get("/labels/file")
def labels_file(request: Request, inv: Page) -> Response:
    context = _context(request)
    try:
        job = _job(inv, context["given"])
    except SerialtrackError as refusal:
        context.update(refusal_context(refusal))
        return render(request, "labels.html", context, status_code=status_of(refusal))
    return download(job)


def _number(value: str, where: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        raise Invalid(f"{where} is a whole number", [Problem(where, f"not {value!r}")])
    return int(value)
