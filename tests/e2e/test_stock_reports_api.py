"""Stock on hand and stock as of a moment end to end: ``GET /api/v1/stock`` (on hand, and
``as_of``), ``GET /api/v1/products/{sku}/serials/{code}/as-of``, ``serialtrack stock`` and
``serialtrack serial-at``, and the ``/stock`` page with its filters.

The shop: at BASE+1h a receipt (PHONE P1..P3, CABLE 10) at Store; at BASE+2h a sale of P1 and
2 cables; at BASE+3h a dispatch of P2 and 3 cables to Warehouse, not received yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import PASSWORD, as_user

import serialtrack
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app
from serialtrack.inventory import Inventory, utc_now

BASE = (utc_now() - timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
HOUR = timedelta(hours=1)


@dataclass
class World:
    url: str
    token: str  # a viewer's: reading is all these need
    receipt: str
    sale: str
    dispatch: str


def build(url: str) -> World:
    now = [BASE]
    with serialtrack.open(url) as setup:
        setup.add_location("Store")
        setup.add_location("Warehouse")
        setup.add_partner("Acme", supplier=True)
        setup.add_partner("Alice", customer=True)
        setup.add_product("PHONE", "Phone")
        setup.add_product("CABLE", "Cable", "none")
        setup.add_user("vic", "viewer", PASSWORD)
        token = setup.create_token("vic", "t")
        inv = Inventory(setup.store, clock=lambda: now[0])
        now[0] = BASE + 1 * HOUR
        receipt = inv.receive(
            supplier="Acme", location="Store", lines=[("PHONE", ["P1", "P2", "P3"]), ("CABLE", 10)]
        )
        now[0] = BASE + 2 * HOUR
        sale = inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["P1"]), ("CABLE", 2)])
        now[0] = BASE + 3 * HOUR
        sent = inv.dispatch(
            source="Store", destination="Warehouse", lines=[("PHONE", ["P2"]), ("CABLE", 3)]
        )
        assert setup.check() == []
    return World(url, token, receipt.number, sale.number, sent.number)


@pytest.fixture
def world(db_url: str) -> World:
    return build(db_url)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.url)) as c:
        yield c


def get(client: TestClient, world: World, path: str, **params: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    answer = client.get(path, params=params, headers={"Authorization": f"Bearer {world.token}"})
    return answer.status_code, answer.json()


def wheres(body: dict) -> set[str]:  # type: ignore[type-arg]
    return {e["where"].removeprefix("query.") for e in body["errors"]}


def test_api_stock_on_hand_with_totals_and_filters(client: TestClient, world: World) -> None:
    status, body = get(client, world, "/api/v1/stock")
    assert status == 200, body
    assert [(r["sku"], r["location"], r["status"], r["transfer"], r["quantity"])
            for r in body["items"]] == [
        ("CABLE", "Store", "in_stock", None, 5),
        ("CABLE", "Transit", "in_transit", world.dispatch, 3),
        ("PHONE", "Store", "in_stock", None, 1),
        ("PHONE", "Transit", "in_transit", world.dispatch, 1),
    ]  # fmt: skip
    assert body["totals"] == [
        {
            "sku": "CABLE",
            "name": "Cable",
            "in_stores": 5,
            "in_transit": 3,
            "quantity": 8,
            "on_hold": 0,
        },
        {
            "sku": "PHONE",
            "name": "Phone",
            "in_stores": 1,
            "in_transit": 1,
            "quantity": 2,
            "on_hold": 0,
        },
    ]
    assert (body["in_stores"], body["in_transit"], body["total"]) == (6, 4, 10)
    status, body = get(client, world, "/api/v1/stock", sku="PHONE", status="in_transit")
    assert (status, [r["location"] for r in body["items"]], body["total"]) == (200, ["Transit"], 1)
    status, body = get(client, world, "/api/v1/stock", sku="NOPE", location="Mars", status="sold")
    assert status == 422
    assert wheres(body) == {"sku", "location", "status"}
    assert client.get("/api/v1/stock").status_code == 401


def test_api_stock_as_of_and_where_a_serial_was(client: TestClient, world: World) -> None:
    moment = (BASE + 2 * HOUR + timedelta(minutes=30)).isoformat()
    status, body = get(client, world, "/api/v1/stock", as_of=moment)
    assert status == 200, body
    assert [(r["sku"], r["location"], r["quantity"]) for r in body["items"]] == [
        ("CABLE", "Store", 8), ("PHONE", "Store", 2),
    ]  # fmt: skip
    assert (body["total"], body["as_of"]) == (10, moment + "Z")
    status, body = get(client, world, "/api/v1/stock", as_of=BASE.date().isoformat(), sku="CABLE")
    assert [(r["location"], r["quantity"]) for r in body["items"]] == [
        ("Store", 5), ("Transit", 3),
    ]  # fmt: skip
    for params, named in (
        ({"as_of": "30/11/2026"}, {"as_of"}),
        ({"as_of": "2026-11-30", "status": "in_stock"}, {"status"}),
        ({"as_of": "2026-11-30", "location": "Mars"}, {"location"}),
    ):
        status, body = get(client, world, "/api/v1/stock", **params)
        assert (status, wheres(body)) == (422, named), params

    path = "/api/v1/products/PHONE/serials/P1/as-of"
    status, body = get(client, world, path, at=BASE.isoformat())
    assert (status, body["existed"], body["serial"]) == (200, False, None)
    status, body = get(client, world, path, at=(BASE + 2 * HOUR).isoformat())
    assert status == 200, body
    found = body["serial"]
    assert (found["status"], found["document"], found["cancelled"]) == ("sold", world.sale, False)
    status, body = get(client, world, path, at=(BASE + 1 * HOUR).isoformat())
    assert (body["serial"]["location"], body["serial"]["document"]) == ("Store", world.receipt)
    assert get(client, world, path, at="noon")[0] == 422
    assert wheres(get(client, world, path)[1]) == {"at"}  # missing
    assert get(client, world, "/api/v1/products/PHONE/serials/P9/as-of", at="2026-01-01")[0] == 404


def test_cli_stock_and_serial_at(tmp_path) -> None:  # type: ignore[no-untyped-def]
    world = build(f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> str:
        result = runner.invoke(app, ["--db", world.url, *args], env={"COLUMNS": "80"})
        output = result.stdout + result.stderr
        assert result.exit_code == (0 if ok else 1), output
        return output

    shown = run("stock")
    assert world.dispatch in shown
    assert "total: 10 (in stores 6, in transit 4)" in shown
    assert max(len(line) for line in shown.splitlines()) <= 80
    assert "total: 3 (in stores 0, in transit 3)" in run("stock", "--status", "in_transit",
                                                          "--sku", "CABLE")  # fmt: skip
    then = run("stock", "--as-of", (BASE + 2 * HOUR).isoformat())
    assert "total: 10 (in stores 10, in transit 0)" in then
    assert "No stock." in run("stock", "--as-of", (BASE - HOUR).date().isoformat(),
                              "--location", "Warehouse")  # fmt: skip
    refused = run("stock", "--as-of", "later", "--sku", "NOPE", ok=False)
    assert "--as-of:" in refused
    assert "sku:" in refused
    assert "status:" in run("stock", "--status", "sold", ok=False)
    at = run("serial-at", "PHONE", "P2", "--at", (BASE + 3 * HOUR).isoformat())
    assert f"in transit at Transit (by {world.dispatch}," in at
    assert "had not come in" in run("serial-at", "PHONE", "P2", "--at", BASE.isoformat())


def test_the_stock_page_with_filters(client: TestClient, world: World) -> None:
    as_user(client, "vic")
    page = client.get("/stock")
    assert page.status_code == 200
    table = page.text.split('id="stock-on-hand"')[1].split("</table>")[0]
    assert f'href="/documents/by-number?number={world.dispatch}"' in table  # in transit: linked
    totals = page.text.split('id="grand-total"')[1].split("</tr>")[0]
    assert all(f'class="num">{n}<' in totals for n in (6, 4, 10))
    filtered = client.get("/stock", params={"sku": "PHONE", "location": "Store"}).text
    table = filtered.split('id="stock-on-hand"')[1].split("</table>")[0]
    assert "Phone" in table
    assert "Transit" not in table
    assert "Cable" not in table
    then = client.get("/stock", params={"as_of": (BASE + 2 * HOUR).isoformat()})
    assert then.status_code == 200
    table = then.text.split('id="stock-as-of"')[1].split("</table>")[0]
    assert ">8<" in table
    assert ">2<" in table
    refused = client.get("/stock", params={"as_of": "soon", "sku": "NOPE"})
    assert refused.status_code == 422
    assert 'id="err-as_of"' in refused.text
    assert 'id="err-sku"' in refused.text
