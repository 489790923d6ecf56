"""Labels for units ticked in the serial list and for codes just generated, end to end: the
API (GET with ``unit=SKU:SERIAL``, POST with a JSON body), the pages and ``serialtrack labels``;
and the Digital Link base setting on the page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import serialtrack
from serialtrack.entrypoints.web import create_app

pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")

GTIN = "09506000134352"
PASSWORD = "clerk-password-1"


def symbols(data: bytes, name: str) -> list[str]:
    document = pdfium.PdfDocument(data)
    found = [
        r.text
        for page in document
        for r in zxingcpp.read_barcodes(page.render(scale=400 / 72).to_pil())
        if r.format.name.replace("_", "").lower() == name
    ]
    document.close()
    return found


@pytest.fixture
def world(tmp_path: Path) -> tuple[str, str]:
    """Two products with units in stock; the database URL and an admin token."""
    url = f"sqlite:///{tmp_path / 'labels.db'}"
    with serialtrack.open(url) as inv:
        inv.add_location("Store")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("PHONE", "Phone X", gtin=GTIN)
        inv.add_product("TAB", "Tablet")
        inv.receive(supplier="Acme", location="Store",
                    lines=[("PHONE", ["SN-1", "SN-2"]), ("TAB", ["T-1"])])  # fmt: skip
        inv.add_user("kim", "clerk", PASSWORD)
        inv.set_setting("digital_link_base", "https://id.brand.example")
        token = inv.create_token("admin", "t")
    return url, token


@pytest.fixture
def client(world: tuple[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(world[0])) as c:
        yield c


def test_api_units_by_get_and_post(client: TestClient, world: tuple[str, str]) -> None:
    auth = {"Authorization": f"Bearer {world[1]}"}
    params = {"unit": ["TAB:T-1", "PHONE:SN-2"], "layout": "single"}
    response = client.get("/api/v1/labels", headers=auth, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["x-label-count"] == "2"
    assert 'filename="labels-selection.pdf"' in response.headers["content-disposition"]
    assert symbols(response.content, "code128") == ["T-1", "SN-2"]

    body = {"units": [{"sku": "PHONE", "serial": "SN-1"}, {"sku": "TAB", "serial": "T-1"}],
            "format": "zpl", "layout": "single", "digital_link": True}  # fmt: skip
    response = client.post("/api/v1/labels", headers=auth, json=body)
    assert response.status_code == 200, response.text
    assert response.text.count("^XA") == 2
    assert f"^FDQA,https://id.brand.example/01/{GTIN}/21/SN-1^FS" in response.text

    refused = client.get("/api/v1/labels", headers=auth, params={"unit": ["TAB:T-1", "TAB:T-9"]})
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"
    assert "units[1]" in refused.text
    assert "T-9" in refused.text
    for bad in ({"units": []}, {"units": [{"sku": "TAB"}]}, {"units": "TAB:T-1"}):
        refused = client.post("/api/v1/labels", headers=auth, json=bad)
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"] == "application/problem+json"


def test_api_prints_generated_codes_with_new(client: TestClient, world: tuple[str, str]) -> None:
    auth = {"Authorization": f"Bearer {world[1]}"}
    made = client.post("/api/v1/products/PHONE/serials/generate", headers=auth, json={"count": 2})
    assert made.status_code == 200, made.text
    codes = made.json()["codes"]
    params = {"sku": "PHONE", "serials": " ".join(codes)}
    assert client.get("/api/v1/labels", headers=auth, params=params).status_code == 404
    response = client.get("/api/v1/labels", headers=auth, params={**params, "new": "true"})
    assert response.status_code == 200, response.text
    assert symbols(response.content, "code128") == codes


def log_in(client: TestClient) -> str:
    """Log kim in; the CSRF token."""
    response = client.post("/login", data={"username": "kim", "password": PASSWORD},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303, response.text
    return client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]


def test_serial_list_selection_opens_the_labels_page(client: TestClient) -> None:
    log_in(client)
    listing = client.get("/serials").text
    assert 'id="labels-selection"' in listing
    assert 'action="/labels"' in listing
    for unit in ("PHONE:SN-1", "PHONE:SN-2", "TAB:T-1"):
        assert f'form="labels-selection" name="unit" value="{unit}"' in listing
    assert 'form="labels-selection" id="print-selected-labels"' in listing

    ticked = {"selection": "1", "unit": ["TAB:T-1", "PHONE:SN-1"]}
    page = client.get("/labels", params=ticked)
    assert page.status_code == 200, page.text
    assert page.text.count('type="hidden" name="unit"') == 2
    assert 'value="TAB:T-1"' in page.text
    chosen = {"layout": "single", "preset": "57x32", "digital_link": "1"}
    download = client.get("/labels/file", params={**ticked, **chosen})
    assert download.status_code == 200, download.text
    assert symbols(download.content, "code128") == ["T-1", "SN-1"]
    # no hard-coded base any more: the page follows the setting
    assert symbols(download.content, "qrcode") == [f"https://id.brand.example/01/{GTIN}/21/SN-1"]

    nothing = client.get("/labels", params={"selection": "1"})  # the button, nothing ticked
    assert nothing.status_code == 422
    assert 'id="labels-refusal"' in nothing.text
    assert "the selection is empty" in nothing.text
    unknown = client.get("/labels", params={"selection": "1", "unit": ["TAB:T-1", "TAB:NOPE"]})
    assert unknown.status_code == 404
    assert "unit 2: no serial &#39;NOPE&#39; of TAB" in unknown.text  # as people count


def test_generated_codes_get_a_print_labels_link(client: TestClient) -> None:
    token = log_in(client)
    panel = client.post(
        "/entry/allocate?index=0&action=generate&kind=receipt", headers={"X-CSRF-Token": token},
        data={"lines-0-sku": "PHONE", "lines-0-quantity": "3"},
    )  # fmt: skip
    assert panel.status_code == 200, panel.text
    codes = re.findall(r'name="lines-0-serial" value="([^"]+)"', panel.text)
    assert len(codes) == 3
    link = re.search(r'<a href="([^"]+)" target="_blank" rel="noopener" id="generated-labels-0"',
                     panel.text)  # fmt: skip
    assert link, panel.text
    url = html.unescape(link.group(1))
    query = parse_qs(urlsplit(url).query)
    assert query["sku"] == ["PHONE"]
    assert query["new"] == ["1"]
    assert query["serials"] == [f"{codes[0]}..{codes[-1]}"]  # a range, short enough for a URL
    page = client.get(url)
    assert page.status_code == 200, page.text
    assert 'name="new" value="1"' in page.text
    download = client.get("/labels/file", params={**query, "layout": "single"})
    assert download.status_code == 200, download.text
    assert symbols(download.content, "code128") == codes
    pasted = client.post(
        "/entry/allocate?index=0&action=paste&kind=receipt", headers={"X-CSRF-Token": token},
        data={"lines-0-sku": "PHONE", "lines-0-quantity": "1", "paste-0": "X-1"},
    )  # fmt: skip
    assert "generated-labels-0" not in pasted.text  # only right after generating


def test_cli_units_and_new_codes(world: tuple[str, str], tmp_path: Path) -> None:
    from serialtrack.entrypoints.cli import app

    url = world[0]
    runner = CliRunner()
    out = tmp_path / "units.pdf"
    args = ["--db", url, "labels", "--unit", "TAB:T-1", "--unit", "PHONE:SN-2", "-o", str(out),
            "--layout", "single"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert symbols(out.read_bytes(), "code128") == ["T-1", "SN-2"]

    new = tmp_path / "new.zpl"
    args = ["--db", url, "labels", "--sku", "PHONE", "--serials", "NEW-1..NEW-3", "--new",
            "--format", "zpl", "-o", str(new)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert new.read_text().count("^XA") == 3

    bad = tmp_path / "bad.pdf"
    result = runner.invoke(app, ["--db", url, "labels", "--unit", "TAB:T-404", "-o", str(bad)])
    assert result.exit_code == 1
    assert "T-404" in result.stderr
    assert not bad.exists()
