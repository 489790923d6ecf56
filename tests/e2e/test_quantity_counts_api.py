"""Counting quantity-only and batch products over the REST API and the command line, on SQLite
and PostgreSQL: counted quantities per batch, expected against counted, posting the
differences (a manager's), refusals naming the line, cancelling."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import MAIN, PASSWORD, as_user, library

import serialtrack
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app


def shop(db_url: str) -> dict[str, str]:
    with serialtrack.open(db_url) as inv:
        inv.add_location("Main")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("CBL", "Cable", "none")
        inv.add_product("PILL", "Pills", "batch")
        lines = [
            ("CBL", 10),
            {"sku": "PILL", "batches": [("L1", 6, date(2099, 1, 1)), ("L2", 4, date(2099, 1, 1))]},
        ]
        inv.receive(supplier="Acme", location="Main", lines=lines)
        inv.add_user("clara", "clerk", PASSWORD)
        inv.add_user("mia", "manager", PASSWORD)
        return {u: inv.create_token(u, "t") for u in ("clara", "mia")}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_quantities_counted_and_posted_over_the_api(db_url: str) -> None:
    tokens = shop(db_url)
    clerk, manager = bearer(tokens["clara"]), bearer(tokens["mia"])
    with TestClient(create_app(db_url)) as client:
        opened = client.post("/api/v1/counts", json={"location": "Main"}, headers=clerk)
        assert opened.status_code == 201, opened.text
        number = opened.json()["number"]
        assert opened.json()["warnings"] == [
            "CBL not counted: left as is", "PILL not counted: left as is",
        ]  # fmt: skip
        url = f"/api/v1/counts/{number}/quantities"
        refused = client.post(url, headers=clerk, json={"lines": [
            {"sku": "CBL", "quantity": 3}, {"sku": "PILL", "batch": "NOPE", "quantity": 1},
            {"sku": "PILL", "batch": "L1", "quantity": -2},
        ]})  # fmt: skip
        assert refused.status_code == 422, refused.text
        assert [e["where"] for e in refused.json()["errors"]] == [
            "lines[1].batch", "lines[2].quantity",
        ]  # fmt: skip
        assert "PILL has no batch" in refused.text
        not_int = client.post(url, headers=clerk,
                              json={"lines": [{"sku": "CBL", "quantity": "3"}]})  # fmt: skip
        assert not_int.status_code == 422
        counted = client.post(url, headers=clerk, json={"lines": [
            {"sku": "CBL", "quantity": 8}, {"sku": "PILL", "batch": "l1", "quantity": 7},
        ]})  # fmt: skip
        assert counted.status_code == 200, counted.text
        body = counted.json()
        assert [i["outcome"] for i in body["items"]] == ["counted", "counted"]
        assert [(q["sku"], q["batch"], q["expected"], q["counted"], q["difference"])
                for q in body["count"]["quantities"]] == [
            ("CBL", None, 10, 8, -2), ("PILL", "L1", 6, 7, 1), ("PILL", "L2", 4, None, -4),
        ]  # fmt: skip
        assert body["count"]["warnings"] == []
        assert client.post(f"/api/v1/counts/{number}/post", headers=clerk).status_code == 403
        posted = client.post(f"/api/v1/counts/{number}/post", headers=manager)
        assert posted.status_code == 200, posted.text
        assert posted.json()["state"] == "posted"
        read = client.get(f"/api/v1/counts/{number}", headers=clerk).json()
        assert [q["difference"] for q in read["quantities"]] == [-2, 1, -4]
        late = client.post(url, headers=clerk, json={"lines": [{"sku": "CBL", "quantity": 1}]})
        assert late.status_code == 409
    with serialtrack.open(db_url) as inv:
        assert sum(r["quantity"] for r in inv.stock(sku="PILL", location="Main")) == 7
        assert sum(r["quantity"] for r in inv.stock(sku="CBL", location="Main")) == 8
        assert inv.check() == []
        inv.cancel(number)
        assert sum(r["quantity"] for r in inv.stock(sku="PILL", location="Main")) == 10
        assert inv.check() == []


def test_quantities_counted_by_command_line(db_url: str) -> None:
    shop(db_url)
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> str:
        result = runner.invoke(app, ["--db", db_url, *args])
        output = result.stdout + result.stderr
        assert result.exit_code == (0 if ok else 1), output
        assert "Traceback" not in output
        return output

    opened = run("count", "open", "--location", "Main", "--sku", "PILL")
    assert "PILL not counted: left as is" in opened
    counted = run("count", "quantity", "CT-000001", "--sku", "PILL", "--batch", "L2", "5")
    assert "PILL batch L2: 5 counted" in counted
    assert "+1" in counted  # L2: one more
    assert "-6" in counted  # L1 not entered: counts as 0
    refused = run("count", "quantity", "CT-000001", "--sku", "PILL", "--batch", "L9", "1",
                  ok=False)  # fmt: skip
    assert "PILL has no batch with this code" in refused
    refused = run("count", "quantity", "CT-000001", "--sku", "PILL", "--", "-1", ok=False)
    assert "batch-tracked" in refused
    assert "below zero" in refused
    assert "Quantities" in run("count", "show", "CT-000001")
    posted = run("count", "post", "CT-000001")
    assert "posted" in posted
    assert "PILL batch L1: expected 6, counted 0: 6 short" in run("discrepancies", "--wide")
    with serialtrack.open(db_url) as inv:
        assert sum(r["quantity"] for r in inv.stock(sku="PILL", location="Main")) == 5
        assert inv.check() == []


def test_the_count_page_counts_quantities(shop: TestClient) -> None:
    """The demo shop (SQLite): 47 CBL-USB and VIT-C batches at Main store."""
    token = as_user(shop, "kim")
    opened = shop.post("/counts/new", data={"csrf_token": token, "location": MAIN,
                                             "sku": "CBL-USB"}, follow_redirects=False)  # fmt: skip
    assert opened.status_code == 303, opened.text
    page = opened.headers["location"]
    shown = shop.get(page).text
    assert "CBL-USB not counted: left as is" in shown
    assert 'id="record-quantities"' in shown
    form = {"csrf_token": token, "sku": ["CBL-USB", ""], "batch": ["", ""],
            "quantity": ["-4", ""]}  # fmt: skip
    refused = shop.post(f"{page}/quantities", data=form, follow_redirects=False)
    assert refused.status_code == 422
    assert 'id="err-rows-0-quantity"' in refused.text
    assert "below zero" in refused.text
    form["quantity"] = ["45", ""]
    done = shop.post(f"{page}/quantities", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    shown = shop.get(page).text
    assert "not counted: left as is" not in shown
    row = shown.split('data-sku="CBL-USB"')[1].split("</tr>")[0]
    assert [">47<" in row, ">45<" in row, ">-2<" in row] == [True, True, True]
    assert 'id="post-count"' not in shown  # a clerk counts, a manager posts
    token = as_user(shop, "mia")
    posted = shop.post(f"{page}/post", data={"csrf_token": token}, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    shown = shop.get(page).text
    assert "Quantities counted and the differences written" in shown
    assert 'id="record-quantities"' not in shown
    with library(shop) as inv:
        assert sum(r["quantity"] for r in inv.stock(sku="CBL-USB", location=MAIN)) == 45
        assert inv.check() == []
