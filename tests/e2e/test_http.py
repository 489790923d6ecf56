"""Against a real server over HTTP: the OpenAPI contract (schemathesis) and racing POS clients."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

import serialtrack
from e2e.live import live_server
from serialtrack.demo import load_demo


def seeded(db_url: str) -> str:
    with serialtrack.open(db_url) as inv:
        load_demo(inv)
        return inv.create_token("admin", "tests")


def test_every_operation_keeps_its_openapi_contract(sqlite_url: str, tmp_path: Path) -> None:
    token = seeded(sqlite_url)
    headers = {"Authorization": f"Bearer {token}"}
    checks = [not_a_server_error, response_schema_conformance, status_code_conformance,
              content_type_conformance]  # fmt: skip
    with live_server(sqlite_url, tmp_path / "server.log") as base:
        schema = schemathesis.openapi.from_url(base + "/api/v1/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 25
        for operation in operations:

            @settings(max_examples=12, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            @given(case=operation.as_strategy())
            def call(case: Any) -> None:
                case.call_and_validate(base_url=base, headers=headers, checks=checks)

            call()
    with serialtrack.open(sqlite_url) as inv:
        assert inv.check() == []


def _post(url: str, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.postgres
def test_two_workers_selling_one_serial_over_http(postgres_url: str, tmp_path: Path) -> None:
    token = seeded(postgres_url)
    with live_server(postgres_url, tmp_path / "server.log", workers=2) as base:
        for code in ("X1-00004", "X1-00005", "X1-00006", "X1-00007"):
            sale = {"kind": "sale", "location": "Main store",
                    "lines": [{"sku": "PHN-X1", "serials": [code]}]}  # fmt: skip
            barrier, results = threading.Barrier(2), []

            def sell(sale: dict[str, Any], barrier: threading.Barrier, results: list[Any]) -> None:
                barrier.wait()
                results.append(_post(base + "/api/v1/documents", token, sale))

            threads = [
                threading.Thread(target=sell, args=(sale, barrier, results)) for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            assert sorted(status for status, _ in results) == [201, 409], results
            refusal = next(body for status, body in results if status == 409)
            assert code in json.dumps(refusal["errors"])
    with serialtrack.open(postgres_url) as inv:
        assert len(inv.documents(kind="sale")) == 2 + 4
        assert inv.check() == []
