"""Issue 15: the counter's calls (``api.HOT_ROUTES``) take one hop to the thread pool, and
answer the bytes FastAPI itself would.

A sync dependency, a sync endpoint and a response model are three hops from the event loop to
a worker thread and back; the counter's calls authenticate, act and serialize in one
(``api.in_one_hop``). Their answers must not change: ``api.json_answer`` is compared with a
plain FastAPI route returning the same value under the same response model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.domain.model import SerialView
from serialtrack.entrypoints import api
from serialtrack.entrypoints.web import create_app
from serialtrack.services.serials import ScanResult
from templates import initialized

DIGITAL_LINK = "https://id.gs1.org/01/09506000134352/21/X1-00004"


@pytest.fixture
def shop(db_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with serialtrack.open(initialized(db_url)) as inv:
        load_demo(inv)
        headers = {"Authorization": f"Bearer {inv.create_token('admin', 'tests')}"}
    with TestClient(create_app(db_url)) as client:
        yield client, headers


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every function sent to a worker thread from now on (Starlette and FastAPI send theirs
    through ``anyio.to_thread.run_sync``)."""
    sent: list[Any] = []
    real = anyio.to_thread.run_sync

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(function)
        return await real(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return sent


def test_each_counter_call_is_one_hop(shop: Any, hops: list[Any]) -> None:
    client, headers = shop
    sale = {"kind": "sale", "partner": "Jane Doe", "location": "Main store",
            "lines": [{"sku": "PHN-X1", "serials": ["X1-00005"]}]}  # fmt: skip
    calls = {
        ("POST", "/api/v1/documents"): ("/api/v1/documents", {"json": sale}, 201),
        ("GET", "/api/v1/products/{sku}/serials/{code}"): (
            "/api/v1/products/PHN-X1/serials/X1-00005", {}, 200),
        ("POST", "/api/v1/scan"): ("/api/v1/scan", {"json": {"text": DIGITAL_LINK}}, 200),
    }  # fmt: skip
    assert sorted(calls) == sorted(api.HOT_ROUTES)
    for (method, _), (path, kwargs, status) in calls.items():
        hops.clear()
        answer = client.request(method, path, headers=headers, **kwargs)
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/json"
        assert len(hops) == 1, (method, path, hops)
    assert (
        client.get("/api/v1/products/PHN-X1/serials/X1-00005", headers=headers).json()["status"]
        == "sold"
    )
    # the counter counts: an ordinary route (sync dependency, endpoint, response model) hops more
    hops.clear()
    assert client.get("/api/v1/products/PHN-X1", headers=headers).status_code == 200
    assert len(hops) >= 2


def test_a_refused_counter_call_is_the_same_problem(shop: Any, hops: list[Any]) -> None:
    client, headers = shop
    no_token = client.get("/api/v1/products/PHN-X1/serials/X1-00005")
    assert no_token.status_code == 401
    assert no_token.headers["content-type"] == "application/problem+json"
    unknown = client.get("/api/v1/products/PHN-X1/serials/NOPE", headers=headers)
    assert unknown.status_code == 404
    assert "NOPE" in unknown.json()["detail"]
    sale = {"kind": "sale", "partner": "Jane Doe", "location": "Main store",
            "lines": [{"sku": "PHN-X1", "serials": ["NOPE"]}]}  # fmt: skip
    refused = client.post("/api/v1/documents", json=sale, headers=headers)
    assert refused.status_code in (404, 409, 422), refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    listed = client.get("/api/v1/documents", params={"kind": "sale"}, headers=headers).json()
    assert all("NOPE" not in str(item) for item in listed["items"])


def _as_fastapi_answers(model: Any, value: Any, status: int = 200) -> tuple[bytes, str]:
    """What a plain FastAPI route with ``model`` as its response model answers for ``value``."""
    app = FastAPI()

    @app.get("/value", response_model=model, status_code=status)
    def read() -> Any:
        return value

    with TestClient(app) as client:
        answer = client.get("/value")
    assert answer.status_code == status, answer.text
    return answer.content, answer.headers["content-type"]


def test_answers_are_the_bytes_fastapi_writes(db_url: str) -> None:
    with serialtrack.open(initialized(db_url)) as inv:
        load_demo(inv)
        sale = inv.sell(customer="Jane Doe", location="Main store",
                        lines=[("PHN-X1", ["X1-00006"]), ("CBL-USB", 2)])  # fmt: skip
        values = [
            (Any, inv.document(sale.number), 201),
            (SerialView, inv.serial("PHN-X1", "X1-00006"), 200),  # sold: warranty, history
            (SerialView, inv.serial("PHN-X1", "X1-00007"), 200),
            (ScanResult, inv.scan(DIGITAL_LINK), 200),
            (ScanResult, inv.scan("(01)09506000134352(21)X1-00006"), 200),
        ]
    for model, value, status in values:
        ours = api.json_answer(value, model, status)
        body, media = _as_fastapi_answers(model, value, status)
        assert (ours.body, ours.status_code) == (body, status)
        assert ours.media_type == media
        assert len(body) > 100
