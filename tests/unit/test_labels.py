"""Labels: content and GS1 payloads, sheet geometry, ZPL text, and PDFs decoded back.

The PDFs are rendered with pypdfium2 and every symbol decoded with zxing-cpp, an independent
decoder; GS1 content is parsed with biip."""

from __future__ import annotations

import re
from datetime import date

import biip
import pytest

from serialtrack.adapters.labels.pdf import pdf_bytes
from serialtrack.adapters.labels.zpl import label_zpl
from serialtrack.domain.errors import Invalid
from serialtrack.domain.labels import (
    SHEET_PRESETS,
    LabelContent,
    Sheet,
    layout,
    make_label,
    regions,
)

pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")

GTIN = "09506000134352"
DPI = 400


def decode_pages(data: bytes) -> list[list[object]]:
    """Every barcode found on each page of a PDF."""
    document = pdfium.PdfDocument(data)
    try:
        return [zxingcpp.read_barcodes(page.render(scale=DPI / 72).to_pil()) for page in document]
    finally:
        document.close()


def gs1(result: object) -> dict[str, str]:
    assert result.symbology_identifier == "]d2"  # type: ignore[attr-defined]
    assert result.content_type == zxingcpp.ContentType.GS1  # type: ignore[attr-defined]
    raw = result.bytes.decode("ascii")  # type: ignore[attr-defined]
    parsed = biip.parse("]d2" + raw)
    assert parsed.gs1_message is not None
    return {e.ai.ai: e.value for e in parsed.gs1_message.element_strings}


def by_format(results: list[object], name: str) -> list[object]:
    return [r for r in results if r.format.name.replace("_", "").lower() == name]  # type: ignore[attr-defined]


def phone(serial: str = "SN-0001", **more: object) -> LabelContent:
    values: dict[str, object] = {"gtin": GTIN, "expiry": date(2027, 3, 31), "batch": "LOT7"}
    values.update(more)
    return LabelContent("PHONE", "Phone X", serial, **values)  # type: ignore[arg-type]


# content ----------------------------------------------------------------------------------
def test_gs1_element_string_fnc1_first_and_gs_after_variable_elements() -> None:
    label = make_label(phone())
    assert [(e.ai, e.value) for e in label.elements] == [
        ("01", GTIN), ("21", "SN-0001"), ("17", "270331"), ("10", "LOT7"),
    ]  # fmt: skip
    assert label.element_string == f"\x1d01{GTIN}21SN-0001\x1d1727033110LOT7"
    assert label.human_readable == f"(01){GTIN} (21)SN-0001 (17)270331 (10)LOT7"
    assert label.code128 == "SN-0001"
    assert label.digital_link is None


def test_short_gtin_is_padded_and_digital_link_base_is_configurable() -> None:
    label = make_label(
        phone("A/1 b", gtin="9506000134352", expiry=None, batch=None),
        with_digital_link=True, digital_link_base="https://example.com/",
    )  # fmt: skip
    assert label.note is not None  # a space is not in GS1's CSET 82: no GS1 symbols
    assert label.elements == ()
    assert label.element_string == ""
    label = make_label(phone("A/1", expiry=None, batch=None), with_digital_link=True,
                       digital_link_base="https://example.com/")  # fmt: skip
    assert label.digital_link == f"https://example.com/01/{GTIN}/21/A%2F1"
    assert label.element_string == f"\x1d01{GTIN}21A/1"


def test_batch_label_carries_gtin_batch_and_expiry() -> None:
    label = make_label(LabelContent("PILLS", "Pills", None, GTIN, date(2027, 3, 31), "LOT-7"))
    assert [e.ai for e in label.elements] == ["01", "17", "10"]
    assert label.code128 == "LOT-7"
    assert label.element_string == f"\x1d01{GTIN}1727033110LOT-7"


def test_no_gtin_no_gs1_and_a_bad_gtin_is_refused() -> None:
    label = make_label(phone(gtin=None))
    assert label.elements == ()
    assert label.code128 == "SN-0001"
    with pytest.raises(Invalid) as refused:
        make_label(phone(gtin="09506000134353"))
    assert "check digit" in str(refused.value.problems[0])
    with pytest.raises(Invalid):
        make_label(LabelContent("X", "X"))


def test_serials_gs1_cannot_carry_keep_the_code128() -> None:
    label = make_label(phone("S" * 21))
    assert label.elements == ()
    assert label.code128 == "S" * 21
    assert "20 characters" in (label.note or "")


