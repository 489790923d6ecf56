"""User pages: admins list, add, change the role of, disable or enable users and reset their
passwords (``/users``); everyone changes their own password (``/password``).

A password an admin hands out (a new user's, a reset) is generated, shown once on the answer
to that post (never stored in a link or the page after it) and must be changed at the next
login: until then every other page sends that user to ``/password`` (``install`` adds the
redirect). Every write goes through the same ``Inventory`` method as the API and the CLI, in
one transaction, after the CSRF check.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from serialtrack.domain.errors import Forbidden, Invalid, Problem, SerialtrackError, Unauthenticated
from serialtrack.domain.model import Role
from serialtrack.entrypoints.api import CSRF_HEADER, SESSION_COOKIE, client_address
from serialtrack.entrypoints.pages import (
    FormPage,
    LoginFirstError,
    Page,
    refusal_context,
    render,
    status_of,
)
from serialtrack.entrypoints.problems import MEDIA, problem_parts
from serialtrack.inventory import Inventory
from serialtrack.services.auth import PasswordChangeRequired

router = APIRouter(include_in_schema=False)
ROLES = [r.value for r in Role]


def install(app: FastAPI) -> None:
    """Add these pages to ``app`` and send a user who must change their password to
    ``/password`` from every other page (the API answers 403 with a problem instead)."""
    if getattr(app.state, "users_pages", False):
        return
    app.state.users_pages = True
    app.include_router(router)

    @app.exception_handler(PasswordChangeRequired)
    async def to_password(request: Request, error: PasswordChangeRequired) -> Response:
        if request.url.path.startswith(("/api/", "/reports/")):
            status, body = problem_parts(error)
            return JSONResponse(body, status_code=status, media_type=MEDIA)
        return RedirectResponse("/password", status_code=303)


# --- one's own password ------------------------------------------------------------------------
async def password_user(request: Request) -> Inventory:
    """The session's inventory, also for a user who must change their password; the CSRF
    token is checked on posts (form field or header), as ``form_user`` does."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise LoginFirstError
    try:
        inventory, csrf = request.app.state.inventory.via_session(cookie, password_change=True)
    except Unauthenticated:
        raise LoginFirstError from None
    request.state.csrf = csrf
    request.state.inv = inventory
    if request.method == "POST":
        sent = request.headers.get(CSRF_HEADER) or ""
        if not sent:
            sent = str((await request.form()).get("csrf_token") or "")
        if not hmac.compare_digest(sent, csrf):
            raise Forbidden("the form is stale; reload the page")
    return inventory


PasswordPage = Annotated[Inventory, Depends(password_user)]


@router.get("/password", response_class=HTMLResponse)
def password_form(request: Request, inv: PasswordPage) -> HTMLResponse:
    return _password_page(request, inv)


@router.post("/password")
async def change_password(request: Request, inv: PasswordPage) -> Response:
    form = await request.form()
    current = str(form.get("current_password") or "")
    new, again = str(form.get("password") or ""), str(form.get("password_again") or "")
    if new != again:
        refusal = Invalid(
            "the two new passwords differ; nothing was changed",
            [Problem("password_again", "not the same as the new password")],
        )
        return _password_page(request, inv, refusal)
    try:
        inv.update_user(
            inv.actor.username, password=new, current_password=current,
            keep_session=request.cookies.get(SESSION_COOKIE),
            client=client_address(request),
        )  # fmt: skip
    except SerialtrackError as error:
        return _password_page(request, inv, error)
    return _password_page(request, inv, notice="Your password was changed.")


@router.post("/password/logout")
def password_logout(request: Request, inv: PasswordPage) -> Response:
    """Log out, also for a user who has not changed their password yet."""
    request.app.state.inventory.logout(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _password_page(
    request: Request, inv: Inventory, refusal: SerialtrackError | None = None, *,
    notice: str = "",
) -> HTMLResponse:  # fmt: skip
    context: dict[str, Any] = {
        "title": "Change your password", "notice": notice,
        "must_change": inv.must_change_password(),
    }  # fmt: skip
    if refusal is None:
        return render(request, "password.html", context)
    context.update(refusal_context(refusal))
    return render(request, "password.html", context, status_code=status_of(refusal))


# --- users (admins) ----------------------------------------------------------------------------
@router.get("/users", response_class=HTMLResponse)
def users(request: Request, inv: Page) -> HTMLResponse:
    return _users_page(request, inv)


@router.get("/users/new", response_class=HTMLResponse)
def new_user(request: Request, inv: Page) -> HTMLResponse:
    inv.users()  # admins only: anyone else gets the service's 403 here already
    return _user_form(request, {"username": "", "role": "clerk"})


@router.post("/users/new")
async def create_user(request: Request, inv: FormPage) -> Response:
    form = await request.form()
    values = {"username": str(form.get("username") or ""), "role": str(form.get("role") or "")}
    try:
        user, password = inv.add_user_one_time(values["username"], values["role"])
    except SerialtrackError as refusal:
        return _user_form(request, values, refusal)
    return _users_page(request, inv, shown={"username": user["username"], "password": password})


@router.post("/users/role")
async def set_role(request: Request, inv: FormPage, name: str) -> Response:
    form = await request.form()
    return _change(request, inv, name, role=str(form.get("role") or ""))


@router.post("/users/disable")
def disable_user(request: Request, inv: FormPage, name: str) -> Response:
    return _change(request, inv, name, active=False)


@router.post("/users/enable")
def enable_user(request: Request, inv: FormPage, name: str) -> Response:
    return _change(request, inv, name, active=True)


@router.post("/users/reset")
def reset_password(request: Request, inv: FormPage, name: str) -> Response:
    try:
        password = inv.reset_password(name)
    except SerialtrackError as refusal:
        return _users_page(request, inv, refusal=refusal)
    return _users_page(request, inv, shown={"username": name, "password": password})


def _change(request: Request, inv: Inventory, name: str, **change: Any) -> Response:
    try:
        inv.update_user(name, **change)
    except SerialtrackError as refusal:
        return _users_page(request, inv, refusal=refusal)
    return RedirectResponse("/users", status_code=303)


def _users_page(
    request: Request, inv: Inventory, *, shown: dict[str, str] | None = None,
    refusal: SerialtrackError | None = None,
) -> HTMLResponse:  # fmt: skip
    context: dict[str, Any] = {
        "title": "Users", "users": inv.users(), "roles": ROLES, "shown": shown,
    }  # fmt: skip
    if refusal is None:
        return render(request, "users.html", context)
    context.update(refusal_context(refusal))
    return render(request, "users.html", context, status_code=status_of(refusal))


def _user_form(
    request: Request, values: dict[str, str], refusal: SerialtrackError | None = None
) -> HTMLResponse:
    context = {"title": "New user", "user_values": values, "roles": ROLES}
    if refusal is None:
        return render(request, "user_form.html", context)
    context.update(refusal_context(refusal))
    return render(request, "user_form.html", context, status_code=status_of(refusal))
