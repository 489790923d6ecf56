"""docs/first-day.md, followed through the pages: from an empty database to the first sale.

Each step of the walkthrough is done here the way its clicks do it (the page it opens, the
fields and buttons it names, the form the browser posts), and checked to work, so the document
cannot rot: rename a button or a field, and this fails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import HTMX

from serialtrack.entrypoints.cli import app as cli
from serialtrack.entrypoints.web import create_app

ROOT = Path(__file__).resolve().parents[2]
WALKTHROUGH = " ".join((ROOT / "docs" / "first-day.md").read_text(encoding="utf-8").split())
PASSWORD = "first-day-pass-1"


def says(*words: str) -> None:
    """The walkthrough names these (a button, a field, a message), word for word."""
    for word in words:
        assert word in WALKTHROUGH, f"docs/first-day.md no longer says {word!r}"


def shows(page: str, *words: str) -> None:
    """The page shows these words (tags aside, entities as typed)."""
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#34;", '"')
    plain = plain.replace("&amp;", "&")
    for word in words:
        assert word in plain or word in page, f"the page does not show {word!r}"


@pytest.fixture
def started(tmp_path: Path) -> Iterator[TestClient]:
    """Step 1: ``python3 scripts/run.py`` on a new database; ``init`` asks the admin password
    (typed twice), then the app serves."""
    says("python3 scripts/run.py", "Password for the first admin")
    url = f"sqlite:///{tmp_path / 'serialtrack.db'}"
    result = CliRunner().invoke(
        cli, ["--db", url, "init", "--ask-password"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Password for the first admin" in result.output
    assert "created user admin" in result.output
    with TestClient(create_app(url)) as client:
        yield client


def test_first_day_from_an_empty_database_to_the_first_sale(started: TestClient) -> None:
    csrf = log_in(started)
    add_store_and_partners(started, csrf)
    add_product(started, csrf)
    receive_three(started, csrf)
    sell_one(started, csrf)
    look_up_history(started)


def log_in(web: TestClient) -> str:
    # 2. Log in: admin and the password, "Log in"; Home shows the first steps
    says("`admin`", "**Username**", "**Password**", "**Log in**", "**First steps**")
    login = web.get("/login").text
    shows(login, "Log in")
    assert 'name="username"' in login
    assert 'name="password"' in login
    home = web.post("/login", data={"username": "admin", "password": PASSWORD})
    assert home.status_code == 200
    shows(home.text, "First steps", "Add a location", "Add a product", "Receive goods", "Help")
    return home.text.split('name="csrf_token" value="')[1].split('"')[0]


def add_store_and_partners(web: TestClient, csrf: str) -> None:
    home = web.get("/").text
    # 3. Add your store: "Add a location: your store or warehouse" -> name, Save
    says("**Add a location: your store or warehouse**", "**Name of the store or warehouse**",
         "`Main store`", "*Location Main store saved*")  # fmt: skip
    assert '<a href="/locations/new">Add a location: your store or warehouse</a>' in home
    form = web.get("/locations/new").text
    shows(form, "Name of the store or warehouse", "Save")
    done = web.post("/locations/new", data={"name": "Main store", "csrf_token": csrf})
    assert done.url.path == "/locations"
    shows(done.text, "Location Main store saved", "Main store", "Suppliers", "Scrap")

    # 4. A supplier and a customer: Partners, New partner, Name, tick, Save
    says("**Partners**", "**New partner**", "`Acme Phones`", "**a supplier**", "`Jane Doe`",
         "**a customer**", "*Partner Acme Phones saved*")  # fmt: skip
    shows(web.get("/partners").text, "New partner")
    shows(web.get("/partners/new").text, "Name", "a supplier", "a customer", "Save")
    done = web.post("/partners/new", data={"name": "Acme Phones", "supplier": "on",
                                            "csrf_token": csrf})  # fmt: skip
    shows(done.text, "Partner Acme Phones saved")
    web.post("/partners/new", data={"name": "Jane Doe", "customer": "on", "csrf_token": csrf})


def add_product(web: TestClient, csrf: str) -> None:
    # 5. A product: Home's "Add a product"; SKU, Tracking serial, Name, customer warranty; Save
    says("**Add a product**", "**SKU**", "**Tracking**", "`serial`", "**Name**", "`Phone A5`",
         "**Customer warranty (days)**", "`365`", "*Product PHN-A5 saved*")  # fmt: skip
    home = web.get("/").text
    assert '<a href="/products/new">Add a product</a>' in home
    form = web.get("/products/new").text
    shows(form, "SKU", "Tracking", "Name", "Customer warranty (days)", "Save")
    assert '<option value="serial" selected>' in form  # "already chosen"
    done = web.post("/products/new", data={
        "sku": "PHN-A5", "tracking": "serial", "name": "Phone A5", "unit": "pcs",
        "customer_warranty_days": "365", "csrf_token": csrf,
    })  # fmt: skip
    shows(done.text, "Product PHN-A5 saved", "Phone A5")


def receive_three(web: TestClient, csrf: str) -> None:
    # 6. Receive: Supplier, Location, Product, Quantity 3 -> three rows (or paste a range)
    says("**Receive**", "**Supplier**", "**Location**", "**Line 1**", "**Product**",
         "`PHN-A5 — Phone A5`", "**Quantity**", "`3`", "Three serial rows appear",
         "`A5-0001..A5-0003`", "**Paste a list or ranges**", "**Add pasted**",
         "**Save and post**", "*Receipt RC-000001 posted*")  # fmt: skip
    form = web.get("/receipts/new").text
    shows(form, "Supplier", "Location", "Line 1", "Product", "PHN-A5 — Phone A5", "Quantity",
          "Save and post")  # fmt: skip
    line = {"lines-0-sku": "PHN-A5", "lines-0-quantity": "3"}
    htmx = {**HTMX, "X-CSRF-Token": csrf}
    rows = web.post("/entry/allocate", params={"index": 0, "kind": "receipt"},
                    data={**line, "lines-0-serial": ""}, headers=htmx)  # fmt: skip
    assert rows.status_code == 200
    assert rows.text.count('name="lines-0-serial"') == 3  # one row per unit
    shows(rows.text, "Paste a list or ranges", "Add pasted")
    pasted = web.post(
        "/entry/allocate", params={"index": 0, "action": "paste", "kind": "receipt"},
        data={**line, "lines-0-serial": ["", "", ""], "paste-0": "A5-0001..A5-0003"},
        headers=htmx,
    )  # fmt: skip
    for code in ("A5-0001", "A5-0002", "A5-0003"):
        assert f'value="{code}"' in pasted.text
    receipt = web.post("/receipts/new", data={
        "partner": "Acme Phones", "location": "Main store", **line,
        "lines-0-serial": ["A5-0001", "A5-0002", "A5-0003"], "csrf_token": csrf,
    })  # fmt: skip
    shows(receipt.text, "Receipt RC-000001 posted", "A5-0001", "A5-0003")
    assert 'id="first-steps"' not in web.get("/").text  # the first steps are done


def sell_one(web: TestClient, csrf: str) -> None:
    htmx = {**HTMX, "X-CSRF-Token": csrf}
    # 7. Sell: Customer, Sell from, Product; tick A5-0002 (or narrow by typing); Save and post
    says("**Sell**", "**Customer**", "**Sell from**", "Tick `A5-0002`",
         "**Find or scan a serial in stock**", "*Sale SO-000001 posted*")  # fmt: skip
    form = web.get("/sales/new").text
    shows(form, "Customer", "Sell from", "Line 1", "Product", "Save and post")
    listed = web.post(
        "/entry/picker", params={"index": 0, "kind": "sale"},
        data={"lines-0-sku": "PHN-A5", "location": "Main store"},
        headers=htmx,
    )  # fmt: skip
    shows(listed.text, "Find or scan a serial in stock")
    assert listed.text.count('name="lines-0-serial"') == 3  # the three in stock there
    narrowed = web.post(
        "/entry/picker", params={"index": 0, "part": "list", "kind": "sale"},
        data={"lines-0-sku": "PHN-A5", "location": "Main store", "q-0": "A5-0002"},
        headers=htmx,
    )  # fmt: skip
    assert re.findall(r'name="lines-0-serial" value="([^"]+)"', narrowed.text) == ["A5-0002"]
    sale = web.post("/sales/new", data={
        "partner": "Jane Doe", "location": "Main store", "lines-0-sku": "PHN-A5",
        "lines-0-serial": "A5-0002", "csrf_token": csrf,
    })  # fmt: skip
    shows(sale.text, "Sale SO-000001 posted", "A5-0002", "Jane Doe")


def look_up_history(web: TestClient) -> None:
    # 8. History: type A5-0002 in the search box, Enter -> the serial's page
    says("type `A5-0002` and press **Enter**", "**Find**", "**sold** to Jane Doe",
         "**History**", "RC-000001", "SO-000001")  # fmt: skip
    shows(web.get("/").text, "Find")
    serial = web.get("/search", params={"q": "A5-0002"})
    assert serial.url.path == "/serial"
    shows(serial.text, "A5-0002", "Jane Doe", "SO-000001", "RC-000001", "History", "sold",
          "Customer warranty until")  # fmt: skip


def test_the_walkthrough_is_linked_from_the_readme_and_the_help(started: TestClient) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/first-day.md)" in readme
    web = started
    web.post("/login", data={"username": "admin", "password": PASSWORD})
    assert "docs/first-day.md" in web.get("/help/first-day").text
    assert 'href="/help/first-day"' in web.get("/help").text
