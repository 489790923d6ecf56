"""The JSON API under ``/api/v1``: every route authenticates, then calls one ``Inventory`` method.

Roles are checked by the services. The one exception: a document's role is also checked here,
before its pasted serial ranges are expanded, and the serials one request names are counted
(ranges by arithmetic) and capped, so no caller can make the server expand millions of codes.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    Header,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from serialtrack.domain.codes import MAX_CODE_LENGTH
from serialtrack.domain.entry import split_codes
from serialtrack.domain.errors import Forbidden, Invalid, Problem, Unauthenticated
from serialtrack.domain.model import (
    BatchInput,
    LineInput,
    Location,
    Partner,
    Product,
    SerialView,
)
from serialtrack.domain.permissions import minimum_permission, require
from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.problems import problem_parts
from serialtrack.inventory import Inventory
from serialtrack.services import bundles as bundle_service
from serialtrack.services import idempotency
from serialtrack.services.assembly import UnitInput
from serialtrack.services.header import HeaderInput
from serialtrack.services.queries import SUMMARY_MOVES, DocumentView
from serialtrack.services.serials import ScanResult

SESSION_COOKIE = "serialtrack_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Serials one document request may name, ranges counted (SERIALTRACK_MAX_REQUEST_SERIALS).
MAX_REQUEST_SERIALS = int(os.environ.get("SERIALTRACK_MAX_REQUEST_SERIALS") or 100_000)
_LAST_NUMBER = re.compile(r"(.*?)([0-9]+)([^0-9]*)", re.DOTALL)  # as domain.entry reads ranges
_CODE = re.compile(r"(?:[^\s,;]|[\x1c-\x1f])+")  # what domain.entry.split_codes splits out

router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES)


def base(request: Request) -> Inventory:
    return request.app.state.inventory


def client_address(request: Request) -> str | None:
    """The caller's address, as failed logins are recorded and throttled by it."""
    return request.client.host if request.client else None


def authenticated(request: Request) -> Inventory:
    """The inventory acting as the caller: a bearer token, or a session cookie plus CSRF token.
    A session whose user must change their password is refused (``password_session``)."""
    return _caller(request, password_change=False)


