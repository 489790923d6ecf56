"""Report pages in a real browser: a clerk recalls a receipt and downloads it as XLSX; the
stock page, filtered, downloads its CSV. Screenshots ``recall`` and ``stock-on-hand``."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import serialtrack
from browser.accounts import expect_text, log_in, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def goods(shop_url: str) -> str:
    """Cameras CAM-0001..CAM-0003 received at Main store (CAM-0002 sold to Jane Doe), a
    camera at Warehouse, and a vitamin batch at Main store; the cameras' receipt number."""
    expiry = datetime.now(UTC).date() + timedelta(days=90)
    with serialtrack.open(shop_url) as inv:
        inv.add_product("CAM-1", "Camera One", "serial", customer_warranty_days=365)
        inv.add_product("VIT-C", "Vitamin C", "batch", expiry_required=True)
        receipt = inv.receive(
            supplier="Acme Distribution", location="Main store",
            lines=[("CAM-1", ["CAM-0001", "CAM-0002", "CAM-0003"])],
        )  # fmt: skip
        inv.receive(supplier="Acme Distribution", location="Warehouse",
                    lines=[("CAM-1", ["CAM-0009"])])  # fmt: skip
        inv.receive(
            supplier="Acme Distribution", location="Main store",
            lines=[{"sku": "VIT-C", "batches": [
                {"code": "LOT-7", "quantity": 12, "expiry": expiry}]}],
        )  # fmt: skip
        inv.sell(customer="Jane Doe", location="Main store", lines=[("CAM-1", ["CAM-0002"])])
    return receipt.number


def saved(download: Any, tmp_path: Path) -> Path:
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    return target


def test_a_clerk_recalls_a_receipt_and_downloads_it_as_xlsx(
    page: Any, goods: str, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    log_in(page, "kim")
    page.click("nav >> text=Recall")
    page.fill("input[name=receipt]", goods)
    page.click("#recall-button")
    expect_text(page, "#recall-summary", "3 rows, 2 in stock, 1 with customers")
    for serial in ("CAM-0001", "CAM-0002", "CAM-0003"):
        expect_text(page, "#recall-rows", serial)
    expect_text(page, "#recall-rows", "Jane Doe")
    shot(page, "recall")

    with page.expect_download() as info:
        page.click("#recall-downloads >> text=XLSX")
    download = info.value
    assert download.suggested_filename == "recall.xlsx"
    sheet = load_workbook(saved(download, tmp_path)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:5] == ("SKU", "Serial", "Batch", "Quantity", "Status")
    by_serial = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert sorted(by_serial) == ["CAM-0001", "CAM-0002", "CAM-0003"]
    assert by_serial["CAM-0002"]["Status"] == "sold"
    assert by_serial["CAM-0002"]["Customer / partner"] == "Jane Doe"
    assert by_serial["CAM-0001"]["Status"] == "in stock"
    assert sheet.freeze_panes == "A2"

    with page.expect_download() as info:
        page.click("#recall-downloads >> text=PDF")
    assert saved(info.value, tmp_path).read_bytes().startswith(b"%PDF")


def test_the_stock_page_filtered_downloads_its_csv(page: Any, goods: str, tmp_path: Path) -> None:
    log_in(page, "kim")
    page.click("nav >> text=Stock")
    page.select_option("#location", "Main store")
    page.click("#stock-filters button[type=submit]")
    expect_text(page, "#stock-on-hand", "LOT-7")
    assert "Warehouse" not in page.locator("#stock-on-hand").inner_text()
    shot(page, "stock-on-hand")

    with page.expect_download() as info:
        page.click(".exports >> text=CSV")
    download = info.value
    assert download.suggested_filename == "stock.csv"
    with saved(download, tmp_path).open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert sorted((r["SKU"], r["Location"], r["Batch"], r["Quantity"]) for r in rows) == [
        ("CAM-1", "Main store", "", "2"), ("VIT-C", "Main store", "LOT-7", "12"),
    ]  # fmt: skip

    page.select_option("#sku", "CAM-1")
    page.click("#stock-filters button[type=submit]")
    expect_text(page, "#stock-on-hand", "CAM-1")
    with page.expect_download() as info:
        page.click(".exports >> text=CSV")
    with saved(info.value, tmp_path).open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(r["SKU"], r["Quantity"]) for r in rows] == [("CAM-1", "2")]

    # a download refused (a filter that is not one) is a page naming it, not a broken file
    page.goto("/exports/stock.csv?sku=CAM-1&colour=red")
    expect_text(page, "h1", "Refused")
    expect_text(page, "#refusal", "colour")
