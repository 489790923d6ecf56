"""EPCIS 2.0 export end to end: ``GET /api/v1/epcis/events`` and ``serialtrack export epcis``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator
from typer.testing import CliRunner

import serialtrack
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app

SCHEMA = json.loads(
    (Path(__file__).parent.parent / "data" / "epcis" / "EPCIS-JSON-Schema.json").read_text()
)
VALIDATOR = Draft7Validator(SCHEMA)
GTIN = "09506000134352"


@pytest.fixture
def world(tmp_path: Path) -> tuple[str, str, dict[str, str]]:
    """A shop that received two phones and sold one: URL, the sale's number, tokens."""
    url = f"sqlite:///{tmp_path / 'epcis.db'}"
    with serialtrack.open(url) as inv:
        inv.add_location("Store")
        inv.add_partner("Acme", supplier=True)
        inv.add_partner("Alice", customer=True)
        inv.add_product("PHONE", "Phone", gtin=GTIN)
        inv.add_product("CABLE", "Cable", "none")
        inv.receive(
            supplier="Acme", location="Store", lines=[("PHONE", ["P1", "P2"]), ("CABLE", 4)]
        )
        sale = inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["P1"])])
        inv.add_user("vic", "viewer", "viewer-password-1")
        tokens = {u: inv.create_token(u, "t") for u in ("admin", "vic")}
    return url, sale.number, tokens


@pytest.fixture
def client(world) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(world[0])) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_api_serves_a_valid_epcis_document(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    _, number, tokens = world
    got = client.get("/api/v1/epcis/events", headers=auth(tokens["vic"]))
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("application/ld+json")
    document = got.json()
    assert list(VALIDATOR.iter_errors(document)) == []
    receipt, cables, sale = document["epcisBody"]["eventList"]
    assert (receipt["action"], receipt["epcList"]) == (
        "ADD",
        [f"https://id.gs1.org/01/{GTIN}/21/P1", f"https://id.gs1.org/01/{GTIN}/21/P2"],
    )
    assert cables["quantityList"] == [{"epcClass": "urn:serialtrack:class:CABLE", "quantity": 4}]
    assert sale["bizStep"] == "retail_selling"
    assert sale["bizTransactionList"][0]["bizTransaction"].endswith(f":sale:{number}")
    only = client.get("/api/v1/epcis/events", params={"sku": "CABLE", "from": "2000-01-01"},
                      headers=auth(tokens["vic"]))  # fmt: skip
    assert [e["quantityList"] for e in only.json()["epcisBody"]["eventList"]] == [
        cables["quantityList"]]  # fmt: skip
    empty = client.get("/api/v1/epcis/events", params={"to": "2000-01-01"},
                       headers=auth(tokens["admin"]))  # fmt: skip
    assert empty.json()["epcisBody"]["eventList"] == []


def test_api_refuses_bad_filters_and_strangers(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    _, _, tokens = world
    bad = client.get("/api/v1/epcis/events", params={"sku": "NOPE", "from": "yesterday"},
                     headers=auth(tokens["vic"]))  # fmt: skip
    assert bad.status_code == 422, bad.text
    assert "sku" in bad.text
    assert "date_from" in bad.text
    assert client.get("/api/v1/epcis/events").status_code == 401


def test_cli_writes_the_file_or_nothing(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, number, _ = world
    runner = CliRunner()
    target = tmp_path / "events.jsonld"
    done = runner.invoke(app, ["--db", url, "export", "epcis", "--from", "2000-01-01",
                               "-o", str(target)])  # fmt: skip
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "3 EPCIS events written" in done.stdout
    document = json.loads(target.read_text(encoding="utf-8"))
    assert list(VALIDATOR.iter_errors(document)) == []
    assert number in target.read_text(encoding="utf-8")
    shown = runner.invoke(app, ["--db", url, "export", "epcis", "--sku", "PHONE", "-o", "-"])
    assert shown.exit_code == 0, shown.stdout + shown.stderr
    assert len(json.loads(shown.stdout)["epcisBody"]["eventList"]) == 2
    refused_target = tmp_path / "refused.jsonld"
    refused = runner.invoke(app, ["--db", url, "export", "epcis", "--sku", "NOPE",
                                  "-o", str(refused_target)])  # fmt: skip
    assert refused.exit_code == 1
    assert "no product with SKU 'NOPE'" in refused.stderr
    assert not refused_target.exists()
