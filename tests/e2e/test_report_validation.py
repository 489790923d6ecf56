"""The serial report checks every filter before it sends a byte: an unknown SKU, location,
partner or status, a bad date or a from after its to is a 422 problem on the web (never a 200
whose download breaks off), an error and exit 1 on the command line (never a header and then
the error), and a refusal of ``Inventory.report`` itself, not of its stream."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.domain.errors import Invalid
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app
from serialtrack.services.queries import REPORT_COLUMNS
from templates import initialized

BAD = [
    ({"sku": "NOPE"}, {"sku"}),
    ({"location": "Nowhere"}, {"location"}),
    ({"partner": "Nobody"}, {"partner"}),
    ({"status": "lost"}, {"status"}),
    ({"received_from": "2026-13-01"}, {"received_from"}),
    ({"sold_to": "yesterday"}, {"sold_to"}),
    ({"received_from": "2026-02-01", "received_to": "2026-01-01"}, {"received_from"}),
    ({"sold_from": "2026-02-01", "sold_to": "2026-01-31"}, {"sold_from"}),
    ({"sku": "NOPE", "location": "Nowhere", "sold_to": "x"}, {"sku", "location", "sold_to"}),
]


@pytest.fixture
def shop(db_url: str) -> str:
    with serialtrack.open(initialized(db_url)) as inv:
        load_demo(inv)
    return db_url


@pytest.fixture
def web(shop: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with serialtrack.open(shop) as inv:
        token = inv.create_token("admin", "tests")
    with TestClient(create_app(shop)) as client:
        yield client, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("given", "named"), BAD)
def test_the_library_refuses_a_bad_filter_before_the_stream(
    shop: str, given: dict[str, str], named: set[str]
) -> None:
    with serialtrack.open(shop) as inv, pytest.raises(Invalid) as refused:
        inv.report(**given)  # the call refuses: no row needs to be pulled
    assert {p.where for p in refused.value.problems} == named


def test_the_library_refuses_an_unknown_filter(shop: str) -> None:
    with serialtrack.open(shop) as inv, pytest.raises(Invalid) as refused:
        inv.report(colour="red")
    assert [p.where for p in refused.value.problems] == ["colour"]


def test_good_filters_still_filter(shop: str) -> None:
    with serialtrack.open(shop) as inv:
        everything = list(inv.report())
        phones = list(inv.report(sku="PHN-X1", location="Main store", status="in_stock"))
        dated = list(inv.report(received_from="2000-01-01", received_to="2999-12-31"))
        empty = list(inv.report(sold_from="2999-01-01"))
    assert phones
    assert all(r[REPORT_COLUMNS.index("sku")] == "PHN-X1" for r in phones)
    assert len(phones) < len(everything)
    assert dated
    assert empty == []


@pytest.mark.parametrize(("given", "named"), BAD)
def test_the_web_answers_422_before_any_byte(web, given, named) -> None:  # type: ignore[no-untyped-def]
    client, headers = web
    response = client.get("/reports/serials.csv", params=given, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "attachment" not in response.headers.get("content-disposition", "")
    assert {e["where"] for e in response.json()["errors"]} == named


def test_the_web_report_with_good_filters_is_a_whole_csv(web) -> None:  # type: ignore[no-untyped-def]
    client, headers = web
    response = client.get(
        "/reports/serials.csv", params={"sku": "PHN-X1", "location": "Main store"}, headers=headers
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == list(REPORT_COLUMNS)
    assert len(rows) > 1
    assert all(r[REPORT_COLUMNS.index("sku")] == "PHN-X1" for r in rows[1:])


@pytest.fixture
def cli(shop: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, ["--db", shop, "report", "serials", *args])
        return result.exit_code, result.stdout, result.stderr

    return run


def _options(given: dict[str, str]) -> list[str]:
    return [part for k, v in given.items() for part in (f"--{k.replace('_', '-')}", v)]


@pytest.mark.parametrize(("given", "named"), BAD)
def test_the_cli_fails_before_the_header(cli, tmp_path: Path, given, named) -> None:  # type: ignore[no-untyped-def]
    for target in ("-", str(tmp_path / "out.csv"), None):
        args = _options(given) + (["--csv", target] if target else [])
        code, stdout, stderr = cli(*args)
        assert code == 1, stdout + stderr
        assert stdout == ""  # no header, no table
        assert stderr.startswith("error: the report filter is not valid"), stderr
        for name in named:
            assert f"  {name}: " in stderr
        assert "Traceback" not in stderr
    assert not (tmp_path / "out.csv").exists()


def test_the_cli_report_with_good_filters(cli) -> None:  # type: ignore[no-untyped-def]
    code, stdout, _ = cli("--sku", "PHN-X1", "--received-from", "2000-01-01", "--csv", "-")
    assert code == 0
    rows = list(csv.reader(io.StringIO(stdout)))
    assert rows[0] == list(REPORT_COLUMNS)
    assert len(rows) > 1
