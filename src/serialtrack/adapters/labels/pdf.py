"""Labels as PDF, streamed page by page: flat memory for any number of labels.

The symbols: Code 128 as encoded by reportlab's barcode module, the GS1 DataMatrix from
pyStrich (FNC1 first and as separator, so it reads back as GS1, ``]d2``), the Digital Link QR
from segno; text measured with reportlab's font metrics (Helvetica, WinAnsi). A small PDF
writer of our own puts them on the page: each page's content stream is compressed and written
out as soon as the page is done, keeping only the byte offsets of the objects (reportlab's
canvas keeps every page in memory until the end, which grows with the number of labels).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO

from reportlab.pdfbase.pdfmetrics import stringWidth

from serialtrack.adapters.labels.symbols import code128_bars, matrix_modules, qr_modules
from serialtrack.domain.labels import Box, Label, Layout, regions

PT = 72 / 25.4  # points per mm
FONTS = {"F1": "Helvetica", "F2": "Helvetica-Bold"}
MAX_BAR_MM = 0.40  # widest Code 128 module we draw
CODE128_QUIET = 10  # modules of quiet zone each side
PAGES_PER_WRITE = 16  # pages gathered before one write to the output


def _fit(text: str, font: str, size: float, width_pt: float) -> str:
    if stringWidth(text, font, size) <= width_pt:
        return text
    while text and stringWidth(text + "…", font, size) > width_pt:
        text = text[:-1]
    return text + "…"


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


class _Page:
    """One page's content stream; coordinates given in mm from the top-left corner."""

    def __init__(self, height_mm: float) -> None:
        self.height = height_mm
        self.ops: list[bytes] = []

    def rect(self, x: float, top: float, width: float, height: float) -> None:
        """A filled rectangle, all in points; ``top`` measured from the page's top edge."""
        y = self.height * PT - top - height
        self.ops.append(f"{_n(x)} {_n(y)} {_n(width)} {_n(height)} re\n".encode())

    def fill(self) -> None:
        self.ops.append(b"f\n")

    def text(self, font: str, size: float, x: float, baseline_top: float, text: str) -> None:
        y = self.height * PT - baseline_top
        self.ops.append(
            b"BT /%s %s Tf %s %s Td (%s) Tj ET\n"
            % (font.encode(), _n(size).encode(), _n(x).encode(), _n(y).encode(), _pdf_text(text))
        )

    def content(self) -> bytes:
        return b"".join(self.ops)

    # label parts --------------------------------------------------------------------------
    def label(self, label: Label, box: Box) -> None:
        r = regions(box.width, box.height, label)
        self._texts(label, box, r.text, r.font_size)
        if label.code128:
            self._code128(label.code128, box, r.code128)
        if r.matrix is not None:
            self._modules(matrix_modules(label), box, r.matrix)
        if r.qr is not None and label.digital_link:
            self._modules(qr_modules(label.digital_link), box, r.qr)
        if r.human is not None:
            size = max(4.0, min(6.5, r.human.height * PT * 0.9))
            text = _fit(label.human_readable, FONTS["F1"], size, r.human.width * PT)
            top = (box.y + r.human.y + r.human.height) * PT - 0.5
            self.text("F1", size, (box.x + r.human.x) * PT, top, text)

    def _texts(self, label: Label, box: Box, area: Box, size: float) -> None:
        width = area.width * PT
        x = (box.x + area.x) * PT
        top = (box.y + area.y) * PT + size
        bottom = (box.y + area.y + area.height) * PT + size
        self.text("F2", size, x, top, _fit(label.title, FONTS["F2"], size, width))
        for i, line in enumerate(label.lines, 1):
            baseline = top + i * size * 1.15
            if baseline > bottom:
                break
            self.text("F1", size, x, baseline, _fit(line, FONTS["F1"], size, width))

    def _code128(self, value: str, box: Box, area: Box) -> None:
        bars, modules = code128_bars(value)
        module = min(MAX_BAR_MM * PT, area.width * PT / (modules + 2 * CODE128_QUIET))
        left = (box.x + area.x) * PT + CODE128_QUIET * module
        top = (box.y + area.y) * PT
        height = area.height * PT * 0.85
        for start, width in bars:
            self.rect(left + start * module, top, width * module, height)
        self.fill()

    def _modules(self, modules: Sequence[bytes], box: Box, area: Box) -> None:
        """A 2D symbol (rows of 0/1 modules) as one filled path drawn in module units.

        A ``cm`` maps module column x, row y to the page (y downwards), so each rectangle is
        four small integers; a run of dark modules in a row is one rectangle, grown downwards
        while the rows below have the same run. About a third of the operators of one
        rectangle per run, and no float formatting per rectangle."""
        step = area.width * PT / len(modules)
        left = (box.x + area.x) * PT
        top = (self.height - box.y - area.y) * PT
        rects: list[bytes] = []
        growing: dict[tuple[int, int], int] = {}  # (first, end) column of a run -> its top row
        for y, row in enumerate(modules):
            runs = {m.span() for m in _DARK_RUN.finditer(row)}
            for span in [s for s in growing if s not in runs]:
                rects.append(_rect(span, growing.pop(span), y))
            for span in runs:
                growing.setdefault(span, y)
        rects += [_rect(span, first, len(modules)) for span, first in growing.items()]
        self.ops.append(
            b"q %s 0 0 %s %s %s cm\n%sf Q\n"
            % (_n(step).encode(), _n(-step).encode(), _n(left).encode(), _n(top).encode(),
               b"".join(rects))
        )  # fmt: skip


