"""The API's request models are strict for types: ``"5"`` is not a quantity nor ``"yes"`` a
boolean, while ISO dates and enum values, which JSON can only send as strings, still work."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.entrypoints.web import create_app
from templates import initialized


@pytest.fixture
def api(db_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with serialtrack.open(initialized(db_url)) as inv:
        load_demo(inv)
        token = inv.create_token("admin", "tests")
    with TestClient(create_app(db_url)) as client:
        yield client, {"Authorization": f"Bearer {token}"}


def post(api: tuple[TestClient, dict[str, str]], path: str, body: dict[str, Any]) -> Any:
    client, headers = api
    return client.post("/api/v1" + path, json=body, headers=headers)


def receipt(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "receipt", "partner": "Acme Distribution", "location": "Main store",
        "date": "2026-01-02", "lines": [{"sku": "CBL-USB", "quantity": 5}],
    }  # fmt: skip
    return {**body, **changes}


def refused(response: Any) -> list[str]:
    """The fields a 422 problem names, as paths: ``body.lines.0.quantity`` -> lines[0].quantity."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [path(e["where"]) for e in response.json()["errors"]]


def path(where: str) -> str:
    return re.sub(r"\.(\d+)", r"[\1]", where.removeprefix("body."))


def test_a_quantity_as_a_string_is_refused_naming_the_line(api) -> None:  # type: ignore[no-untyped-def]
    where = refused(post(api, "/documents", receipt(lines=[{"sku": "CBL-USB", "quantity": "5"}])))
    assert where == ["lines[0].quantity"]


def test_a_boolean_as_a_word_is_refused(api) -> None:  # type: ignore[no-untyped-def]
    where = refused(post(api, "/documents", receipt(post="yes")))
    assert where == ["post"]
    assert refused(post(api, "/documents", receipt(post=1)))  # nor a number
    assert refused(post(api, "/documents", receipt(lines=[{"sku": 5, "quantity": 5}])))


def test_proper_types_iso_dates_and_enum_values_still_work(api) -> None:  # type: ignore[no-untyped-def]
    got = post(api, "/documents", receipt(post=True))
    assert got.status_code == 201, got.text
    assert got.json()["date"] == "2026-01-02"
    assert got.json()["kind"] == "receipt"
    assert got.json()["state"] == "posted"
    draft = post(api, "/documents", receipt(post=False, date=None))
    assert draft.status_code == 201, draft.text
    assert draft.json()["state"] == "draft"


def test_a_date_must_be_an_iso_string(api) -> None:  # type: ignore[no-untyped-def]
    for bad in ("02/01/2026", "2026-1-2", 20260102, "2026-13-01"):
        where = refused(post(api, "/documents", receipt(date=bad)))
        assert where == ["date"], bad
    expiry = receipt(lines=[{"sku": "VIT-C", "batches": [
        {"code": "L9", "quantity": 3, "expiry": "2027-05-31"}]}])  # fmt: skip
    got = post(api, "/documents", expiry)
    assert got.status_code == 201, got.text
    bad_expiry = receipt(lines=[{"sku": "VIT-C", "batches": [
        {"code": "L9", "quantity": 3, "expiry": "31.05.2027"}]}])  # fmt: skip
    where = refused(post(api, "/documents", bad_expiry))
    assert where == ["lines[0].batches[0].expiry"]


def test_other_models_are_strict_too(api) -> None:  # type: ignore[no-untyped-def]
    product = {"sku": "NEW-1", "name": "New", "tracking": "none", "expiry_required": "no"}
    assert refused(post(api, "/products", product)) == ["expiry_required"]
    product["expiry_required"] = False
    assert post(api, "/products", product).status_code == 201
    assert refused(post(api, "/products", {"sku": "NEW-2", "name": "N", "tracking": "nope"}))
    warranty = {"sku": "NEW-3", "name": "N", "supplier_warranty_days": "365"}
    assert refused(post(api, "/products", warranty)) == ["supplier_warranty_days"]
