"""What every HTML page shares: templates, the logged-in user, CSRF, errors next to their field.

Pages translate: they read a form, call one ``Inventory`` method and render its answer or its
refusal. What a role may do is decided by the service layer; pages only hide what it would
refuse (``can``), so a forged request still gets the service's 403.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.datastructures import FormData

from serialtrack.domain.errors import Forbidden, Invalid, Problem, SerialtrackError, Unauthenticated
from serialtrack.domain.rules import heading
from serialtrack.entrypoints import wording
from serialtrack.entrypoints.api import CSRF_HEADER, SESSION_COOKIE
from serialtrack.inventory import Inventory

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATUS_WORDS = {
    "in_stock": "in stock", "reserved": "reserved", "in_transit": "in transit", "sold": "sold",
    "returned_to_supplier": "returned to supplier", "written_off": "written off",
    "adjusted_out": "adjusted out", "assembled": "in an assembled bundle",
}  # fmt: skip
TEMPLATES.env.filters["words"] = lambda value: STATUS_WORDS.get(
    str(value), str(value).replace("_", " ")
)
TEMPLATES.env.filters["kind_title"] = heading  # "Dispatch", "Sales return (credit note)"
TEMPLATES.env.filters["place"] = wording.place  # lines[0].serials[2] -> "line 1, serial 3"
TEMPLATES.env.filters["problem"] = wording.problem_line
TEMPLATES.env.filters["plainly"] = wording.plainly
# Document kinds whose lines pick serials from the stock at the form's ``location``.
PICKED_KINDS = ("sale", "dispatch", "transfer", "write_off")
TEMPLATES.env.globals["picked_kinds"] = PICKED_KINDS
# Kinds whose lines bring new units in: serial rows are allocated, batches get their expiry.
ENTERED_KINDS = ("receipt", "opening_balance")
TEMPLATES.env.globals["entered_kinds"] = ENTERED_KINDS
# Kinds whose batch lines take batches on hand at the form's ``location``.
BATCH_PICKED_KINDS = (*PICKED_KINDS, "purchase_return")
TEMPLATES.env.globals["batch_picked_kinds"] = BATCH_PICKED_KINDS
# Kinds whose pickers offer only sellable units (not past their expiry); a write-off takes any.
# A manager may let these take expired units ("allow expired").
SELLABLE_KINDS = ("sale", "dispatch", "transfer")
TEMPLATES.env.globals["sellable_kinds"] = SELLABLE_KINDS


@pass_context
def _may(context: Any, permission: str) -> bool:
    """``may("manage_catalog")``: whether the page's user may do it (the role, as the shop's
    settings extend it). Templates only hide; the service layer refuses."""
    return bool((context.get("can") or {}).get(permission))


TEMPLATES.env.globals["may"] = _may


class LoginFirstError(Exception):
    """Raised by ``page_user`` when nobody is logged in; the app answers with the login page."""


def page_user(request: Request) -> Inventory:
    """The session's inventory for a page; not logged in means: go to the login page."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise LoginFirstError
    try:
        inventory, csrf = request.app.state.inventory.via_session(cookie)
    except Unauthenticated:
        raise LoginFirstError from None
    request.state.csrf = csrf
    request.state.inv = inventory
    return inventory


Page = Annotated[Inventory, Depends(page_user)]


async def form_user(request: Request, inv: Page) -> Inventory:
    """A page that changes something: the session's inventory, after checking the CSRF token.

    The token comes as the ``csrf_token`` form field (plain forms) or the ``X-CSRF-Token``
    header (HTMX requests, set once on ``<body>``).
    """
    sent = request.headers.get(CSRF_HEADER) or ""
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = str((await request.form()).get("csrf_token") or "")
    if not hmac.compare_digest(sent, request.state.csrf):
        raise Forbidden("the form is stale; reload the page")
    return inv


