"""Printing from the pages in a real browser: labels from a receipt, a slip from a sale. Both
files are decoded back (zxing-cpp on pages rendered by pypdfium2); their first pages are saved
as build/screenshots/label-sheet.png and slip.png for the README."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import serialtrack
from browser.accounts import SCREENSHOTS, expect_text, log_in

pytestmark = pytest.mark.browser
pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")

GTIN = "09506000134352"
CODES = [f"X1-{n:05d}" for n in range(1, 7)]


@pytest.fixture
def documents(shop_url: str) -> tuple[int, int]:
    """A receipt of six phones (with a GTIN) and a sale of two of them: their ids."""
    with serialtrack.open(shop_url) as inv:
        inv.set_setting("shop_name", "Demo Phone Shop")
        inv.set_setting("shop_address", "12 High Street\nSpringfield 4021")
        inv.add_product("PHN-X1", "Phone X1 128GB", gtin=GTIN, customer_warranty_days=365)
        receipt = inv.receive(supplier="Acme Distribution", location="Main store",
                              reference="ACME-INV-2041", lines=[("PHN-X1", CODES)])  # fmt: skip
        sale = inv.sell(customer="Jane Doe", location="Main store",
                        lines=[("PHN-X1", CODES[:2])])  # fmt: skip
    return receipt.id, sale.id


def symbols(data: bytes, name: str) -> list[tuple[str, str]]:
    """(format, text) of every barcode; the first page saved as build/screenshots/<name>.png."""
    document = pdfium.PdfDocument(data)
    found = []
    for number, page in enumerate(document):
        image = page.render(scale=300 / 72).to_pil()
        found += [(r.format.name.replace("_", "").lower(), r.text)
                  for r in zxingcpp.read_barcodes(image)]  # fmt: skip
        if number == 0:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            # The top of the page (where these few labels or the slip's lines are).
            small = page.render(scale=110 / 72, crop=(0, page.get_height() * 0.6, 0, 0)).to_pil()
            small.save(SCREENSHOTS / f"{name}.png")
    document.close()
    return found


def test_labels_from_a_receipt_and_a_slip_from_a_sale(
    page: Any, documents: tuple[int, int]
) -> None:
    receipt_id, sale_id = documents
    log_in(page, "kim")
    page.goto(f"/documents/{receipt_id}")
    page.click("#print-labels")
    expect_text(page, "h1", "Print labels")
    page.select_option("#preset", "a4-3x8")
    with page.expect_download() as download:
        page.click("#download-labels")
    data = Path(download.value.path()).read_bytes()
    found = symbols(data, "label-sheet")
    assert sorted(t for f, t in found if f == "code128") == CODES
    matrices = sorted(t for f, t in found if f == "datamatrix")
    assert len(matrices) == len(CODES)
    assert all(GTIN in t for t in matrices)  # (01) GTIN (21) serial, as GS1

    page.goto(f"/documents/{sale_id}")
    button = page.locator("#print-document")
    expect_text(page, "#print-document", "Print slip")
    response = page.request.get(button.get_attribute("href"))  # the logged-in session's cookie
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    number = page.locator("h1").inner_text().split()[1]  # "Sale SO-000001 posted"
    slip = response.body()
    assert [t for f, t in symbols(slip, "slip") if f == "code128"] == [number]
    document = pdfium.PdfDocument(slip)
    text = document[0].get_textpage().get_text_range()
    document.close()
    assert "Jane Doe" in text
    assert all(code in text for code in CODES[:2])

    # Scanning the slip's number into the search box opens the sale again.
    page.goto("/")
    page.fill("input[name=q]", number)
    page.press("input[name=q]", "Enter")
    page.wait_for_url(f"**/documents/{sale_id}")
