"""Bundles end to end: components through ``/api/v1/products/{sku}/components`` and
``serialtrack product components``, bundle sales and returns through ``POST /documents`` and the
CLI, on SQLite and PostgreSQL; refusals name where and write nothing; roles hold."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import serialtrack
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app
from templates import initialized


@pytest.fixture
def world(db_url: str) -> dict[str, str]:
    """Phones, cases and chargers at the Store; tokens of admin, a clerk and a viewer."""
    with serialtrack.open(initialized(db_url)) as inv:
        inv.add_location("Store")
        inv.add_partner("Acme", supplier=True)
        inv.add_partner("Alice", customer=True)
        inv.add_product("PHONE", "Phone", customer_warranty_days=365)
        inv.add_product("CASE", "Case")
        inv.add_product("CHG", "Charger", "none")
        inv.add_product("KIT", "Phone kit", "none")
        lines = [("PHONE", ["P1", "P2"]), ("CASE", ["C1", "C2"]), ("CHG", 3)]
        inv.receive(supplier="Acme", location="Store", lines=lines)
        inv.add_user("kim", "clerk", "clerk-password-1")
        return {u: inv.create_token(u, "t") for u in ("admin", "kim")}


@pytest.fixture
def client(db_url: str, world: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(db_url)) as c:
        yield c
    with serialtrack.open(db_url) as inv:
        assert inv.check() == []


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def cli(db_url: str) -> Callable[..., str]:
    """``serialtrack --db URL ...``: its output; exit 0 (``ok``) or 1 (refused) expected."""
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> str:
        result = runner.invoke(app, ["--db", db_url, *args])
        output = result.stdout + result.stderr
        assert result.exit_code == (0 if ok else 1), output
        return output

    return run


KIT = {"components": [{"sku": "PHONE"}, {"sku": "CHG", "quantity": 1}, {"sku": "CASE"}]}


def test_components_are_set_by_managers_and_read_with_availability(
    client: TestClient, world: dict[str, str]
) -> None:
    admin, clerk = auth(world["admin"]), auth(world["kim"])
    refused = client.put("/api/v1/products/KIT/components", json=KIT, headers=clerk)
    assert refused.status_code == 403
    assert client.get("/api/v1/products/KIT/components", headers=clerk).json()["components"] == []
    made = client.put("/api/v1/products/KIT/components", json=KIT, headers=admin)
    assert made.status_code == 200, made.text
    assert [(c["sku"], c["quantity"]) for c in made.json()["components"]] == [
        ("PHONE", 1), ("CHG", 1), ("CASE", 1),
    ]  # fmt: skip
    read = client.get("/api/v1/products/KIT/components?location=Store", headers=clerk).json()
    assert read["stock"]["available"] == 2
    assert [(c["sku"], c["on_hand"], c["makes"]) for c in read["stock"]["components"]] == [
        ("PHONE", 2, 2), ("CHG", 3, 3), ("CASE", 2, 2),
    ]  # fmt: skip
    bad = client.put(
        "/api/v1/products/KIT/components",
        json={"components": [{"sku": "NOPE"}, {"sku": "KIT"}]},
        headers=admin,
    )
    assert bad.status_code == 422
    wheres = {p["where"] for p in bad.json()["errors"]}
    assert {"components[0].sku", "components[1].sku"} <= wheres, bad.json()
    assert client.put(
        "/api/v1/products/KIT/components", json={"components": [{"sku": "CASE", "quantity": 0}]},
        headers=admin,
    ).status_code == 422  # fmt: skip
    assert client.get("/api/v1/products/NOPE/components", headers=clerk).status_code == 404


def test_a_bundle_sold_and_returned_over_http(client: TestClient, world: dict[str, str]) -> None:
    admin, clerk = auth(world["admin"]), auth(world["kim"])
    client.put("/api/v1/products/KIT/components", json=KIT, headers=admin)
    sale = client.post(
        "/api/v1/documents",
        json={"kind": "sale", "partner": "Alice", "location": "Store",
              "lines": [{"sku": "KIT", "serials": ["C1", "P1"]}]},
        headers=clerk,
    )  # fmt: skip
    assert sale.status_code == 201, sale.text
    body = sale.json()
    assert body["bundles"] == [
        {"bundle_no": 1, "sku": "KIT", "name": "Phone kit", "quantity": 1, "lines": [1, 2, 3]}
    ]
    assert [(x["sku"], x["serials"], x["bundle"]) for x in body["lines"]] == [
        ("PHONE", ["P1"], "KIT"), ("CHG", [], "KIT"), ("CASE", ["C1"], "KIT"),
    ]  # fmt: skip
    serial = client.get("/api/v1/products/PHONE/serials/P1", headers=clerk).json()
    assert serial["bundle"] == "KIT"
    assert serial["history"][-1]["bundle"] == "KIT"
    part = client.post(
        "/api/v1/documents",
        json={"kind": "sales_return", "location": "Store", "origin": body["number"],
              "reason": "the case and charger stay with the customer",
              "lines": [{"sku": "KIT", "components": [{"sku": "PHONE", "serials": ["P1"]},
                                                      {"sku": "CHG", "quantity": 0}]}]},
        headers=clerk,
    )  # fmt: skip
    assert part.status_code == 201, part.text
    assert [(x["sku"], x["serials"]) for x in part.json()["lines"]] == [("PHONE", ["P1"])]
    stock = client.get("/api/v1/products/KIT/components?location=Store", headers=clerk).json()
    assert stock["stock"]["available"] == 1  # P2 and C2 left, and chargers


def test_a_wrong_bundle_sale_names_where_and_writes_nothing(
    client: TestClient, world: dict[str, str], db_url: str
) -> None:
    admin = auth(world["admin"])
    client.put("/api/v1/products/KIT/components", json=KIT, headers=admin)
    before = client.get("/api/v1/documents", headers=admin).json()
    cases = [
        ({"sku": "KIT", "serials": ["P1"]}, 422, "lines[0].components[2]"),
        ({"sku": "KIT", "serials": ["P1", "X9"]}, 422, "lines[0].serials[1]"),
        ({"sku": "KIT", "components": [{"sku": "PHONE", "serials": ["P1"]},
                                       {"sku": "CASE", "serials": ["P2"]}]},
         409, "lines[0].components[1].serials[0]"),  # as given: CASE second
        ({"sku": "KIT", "serials": ["P1", "C1"], "components": [{"sku": "GEL"}]},
         422, "lines[0].components[0].sku"),
        ({"sku": "KIT", "components": [{"sku": "PHONE", "serials": ["P1"], "extra": 1}]},
         422, None),
    ]  # fmt: skip
    for line, status, where in cases:
        answer = client.post(
            "/api/v1/documents",
            json={"kind": "sale", "location": "Store", "lines": [line]},
            headers=admin,
        )
        assert answer.status_code == status, (line, answer.text)
        if where:
            assert where in {p["where"] for p in answer.json()["errors"]}, answer.json()
    assert client.get("/api/v1/documents", headers=admin).json() == before
    with serialtrack.open(db_url) as inv:
        assert inv.serial("PHONE", "P1").status.value == "in_stock"


def test_bundles_by_command_line(db_url: str, world: dict[str, str]) -> None:
    run = cli(db_url)

    made = run("product", "components", "KIT", "PHONE", "CHG:1", "CASE:1")
    assert "PHONE" in made
    assert "CASE" in made
    shown = run("product", "components", "KIT", "--location", "Store")
    assert "2 x KIT can be sold at Store" in shown
    assert "is not a bundle" in run("product", "components", "PHONE")
    refused = run("product", "components", "KIT", "NOPE:1", ok=False)
    assert "NOPE" in refused
    sold = run("sell", "--sku", "KIT", "--location", "Store", "--customer", "Alice", "P2", "C2")
    assert "sale SO-000001 posted" in sold
    document = run("document", "SO-000001")
    assert "bundle KIT x 1: Phone kit" in document
    assert "(in bundle KIT)" in run("serial", "PHONE", "P2")
    back = run("return", "--sku", "KIT", "--location", "Store", "--invoice", "SO-000001",
               "--reason", "unopened", "P2", "C2")  # fmt: skip
    assert "sales return (credit note) SR-000001 posted" in back
    run("product", "components", "KIT", "--clear")
    assert "is not a bundle" in run("product", "components", "KIT")
    assert "agree" in run("check")


def test_units_assembled_and_taken_apart_over_http_and_by_command_line(
    client: TestClient, world: dict[str, str], db_url: str
) -> None:
    admin, clerk = auth(world["admin"]), auth(world["kim"])
    client.post("/api/v1/products", json={"sku": "BOX", "name": "Boxed phone"}, headers=admin)
    client.put("/api/v1/products/BOX/components", json=KIT, headers=admin)
    made = client.post(
        "/api/v1/assemblies",
        json={
            "sku": "BOX",
            "location": "Store",
            "units": [{"serial": "B1", "parts": ["P1", "C1"]}],
        },
        headers=clerk,
    )
    assert made.status_code == 201, made.text
    assert made.json()["number"].startswith("AS-")
    assert [x["sku"] for x in made.json()["lines"]] == ["BOX", "PHONE", "CHG", "CASE"]
    part = client.get("/api/v1/products/PHONE/serials/P1", headers=clerk).json()
    assert (part["status"], part["inside"]) == ("assembled", "BOX B1")
    unit = client.get("/api/v1/products/BOX/serials/B1", headers=clerk).json()
    assert unit["contents"] == ["PHONE P1", "CHG x 1", "CASE C1"]
    stock = client.get("/api/v1/products/BOX/components?location=Store", headers=clerk).json()
    assert (stock["stock"]["available"], stock["stock"]["assembled"]) == (1, 1)
    refused = client.post(
        "/api/v1/assemblies",
        json={
            "sku": "BOX",
            "location": "Store",
            "units": [{"serial": "B2", "parts": ["P1", "C2"]}],
        },
        headers=clerk,
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["where"] == "units[0].components[0].serials[0]"
    bad = client.post("/api/v1/assemblies", json={"sku": "BOX", "location": "Store", "units": []},
                      headers=clerk)  # fmt: skip
    assert bad.status_code == 422
    apart = client.post(
        "/api/v1/disassemblies",
        json={"sku": "BOX", "location": "Store", "serials": ["B1"]},
        headers=clerk,
    )
    assert apart.status_code == 201, apart.text
    assert client.get("/api/v1/products/PHONE/serials/P1", headers=clerk).json()["status"] == (
        "in_stock"
    )
    run = cli(db_url)

    assert "1 x BOX (B1)" in run("assemble", "--sku", "BOX", "--location", "Store", "B1=P2,C2")
    assert "inside BOX B1 (assembled), which is in stock at Store" in run("serial", "PHONE", "P2")
    assert "contents: PHONE P2, CHG x 1, CASE C2" in run("serial", "BOX", "B1")
    refused_cli = run("assemble", "--sku", "BOX", "--location", "Store", "P2,C1", ok=False)
    assert "unit 1, component 1, serial 1: PHONE P2" in refused_cli  # counted from one
    taken = run("disassemble", "--sku", "BOX", "--location", "Store", "B1")
    assert "1 x BOX, 3 parts back" in taken
