"""Labels end to end: ``GET /api/v1/labels``, the "Print labels" page and ``serialtrack labels``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import serialtrack
from serialtrack.entrypoints import api_labels, pages_labels
from serialtrack.entrypoints.web import create_app

pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")

GTIN = "09506000134352"


def app_with_labels(url: str) -> FastAPI:
    """The app, with the labels routes included if ``web.create_app`` does not yet."""
    app = create_app(url)
    paths = {getattr(r, "path", None) for r in app.routes}
    if "/api/v1/labels" not in paths:
        app.include_router(api_labels.router)
    if "/labels" not in paths:
        app.include_router(pages_labels.router)
    return app


def code128s(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    found = [
        r.text
        for page in document
        for r in zxingcpp.read_barcodes(page.render(scale=400 / 72).to_pil())
        if r.format.name.replace("_", "").lower() == "code128"
    ]
    document.close()
    return found


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    """A database with a 2-unit receipt; its URL, the receipt number, tokens by user."""
    url = f"sqlite:///{tmp_path / 'labels.db'}"
    with serialtrack.open(url) as inv:
        inv.add_location("Store")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("PHONE", "Phone X", gtin=GTIN)
        receipt = inv.receive(
            supplier="Acme", location="Store", lines=[("PHONE", ["SN-1", "SN-2"])]
        )
        inv.add_user("vic", "viewer", "viewer-password-1")
        _, one_time = inv.add_user_one_time("kim", "clerk")
        tokens = {"admin": inv.create_token("admin", "t"), "vic": inv.create_token("vic", "t")}
    return url, receipt.number, {**tokens, "kim-password": one_time}


@pytest.fixture
def client(world: tuple[str, str, dict[str, str]]) -> Iterator[TestClient]:
    with TestClient(app_with_labels(world[0])) as c:
        yield c


def get(client: TestClient, token: str | None, **params: object):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/api/v1/labels", params=params, headers=headers)


def test_receipt_labels_as_pdf_and_zpl(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    _, number, tokens = world
    response = get(client, tokens["vic"], document=number)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="labels-{number}.pdf"' in response.headers["content-disposition"]
    assert response.headers["x-label-count"] == "2"
    assert sorted(code128s(response.content)) == ["SN-1", "SN-2"]

    response = get(client, tokens["admin"], sku="PHONE", serials="SN-2", format="zpl",
                   layout="single", preset="100x50")  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-zpl")
    text = response.text
    assert text.count("^XA") == 1
    assert "^FDS/N SN-2^FS" in text
    assert "^BXN," in text

    response = get(client, tokens["admin"], sku="PHONE", location="Store", layout="sheet",
                   preset="a4-4x10", start=3)  # fmt: skip
    assert response.status_code == 200
    assert sorted(code128s(response.content)) == ["SN-1", "SN-2"]


def test_refusals_are_problems(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    _, number, tokens = world
    assert get(client, None, document=number).status_code == 401
    for params, status in (
        ({"document": "RC-999999"}, 404),
        ({"sku": "NOPE"}, 404),
        ({"sku": "PHONE", "serials": "SN-404"}, 404),
        ({"sku": "PHONE", "preset": "a4-99x99"}, 422),
        ({"sku": "PHONE", "start": 99}, 422),
        ({"sku": "PHONE", "format": "png"}, 422),
        ({}, 422),
    ):
        response = get(client, tokens["admin"], **params)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def test_a_user_who_must_change_password_is_refused_403(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    _, number, secrets = world
    login = client.post(
        "/api/v1/session", json={"username": "kim", "password": secrets["kim-password"]}
    )
    assert login.status_code in (200, 201), login.text
    response = client.get("/api/v1/labels", params={"document": number})
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_print_labels_page_from_the_document_and_product(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    _, number, _ = world
    login = client.post(
        "/login", data={"username": "vic", "password": "viewer-password-1"}, follow_redirects=False
    )
    assert login.status_code == 303, login.text
    headers: dict[str, str] = {}
    document = client.get(f"/documents/by-number?number={number}")
    assert document.status_code == 200
    assert 'id="print-labels"' in document.text
    assert f'href="/labels?document={number}"' in document.text
    product = client.get("/product?sku=PHONE")
    assert 'href="/labels?sku=PHONE"' in product.text
    page = client.get("/labels", params={"document": number}, headers=headers)
    assert page.status_code == 200, page.text
    assert 'id="labels-form"' in page.text
    assert f'value="{number}"' in page.text
    assert "<script>" not in page.text
    assert "style=" not in page.text
    download = client.get(
        "/labels/file",
        params={"document": number, "format": "pdf", "layout": "single", "preset": "57x32"},
        headers=headers,
    )
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert code128s(download.content) == ["SN-1", "SN-2"]
    refused = client.get(
        "/labels/file", params={"sku": "PHONE", "layout": "sheet", "preset": "a4-3x8",
                                "start": "30"}, headers=headers,
    )  # fmt: skip
    assert refused.status_code == 422
    assert 'id="labels-refusal"' in refused.text


def test_cli_writes_the_file_and_refuses_without_one(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from serialtrack.entrypoints import cli_labels  # noqa: F401  (registers the command)
    from serialtrack.entrypoints.cli import app

    url, number, _ = world
    runner = CliRunner()
    out = tmp_path / "receipt.pdf"
    result = runner.invoke(app, ["--db", url, "labels", number, "-o", str(out),
                                 "--layout", "single", "--preset", "50x25"])  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "2 label(s) written" in result.stdout
    assert code128s(out.read_bytes()) == ["SN-1", "SN-2"]

    zpl = tmp_path / "stock.zpl"
    args = ["labels", "--sku", "PHONE", "--location", "Store", "--serials", "SN-1", "--format",
            "zpl", "-o", str(zpl)]  # fmt: skip
    result = runner.invoke(app, ["--db", url, *args])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert zpl.read_text().count("^XA") == 1

    bad = tmp_path / "bad.pdf"
    result = runner.invoke(app, ["--db", url, "labels", "RC-999999", "-o", str(bad)])
    assert result.exit_code == 1
    assert "no document numbered" in result.stderr
    assert not bad.exists()
