"""Every report and list page links its CSV and XLSX downloads (the recall also PDF) with the
page's own filters; following a link gives the rows the page shows. XLSX cells hold dates as
dates under a frozen header, text that a spreadsheet would run as a formula is written as
text; a bad filter is a refusal naming it, never a file. The same over the API
(``/api/v1/exports/{report}.{format}``). The warranty and expiring pages. On SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

import serialtrack
from serialtrack.entrypoints.web import create_app
from templates import initialized

PASSWORD = "export-pages-1"
EVIL = "=cmd|' /C calc'!A0"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]
    today: date
    numbers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    """A shop: phones P1..P4 received at Main from Acme (30 days' customer warranty, 20 days'
    supplier warranty), P2 sold to a customer named like a formula, P3 on its way to Back;
    vitamin batches OLD (2, expired three days ago) and NEW (5, expiring in ten days) at
    Main; NEW-1 sold without a receipt (an open discrepancy). Users kim (clerk), mia
    (manager), vic (viewer), each with an API token."""
    today = datetime.now(UTC).date()
    with serialtrack.open(initialized(db_url)) as inv:
        inv.add_location("Main")
        inv.add_location("Back")
        inv.add_partner("Acme", supplier=True)
        inv.add_partner(EVIL, customer=True)
        inv.add_product("PHN", "Phone", customer_warranty_days=30, supplier_warranty_days=20)
        inv.add_product("VIT", "Vitamin C", "batch", expiry_required=True)
        phones = inv.receive(supplier="Acme", location="Main",
                             lines=[("PHN", ["P1", "P2", "P3", "P4"])])  # fmt: skip
        batches = [
            {"code": "OLD", "quantity": 2, "expiry": today - timedelta(days=3)},
            {"code": "NEW", "quantity": 5, "expiry": today + timedelta(days=10)},
        ]
        vitamins = inv.receive(supplier="Acme", location="Main",
                               lines=[{"sku": "VIT", "batches": batches}])  # fmt: skip
        sale = inv.sell(customer=EVIL, location="Main", lines=[("PHN", ["P2"])])
        transfer = inv.dispatch(source="Main", destination="Back", lines=[("PHN", ["P3"])])
        inv.set_setting("unknown_serials_at_sale", "allow")
        inv.sell(customer=EVIL, location="Main", lines=[("PHN", ["NEW-1"])])
        for name, role in (("kim", "clerk"), ("mia", "manager"), ("vic", "viewer")):
            inv.add_user(name, role, PASSWORD)
        tokens = {name: inv.create_token(name, "t") for name in ("kim", "mia", "vic")}
    numbers = {"phones": phones.number, "vitamins": vitamins.number, "sale": sale.number,
               "transfer": transfer.number}  # fmt: skip
    with TestClient(create_app(db_url)) as client:
        yield World(client, tokens, today, numbers)


def log_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def bearer(world: World, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[username]}"}


# --- reading pages and files ------------------------------------------------------------------
def download_links(text: str) -> dict[str, str]:
    """The page's download links, by format (``csv``: its address)."""
    found = re.search(r'<span class="exports">(.*?)</span>', text, re.S)
    assert found, "the page has no download links"
    links = re.findall(r'<a href="([^"]+)">(\w+)</a>', found[1])
    return {name.lower(): html.unescape(href) for href, name in links}


