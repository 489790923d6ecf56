"""The JSON API on both databases: resources, problem+json refusals, logins, roles, retries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.entrypoints.web import create_app
from templates import initialized

ROLES = ("viewer", "clerk", "manager", "admin")


@dataclass
class Api:
    client: TestClient
    tokens: dict[str, str]

    def call(self, method: str, path: str, role: str = "admin", **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}", **kwargs.pop("headers", {})}
        return self.client.request(method, "/api/v1" + path, headers=headers, **kwargs)

    def ok(self, method: str, path: str, role: str = "admin", status: int = 200, **kw: Any) -> Any:
        response = self.call(method, path, role, **kw)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def refused(self, method: str, path: str, status: int, role: str = "admin", **kw: Any) -> Any:
        response = self.call(method, path, role, **kw)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == status
        assert body["type"].startswith("urn:serialtrack:problem:")
        assert body["detail"]
        return body


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    with serialtrack.open(initialized(db_url)) as inv:
        load_demo(inv)
        tokens = {"admin": inv.create_token("admin", "tests")}
        for role in ROLES[:3]:
            inv.add_user(role, role, f"{role}-password")
            tokens[role] = inv.create_token(role)
    with TestClient(create_app(db_url)) as client:
        yield Api(client, tokens)


def count(api: Api, path: str) -> int:
    return len(api.ok("GET", path)["items"])


def test_no_or_bad_credentials_are_401(api: Api) -> None:
    response = api.client.get("/api/v1/serials")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "urn:serialtrack:problem:unauthenticated"
    bad = api.client.get("/api/v1/serials", headers={"Authorization": "Bearer st_forged"})
    assert bad.status_code == 401
    assert api.client.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}).status_code == 401


def test_session_login_needs_csrf_for_writes(api: Api) -> None:
    client = api.client
    wrong = client.post("/api/v1/session", json={"username": "clerk", "password": "nope-nope"})
    assert wrong.status_code == 401
    login = client.post("/api/v1/session", json={"username": "clerk", "password": "clerk-password"})
    assert login.status_code == 200
    csrf = login.json()["csrf_token"]
    assert client.get("/api/v1/me").json() == {"username": "clerk", "role": "clerk"}
    body = {"text": "(01)09506000134352(21)X1-00004"}
    forged = client.post("/api/v1/scan", json=body)
    assert forged.status_code == 403
    assert "X-CSRF-Token" in forged.json()["detail"]
    assert client.post("/api/v1/scan", json=body, headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_products_create_read_update_and_refusals(api: Api) -> None:
    created = api.ok("POST", "/products", status=201,
                     json={"sku": "TAB-1", "name": "Tablet", "gtin": "96385074"})  # fmt: skip
    assert created["gtin"] == "00000096385074"
    assert api.ok("GET", "/products/TAB-1")["name"] == "Tablet"
    assert api.ok("PATCH", "/products/TAB-1", json={"name": "Tablet 10"})["name"] == "Tablet 10"
    assert [p["sku"] for p in api.ok("GET", "/products?text=tablet")["items"]] == ["TAB-1"]
    by_gtin = api.ok("GET", "/products?text=00000096385074")["items"]
    assert [p["sku"] for p in by_gtin] == ["TAB-1"]
    taken = api.refused("POST", "/products", 409, json={"sku": "TAB-1", "name": "Again"})
    assert taken["errors"] == [{"where": "sku", "message": "taken"}]
    bad = api.refused("POST", "/products", 422, json={"sku": "T2", "name": "X", "gtin": "123"})
    assert bad["errors"][0]["where"] == "gtin"
    typed = api.refused("POST", "/products", 422, json={"sku": "T3", "name": 5, "extra": 1})
    assert {e["where"] for e in typed["errors"]} == {"body.name", "body.extra"}
    api.refused("GET", "/products/NOPE", 404)
    tracking = api.refused("PATCH", "/products/TAB-1", 422, json={"tracking": "none"})
    assert tracking["errors"][0]["where"] == "body.tracking"


def test_locations_and_partners(api: Api) -> None:
    api.ok("POST", "/locations", status=201, json={"name": "Kiosk"})
    assert api.ok("GET", "/locations/Kiosk")["kind"] == "internal"
    api.refused("POST", "/locations", 422, json={"name": "Bad", "kind": "moon"})
    api.ok("POST", "/partners", status=201, json={"name": "Zed", "customer": True})
    customers = [p["name"] for p in api.ok("GET", "/partners?role=customer")["items"]]
    assert "Zed" in customers
    assert "Acme Distribution" not in customers
    api.refused("GET", "/partners/Nobody", 404)
    assert api.ok("PATCH", "/locations/Kiosk", json={"name": "Kiosk 2"})["name"] == "Kiosk 2"
    api.refused("PATCH", "/locations/Customers", 422, json={"name": "Mine"})
    api.refused("PATCH", "/locations/Kiosk 2", 409, json={"name": "Warehouse"})
    zed = api.ok("PATCH", "/partners/Zed", json={"supplier": True, "name": "Zed Ltd"})
    assert (zed["name"], zed["is_supplier"], zed["is_customer"]) == ("Zed Ltd", True, True)
    both_off = api.refused("PATCH", "/partners/Zed Ltd", 422,
                           json={"supplier": False, "customer": False})  # fmt: skip
    assert both_off["errors"][0]["where"] == "role"


def test_document_life_cycle(api: Api) -> None:
    receipt = api.ok("POST", "/documents", status=201, json={
        "kind": "receipt", "partner": "Acme Distribution", "location": "Main store",
        "reference": "INV-9", "lines": [{"sku": "PHN-X1", "serial_text": "N-01..N-03"}],
    })  # fmt: skip
    assert receipt["state"] == "posted"
    assert receipt["lines"][0]["serials"] == ["N-01", "N-02", "N-03"]
    sale = {"kind": "sale", "partner": "Jane Doe", "location": "Main store",
            "lines": [{"sku": "PHN-X1", "serials": ["N-02"]}]}  # fmt: skip
    sold = api.ok("POST", "/documents", status=201, json=sale)
    documents_before = count(api, "/documents?limit=1000")
    again = api.refused("POST", "/documents", 409, json=sale)
    assert again["errors"][0]["where"] == "lines[0].serials[0]"
    assert "N-02" in again["errors"][0]["message"]
    assert count(api, "/documents?limit=1000") == documents_before

    unit = api.ok("GET", "/products/PHN-X1/serials/n-02")
    assert (unit["status"], unit["holder"]) == ("sold", "Jane Doe")
    assert [m["document_number"] for m in unit["history"]] == [receipt["number"], sold["number"]]

    draft = api.ok("POST", "/documents", status=201, json={**sale, "post": False,
                   "lines": [{"sku": "PHN-X1", "serials": ["N-03"]}]})  # fmt: skip
    assert api.ok("GET", "/products/PHN-X1/serials/N-03")["status"] == "reserved"
    api.ok("DELETE", f"/documents/{draft['id']}", status=204)
    assert api.ok("GET", "/products/PHN-X1/serials/N-03")["status"] == "in_stock"
    api.refused("GET", f"/documents/{draft['id']}", 404)

    draft = api.ok("POST", "/documents", status=201, json={**sale, "post": False,
                   "lines": [{"sku": "PHN-X1", "serials": ["N-03"]}]})  # fmt: skip
    assert api.ok("POST", f"/documents/{draft['number']}/post")["state"] == "posted"
    cancelled = api.ok("POST", f"/documents/{sold['number']}/cancel")
    assert cancelled["state"] == "cancelled"
    assert api.ok("GET", "/products/PHN-X1/serials/N-02")["status"] == "in_stock"
    refused = api.refused("POST", f"/documents/{receipt['number']}/cancel", 409)
    assert "N-03" in str(refused["errors"])
    assert draft["number"] in str(refused["errors"])


def test_serial_list_filters_and_cursor(api: Api) -> None:
    page = api.ok("GET", "/serials?sku=PHN-X1&status=in_stock&limit=5")
    assert len(page["items"]) == 5
    rest = api.ok("GET", f"/serials?sku=PHN-X1&status=in_stock&after_id={page['next_after_id']}")
    codes = [r["serial"] for r in page["items"] + rest["items"]]
    assert len(codes) == len(set(codes)) == 17  # 20 received, 3 sold, 1 back, 1 to supplier
    assert rest["next_after_id"] is None
    bad = api.refused("GET", "/serials?status=lost-ish&location=Mars&partner=Nobody", 422)
    assert {e["where"] for e in bad["errors"]} == {"status", "location", "partner"}
    jane = api.ok("GET", "/serials?partner=Jane Doe")["items"]
    assert sorted(r["serial"] for r in jane) == ["X1-00001", "X1-00002", "X1-00003"]  # sold to her
    northwind = api.ok("GET", "/serials?partner=Northwind Parts")["items"]
    assert len(northwind) == 10
    api.refused("GET", "/serials?limit=0", 422)


def test_scan_and_serial_entry_helpers(api: Api) -> None:
    found = api.ok(
        "POST", "/scan", json={"text": "https://id.gs1.org/01/09506000134352/21/X1-00004"}
    )
    assert (found["sku"], found["serial"], found["status"]) == ("PHN-X1", "X1-00004", "in_stock")
    api.refused("POST", "/scan", 404, json={"text": "(01)09506000134345(21)X"})
    assert api.ok("POST", "/serials/parse", json={"text": "A-8..A-10, B"})["codes"] == [
        "A-8", "A-9", "A-10", "B"
    ]  # fmt: skip
    api.refused("POST", "/serials/parse", 422, json={"text": "A-10..A-8"})
    rule = {"prefix": "R-", "start": 8, "count": 3, "width": 3, "increment": 2}
    assert api.ok("POST", "/serials/rule", json=rule)["codes"] == ["R-008", "R-010", "R-012"]
    generated = api.ok("POST", "/products/LAP-14/serials/generate", json={"count": 2})["codes"]
    assert generated == ["LAP-14-000001", "LAP-14-000002"]


def test_idempotent_retry_of_a_sale_sells_once(api: Api) -> None:
    sale = {"kind": "sale", "location": "Main store",
            "lines": [{"sku": "PHN-X1", "serials": ["X1-00010"]}]}  # fmt: skip
    key = {"Idempotency-Key": "pos-7-receipt-1"}
    first = api.ok("POST", "/documents", "clerk", status=201, json=sale, headers=key)
    retry = api.ok("POST", "/documents", "clerk", status=201, json=sale, headers=key)
    assert retry == first
    assert len(api.ok("GET", "/documents?kind=sale")["items"]) == 3  # 2 from the demo
    other = {**sale, "lines": [{"sku": "PHN-X1", "serials": ["X1-00011"]}]}
    api.refused("POST", "/documents", 409, "clerk", json=other, headers=key)
    # another user's key space is separate; a refusal is remembered like a success
    refusal = api.refused("POST", "/documents", 409, "manager", json=sale, headers=key)
    assert api.refused("POST", "/documents", 409, "manager", json=sale, headers=key) == refusal


def test_malformed_and_huge_bodies_write_nothing(api: Api) -> None:
    before = count(api, "/documents?limit=1000")
    broken = api.call("POST", "/documents", content=b'{"kind": "sale", ', headers={
        "Content-Type": "application/json"})  # fmt: skip
    assert broken.status_code == 422
    wrong = api.refused("POST", "/documents", 422, json={"kind": "sale", "lines": "all"})
    assert wrong["errors"][0]["where"] == "body.lines"
    huge = api.call("POST", "/documents", content=b"x" * 100, headers={
        "Content-Type": "application/json", "Content-Length": str(200 * 1024 * 1024)})  # fmt: skip
    assert huge.status_code == 413
    assert huge.headers["content-type"] == "application/problem+json"
    assert count(api, "/documents?limit=1000") == before


def test_users_and_tokens(api: Api) -> None:
    api.ok("POST", "/users", status=201, json={"username": "dana", "role": "clerk",
                                               "password": "dana-secret"})  # fmt: skip
    api.refused("POST", "/users", 422, json={"username": "eve", "role": "clerk", "password": "x"})
    token = api.ok("POST", "/tokens", status=201, json={"username": "dana"})["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/me", headers=headers).json()["username"] == "dana"
    listed = api.ok("GET", "/tokens")["items"]
    assert all("token" not in t and "token_hash" not in t for t in listed)
    token_id = next(t["id"] for t in listed if t["username"] == "dana")
    api.ok("DELETE", f"/tokens/{token_id}", status=204)
    assert api.client.get("/api/v1/me", headers=headers).status_code == 401
    api.ok("PATCH", "/users/clerk", json={"active": False})
    assert api.call("GET", "/me", "clerk").status_code == 401


SALE = {"kind": "sale", "location": "Main store", "lines": [{"sku": "CBL-USB", "quantity": 1}]}
WRITES: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    ("POST", "/documents", SALE, {"clerk", "manager", "admin"}),
    ("POST", "/documents", {**SALE, "kind": "opening_balance"}, {"manager", "admin"}),
    ("POST", "/products", {"sku": "R-{role}", "name": "X"}, {"manager", "admin"}),
    ("PATCH", "/products/CBL-USB", {"unit": "m"}, {"manager", "admin"}),
    ("POST", "/locations", {"name": "L-{role}"}, {"manager", "admin"}),
    ("POST", "/partners", {"name": "P-{role}", "customer": True}, {"manager", "admin"}),
    ("PATCH", "/partners/Jane Doe", {"supplier": True}, {"manager", "admin"}),
    ("PATCH", "/locations/Warehouse", {"name": "Warehouse"}, {"manager", "admin"}),
    ("POST", "/documents/SO-000002/cancel", None, {"manager", "admin"}),
    ("PUT", "/settings/allow_negative_stock", {"value": "false"}, {"manager", "admin"}),
    ("POST", "/products/LAP-14/serials/generate", {"count": 1}, {"clerk", "manager", "admin"}),
    ("POST", "/users", {"username": "u-{role}", "role": "viewer"}, {"admin"}),
    ("POST", "/tokens", {"username": "viewer"}, {"admin"}),
    ("GET", "/users", None, {"admin"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(api: Api, role: str) -> None:
    for method, path, body, allowed in WRITES:
        payload = None
        if body is not None:
            payload = {k: v.format(role=role) if isinstance(v, str) else v for k, v in body.items()}
        response = api.call(method, path, role, json=payload)
        if role in allowed:
            assert response.status_code < 300, (method, path, response.text)
        else:
            assert response.status_code == 403, (method, path, response.text)
            assert role in response.json()["detail"]


def test_bulk_import_over_http(api: Api) -> None:
    template = api.call("GET", "/imports/template?format=csv")
    assert template.status_code == 200
    assert template.content.decode("utf-8-sig").startswith("sku,product name,location,serial")
    bad = b"sku,serial\nPHN-X1,H-1\nNOPE,H-2\n"
    files = {"file": ("units.csv", bad, "text/csv")}
    refused = api.refused("POST", "/imports", 422, "manager", files=files,
                          data={"location": "Main store"})  # fmt: skip
    assert refused["errors"] == [{"where": "row 3, sku", "message": "no product with SKU 'NOPE'"}]
    good = {"file": ("units.csv", b"sku,serial\nPHN-X1,H-1\nPHN-X1,H-2\n", "text/csv")}
    api.refused("POST", "/imports", 403, "clerk", files=good, data={"location": "Main store"})
    done = api.ok("POST", "/imports", "manager", status=201, files=good,
                  data={"location": "Main store", "supplier": "Acme Distribution"})  # fmt: skip
    assert done["serials"] == 2
    assert done["documents"][0].startswith("RC-")
    assert api.ok("GET", "/products/PHN-X1/serials/H-2")["status"] == "in_stock"


def test_a_draft_is_edited_with_put(api: Api) -> None:
    draft = api.ok("POST", "/documents", status=201, json={
        "kind": "sale", "location": "Main store", "post": False,
        "lines": [{"sku": "PHN-X1", "serials": ["X1-00004"]}],
    })  # fmt: skip
    edited = api.ok("PUT", f"/documents/{draft['number']}", json={
        "kind": "sale", "location": "Main store", "partner": "Jane Doe",
        "lines": [{"sku": "PHN-X1", "serial_text": "X1-00005, X1-00006"}],
    })  # fmt: skip
    assert (edited["id"], edited["state"], edited["partner"]) == (draft["id"], "draft", "Jane Doe")
    assert api.ok("GET", "/products/PHN-X1/serials/X1-00004")["status"] == "in_stock"
    assert api.ok("GET", "/products/PHN-X1/serials/X1-00006")["status"] == "reserved"
    api.refused("PUT", f"/documents/{draft['id']}", 422, json={
        "kind": "receipt", "location": "Main store", "lines": [{"sku": "PHN-X1", "serials": ["Q"]}],
    })  # fmt: skip
    posted = api.ok("PUT", f"/documents/{draft['id']}", json={
        "kind": "sale", "location": "Main store", "post": True,
        "lines": [{"sku": "PHN-X1", "serials": ["X1-00005"]}]})  # fmt: skip
    assert posted["state"] == "posted"
    api.refused("PUT", f"/documents/{draft['id']}", 409, json={
        "kind": "sale", "location": "Main store", "lines": [{"sku": "PHN-X1", "serials": ["Q"]}],
    })  # fmt: skip


def test_document_list_filters_and_pages(api: Api) -> None:
    jane = api.ok("GET", "/documents?partner=Jane Doe")["items"]
    assert {d["number"] for d in jane} == {"SO-000001", "SR-000001"}
    today = jane[0]["date"]
    assert len(api.ok("GET", f"/documents?date_from={today}&date_to={today}")["items"]) == 7
    assert api.ok("GET", "/documents?date_to=2000-01-01")["items"] == []
    first = api.ok("GET", "/documents?limit=4")
    rest = api.ok("GET", f"/documents?limit=4&before_id={first['next_before_id']}")
    numbers = [d["number"] for d in first["items"] + rest["items"]]
    assert len(numbers) == len(set(numbers)) == 7
    bad = api.refused("GET", "/documents?partner=Nobody&kind=loan", 422)
    assert {e["where"] for e in bad["errors"]} == {"partner", "kind"}
