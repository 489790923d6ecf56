"""The counter (``/counter``, issue 13): the page, its scans, its post, what it remembers.

The demo shop: PHN-X1 (365 days of customer warranty, GTIN 09506000134352) X1-00001 and
X1-00004..X1-00019 in stock at Main store, X1-00002/3 sold; LAP-14 at Warehouse; CBL-USB
quantity-only; VIT-C batch-tracked.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from webshop import HTMX, MAIN, as_user, library

GTIN = "09506000134352"


def scan(shop: TestClient, token: str, code: str, **form: str) -> object:
    data = {"location": MAIN, "scan": code, **form}
    return shop.post("/counter/scan", headers={**HTMX, "X-CSRF-Token": token}, data=data)


def pick(shop: TestClient, token: str, query: str, **form: str) -> object:
    data = {"location": MAIN, **form}
    headers = {**HTMX, "X-CSRF-Token": token}
    return shop.post(f"/counter/pick?sku=PHN-X1&{query}", headers=headers, data=data)


def sell(shop: TestClient, token: str, **form: str) -> object:
    data = {"csrf_token": token, "location": MAIN, **form}
    return shop.post("/counter", data=data, follow_redirects=False)


def user_id(shop: TestClient, username: str) -> int:
    with library(shop) as inv:
        return next(u["id"] for u in inv.users() if u["username"] == username)


def documents(shop: TestClient) -> int:
    with library(shop) as inv:
        return len(inv.documents(limit=1000))


def test_the_counter_opens_with_the_focus_in_a_wide_scan_box(shop: TestClient) -> None:
    as_user(shop, "kim")
    page = shop.get("/counter")
    assert page.status_code == 200
    (box,) = re.findall(r'<input id="quick-scan"[^>]*>', page.text)
    assert "autofocus" in box
    assert 'class="scan wide"' in box
    assert page.text.count("autofocus") == 1  # nothing else takes the focus first
    assert "Walk-in (no customer)" in page.text
    for hint in ("Ctrl</kbd>+<kbd>Enter", "Alt</kbd>+<kbd>Backspace", "Alt</kbd>+<kbd>N"):
        assert hint in page.text
    assert "<script>" not in page.text  # the CSP allows no inline script: keys are in app.js
    quick = shop.get("/sales/new?quick=1", follow_redirects=False)
    assert (quick.status_code, quick.headers["location"]) == (303, "/counter")


def test_a_serial_adds_its_line_with_the_warranty_end(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    added = scan(shop, token, f"(01){GTIN}(21)X1-00004")
    assert added.status_code == 200
    assert 'name="lines-0-serial" value="X1-00004"' in added.text
    assert "Phone X1 128GB" in added.text
    until = date.today() + timedelta(days=365)
    assert f"warranty until {until.isoformat()}" in added.text
    again = scan(shop, token, "X1-00004", **{"lines-0-sku": "PHN-X1", "lines-0-serial": "X1-00004"})
    assert again.headers["HX-Retarget"] == "#scan-message"
    assert "X1-00004 is already on line 1" in again.text
    assert "lines-1-serial" not in again.text


def test_refusals_are_shown_beside_the_scan_box(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    for code, said in (
        (
            "X1-00002",
            "PHN-X1 X1-00002 is not in stock at Main store: sold to Jane Doe on SO-000001",
        ),
        ("LP14-0005", "LAP-14 LP14-0005 is not in stock at Main store: in stock at Warehouse"),
        ("NO-SUCH-UNIT", "'NO-SUCH-UNIT' is no known product, GTIN or serial"),
    ):
        refused = scan(shop, token, code)
        assert refused.headers["HX-Retarget"] == "#scan-message"
        assert said in html.unescape(refused.text)
        assert "lines-0-serial" not in refused.text
    nowhere = scan(shop, token, "X1-00004", location="")
    assert "choose the location" in nowhere.text


def test_a_sku_or_gtin_opens_the_unit_picker_and_enter_picks_the_exact_unit(
    shop: TestClient,
) -> None:
    token = as_user(shop, "kim")
    on_form = {"lines-0-sku": "PHN-X1", "lines-0-serial": "X1-00004"}
    for code in ("PHN-X1", GTIN):
        opened = scan(shop, token, code, **on_form)
        assert opened.headers["HX-Retarget"] == "#counter-picker"
        assert 'id="counter-pick"' in opened.text
        assert ">X1-00005</button>" in opened.text  # units in stock at Main store
        assert ">X1-00004</button>" not in opened.text  # already on a line
        assert "X1-00002" not in opened.text  # sold
        assert "lines-1-serial" not in opened.text  # nothing is added by the product alone
    listed = pick(shop, token, "", unit="X1-0001")
    assert ">X1-00010</button>" in listed.text
    assert ">X1-00005</button>" not in listed.text
    picked = pick(shop, token, "pick=1", unit="X1-00005", **on_form)
    assert picked.headers["HX-Retarget"] == "#lines"
    assert 'name="lines-1-serial" value="X1-00005"' in picked.text
    assert '<div id="counter-picker" hx-swap-oob="true"></div>' in picked.text  # closes
    several = pick(shop, token, "pick=1", unit="X1-0001")
    assert "units have “X1-0001” in their serial" in several.text
    assert "lines-0-serial" not in several.text
    sold = pick(shop, token, "pick=1", unit="X1-00002")
    said = "PHN-X1 X1-00002 is not offered here: sold to Jane Doe on SO-000001"
    assert said in html.unescape(sold.text)
    clicked = pick(shop, token, "pick=1&code=X1-00006")
    assert 'name="lines-0-serial" value="X1-00006"' in clicked.text


def test_other_products_scanned_by_their_code(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    cable = scan(shop, token, "CBL-USB")
    assert 'name="lines-0-quantity" value="1"' in cable.text
    more = scan(shop, token, "CBL-USB", **{"lines-0-sku": "CBL-USB", "lines-0-quantity": "1"})
    assert 'name="lines-0-quantity" value="2"' in more.text
    assert 'id="line-0" data-item hx-swap-oob="true"' in more.text  # the same line, redrawn
    batch = scan(shop, token, "VIT-C")
    assert "VIT-C is batch-tracked" in batch.text


def test_a_slip_number_names_its_document(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    with library(shop) as inv:
        sale = inv.documents(kind="sale", limit=1)[0]
    named = scan(shop, token, sale["number"])
    assert named.headers["HX-Retarget"] == "#scan-message"
    assert f"{sale['number']} is a sale (posted), not a unit" in named.text
    assert f'href="/documents/{sale["id"]}"' in named.text


def test_posting_remembers_the_store_and_the_customer_per_user(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    cookie = f"counter_{user_id(shop, 'kim')}"
    posted = sell(shop, token, **{"partner": "", "lines-0-sku": "PHN-X1",
                                  "lines-0-serial": "X1-00004"})  # fmt: skip
    assert posted.status_code == 303, posted.text
    set_cookie = posted.headers["set-cookie"]
    assert set_cookie.startswith(f"{cookie}=")
    for flag in ("HttpOnly", "Path=/", "SameSite=lax"):
        assert flag.lower() in set_cookie.lower()
    sold_id = int(posted.headers["location"].split("sold=")[1])
    page = shop.get(posted.headers["location"]).text
    with library(shop) as inv:
        sale = inv.document(sold_id)
        assert sale.partner is None  # a walk-in sale: no partner record
        assert inv.serial("PHN-X1", "X1-00004").status.value == "sold"
    assert f'<strong id="sold-number">{sale.number}</strong>' in page
    assert f'href="/documents/{sold_id}/pdf" target="_blank"' in page
    assert f'id="sold-link" href="/documents/{sold_id}"' in page
    assert f'<option value="{MAIN}" selected>' in page
    assert "lines-0-serial" not in page  # a fresh sale
    again = sell(shop, token, **{"partner": "Jane Doe", "lines-0-sku": "PHN-X1",
                                 "lines-0-serial": "X1-00005"})  # fmt: skip
    assert again.status_code == 303
    assert '<option value="Jane Doe" selected>' in shop.get("/counter").text
    shop.cookies.delete(cookie)
    shop.cookies.set(cookie, "Gone%20store|Nobody")  # both gone: nothing chosen
    page = shop.get("/counter").text
    assert " selected>" not in page
    mia = as_user(shop, "mia")
    other = sell(shop, mia, **{"lines-0-sku": "PHN-X1", "lines-0-serial": "X1-00006"})
    assert other.headers["set-cookie"].startswith(f"counter_{user_id(shop, 'mia')}=")


def test_a_refused_post_writes_nothing_and_keeps_the_lines(shop: TestClient) -> None:
    token = as_user(shop, "kim")
    before = documents(shop)
    lines = {"lines-0-sku": "PHN-X1", "lines-0-serial": "X1-00004",
             "lines-1-sku": "PHN-X1", "lines-1-serial": "X1-00002"}  # fmt: skip
    refused = sell(shop, token, **lines)
    assert refused.status_code in (409, 422), refused.status_code
    assert "set-cookie" not in refused.headers
    assert 'id="refusal"' in refused.text
    assert 'name="lines-0-serial" value="X1-00004"' in refused.text
    assert 'name="lines-1-serial" value="X1-00002"' in refused.text
    assert documents(shop) == before
    with library(shop) as inv:
        assert inv.serial("PHN-X1", "X1-00004").status.value == "in_stock"
    forged = shop.post("/counter", data={"location": MAIN, "lines-0-sku": "PHN-X1",
                                         "lines-0-serial": "X1-00004"})  # fmt: skip
    assert forged.status_code == 403
    assert documents(shop) == before
