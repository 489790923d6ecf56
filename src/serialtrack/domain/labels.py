"""Labels: what a unit's label says and carries, and where labels go on paper. Pure, no I/O.

A label shows the product name, SKU and serial (or batch) as text, and carries
- a Code 128 of the serial (or of the batch code on a batch label);
- when the product has a GTIN, a GS1 element string for a GS1 DataMatrix: (01) GTIN, (21)
  serial and, where known, (17) expiry and (10) batch; a batch label (01)(10)(17). FNC1 comes
  first (that makes it GS1) and a GS separator follows every variable-length element that is
  not the last, as GS1 requires; the human-readable line is ``(01)… (21)…``;
- optionally a QR code of the GS1 Digital Link URI ``{base}/01/{gtin}/21/{serial}``.

Layouts are sheets (A4 or US Letter, rows x columns, margins, gaps, "start at position N")
or single labels (one per page, size in mm). All geometry is in millimetres, origin at the
top-left corner of the page, y growing downwards; adapters convert to their own units.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

from serialtrack.domain.errors import Invalid, Problem
from serialtrack.domain.gtin import normalize_gtin

DIGITAL_LINK_BASE = "https://id.gs1.org"
GS = "\x1d"  # the separator a scanner transmits after a variable-length element
FNC1 = "\x1d"  # how the leading FNC1 is written in ``element_string`` (adapters re-encode it)
# GS1 "CSET 82": the characters AI 21 and AI 10 may hold (GS1 General Specifications 7.11).
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")
MAX_AI_VALUE = 20  # AI 10 and AI 21 hold at most 20 characters
MIN_LABEL_MM = (30.0, 15.0)  # smallest label the content fits on (width, height)
FORMATS = ("pdf", "zpl")
LAYOUTS = ("sheet", "single")


@dataclass(frozen=True)
class LabelContent:
    """What is known about one unit (or one batch) to print."""

    sku: str
    product_name: str
    serial: str | None = None
    gtin: str | None = None
    expiry: date | None = None
    batch: str | None = None


@dataclass(frozen=True)
class Element:
    """One GS1 element: application identifier, value, and whether its length varies."""

    ai: str
    value: str
    variable: bool


@dataclass(frozen=True)
class Label:
    """A label ready to render: its text lines and the payloads of its symbols."""

    title: str  # the product name
    lines: tuple[str, ...]  # SKU, serial / batch, expiry
    code128: str | None  # the serial (or batch code); None when it is not printable ASCII
    elements: tuple[Element, ...] = ()  # GS1 content for the DataMatrix; () without a GTIN
    digital_link: str | None = None
    note: str | None = None  # why a GS1 symbol was left out

    @property
    def human_readable(self) -> str:
        """``(01)09506000134352 (21)SN1 …``: the GS1 content as people read it."""
        return " ".join(f"({e.ai}){e.value}" for e in self.elements)

    @property
    def element_string(self) -> str:
        """FNC1, then each AI and value, a GS after each variable-length one but the last."""
        return element_string(self.elements)


def element_string(elements: Iterable[Element], *, fnc1: str = FNC1, gs: str = GS) -> str:
    items = list(elements)
    if not items:
        return ""
    parts = [fnc1]
    for i, e in enumerate(items):
        parts.append(e.ai + e.value)
        if e.variable and i < len(items) - 1:
            parts.append(gs)
    return "".join(parts)


def _ai_value_problem(value: str) -> str | None:
    if len(value) > MAX_AI_VALUE:
        return f"{value!r} is longer than the {MAX_AI_VALUE} characters GS1 allows"
    if not _CSET82.fullmatch(value):
        return f"{value!r} has characters GS1 does not allow in a serial or batch"
    return None


def digital_link(gtin: str, key_ai: str, key: str, *, base: str = DIGITAL_LINK_BASE) -> str:
    """``{base}/01/{gtin}/{21|10}/{key}``, the key percent-encoded as GS1 Digital Link asks."""
    return f"{base.rstrip('/')}/01/{gtin}/{key_ai}/{quote(key, safe='')}"


def _printable_ascii(text: str) -> bool:
    return bool(text) and all(" " <= ch <= "~" for ch in text)


def make_label(
    content: LabelContent,
    *,
    with_digital_link: bool = False,
    digital_link_base: str = DIGITAL_LINK_BASE,
) -> Label:
    """The texts and barcode payloads of ``content``'s label.

    A unit label needs a serial; a batch label (no serial) needs a batch code. A GTIN that
    fails its check digit is refused (``Invalid``); a serial or batch GS1 cannot carry leaves
    the GS1 symbols out, saying why in ``note``, and keeps the Code 128.
    """
    key = content.serial if content.serial is not None else content.batch
    if not key:
        raise Invalid("nothing to print", [Problem("serial", "a label needs a serial or a batch")])
    lines = [f"SKU {content.sku}"]
    if content.serial is not None:
        lines.append(f"S/N {content.serial}")
    if content.batch:
        lines.append(f"LOT {content.batch}")
    if content.expiry:
        lines.append(f"EXP {content.expiry.isoformat()}")
    code128 = key if _printable_ascii(key) else None
    if not content.gtin:
        return Label(content.product_name, tuple(lines), code128)
    gtin = normalize_gtin(content.gtin, where=f"{content.sku}.gtin")
    elements = [Element("01", gtin, False)]
    problem = None
    if content.serial is not None:
        problem = _ai_value_problem(content.serial)
        elements.append(Element("21", content.serial, True))
    if content.expiry:
        elements.append(Element("17", content.expiry.strftime("%y%m%d"), False))
    if content.batch:
        problem = problem or _ai_value_problem(content.batch)
        elements.append(Element("10", content.batch, True))
    if problem:
        return Label(content.product_name, tuple(lines), code128, note=f"no GS1 symbol: {problem}")
    link = None
    if with_digital_link:
        key_ai = "21" if content.serial is not None else "10"
        link = digital_link(gtin, key_ai, key, base=digital_link_base)
    return Label(content.product_name, tuple(lines), code128, tuple(elements), link)


# geometry ---------------------------------------------------------------------------------
PAGE_SIZES = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}


@dataclass(frozen=True)
class Box:
    """A rectangle in mm from the top-left corner of its page (or of its label)."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Sheet:
    """A sheet of labels: page size, rows x columns, margins and gaps (all mm).

    The label size follows from them: what is left of the page after the margins and the
    gaps, shared equally."""

    page_width: float
    page_height: float
    rows: int
    columns: int
    margin_top: float = 0.0
    margin_bottom: float = 0.0
    margin_left: float = 0.0
    margin_right: float = 0.0
    gap_x: float = 0.0  # between columns
    gap_y: float = 0.0  # between rows

    @property
    def per_page(self) -> int:
        return self.rows * self.columns

    @property
    def label_width(self) -> float:
        inner = self.page_width - self.margin_left - self.margin_right
        return (inner - (self.columns - 1) * self.gap_x) / self.columns

    @property
    def label_height(self) -> float:
        inner = self.page_height - self.margin_top - self.margin_bottom
        return (inner - (self.rows - 1) * self.gap_y) / self.rows

    def check(self) -> Sheet:
        """This sheet, or ``Invalid`` when its labels do not fit the page."""
        problems = []
        if self.rows < 1 or self.columns < 1:
            problems.append(Problem("layout", "a sheet needs at least one row and one column"))
        measures = {
            "margin_top": self.margin_top, "margin_bottom": self.margin_bottom,
            "margin_left": self.margin_left, "margin_right": self.margin_right,
            "gap_x": self.gap_x, "gap_y": self.gap_y,
        }  # fmt: skip
        problems += [
            Problem(k, f"{k} cannot be negative ({v})") for k, v in measures.items() if v < 0
        ]
        if not problems and (
            self.label_width < MIN_LABEL_MM[0] or self.label_height < MIN_LABEL_MM[1]
        ):
            problems.append(
                Problem(
                    "layout",
                    f"{self.rows} x {self.columns} labels leave {self.label_width:.1f} x "
                    f"{self.label_height:.1f} mm each on a {self.page_width:g} x "
                    f"{self.page_height:g} mm page; a label needs at least "
                    f"{MIN_LABEL_MM[0]:g} x {MIN_LABEL_MM[1]:g} mm",
                )
            )
        if problems:
            raise Invalid("the layout does not fit the page", problems)
        return self

    def cell(self, index: int) -> Box:
        """The ``index``-th label (0-based, row by row from the top-left)."""
        row, column = divmod(index, self.columns)
        return Box(
            self.margin_left + column * (self.label_width + self.gap_x),
            self.margin_top + row * (self.label_height + self.gap_y),
            self.label_width,
            self.label_height,
        )

    def cells(self) -> list[Box]:
        return [self.cell(i) for i in range(self.per_page)]


