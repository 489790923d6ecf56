"""A document request cannot make the server expand millions of serials.

Each ``serial_text`` range holds at most 100,000 codes, but a request may hold 10,000 lines: the
role is checked before any range is expanded, and the serials of the whole request are counted
(ranges by arithmetic) and capped at 100,000 before anything is expanded.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.entrypoints.web import create_app
from templates import initialized

BIG_RANGE = "R00000-000000..R00000-099999"  # 100,000 codes, the most one range may hold


@dataclass
class Api:
    client: TestClient
    tokens: dict[str, str]
    url: str

    def send(self, method: str, path: str, role: str, body: dict[str, Any]) -> tuple[Any, float]:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        started = time.perf_counter()
        response = self.client.request(method, "/api/v1" + path, json=body, headers=headers)
        return response, time.perf_counter() - started


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    with serialtrack.open(initialized(db_url)) as inv:
        load_demo(inv)
        tokens = {}
        for role in ("viewer", "clerk"):
            inv.add_user(role, role, f"{role}-password")
            tokens[role] = inv.create_token(role)
    with TestClient(create_app(db_url)) as client:
        yield Api(client, tokens, db_url)


def written(url: str) -> tuple[int, int]:
    """How many documents and serials there are."""
    with serialtrack.open(url) as inv:
        return len(inv.documents(limit=1000)), len(inv.serials(limit=1000))


def huge(kind: str = "receipt", lines: int = 300) -> dict[str, Any]:
    return {"kind": kind, "location": "Main store", "partner": "Acme Distribution",
            "lines": [{"sku": "NOPE", "serial_text": BIG_RANGE}] * lines}  # fmt: skip


def test_a_viewer_is_refused_before_any_range_is_expanded(api: Api) -> None:
    before = written(api.url)
    response, took = api.send("POST", "/documents", "viewer", huge())
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert took < 2, f"{took:.1f} s"
    draft, took = api.send("PUT", "/documents/1", "viewer", huge())
    assert draft.status_code == 403, draft.text
    assert took < 2, f"{took:.1f} s"
    assert written(api.url) == before


def test_a_clerk_naming_too_many_serials_is_refused_before_expansion(api: Api) -> None:
    before = written(api.url)
    response, took = api.send("POST", "/documents", "clerk", huge())
    assert took < 2, f"{took:.1f} s"
    assert response.status_code == 422, response.text
    body = response.json()
    assert "30,000,000" in body["detail"]  # the total the request names
    assert body["errors"][0]["where"] == "lines[1]"  # the line that goes over
    assert "100,000" in body["errors"][0]["message"]
    assert "30,000,000" in body["errors"][0]["message"]
    assert written(api.url) == before


def test_listed_serials_count_with_the_ranges(api: Api) -> None:
    listed = [f"L-{n:06d}" for n in range(60_000)]
    body = {"kind": "receipt", "location": "Main store", "partner": "Acme Distribution",
            "lines": [{"sku": "PHN-X1", "serials": listed},
                      {"sku": "PHN-X1", "serial_text": "M-000001..M-050000"}]}  # fmt: skip
    response, took = api.send("POST", "/documents", "clerk", body)
    assert response.status_code == 422, response.text
    assert "110,000" in response.json()["detail"]
    assert response.json()["errors"][0]["where"] == "lines[1]"
    assert took < 5, f"{took:.1f} s"


def test_a_request_within_the_cap_is_read_as_before(api: Api) -> None:
    body = {"kind": "receipt", "location": "Main store", "partner": "Acme Distribution",
            "lines": [{"sku": "PHN-X1", "serial_text": "Q-01..Q-03, Q-07"},
                      {"sku": "LAP-14", "serials": ["QL-1"]}]}  # fmt: skip
    response, _ = api.send("POST", "/documents", "clerk", body)
    assert response.status_code == 201, response.text
    lines = response.json()["lines"]
    assert lines[0]["serials"] == ["Q-01", "Q-02", "Q-03", "Q-07"]
    assert lines[1]["serials"] == ["QL-1"]
    malformed = {**body, "lines": [{"sku": "PHN-X1", "serial_text": "Z-9..Z-1"}]}
    refused, _ = api.send("POST", "/documents", "clerk", malformed)
    assert refused.status_code == 422
    assert "runs backwards" in refused.text
