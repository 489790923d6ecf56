"""Pages: login required, session cookie, CSRF on logout, HTML escaping, the CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.entrypoints.web import create_app

PASSWORD = "counter-pass-1"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    with serialtrack.open(url) as inv:
        load_demo(inv)
        inv.add_user("kim", "clerk", PASSWORD)
        inv.add_partner("<script>alert(1)</script>", supplier=True)
        inv.receive(
            supplier="<script>alert(1)</script>", location="Warehouse",
            lines=[("LAP-14", ["=cmd|' /C calc'!A0"])],
        )  # fmt: skip
    with TestClient(create_app(url)) as test_client:
        yield test_client


def log_in(client: TestClient, password: str = PASSWORD) -> None:
    response = client.post(
        "/login", data={"username": "kim", "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def test_pages_need_a_login(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert client.get("/reports/serials.csv").status_code == 401


def test_wrong_password_is_refused_on_the_form(client: TestClient) -> None:
    response = client.post("/login", data={"username": "kim", "password": "nope-nope"})
    assert response.status_code == 401
    assert "wrong username or password" in response.text
    assert "serialtrack_session" not in response.cookies


def test_home_page_escapes_what_users_typed(client: TestClient) -> None:
    log_in(client)
    page = client.get("/", params={"sku": "LAP-14", "code": "=cmd|' /C calc'!A0"}).text
    assert "kim (clerk)" in page
    assert "<script>alert(1)</script>" not in page
    assert "in_stock at Warehouse" in page


def test_logout_needs_the_csrf_token(client: TestClient) -> None:
    log_in(client)
    refused = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200
    page = client.get("/").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_csv_report_streams_every_serial_safely(client: TestClient) -> None:
    log_in(client)
    response = client.get("/reports/serials.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(response.text.splitlines()))
    assert len(rows) == 31
    assert {r["serial"] for r in rows} >= {"X1-00001", "LP14-0010", "'=cmd|' /C calc'!A0"}
