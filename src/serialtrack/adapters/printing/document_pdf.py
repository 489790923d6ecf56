"""A printed document as an A4 PDF, drawn with reportlab's canvas.

Top left the shop's name and address; top right the title, the number and the number as a
Code 128 (reportlab's encoder); then the facts and the tables, which flow over as many pages
as they need, their column titles repeated on each page; every page ends with who printed it
and the page number. Text is set in a Unicode TrueType font when one is found (DejaVu Sans or
Noto Sans, or the file ``SERIALTRACK_PDF_FONT`` names), so names in any script print; without
one, in Helvetica (Latin text only).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import BinaryIO

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from serialtrack.domain.printing import Printout, Table

MARGIN = 16 * mm
ROW = 11.5  # points between table rows
GREY = Color(0.45, 0.45, 0.45)
RULE = Color(0.7, 0.7, 0.7)
STAMP = Color(0.75, 0.1, 0.1)
FONT_FILES = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
)
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
             "/Library/Fonts", "/System/Library/Fonts", "C:/Windows/Fonts")  # fmt: skip


@cache
def fonts() -> tuple[str, str]:
    """The (regular, bold) font names to set text in: a Unicode TrueType font if found."""
    given = os.environ.get("SERIALTRACK_PDF_FONT")
    candidates: list[tuple[Path, Path]] = []
    if given:
        path = Path(given)
        bold = path.with_name(path.stem + "-Bold" + path.suffix)
        candidates.append((path, bold if bold.exists() else path))
    for regular, bold in FONT_FILES:
        for directory in FONT_DIRS:
            root = Path(directory).expanduser()
            if not root.is_dir():
                continue
            found = next(iter(root.rglob(regular)), None)
            if found is not None:
                heavy = next(iter(root.rglob(bold)), None) or found
                candidates.append((found, heavy))
                break
    for regular_path, bold_path in candidates:
        try:
            pdfmetrics.registerFont(TTFont("Body", str(regular_path)))
            pdfmetrics.registerFont(TTFont("Body-Bold", str(bold_path)))
        except Exception:  # an unreadable font file: try the next one
            continue
        return "Body", "Body-Bold"
    return "Helvetica", "Helvetica-Bold"


class _Pages:
    """The canvas and where the next line goes; a new page when the current one is full."""

    def __init__(self, printout: Printout, out: BinaryIO) -> None:
        self.p = printout
        self.regular, self.bold = fonts()
        self.c = Canvas(out, pagesize=A4, pageCompression=1, invariant=1)
        self.c.setTitle(f"{printout.title} {printout.number}")
        self.c.setAuthor(printout.shop.name or "serialtrack")
        self.width, self.height = A4
        self.page = 1
        self.y = 0.0

    # text -------------------------------------------------------------------------------
    def fit(self, text: str, font: str, size: float, width: float) -> str:
        if pdfmetrics.stringWidth(text, font, size) <= width:
            return text
        while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
            text = text[:-1]
        return text + "…"

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float = 9,
        bold: bool = False,
        width: float | None = None,
        right: bool = False,
        color: Color = black,
    ) -> None:
        font = self.bold if bold else self.regular
        if width is not None:
            text = self.fit(text, font, size, width)
        self.c.setFont(font, size)
        self.c.setFillColor(color)
        if right:
            self.c.drawRightString(x, y, text)
        else:
            self.c.drawString(x, y, text)

    # pages ------------------------------------------------------------------------------
    def first_page(self) -> None:
        p, top, right = self.p, self.height - MARGIN, self.width - MARGIN
        y = top - 12
        if p.shop.name:
            self.text(MARGIN, y, p.shop.name, size=13, bold=True, width=85 * mm)
            y -= 13
        for line in p.shop.address[:6]:
            self.text(MARGIN, y, line, size=9, width=85 * mm, color=GREY)
            y -= 11
        self.text(right, top - 12, p.title, size=15, bold=True, right=True)
        self.text(right, top - 29, p.number, size=12, right=True)
        bottom = top - 33
        if p.barcode:
            symbol = Code128(p.barcode, barHeight=11 * mm, barWidth=0.33 * mm, quiet=True,
                             humanReadable=False)  # fmt: skip
            symbol.drawOn(self.c, right - symbol.width, bottom - 11 * mm - 2)
            bottom -= 11 * mm + 4
        if p.stamp:
            self.text(right - 95 * mm, top - 14, p.stamp, size=20, bold=True, color=STAMP)
        self.y = min(y, bottom) - 14
        self.facts()

    def facts(self) -> None:
        label_w = 28 * mm
        for label, value in self.p.facts:
            self.need(ROW)
            self.text(MARGIN, self.y, label, size=9, color=GREY)
            lines = value.splitlines() or [""]
            for line in lines[:4]:
                self.text(MARGIN + label_w, self.y, line, size=9,
                          width=self.width - 2 * MARGIN - label_w)  # fmt: skip
                self.y -= ROW
        self.y -= 6

    def footer(self) -> None:
        y = MARGIN - 8
        self.c.setStrokeColor(RULE)
        self.c.line(MARGIN, MARGIN, self.width - MARGIN, MARGIN)
        self.text(MARGIN, y, self.p.footer, size=7.5, color=GREY, width=120 * mm)
        self.text(self.width - MARGIN, y, f"{self.p.title} {self.p.number} · page {self.page}",
                  size=7.5, color=GREY, right=True)  # fmt: skip

    def new_page(self) -> None:
        self.footer()
        self.c.showPage()
        self.page += 1
        self.y = self.height - MARGIN - 10
        self.text(MARGIN, self.y, f"{self.p.title} {self.p.number} (continued)", size=9,
                  bold=True)  # fmt: skip
        self.y -= 18

    def need(self, height: float) -> bool:
        """Make room for ``height`` points; True when that took a new page."""
        if self.y - height < MARGIN + 6:
            self.new_page()
            return True
        return False

    # tables -----------------------------------------------------------------------------
    def table(self, table: Table) -> None:
        inner = self.width - 2 * MARGIN
        xs, x = [], MARGIN
        for share in table.widths:
            xs.append(x)
            x += share * inner
        widths = [share * inner - 4 for share in table.widths]
        self.need(16 + 2 * ROW)
        self.text(MARGIN, self.y, table.heading, size=11, bold=True)
        self.y -= 15
        if not table.rows:
            self.text(MARGIN, self.y, table.empty, size=9, color=GREY)
            self.y -= ROW + 8
            return
        self.header(table, xs, widths)
        for row in table.rows:
            if self.need(ROW):
                self.text(MARGIN, self.y, f"{table.heading} (continued)", size=9, bold=True)
                self.y -= 13
                self.header(table, xs, widths)
            for x0, w, cell in zip(xs, widths, row, strict=True):
                if cell:
                    self.text(x0, self.y, cell, size=8.5, width=w)
            self.y -= ROW
        self.y -= 8

    def header(self, table: Table, xs: list[float], widths: list[float]) -> None:
        for x0, w, title in zip(xs, widths, table.columns, strict=True):
            self.text(x0, self.y, title, size=8, bold=True, width=w, color=GREY)
        self.c.setStrokeColor(RULE)
        self.c.line(MARGIN, self.y - 3, self.width - MARGIN, self.y - 3)
        self.y -= ROW + 1

    def finish(self) -> None:
        self.footer()
        self.c.showPage()
        self.c.save()


def write_document(printout: Printout, out: BinaryIO) -> None:
    """Draw ``printout`` as a PDF into the binary file ``out``."""
    pages = _Pages(printout, out)
    pages.first_page()
    for table in printout.tables:
        pages.table(table)
    pages.finish()
