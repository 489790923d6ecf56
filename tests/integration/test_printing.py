"""Printed documents through the library, on SQLite and PostgreSQL: what the paper says (its
text, extracted from the PDF) and that its barcode scans back to the document."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import serialtrack
from serialtrack.adapters.printing.document_pdf import fonts
from serialtrack.domain.errors import Invalid, NotFound
from serialtrack.inventory import Inventory
from templates import initialized

pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")

SALE_DAY = date(2026, 3, 10)


def pages(data: bytes) -> list[str]:
    """The text of each page."""
    document = pdfium.PdfDocument(data)
    texts = [page.get_textpage().get_text_range() for page in document]
    document.close()
    return texts


def text(data: bytes) -> str:
    return "\n".join(pages(data))


def barcodes(data: bytes) -> list[str]:
    """The Code 128 symbols on the first page, decoded from a 300 dpi rendering."""
    document = pdfium.PdfDocument(data)
    found = [
        r.text
        for r in zxingcpp.read_barcodes(document[0].render(scale=300 / 72).to_pil())
        if r.format.name.replace("_", "").lower() == "code128"
    ]
    document.close()
    return found


@pytest.fixture
def inv(db_url: str):  # type: ignore[no-untyped-def]
    with serialtrack.open(initialized(db_url)) as inventory:
        inventory.set_setting("shop_name", "Corner Phones")
        inventory.set_setting("shop_address", "1 Market Square\n  4021 Springfield  ")
        inventory.add_location("Store")
        inventory.add_location("Depot")
        inventory.add_partner("Acme", supplier=True)
        inventory.add_partner("Alice", customer=True)
        inventory.add_product("PHONE", "Phone X", customer_warranty_days=365)
        inventory.add_product("CABLE", "USB cable", "none")
        inventory.add_product("PILLS", "Vitamin C", "batch", expiry_required=True)
        codes = [f"SN-{i}" for i in range(1, 9)]
        inventory.receive(
            supplier="Acme", location="Store", date=SALE_DAY - timedelta(days=5),
            lines=[("PHONE", codes), ("CABLE", 10),
                   {"sku": "PILLS", "batches": [
                       {"code": "LOT-7", "quantity": 40, "expiry": date(2099, 1, 31)}]}],
        )  # fmt: skip
        yield inventory
        assert inventory.check() == []  # the whole ledger replays clean after each test


def test_sales_slip_lists_each_serial_with_its_warranty_end_and_scans_back(
    inv: Inventory,
) -> None:
    sale = inv.sell(
        customer="Alice", location="Store", date=SALE_DAY,
        lines=[("PHONE", ["SN-1", "SN-2", "SN-3"]), ("CABLE", 2)],
    )  # fmt: skip
    job = inv.print_document(sale.number)
    assert (job.media_type, job.filename) == ("application/pdf", f"{sale.number}.pdf")
    data = job.to_bytes()
    words = text(data)
    for expected in ("Corner Phones", "1 Market Square", "4021 Springfield", "Sales slip",
                     sale.number, "Alice", "Store", "Phone X", "USB cable", "2 pcs"):  # fmt: skip
        assert expected in words, expected
    until = (SALE_DAY + timedelta(days=365)).isoformat()
    lines = words.splitlines()
    for code in ("SN-1", "SN-2", "SN-3"):  # each serial on a line with its warranty end
        assert any(code in line and until in line for line in lines), code
    assert "SN-4" not in words
    # The barcode is the number, and scanning it names the document.
    assert barcodes(data) == [sale.number]
    found = inv.scan(sale.number)
    assert (found.document, found.document_kind, found.document_id) == (
        sale.number, "sale", sale.id,
    )  # fmt: skip
    assert found.sku is None
    assert found.serial is None


def test_credit_and_debit_notes_name_their_origin(inv: Inventory) -> None:
    sale = inv.sell(customer="Alice", location="Store", date=SALE_DAY,
                    lines=[("PHONE", ["SN-1", "SN-2"])])  # fmt: skip
    back = inv.return_from_customer(
        customer="Alice", location="Store", invoice=sale.number, lines=[("PHONE", ["SN-2"])]
    )
    credit = text(inv.print_document(back.number).to_bytes())
    assert "Sales return (credit note)" in credit
    assert "Returned by the customer" in credit
    assert f"Invoice\n{sale.number}" in credit or f"Invoice {sale.number}" in credit
    assert "SN-2" in credit
    assert "SN-1" not in credit
    returned = inv.return_to_supplier(supplier="Acme", location="Store",
                                      lines=[("PHONE", ["SN-5"]), ("CABLE", 1)])  # fmt: skip
    debit = text(inv.print_document(returned.number).to_bytes())
    assert "Purchase return (debit note)" in debit
    assert "Acme" in debit
    assert "SN-5" in debit


def test_delivery_note_shows_what_arrived_and_what_is_missing(inv: Inventory) -> None:
    sent = inv.dispatch(source="Store", destination="Depot",
                        lines=[("PHONE", ["SN-6", "SN-7", "SN-8"]), ("CABLE", 4)])  # fmt: skip
    before = text(inv.print_document(sent.number).to_bytes())
    assert "Delivery note (transfer)" in before
    assert "In transit (not received yet)" in before
    arrival = inv.receive_transfer(dispatch=sent.number,
                                   lines=[("PHONE", ["SN-6", "SN-8"]), ("CABLE", 3)])  # fmt: skip
    after = inv.print_document(sent.number).to_bytes()
    words = text(after)
    assert arrival.number in words
    received = words[words.index("Received serial numbers") : words.index("Missing")]
    missing = words[words.index("Missing (not received)") :]
    assert "SN-6" in received
    assert "SN-8" in received
    assert "SN-7" not in received
    assert "SN-7" in missing
    assert "SN-6" not in missing
    assert "1 pcs" in missing  # one cable of four did not arrive


def test_write_off_count_result_and_batches(inv: Inventory) -> None:
    gone = inv.write_off(location="Store", reason="dropped in the lake",
                         lines=[("PHONE", ["SN-4"])])  # fmt: skip
    words = text(inv.print_document(gone.number).to_bytes())
    assert "Write-off" in words
    assert "dropped in the lake" in words
    assert "SN-4" in words
    count = inv.open_count(location="Store", sku="PHONE")
    inv.count_scan(count.number, ["SN-1", "SN-2", "SN-3", "SN-5", "SN-6", "SN-7"])
    inv.post_count(count.number)
    result = text(inv.print_document(count.number).to_bytes())
    assert "Count result" in result
    missing = result[result.index("Missing (expected, not found)") :]
    assert "SN-8" in missing
    receipt = inv.documents(kind="receipt")[0]
    batches = text(inv.print_document(receipt["number"]).to_bytes())
    assert "LOT-7" in batches
    assert "2099-01-31" in batches


def test_long_documents_flow_over_pages_and_keep_every_serial(inv: Inventory) -> None:
    codes = [f"BULK-{i:05d}" for i in range(1, 1201)]
    receipt = inv.receive(supplier="Acme", location="Store", lines=[("PHONE", codes)])
    texts = pages(inv.print_document(receipt.number).to_bytes())
    assert len(texts) > 3
    for number, page in enumerate(texts, 1):
        assert f"{receipt.number} · page {number}" in page
    everything = "\n".join(texts)
    assert all(code in everything for code in codes)
    assert f"{receipt.number} (continued)" in texts[1]


def test_drafts_and_cancelled_documents_are_stamped(inv: Inventory) -> None:
    draft = inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["SN-1"])],
                     post=False)  # fmt: skip
    assert "DRAFT" in text(inv.print_document(draft.number).to_bytes())
    inv.post(draft.number)
    inv.cancel(draft.number)
    assert "CANCELLED" in text(inv.print_document(draft.number).to_bytes())


def test_names_in_any_script_print_when_a_unicode_font_is_found(inv: Inventory) -> None:
    if fonts()[0] == "Helvetica":
        pytest.skip("no Unicode TrueType font on this machine: Latin text only")
    inv.add_partner("Иван Петров", customer=True)
    inv.set_setting("shop_name", "Κατάστημα Ωμέγα")
    sale = inv.sell(customer="Иван Петров", location="Store", lines=[("PHONE", ["SN-1"])])
    words = text(inv.print_document(sale.number).to_bytes())
    assert "Иван Петров" in words
    assert "Κατάστημα Ωμέγα" in words


def test_refusals_and_failures_leave_no_file(inv: Inventory, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound, match="no document numbered 'SO-999999'"):
        inv.print_document("SO-999999")
    out = tmp_path / "out"
    out.mkdir()
    sale = inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["SN-1"])])
    job = inv.print_document(sale.number)

    def broken(printout, stream):  # type: ignore[no-untyped-def]
        stream.write(b"%PDF-1.4 half a file")
        raise OSError("disk full")

    monkeypatch.setattr("serialtrack.adapters.printing.document_pdf.write_document", broken)
    with pytest.raises(OSError, match="disk full"):
        job.save(str(out / "slip.pdf"))
    assert list(out.iterdir()) == []  # neither the file nor its temporary part


def test_shop_settings_are_checked_and_trimmed(inv: Inventory) -> None:
    assert inv.settings()["shop_address"] == "1 Market Square\n  4021 Springfield"
    before = inv.settings()
    with pytest.raises(Invalid, match="shop_name is too long"):
        inv.set_setting("shop_name", "x" * 121)
    with pytest.raises(Invalid, match="not valid text"):
        inv.set_setting("shop_name", "bad\x07bell")
    with pytest.raises(Invalid, match="digital_link_base is a web address"):
        inv.set_setting("digital_link_base", "ftp://example.com")
    assert inv.settings() == before  # the refusals wrote nothing
    assert inv.set_setting("digital_link_base", "https://brand.example/gs1/") == (
        "https://brand.example/gs1"
    )
