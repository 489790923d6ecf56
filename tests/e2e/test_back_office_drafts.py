"""Issue 16, a back office that explains itself: drafts made and changed from the web forms,
serial notes in the serial list and the product's serial report (and found by its search), the
first steps on Home for each role, and a login page the Content-Security-Policy lets through
whole. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import serialtrack
from serialtrack.entrypoints.web import create_app
from templates import initialized

PASSWORD = "drafts-pass-1"
MAIN, WAREHOUSE = "Main store", "Warehouse"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """Two stores, a supplier and a customer; PHN units P-1..P-6 at Main store, one of them
    (P-6) sold on an invoice; users kim (clerk), mia (manager) and vic (viewer)."""
    with serialtrack.open(initialized(db_url)) as inv:
        inv.add_location(MAIN)
        inv.add_location(WAREHOUSE)
        inv.add_partner("Acme", supplier=True)
        inv.add_partner("Jane", customer=True)
        inv.add_product("PHN", "Phone", "serial")
        inv.receive(supplier="Acme", location=MAIN,
                    lines=[("PHN", [f"P-{n}" for n in range(1, 7)])])  # fmt: skip
        inv.sell(location=MAIN, customer="Jane", lines=[("PHN", ["P-6"])])
        for name, role in (("kim", "clerk"), ("mia", "manager"), ("vic", "viewer")):
            inv.add_user(name, role, PASSWORD)
    with TestClient(create_app(db_url)) as test_client:
        yield test_client


def as_user(client: TestClient, username: str) -> str:
    client.cookies.clear()
    answer = client.post("/login", data={"username": username, "password": PASSWORD},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    return client.get("/").text.split('name="csrf_token" value="')[1].split('"')[0]


def library(client: TestClient) -> serialtrack.Inventory:
    return serialtrack.open(client.app.state.inventory.store.engine.url.render_as_string(False))


def status(client: TestClient, code: str) -> str:
    with library(client) as inv:
        return inv.serial("PHN", code, history=False).status.value


def drafts(client: TestClient) -> list[str]:
    with library(client) as inv:
        return [d["number"] for d in inv.documents(state="draft")]


def flash(page: str) -> str:
    found = re.search(r'id="flash">([^<]*)<', page)
    return html.unescape(found[1]) if found else ""


# --- drafts ---------------------------------------------------------------------------------
# Each kind's form as a browser sends it, with what a draft of it then holds.
FORMS: dict[str, tuple[str, dict[str, Any], str | None]] = {
    "receipt": ("/receipts/new", {"partner": "Acme", "location": MAIN, "lines-0-sku": "PHN",
                                  "lines-0-quantity": "1", "lines-0-serial": "NEW-1"}, None),
    "opening_balance": ("/opening-balances/new", {"location": WAREHOUSE, "lines-0-sku": "PHN",
                        "lines-0-quantity": "1", "lines-0-serial": "OPEN-1"}, None),
    "sale": ("/sales/new", {"partner": "Jane", "location": MAIN, "lines-0-sku": "PHN",
                            "lines-0-serial": "P-1"}, "P-1"),
    "sales_return": ("/sales-returns/new", {"origin": "", "partner": "Jane", "location": MAIN,
                     "note": "changed mind", "lines-0-sku": "PHN", "lines-0-serial": "P-6"},
                     None),
    "purchase_return": ("/purchase-returns/new", {"partner": "Acme", "location": MAIN,
                        "note": "defective", "lines-0-sku": "PHN", "lines-0-serial": "P-2"},
                        "P-2"),
    "dispatch": ("/transfers/dispatch", {"location": MAIN, "destination": WAREHOUSE,
                 "lines-0-sku": "PHN", "lines-0-serial": "P-3"}, "P-3"),
    "transfer": ("/transfers/one-step", {"location": MAIN, "destination": WAREHOUSE,
                 "lines-0-sku": "PHN", "lines-0-serial": "P-4"}, "P-4"),
    "write_off": ("/write-offs/new", {"location": MAIN, "reason": "dropped",
                  "lines-0-sku": "PHN", "lines-0-serial": "P-5"}, "P-5"),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(FORMS))
def test_every_form_saves_a_draft_that_opens_again_and_posts(client: TestClient, kind: str) -> None:
    path, fields, held = FORMS[kind]
    token = as_user(client, "mia")
    form = client.get(path).text
    assert f'formaction="/drafts/new?kind={kind}"' in form  # "Save as draft" beside "post"
    assert 'id="save"' in form

    saved = client.post(f"/drafts/new?kind={kind}", data={"csrf_token": token, **fields},
                        follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303, saved.text
    page = client.get(saved.headers["location"])
    assert "saved as a draft" in flash(page.text)
    assert 'id="doc-state"' in page.text
    assert ">draft<" in page.text
    assert 'id="edit-draft"' in page.text
    if held is not None:  # an outgoing draft holds its serial; nothing moved
        assert status(client, held) == "reserved"
        assert "held for it" in flash(page.text)
    assert "No moves (a draft)." in page.text

    draft_id = int(saved.headers["location"].rsplit("/", 1)[1])
    edit = client.get(f"/documents/{draft_id}/edit").text
    assert f'action="/documents/{draft_id}/edit"' in edit
    assert 'id="draft-notice"' in edit
    code = fields["lines-0-serial"]
    assert f'value="{code}"' in edit  # the draft's serial is in its row again

    posted = client.post(f"/documents/{draft_id}/edit",
                         data={"csrf_token": token, "then": "post", **fields},
                         follow_redirects=False)  # fmt: skip
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == f"/documents/{draft_id}"
    assert flash(client.get(posted.headers["location"]).text).endswith("posted")
    with library(client) as inv:
        assert inv.document(draft_id).state.value == "posted"
        assert inv.check() == []
    again = client.get(f"/documents/{draft_id}/edit")
    assert again.status_code == 409
    assert "only a draft can be edited" in again.text


def test_a_draft_saved_again_keeps_its_number_and_frees_what_it_no_longer_holds(
    client: TestClient,
) -> None:
    token = as_user(client, "kim")
    sale = {"csrf_token": token, "partner": "Jane", "location": MAIN, "lines-0-sku": "PHN"}
    saved = client.post("/drafts/new?kind=sale", data={**sale, "lines-0-serial": ["P-1", "P-2"]},
                        follow_redirects=False)  # fmt: skip
    draft_id = int(saved.headers["location"].rsplit("/", 1)[1])
    (number,) = drafts(client)
    assert (status(client, "P-1"), status(client, "P-2")) == ("reserved", "reserved")
    edit = client.get(f"/documents/{draft_id}/edit").text
    assert re.search(r'value="P-1" checked', edit)
    assert re.search(r'value="P-2" checked', edit)
    assert 'value="Jane" selected' in edit

    kept = client.post(f"/documents/{draft_id}/edit",
                       data={**sale, "then": "draft", "lines-0-serial": ["P-2"]},
                       follow_redirects=False)  # fmt: skip
    assert kept.status_code == 303
    assert "saved as a draft" in flash(client.get(kept.headers["location"]).text)
    assert drafts(client) == [number]  # the same draft, the same number
    assert (status(client, "P-1"), status(client, "P-2")) == ("in_stock", "reserved")


def test_what_the_form_does_not_show_stays_as_the_draft_had_it(client: TestClient) -> None:
    with library(client) as inv:  # a draft made elsewhere (the API, a script) with a note
        draft = inv.receive(supplier="Acme", location=MAIN, lines=[("PHN", ["NEW-1"])],
                            note="from the phone app", post=False)  # fmt: skip
    token = as_user(client, "kim")
    saved = client.post(f"/documents/{draft.id}/edit", data={
        "csrf_token": token, "then": "draft", "partner": "Acme", "location": MAIN,
        "reference": "INV-7", "lines-0-sku": "PHN", "lines-0-quantity": "2",
        "lines-0-serial": ["NEW-1", "NEW-2"],
    }, follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303, saved.text
    with library(client) as inv:
        again = inv.document(draft.id)
    assert again.note == "from the phone app"  # the receipt form has no note field
    assert again.reference == "INV-7"
    assert again.lines[0]["serials"] == ["NEW-1", "NEW-2"]


def test_a_bundle_draft_opens_as_its_one_line_and_posts(client: TestClient) -> None:
    with library(client) as inv:  # a kit: a phone and a cable; its draft holds P-1
        inv.add_product("CBL", "Cable", "none")
        inv.add_product("KIT", "Kit", "none")
        inv.set_components("KIT", [("PHN", 1), ("CBL", 1)])
        inv.receive(supplier="Acme", location=MAIN, lines=[("CBL", 3)])
        draft = inv.sell(location=MAIN, customer="Jane", post=False,
                         lines=[{"sku": "KIT", "quantity": 1, "serials": ["P-1"]}])  # fmt: skip
    token = as_user(client, "kim")
    edit = client.get(f"/documents/{draft.id}/edit").text
    assert re.findall(r'name="lines-(\d+)-sku"', edit) == ["0"]  # one line: the kit
    assert 'value="KIT" selected' in edit
    assert re.search(r'name="lines-0-serial" value="P-1"', edit)  # the phone in its row
    posted = client.post(f"/documents/{draft.id}/edit", data={
        "csrf_token": token, "then": "post", "partner": "Jane", "location": MAIN,
        "lines-0-sku": "KIT", "lines-0-quantity": "1", "lines-0-serial": "P-1",
    }, follow_redirects=False)  # fmt: skip
    assert posted.status_code == 303, posted.text
    assert status(client, "P-1") == "sold"


def test_a_refused_draft_shows_on_its_form_and_writes_nothing(client: TestClient) -> None:
    token = as_user(client, "kim")
    # P-1 is in stock already: a receipt cannot bring it in again, as a draft neither
    refused = client.post("/drafts/new?kind=receipt", data={
        "csrf_token": token, "partner": "Acme", "location": MAIN, "lines-0-sku": "PHN",
        "lines-0-quantity": "2", "lines-0-serial": ["P-1", "NEW-9"],
    })  # fmt: skip
    assert refused.status_code == 409
    assert 'id="err-lines-0-serials-0"' in refused.text  # beside the serial's row
    assert "<h1>Receive goods" in refused.text  # the form again, as typed
    assert 'value="NEW-9"' in refused.text
    assert drafts(client) == []
    # a sale of a unit already sold: named beside it, nothing held
    sold = client.post("/drafts/new?kind=sale", data={
        "csrf_token": token, "partner": "Jane", "location": MAIN, "lines-0-sku": "PHN",
        "lines-0-serial": ["P-1", "P-6"],
    })  # fmt: skip
    assert sold.status_code == 409
    assert 'id="err-lines-0-serials-1"' in sold.text
    assert drafts(client) == []
    assert status(client, "P-1") == "in_stock"
    # pasted serials not added to their rows yet are refused, not dropped
    pasted = client.post("/drafts/new?kind=receipt", data={
        "csrf_token": token, "partner": "Acme", "location": MAIN, "lines-0-sku": "PHN",
        "lines-0-quantity": "1", "lines-0-serial": "NEW-8", "paste-0": "NEW-7",
    })  # fmt: skip
    assert pasted.status_code == 422
    assert "pasted serials not added yet" in pasted.text
    # saving a draft again refused: the draft stays as it was
    saved = client.post("/drafts/new?kind=sale", data={
        "csrf_token": token, "partner": "Jane", "location": MAIN, "lines-0-sku": "PHN",
        "lines-0-serial": "P-1",
    }, follow_redirects=False)  # fmt: skip
    draft_id = int(saved.headers["location"].rsplit("/", 1)[1])
    again = client.post(f"/documents/{draft_id}/edit", data={
        "csrf_token": token, "then": "post", "partner": "Jane", "location": MAIN,
        "date": "3 May", "lines-0-sku": "PHN", "lines-0-serial": "P-2",
    })  # fmt: skip
    assert again.status_code == 422
    assert 'id="err-date"' in again.text
    assert f'action="/documents/{draft_id}/edit"' in again.text  # still the draft's form
    assert (status(client, "P-1"), status(client, "P-2")) == ("reserved", "in_stock")


def test_only_who_may_make_the_document_sees_the_buttons(client: TestClient) -> None:
    as_user(client, "kim")
    saved = client.post("/drafts/new?kind=sale", data={
        "csrf_token": as_user(client, "kim"), "partner": "Jane", "location": MAIN,
        "lines-0-sku": "PHN", "lines-0-serial": "P-1",
    }, follow_redirects=False)  # fmt: skip
    draft = saved.headers["location"]
    write_off = client.get("/write-offs/new")
    assert write_off.status_code == 403  # a clerk does not take units off the books

    token = as_user(client, "vic")
    form = client.get("/sales/new").text
    assert 'id="save-draft"' not in form
    assert 'id="save"' not in form
    assert "may look at this form but not save it" in html.unescape(form)
    page = client.get(draft).text
    assert 'id="edit-draft"' not in page
    assert "A clerk, a manager or an admin can change, post or delete it." in page
    assert client.get(f"{draft}/edit").status_code == 403
    refused = client.post("/drafts/new?kind=sale", data={
        "csrf_token": token, "partner": "Jane", "location": MAIN, "lines-0-sku": "PHN",
        "lines-0-serial": "P-2",
    })  # fmt: skip
    assert refused.status_code == 403
    assert status(client, "P-2") == "in_stock"


# --- serial notes -------------------------------------------------------------------------
def test_notes_show_in_the_serial_list_and_report_and_are_searched(client: TestClient) -> None:
    with library(client) as inv:  # ids in the order C3, XAB2, AB1, AB: not the search's order
        inv.receive(supplier="Acme", location=MAIN,
                    lines=[("PHN", ["C3", "XAB2", "AB1", "AB", "D4"])])  # fmt: skip
        inv.set_serial_note("PHN", "C3", "<b>ab</b> scratch on the back")
        inv.set_serial_note("PHN", "D4", "boxed 100%_sure")
        found = [r["serial"] for r in inv.serials(text="ab")]
        assert found == ["AB", "AB1", "XAB2", "C3"]  # codes first, the note's match last
        paged, after = [], 0  # keyset pages of one row go through every tier once
        while page := inv.serials(text="ab", after_id=after, limit=1):
            paged.append(page[0]["serial"])
            after = page[0]["id"]
        assert paged == found
        assert [r["serial"] for r in inv.serials(text="100%_")] == ["D4"]  # % and _ are plain
        assert [r["serial"] for r in inv.serials(text="SCRATCH")] == ["C3"]  # any case
        assert inv.serials(text="ab", status="sold") == []
        assert {r["serial"]: r["note"] for r in inv.serials(sku="PHN")}["C3"].startswith("<b>")

    as_user(client, "vic")
    listed = client.get("/serials", params={"text": "scratch"}).text
    assert "code=C3" in listed
    assert "&lt;b&gt;ab&lt;/b&gt; scratch on the back" in listed  # escaped, never markup
    assert "<b>ab</b>" not in listed
    assert 'class="serial-note"' in listed
    report = client.get("/product", params={"sku": "PHN"}).text  # the product's serial report
    assert "&lt;b&gt;ab&lt;/b&gt; scratch" in report
    assert "boxed 100%_sure" in report
    assert "<b>ab</b>" not in report


# --- first steps --------------------------------------------------------------------------
@pytest.fixture
def empty(db_url: str) -> Iterator[TestClient]:
    with serialtrack.open(initialized(db_url)) as inv:
        for name, role in (("kim", "clerk"), ("mia", "manager"), ("vic", "viewer")):
            inv.add_user(name, role, PASSWORD)
    with TestClient(create_app(db_url)) as test_client:
        yield test_client


def first_steps(page: str) -> tuple[list[str], list[str]]:
    """(links, plain words) of Home's first steps."""
    panel = page.split('id="first-steps"')[1].split("</section>")[0]
    links = re.findall(r'<li class="todo">.*?<a href="([^"]+)">', panel)
    plain = re.findall(r'class="step-words">([^<]+)</span> <span class="muted who">\(([^)]+)\)',
                       panel)  # fmt: skip
    return links, [f"{words} ({who})" for words, who in plain]


