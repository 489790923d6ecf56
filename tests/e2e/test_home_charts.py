"""The home page's three charts (stock by store, received and sold per week, expiring soon) and
``GET /api/v1/dashboard``, on the demo shop and on an empty one."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from webshop import PASSWORD, as_user, library

import serialtrack
from serialtrack.entrypoints.web import create_app


def charts(page: str) -> list[ET.Element]:
    """Every ``<svg>`` of the page, parsed (so each is well-formed on its own)."""
    return [ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", page, re.S)]


def labels(page: str) -> list[str]:
    return [svg.get("aria-label", "") for svg in charts(page)]


def test_a_clerk_sees_the_three_charts_with_the_shops_figures(shop: TestClient) -> None:
    # the demo shop, and five units of a batch expiring in ten days
    with library(shop) as inv:
        inv.receive(
            supplier="Northwind Parts",
            location="Main store",
            lines=[{"sku": "VIT-C", "batches": [
                {"code": "LOT-SOON", "quantity": 5, "expiry": date.today() + timedelta(days=10)}
            ]}],
        )  # fmt: skip
    as_user(shop, "kim")
    response = shop.get("/")
    assert response.status_code == 200
    page = response.text
    assert page.count("<svg") == 3
    stock, weeks, expiry = labels(page)
    # Main store: 17 phones, 47 cables, 65 vitamins; Warehouse: 8 laptops
    assert stock == "Stock by store: Main store 129 units, Warehouse 8 units"
    # received: 20 phones, 50 cables, 10 laptops, 60 + 5 vitamins; sold 3 + 3 + 2; 1 returned
    assert weeks.endswith(": received 145 units, sold 8 units")
    assert "145 received, 8 sold, 1 returned" in page
    assert expiry == (
        "Expiring within 30 days: expired 0 units, within 7 days 0 units, in 8 to 30 days 5 units"
    )
    for href in ('href="/stock"', 'href="/journal?date_from=', 'href="/expiring"'):
        assert f'<a class="chart-link" {href}' in page
    for svg in charts(page):  # nothing the Content-Security-Policy would have to allow
        assert svg.get("role") == "img"
        assert all(e.tag not in ("style", "script") for e in svg.iter())
        assert all("style" not in e.attrib for e in svg.iter())


def test_an_empty_shop_shows_the_charts_empty(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with serialtrack.open(url) as inv:
        inv.add_user("kim", "clerk", PASSWORD)
    with TestClient(create_app(url)) as client:
        as_user(client, "kim")
        page = client.get("/").text
    assert page.count("<svg") == 3
    assert labels(page) == [
        "Stock by store: No stock yet",
        "Units received and sold per week, last 12 weeks: "
        "Nothing received or sold in the last 12 weeks",
        "Expiring within 30 days: Nothing expired or expiring within 30 days",
    ]
    assert "0 units in the stores" in page


def test_the_dashboard_api_needs_a_login_and_answers_the_figures(shop: TestClient) -> None:
    shop.cookies.clear()
    refused = shop.get("/api/v1/dashboard")
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    with library(shop) as inv:
        token = inv.create_token("vic", "dashboard")
    headers = {"Authorization": f"Bearer {token}"}
    body = shop.get("/api/v1/dashboard", headers=headers).json()
    assert [(s["location"], s["quantity"]) for s in body["stores"]] == [
        ("Main store", 124), ("Warehouse", 8),
    ]  # fmt: skip
    assert body["stores"][0]["by_tracking"] == {"serial": 17, "batch": 60, "none": 47}
    assert body["in_stores"] == 132
    assert (body["received"], body["sold"], body["returned"]) == (140, 8, 1)
    assert len(body["weeks"]) == 12
    assert re.fullmatch(r"\d{4}-W\d\d", body["weeks"][-1]["week"])
    assert body["expiry"] == {"days": 30, "expired": 0, "within_week": 0, "later": 0,
                              "expiring": 0, "alerted": 0}  # fmt: skip
    short = shop.get("/api/v1/dashboard", params={"weeks": 2, "days": 90}, headers=headers)
    assert len(short.json()["weeks"]) == 2
    assert short.json()["expiry"]["later"] == 24  # LOT-2401, in 60 days
    wrong = shop.get("/api/v1/dashboard", params={"weeks": 0}, headers=headers)
    assert wrong.status_code == 422
