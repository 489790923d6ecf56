"""Master data pages: locations (stores, warehouses) and partners (suppliers, customers).

Lists for everyone; creating and editing for whoever the service lets manage the catalog
(the links are hidden for the others, and a forged post gets the service's 403).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from serialtrack.domain.errors import SerialtrackError
from serialtrack.entrypoints.pages import (
    FormPage,
    Page,
    refusal_context,
    render,
    saved,
    status_of,
    text,
)

router = APIRouter(include_in_schema=False)


def _form_page(
    request: Request, template: str, context: dict[str, Any],
    refusal: SerialtrackError | None = None,
) -> HTMLResponse:  # fmt: skip
    if refusal is None:
        return render(request, template, context)
    context.update(refusal_context(refusal))
    return render(request, template, context, status_code=status_of(refusal))


# --- locations ---------------------------------------------------------------------------------
@router.get("/locations", response_class=HTMLResponse)
def locations(request: Request, inv: Page) -> HTMLResponse:
    listed = inv.locations(archived=True)  # the archived too, to restore them
    return render(request, "locations.html", {"title": "Locations", "locations": listed})


@router.get("/locations/new", response_class=HTMLResponse)
def new_location(request: Request, inv: Page) -> HTMLResponse:
    inv.require("manage_catalog")  # refused before the form is filled
    return _location_form(request, {"name": "", "gln": ""}, editing=None)


@router.post("/locations/new")
async def create_location(request: Request, inv: FormPage) -> Response:
    form = await request.form()
    name, gln = str(form.get("name") or ""), str(form.get("gln") or "").strip()
    try:
        added = inv.add_location(name, gln=gln or None)
    except SerialtrackError as refusal:
        given = {"name": name, "gln": gln}
        return _location_form(request, given, editing=None, refusal=refusal)
    return saved(request, "/locations", f"Location {added.name} saved")


@router.get("/locations/edit", response_class=HTMLResponse)
def edit_location(request: Request, inv: Page, name: str) -> HTMLResponse:
    inv.require("manage_catalog")  # refused before the form is filled
    found = inv.location(name)
    given = {"name": found.name, "gln": found.gln or "", "active": found.active}
    return _location_form(request, given, editing=found.name)


@router.post("/locations/archive")
def archive_location(request: Request, inv: FormPage, name: str, restore: int = 0) -> Response:
    """Archive a store (or restore it, ``restore=1``); the service refuses one holding stock."""
    try:
        done = inv.restore_location(name) if restore else inv.archive_location(name)
    except SerialtrackError as refusal:
        found = inv.location(name)
        given = {"name": found.name, "gln": found.gln or "", "active": found.active}
        return _location_form(request, given, editing=found.name, refusal=refusal)
    return saved(request, "/locations",
                 f"Location {done.name} {'restored' if restore else 'archived'}")  # fmt: skip


@router.post("/locations/edit")
async def rename_location(request: Request, inv: FormPage, name: str) -> Response:
    form = await request.form()
    new_name, gln = str(form.get("name") or ""), str(form.get("gln") or "")
    try:
        inv.update_location(name, name=new_name, gln=gln)
    except SerialtrackError as refusal:
        given = {"name": new_name, "gln": gln}
        return _location_form(request, given, editing=name, refusal=refusal)
    return saved(request, "/locations", f"Location {new_name.strip() or name} saved")


def _location_form(
    request: Request, location: dict[str, Any], *, editing: str | None,
    refusal: SerialtrackError | None = None,
) -> HTMLResponse:  # fmt: skip
    context = {
        "title": f"Edit {editing}" if editing else "New location", "location": location,
        "editing": editing, "action": _action("/locations", editing),
    }  # fmt: skip
    return _form_page(request, "location_form.html", context, refusal)


# --- partners ----------------------------------------------------------------------------------
@router.get("/partners", response_class=HTMLResponse)
def partners(request: Request, inv: Page) -> HTMLResponse:
    listed = inv.partners(archived=True)  # the archived too, to restore them
    return render(request, "partners.html", {"title": "Partners", "partners": listed})


@router.get("/partners/new", response_class=HTMLResponse)
def new_partner(request: Request, inv: Page) -> HTMLResponse:
    inv.require("manage_catalog")  # refused before the form is filled
    blank = {"name": "", "supplier": False, "customer": False, "phone": "", "email": "",
             "address": "", "gln": ""}  # fmt: skip
    return _partner_form(request, blank, editing=None)


@router.post("/partners/new")
async def create_partner(request: Request, inv: FormPage) -> Response:
    values = _partner_values(await request.form())
    try:
        contact = {k: values[k] for k in ("phone", "email", "address", "gln") if values[k]}
        inv.add_partner(values["name"], supplier=values["supplier"], customer=values["customer"],
                        **contact)  # fmt: skip
    except SerialtrackError as refusal:
        return _partner_form(request, values, editing=None, refusal=refusal)
    return saved(request, "/partners", f"Partner {values['name']} saved")


@router.get("/partners/edit", response_class=HTMLResponse)
def edit_partner(request: Request, inv: Page, name: str) -> HTMLResponse:
    inv.require("manage_catalog")  # refused before the form is filled
    found = inv.partner(name)
    values = {"name": found.name, "supplier": found.is_supplier, "customer": found.is_customer,
              "phone": found.phone or "", "email": found.email or "",
              "address": found.address or "", "gln": found.gln or "",
              "active": found.active}  # fmt: skip
    return _partner_form(request, values, editing=found.name)


@router.post("/partners/archive")
def archive_partner(request: Request, inv: FormPage, name: str, restore: int = 0) -> Response:
    """Archive a partner (or restore it, ``restore=1``)."""
    done = inv.restore_partner(name) if restore else inv.archive_partner(name)
    return saved(request, "/partners",
                 f"Partner {done.name} {'restored' if restore else 'archived'}")  # fmt: skip


@router.post("/partners/edit")
async def update_partner(request: Request, inv: FormPage, name: str) -> Response:
    values = _partner_values(await request.form())
    try:
        inv.update_partner(name, **values)
    except SerialtrackError as refusal:
        return _partner_form(request, values, editing=name, refusal=refusal)
    return saved(request, "/partners", f"Partner {values['name'] or name} saved")


def _partner_values(form: Any) -> dict[str, Any]:
    return {
        "name": text(form.get("name")) or "",
        "supplier": form.get("supplier") == "on",
        "customer": form.get("customer") == "on",
        "phone": text(form.get("phone")) or "",
        "email": text(form.get("email")) or "",
        "address": text(form.get("address")) or "",
        "gln": text(form.get("gln")) or "",
    }


def _partner_form(
    request: Request, partner: dict[str, Any], *, editing: str | None,
    refusal: SerialtrackError | None = None,
) -> HTMLResponse:  # fmt: skip
    context = {
        "title": f"Edit {editing}" if editing else "New partner", "partner": partner,
        "editing": editing, "action": _action("/partners", editing),
    }  # fmt: skip
    return _form_page(request, "partner_form.html", context, refusal)


def _action(base: str, editing: str | None) -> str:
    return f"{base}/edit?{urlencode({'name': editing})}" if editing else f"{base}/new"
