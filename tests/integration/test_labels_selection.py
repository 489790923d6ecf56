"""Labels through the library on SQLite and PostgreSQL: units of several products, codes not in
the books yet, and the Digital Link base setting; read back by a decoder."""

from __future__ import annotations

from datetime import date

import pytest

import serialtrack
from serialtrack.domain.errors import Invalid, NotFound
from serialtrack.inventory import Inventory
from templates import initialized

pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")
biip = pytest.importorskip("biip")

GTIN = "09506000134352"
EXPIRY = date(2099, 3, 31)


def symbols(data: bytes) -> list[tuple[str, str, dict[str, str]]]:
    """(format, text, GS1 elements of a DataMatrix) of every symbol, page by page."""
    found = []
    document = pdfium.PdfDocument(data)
    for page in document:
        for r in zxingcpp.read_barcodes(page.render(scale=400 / 72).to_pil()):
            name = r.format.name.replace("_", "").lower()
            elements: dict[str, str] = {}
            if name == "datamatrix":
                message = biip.parse("]d2" + r.bytes.decode("ascii")).gs1_message
                assert message is not None
                elements = {e.ai.ai: e.value for e in message.element_strings}
            found.append((name, r.text, elements))
    document.close()
    return found


def texts(data: bytes, name: str) -> list[str]:
    return [t for f, t, _ in symbols(data) if f == name]


@pytest.fixture
def inv(db_url: str):  # type: ignore[no-untyped-def]
    with serialtrack.open(initialized(db_url)) as inventory:
        inventory.add_location("Store")
        inventory.add_partner("Acme", supplier=True)
        inventory.add_product("PHONE", "Phone X", gtin=GTIN)
        inventory.add_product("KIT:2", "Kit of two")  # a SKU holding the separator
        inventory.add_product("PILLS", "Pills", "batch")
        inventory.add_product("CABLE", "Cable", "none")
        inventory.receive(supplier="Acme", location="Store", lines=[
            {"sku": "PHONE", "serials": ["SN-1", "SN-2"], "expiry": EXPIRY},
            ("KIT:2", ["K:1", "K:2"]),
        ])  # fmt: skip
        yield inventory


def test_units_of_several_products_print_in_the_order_given(inv: Inventory) -> None:
    units = ["KIT:2:k:2", ("PHONE", "sn-2"), "PHONE:SN-1"]  # serials case-insensitive
    job = inv.labels(units=units, layout="single")
    assert (job.count, job.filename) == (3, "labels-selection.pdf")
    found = symbols(job.to_bytes())
    assert [t for f, t, _ in found if f == "code128"] == ["K:2", "SN-2", "SN-1"]
    assert [g for f, _, g in found if f == "datamatrix"] == [
        {"01": GTIN, "21": "SN-2", "17": "990331"}, {"01": GTIN, "21": "SN-1", "17": "990331"},
    ]  # fmt: skip
    one = inv.labels(units=[("PHONE", "SN-1")], format="zpl", copies=2)
    assert (one.count, one.filename) == (2, "labels-PHONE.zpl")


def test_unknown_empty_mixed_or_ambiguous_units_are_refused_naming_which(
    inv: Inventory,
) -> None:
    with pytest.raises(NotFound) as refused:
        inv.labels(units=["PHONE:SN-1", "PHONE:SN-404", "NOPE:X", ("KIT:2", "K:9")])
    assert [(p.where, p.message) for p in refused.value.problems] == [
        ("units[1]", "no serial 'SN-404' of PHONE"),
        ("units[2]", "no product with SKU 'NOPE' ('NOPE:X')"),
        ("units[3]", "no serial 'K:9' of KIT:2"),
    ]
    cases: list[tuple[dict[str, object], str]] = [
        ({"units": []}, "units"),
        ({"units": ["PHONE SN-1"]}, "units[0]"),  # no separator
        ({"units": ["PHONE:SN-1", ("PHONE", "sn-1")]}, "units[1]"),  # twice
        ({"units": [("PHONE", "")]}, "units[0]"),
        ({"units": ["PHONE:SN-1"], "sku": "PHONE"}, "units"),
        ({"units": ["PHONE:SN-1"], "document": "RC-000001"}, "document"),
    ]
    for given, where in cases:
        with pytest.raises(Invalid) as refused:
            inv.labels(**given)  # type: ignore[arg-type]
        assert refused.value.problems[0].where == where, given
    inv.add_product("KIT", "Kit")  # now "KIT:2:K:1" reads as KIT 2:K:1 or as KIT:2 K:1
    with pytest.raises(Invalid) as refused:
        inv.labels(units=["KIT:2:K:1"])
    assert "ambiguous" in refused.value.problems[0].message
    assert inv.labels(units=[("KIT:2", "K:1")]).count == 1  # a pair is never ambiguous


def test_new_codes_print_before_they_are_received(inv: Inventory) -> None:
    codes = inv.generate_serials("PHONE", 3)
    assert not set(codes) & {"SN-1", "SN-2"}
    job = inv.labels(sku="PHONE", serials=[*codes, "sn-1"], new=True, layout="single")
    found = symbols(job.to_bytes())
    assert [t for f, t, _ in found if f == "code128"] == [*codes, "SN-1"]
    matrices = [g for f, _, g in found if f == "datamatrix"]  # no expiry on the new ones
    assert matrices == [{"01": GTIN, "21": c} for c in codes] + [
        {"01": GTIN, "21": "SN-1", "17": "990331"}
    ]
    with pytest.raises(NotFound):  # without the flag they must be in the books
        inv.labels(sku="PHONE", serials=codes)
    for given, where in [
        ({"sku": "CABLE", "serials": "C-1"}, "sku"),  # quantity only
        ({"sku": "PILLS", "serials": "P-1"}, "sku"),  # batch-tracked
        ({"sku": "PHONE"}, "serials"),  # which codes?
        ({"sku": "PHONE", "serials": ["OK-1", "BAD\x07"]}, "serials[1]"),  # not a code
        ({"sku": "PHONE", "serials": "X-1", "location": "Store"}, "new"),
        ({"units": ["PHONE:SN-1"]}, "new"),
    ]:
        with pytest.raises(Invalid) as refused:
            inv.labels(**given, new=True)  # type: ignore[arg-type]
        assert refused.value.problems[0].where == where, given
    with pytest.raises(NotFound):
        inv.labels(sku="NOPE", serials="X-1", new=True)


def test_the_digital_link_base_is_the_setting_unless_given(inv: Inventory) -> None:
    link = f"/01/{GTIN}/21/SN-1"
    job = inv.labels(sku="PHONE", serials="SN-1", digital_link=True)
    assert texts(job.to_bytes(), "qrcode") == ["https://id.gs1.org" + link]
    inv.set_setting("digital_link_base", "https://id.brand.example/gs1/")
    job = inv.labels(units=["PHONE:SN-1"], digital_link=True, layout="single")
    assert texts(job.to_bytes(), "qrcode") == ["https://id.brand.example/gs1" + link]
    given = inv.labels(sku="PHONE", serials="SN-1", digital_link=True, format="zpl",
                       digital_link_base="https://other.example")  # fmt: skip
    assert f"^FDQA,https://other.example{link}^FS" in given.to_bytes().decode()
