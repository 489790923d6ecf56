"""Printed documents end to end: ``GET /api/v1/documents/{ref}/pdf``, the document page's
"Print" button, ``serialtrack print``, and scanning the printed number back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import serialtrack
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app

pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")


def read(data: bytes) -> tuple[str, list[str]]:
    """The first page's text and its decoded Code 128 symbols."""
    document = pdfium.PdfDocument(data)
    page = document[0]
    words = page.get_textpage().get_text_range()
    symbols = [
        r.text
        for r in zxingcpp.read_barcodes(page.render(scale=300 / 72).to_pil())
        if r.format.name.replace("_", "").lower() == "code128"
    ]
    document.close()
    return words, symbols


@pytest.fixture
def world(tmp_path: Path) -> tuple[str, str, int, dict[str, str]]:
    """A shop with a posted sale: URL, the sale's number and id, tokens by user."""
    url = f"sqlite:///{tmp_path / 'print.db'}"
    with serialtrack.open(url) as inv:
        inv.set_setting("shop_name", "Corner Phones")
        inv.add_location("Store")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("PHONE", "Phone X", customer_warranty_days=730)
        inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["SN-1", "SN-2"])])
        sale = inv.sell(location="Store", lines=[("PHONE", ["SN-2"])])
        inv.add_user("vic", "viewer", "viewer-password-1")
        tokens = {"admin": inv.create_token("admin", "t"), "vic": inv.create_token("vic", "t")}
    return url, sale.number, sale.id, tokens


@pytest.fixture
def client(world) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(world[0])) as c:
        yield c


def test_api_prints_a_slip_any_reader_may_fetch(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    _, number, document_id, tokens = world
    for ref in (number, str(document_id)):
        response = client.get(
            f"/api/v1/documents/{ref}/pdf", headers={"Authorization": f"Bearer {tokens['vic']}"}
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert f'filename="{number}.pdf"' in response.headers["content-disposition"]
        words, symbols = read(response.content)
        assert symbols == [number]
        assert "Corner Phones" in words
        assert "walk-in" in words
        assert "SN-2" in words
    # Scanning the slip's barcode names the document, for a POS to open it.
    scanned = client.post("/api/v1/scan", json={"text": number},
                          headers={"Authorization": f"Bearer {tokens['vic']}"})  # fmt: skip
    assert scanned.status_code == 200, scanned.text
    assert scanned.json()["document"] == number
    assert scanned.json()["document_kind"] == "sale"
    assert scanned.json()["document_id"] == document_id


def test_api_refusals_are_problems(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    _, number, _, tokens = world
    assert client.get(f"/api/v1/documents/{number}/pdf").status_code == 401
    response = client.get(
        "/api/v1/documents/SO-999999/pdf", headers={"Authorization": f"Bearer {tokens['admin']}"}
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "SO-999999" in response.json()["detail"]


def test_settings_api_lists_and_sets_the_shop(client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    _, _, _, tokens = world
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    listed = client.get("/api/v1/settings", headers=admin).json()
    assert listed["shop_name"] == "Corner Phones"
    assert listed["digital_link_base"] == "https://id.gs1.org"
    changed = client.put("/api/v1/settings/shop_address", headers=admin,
                         json={"value": " 1 Market Square\n4021 Springfield "})  # fmt: skip
    assert changed.json() == {"key": "shop_address", "value": "1 Market Square\n4021 Springfield"}
    refused = client.put("/api/v1/settings/shop_name", json={"value": "Mine"},
                         headers={"Authorization": f"Bearer {tokens['vic']}"})  # fmt: skip
    assert refused.status_code == 403
    assert client.get("/api/v1/settings", headers=admin).json()["shop_name"] == "Corner Phones"


def test_page_print_button_and_scanning_the_number_opens_the_document(
    client: TestClient, world
) -> None:  # type: ignore[no-untyped-def]
    _, number, document_id, _ = world
    login = client.post("/login", data={"username": "vic", "password": "viewer-password-1"},
                        follow_redirects=False)  # fmt: skip
    assert login.status_code == 303
    page = client.get(f"/documents/{document_id}")
    assert f'id="print-document" href="/documents/{document_id}/pdf"' in page.text
    assert "Print slip" in page.text
    pdf = client.get(f"/documents/{document_id}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-disposition"].startswith("inline;")
    assert "object-src 'self'" in pdf.headers["content-security-policy"]
    assert read(pdf.content)[1] == [number]
    scanned = client.get("/search", params={"q": number}, follow_redirects=False)
    assert scanned.status_code == 303
    assert scanned.headers["location"] == f"/documents/{document_id}"


def test_cli_print_writes_the_pdf(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, number, _, _ = world
    runner = CliRunner()
    out = tmp_path / "slip.pdf"
    result = runner.invoke(app, ["--db", url, "print", number, "-o", str(out)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert f"Sales slip {number} written to" in result.stdout
    assert read(out.read_bytes())[1] == [number]
    bad = tmp_path / "bad.pdf"
    result = runner.invoke(app, ["--db", url, "print", "SO-999999", "-o", str(bad)])
    assert result.exit_code == 1
    assert "no document numbered 'SO-999999'" in result.stderr
    assert not bad.exists()