def _sheet(page: str, rows: int, columns: int, **margins: float) -> Sheet:
    width, height = PAGE_SIZES[page]
    return Sheet(width, height, rows, columns, **margins)


SHEET_PRESETS: dict[str, Sheet] = {
    # 70 x 37 mm (e.g. Avery 3474)
    "a4-3x8": _sheet("a4", 8, 3, margin_top=0.5, margin_bottom=0.5),
    # 63.5 x 38.1 mm (e.g. Avery L7160)
    "a4-3x7": _sheet(
        "a4",
        7,
        3,
        margin_top=15.15,
        margin_bottom=15.15,
        margin_left=7.25,
        margin_right=7.25,
        gap_x=2.5,
    ),
    # 48.5 x 25.4 mm (e.g. Avery L7636 class)
    "a4-4x10": _sheet(
        "a4", 10, 4, margin_top=21.5, margin_bottom=21.5, margin_left=8.0, margin_right=8.0
    ),
    # 2⅝ x 1 in (Avery 5160)
    "letter-3x10": _sheet(
        "letter",
        10,
        3,
        margin_top=12.7,
        margin_bottom=12.7,
        margin_left=4.7625,
        margin_right=4.7625,
        gap_x=3.175,
    ),
}
SINGLE_PRESETS: dict[str, tuple[float, float]] = {
    "50x25": (50.0, 25.0),
    "57x32": (57.0, 32.0),
    "100x50": (100.0, 50.0),
}
DEFAULT_PRESET = {"sheet": "a4-3x8", "single": "50x25"}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*[x\u00d7]\s*(\d+(?:\.\d+)?)\s*(?:mm)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Layout:
    """Where each label goes: a sheet (``sheet``) or one label per page (``size``)."""

    sheet: Sheet | None = None
    size: tuple[float, float] | None = None
    start: int = 1  # the first cell to use on the first sheet (1-based)

    @property
    def page_size(self) -> tuple[float, float]:
        if self.sheet is not None:
            return self.sheet.page_width, self.sheet.page_height
        assert self.size is not None
        return self.size

    @property
    def per_page(self) -> int:
        return self.sheet.per_page if self.sheet is not None else 1

    def place(self, count: int) -> Iterator[tuple[int, Box]]:
        """(page number from 0, label box on that page) for each of ``count`` labels."""
        if self.sheet is None:
            assert self.size is not None
            for page in range(count):
                yield page, Box(0.0, 0.0, *self.size)
            return
        for i in range(count):
            page, index = divmod(self.start - 1 + i, self.sheet.per_page)
            yield page, self.sheet.cell(index)

    def pages(self, count: int) -> int:
        return (self.start - 1 + count + self.per_page - 1) // self.per_page if count else 0