def test_each_role_sees_only_the_first_steps_it_may_do(empty: TestClient) -> None:
    as_user(empty, "mia")
    assert first_steps(empty.get("/").text) == (
        ["/locations/new", "/products/new", "/receipts/new"],
        [],
    )
    as_user(empty, "kim")
    home = empty.get("/").text
    assert first_steps(home) == (["/receipts/new"], [
        "Add a location: your store or warehouse (a manager or an admin does this)",
        "Add a product (a manager or an admin does this)"])  # fmt: skip
    assert 'id="first-steps-ask"' not in home
    as_user(empty, "vic")
    home = empty.get("/").text
    links, plain = first_steps(home)
    assert links == []
    assert len(plain) == 3
    assert "Receive goods (a clerk, a manager or an admin does this)" in plain
    assert 'id="first-steps-ask"' in home
    assert "your role (viewer) may not do these steps" in home


# --- the login page and the Content-Security-Policy ---------------------------------------
def policy(response: Any) -> dict[str, list[str]]:
    parts = (p.split() for p in response.headers["content-security-policy"].split(";"))
    return {p[0]: p[1:] for p in parts if p}


def test_the_login_page_has_nothing_inline_its_policy_would_block(client: TestClient) -> None:
    client.cookies.clear()
    page = client.get("/login")
    csp = policy(page)
    styles = re.findall(r"<style[^>]*>(.*?)</style>", page.text, re.S)
    allowed = set(csp.get("style-src-elem") or csp.get("style-src") or csp["default-src"])
    for block in styles:  # each <style> element needs its hash in the policy
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed or "'unsafe-inline'" in allowed, block
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)
    assert scripts == []  # script-src 'self': no inline script runs
    assert "'unsafe-inline'" not in (csp.get("script-src") or [])
    assert re.findall(r"\son[a-z]+=", page.text) == []  # no inline event handlers
    if re.search(r'\sstyle="', page.text):
        assert "'unsafe-inline'" in (csp.get("style-src-attr") or [])
