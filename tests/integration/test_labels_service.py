"""Labels through the library on SQLite and PostgreSQL: each selection, read back by a decoder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import biip
import pytest

import serialtrack
from serialtrack.domain.errors import Invalid, NotFound, SerialtrackError, Unauthenticated
from serialtrack.inventory import Inventory, _anonymous
from serialtrack.inventory_labels import LabelsMixin
from templates import initialized

pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")

GTIN = "09506000134352"
PILLS_GTIN = "04006381333931"
EXPIRY = date(2099, 3, 31)


def labels(inv: Inventory, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
    """``inv.labels(...)``, also before ``LabelsMixin`` is mixed into ``Inventory``."""
    return LabelsMixin.labels(inv, *args, **kwargs)  # type: ignore[arg-type]


def decoded(data: bytes) -> list[tuple[str, str, str]]:
    """(format, text, GS1 serial or batch) of every symbol, page by page in order."""
    found = []
    document = pdfium.PdfDocument(data)
    for page in document:
        for r in zxingcpp.read_barcodes(page.render(scale=400 / 72).to_pil()):
            name = r.format.name.replace("_", "").lower()
            if name == "datamatrix":
                assert r.symbology_identifier == "]d2"
                message = biip.parse("]d2" + r.bytes.decode("ascii")).gs1_message
                assert message is not None
                found.append((name, r.text, {e.ai.ai: e.value for e in message.element_strings}))
            else:
                found.append((name, r.text, {}))
    document.close()
    return found  # type: ignore[return-value]


@pytest.fixture
def inv(db_url: str):  # type: ignore[no-untyped-def]
    with serialtrack.open(initialized(db_url)) as inventory:
        inventory.add_location("Store")
        inventory.add_location("Warehouse")
        inventory.add_partner("Acme", supplier=True)
        inventory.add_partner("Alice", customer=True)
        inventory.add_product("PHONE", "Phone X", gtin=GTIN)
        inventory.add_product("PLAIN", "No GTIN")
        inventory.add_product("PILLS", "Pills", "batch", gtin="4006381333931")
        inventory.add_product("CABLE", "Cable", "none")
        yield inventory


def test_receipt_labels_read_back_serial_gtin_and_expiry(inv: Inventory) -> None:
    receipt = inv.receive(supplier="Acme", location="Store", lines=[
        {"sku": "PHONE", "serials": ["SN-1", "SN-2"], "expiry": EXPIRY},
        ("PLAIN", ["P-1"]),
        ("CABLE", 3),
    ])  # fmt: skip
    job = labels(inv, receipt.number, layout="single", digital_link=True)
    assert (job.count, job.media_type, job.filename) == (
        3,
        "application/pdf",
        f"labels-{receipt.number}.pdf",
    )
    symbols = decoded(job.to_bytes())
    assert [t for f, t, _ in symbols if f == "code128"] == ["SN-1", "SN-2", "P-1"]
    matrices = [g for f, _, g in symbols if f == "datamatrix"]
    assert matrices == [
        {"01": GTIN, "21": "SN-1", "17": "990331"}, {"01": GTIN, "21": "SN-2", "17": "990331"},
    ]  # fmt: skip
    links = [t for f, t, _ in symbols if f == "qrcode"]
    assert links == [f"https://id.gs1.org/01/{GTIN}/21/SN-{i}" for i in (1, 2)]


def test_explicit_serials_stock_at_a_location_and_batches(inv: Inventory, tmp_path: Path) -> None:
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["A-01", "A-02", "A-03"])])
    inv.receive(supplier="Acme", location="Warehouse", lines=[
        ("PHONE", ["W-1"]),
        {"sku": "PILLS", "batches": [("LOT-7", 100, EXPIRY)]},
    ])  # fmt: skip
    inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["A-02"])])

    job = labels(inv, sku="PHONE", serials="a-01..a-03")  # case-insensitive, a range
    assert [t for f, t, _ in decoded(job.to_bytes()) if f == "code128"] == ["A-01", "A-02", "A-03"]

    job = labels(inv, sku="PHONE", location="Store", format="zpl", layout="single")
    text = job.to_bytes().decode()
    assert text.count("^XA") == 2
    assert "^FDS/N A-01^FS" in text
    assert "A-02" not in text
    assert labels(inv, sku="PHONE").count == 3  # in stock anywhere

    job = labels(inv, sku="PILLS", batch="lot-7", copies=3)
    assert job.count == 3
    symbols = decoded(job.to_bytes())
    assert [t for f, t, _ in symbols if f == "code128"] == ["LOT-7"] * 3
    assert [g for f, _, g in symbols if f == "datamatrix"] == [
        {"01": PILLS_GTIN, "17": "990331", "10": "LOT-7"}
    ] * 3
    assert labels(inv, sku="PILLS", location="Warehouse").count == 1

    path = tmp_path / "out.pdf"
    assert job.save(str(path)) == 3
    assert path.read_bytes().startswith(b"%PDF")


def test_refusals_come_before_any_file(inv: Inventory) -> None:
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["SN-1"])])
    cases: list[tuple[dict[str, object], type[SerialtrackError]]] = [
        ({"document": "RC-999999"}, NotFound),
        ({"sku": "NOPE"}, NotFound),
        ({"sku": "PHONE", "serials": "SN-1 SN-404"}, NotFound),
        ({"sku": "PHONE", "location": "Nowhere"}, NotFound),
        ({"sku": "PILLS", "batch": "LOT-X"}, NotFound),
        ({"sku": "PHONE", "location": "Warehouse"}, Invalid),  # nothing there
        ({"sku": "CABLE"}, Invalid),  # quantity only: no units
        ({}, Invalid),
        ({"sku": "PHONE", "preset": "a4-9x9"}, Invalid),
        ({"sku": "PHONE", "start": 25}, Invalid),
        ({"sku": "PHONE", "format": "png"}, Invalid),
        ({"sku": "PHONE", "copies": 0}, Invalid),
    ]
    for given, error in cases:
        document = given.pop("document", None)
        with pytest.raises(error):
            labels(inv, document, **given)
    with pytest.raises(NotFound) as refused:
        labels(inv, sku="PHONE", serials="SN-1 SN-404")
    assert "SN-404" in str(refused.value.problems[0])
    with pytest.raises(Unauthenticated):
        labels(_anonymous(inv.store, inv.clock), sku="PHONE")


def test_a_viewer_may_print_labels(inv: Inventory) -> None:
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["SN-1"])])
    inv.add_user("vic", "viewer", "viewer-password-1")
    assert labels(inv.as_user("vic"), sku="PHONE", format="zpl").count == 1