# geometry ---------------------------------------------------------------------------------
def test_presets_have_the_sizes_of_their_sheets() -> None:
    sizes = {
        k: (round(s.label_width, 3), round(s.label_height, 3)) for k, s in SHEET_PRESETS.items()
    }
    assert sizes["a4-3x8"] == (70.0, 37.0)
    assert sizes["a4-3x7"] == (63.5, 38.1)
    assert sizes["a4-4x10"] == (48.5, 25.4)
    assert sizes["letter-3x10"] == (66.675, 25.4)
    sheet = SHEET_PRESETS["letter-3x10"]
    last = sheet.cell(sheet.per_page - 1)
    assert last.x + last.width == pytest.approx(sheet.page_width - sheet.margin_right)
    assert last.y + last.height == pytest.approx(sheet.page_height - sheet.margin_bottom)
    assert sheet.cell(1).x - (sheet.cell(0).x + sheet.cell(0).width) == pytest.approx(3.175)


def test_cells_go_row_by_row_and_start_skips_used_positions() -> None:
    sheet = Sheet(210, 297, rows=2, columns=3, margin_top=10, margin_left=5, margin_right=5,
                  margin_bottom=7, gap_x=2, gap_y=4)  # fmt: skip
    assert sheet.label_width == pytest.approx((200 - 4) / 3)
    assert sheet.label_height == pytest.approx((280 - 4) / 2)
    assert sheet.cell(4).x == pytest.approx(5 + sheet.label_width + 2)
    assert sheet.cell(4).y == pytest.approx(10 + sheet.label_height + 4)
    chosen = layout("sheet", sheet=sheet, start=5)
    placed = list(chosen.place(4))
    assert [(p, sheet.cells().index(b)) for p, b in placed] == [(0, 4), (0, 5), (1, 0), (1, 1)]
    assert chosen.pages(4) == 2
    assert chosen.pages(2) == 1


def test_single_label_presets_and_sizes() -> None:
    assert layout("single", "57x32").page_size == (57.0, 32.0)
    assert layout("single", "62 x 29 mm").page_size == (62.0, 29.0)
    assert list(layout("single", "100x50").place(2))[1][0] == 1


@pytest.mark.parametrize(
    ("kind", "preset", "start", "where"),
    [
        ("sheet", "a4-9x9", 1, "preset"),
        ("sheet", "a4-3x8", 25, "start"),
        ("sheet", "a4-3x8", 0, "start"),
        ("single", "10x10", 1, "preset"),
        ("single", "big", 1, "preset"),
        ("round", None, 1, "layout"),
    ],
)
def test_bad_layouts_are_refused(kind: str, preset: str | None, start: int, where: str) -> None:
    with pytest.raises(Invalid) as refused:
        layout(kind, preset, start=start)
    assert refused.value.problems[0].where == where


def test_a_sheet_whose_labels_do_not_fit_is_refused() -> None:
    with pytest.raises(Invalid) as refused:
        layout("sheet", sheet=Sheet(210, 297, rows=30, columns=3))
    assert "does not fit" in refused.value.message
    with pytest.raises(Invalid):
        layout("sheet", sheet=Sheet(210, 297, rows=2, columns=2, margin_left=-1))


def test_regions_stay_inside_the_label() -> None:
    for width, height in ((50, 25), (48.5, 25.4), (100, 50)):
        label = make_label(phone(), with_digital_link=True)
        r = regions(width, height, label)
        for box in (r.text, r.code128, r.matrix, r.qr, r.human):
            assert box is not None
            assert box.x >= 0
            assert box.x + box.width <= width + 1e-9
            assert box.y >= 0
            assert box.y + box.height <= height + 1e-9
        assert r.qr.x + r.qr.width <= r.matrix.x  # type: ignore[union-attr]


# ZPL --------------------------------------------------------------------------------------
def test_zpl_has_one_format_per_label_with_code128_and_gs1_datamatrix() -> None:
    text = label_zpl(make_label(phone("SN^~_>1"), with_digital_link=True), 50, 25)
    assert text.startswith("^XA")
    assert text.rstrip().endswith("^XZ")
    assert text.count("^XA") == 1
    assert text.count("^XZ") == 1
    code128 = re.search(r"\^BCN,[^\^]*\^FH_\^FD(.*?)\^FS", text)
    assert code128
    assert code128.group(1) == "SN_5E_7E_5F><1"
    # serial has chars GS1 rejects (^ ~): no DataMatrix
    assert "^BX" not in text
    text = label_zpl(make_label(phone("SN_1"), with_digital_link=True), 50, 25)
    matrix = re.search(r"\^BXN,\d+,200,,,,_\^FD(.*?)\^FS", text)
    assert matrix, text
    assert matrix.group(1) == f"_101{GTIN}21SN_d0951_11727033110LOT7"
    assert f"^FDQA,https://id.gs1.org/01/{GTIN}/21/SN_5F1^FS" in text
    assert f"^FD(01){GTIN} (21)SN_5F1 (17)270331 (10)LOT7^FS" in text
    assert "^FDPhone X^FS" in text
    assert "^FDS/N SN_5F1^FS" in text


