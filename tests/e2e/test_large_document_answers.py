"""Issue 15: a large document comes back as a summary from the API and the CLI (its first
moves, each line's count), and the rest is paged; a small one comes back whole."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import MAIN, as_user, library

import serialtrack
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app
from serialtrack.services.queries import SUMMARY_MOVES
from templates import initialized

CODES = [f"B{i:05d}" for i in range(SUMMARY_MOVES + 120)]


@pytest.fixture
def api(db_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with serialtrack.open(initialized(db_url)) as inv:
        inv.add_location("Store")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("PHONE", "Phone")
        headers = {"Authorization": f"Bearer {inv.create_token('admin', 'tests')}"}
    with TestClient(create_app(db_url)) as client:
        yield client, headers


def test_the_api_answers_a_large_receipt_with_a_summary(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = api

    def call(method: str, path: str, status: int = 200, **kw: Any) -> Any:
        answer = client.request(method, "/api/v1" + path, headers=headers, **kw)
        assert answer.status_code == status, answer.text
        return answer.json()

    body = {"kind": "receipt", "partner": "Acme", "location": "Store",
            "lines": [{"sku": "PHONE", "serials": CODES}]}  # fmt: skip
    made = call("POST", "/documents", 201, json=body)
    assert len(made["moves"]) == SUMMARY_MOVES
    assert made["moves_total"] == len(CODES)
    assert made["lines"][0]["serials_total"] == len(CODES)
    assert made["lines"][0]["serials"] == CODES[:SUMMARY_MOVES]

    read = call("GET", f"/documents/{made['number']}")
    assert read["moves_next_after"] == made["moves_next_after"] == made["moves"][-1]["id"]
    assert len(call("GET", f"/documents/{made['number']}?moves_limit=10")["moves"]) == 10
    whole = call("GET", f"/documents/{made['number']}?moves_limit={len(CODES)}")
    assert whole["moves_next_after"] is None
    assert whole["lines"][0]["serials"] == CODES

    paged, after = [], 0
    while after is not None:
        page = call("GET", f"/documents/{made['id']}/moves?after_id={after}&limit=500")
        paged += [m["serial"] for m in page["items"]]
        after = page["next_after_id"]
    assert paged == CODES
    call("GET", f"/documents/{made['id']}/moves?limit=0", 422)
    call("GET", "/documents/NOPE-1/moves", 404)

    small = call("POST", "/documents", 201, json={**body, "lines": [
        {"sku": "PHONE", "serials": ["ONE"]}]})  # fmt: skip
    assert (small["moves_total"], small["moves_next_after"]) == (1, None)


def test_the_cli_shows_a_large_document_in_short(db_url: str) -> None:
    with serialtrack.open(db_url) as inv:
        inv.add_location("Store")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("PHONE", "Phone")
        number = inv.receive(supplier="Acme", location="Store", lines=[("PHONE", CODES)]).number
    runner = CliRunner()
    short = runner.invoke(app, ["--db", db_url, "document", number])
    assert short.exit_code == 0, short.output
    assert "… and 120 more (--all lists them)" in short.output
    assert CODES[-1] not in short.output
    full = runner.invoke(app, ["--db", db_url, "document", number, "--all"])
    assert full.exit_code == 0, full.output
    assert CODES[-1] in full.output
    assert "more (--all" not in full.output


def test_the_document_page_of_a_large_receipt_is_a_summary(shop: TestClient) -> None:
    as_user(shop, "kim")
    with library(shop) as inv:
        number = inv.receive(
            supplier="Acme Distribution", location=MAIN, lines=[("PHN-X1", CODES)]
        ).number
        document_id = inv.document(number, moves_limit=0).id
    page = shop.get(f"/documents/{document_id}")
    assert page.status_code == 200
    assert f"The first 1,000 of {len(CODES):,} moves are shown" in page.text
    assert "… and 120 more" in page.text
    assert CODES[-1] not in page.text
    assert "<title>Receipt" in page.text
