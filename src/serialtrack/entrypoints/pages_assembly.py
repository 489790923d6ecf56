"""Assembling a serial-tracked bundle ahead, and taking its units apart (``/assemblies/new``,
``/disassemblies/new``).

The assembly form: a store, then one row per bundle unit: its serial (blank: the next code of
the product's serial pattern) and its parts' serials, scanned one a line (or pasted, spaces and
ranges too). "Add a unit" shows one more row, keeping what was typed. A row left wholly blank
is no unit. A refusal is shown beside the unit it names (``units[i]``), everything as typed.

The disassembly form: a store and the serials of the units to take apart.

Both only read the form and call ``Inventory.assemble``/``disassemble``; the service checks
everything (who may, which parts, which serials) and names what it refuses.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from serialtrack.domain.errors import Invalid, Problem, SerialtrackError
from serialtrack.domain.model import Component, Product, TrackingMode
from serialtrack.entrypoints.pages import FormPage, Page, refusal_context, render, status_of, text
from serialtrack.inventory import Inventory

router = APIRouter(include_in_schema=False)
MAX_ROWS = 100  # rows of the form; more units at once are for the API or the CLI
_UNIT_FIELD = re.compile(r"^units-(\d+)-(serial|parts)$")
_UNIT_WHERE = re.compile(r"^units\[(\d+)\]")


def assembly_url(sku: str, **more: Any) -> str:
    return "/assemblies/new?" + urlencode({"sku": sku, **more})


def disassembly_url(sku: str) -> str:
    return "/disassemblies/new?" + urlencode({"sku": sku})


# --- assembling -------------------------------------------------------------------------------
@router.get("/assemblies/new", response_class=HTMLResponse)
def new_assembly(
    request: Request, inv: Page, sku: str, location: str = "", units: int = 1
) -> HTMLResponse:
    rows = [_row(n) for n in range(min(max(units, 1), MAX_ROWS))]
    given = {"location": location, "note": ""}
    return _assembly_page(request, inv, sku, given, rows)


@router.post("/assemblies/new")
async def assemble(request: Request, inv: FormPage, sku: str) -> Response:
    form = await request.form()
    given = {"location": text(form.get("location")) or "", "note": text(form.get("note")) or ""}
    rows = _form_rows(form)
    if form.get("action") == "add":  # one more row; nothing is posted
        rows.append(_row(len(rows)))
        focus = len(rows) - 1
        return _assembly_page(request, inv, sku, given, rows[:MAX_ROWS], focus=focus)
    product = inv.product(sku)
    sent = _sent_rows(inv, product, rows)
    try:
        units = _units(inv, rows, sent)
        made = inv.assemble(
            product.sku, location=given["location"], units=units, note=given["note"] or None
        )
    except SerialtrackError as refusal:
        return _assembly_page(request, inv, sku, given, rows, refusal=refusal, sent=sent)
    return RedirectResponse(f"/documents/{made.id}", status_code=303)


def _row(index: int, serial: str = "", parts: str = "") -> dict[str, Any]:
    return {"index": index, "serial": serial, "parts": parts, "serial_errors": [],
            "parts_errors": []}  # fmt: skip


def _form_rows(form: FormData) -> list[dict[str, Any]]:
    """The unit rows as typed, in order (renumbered from 0, as the page shows them)."""
    indexes = sorted({int(m[1]) for key in form if (m := _UNIT_FIELD.match(key))})
    rows = [
        _row(n, str(form.get(f"units-{i}-serial") or ""), str(form.get(f"units-{i}-parts") or ""))
        for n, i in enumerate(indexes[:MAX_ROWS])
    ]
    return rows or [_row(0)]


def _sent_rows(inv: Inventory, product: Product, rows: list[dict[str, Any]]) -> list[int]:
    """The rows that are units: all but those left wholly blank (no scan, no serial), unless
    the bundle has no part to scan (then every row is a unit)."""
    if not any(c.product.tracking.serialized for c in _parts(inv, product.sku)):
        return [row["index"] for row in rows]
    return [row["index"] for row in rows if row["serial"].strip() or row["parts"].strip()]


def _units(inv: Inventory, rows: list[dict[str, Any]], sent: list[int]) -> list[dict[str, Any]]:
    """The units as ``Inventory.assemble`` takes them; the parts as scanned (one a line, or
    pasted lists and ranges), every entry that is no code named at once."""
    units, problems = [], []
    for position, index in enumerate(sent):
        row = rows[index]
        try:
            parts = inv.parse_serials(row["parts"], where=f"units[{position}].parts")
        except Invalid as refusal:
            problems += refusal.problems
            parts = []
        units.append({"serial": row["serial"].strip() or None, "parts": parts})
    if problems:
        raise Invalid("the parts' serials are not valid", problems)
    return units


def _parts(inv: Inventory, sku: str) -> list[Component]:
    try:
        return inv.components(sku)
    except SerialtrackError:
        return []


def _assembly_page(
    request: Request, inv: Inventory, sku: str, given: dict[str, str],
    rows: list[dict[str, Any]], *, refusal: SerialtrackError | None = None,
    sent: list[int] | None = None, focus: int | None = None,
) -> HTMLResponse:  # fmt: skip
    product = inv.product(sku)
    parts = _parts(inv, product.sku)
    assembles = bool(parts) and product.tracking is TrackingMode.SERIAL
    stores = _store_names(inv)
    context: dict[str, Any] = {
        "title": f"Assemble {product.sku}", "product": product, "given": given, "rows": rows,
        "locations": stores, "assembles": assembles, "focus": focus,
        "scanned": [c for c in parts if c.product.tracking.serialized],
        "taken": [c for c in parts if not c.product.tracking.serialized],
        "can_make": [inv.bundle_stock(product.sku, s) for s in stores] if assembles else [],
    }  # fmt: skip
    if refusal is None:
        return render(request, "assembly.html", context)
    context.update(refusal_context(refusal))
    context["problems"] = _beside_rows(refusal.problems, rows, sent or [])
    return render(request, "assembly.html", context, status_code=status_of(refusal))


def _beside_rows(
    problems: list[Problem], rows: list[dict[str, Any]], sent: list[int]
) -> list[Problem]:
    """Each ``units[i]`` problem put beside its row (the i-th unit sent is the row shown at
    ``sent[i]``, blank rows being no units) and renamed after that row; the others as given."""
    shown = []
    for problem in problems:
        found = _UNIT_WHERE.match(problem.where)
        if found is None or int(found[1]) >= len(sent):
            shown.append(problem)
            continue
        row = rows[sent[int(found[1])]]
        rest = problem.where[found.end() :]
        (row["serial_errors"] if rest == ".serial" else row["parts_errors"]).append(problem.message)
        shown.append(replace(problem, where=f"units[{row['index']}]{rest}"))
    return shown


def _store_names(inv: Inventory) -> list[str]:
    return [loc.name for loc in inv.locations() if not loc.kind.is_virtual]


# --- taking units apart -----------------------------------------------------------------------
@router.get("/disassemblies/new", response_class=HTMLResponse)
def new_disassembly(request: Request, inv: Page, sku: str, location: str = "") -> HTMLResponse:
    given = {"location": location, "serials": "", "note": ""}
    return _disassembly_page(request, inv, sku, given)


@router.post("/disassemblies/new")
async def disassemble(request: Request, inv: FormPage, sku: str) -> Response:
    form = await request.form()
    given = {k: str(form.get(k) or "") for k in ("location", "serials", "note")}
    try:
        codes = inv.parse_serials(given["serials"], where="serials")
        made = inv.disassemble(
            sku, codes, location=given["location"].strip(), note=text(given["note"])
        )
    except SerialtrackError as refusal:
        return _disassembly_page(request, inv, sku, given, refusal=refusal)
    return RedirectResponse(f"/documents/{made.id}", status_code=303)


def _disassembly_page(
    request: Request, inv: Inventory, sku: str, given: dict[str, str], *,
    refusal: SerialtrackError | None = None,
) -> HTMLResponse:  # fmt: skip
    product = inv.product(sku)
    assembles = bool(_parts(inv, product.sku)) and product.tracking is TrackingMode.SERIAL
    on_hand = inv.serials(sku=product.sku, status="in_stock", limit=50) if assembles else []
    context: dict[str, Any] = {
        "title": f"Take {product.sku} apart", "product": product, "given": given,
        "locations": _store_names(inv), "assembles": assembles, "on_hand": on_hand,
        "serial_errors": [],
    }  # fmt: skip
    if refusal is None:
        return render(request, "disassembly.html", context)
    context.update(refusal_context(refusal))
    context["serial_errors"] = [p.message for p in refusal.problems
                                if p.where.startswith("serials")]  # fmt: skip
    return render(request, "disassembly.html", context, status_code=status_of(refusal))