def test_zpl_escapes_non_ascii_names() -> None:
    text = label_zpl(make_label(LabelContent("TÉ", "Télé ^1", "S1")), 57, 32)
    assert "^CI28" in text
    assert "^FDT_C3_A9l_C3_A9 _5E1^FS" in text
    assert "^BX" not in text  # no GTIN


# PDF decoded back -------------------------------------------------------------------------
@pytest.mark.parametrize("preset", ["50x25", "57x32", "100x50"])
def test_single_label_pdf_decodes_to_serial_gs1_and_digital_link(preset: str) -> None:
    labels = [make_label(phone(f"SN-{i:04d}"), with_digital_link=True) for i in (1, 2)]
    pages = decode_pages(pdf_bytes(labels, layout("single", preset)))
    assert len(pages) == 2
    for i, results in zip((1, 2), pages, strict=True):
        (code,) = by_format(results, "code128")
        assert code.text == f"SN-{i:04d}"  # type: ignore[attr-defined]
        (matrix,) = by_format(results, "datamatrix")
        assert gs1(matrix) == {"01": GTIN, "21": f"SN-{i:04d}", "17": "270331", "10": "LOT7"}
        (link,) = by_format(results, "qrcode")
        assert link.text == f"https://id.gs1.org/01/{GTIN}/21/SN-{i:04d}"  # type: ignore[attr-defined]


@pytest.mark.parametrize("preset", ["a4-3x8", "a4-4x10", "letter-3x10", "a4-3x7"])
def test_sheet_pdf_decodes_every_label(preset: str) -> None:
    serials = [f"X1-{i:05d}" for i in range(7)]
    labels = [make_label(phone(s, expiry=None, batch=None)) for s in serials]
    (results,) = decode_pages(pdf_bytes(labels, layout("sheet", preset)))
    assert sorted(r.text for r in by_format(results, "code128")) == serials  # type: ignore[attr-defined]
    found = sorted(gs1(r)["21"] for r in by_format(results, "datamatrix"))
    assert found == serials


def test_start_at_position_leaves_the_first_cells_empty() -> None:
    chosen = layout("sheet", "a4-3x8", start=5)
    labels = [make_label(phone(f"SN-{i}")) for i in range(3)]
    document = pdfium.PdfDocument(pdf_bytes(labels, chosen))
    image = document[0].render(scale=DPI / 72).to_pil().convert("L")
    px = DPI / 25.4
    assert chosen.sheet is not None
    for index in range(8):
        box = chosen.sheet.cell(index)
        cell = image.crop(
            (
                round(box.x * px),
                round(box.y * px),
                round((box.x + box.width) * px),
                round((box.y + box.height) * px),
            )
        )
        results = zxingcpp.read_barcodes(cell)
        if index < 4:
            assert cell.getextrema() == (255, 255), f"cell {index + 1} should be empty"
        elif index < 7:
            assert {r.text for r in by_format(results, "code128")} == {f"SN-{index - 4}"}
        else:
            assert cell.getextrema() == (255, 255)
    document.close()


def test_pdf_cross_reference_points_at_every_object() -> None:
    """PDFium repairs a broken file silently; check the writer's xref table byte by byte."""
    labels = [make_label(phone(f"SN-{i}"), with_digital_link=True) for i in range(30)]
    data = pdf_bytes(labels, layout("sheet", "a4-3x8", start=20))
    assert data.startswith(b"%PDF-1.4")
    assert data.endswith(b"%%EOF\n")
    xref_at = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[xref_at:].startswith(b"xref\n0 ")
    header, *rows = data[xref_at:].split(b"trailer")[0].splitlines()[1:]
    count = int(header.split()[1])
    assert len(rows) == count
    assert rows[0].endswith(b"f ")
    for number, row in enumerate(rows[1:], 1):
        offset = int(row.split()[0])
        assert data[offset:].startswith(b"%d 0 obj\n" % number), number
    assert b"/Count 3 " in data  # 19 empty cells + 30 labels = 49 cells: 3 pages of 24
    assert len(pdfium.PdfDocument(data)) == 3
