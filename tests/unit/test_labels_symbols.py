"""Label symbols: the fast QR is segno's symbol module for module, and a PDF draws every module
of the QR and the DataMatrix where the grid says (a decoder alone would forgive a few wrong
modules: error correction)."""

from __future__ import annotations

import random
import string
from datetime import date

import pytest
import segno

from serialtrack.adapters.labels import qr
from serialtrack.adapters.labels.pdf import pdf_bytes
from serialtrack.adapters.labels.symbols import matrix_modules, qr_modules
from serialtrack.domain.labels import LabelContent, layout, make_label, regions

GTIN = "09506000134352"


def segno_rows(text: str) -> list[bytes]:
    code = segno.make_qr(text, error="m", boost_error=False)
    return [bytes(1 if v else 0 for v in row) for row in code.matrix]


def test_the_fast_qr_is_segnos_symbol_for_every_version_and_mode() -> None:
    assert qr._FAST, "segno's encoder moved: qr_rows falls back to segno.make_qr (slow)"
    rng = random.Random(12)
    texts = [f"https://id.gs1.org/01/{GTIN}/21/X1-{i:06d}" for i in range(40)]
    texts += ["1", "12345678901234", "HELLO WORLD 42", "Gerät Ünïcode 日本", "A" * 300]
    texts += [
        "".join(rng.choice(string.printable[:94]) for _ in range(rng.randint(1, 400)))
        for _ in range(40)
    ]
    versions, masks = set(), set()
    for text in texts:
        assert qr.qr_rows(text) == segno_rows(text), text
        code = segno.make_qr(text, error="m", boost_error=False)
        versions.add(code.version)
        masks.add(code.mask)
    assert max(versions) >= 7  # with version information
    assert len(masks) >= 6  # the mask choice is exercised, not one mask by luck


@pytest.mark.parametrize("preset", ["50x25", "100x50"])
def test_the_pdf_draws_each_module_of_the_qr_and_the_datamatrix(preset: str) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    content = LabelContent("PHONE", "Phone X", "SN-0042/7", GTIN, date(2027, 3, 31), "LOT7")
    label = make_label(content, with_digital_link=True)
    chosen = layout("single", preset)
    width, height = chosen.page_size
    dpi = 1200
    document = pdfium.PdfDocument(pdf_bytes([label], chosen))
    image = document[0].render(scale=dpi / 72).to_pil().convert("L")
    document.close()
    px = dpi / 25.4
    r = regions(width, height, label)
    assert label.digital_link is not None
    for grid, box in ((qr_modules(label.digital_link), r.qr), (matrix_modules(label), r.matrix)):
        assert box is not None
        step = box.width / len(grid)
        seen = [
            bytes(
                1 if image.getpixel((round((box.x + (x + 0.5) * step) * px),
                                     round((box.y + (y + 0.5) * step) * px))) < 128 else 0
                for x in range(len(grid))
            )
            for y in range(len(grid))
        ]  # fmt: skip
        assert seen == grid