def table_rows(text: str, table_id: str) -> list[list[str]]:
    """The data rows of a page's table, each cell as text (the "nothing here" row left out)."""
    body = text.split(f'<table id="{table_id}">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[ >].*?</tr>", body, re.S)[1:]  # the first is the header
    return [[_cell(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in rows if "colspan" not in row]  # fmt: skip


def _cell(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def read_csv(body: str) -> tuple[list[str], list[dict[str, str]]]:
    rows = list(csv.reader(io.StringIO(body)))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def shown(value: str) -> str:
    """A CSV cell as a page shows it: without the quote that keeps a formula a text."""
    return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@") else value


def open_xlsx(content: bytes) -> Any:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content)).active


@dataclass(frozen=True)
class Listing:
    """A page, the report its links download with which filters, and which of its table's
    columns (by position) show which column of the CSV."""

    user: str
    path: str
    report: str
    filters: dict[str, str]
    table: str
    columns: tuple[tuple[int, str], ...]
    filename: str = ""


def listings(world: World) -> list[Listing]:
    t, n = world.today.isoformat(), world.numbers
    return [
        Listing("vic", "/stock?location=Main", "stock", {"location": "Main"}, "stock-on-hand",
                ((0, "SKU"), (1, "Product"), (2, "Location"), (3, "Status"), (4, "Batch"),
                 (6, "Quantity"))),
        Listing("vic", f"/stock?as_of={t}&location=Main", "stock-as-of",
                {"at": t, "location": "Main"}, "stock-as-of",
                ((0, "SKU"), (1, "Product"), (2, "Location"), (3, "Quantity"))),
        Listing("vic", f"/journal?sku=PHN&date_from={t}", "journal",
                {"sku": "PHN", "date_from": t}, "journal",
                ((3, "SKU"), (4, "Serial"), (5, "Quantity"), (6, "From"), (7, "To"),
                 (8, "Partner"), (9, "User"))),
        Listing("vic", f"/recall?receipt={n['phones']}", "recall", {"receipt": n["phones"]},
                "recall-rows", ((0, "SKU"), (1, "Serial"), (2, "Quantity"), (3, "Status"),
                                (4, "Where it is now"))),
        Listing("vic", "/batch?sku=VIT&code=NEW", "batch", {"sku": "VIT", "code": "NEW"},
                "batch-history", ((3, "From"), (4, "To"), (5, "Quantity")), "batch-NEW"),
        Listing("vic", f"/serials?sku=PHN&status=in_stock&received_from={t}", "serial-list",
                {"sku": "PHN", "status": "in_stock", "received_from": t}, "serial-table",
                ((1, "Serial"), (2, "SKU"), (3, "Status"), (4, "Location"), (5, "Receipt"),
                 (6, "Supplier"))),
        Listing("vic", "/products?q=i", "products", {"text": "i"}, "products",
                ((0, "SKU"), (1, "Name"), (2, "Tracking"))),
        Listing("vic", "/documents?kind=receipt", "documents", {"kind": "receipt"}, "documents",
                ((0, "Number"), (1, "Kind"), (2, "State"), (3, "Date"), (4, "Partner"),
                 (5, "From"))),
        Listing("vic", "/transfers", "in-transit", {}, "in-transit",
                ((0, "Transfer"), (1, "Date"), (3, "SKU"), (4, "Quantity"), (5, "Serials"))),
        Listing("vic", "/discrepancies?state=all", "discrepancies", {"state": "all"},
                "discrepancies", ((1, "Kind"), (2, "SKU"), (3, "Serial"), (4, "Document"),
                                  (5, "Detail"))),
        Listing("mia", "/audit?entity=user", "audit", {"entity": "user"}, "audit",
                ((1, "User"), (2, "What"), (3, "Name"), (5, "Change"))),
        Listing("vic", "/locations", "locations", {}, "locations", ((0, "Name"),)),
        Listing("vic", "/warranty", "warranty", {"days": "30", "side": "customer"}, "warranty",
                ((0, "SKU"), (1, "Serial"), (2, "Status"), (3, "Location"),
                 (4, "Warranty until"), (5, "Customer"), (6, "Invoice"), (7, "Sold")),
                "warranty-customer"),
        Listing("vic", "/warranty?side=supplier&sku=PHN", "warranty",
                {"days": "30", "side": "supplier", "sku": "PHN"}, "warranty",
                ((0, "SKU"), (1, "Serial"), (2, "Status"), (3, "Location"),
                 (4, "Warranty until"), (5, "Supplier"), (6, "Receipt"), (7, "Received")),
                "warranty-supplier"),
        Listing("vic", "/expiring?days=30&location=Main", "expiring",
                {"days": "30", "location": "Main"}, "expiring",
                ((0, "SKU"), (1, "Batch"), (2, "Location"), (3, "Quantity"), (4, "Expiry"))),
    ]  # fmt: skip


# --- the pages' links -------------------------------------------------------------------------
def test_every_report_page_links_downloads_of_what_it_shows(world: World) -> None:
    client = world.client
    for listing in listings(world):
        log_in(client, listing.user)
        where = listing.path
        page = client.get(listing.path)
        assert page.status_code == 200, (where, page.text)
        rows = table_rows(page.text, listing.table)
        assert rows, f"{where} shows no rows: nothing to compare"
        links = download_links(page.text)
        formats = ["csv", "xlsx", "pdf"] if listing.report == "recall" else ["csv", "xlsx"]
        assert sorted(links) == sorted(formats), where
        for fmt, href in links.items():
            address = urlsplit(href)
            assert address.path == f"/exports/{listing.report}.{fmt}", where
            given = {k: v[0] for k, v in parse_qs(address.query).items()}
            assert given == listing.filters, where

        answer = client.get(links["csv"])
        assert answer.status_code == 200, (where, answer.text)
        assert answer.headers["content-type"].startswith("text/csv"), where
        stem = listing.filename or listing.report
        assert answer.headers["content-disposition"] == f'attachment; filename="{stem}.csv"'
        header, records = read_csv(answer.text)
        assert {title for _, title in listing.columns} <= set(header), where
        on_page = sorted(tuple(row[i] for i, _ in listing.columns) for row in rows)
        in_file = sorted(tuple(shown(r[title]) for _, title in listing.columns) for r in records)
        assert in_file == on_page, where

        answer = client.get(links["xlsx"])
        assert answer.status_code == 200, (where, answer.text)
        assert answer.headers["content-type"] == XLSX, where
        assert answer.headers["content-disposition"] == f'attachment; filename="{stem}.xlsx"'
        sheet = open_xlsx(answer.content)
        cells = list(sheet.iter_rows())
        assert [c.value for c in cells[0]] == header, where
        assert all(c.font.b for c in cells[0]), where
        assert len(cells) - 1 == len(records), where
        assert sheet.freeze_panes == "A2", where
        for letter in (c.column_letter for c in cells[0]):  # the report's widths, set
            width = sheet.column_dimensions[letter]
            assert width.customWidth, (where, letter)
            assert width.width >= 5, (where, letter)
        for row, record in zip(cells[1:], records, strict=True):
            for cell, title in zip(row, header, strict=True):
                if ISO_DATE.match(record[title]):
                    assert cell.is_date, (where, title, cell.value)


def test_a_formula_like_name_is_text_in_csv_and_xlsx(world: World) -> None:
    """The customer ``=cmd|' /C calc'!A0`` in the journal, the serial list and the warranty
    list: a quoted text in CSV, a text cell in XLSX; never a formula."""
    client = world.client
    log_in(client, "vic")
    for path in ("/exports/journal", "/exports/serial-list", "/exports/warranty"):
        answer = client.get(path + ".csv")
        assert answer.status_code == 200, answer.text
        cells = [cell for row in csv.reader(io.StringIO(answer.text)) for cell in row]
        evil = [cell for cell in cells if "cmd|" in cell]
        assert evil, path
        assert all(cell == "'" + EVIL for cell in evil), (path, evil)
        sheet = open_xlsx(client.get(path + ".xlsx").content)
        evil_cells = [c for row in sheet.iter_rows() for c in row
                      if isinstance(c.value, str) and "cmd|" in c.value]  # fmt: skip
        assert evil_cells, path
        for cell in evil_cells:
            assert cell.data_type != "f", (path, cell.coordinate)
            assert not str(cell.value).startswith("="), (path, cell.value)
            assert cell.value == "'" + EVIL


def test_the_recall_downloads_as_a_pdf_listing_its_serials(world: World) -> None:
    import pypdfium2 as pdfium

    client = world.client
    log_in(client, "kim")
    page = client.get("/recall", params={"serials": "P1..P3"})
    assert page.status_code == 200, page.text
    answer = client.get(download_links(page.text)["pdf"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'attachment; filename="recall.pdf"'
    assert answer.content.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(answer.content)
    try:
        text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    for serial in ("P1", "P2", "P3"):
        assert serial in text
    assert "cmd|" in text  # P2's customer


# --- refusals, roles --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("address", "named"),
    [
        ("/exports/journal.csv?colour=red", "colour"),
        ("/exports/journal.xlsx?date_from=2026-13-45", "date_from"),
        ("/exports/serial-list.csv?received_from=someday", "received_from"),
        ("/exports/warranty.xlsx?days=many", "days"),
        ("/exports/stock-as-of.csv?at=yesterday", "at"),
        ("/exports/recall.pdf?batch=OLD&serials=P1", "scope"),
        ("/exports/stock.csv?location=Attic", "location"),
    ],
)
def test_a_bad_filter_is_an_error_page_naming_it_and_no_file(
    world: World, address: str, named: str
) -> None:
    client = world.client
    log_in(client, "vic")
    answer = client.get(address)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in answer.headers
    assert f"<code>{named}</code>" in answer.text
    api = client.get("/api/v1" + address, headers=bearer(world, "vic"))
    assert api.status_code == 422, api.text
    assert "content-disposition" not in api.headers
    assert named in [problem["where"] for problem in api.json()["errors"]]


def test_a_viewer_exports_and_a_clerk_may_not_export_the_audit(world: World) -> None:
    client = world.client
    log_in(client, "vic")
    assert client.get("/exports/stock.xlsx").status_code == 200
    assert client.get("/exports/journal.csv").status_code == 200
    log_in(client, "kim")
    refused = client.get("/exports/audit.csv")
    assert refused.status_code == 403
    assert "content-disposition" not in refused.headers
    api = client.get("/api/v1/exports/audit.xlsx", headers=bearer(world, "kim"))
    assert api.status_code == 403
    assert "content-disposition" not in api.headers
    log_in(client, "mia")
    assert client.get("/exports/audit.csv").status_code == 200
    client.cookies.clear()
    assert client.get("/exports/stock.csv", follow_redirects=False).status_code == 303


def test_the_old_csv_addresses_still_answer(world: World) -> None:
    client = world.client
    log_in(client, "vic")
    for address in ("/reports/serials.csv", "/recall.csv?serials=P1..P3", "/api/v1/journal.csv"):
        answer = client.get(address)
        assert answer.status_code == 200, (address, answer.text)
        assert answer.headers["content-type"].startswith("text/csv"), address
        assert "P1" in answer.text, address


# --- the API ----------------------------------------------------------------------------------
def test_the_api_exports_any_report_with_a_token(world: World) -> None:
    client = world.client
    client.cookies.clear()
    auth = bearer(world, "vic")
    answer = client.get("/api/v1/exports/stock.csv", params={"sku": "VIT"}, headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == 'attachment; filename="stock.csv"'
    _, records = read_csv(answer.text)
    assert sorted((r["Batch"], r["Quantity"]) for r in records) == [("NEW", "5"), ("OLD", "2")]

    answer = client.get("/api/v1/exports/expiring.xlsx", params={"days": "5"}, headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    sheet = open_xlsx(answer.content)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "SKU", "Serial", "Batch", "Location", "Quantity", "Expiry", "Alert", "Expired",
    )  # fmt: skip
    (old,) = rows[1:]  # NEW expires in ten days: not within five; OLD expired already
    assert (old[2], old[4], old[6], old[7]) == ("OLD", 2, None, True)
    assert old[5].date() == world.today - timedelta(days=3)

    answer = client.get("/api/v1/exports/recall.pdf",
                        params={"receipt": world.numbers["vitamins"]}, headers=auth)  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.content.startswith(b"%PDF")

    answer = client.get("/api/v1/exports/journal.csv", params={"sku": "VIT"})
    assert answer.status_code == 401
    assert client.get("/api/v1/exports/nothing.csv", headers=auth).status_code == 404
    assert client.get("/api/v1/exports/stock.doc", headers=auth).status_code in (404, 422)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/exports/{report}.{fmt}" in paths


# --- warranty and expiring pages --------------------------------------------------------------
def test_the_warranty_page_lists_customer_and_supplier_warranty_ending(world: World) -> None:
    client, today = world.client, world.today
    log_in(client, "vic")
    page = client.get("/warranty")
    assert page.status_code == 200, page.text
    assert 'name="days" id="days" type="number" value="30"' in page.text
    rows = table_rows(page.text, "warranty")
    until = (today + timedelta(days=30)).isoformat()
    assert ["PHN", "P2", "sold", "Customers", until, EVIL, world.numbers["sale"],
            today.isoformat()] in rows  # fmt: skip
    assert '<a href="/serial?sku=PHN&amp;code=P2">P2</a>' in page.text

    page = client.get("/warranty", params={"side": "supplier"})
    rows = table_rows(page.text, "warranty")
    held = sorted((r[1], r[2], r[5], r[6]) for r in rows)
    receipt = world.numbers["phones"]
    assert held == [("P1", "in stock", "Acme", receipt), ("P3", "in transit", "Acme", receipt),
                    ("P4", "in stock", "Acme", receipt)]  # fmt: skip
    assert all(r[4] == (today + timedelta(days=20)).isoformat() for r in rows)
    assert "<th>supplier</th><th>receipt</th><th>received</th>" in page.text

    page = client.get("/warranty", params={"side": "supplier", "days": "10"})
    assert table_rows(page.text, "warranty") == []
    assert "No warranty ends within 10 days." in page.text

    for given, named in (({"days": "soon"}, "days"), ({"days": "-1"}, "days"),
                         ({"side": "both"}, "side"), ({"sku": "NOPE"}, "sku")):  # fmt: skip
        refused = client.get("/warranty", params=given)
        assert refused.status_code == 422, given
        assert f"<code>{named}</code>" in refused.text, given
        assert 'class="exports"' not in refused.text
        assert 'id="refusal"' in refused.text


def test_the_expiring_page_marks_what_expired(world: World) -> None:
    client, today = world.client, world.today
    log_in(client, "kim")
    page = client.get("/expiring")
    assert page.status_code == 200, page.text
    rows = table_rows(page.text, "expiring")
    assert rows == [
        ["VIT", "OLD", "Main", "2", (today - timedelta(days=3)).isoformat(), "", "expired"],
        ["VIT", "NEW", "Main", "5", (today + timedelta(days=10)).isoformat(), "", ""],
    ]
    assert page.text.count('<tr class="expired">') == 1
    assert '<a href="/batch?sku=VIT&amp;code=OLD">OLD</a>' in page.text
    assert download_links(page.text)["csv"] == "/exports/expiring.csv?days=30"

    page = client.get("/expiring", params={"days": "5", "sku": "VIT"})
    assert [r[1] for r in table_rows(page.text, "expiring")] == ["OLD"]
    assert download_links(page.text)["xlsx"] == "/exports/expiring.xlsx?days=5&sku=VIT"
    page = client.get("/expiring", params={"location": "Back"})
    assert table_rows(page.text, "expiring") == []
    assert "Nothing expires within 30 days." in page.text

    for given, named in (({"days": "4000"}, "days"), ({"location": "Attic"}, "location")):
        refused = client.get("/expiring", params=given)
        assert refused.status_code == 422, given
        assert f"<code>{named}</code>" in refused.text, given
        assert 'class="exports"' not in refused.text