_DARK_RUN = re.compile(rb"\x01+")


def _rect(span: tuple[int, int], top: int, bottom: int) -> bytes:
    """``re`` of the modules in columns ``span`` from row ``top`` down to row ``bottom``."""
    return b"%d %d %d %d re\n" % (span[0], top, span[1] - span[0], bottom - top)


def pdf_chunks(labels: Iterable[Label], layout: Layout) -> Iterator[bytes]:
    """The PDF of ``labels`` laid out by ``layout``, in pieces as the pages are drawn."""
    width, height = layout.page_size
    offsets: list[int] = [0, 0, 0, 0, 0]  # objects 1..4: catalog, pages, two fonts
    page_ids: list[int] = []
    position = 0
    pending: list[bytes] = []

    def emit(data: bytes) -> None:
        nonlocal position
        pending.append(data)
        position += len(data)

    def obj(number: int, body: bytes) -> None:
        if number < len(offsets):
            offsets[number] = position
        else:
            offsets.append(position)
        emit(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    emit(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    for number, name in ((3, "Helvetica"), (4, "Helvetica-Bold")):
        obj(number, b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
            % name.encode())  # fmt: skip
    media = f"[0 0 {_n(width * PT)} {_n(height * PT)}]".encode()

    def finish(page: _Page) -> None:
        stream = zlib.compress(page.content(), 6)
        content_id = len(offsets)
        obj(content_id, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
            + stream + b"\nendstream")  # fmt: skip
        page_id = len(offsets)
        obj(page_id, b"<< /Type /Page /Parent 2 0 R /MediaBox " + media
            + b" /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>"
            % content_id)  # fmt: skip
        page_ids.append(page_id)

    current, page = 0, _Page(height)
    placements = layout.place(1 << 62)
    for label in labels:
        number, box = next(placements)
        if number != current:
            finish(page)
            current, page = number, _Page(height)
            if len(page_ids) % PAGES_PER_WRITE == 0:
                yield b"".join(pending)
                pending.clear()
        page.label(label, box)
    finish(page)
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    obj(2, b"<< /Type /Pages /Count %d /Kids [" % len(page_ids) + kids + b"] >>")
    obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    xref = position
    emit(b"xref\n0 %d\n0000000000 65535 f \n" % len(offsets))
    emit(b"".join(b"%010d 00000 n \n" % offset for offset in offsets[1:]))
    emit(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets), xref))
    yield b"".join(pending)


def write_pdf(labels: Iterable[Label], layout: Layout, out: BinaryIO) -> int:
    """Write the PDF of ``labels`` to ``out``; the number of labels drawn."""
    count = 0

    def counted() -> Iterator[Label]:
        nonlocal count
        for label in labels:
            count += 1
            yield label

    for chunk in pdf_chunks(counted(), layout):
        out.write(chunk)
    return count


def pdf_bytes(labels: Iterable[Label], layout: Layout) -> bytes:
    return b"".join(pdf_chunks(labels, layout))
