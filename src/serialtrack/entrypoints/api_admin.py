"""The JSON API's administration routes: users, API tokens, settings (under ``/api/v1``).

Like every route, these authenticate and call one ``Inventory`` method; the roles are checked
by the services.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import Field, StringConstraints

from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.api import (
    SESSION_COOKIE,
    Inv,
    PasswordInv,
    authenticated,
    client_address,
)
from serialtrack.services.auth import MAX_TOKEN_DAYS

router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES)
Password = Annotated[str, StringConstraints(max_length=1024)]


class UserChangeIn(m.Strict):
    """A change to a user; fields left out stay as they are. Refused changes write nothing."""

    password: Password | None = None
    current_password: Password | None = Field(
        None, description="Required to change your own password; not for others' (admins)."
    )
    role: m.RoleName | None = Field(
        None, description="Admins only; the last active admin stays one."
    )
    active: bool | None = Field(None, description="Admins only; not for yourself.")


class NewUserIn(m.UserIn):
    one_time: bool = Field(
        False, description="The password is handed out: the user must change it at first login."
    )


class NewTokenIn(m.TokenIn):
    days: Annotated[int, Field(ge=1, le=MAX_TOKEN_DAYS)] | None = Field(
        None, description="The token stops working this many days from now (never when left out)."
    )


# --- users, tokens, settings ---------------------------------------------------------------
@router.get("/users", tags=["admin"])
def list_users(inv: Inv) -> dict[str, Any]:
    return jsonable_encoder({"items": inv.users()})


@router.post("/users", status_code=201, tags=["admin"])
def create_user(inv: Inv, body: NewUserIn) -> dict[str, Any]:
    """Add a user; with ``one_time`` they must change the password at their first login."""
    return inv.add_user(body.username, body.role.value, body.password, one_time=body.one_time)


@router.post("/users/{username}/password-reset", tags=["admin"])
def reset_password(inv: Inv, username: str) -> dict[str, Any]:
    """Give the user a generated one-time password, in this answer only: their sessions end
    and they must change it at their next login (admins)."""
    return {"username": username, "password": inv.reset_password(username),
            "must_change_password": True}  # fmt: skip


@router.patch("/users/{username}", tags=["admin"])
def update_user(
    inv: PasswordInv, username: str, body: UserChangeIn, request: Request
) -> dict[str, Any]:
    """Change a password, role or active flag, all or nothing. Your own password needs
    ``current_password`` (a wrong one counts as a failed login); a new password ends the
    user's other browser sessions. A session whose user must change their password may do
    this (for its own password) and nothing else."""
    if body.role is not None or body.active is not None or username != inv.actor.username:
        inv = authenticated(request)  # anything but one's own password: checked as usual
    user = inv.update_user(
        username, password=body.password, current_password=body.current_password,
        role=body.role.value if body.role is not None else None, active=body.active,
        keep_session=request.cookies.get(SESSION_COOKIE), client=client_address(request),
    )  # fmt: skip
    return jsonable_encoder(user)


@router.get("/login-failures", tags=["admin"])
def list_login_failures(
    inv: Inv,
    username: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Recent refused logins, newest first: username as typed, client address, reason."""
    return jsonable_encoder({"items": inv.login_failures(limit=limit, username=username)})


@router.get("/tokens", tags=["admin"])
def list_tokens(inv: Inv) -> dict[str, Any]:
    return jsonable_encoder({"items": inv.tokens()})


@router.post("/tokens", status_code=201, tags=["admin"])
def create_token(inv: Inv, body: NewTokenIn) -> dict[str, Any]:
    """A new API token; the secret is in this answer only. With ``days`` it expires."""
    secret = inv.create_token(body.username, body.name, days=body.days)
    return {"token": secret, "username": body.username, "days": body.days}


@router.delete("/tokens/{token_id}", status_code=204, tags=["admin"])
def revoke_token(inv: Inv, token_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    inv.revoke_token(token_id)
    return Response(status_code=204)


@router.get("/settings", tags=["admin"])
def read_settings(inv: Inv) -> dict[str, str]:
    """Every setting and its value (the default when never set)."""
    return inv.settings()


@router.put("/settings/{key}", tags=["admin"])
def set_setting(inv: Inv, key: str, body: m.SettingIn) -> dict[str, str]:
    """Change a setting (managers); answers with the value as stored (free text trimmed)."""
    return {"key": key, "value": inv.set_setting(key, body.value)}


# --- the books' own check ------------------------------------------------------------------
@router.get("/check", tags=["admin"])
def check_ledger(inv: Inv) -> dict[str, Any]:
    """Replay the whole ledger (admin): every disagreement between the books and the ledger,
    and the hash chain over every ledger entry. ``ok`` is true when there is none."""
    found = inv.findings()
    return {
        "ok": not found,
        "count": len(found),
        "findings": [{"kind": f.kind, "message": f.message} for f in found],
    }


# --- the audit trail ------------------------------------------------------------------------
@router.get("/audit", tags=["admin"])
def list_audit(
    inv: Inv,
    entity: Annotated[str | None, Query(max_length=24)] = None,
    user: Annotated[str | None, Query(max_length=80)] = None,
    since: Annotated[date | None, Query(description="From this date (included).")] = None,
    until: Annotated[date | None, Query(description="Up to this date (included).")] = None,
    text: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> dict[str, Any]:
    """Who changed which master data, setting, user, token or serial, newest first (managers
    and admins): when, by whom, the entity's name, the action, a one-line summary and the old
    and new values (``detail``). ``before_id`` (the last ``id`` seen) gives the older page."""
    items = inv.audit(
        entity=entity, user=user, since=since, until=until, text=text, limit=limit,
        before_id=before_id,
    )  # fmt: skip
    return jsonable_encoder({"items": items})
