"""Issue 10 through the REST API: conservation, time order and the ledger check, as a POS or
ERP client meets them (findings 1, 7 and 10)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

import serialtrack
from builders import shop
from serialtrack.entrypoints.web import create_app
from templates import initialized

TODAY = date.today()


@pytest.fixture
def api(db_url: str) -> Iterator[Any]:
    with serialtrack.open(initialized(db_url)) as inv:
        shop(inv)
        admin = inv.create_token("admin", "tests")
        inv.add_user("kim", "manager", "kim-password-1")
        manager = inv.create_token("kim")
    with TestClient(create_app(db_url)) as client:

        def post(body: dict[str, Any], token: str = admin) -> Any:
            return client.post(
                "/api/v1/documents", json=body, headers={"Authorization": f"Bearer {token}"}
            )

        post.client, post.admin, post.manager = client, admin, manager  # type: ignore[attr-defined]
        yield post


def doc(kind: str, lines: list[dict[str, Any]], **header: Any) -> dict[str, Any]:
    return {"kind": kind, "location": "Store", "lines": lines, **header}


def test_returns_beyond_what_went_out_are_refused_with_the_numbers(api: Any) -> None:
    assert (
        api(doc("receipt", [{"sku": "CABLE", "quantity": 10}], partner="Acme")).status_code == 201
    )
    sale = api(doc("sale", [{"sku": "CABLE", "quantity": 5}], partner="Alice"))
    invoice = sale.json()["number"]
    back = doc("sales_return", [{"sku": "CABLE", "quantity": 2}], origin=invoice)
    assert api(back).status_code == 201
    again = api(doc("sales_return", [{"sku": "CABLE", "quantity": 4}], origin=invoice))
    assert again.status_code == 409, again.text
    body = again.json()
    assert invoice in body["detail"] or invoice in str(body["errors"])
    assert "5 sold" in str(body["errors"])
    assert "6 returned" in str(body["errors"])
    stranger = api(doc("sales_return", [{"sku": "CABLE", "quantity": 100}], partner="Bob"))
    assert stranger.status_code == 409, stranger.text
    auth = {"Authorization": f"Bearer {api.admin}"}
    assert api.client.get("/api/v1/check", headers=auth).json()["ok"] is True


def test_a_sale_dated_before_the_unit_arrived_is_refused(api: Any) -> None:
    received = api(doc("receipt", [{"sku": "PHONE", "serials": ["T-1"]}], partner="Acme"))
    assert received.status_code == 201
    early = api(doc("sale", [{"sku": "PHONE", "serials": ["T-1"]}], date="2025-01-10"))
    assert early.status_code == 409, early.text
    assert "2025-01-10" in early.text
    assert "RC-000001" in early.text
    far = api(
        doc(
            "sale",
            [{"sku": "PHONE", "serials": ["T-1"]}],
            date=(TODAY + timedelta(days=400)).isoformat(),
        )
    )
    assert far.status_code == 422, far.text
    assert "more than a year ahead" in far.text


def test_check_is_for_admins_and_names_what_differs(api: Any, db_url: str) -> None:
    from sqlalchemy import text

    api(doc("receipt", [{"sku": "CABLE", "quantity": 10}], partner="Acme"))
    manager = {"Authorization": f"Bearer {api.manager}"}
    assert api.client.get("/api/v1/check", headers=manager).status_code == 403
    with serialtrack.open(db_url) as inv, inv.store.engine.begin() as c:
        if c.dialect.name == "postgresql":
            c.execute(text("SET LOCAL session_replication_role = replica"))
        c.execute(text("UPDATE quants SET quantity = quantity + 1000"))
    found = api.client.get("/api/v1/check", headers={"Authorization": f"Bearer {api.admin}"})
    assert found.status_code == 200
    body = found.json()
    assert body["ok"] is False
    assert body["count"] >= 1
    assert any(
        f["kind"] == "quantity" and f["message"].startswith("CABLE at Store: 1010 on hand")
        for f in body["findings"]
    ), body
