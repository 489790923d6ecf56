"""The JSON API's administration routes: users, API tokens, settings (under ``/api/v1``).

Like every route, these authenticate and call one ``Inventory`` method; the roles are checked
by the services.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.encoders import jsonable_encoder

from serialtrack.entrypoints import api_models as m
from serialtrack.entrypoints.api import Inv

router = APIRouter(prefix="/api/v1", responses=m.PROBLEM_RESPONSES)


# --- users, tokens, settings ---------------------------------------------------------------
@router.get("/users", tags=["admin"])
def list_users(inv: Inv) -> dict[str, Any]:
    return jsonable_encoder({"items": inv.users()})


@router.post("/users", status_code=201, tags=["admin"])
def create_user(inv: Inv, body: m.UserIn) -> dict[str, Any]:
    return inv.add_user(body.username, body.role.value, body.password)


@router.patch("/users/{username}", tags=["admin"])
def update_user(inv: Inv, username: str, body: m.UserPatch) -> dict[str, Any]:
    if body.password is not None:
        inv.set_password(username, body.password)
    if body.active is not None:
        inv.set_user_active(username, body.active)
    found = [u for u in inv.users() if u["username"] == username]
    return jsonable_encoder(found[0]) if found else {"username": username}


@router.get("/tokens", tags=["admin"])
def list_tokens(inv: Inv) -> dict[str, Any]:
    return jsonable_encoder({"items": inv.tokens()})


@router.post("/tokens", status_code=201, tags=["admin"])
def create_token(inv: Inv, body: m.TokenIn) -> dict[str, Any]:
    """A new API token; the secret is in this answer only."""
    return {"token": inv.create_token(body.username, body.name), "username": body.username}


@router.delete("/tokens/{token_id}", status_code=204, tags=["admin"])
def revoke_token(inv: Inv, token_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    inv.revoke_token(token_id)
    return Response(status_code=204)


@router.put("/settings/{key}", tags=["admin"])
def set_setting(inv: Inv, key: str, body: m.SettingIn) -> dict[str, str]:
    inv.set_setting(key, body.value)
    return {"key": key, "value": body.value}