def _caller(request: Request, *, password_change: bool) -> Inventory:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("send the API token as: Authorization: Bearer <token>")
        return base(request).via_token(token.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        inventory, csrf = base(request).via_session(cookie, password_change=password_change)
        sent = request.headers.get(CSRF_HEADER, "")
        if request.method not in SAFE_METHODS and not hmac.compare_digest(sent, csrf):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header for this session")
        return inventory
    raise Unauthenticated("log in, or send Authorization: Bearer <token>")


def password_session(request: Request) -> Inventory:
    """Like ``authenticated``, but also lets in a session whose user must change their
    password (for changing it, or logging out)."""
    return _caller(request, password_change=True)


Inv = Annotated[Inventory, Depends(authenticated)]
PasswordInv = Annotated[Inventory, Depends(password_session)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


async def in_one_hop(request: Request, work: Callable[..., Response], *args: Any) -> Response:
    """``work(inventory as the caller, *args)`` in one worker thread, the caller checked there.

    The counter's calls (``HOT_ROUTES``) use this rather than ``Inv`` and a response model: a
    sync dependency, a sync endpoint and a response model are three hops to the thread pool
    (about 0.1 ms each on a quiet machine, more when it is busy); this is one. Their answers
    are the same bytes: ``json_answer`` serializes as FastAPI does for a response model."""
    return await run_in_threadpool(lambda: work(authenticated(request), *args))


def json_answer(value: Any, model: Any, status_code: int = 200) -> Response:
    """``value`` as FastAPI answers a route whose response model is ``model``: Pydantic's
    JSON of it, by alias."""
    return Response(_adapter(model).dump_json(value, by_alias=True), status_code,
                    media_type="application/json")  # fmt: skip


@functools.cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def _page(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    return {"items": items[offset : offset + limit], "total": len(items)}


@router.get("/health", tags=["auth"])
def health() -> dict[str, str]:
    """Whether the server answers (no login needed)."""
    import serialtrack

    return {"status": "ok", "version": serialtrack.__version__}


# --- session and the caller ------------------------------------------------------------
@router.post("/session", tags=["auth"])
def log_in(body: m.LoginIn, request: Request, response: Response) -> dict[str, Any]:
    """Log in with a password: sets the session cookie; send the returned CSRF token back in
    the ``X-CSRF-Token`` header on every non-GET request made with that cookie."""
    client = client_address(request)
    session = base(request).login(body.username, body.password, client=client)
    response.set_cookie(
        SESSION_COOKIE, session.token, httponly=True, samesite="lax",
        secure=request.url.scheme == "https", max_age=12 * 3600, path="/",
    )  # fmt: skip
    actor = session.actor
    return {
        "username": actor.username, "role": actor.role.value, "csrf_token": session.csrf_token,
        "must_change_password": session.must_change_password,
    }  # fmt: skip


@router.delete("/session", status_code=204, tags=["auth"])
def log_out(request: Request, inv: PasswordInv) -> Response:
    base(request).logout(request.cookies.get(SESSION_COOKIE, ""))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", tags=["auth"])
def me(inv: Inv) -> dict[str, Any]:
    return {"username": inv.actor.username, "role": inv.actor.role.value}


# --- products, locations, partners -------------------------------------------------------
@router.get("/products", tags=["catalog"])
def list_products(
    inv: Inv, text: str | None = None, tracking: str | None = None,
    offset: Offset = 0, limit: Limit = 100,
) -> dict[str, Any]:  # fmt: skip
    found = inv.products(text=text, tracking=tracking)
    return jsonable_encoder(_page(found, offset, limit))


@router.post("/products", status_code=201, tags=["catalog"])
def create_product(inv: Inv, body: m.ProductIn) -> Product:
    fields = body.model_dump(exclude={"sku", "name", "tracking"})
    return inv.add_product(body.sku, body.name, body.tracking.value, **fields)


@router.get("/products/{sku}", tags=["catalog"])
def read_product(inv: Inv, sku: str) -> Product:
    return inv.product(sku)


@router.patch("/products/{sku}", tags=["catalog"])
def update_product(inv: Inv, sku: str, body: m.ProductPatch) -> Product:
    return inv.update_product(sku, **body.changes())


@router.get("/products/{sku}/next-batch-code", tags=["catalog"])
def next_batch_code(
    inv: Inv, sku: str, on: Annotated[date | None, Query(alias="date")] = None
) -> dict[str, Any]:
    """The batch code a receipt dated ``date`` (today) would get from the product's batch
    pattern; asking does not take it."""
    return {"sku": sku, "code": inv.next_batch_code(sku, on)}


@router.get("/products/{sku}/components", tags=["catalog"])
def read_components(
    inv: Inv, sku: str, location: Annotated[str | None, Query(max_length=120)] = None
) -> dict[str, Any]:
    """A bundle's components (empty for a product that is no bundle); with ``location``, how
    many bundles that store can sell now and what each component allows."""
    answer = _components(inv, sku)
    if location is not None:
        answer["stock"] = bundle_service.as_dict(inv.bundle_stock(sku, location))
    return answer


@router.put("/products/{sku}/components", tags=["catalog"])
def set_components(inv: Inv, sku: str, body: m.ComponentsIn) -> dict[str, Any]:
    """Make the product a bundle of these components (managers). A bundle is quantity-only
    and holds no stock: selling it moves its components. Refused while it has stock itself."""
    inv.set_components(sku, [(c.sku, c.quantity) for c in body.components])
    return _components(inv, sku)


def _components(inv: Inventory, sku: str) -> dict[str, Any]:
    return {
        "sku": inv.product(sku).sku,
        "components": [
            {"sku": c.product.sku, "name": c.product.name,
             "tracking": c.product.tracking.value, "quantity": c.quantity}
            for c in inv.components(sku)
        ],
    }  # fmt: skip


@router.post("/assemblies", status_code=201, tags=["documents"])
def assemble(inv: Inv, body: m.AssemblyIn) -> DocumentView:
    """Assemble units of a serial-tracked bundle ahead, into stock at ``location``: each
    takes one of each part from that store (its parts' serials recorded as its contents) and
    gets its own serial. Posted at once (``AS-``); cancelling restores exactly."""
    units = [
        UnitInput(u.serial, tuple(u.parts or ()), tuple(_component(c) for c in u.components or ()))
        for u in body.units
    ]
    return inv.assemble(body.sku, location=body.location, units=units, date=body.date,
                        note=body.note)  # fmt: skip


@router.post("/disassemblies", status_code=201, tags=["documents"])
def disassemble(inv: Inv, body: m.DisassemblyIn) -> DocumentView:
    """Take assembled units apart at ``location``: exactly their parts come back into stock
    there (``DA-``)."""
    return inv.disassemble(body.sku, body.serials, location=body.location, date=body.date,
                           note=body.note)  # fmt: skip


@router.get("/locations", tags=["catalog"])
def list_locations(
    inv: Inv, offset: Offset = 0, limit: Limit = 100, archived: bool = False
) -> dict[str, Any]:
    """The locations in use (``archived=true``: the archived ones too, ``active`` false)."""
    return jsonable_encoder(_page(inv.locations(archived=archived), offset, limit))


@router.post("/locations", status_code=201, tags=["catalog"])
def create_location(inv: Inv, body: m.LocationIn) -> Location:
    return inv.add_location(body.name, body.kind, gln=body.gln)


@router.get("/locations/{name}", tags=["catalog"])
def read_location(inv: Inv, name: str) -> Location:
    return inv.location(name)


@router.patch("/locations/{name}", tags=["catalog"])
def update_location(inv: Inv, name: str, body: m.LocationPatch) -> Location:
    """Rename a store, set its GLN (an empty one clears it), or archive it (``active``: false;
    refused while it holds stock) or restore it (``active``: true)."""
    return inv.update_location(name, **body.model_dump(exclude_unset=True))


@router.get("/partners", tags=["catalog"])
def list_partners(
    inv: Inv,
    role: str | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
    archived: bool = False,
) -> dict[str, Any]:
    """The partners in use (``archived=true``: the archived ones too, ``active`` false)."""
    found = [
        p for p in inv.partners(archived=archived)
        if role is None or (role == "supplier" and p.is_supplier)
        or (role == "customer" and p.is_customer)
    ]  # fmt: skip
    return jsonable_encoder(_page(found, offset, limit))


@router.post("/partners", status_code=201, tags=["catalog"])
def create_partner(inv: Inv, body: m.PartnerIn) -> Partner:
    contact = body.model_dump(include={"phone", "email", "address", "gln"}, exclude_none=True)
    return inv.add_partner(body.name, supplier=body.supplier, customer=body.customer, **contact)


@router.get("/partners/{name}", tags=["catalog"])
def read_partner(inv: Inv, name: str) -> Partner:
    return inv.partner(name)


@router.patch("/partners/{name}", tags=["catalog"])
def update_partner(inv: Inv, name: str, body: m.PartnerPatch) -> Partner:
    return inv.update_partner(name, **body.model_dump(exclude_unset=True))


# --- documents ---------------------------------------------------------------------------
@router.post("/documents", status_code=201, tags=["documents"], response_model=Any)
async def create_document(
    request: Request,
    body: m.DocumentIn,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Create a document (posted at once unless ``post`` is false).

    With an ``Idempotency-Key`` header a retry with the same key and body returns the first
    answer (with the header ``Idempotent-Replayed: true``) instead of acting again; the same
    key with another body is a 409. The key, the document and the answer are stored in one
    transaction, so a request cut short leaves nothing behind and its retry runs afresh.
    """
    return await in_one_hop(request, _create_document, body, idempotency_key)


def _create_document(inv: Inventory, body: m.DocumentIn, idempotency_key: str | None) -> Any:
    lines = _admitted_lines(inv, body)
    if not idempotency_key:
        document = inv.create_document(body.kind, lines, post=body.post, **_header(body))
        return json_answer(document, Any, status_code=201)
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    answer = idempotency.create_document(
        inv.store, inv.actor, idempotency_key, digest, HeaderInput(body.kind, **_header(body)),
        lines, post=body.post, encode=jsonable_encoder, refusal=problem_parts, clock=inv.clock,
    )  # fmt: skip
    media = "application/json" if answer.status_code < 400 else "application/problem+json"
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(
        answer.body, status_code=answer.status_code, media_type=media, headers=headers
    )


def _admitted_lines(inv: Inventory, body: m.DocumentIn) -> list[LineInput]:
    """The lines, ranges expanded, once the caller may make this kind of document and the
    request names at most ``MAX_REQUEST_SERIALS`` serials (counted without expanding)."""
    require(inv.actor, minimum_permission(body.kind))
    _check_serial_count(body)
    return _lines(body)


def _check_serial_count(body: m.DocumentIn) -> None:
    total, first_over = 0, None
    for index, line in enumerate(body.lines):
        total += len(line.serials or ()) + _text_size(line.serial_text)
        total += sum(len(part.serials or ()) for part in line.components or ())
        if total > MAX_REQUEST_SERIALS and first_over is None:
            first_over = index
    if first_over is not None:
        message = (
            f"the request names {total:,} serials (ranges counted); at most "
            f"{MAX_REQUEST_SERIALS:,} in one request: line {first_over} goes over"
        )
        raise Invalid(
            f"too many serials in one request: {total:,}, at most {MAX_REQUEST_SERIALS:,}",
            [Problem(f"lines[{first_over}]", message, "too-many")],
        )


def _text_size(text: str | None) -> int:
    """How many codes pasted text stands for, ranges counted by arithmetic, not expanded."""
    if not text:
        return 0
    if ".." not in text:  # no range: count the codes without making a list of them
        return _CODE.subn("", text)[1]
    return sum(_range_size(token) if ".." in token else 1 for token in split_codes(text))


def _range_size(token: str) -> int:
    start, _, end = token.partition("..")
    if len(start) > MAX_CODE_LENGTH or len(end) > MAX_CODE_LENGTH:
        return 1  # not a readable range: the parser names it
    first, last = _LAST_NUMBER.fullmatch(start), _LAST_NUMBER.fullmatch(end)
    if not first or not last:
        return 1
    return max(int(last[2]) - int(first[2]) + 1, 1)


def _header(body: m.DocumentIn) -> dict[str, Any]:
    return body.model_dump(include={
        "location", "partner", "number", "date", "reference", "origin", "note", "destination",
        "allow_expired",
    })  # fmt: skip


def _lines(body: m.DocumentIn) -> list[LineInput]:
    return [
        LineInput(
            line.sku,
            line.quantity,
            _codes(line, index),
            tuple(BatchInput(b.code or "", b.quantity, b.expiry) for b in line.batches or ()),
            line.expiry,
            line.warranty_days,
            tuple(_component(part) for part in line.components or ()),
            line.batch,
        )
        for index, line in enumerate(body.lines)
    ]


def _component(part: m.ComponentLineIn) -> LineInput:
    batches = tuple(BatchInput(b.code or "", b.quantity, b.expiry) for b in part.batches or ())
    serials = tuple(part.serials or ())
    return LineInput(part.sku, part.quantity, serials, batches, part.expiry, part.warranty_days)


def _codes(line: m.LineIn, index: int) -> tuple[str, ...]:
    from serialtrack.domain.entry import parse_entry

    codes = tuple(line.serials or ())
    if line.serial_text:
        codes += parse_entry(line.serial_text, where=f"lines[{index}].serial_text").codes
    return codes


@router.get("/documents", tags=["documents"])
def list_documents(
    inv: Inv,
    kind: str | None = None,
    state: str | None = None,
    partner: Annotated[str | None, Query(max_length=200)] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Documents, newest first; page with ``before_id`` = the previous page's ``next_before_id``."""
    rows = inv.documents(
        kind=kind, state=state, partner=partner, date_from=date_from, date_to=date_to,
        before_id=before_id, limit=limit,
    )  # fmt: skip
    following = rows[-1]["id"] if len(rows) == limit else None
    return jsonable_encoder({"items": rows, "next_before_id": following})


@router.get("/documents/{ref}", tags=["documents"])
def read_document(
    inv: Inv,
    ref: str,
    moves_limit: Annotated[int, Query(ge=0, le=1_000_000)] = SUMMARY_MOVES,
) -> DocumentView:
    """The document; of a large one at most ``moves_limit`` moves (and each line's serials
    among them): ``moves_total`` and each line's ``serials_total`` say how many there are,
    ``GET /documents/{ref}/moves?after_id={moves_next_after}`` pages through the rest."""
    return inv.document(document_ref(ref), moves_limit=moves_limit)


@router.get("/documents/{ref}/moves", tags=["documents"])
def read_document_moves(
    inv: Inv,
    ref: str,
    after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = SUMMARY_MOVES,
) -> dict[str, Any]:
    """A page of the document's moves in the order they were made; the next page is after
    ``next_after_id`` (null on the last page)."""
    items = inv.document_moves(document_ref(ref), after_id=after_id, limit=limit)
    following = items[-1].id if len(items) == limit else None
    return jsonable_encoder({"items": items, "next_after_id": following})


@router.put("/documents/{ref}", tags=["documents"])
def update_draft(inv: Inv, ref: str, body: m.DocumentIn) -> DocumentView:
    """Replace a draft's header and lines (it keeps its id and number); ``"post": true`` also
    posts it (without ``post`` it stays a draft)."""
    post = body.post if "post" in body.model_fields_set else False
    lines = _admitted_lines(inv, body)
    return inv.update_draft(document_ref(ref), lines, kind=body.kind, post=post, **_header(body))


@router.post("/documents/{ref}/post", tags=["documents"])
def post_document(inv: Inv, ref: str) -> DocumentView:
    return inv.post(document_ref(ref))


@router.post("/documents/{ref}/cancel", tags=["documents"])
def cancel_document(inv: Inv, ref: str) -> DocumentView:
    return inv.cancel(document_ref(ref))


@router.delete("/documents/{ref}", status_code=204, tags=["documents"])
def delete_draft(inv: Inv, ref: str) -> Response:
    inv.delete_draft(document_ref(ref))
    return Response(status_code=204)


def document_ref(ref: str) -> int | str:
    """A document id (digits) or number (RC-000001)."""
    return int(ref) if ref.isascii() and ref.isdigit() and len(ref) < 18 else ref


# --- serials -------------------------------------------------------------------------------
@router.get("/serials", tags=["serials"])
def list_serials(
    inv: Inv,
    sku: str | None = None,
    status: str | None = None,
    location: str | None = None,
    partner: Annotated[str | None, Query(max_length=200)] = None,
    text: Annotated[str | None, Query(max_length=100)] = None,
    received_from: date | None = None,
    received_to: date | None = None,
    sold_from: date | None = None,
    sold_to: date | None = None,
    sellable: Annotated[
        bool, Query(description="Leave out units past their expiry date (what a POS may offer).")
    ] = False,
    after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Serials, filtered; page with ``after_id`` = the previous page's ``next_after_id``."""
    rows = inv.serials(
        sku=sku, status=status, location=location, partner=partner, text=text,
        received_from=received_from, received_to=received_to,
        sold_from=sold_from, sold_to=sold_to, after_id=after_id, limit=limit, sellable=sellable,
    )  # fmt: skip
    following = rows[-1]["id"] if len(rows) == limit else None
    return jsonable_encoder({"items": rows, "next_after_id": following})


@router.get("/products/{sku}/serials/{code}", tags=["serials"], response_model=SerialView)
async def read_serial(request: Request, sku: str, code: str) -> Response:
    return await in_one_hop(request, lambda inv: json_answer(inv.serial(sku, code), SerialView))


@router.delete("/products/{sku}/serials/{code}", tags=["serials"])
def delete_serial(inv: Inv, sku: str, code: str, body: m.DeleteSerialIn) -> dict[str, Any]:
    """Delete a serial entered by mistake: only while nothing but the document that created it
    ever touched it; that document's line loses the unit. Otherwise the 409 says: write it off."""
    return {"deleted": code, "document": inv.delete_serial(sku, code, reason=body.reason)}


@router.post("/products/{sku}/tracking", tags=["catalog"])
def switch_tracking(inv: Inv, sku: str, body: m.TrackingIn) -> dict[str, Any]:
    """Switch the tracking mode. Refused (409, naming quantity and places) while there is
    stock, unless going from quantity to serial with serials for every unit on hand: then one
    serial assignment document is posted and returned (``generate``: new codes from the
    product's pattern for every unit on hand instead of ``serials``; print their labels with
    ``GET /api/v1/labels?document=SA-…``)."""
    document = inv.switch_tracking(
        sku, body.tracking.value, serials=body.serials, generate=body.generate
    )
    return jsonable_encoder({"product": inv.product(sku), "document": document})


@router.get("/batches", tags=["serials"])
def list_batches(inv: Inv, sku: str | None = None, location: str | None = None) -> dict[str, Any]:
    """Batch quantities on hand per store, with each batch's expiry."""
    return jsonable_encoder({"items": inv.batches(sku=sku, location=location)})


@router.get("/products/{sku}/batches/{code}", tags=["serials"])
def read_batch(inv: Inv, sku: str, code: str) -> Any:
    """A batch enquiry: product, expiry, the receipt it came on, where its parts are now
    (per store, in transit, with which customer or supplier, written off) and every move."""
    return jsonable_encoder(inv.batch(sku, code))


@router.post("/recall", tags=["serials"])
def recall(inv: Inv, body: m.RecallHoldIn) -> dict[str, Any]:
    """Every unit and quantity a recall concerns and where it is now — in which store, in
    transit, with which customer (invoice, date, the customer's phone, e-mail and address),
    returned, written off, inside an assembled unit or sold in a bundle: by serials, a batch,
    a receipt, or a supplier and dates.

    With ``"hold": true`` and a ``reason``, every unit and batch part still in stock is put
    on hold in the same transaction (one hold document per store, in ``holds``): nobody can
    sell, transfer or write it off until it is released (``POST /recall/release``, or
    ``/holds/{number}/release``). ``not_held`` says what could not be held and why."""
    view = inv.recall(**body.model_dump())
    return jsonable_encoder(
        {"scope": view.scope, "in_stock": view.in_stock, "with_customers": view.with_customers,
         "on_hold": view.on_hold, "holds": view.holds, "not_held": view.not_held,
         "items": view.rows}
    )  # fmt: skip


@router.post("/recall/release", tags=["serials"])
def release_recall(inv: Inv, body: m.RecallIn) -> dict[str, Any]:
    """Release every hold that holds units of this recall (managers): each brings all it
    still holds back to the store it came from. 409 when nothing of it is on hold."""
    released = inv.release_recall(**body.model_dump())
    return jsonable_encoder({"released": [d.number for d in released], "items": released})


@router.get("/holds", tags=["documents"])
def list_holds(inv: Inv) -> dict[str, Any]:
    """What is on hold: per hold (its number, date, the store it was taken from) and
    product, the quantity, serials and batches not yet released."""
    return jsonable_encoder({"items": inv.on_hold()})


@router.post("/transfers/{number}/close", tags=["documents"])
def close_transfer(inv: Inv, number: str, body: m.TransferCloseIn) -> dict[str, Any]:
    """Close a transfer short: what is still in transit goes ``back`` to the source (a
    transfer receipt there) or is written off as lost (``write_off`` with a ``reason``;
    managers). The documents made are listed; the transfer leaves "in transit"."""
    made = inv.close_transfer(number, outcome=body.outcome, reason=body.reason, date=body.date)
    return jsonable_encoder({"items": made})


@router.post("/holds/{number}/release", tags=["documents"])
def release_hold(inv: Inv, number: str, body: m.ReleaseIn | None = None) -> DocumentView:
    """Bring back to its store what hold ``number`` still has (managers), or the lines
    given; the rest stays on hold."""
    given = body or m.ReleaseIn()
    lines = None
    if given.lines is not None:
        lines = _lines(m.DocumentIn.model_construct(lines=given.lines))
    return inv.release(hold=number, lines=lines, note=given.note)


@router.post(
    "/recall.csv",
    tags=["serials"],
    responses={200: {"description": "The recall as CSV",
                     "content": {"text/csv": {"schema": {"type": "string"}}}}},
)  # fmt: skip
def recall_csv(inv: Inv, body: m.RecallIn) -> StreamingResponse:
    """The same recall as CSV (cells safe from formula injection)."""
    rows = inv.recall_csv(**body.model_dump())
    headers = {"Content-Disposition": 'attachment; filename="recall.csv"'}
    return StreamingResponse(rows, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/reports/warranty", tags=["serials"])
def warranty_ending(
    inv: Inv,
    days: Annotated[int, Query(ge=0, le=3650)] = 30,
    side: Annotated[str, Query(pattern="^(customer|supplier)$")] = "customer",
    sku: Annotated[str | None, Query(max_length=80)] = None,
) -> dict[str, Any]:
    """Units whose customer (or supplier) warranty ends within ``days`` days, soonest first,
    with customer and invoice (or supplier and receipt): a service desk's list."""
    return jsonable_encoder({"items": inv.warranty_ending(days, side=side, sku=sku)})


@router.get("/reports/expiring", tags=["serials"])
def expiring(
    inv: Inv,
    days: Annotated[int, Query(ge=0, le=3650)] = 30,
    location: Annotated[str | None, Query(max_length=120)] = None,
    sku: Annotated[str | None, Query(max_length=80)] = None,
) -> dict[str, Any]:
    """Serials and batch parts in the stores expiring (or reaching their ``alert`` date)
    within ``days`` days, expired included."""
    return jsonable_encoder({"items": inv.expiring(days, location=location, sku=sku)})


@router.get("/discrepancies", tags=["serials"])
def list_discrepancies(
    inv: Inv,
    limit: Limit = 100,
    state: Annotated[str, Query(pattern="^(open|resolved|all)$")] = "all",
) -> dict[str, Any]:
    """What to investigate: serials sold without a receipt, count differences; ``state``
    open, resolved or all (resolve one with ``POST /discrepancies/{id}/resolve``)."""
    return jsonable_encoder({"items": inv.discrepancies(state, limit=limit)})


# --- inventory counts ----------------------------------------------------------------------
@router.post("/counts", status_code=201, tags=["counts"])
def open_count(inv: Inv, body: m.CountIn) -> Any:
    """Open an inventory count of a store (of one product, with ``sku``)."""
    return inv.open_count(location=body.location, sku=body.sku, number=body.number,
                          note=body.note, blind=body.blind)  # fmt: skip


@router.get("/counts/{ref}", tags=["counts"])
def read_count(inv: Inv, ref: str) -> Any:
    """Expected against found so far; once posted, the differences it wrote."""
    return inv.count(document_ref(ref))


@router.post("/counts/{ref}/scans", tags=["counts"])
def count_scans(inv: Inv, ref: str, body: m.CountScansIn) -> dict[str, Any]:
    """Record serials found on the shelf; a serial scanned twice is counted once."""
    outcomes = inv.count_scan(document_ref(ref), body.scans, sku=body.sku)
    return jsonable_encoder({"items": outcomes, "count": inv.count(document_ref(ref))})


@router.post("/counts/{ref}/unscan", tags=["counts"])
def count_unscan(inv: Inv, ref: str, body: m.CountUnscanIn) -> dict[str, Any]:
    """Undo a wrong scan on an open count (``sku`` when several products have the code)."""
    removed = inv.count_unscan(document_ref(ref), body.scan, sku=body.sku)
    return jsonable_encoder({"item": removed, "count": inv.count(document_ref(ref))})


@router.delete("/counts/{ref}", status_code=204, tags=["counts"])
def discard_count(inv: Inv, ref: str) -> Response:
    """Discard an open count; a posted one is cancelled instead."""
    inv.discard_count(document_ref(ref))
    return Response(status_code=204)


@router.post("/counts/{ref}/quantities", tags=["counts"])
def count_quantities(inv: Inv, ref: str, body: m.CountQuantitiesIn) -> dict[str, Any]:
    """Record counted quantities of quantity-only and batch products (per batch); a later
    entry for the same product and batch replaces the earlier one."""
    lines = [line.model_dump() for line in body.lines]
    outcomes = inv.count_quantities(document_ref(ref), lines)
    return jsonable_encoder({"items": outcomes, "count": inv.count(document_ref(ref))})


@router.post("/counts/{ref}/post", tags=["counts"])
def post_count(inv: Inv, ref: str) -> Any:
    """Post the differences (cancel the count as a document to reverse them)."""
    return inv.post_count(document_ref(ref))


@router.post("/scan", tags=["serials"], response_model=ScanResult)
async def scan(request: Request, body: m.ScanIn) -> Response:
    """Resolve a scanned text: a plain code, a GS1 element string or a GS1 Digital Link."""
    return await in_one_hop(request, lambda inv: json_answer(inv.scan(body.text), ScanResult))


@router.post("/refunds/lookup", tags=["documents"])
def refund_lookup(inv: Inv, body: m.RefundLookupIn) -> dict[str, Any]:
    """What scanned serials (or a sales slip's number) name: each sold unit with its invoice,
    customer, sale date and whether it is under warranty; a 422 names each scan that names no
    sold unit. Nothing is written."""
    return jsonable_encoder({"items": inv.sold_units(body.scans)})


@router.post("/refunds", status_code=201, tags=["documents"])
def refund(inv: Inv, body: m.RefundIn) -> dict[str, Any]:
    """Refund by scan: the units the scans name come back into ``location``, one posted sales
    return (credit note) per invoice, each naming its invoice and carrying the ``reason``.
    All of them or, refused, none."""
    made = inv.refund(body.scans, location=body.location, reason=body.reason, date=body.date)
    return jsonable_encoder({"returns": made})


@router.post("/supplier-returns/lookup", tags=["documents"])
def supplier_return_lookup(inv: Inv, body: m.SupplierReturnLookupIn) -> dict[str, Any]:
    """What scanned serials name, each in stock at ``location``, with the receipt and supplier
    it came in on; a 422 names each scan that names no unit in stock there."""
    return jsonable_encoder({"items": inv.stock_units(body.scans, location=body.location)})


@router.post("/supplier-returns", status_code=201, tags=["documents"])
def supplier_return(inv: Inv, body: m.SupplierReturnIn) -> dict[str, Any]:
    """Purchase returns by scan: one posted purchase return (debit note) per receipt the
    units came in on, each naming it, with the ``reason``; units that came in without a
    receipt go to ``supplier``. All of them or, refused, none."""
    made = inv.return_scanned_to_suppliers(
        body.scans, location=body.location, reason=body.reason, supplier=body.supplier,
        date=body.date,
    )  # fmt: skip
    return jsonable_encoder({"returns": made})


@router.post("/serials/parse", tags=["serials"])
def parse_serials(inv: Inv, body: m.EntryIn) -> dict[str, Any]:
    """Turn pasted text with ``A..B`` ranges into codes, or a 422 naming each bad entry."""
    codes = inv.parse_serials(body.text)
    return {"codes": codes, "count": len(codes)}


@router.post("/serials/rule", tags=["serials"])
def rule_serials(inv: Inv, body: m.RuleIn) -> dict[str, Any]:
    """Codes from a numbering rule (seed 003): prefix, start, increment, count, width, suffix."""
    codes = inv.rule_serials(**body.model_dump(), where="body")
    return {"codes": codes, "count": len(codes)}


@router.post("/products/{sku}/serials/generate", tags=["serials"])
def generate_serials(inv: Inv, sku: str, body: m.GenerateIn) -> dict[str, Any]:
    """New codes from the product's serial pattern; never handed out twice."""
    return {"codes": inv.generate_serials(sku, body.count)}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/imports/template",
    tags=["imports"],
    response_class=Response,
    responses={200: {"description": "The template file", "content": {
        "text/csv": {"schema": {"type": "string"}},
        XLSX: {"schema": {"type": "string", "format": "binary"}},
    }}},
)  # fmt: skip
def import_template(
    inv: Inv, format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv"
) -> Response:
    """The bulk import template: sku, product name, location, serial, batch, expiry, quantity."""
    if format == "xlsx":
        content = inv.import_template(xlsx=True)
        return Response(content, media_type=XLSX, headers=_attachment("xlsx"))
    return Response(inv.import_template(), media_type="text/csv", headers=_attachment("csv"))


def _attachment(extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="serials-template.{extension}"'}


@router.post("/imports", status_code=201, tags=["imports"])
def import_serials(
    inv: Inv,
    file: Annotated[UploadFile, File(description="A CSV or XLSX file in the template's columns")],
    location: Annotated[str | None, Form(max_length=120)] = None,
    supplier: Annotated[str | None, Form(max_length=200)] = None,
    number: Annotated[str | None, Form(max_length=60)] = None,
    reference: Annotated[str | None, Form(max_length=120)] = None,
    check_only: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Import a file of serials whole: every row is checked first, and any bad row (named with
    its row number) refuses the file with nothing written. ``check_only`` writes nothing."""
    result = inv.import_serials(
        file.file.read(), file.filename or "", location=location, supplier=supplier,
        number=number, reference=reference, check_only=check_only,
    )  # fmt: skip
    numbers = [inv.document(d).number for d in result.documents]
    return {"rows": result.rows, "serials": result.serials, "units": result.units,
            "documents": numbers, "warnings": result.warnings,
            "check_only": check_only}  # fmt: skip


# --- the counter's calls are tried first -------------------------------------------------
# FastAPI tries a request against the routes in order (twice, at a few microseconds each):
# the calls a till or a scanner makes all day come first. Each matches no other route's path
# (tests/e2e/test_api_routes.py), so their place changes no answer, only its speed.
HOT_ROUTES = (
    ("POST", "/api/v1/documents"),
    ("GET", "/api/v1/products/{sku}/serials/{code}"),
    ("POST", "/api/v1/scan"),
)


def _hot_routes_first() -> None:
    def hot(route: Any) -> bool:
        path = getattr(route, "path", None)
        return any((method, path) in HOT_ROUTES for method in getattr(route, "methods", ()))

    first = [route for route in router.routes if hot(route)]
    if len(first) != len(HOT_ROUTES):
        raise RuntimeError(f"a route of HOT_ROUTES is not defined: {HOT_ROUTES}")
    router.routes[:] = first + [route for route in router.routes if not hot(route)]


_hot_routes_first()