def layout(
    kind: str = "sheet",
    preset: str | None = None,
    *,
    start: int = 1,
    sheet: Sheet | None = None,
    size: tuple[float, float] | None = None,
) -> Layout:
    """A checked layout: ``kind`` ``sheet`` (a preset name or an explicit ``sheet``) or
    ``single`` (a preset, ``WxH`` in mm, or ``size``), starting at cell ``start``."""
    if kind not in LAYOUTS:
        raise Invalid("unknown layout", [Problem("layout", f"choose one of {', '.join(LAYOUTS)}")])
    if kind == "single":
        if size is None:
            name = preset or DEFAULT_PRESET["single"]
            size = SINGLE_PRESETS.get(name) or _parse_size(name)
        width, height = size
        if width < MIN_LABEL_MM[0] or height < MIN_LABEL_MM[1] or width > 300 or height > 300:
            raise Invalid(
                "the label size does not fit",
                [Problem("preset", f"a label is between {MIN_LABEL_MM[0]:g} x "
                         f"{MIN_LABEL_MM[1]:g} and 300 x 300 mm, not {width:g} x {height:g}")],
            )  # fmt: skip
        if start != 1:
            raise Invalid("start applies to sheets", [Problem("start", "single labels start at 1")])
        return Layout(size=(width, height))
    if sheet is None:
        name = preset or DEFAULT_PRESET["sheet"]
        if name not in SHEET_PRESETS:
            known = ", ".join(SHEET_PRESETS)
            raise Invalid("unknown sheet", [Problem("preset", f"{name!r}: choose one of {known}")])
        sheet = SHEET_PRESETS[name]
    sheet.check()
    if not 1 <= start <= sheet.per_page:
        raise Invalid(
            "start outside the sheet",
            [Problem("start", f"a position from 1 to {sheet.per_page}, not {start}")],
        )
    return Layout(sheet=sheet, start=start)


