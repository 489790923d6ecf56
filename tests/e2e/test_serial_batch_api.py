"""Tracking serial+batch from outside, on SQLite and PostgreSQL: a product made serial+batch
over the REST API, a receipt whose line names its batch (and one of GS1 scans that carry it),
the unit and its batch read back, refusals that name the line and write nothing; the same
from the command line and the receipt form of the web."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import PASSWORD, as_user

import serialtrack
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app

GTIN = "09506000134352"


def shop(db_url: str) -> str:
    with serialtrack.open(db_url) as inv:
        inv.add_location("Main")
        inv.add_partner("Acme", supplier=True)
        inv.add_user("mia", "manager", PASSWORD)
        return inv.create_token("mia", "t")


def test_a_serial_batch_receipt_over_the_api(db_url: str) -> None:
    auth = {"Authorization": f"Bearer {shop(db_url)}"}
    with TestClient(create_app(db_url)) as client:
        made = client.post("/api/v1/products", headers=auth, json={
            "sku": "VAX", "name": "Vaccine", "tracking": "serial+batch", "gtin": GTIN})  # fmt: skip
        assert made.status_code == 201, made.text
        assert made.json()["tracking"] == "serial+batch"
        body = {
            "kind": "receipt", "partner": "Acme", "location": "Main", "post": True,
            "lines": [{"sku": "VAX", "serials": ["S1", "S2"], "batch": "L1",
                       "expiry": "2027-01-31"}],
        }  # fmt: skip
        refused = client.post("/api/v1/documents", headers=auth, json={
            **body, "lines": [{"sku": "VAX", "serials": ["S1"]}]})  # fmt: skip
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["where"] == "lines[0].batch"
        posted = client.post("/api/v1/documents", headers=auth, json=body)
        assert posted.status_code == 201, posted.text
        assert posted.json()["lines"][0]["batch"] == "L1"
        gs1 = f"(01){GTIN}(10)L2(17)270228(21)S3"
        scan_line = [{"sku": "VAX", "serials": [gs1]}]
        scanned = client.post("/api/v1/documents", headers=auth, json={**body, "lines": scan_line})
        assert scanned.status_code == 201, scanned.text
        unit = client.get("/api/v1/products/VAX/serials/S3", headers=auth).json()
        assert (unit["batch"], unit["expiry"]) == ("L2", "2027-02-28")
        batch = client.get("/api/v1/products/VAX/batches/L1", headers=auth).json()
        assert batch["on_hand"] == 2
        assert [u[0] for u in batch["units"]] == ["S1", "S2"]
    with serialtrack.open(db_url) as inv:
        assert len(inv.documents(limit=10)) == 2  # the refusal wrote nothing
        assert inv.check() == []


def test_a_serial_batch_receipt_by_command_line_and_form(db_url: str) -> None:
    shop(db_url)

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["--db", db_url, *args])
        assert result.exit_code == 0, result.stdout + result.stderr
        return result.stdout

    run("product", "add", "VAX", "Vaccine", "--tracking", "serial+batch")
    posted = run("receive", "--supplier", "Acme", "--location", "Main", "--sku", "VAX",
                 "--batch", "L1", "--expiry", "2027-01-31", "S1", "S2")  # fmt: skip
    assert "receipt RC-000001 posted: 2 units" in posted
    assert "batch: L1" in run("serial", "VAX", "S1")
    enquiry = run("batch", "VAX", "L1", "--wide")
    assert "Its units" in enquiry
    assert "S2" in enquiry
    with TestClient(create_app(db_url)) as client:
        token = as_user(client, "mia")
        form = {
            "csrf_token": token, "partner": "Acme", "location": "Main",
            "lines-0-sku": "VAX", "lines-0-quantity": "1", "lines-0-serial": "S5",
            "lines-0-expiry": "2027-03-31",
        }  # fmt: skip
        refused = client.post("/receipts/new", data=form)
        assert refused.status_code == 422
        assert 'id="err-lines-0-batch"' in refused.text
        assert 'name="lines-0-lot"' in refused.text  # the batch field is on the line
        posted_form = client.post("/receipts/new", data={**form, "lines-0-lot": "L3"},
                                  follow_redirects=False)  # fmt: skip
        assert posted_form.status_code == 303, posted_form.text
        page = client.get(posted_form.headers["location"]).text
        assert 'id="line-lot-0"' in page
        assert "L3" in page
        unit = client.get("/serial?sku=VAX&code=S5").text
        assert 'id="serial-batch"' in unit
    with serialtrack.open(db_url) as inv:
        assert inv.serial("VAX", "S5").batch == "L3"
        assert inv.check() == []
