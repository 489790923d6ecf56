"""The symbols as module grids and bar patterns, for any renderer.

Code 128 as reportlab's barcode module encodes it, the GS1 DataMatrix from pyStrich (FNC1
first, FNC1 after each variable-length element but the last), the QR code as segno makes it
(``qr.qr_rows``: segno's symbol, its mask chosen faster). A grid is a list of rows, each row
``bytes`` of 0 (light) and 1 (dark) modules.
"""

from __future__ import annotations

from pystrich.datamatrix import DataMatrixData, DataMatrixEncoder
from pystrich.gs1 import GS1Fixed, GS1Variable
from reportlab.graphics.barcode.code128 import Code128

from serialtrack.adapters.labels.qr import qr_rows
from serialtrack.domain.labels import Label


def matrix_modules(label: Label) -> list[bytes]:
    """The GS1 DataMatrix of ``label`` as rows of 0/1 modules, a 1-module quiet zone around."""
    fields = [
        GS1Variable(e.ai, e.value) if e.variable else GS1Fixed(e.ai, e.value)
        for e in label.elements
    ]
    encoder = DataMatrixEncoder(DataMatrixData.gs1(*fields), quiet_zone=1)
    return [bytes(1 if cell else 0 for cell in row) for row in encoder.init_renderer().matrix]


def qr_modules(text: str) -> list[bytes]:
    """A QR code of ``text`` (error correction M) as rows of 0/1 modules, quiet zone 2."""
    rows = qr_rows(text)
    blank = bytes(len(rows[0]) + 4)
    return [blank, blank, *(b"\0\0" + row + b"\0\0" for row in rows), blank, blank]


def code128_bars(value: str) -> tuple[list[tuple[int, int]], int]:
    """Code 128 of ``value`` as (start, width) bars in modules, and its width in modules."""
    symbol = Code128(value, barWidth=1, quiet=0, humanReadable=False)
    symbol.validate()
    symbol.encode()
    pattern = symbol.decompose()
    bars, x = [], 0
    for ch in pattern:
        if "A" <= ch <= "Z":
            width = ord(ch) - ord("A") + 1
            bars.append((x, width))
            x += width
        else:
            x += ord(ch) - ord("a") + 1
    return bars, x