FormPage = Annotated[Inventory, Depends(form_user)]


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` with the top bar's context: user, role's permissions, CSRF token."""
    inv: Inventory | None = getattr(request.state, "inv", None)
    base: dict[str, Any] = {"user": None, "can": {}, "csrf": "", "errors": {}, "problems": []}
    if inv is not None:
        base["user"] = inv.actor
        base["can"] = {p.value: True for p in inv.permissions()}
        base["csrf"] = request.state.csrf
    base["help_page"] = help_page(request.url.path)
    shown = _flash_of(request) if not request.headers.get("HX-Request") else None
    if shown is not None:
        base["flash"] = shown
    response = TEMPLATES.TemplateResponse(
        request, template, {**base, **(context or {})}, status_code=status_code, headers=headers
    )
    if request.cookies.get(FLASH_COOKIE) and not request.headers.get("HX-Request"):
        response.delete_cookie(FLASH_COOKIE, path="/")  # shown once (or dropped when forged)
    return response


# --- a message confirming a save, shown once on the page the POST redirects to -----------------
FLASH_COOKIE = "serialtrack_flash"


def saved(request: Request, url: str, message: str) -> RedirectResponse:
    """POST-redirect-GET to ``url``, which then shows ``message`` once ("Product PHN saved").

    The message travels in a short-lived cookie signed with the session's own secret (its CSRF
    token): another session, or a forged cookie, shows nothing."""
    response = RedirectResponse(url, status_code=303)
    payload = base64.urlsafe_b64encode(message[:200].encode()).decode().rstrip("=")
    response.set_cookie(
        FLASH_COOKIE, f"{payload}.{_flash_signature(request, payload)}", max_age=120,
        httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    return response


def document_saved(request: Request, document: Any) -> RedirectResponse:
    """To the document's page, saying so: "Receipt RC-000003 posted"."""
    message = f"{heading(document.kind)} {document.number} {document.state.value}"
    return saved(request, f"/documents/{document.id}", message)


def _flash_signature(request: Request, payload: str) -> str:
    secret = str(getattr(request.state, "csrf", "") or "").encode()
    return hmac.new(secret, b"flash:" + payload.encode(), hashlib.sha256).hexdigest()[:32]


def _flash_of(request: Request) -> str | None:
    cookie = request.cookies.get(FLASH_COOKIE) or ""
    payload, _, signature = cookie.partition(".")
    if not payload or not getattr(request.state, "csrf", ""):
        return None
    if not hmac.compare_digest(signature, _flash_signature(request, payload)):
        return None
    try:
        return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except ValueError:
        return None


# --- which help page the header's Help link opens, by the page's address -----------------------
HELP_BY_PATH = (
    ("/counter", "counter"), ("/sales", "sell"), ("/receipts", "receive"),
    ("/opening-balances", "receive"), ("/sales-returns", "returns"), ("/refunds", "returns"),
    ("/purchase-returns", "returns"), ("/supplier-returns", "returns"),
    ("/products", "products"), ("/product", "products"), ("/serials", "serials"),
    ("/serial", "serials"), ("/documents", "documents"), ("/transfers", "transfers"),
    ("/write-offs", "transfers"), ("/counts", "counts"), ("/discrepancies", "counts"),
    ("/stock", "stock"), ("/journal", "stock"), ("/locations", "locations"),
    ("/partners", "partners"), ("/help", ""),
)  # fmt: skip


def help_page(path: str) -> str:
    """The help page (``/help/<page>``) about the screen at ``path``; "" for the help index."""
    if path == "/":
        return "home"
    for prefix, page in HELP_BY_PATH:
        if path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "?"):
            return page
    return ""


def refusal_context(error: SerialtrackError) -> dict[str, Any]:
    """A refusal for a template: the message, every problem, and the problems by field."""
    errors: dict[str, str] = {}
    for problem in error.problems:
        if problem.where and problem.where not in errors:
            errors[problem.where] = problem.message
    return {"refusal": error.message, "problems": error.problems, "errors": errors}


def status_of(error: SerialtrackError) -> int:
    from serialtrack.entrypoints.problems import problem_parts

    return problem_parts(error)[0]


_LINE_FIELD = re.compile(r"^lines-(\d+)-(\w+)$")


def form_lines(form: FormData) -> list[dict[str, Any]]:
    """Lines from ``lines-<i>-sku``, ``lines-<i>-quantity`` and repeated ``lines-<i>-serial``.

    Rows left empty stay in (the service names them), but a line with no product, no quantity
    and no serials is a blank row of the form and is dropped.
    """
    lines = [form_line(form, i) for i in line_indexes(form)]
    return [
        x for x in lines
        if x["sku"] or x["quantity"] is not None or any(x["serials"]) or x["batches"]
    ]  # fmt: skip


def line_indexes(form: FormData) -> list[int]:
    return sorted({int(m[1]) for key in form if (m := _LINE_FIELD.match(key))})


def form_line(form: FormData, i: int) -> dict[str, Any]:
    """Line ``i`` of a form as typed: its product, quantity and serial rows (blank ones too),
    its batch rows (``lines-<i>-batch-code``/``-quantity``/``-expiry``, blank rows left out),
    and the expiry and supplier warranty days of the serials it brings in."""
    return {
        "index": i,
        "sku": str(form.get(f"lines-{i}-sku") or "").strip(),
        "quantity": _number(form.get(f"lines-{i}-quantity")),
        "serials": [str(s) for s in form.getlist(f"lines-{i}-serial")],
        "batches": form_batches(form, i),
        "expiry": str(form.get(f"lines-{i}-expiry") or "").strip(),
        "warranty_days": str(form.get(f"lines-{i}-warranty_days") or "").strip(),
        "lot": str(form.get(f"lines-{i}-lot") or "").strip(),  # a serial+batch line's batch
    }


def form_batches(form: FormData, i: int) -> list[dict[str, str]]:
    """Line ``i``'s batch rows as typed; a row with nothing in it is left out, so the service's
    ``lines[i].batches[j]`` is the j-th row the form shows again."""
    columns = [form.getlist(f"lines-{i}-batch-{k}") for k in ("code", "quantity", "expiry")]
    rows = []
    for position in range(max(len(c) for c in columns)):
        code, quantity, expiry = (
            str(c[position]).strip() if position < len(c) else "" for c in columns
        )
        if code or quantity or expiry:
            rows.append({"code": code, "quantity": quantity, "expiry": expiry})
    return rows


def service_lines(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Form lines as ``Inventory`` takes them: serials only where the form had serial rows,
    batches where it had batch rows; dates and numbers as typed, for the service to check."""
    given = []
    for line in lines:
        item: dict[str, Any] = {"sku": line["sku"], "quantity": line["quantity"]}
        if line["serials"]:
            item["serials"] = line["serials"]
        if line.get("batches"):
            item["batches"] = [
                {"code": b["code"], "quantity": _whole(b["quantity"]), "expiry": text(b["expiry"])}
                for b in line["batches"]
            ]
        if line.get("expiry"):
            item["expiry"] = line["expiry"]
        if line.get("lot"):
            item["batch"] = line["lot"]
        if line.get("warranty_days"):
            item["warranty_days"] = _whole(line["warranty_days"])
        given.append(item)
    return given


def _whole(value: str) -> int | str | None:
    """A whole number as typed: an int when it is one; anything else for the service to name."""
    stripped = value.strip()
    try:
        return int(stripped) if stripped else None
    except ValueError:
        return stripped


def _number(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def text(value: Any) -> str | None:
    """A form field as the service wants it: stripped, or None when empty."""
    stripped = str(value or "").strip()
    return stripped or None


def form_dates(values: dict[str, Any]) -> dict[str, date | None]:
    """Date fields (``YYYY-MM-DD``) as dates; every bad one named by its field, like the service."""
    dates: dict[str, date | None] = {}
    problems = []
    for key, value in values.items():
        given = text(value)
        try:
            dates[key] = date.fromisoformat(given) if given else None
        except ValueError:
            problems.append(Problem(key, "a date is written YYYY-MM-DD"))
    if problems:
        raise Invalid("the date is not valid", problems)
    return dates
