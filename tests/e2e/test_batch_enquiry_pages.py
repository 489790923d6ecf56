"""Batch enquiry end to end on the demo shop (VIT-C batches LOT-2401 and LOT-2402 at Main
store): the search box opens a scanned batch code's page, the product page links its batches,
``GET /api/v1/products/{sku}/batches/{code}`` and ``serialtrack batch``."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import MAIN, as_user, library

from serialtrack.entrypoints.cli import app


def test_a_batch_code_searched_opens_its_page(shop: TestClient) -> None:
    as_user(shop, "vic")  # a viewer reads batches too
    with library(shop) as inv:
        sale = inv.sell(location=MAIN, lines=[{"sku": "VIT-C", "batches": [("LOT-2401", 5)]}])
    found = shop.get("/search?q=lot-2401", follow_redirects=False)
    assert (found.status_code, found.headers["location"]) == (
        303, "/batch?sku=VIT-C&code=LOT-2401",
    )  # fmt: skip
    page = html.unescape(shop.get(found.headers["location"]).text)
    assert "batch of" in page
    parts = page.split('id="batch-parts"')[1].split("</table>")[0]
    assert f'<td>{MAIN}</td><td>in stock</td><td></td><td class="num">19</td>' in parts
    assert '<td>sold</td><td>walk-in</td><td class="num">5</td>' in parts
    assert sale.number in page.split('id="batch-history"')[1]
    product = shop.get("/product?sku=VIT-C").text
    assert 'href="/batch?sku=VIT-C&amp;code=LOT-2402"' in product
    assert shop.get("/batch?sku=VIT-C&code=NOPE").status_code == 404


def test_a_batch_over_the_api_and_by_command_line(shop: TestClient) -> None:
    as_user(shop, "kim")
    with library(shop) as inv:
        token = inv.create_token("kim", "till")
        url = inv.store.engine.url.render_as_string(False)
    auth = {"Authorization": f"Bearer {token}"}
    body = shop.get("/api/v1/products/VIT-C/batches/LOT-2402", headers=auth).json()
    assert (body["code"], body["on_hand"]) == ("LOT-2402", 36)
    assert re.fullmatch(r"(RC|OB)-\d{6}", body["received"]), body
    assert body["parts"] == [
        {"location": MAIN, "status": "in_stock", "quantity": 36, "partner": None}
    ]
    assert body["history"][0]["kind"] == "receipt"
    missing = shop.get("/api/v1/products/VIT-C/batches/NOPE", headers=auth)
    assert missing.status_code == 404
    result = CliRunner().invoke(app, ["--db", url, "batch", "VIT-C", "LOT-2402"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "VIT-C batch LOT-2402, expires" in result.stdout
    assert "36 in stock" in result.stdout
    scanned = CliRunner().invoke(app, ["--db", url, "scan", "LOT-2402"])
    assert "VIT-C batch LOT-2402: 36 in stock" in scanned.stdout
