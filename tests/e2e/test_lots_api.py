"""Lots over the REST API and the command line, on SQLite and PostgreSQL: a product's shelf life,
date offsets and batch pattern in and out (a bad pattern refused, its unknown placeholders
named, nothing written); the next batch code asked for (not taken) and given to a receipt's
batch left without one; the expiring report's alert column; the product and batch pages showing
the date rules and the derived dates."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import PASSWORD, as_user

import serialtrack
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app

PATTERN = "{sku}-{yy}{ww}-{seq:03}"


def shop(db_url: str) -> dict[str, str]:
    with serialtrack.open(db_url) as inv:
        inv.add_location("Main")
        inv.add_partner("Acme", supplier=True)
        inv.add_user("clara", "clerk", PASSWORD)
        inv.add_user("mia", "manager", PASSWORD)
        return {u: inv.create_token(u, "t") for u in ("clara", "mia")}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_lot_fields_next_code_and_alerts_over_the_api(db_url: str) -> None:
    tokens = shop(db_url)
    manager = bearer(tokens["mia"])
    with TestClient(create_app(db_url)) as client:
        bad = client.post("/api/v1/products", headers=manager, json={
            "sku": "VAX", "name": "Vaccine", "tracking": "batch", "batch_pattern": "{sku}-{lot}",
        })  # fmt: skip
        assert bad.status_code == 422, bad.text
        messages = [e["message"] for e in bad.json()["errors"] if e["where"] == "batch_pattern"]
        assert any("unknown placeholder {lot}" in m for m in messages), bad.text
        assert any("must contain {seq}" in m for m in messages), bad.text
        assert client.get("/api/v1/products/VAX", headers=manager).status_code == 404

        made = client.post("/api/v1/products", headers=manager, json={
            "sku": "VAX", "name": "Vaccine", "tracking": "batch", "batch_pattern": PATTERN,
            "shelf_life_days": 365, "best_before_days": 10, "removal_days": 30,
        })  # fmt: skip
        assert made.status_code == 201, made.text
        body = made.json()
        assert (body["batch_pattern"], body["shelf_life_days"], body["alert_days"]) == (
            PATTERN, 365, None,
        )  # fmt: skip
        patched = client.patch("/api/v1/products/VAX", headers=manager,
                               json={"alert_days": 400})  # fmt: skip
        assert patched.status_code == 422
        assert patched.json()["errors"][0]["where"] == "alert_days"
        patched = client.patch("/api/v1/products/VAX", headers=manager, json={"alert_days": 360})
        assert patched.status_code == 200, patched.text
        assert patched.json()["alert_days"] == 360

        nxt = client.get("/api/v1/products/VAX/next-batch-code?date=2026-12-03", headers=manager)
        assert nxt.json() == {"sku": "VAX", "code": "VAX-2649-001"}
        today = date.today()
        received = client.post("/api/v1/documents", headers=manager, json={
            "kind": "receipt", "partner": "Acme", "location": "Main", "post": True,
            "date": "2026-12-03",
            "lines": [
                {"sku": "VAX", "batches": [{"quantity": 4}, {"code": "auto", "quantity": 2}]}
            ],
        })  # fmt: skip
        assert received.status_code == 201, received.text
        again = client.get("/api/v1/products/VAX/next-batch-code?date=2026-12-03", headers=manager)
        assert again.json()["code"] == "VAX-2649-003"
        batch = client.get("/api/v1/products/VAX/batches/VAX-2649-001", headers=manager).json()
        assert batch["expiry"] == "2027-12-03"
        assert (batch["best_before"], batch["removal"], batch["alert"]) == (
            "2027-11-23", "2027-11-03", "2026-12-08",
        )  # fmt: skip

        # The alert date (2026-12-08) comes within the days asked; the expiry is a year away.
        days = (date(2026, 12, 8) - today).days + 1
        if days >= 0:
            rows = client.get(f"/api/v1/reports/expiring?days={days}", headers=manager).json()
            found = {(r["batch"], r["alert"]) for r in rows["items"]}
            assert found == {("VAX-2649-001", "2026-12-08"), ("VAX-2649-002", "2026-12-08")}
        far = (date(2027, 12, 3) - today - timedelta(days=400)).days
        if far > 0:  # neither expiry nor alert within so few days
            assert client.get(f"/api/v1/reports/expiring?days={far}",
                              headers=manager).json()["items"] == []  # fmt: skip

        # A clerk may ask for the next code; a clerk may not change the product.
        clerk = bearer(tokens["clara"])
        assert client.get("/api/v1/products/VAX/next-batch-code", headers=clerk).status_code == 200
        assert client.patch("/api/v1/products/VAX", headers=clerk,
                            json={"shelf_life_days": 5}).status_code == 403  # fmt: skip

        no_pattern = client.post("/api/v1/products", headers=manager, json={
            "sku": "TEA", "name": "Tea", "tracking": "batch"})  # fmt: skip
        assert no_pattern.status_code == 201
        refused = client.post("/api/v1/documents", headers=manager, json={
            "kind": "receipt", "partner": "Acme", "location": "Main", "post": True,
            "lines": [{"sku": "TEA", "batches": [{"quantity": 4}]}],
        })  # fmt: skip
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"] == [{
            "where": "lines[0].batches[0].code",
            "message": "line 1: batch code missing; give one or set the product's batch pattern",
        }]  # fmt: skip


def test_pages_show_the_date_rules_and_derived_dates(db_url: str) -> None:
    shop(db_url)
    with serialtrack.open(db_url) as inv:
        inv.add_product("VAX", "Vaccine", "batch", shelf_life_days=100, removal_days=20,
                        alert_days=40, batch_pattern=PATTERN)  # fmt: skip
        inv.receive(supplier="Acme", location="Main", date=date(2026, 12, 1),
                    lines=[{"sku": "VAX", "batches": [(None, 3)]}])  # fmt: skip
    with TestClient(create_app(db_url)) as client:
        as_user(client, "mia")
        page = client.get("/product?sku=VAX").text
        assert "Expires 100 days after it is received" in page
        assert "Taken off sale 20 days before expiry." in page
        assert "New batch codes follow {sku}-{yy}{ww}-{seq:03}." in page
        form = client.get("/product/edit?sku=VAX").text
        assert 'name="shelf_life_days"' in form
        assert 'value="100"' in form
        batch = client.get("/batch?sku=VAX&code=VAX-2649-001").text
        assert "2027-03-11" in batch  # expiry: 2026-12-01 + 100 days
        assert 'id="batch-removal">after 2027-02-19' in batch
        assert 'id="batch-alert">2027-01-30' in batch


def test_product_options_and_next_batch_on_the_command_line(db_url: str) -> None:
    shop(db_url)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["--db", db_url, *args], env={"COLUMNS": "120"})
        output = result.stdout + result.stderr
        assert result.exit_code == code, output
        assert "Traceback" not in output
        return output

    run("product", "add", "VAX", "Vaccine", "--tracking", "batch", "--shelf-life", "365",
        "--best-before", "10", "--removal", "30", "--alert", "60",
        "--batch-pattern", PATTERN)  # fmt: skip
    assert run("product", "next-batch", "VAX", "--date", "2026-12-03").strip() == "VAX-2649-001"
    refused = run("product", "edit", "VAX", "--batch-pattern", "{sku}-{week}-{seq}", code=1)
    assert "unknown placeholder {week}" in refused
    edited = run("product", "edit", "VAX", "--alert", "90", "--clear", "removal_days")
    assert "alert_days 90" in edited
    assert "removal_days" not in edited
    run("receive", "--supplier", "Acme", "--location", "Main", "--date", "2026-12-03",
        "--sku", "VAX", "--batch", "auto:5", "--batch", "auto:2")  # fmt: skip
    assert run("product", "next-batch", "VAX", "--date", "2026-12-03").strip() == "VAX-2649-003"
    with serialtrack.open(db_url) as inv:
        product = inv.product("VAX")
        assert (product.shelf_life_days, product.alert_days, product.removal_days) == (
            365,
            90,
            None,
        )
        assert {b["code"]: b["expiry"] for b in inv.batches(sku="VAX")} == {
            "VAX-2649-001": date(2027, 12, 3), "VAX-2649-002": date(2027, 12, 3),
        }  # fmt: skip
    shown = run("batch", "VAX", "VAX-2649-001")
    assert "best before 2027-11-23" in shown
    assert "alert 2027-09-04" in shown
    assert "Alert" in run("expiring", "--days", "400")
    missing = run("product", "next-batch", "NOPE", code=1)
    assert "no product with SKU 'NOPE'" in missing
