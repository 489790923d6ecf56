"""Serials generated for stock on hand (seed 004) through the API, the product page and the
CLI, each followed by its labels."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

import serialtrack
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app


def shop(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'generate.db'}"
    with serialtrack.open(url) as inv:
        inv.add_location("Store")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("DRILL", "Drill", "none", serial_pattern="DR-{seq:04}")
        inv.receive(supplier="Acme", location="Store", lines=[("DRILL", 2)])
        inv.add_user("mia", "manager", "manager-password-1")
    return url


def test_api_switch_generates_then_labels(tmp_path: Path) -> None:
    url = shop(tmp_path)
    with serialtrack.open(url) as inv:
        token = inv.create_token("admin", "t")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(url)) as client:
        done = client.post("/api/v1/products/DRILL/tracking", headers=headers,
                           json={"tracking": "serial", "generate": True})  # fmt: skip
        assert done.status_code == 200, done.text
        document = done.json()["document"]
        assert document["lines"][0]["serials"] == ["DR-0001", "DR-0002"]
        labels = client.get("/api/v1/labels", headers=headers,
                            params={"document": document["number"], "format": "zpl"})  # fmt: skip
        assert labels.status_code == 200
        assert labels.text.count("^XA") == 2
        assert "DR-0002" in labels.text


def test_product_page_generates_and_opens_the_labels(tmp_path: Path) -> None:
    url = shop(tmp_path)
    with TestClient(create_app(url)) as client:
        login = client.post("/login", data={"username": "mia", "password": "manager-password-1"},
                            follow_redirects=False)  # fmt: skip
        assert login.status_code == 303
        form = client.get("/product/edit", params={"sku": "DRILL"})
        assert 'id="generate-serials"' in form.text
        csrf = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        data = {"csrf_token": csrf, "tracking": "serial", "generate": "1"}
        done = client.post("/product/tracking", params={"sku": "DRILL"}, data=data,
                           follow_redirects=False)  # fmt: skip
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/labels?document=SA-000001"


def test_cli_switch_generate(tmp_path: Path) -> None:
    url = shop(tmp_path)
    result = CliRunner().invoke(app, ["--db", url, "switch-tracking", "DRILL", "serial",
                                      "--generate"])  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "serial assignment SA-000001 posted: 2 units" in result.stdout
