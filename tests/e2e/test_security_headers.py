"""Issue 11: security headers on every answer, hardened cookies, NUL characters refused before
any route or database sees them, and 405 naming what a path allows. On SQLite and PostgreSQL
(where a NUL in text used to come back as a 500)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from webshop import library

import serialtrack
from serialtrack.entrypoints.web import create_app
from templates import initialized

PASSWORD = "kim-pass-12345"
CSP = {
    "default-src": "'self'", "script-src": "'self'", "img-src": "'self' data:",
    "frame-ancestors": "'none'", "form-action": "'self'", "base-uri": "'none'",
}  # fmt: skip
FIXED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with serialtrack.open(initialized(db_url)) as inv:
        inv.add_location("Main store")
        inv.add_user("kim", "clerk", PASSWORD)
        inv.add_user("mia", "manager", PASSWORD)
        inv.add_product("PHN", "Phone", "serial")
    with TestClient(create_app(db_url)) as test_client:
        yield test_client


def api_login(client: TestClient, username: str = "mia") -> dict[str, str]:
    """Log in through the API; the CSRF header its non-GET requests need."""
    answer = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"X-CSRF-Token": answer.json()["csrf_token"]}


def page_login(client: TestClient) -> Any:
    return client.post(
        "/login", data={"username": "kim", "password": PASSWORD}, follow_redirects=False
    )


def csp_of(response: Any) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    parts = (p.strip().split(" ", 1) for p in policy.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def assert_secured(response: Any) -> None:
    csp = csp_of(response)
    for directive, sources in CSP.items():
        assert csp[directive] == sources, (directive, csp)
    assert csp["style-src"].split()[0] == "'self'"
    assert "'unsafe-inline'" not in csp["style-src"]  # style="" attributes only: style-src-attr
    assert "unsafe-eval" not in response.headers["content-security-policy"]
    for name, value in FIXED.items():
        assert response.headers[name] == value, name
    assert "camera=(self)" in response.headers["permissions-policy"]


def test_every_kind_of_answer_carries_the_security_headers(client: TestClient) -> None:
    answers = [
        client.get("/login"),  # a page, logged out
        client.get("/static/app.js"),  # a static file
        client.get("/api/docs"),  # the API docs
        client.get("/api/v1/health"),  # JSON
        client.get("/api/v1/products"),  # 401
        client.get("/no/such/page"),  # 404
        client.put("/login"),  # 405
        client.get("/api/v1/products?text=%00"),  # 422 from the NUL guard
    ]
    page_login(client)
    answers += [client.get("/"), client.get("/receipts/new"), client.get("/api/v1/products")]
    for answer in answers:
        assert_secured(answer)


def test_pages_and_api_answers_are_not_stored_static_files_may_be(client: TestClient) -> None:
    page_login(client)
    api_login(client)
    for path in ("/", "/receipts/new", "/products", "/api/v1/products", "/api/v1/me", "/login"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    assert "no-store" not in client.get("/static/app.css").headers.get("cache-control", "")


def test_session_cookies_are_httponly_lax_and_secure_over_https(db_url: str) -> None:
    with serialtrack.open(db_url) as inv:
        inv.add_user("kim", "clerk", PASSWORD)
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        with TestClient(create_app(db_url), base_url=base) as client:
            cookies = [
                page_login(client).headers["set-cookie"],
                client.post("/api/v1/session", json={"username": "kim", "password": PASSWORD})
                .headers["set-cookie"],
            ]  # fmt: skip
            csrf = client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
            logout = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
            cookies.append(logout.headers["set-cookie"])  # the deletion too
            for cookie in cookies:
                attributes = [a.strip().lower() for a in cookie.split(";")]
                assert "httponly" in attributes, cookie
                assert "samesite=lax" in attributes, cookie
                assert ("secure" in attributes) is secure, cookie


def assert_nul_refused(answer: Any, where: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["type"] == "urn:serialtrack:problem:invalid"
    assert body["status"] == 422
    assert [e["where"] for e in body["errors"]] == [where]
    assert_secured(answer)


def test_a_nul_in_a_query_parameter_is_refused_naming_it(client: TestClient) -> None:
    api_login(client)
    assert_nul_refused(client.get("/api/v1/serials?sku=PHN%00"), "query parameter sku")
    assert_nul_refused(client.get("/api/v1/products", params={"text": "a\x00b"}),
                       "query parameter text")  # fmt: skip
    assert_nul_refused(client.get("/search?q=%00"), "query parameter q")  # a page, too


def test_a_nul_in_the_path_is_refused(client: TestClient) -> None:
    api_login(client)
    assert_nul_refused(client.get("/api/v1/products/PHN%00"), "path")
    assert_nul_refused(client.get("/api/v1/products/PHN/serials/A%00B"), "path")


def test_a_nul_in_a_json_body_is_refused_and_nothing_is_written(client: TestClient) -> None:
    headers = {**api_login(client), "content-type": "application/json"}
    for body in (b'{"sku": "NUL1", "name": "Bad\\u0000name"}',
                 b'{"sku": "NUL1", "name": "Bad\x00name"}'):  # fmt: skip
        assert_nul_refused(client.post("/api/v1/products", content=body, headers=headers), "body")
    assert client.get("/api/v1/products/NUL1").status_code == 404
    # an escaped backslash before "u0000" is text, not a NUL
    text = b'{"sku": "BS1", "name": "a\\\\u0000b"}'
    created = client.post("/api/v1/products", content=text, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "a\\u0000b"


def test_a_nul_split_across_body_chunks_is_still_found(client: TestClient) -> None:
    headers = {**api_login(client), "content-type": "application/json"}
    chunks = [b'{"sku": "NUL2", "name": "Bad\\u00', b'00name"}']
    answer = client.post("/api/v1/products", content=iter(chunks), headers=headers)
    assert_nul_refused(answer, "body")
    assert client.get("/api/v1/products/NUL2").status_code == 404


def test_a_nul_in_a_form_body_is_refused(client: TestClient) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert_nul_refused(client.post("/login", content=b"username=kim%00&password=x", headers=form),
                       "body")  # fmt: skip
    page_login(client)
    csrf = client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]
    body = f"csrf_token={csrf}&sku=NUL3&name=Bad%00name&tracking=serial&unit=pcs".encode()
    assert_nul_refused(client.post("/products/new", content=body, headers=form), "body")
    with library(client) as inv:
        assert all(p.sku != "NUL3" for p in inv.products())


def test_a_percent_sign_and_zeros_in_json_are_plain_text(client: TestClient) -> None:
    headers = {**api_login(client), "content-type": "application/json"}
    answer = client.post("/api/v1/products", content=b'{"sku": "P%00", "name": "x"}',
                         headers=headers)  # fmt: skip
    assert answer.status_code == 201, answer.text


def test_a_wrong_method_answers_405_with_allow(client: TestClient) -> None:
    login = client.put("/login")
    assert login.status_code == 405
    assert set(login.headers["allow"].split(", ")) == {"GET", "POST"}
    assert login.json()["type"] == "urn:serialtrack:problem:method-not-allowed"
    products = client.delete("/api/v1/products")
    assert products.status_code == 405
    assert set(products.headers["allow"].split(", ")) == {"GET", "POST"}
    static = client.post("/static/app.css")
    assert static.status_code == 405
    assert static.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "chunks",
    [
        [b'{"name": "a\\u00', b'00"}'],
        [b'{"name": "a\\', b"u0000", b'"}'],
        [b'{"name": "a', b"\x00", b'"}'],
    ],
)
def test_the_body_scanner_finds_a_json_nul_cut_between_chunks(chunks: list[bytes]) -> None:
    from serialtrack.entrypoints.headers import BodyScanner

    scanner = BodyScanner("application/json")
    assert any(scanner.has_nul(chunk) for chunk in chunks)


def test_the_body_scanner_finds_a_form_nul_cut_between_chunks() -> None:
    from serialtrack.entrypoints.headers import BodyScanner

    scanner = BodyScanner("application/x-www-form-urlencoded")
    assert not scanner.has_nul(b"a=1&b=x%0")
    assert scanner.has_nul(b"0y")
    assert not BodyScanner("application/json").has_nul(b'{"a": "100%00"}')
