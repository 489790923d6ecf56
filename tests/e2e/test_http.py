"""Against a real server over HTTP: the OpenAPI contract (schemathesis), strings holding NUL,
control and bidi characters in every field (no 5xx), and racing POS clients. On SQLite and
PostgreSQL (which refuses NUL in text: a NUL reaching it would be a 500)."""

from __future__ import annotations

import itertools
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


def test_every_operation_keeps_its_openapi_contract(db_url: str, tmp_path: Path) -> None:
    token = seeded(db_url)
    headers = {"Authorization": f"Bearer {token}"}
    checks = [not_a_server_error, response_schema_conformance, status_code_conformance,
              content_type_conformance]  # fmt: skip
    with live_server(db_url, tmp_path / "server.log") as base:
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
    assert_no_traceback(tmp_path / "server.log")
    with serialtrack.open(db_url) as inv:
        assert inv.check() == []


# --- NUL, C0/C1 controls and bidi overrides in every string ------------------------------------
# What a pasted or scanned code may carry: NUL, C0 controls (tab and line breaks too), DEL, C1
# controls, bidi embeddings/overrides/isolates and marks, BOM, line separators.
NASTY = ["\x00", "\x01", "\x07", "\x08", "\t", "\n", "\r", "\x0b", "\x1b", "\x1f", "\x7f",
         "\x85", "\x9f", "\u202a", "\u202e", "\u2066", "\u2069", "\u200e", "\u200f",
         "\u061c", "\ufeff", "\u2028"]  # fmt: skip
IN_URL = ["\x00", "\x01", "\t", "\n", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\ufeff"]
LONE_SURROGATE = "\ud800"  # only a JSON body can carry one (as an escape)
HASHING = ("/api/v1/users", "/api/v1/session")  # each accepted request hashes a password: few


def assert_no_traceback(log: Path) -> None:
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-5000:]


def spoiled(value: str, char: str) -> str:
    """``value`` with ``char`` after its first character (or ``char`` alone when empty)."""
    return value[:1] + char + value[1:]


def poison(data: st.DataObject, value: Any) -> Any:
    """``value`` (a body, a dict of parameters) with some of its strings spoiled by a drawn
    nasty character; other values as they are."""
    if isinstance(value, str):
        if data.draw(st.booleans()):
            return spoiled(value, data.draw(st.sampled_from(NASTY)))
        return value
    if isinstance(value, dict):
        return {k: poison(data, v) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(data, v) for v in value]
    return value


