"""The serial report and what is in transit over the REST API, on SQLite and PostgreSQL:
``GET /api/v1/reports/serials`` pages by key through the very rows ``Inventory.report``
streams, serials and batch parts, with the CSV's filters, a bad one named in a 422;
``GET /api/v1/transfers/in-transit`` per transfer and product, by location and SKU; both
need a login."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

import serialtrack
from serialtrack import REPORT_COLUMNS
from serialtrack.demo import load_demo
from serialtrack.entrypoints.web import create_app
from templates import initialized

REPORT = "/api/v1/reports/serials"
IN_TRANSIT = "/api/v1/transfers/in-transit"
BAD = [
    ({"sku": "NOPE"}, {"sku"}),
    ({"location": "Nowhere"}, {"location"}),
    ({"partner": "Nobody"}, {"partner"}),
    ({"status": "lost"}, {"status"}),
    ({"received_from": "2026-13-01"}, {"received_from"}),
    ({"sold_from": "2026-02-01", "sold_to": "2026-01-31"}, {"sold_from"}),
    ({"sku": "NOPE", "sold_to": "x"}, {"sku", "sold_to"}),
    ({"after": "not-a-key"}, {"after"}),
]


def vitamins(code: str, quantity: int) -> list[dict[str, Any]]:
    return [{"sku": "VIT-C", "batches": [(code, quantity)]}]


@pytest.fixture
def api(db_url: str) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    """The demo shop, and: VIT-C LOT-2401 partly sold to Jane Doe, partly on its way to the
    Warehouse with phone X1-00010 (TR-000001); LOT-2402 partly sent to the Warehouse in one
    step. The viewer vic's token."""
    with serialtrack.open(initialized(db_url)) as inv:
        load_demo(inv)
        inv.sell(customer="Jane Doe", location="Main store", lines=vitamins("LOT-2401", 5))
        inv.dispatch(source="Main store", destination="Warehouse",
                     lines=[*vitamins("LOT-2401", 4), ("PHN-X1", ["X1-00010"])])  # fmt: skip
        inv.transfer(source="Main store", destination="Warehouse", lines=vitamins("LOT-2402", 6))
        inv.add_user("vic", "viewer", "viewer-pass-1")
        token = inv.create_token("vic", "tests")
    with TestClient(create_app(db_url)) as client:
        yield client, {"Authorization": f"Bearer {token}"}, db_url


def library_rows(url: str, **filters: Any) -> list[dict[str, Any]]:
    with serialtrack.open(url) as inv:
        rows = [dict(zip(REPORT_COLUMNS, r, strict=True)) for r in inv.report(**filters)]
    return [{k: v.isoformat() if isinstance(v, date) else v for k, v in r.items()} for r in rows]


def every_page(client: TestClient, headers: dict[str, str], **params: Any) -> list[Any]:
    items: list[Any] = []
    after = None
    for _ in range(1000):
        query = {**params, **({"after": after} if after else {})}
        response = client.get(REPORT, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_after"}
        items += page["items"]
        after = page["next_after"]
        if after is None:
            return items
    raise AssertionError("the pages never end")


def test_paging_through_the_report_gives_the_library_rows(api) -> None:  # type: ignore[no-untyped-def]
    client, headers, url = api
    everything = library_rows(url)
    assert {r["batch"] for r in everything} == {None, "LOT-2401", "LOT-2402"}
    for limit in (1, 7, 1000):
        items = every_page(client, headers, limit=limit)
        assert [list(item) for item in items[:1]] == [list(REPORT_COLUMNS)]
        assert items == everything, limit


@pytest.mark.parametrize(
    "filters",
    [
        {"sku": "VIT-C"},
        {"status": "in_transit"},
        {"status": "sold", "partner": "Jane Doe"},
        {"location": "Warehouse", "received_from": "2000-01-01", "received_to": "2999-12-31"},
        {"sold_from": "2000-01-01", "sku": ""},  # an empty value is no filter
    ],
)
def test_the_report_filters_as_the_csv_does(api, filters: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    client, headers, url = api
    given = {k: v for k, v in filters.items() if v}
    expected = library_rows(url, **given)
    assert expected
    assert every_page(client, headers, limit=2, **filters) == expected


def test_batch_rows_carry_their_quantities(api) -> None:  # type: ignore[no-untyped-def]
    client, headers, _ = api
    response = client.get(REPORT, params={"sku": "VIT-C", "limit": 100}, headers=headers)
    assert response.status_code == 200
    shown = [(r["batch"], r["status"], r["location"], r["quantity"], r["customer"])
             for r in response.json()["items"]]  # fmt: skip
    assert shown == [
        ("LOT-2401", "in_stock", "Main store", 15, None),
        ("LOT-2401", "in_transit", "Transit", 4, None),
        ("LOT-2401", "sold", "Customers", 5, "Jane Doe"),
        ("LOT-2402", "in_stock", "Main store", 30, None),
        ("LOT-2402", "in_stock", "Warehouse", 6, None),
    ]


@pytest.mark.parametrize(("given", "named"), BAD)
def test_a_bad_filter_is_a_422_naming_it(api, given: dict[str, str], named: set[str]) -> None:  # type: ignore[no-untyped-def]
    client, headers, _ = api
    response = client.get(REPORT, params=given, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert {e["where"] for e in response.json()["errors"]} == named


def test_the_page_size_is_bounded(api) -> None:  # type: ignore[no-untyped-def]
    client, headers, _ = api
    for limit in (0, 1001):
        response = client.get(REPORT, params={"limit": limit}, headers=headers)
        assert response.status_code == 422
        assert [e["where"] for e in response.json()["errors"]] == ["query.limit"]


def test_what_is_in_transit_per_transfer_and_product(api) -> None:  # type: ignore[no-untyped-def]
    client, headers, _ = api
    response = client.get(IN_TRANSIT, headers=headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(i["number"], i["from_location"], i["to_location"], i["sku"], i["quantity"],
             i["serials"], i["batches"]) for i in items] == [
        ("TR-000001", "Main store", "Warehouse", "PHN-X1", 1, ["X1-00010"], []),
        ("TR-000001", "Main store", "Warehouse", "VIT-C", 4, [],
         [{"code": "LOT-2401", "quantity": 4}]),
    ]  # fmt: skip
    assert date.fromisoformat(items[0]["date"])

    def numbers(**params: str) -> list[tuple[str, str]]:
        answer = client.get(IN_TRANSIT, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return [(i["number"], i["sku"]) for i in answer.json()["items"]]

    assert numbers(location="Main store") == numbers(location="Warehouse") == numbers()
    assert numbers(sku="VIT-C") == [("TR-000001", "VIT-C")]
    assert numbers(location="Warehouse", sku="LAP-14") == []
    assert numbers(location="Transit") == []  # the transit location is no transfer's end
    refused = client.get(IN_TRANSIT, params={"location": "Nowhere", "sku": "NOPE"},
                         headers=headers)  # fmt: skip
    assert refused.status_code == 422
    assert {e["where"] for e in refused.json()["errors"]} == {"location", "sku"}


def test_both_need_a_login(api) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = api
    for path in (REPORT, IN_TRANSIT):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["content-type"] == "application/problem+json"
        forged = client.get(path, headers={"Authorization": "Bearer forged"})
        assert forged.status_code == 401, path
