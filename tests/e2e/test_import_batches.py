"""Bulk files of batch, serial+batch and quantity-only products through the API, the import
page and the CLI: refused whole with every row named, or imported whole.

The API and CLI tests run on SQLite and PostgreSQL (``db_url``); the page test on the demo shop.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import MAIN, as_user, library

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app
from templates import initialized

HEADER = "sku,product name,location,serial,batch,expiry,quantity\n"


def csv_file(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


@pytest.fixture
def api(db_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The demo shop (VIT-C batches, CBL-USB quantities) with a serial+batch PEN, as admin."""
    with serialtrack.open(initialized(db_url)) as inv:
        load_demo(inv)
        inv.add_product("PEN", "Insulin pen", "serial+batch", expiry_required=True)
        headers = {"Authorization": f"Bearer {inv.create_token('admin', 'tests')}"}
    with TestClient(create_app(db_url)) as client:
        yield client, headers


def post(api: tuple[TestClient, dict[str, str]], data: bytes, **form: Any) -> Any:
    client, headers = api
    files = {"file": ("units.csv", data, "text/csv")}
    return client.post("/api/v1/imports", headers=headers, files=files, data=form)


def test_batches_serials_in_batches_and_quantities_over_http(api: Any) -> None:
    client, headers = api
    template = client.get("/api/v1/imports/template?format=csv", headers=headers)
    assert template.content.decode("utf-8-sig").startswith(HEADER.rstrip("\n"))
    bad = csv_file(
        "VIT-C,,Main store,,LOT-2401,2031-01-01,5",  # the books' LOT-2401 expires otherwise
        "PEN,,Main store,PEN-1,,2027-06-30,",  # no batch
        "CBL-USB,,Main store,,,,",  # nothing to bring in
    )
    refused = post(api, bad)
    assert refused.status_code == 422, refused.text
    wheres = [e["where"] for e in refused.json()["errors"]]
    assert wheres == ["row 2, expiry", "row 3, batch", "row 4, serial"]
    assert "VIT-C batch LOT-2401 expires on" in refused.json()["errors"][0]["message"]

    good = csv_file(
        "VIT-C,,Main store,,LOT-9,2031-01-01,10",
        "VIT-C,,Main store,,LOT-9,,5",
        "PEN,,Main store,PEN-1,L1,2027-06-30,",
        "PEN,,Main store,PEN-2,L1,,",
        "CBL-USB,,Main store,,,,7",
    )
    checked = post(api, good, check_only="true")
    assert checked.status_code == 201, checked.text
    assert (checked.json()["units"], checked.json()["documents"]) == (24, [])
    done = post(api, good, supplier="Acme Distribution")
    assert done.status_code == 201, done.text
    assert (done.json()["serials"], done.json()["units"]) == (2, 24)
    (number,) = done.json()["documents"]
    assert number.startswith("RC-")
    batches = client.get("/api/v1/batches?sku=VIT-C", headers=headers).json()
    items = batches["items"] if isinstance(batches, dict) else batches
    assert {(b["code"], b["quantity"]) for b in items} >= {("LOT-9", 15)}
    pen = client.get("/api/v1/products/PEN/serials/PEN-2", headers=headers).json()
    assert (pen["status"], pen["expiry"]) == ("in_stock", "2027-06-30")


def test_the_import_page_explains_each_tracking_mode_and_imports_batches(
    shop: TestClient,
) -> None:
    token = as_user(shop, "mia")
    page = shop.get("/import").text
    assert 'id="import-help"' in page
    assert "batch code and its quantity" in page
    bad = csv_file("VIT-C,,Main store,,,,5", "CBL-USB,,Main store,SN-1,,,2")
    refused = shop.post("/import", data={"csrf_token": token}, files={"file": ("bad.csv", bad)})
    assert refused.status_code == 422
    assert "row 2, batch" in refused.text
    assert "VIT-C is batch-tracked: the batch code is missing" in refused.text
    assert "row 3, serial" in refused.text
    good = csv_file("VIT-C,,,,LOT-77,2031-02-28,12", "CBL-USB,,,,,,3")
    checked = shop.post(
        "/import",
        data={"csrf_token": token, "location": MAIN},
        files={"file": ("good.csv", good)},
    )
    assert 'id="confirm-import"' in checked.text, checked.text
    payload = checked.text.split('name="payload" value="')[1].split('"')[0]
    done = shop.post(
        "/import",
        data={
            "csrf_token": token, "confirm": "1", "payload": payload, "filename": "good.csv",
            "location": MAIN,
        },
    )  # fmt: skip
    assert 'id="import-done"' in done.text
    with library(shop) as inv:
        lots = {b["code"]: b["quantity"] for b in inv.batches(sku="VIT-C", location=MAIN)}
    assert lots["LOT-77"] == 12


def test_batches_by_command_line(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()

    def cli(*args: str, ok: bool = True) -> str:
        result = runner.invoke(app, ["--db", db_url, *args])
        output = result.stdout + result.stderr
        assert result.exit_code == (0 if ok else 1), output
        return output

    cli("init")
    cli("location", "add", "Store")
    cli("product", "add", "PILLS", "Pills", "--tracking", "batch")
    cli("product", "add", "CABLE", "Cable", "--tracking", "none")
    template = tmp_path / "t.csv"
    cli("template", str(template))
    assert template.read_text("utf-8-sig").startswith(HEADER.rstrip("\n"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file("PILLS,,Store,P-1,,,3", "PILLS,,Store,,L1,2027-01-01,1",
                             "PILLS,,Store,,L1,2027-02-01,1"))  # fmt: skip
    refused = cli("import", str(bad), ok=False)
    assert "row 2, serial: PILLS is batch-tracked" in refused
    assert "row 4, expiry: PILLS batch L1 expires on 2027-01-01 (row 3)" in refused
    good = tmp_path / "good.csv"
    rows = [f"PILLS,,Store,,L{n % 3},,{n}" for n in range(1, 301)] + ["CABLE,,Store,,,,4"]
    good.write_bytes(csv_file(*rows))
    assert "301 rows checked" in cli("import", str(good), "--check")
    done = cli("import", str(good))
    assert "45154 units (0 serials) imported on OB-000001" in done
    stock = cli("batches", "--sku", "PILLS")
    assert all(code in stock for code in ("L0", "L1", "L2"))