def test_schemathesis_strings_with_nul_controls_and_bidi_give_no_server_error(
    db_url: str, tmp_path: Path
) -> None:
    """Every operation, its generated strings (body, query, path) spoiled by NUL, controls and
    bidi overrides: refused or accepted, never a 5xx."""
    token = seeded(db_url)
    headers = {"Authorization": f"Bearer {token}"}
    with live_server(db_url, tmp_path / "server.log") as base:
        schema = schemathesis.openapi.from_url(base + "/api/v1/openapi.json")
        for result in schema.get_all_operations():
            operation = result.ok()

            @settings(max_examples=5, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            @given(case=operation.as_strategy(), data=st.data())
            def call(case: Any, data: st.DataObject) -> None:
                for part in ("query", "path_parameters"):
                    if getattr(case, part):
                        setattr(case, part, poison(data, getattr(case, part)))
                if isinstance(case.body, dict | list | str):
                    case.body = poison(data, case.body)
                checks = [not_a_server_error, content_type_conformance]
                case.call_and_validate(base_url=base, headers=headers, checks=checks)

            call()
    assert_no_traceback(tmp_path / "server.log")
    with serialtrack.open(db_url) as inv:
        assert inv.check() == []


# Requests that reach deep (valid names, codes and documents of the demo shop); each string in
# them (path segment, query parameter, body field) is spoiled in turn by every nasty character.
# ``{n}`` becomes a number unique to the request, so that creations do not just collide;
# ``{draft}``, ``{posted}`` and ``{count}`` name documents made by ``setup``.
Request = tuple[str, str, list[str], dict[str, str], Any]
RECEIPT: Request = ("POST", "/api/v1/documents", [], {}, {
    "kind": "receipt", "partner": "Acme Distribution", "location": "Main store",
    "reference": "PO-{n}", "note": "a note", "date": "2026-01-02",
    "lines": [{"sku": "PHN-X1", "serials": ["NEW-{n}"]}, {"sku": "CBL-USB", "quantity": 2}],
})  # fmt: skip
# fmt: off
TEMPLATES: list[Request] = [
    ("GET", "/api/v1/products", [], {"text": "Phone", "tracking": "serial"}, None),
    ("POST", "/api/v1/products", [], {}, {"sku": "NP{n}", "name": "New {n}", "unit": "pcs",
                                          "tracking": "serial", "gtin": "",
                                          "serial_pattern": "NP-{seq:04}"}),
    ("GET", "/api/v1/products/{}", ["PHN-X1"], {}, None),
    ("PATCH", "/api/v1/products/{}", ["LAP-14"], {}, {"name": "Laptop 14", "unit": "pcs"}),
    ("GET", "/api/v1/locations/{}", ["Main store"], {}, None),
    ("POST", "/api/v1/locations", [], {}, {"name": "Shelf {n}"}),
    ("PATCH", "/api/v1/locations/{}", ["Shelf"], {}, {"name": "Shelf"}),
    ("GET", "/api/v1/partners", [], {"role": "supplier"}, None),
    ("GET", "/api/v1/partners/{}", ["Jane Doe"], {}, None),
    ("POST", "/api/v1/partners", [], {}, {"name": "Partner {n}", "customer": True}),
    ("PATCH", "/api/v1/partners/{}", ["Pat"], {}, {"name": "Pat", "supplier": True}),
    RECEIPT,
    ("POST", "/api/v1/documents", [], {}, {
        "kind": "receipt", "partner": "Northwind Parts", "location": "Warehouse", "post": False,
        "lines": [{"sku": "PHN-X1", "serial_text": "T{n}-1\nT{n}-2"},
                  {"sku": "VIT-C", "batches": [{"code": "B{n}", "quantity": 3,
                                                "expiry": "2030-06-01"}]}],
    }),
    ("POST", "/api/v1/documents", [], {}, {
        "kind": "sale", "partner": "Jane Doe", "location": "Main store", "post": False,
        "lines": [{"sku": "PHN-X1", "serials": ["X1-00012"]}],
    }),
    ("POST", "/api/v1/documents", [], {}, {
        "kind": "transfer", "location": "Main store", "destination": "Warehouse", "post": False,
        "lines": [{"sku": "PHN-X1", "serials": ["X1-00013"]}],
    }),
    ("GET", "/api/v1/documents", [], {"kind": "sale", "state": "posted", "partner": "Jane Doe",
                                      "date_from": "2020-01-01"}, None),
    ("GET", "/api/v1/documents/{}", ["RC-000001"], {}, None),
    ("PUT", "/api/v1/documents/{}", ["{draft}"], {}, {
        "kind": "sale", "partner": "Jane Doe", "location": "Main store", "post": False,
        "lines": [{"sku": "PHN-X1", "serials": ["X1-00014"]}],
    }),
    ("POST", "/api/v1/documents/{}/post", ["{draft2}"], {}, None),
    ("POST", "/api/v1/documents/{}/cancel", ["{posted}"], {}, None),
    ("DELETE", "/api/v1/documents/{}", ["{draft3}"], {}, None),
    ("GET", "/api/v1/serials", [], {"sku": "PHN-X1", "status": "in_stock", "location": "Main store",
                                    "partner": "Acme Distribution", "text": "X1",
                                    "received_from": "2020-01-01"}, None),
    ("GET", "/api/v1/products/{}/serials/{}", ["PHN-X1", "X1-00004"], {}, None),
    ("DELETE", "/api/v1/products/{}/serials/{}", ["PHN-X1", "NO-SUCH"], {}, {"reason": "typo"}),
    ("POST", "/api/v1/products/{}/tracking", ["SWITCH"], {}, {"tracking": "serial"}),
    ("GET", "/api/v1/batches", [], {"sku": "VIT-C", "location": "Main store"}, None),
    ("POST", "/api/v1/counts", [], {}, {"location": "Warehouse", "sku": "LAP-14", "note": "n"}),
    ("GET", "/api/v1/counts/{}", ["{count}"], {}, None),
    ("POST", "/api/v1/counts/{}/scans", ["{count}"], {}, {"scans": ["X1-00004", "LAP-X"],
                                                           "sku": "PHN-X1"}),
    ("POST", "/api/v1/scan", [], {}, {"text": "X1-00004"}),
    ("POST", "/api/v1/scan", [], {}, {"text": "(01)09506000134352(21)X1-00004"}),
    ("POST", "/api/v1/serials/parse", [], {}, {"text": "A-1, A-2\nA-3"}),
    ("POST", "/api/v1/serials/rule", [], {}, {"prefix": "R-", "start": 1, "count": 2,
                                              "suffix": "-Z"}),
    ("POST", "/api/v1/products/{}/serials/generate", ["PHN-X1"], {}, {"count": 1}),
    ("GET", "/api/v1/imports/template", [], {"format": "csv"}, None),
    ("POST", "/api/v1/users", [], {}, {"username": "user{n}", "role": "clerk",
                                       "password": "a-long-password-{n}"}),
    ("PATCH", "/api/v1/users/{}", ["kim"], {}, {"role": "viewer"}),
    ("POST", "/api/v1/users/{}/password-reset", ["kim"], {}, None),
    ("GET", "/api/v1/login-failures", [], {"username": "nobody"}, None),
    ("POST", "/api/v1/tokens", [], {}, {"username": "admin", "name": "token {n}"}),
    ("DELETE", "/api/v1/tokens/{}", ["999999"], {}, None),
    ("PUT", "/api/v1/settings/{}", ["serial_uniqueness"], {}, {"value": "product"}),
    ("GET", "/api/v1/audit", [], {"entity": "product", "user": "admin", "text": "PHN",
                                  "since": "2020-01-01"}, None),
    ("POST", "/api/v1/session", [], {}, {"username": "nobody", "password": "wrong-password"}),
]
# fmt: on


def variants(template: Request) -> Iterator[Request]:
    """``template`` with each of its strings in turn spoiled by each nasty character (the body's
    also by a lone surrogate; the URL's by a few: they only ever meet a lookup)."""
    method, path, segments, query, body = template
    for char in IN_URL:
        for i, segment in enumerate(segments):
            spoilt = [*segments[:i], spoiled(segment, char), *segments[i + 1 :]]
            yield method, path, spoilt, query, body
        for name, value in query.items():
            yield method, path, segments, {**query, name: spoiled(value, char)}, body
    for char in [*(IN_URL if path in HASHING else NASTY), LONE_SURROGATE]:
        for spoil in body_spoilers(body):
            yield method, path, segments, query, spoil(char)


def body_spoilers(body: Any) -> Iterator[Any]:
    """For each string in ``body``: a function of a character giving ``body`` with it spoiled."""
    if isinstance(body, str):
        yield lambda char: spoiled(body, char)
    elif isinstance(body, dict):
        for key, value in body.items():
            for spoil in body_spoilers(value):
                yield lambda char, key=key, spoil=spoil: {**body, key: spoil(char)}
    elif isinstance(body, list):
        for i, value in enumerate(body):
            for spoil in body_spoilers(value):
                yield lambda char, i=i, spoil=spoil: [*body[:i], spoil(char), *body[i + 1 :]]


def filled(value: Any, n: int, names: dict[str, str]) -> Any:
    """``value`` with ``{n}`` and the ``names`` of ``setup`` put in its strings."""
    if isinstance(value, str):
        for name, replacement in {"n": str(n), **names}.items():
            value = value.replace("{" + name + "}", replacement)
        return value
    if isinstance(value, dict):
        return {k: filled(v, n, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(filled(v, n, names) for v in value)
    return value


def setup(session: requests.Session, base: str) -> dict[str, str]:
    """What the templates name beyond the demo shop: a location, a partner, a product with no
    stock, user kim, three draft sales, a posted sale and a count; their numbers by name."""
    names = {}
    for name, path, body in [
        ("", "/locations", {"name": "Shelf"}),
        ("", "/partners", {"name": "Pat", "customer": True}),
        ("", "/products", {"sku": "SWITCH", "name": "Switch", "tracking": "none"}),
        ("", "/users", {"username": "kim", "role": "clerk", "password": "a-long-password-1"}),
        ("count", "/counts", {"location": "Main store"}),
        ("draft", "/documents", {"kind": "sale", "partner": "Jane Doe", "location": "Main store",
                                 "post": False,
                                 "lines": [{"sku": "PHN-X1", "serials": ["X1-00015"]}]}),
        ("draft2", "/documents", {"kind": "sale", "partner": "Jane Doe", "location": "Main store",
                                  "post": False,
                                  "lines": [{"sku": "PHN-X1", "serials": ["X1-00017"]}]}),
        ("draft3", "/documents", {"kind": "sale", "partner": "Jane Doe", "location": "Main store",
                                  "post": False,
                                  "lines": [{"sku": "PHN-X1", "serials": ["X1-00018"]}]}),
        ("posted", "/documents", {"kind": "sale", "partner": "Jane Doe",
                                  "location": "Main store",
                                  "lines": [{"sku": "PHN-X1", "serials": ["X1-00016"]}]}),
    ]:  # fmt: skip
        answer = session.post(base + "/api/v1" + path, json=body)
        assert answer.status_code == 201, answer.text
        if name:
            names[name] = answer.json()["number"]
    return names


def test_nul_controls_and_bidi_in_every_field_of_real_requests_give_no_server_error(
    db_url: str, tmp_path: Path
) -> None:
    """Requests on the demo shop that would succeed, each string spoiled in turn: a 4xx (NUL
    is refused before any route runs) or a success, never a 5xx; the books still check."""
    token = seeded(db_url)
    session = requests.Session()
    session.trust_env = False  # straight to the server, whatever proxy the environment names
    session.headers["Authorization"] = f"Bearer {token}"
    numbers = itertools.count()
    server_errors: list[str] = []
    with live_server(db_url, tmp_path / "server.log") as base:
        names = setup(session, base)
        refused = []
        for template in TEMPLATES:  # unspoiled first: the requests are good ones
            answer = send(session, base, filled(template, next(numbers), names))
            if answer.status_code >= 300:
                refused.append((template[0], template[1], answer.status_code))
        assert refused == [  # on purpose: none such, and a wrong password
            ("DELETE", "/api/v1/products/{}/serials/{}", 404),
            ("DELETE", "/api/v1/tokens/{}", 404),
            ("POST", "/api/v1/session", 401),
        ]
        sent = 0
        for template in TEMPLATES:
            for variant in variants(template):
                request = filled(variant, next(numbers), names)
                answer = send(session, base, request)
                sent += 1
                if answer.status_code >= 500:
                    server_errors.append(f"{request!r} -> {answer.status_code} {answer.text}")
                elif answer.status_code >= 400:
                    assert answer.headers["content-type"] == "application/problem+json", request
        # Idempotency-Key: a header may carry controls too (what the HTTP server lets through)
        for char in ["\x01", "\x1b", "\x7f", "\x85", "\u202e", "\ufeff"]:
            body = filled(RECEIPT[4], next(numbers), names)
            key = spoiled("key-1", char).encode()
            sent_key: dict[str, Any] = {"Idempotency-Key": key}
            answer = session.post(base + "/api/v1/documents", json=body, headers=sent_key)
            if answer.status_code >= 500:
                server_errors.append(f"Idempotency-Key {key!r} -> {answer.status_code}")
    assert server_errors == []
    assert sent > 700
    assert_no_traceback(tmp_path / "server.log")
    with serialtrack.open(db_url) as inv:
        assert inv.check() == []


def send(session: requests.Session, base: str, request: Request) -> requests.Response:
    method, path, segments, query, body = request
    url = base + path.format(*(quote(s, safe="") for s in segments))
    if query:
        url += "?" + urlencode(query)
    data = None if body is None else json.dumps(body).encode()  # ASCII: surrogates escaped
    headers = {} if body is None else {"Content-Type": "application/json"}
    return session.request(method, url, data=data, headers=headers, timeout=60)


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