def _parse_size(text: str) -> tuple[float, float]:
    match = _SIZE.fullmatch(text)
    if not match:
        known = ", ".join(SINGLE_PRESETS)
        raise Invalid(
            "unknown label size", [Problem("preset", f"{text!r}: choose {known} or WxH in mm")]
        )
    return float(match.group(1)), float(match.group(2))


@dataclass(frozen=True)
class Regions:
    """Inside one label (mm from its top-left corner): where each part goes."""

    text: Box
    code128: Box
    matrix: Box | None  # the DataMatrix, a square
    qr: Box | None  # the Digital Link QR, a square
    human: Box | None  # the ``(01)… (21)…`` line
    font_size: float = field(default=7.0)  # points


def regions(width: float, height: float, label: Label) -> Regions:
    """Split a ``width`` x ``height`` mm label: text on top, Code 128 below it on the left,
    the DataMatrix (and QR) squares on the right, the GS1 line at the bottom."""
    pad = max(1.5, min(width, height) * 0.06)
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    human_h = min(3.0, inner_h * 0.12) if label.elements else 0.0
    squares = (1 if label.elements else 0) + (1 if label.digital_link else 0)
    side = min(inner_h - human_h, inner_w * (0.30 if squares == 1 else 0.22)) if squares else 0.0
    right = squares * (side + pad)
    left_w = inner_w - right
    text_h = (inner_h - human_h) * 0.45
    font = max(4.5, min(9.0, text_h / (1 + len(label.lines)) * 2.83465 * 0.9))
    code_top = pad + text_h
    code_h = inner_h - human_h - text_h
    matrix = qr = None
    if label.elements:
        matrix = Box(width - pad - side, pad, side, side)
        if label.digital_link:
            qr = Box(width - pad - 2 * side - pad, pad, side, side)
    human = Box(pad, height - pad - human_h, inner_w, human_h) if label.elements else None
    return Regions(
        Box(pad, pad, left_w, text_h), Box(pad, code_top, left_w, code_h), matrix, qr, human,
        font,
    )  # fmt: skip
