"""Labels as ZPL II for Zebra printers: one ``^XA … ^XZ`` per label, the same content as the
PDF. Text fields use ``^FH`` hex escapes (UTF-8, ``^CI28``) so no code can break the
format; the Code 128 is ``^BC``, the GS1 DataMatrix ``^BX`` at quality 200 with ``_1`` (FNC1)
first and as the separator after each variable-length element but the last.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TextIO

from serialtrack.adapters.labels.symbols import matrix_modules, qr_modules
from serialtrack.domain.labels import Label, regions

DPMM = 8  # dots per mm: 203 dpi, the common Zebra head
FNC1 = "_1"  # ^BX escape sequence (escape character "_")


def _hex(text: str) -> str:
    """``text`` for a field under ``^FH_``: ``^``, ``~``, ``_``, controls and non-ASCII as
    ``_XX`` (UTF-8 bytes)."""
    out = []
    for ch in text:
        if " " <= ch <= "~" and ch not in "^~_":
            out.append(ch)
        else:
            out.extend(f"_{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def _matrix_data(label: Label) -> str:
    """The ^BX field data: escapes with "_" (``_1`` FNC1, ``_dNNN`` a literal character)."""
    parts = [FNC1]
    for i, e in enumerate(label.elements):
        value = "".join(f"_d{ord(ch):03d}" if ch in "_^~" else ch for ch in e.ai + e.value)
        parts.append(value)
        if e.variable and i < len(label.elements) - 1:
            parts.append(FNC1)
    return "".join(parts)


def _code128_data(value: str) -> str:
    # In ^BC field data ">" starts an invocation code; "><" is a literal ">".
    return _hex(value).replace(">", "><")


def label_zpl(label: Label, width_mm: float, height_mm: float) -> str:
    """One label, ``width_mm`` x ``height_mm``."""
    r = regions(width_mm, height_mm, label)

    def dots(v: float) -> int:
        return round(v * DPMM)

    font = max(14, dots(r.font_size * 0.3528))
    out = ["^XA", "^CI28", f"^PW{dots(width_mm)}", f"^LL{dots(height_mm)}", "^LH0,0"]
    x, y = dots(r.text.x), dots(r.text.y)
    out.append(
        f"^FO{x},{y}^A0N,{font},{font}^FB{dots(r.text.width)},1,0,L^FH_^FD{_hex(label.title)}^FS"
    )
    for i, line in enumerate(label.lines, 1):
        top = y + i * round(font * 1.1)
        if top + font > dots(r.text.y + r.text.height) + font:
            break
        out.append(
            f"^FO{x},{top}^A0N,{font},{font}^FB{dots(r.text.width)},1,0,L^FH_^FD{_hex(line)}^FS"
        )
    if label.code128:
        modules = 11 * (len(label.code128) + 3) + 2 + 20
        module = max(1, min(3, dots(r.code128.width) // modules))
        out.append(
            f"^FO{dots(r.code128.x) + 10 * module},{dots(r.code128.y)}^BY{module}"
            f"^BCN,{dots(r.code128.height * 0.85)},N,N,N^FH_^FD{_code128_data(label.code128)}^FS"
        )
    if r.matrix is not None and label.elements:
        size = len(matrix_modules(label)) - 2  # without the quiet zone
        module = max(1, dots(r.matrix.width) // size)
        out.append(
            f"^FO{dots(r.matrix.x)},{dots(r.matrix.y)}^BXN,{module},200,,,,_"
            f"^FD{_matrix_data(label)}^FS"
        )
    if r.qr is not None and label.digital_link:
        size = len(qr_modules(label.digital_link))  # with a 2-module quiet zone
        magnification = max(1, min(10, dots(r.qr.width) // size))
        out.append(
            f"^FO{dots(r.qr.x)},{dots(r.qr.y)}^BQN,2,{magnification}"
            f"^FH_^FDQA,{_hex(label.digital_link)}^FS"
        )
    if r.human is not None:
        small = max(12, dots(r.human.height * 0.8))
        out.append(
            f"^FO{dots(r.human.x)},{dots(r.human.y)}^A0N,{small},{small}"
            f"^FB{dots(r.human.width)},1,0,L^FH_^FD{_hex(label.human_readable)}^FS"
        )
    out.append("^XZ")
    return "\n".join(out) + "\n"


def zpl_chunks(labels: Iterable[Label], width_mm: float, height_mm: float) -> Iterator[str]:
    """Each label's ZPL in turn, for streaming."""
    for label in labels:
        yield label_zpl(label, width_mm, height_mm)


def write_zpl(labels: Iterable[Label], width_mm: float, height_mm: float, out: TextIO) -> int:
    count = 0
    for chunk in zpl_chunks(labels, width_mm, height_mm):
        out.write(chunk)
        count += 1
    return count
