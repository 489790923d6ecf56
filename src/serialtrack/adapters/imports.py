"""Bulk serial import, the file half: a CSV or XLSX file read into checked rows.

The downloadable template (``template_csv``, ``template_xlsx``) has the columns::

    sku, product name, location, serial, batch, expiry, quantity

One row per unit of a serial product (its serial; its batch too when the product is tracked by
serial and batch); one row per batch code and quantity of a batch product; a quantity of a
quantity-only product.

``read_rows`` reads such a file whole and returns a ``FileRead``: the good rows, every problem
found (each naming its row as a spreadsheet shows it, ``row 7`` or ``row 7, expiry``), warnings
that do not stop the import, and the columns recognised. It needs no database: whether a SKU
exists, a location exists, a serial is already known, or which of serial, batch and quantity a
row's product needs, is for the caller to check against storage, with the rows' numbers to name.

Reading rules:

- **Format.** XLSX when the bytes start with the zip signature ``PK\\x03\\x04`` or the name ends
  in ``.xlsx``/``.xlsm``; otherwise CSV. An old binary ``.xls`` is refused with advice.
- **CSV text.** UTF-8 with or without a BOM; UTF-16 with a BOM (Excel's "Unicode text");
  anything else is read as Windows-1252 (Latin-1 where that fails) with a warning. The
  separator is the most frequent of ``,`` ``;`` and tab in the header line (``,`` when none).
- **XLSX.** The first worksheet, cell values (cached results of formulas).
- **Header.** The first row that is not blank. Names match ignoring case, surrounding space and
  ``_``/space differences (``Product_Name`` is ``product name``); ``serial number``,
  ``expiry date``, ``qty``, ``lot``, ``batch code`` and the like are accepted too. ``sku`` is
  required, and at least one of ``serial``, ``batch`` and ``quantity``; ``location`` may be
  missing when the caller names one location for the whole file. Unknown columns are ignored
  and named in a warning.
- **Rows.** Numbered as a spreadsheet shows them (the header is row 1, so the first data row is
  row 2); fully blank rows are skipped. Text is trimmed; a leading apostrophe that our own
  exports put before formula-like text (see ``files.safe_cell``) is taken off again.
- **Serial.** Checked by ``code_problem``; an integral number cell (``12345.0``) reads as
  ``12345``. A number of 16 or more digits is refused: Excel keeps only 15, so it may already
  be rounded. Two rows with the same SKU and the same serial (by ``code_key``) are a problem
  naming both rows. A row with none of serial, batch and quantity is refused ("the serial is
  missing").
- **Batch.** Read like a serial (it is a code too); rows may repeat it (their quantities add
  up, or they are the serials of one batch).
- **Expiry.** A date cell; an Excel date number (``45678``) in an XLSX; or text in one of
  ``YYYY-MM-DD`` (optionally followed by a time, which is ignored), ``DD.MM.YYYY`` or
  ``DD/MM/YYYY`` (day first: ``03/04/2025`` is 3 April, and ``12/31/2025`` is refused with a
  hint). Anything else is refused with the accepted forms.
- **Quantity.** Empty, or a whole number from 1 to ``MAX_QUANTITY``.

A row with any problem is left out of ``FileRead.rows``; since an import goes in whole or not at
all, a caller refuses the file when ``FileRead.problems`` is not empty. At most ``MAX_ROWS``
data rows are read; more is a problem and reading stops there. Limiting the file's size in
bytes is the caller's job.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple, TypeVar

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from serialtrack.adapters.files import FORMULA_STARTS
from serialtrack.domain.codes import MAX_CODE_LENGTH, code_key, code_problem
from serialtrack.domain.errors import Problem
from serialtrack.domain.posting import MAX_QUANTITY

COLUMNS = ("sku", "product name", "location", "serial", "batch", "expiry", "quantity")
"""The template's columns, in order; also the names ``FileRead.columns`` uses."""

REQUIRED_COLUMNS = ("sku",)
WHAT_COLUMNS = ("serial", "batch", "quantity")
"""A header needs at least one of these: what each row brings in."""

MAX_ROWS = 1_000_000
"""The most data rows one file may hold."""

PROGRESS_EVERY = 1000
"""``on_row`` is called each time this many more data rows have been read."""

DATE_FORMS = "YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY"

_ALIASES = {
    "serial number": "serial",
    "serial no": "serial",
    "expiry date": "expiry",
    "qty": "quantity",
    "batch code": "batch",
    "batch number": "batch",
    "batch no": "batch",
    "lot": "batch",
    "lot code": "batch",
    "lot number": "batch",
    "lot no": "batch",
}
_XLSX_SIGNATURE = b"PK\x03\x04"
_XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XLSX_NAMES = (".xlsx", ".xlsm")
_DELIMITERS = (",", ";", "\t")
_QUOTED = re.compile(r'"[^"]*"')
_FIRST_LINE = re.compile(r"[^\r\n]*\S[^\r\n]*")
_SPACING = re.compile(r"[\s_]+")
_WHOLE = re.compile(r"[0-9]+")
_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_DATE_PATTERNS = (  # tried in this order when the text holds the separator
    ("-", re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})" + _TIME)),
    (".", re.compile(r"(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})")),
    ("/", re.compile(r"(?P<d>[0-9]{1,2})/(?P<m>[0-9]{1,2})/(?P<y>[0-9]{4})")),
)
_EXCEL_DAYS = (1, 2958466)  # 1900-01-01 up to 9999-12-31 as Excel day numbers
_EXCEL_DIGITS = 15
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One good data row; ``row`` is its number as a spreadsheet shows it (header = 1)."""

    row: int
    sku: str
    product_name: str | None
    location: str | None
    serial: str  # "" when the row names none (a batch product's or a quantity-only row)
    expiry: date | None
    quantity: int | None
    batch: str | None = None  # a batch product's code, or a serial+batch unit's batch


@dataclass
class FileRead:
    """What ``read_rows`` found: good rows, problems, warnings and the recognised columns.

    ``columns`` names the recognised columns in file order, spelled as in ``COLUMNS``.
    """

    rows: list[ImportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file holds no problem (it may still hold no rows)."""
        return not self.problems


# --- templates -----------------------------------------------------------------------------

_EXAMPLES: tuple[tuple[str, str, str, str, str, date | None, int | None], ...] = (
    ("PHONE-X1", "Phone X1 128 GB", "Main store", "SN-000123", "", None, None),
    ("PARA-500", "Paracetamol 500 mg", "Main store", "", "LOT-2024-07", date(2026, 12, 31), 100),
    ("PEN-30", "Insulin pen", "Main store", "PEN-000001", "L2501", date(2027, 6, 30), None),
    ("CABLE-1M", "USB cable 1 m", "Main store", "", "", None, 25),
)
_WIDTHS = (16, 30, 18, 24, 18, 12, 10)
_HELP = (
    ("column", "what to write"),
    ("sku", "required: the product's SKU"),
    ("product name", "optional, for your reference"),
    ("location", "where the units are; may be left empty when the import names one location"),
    (
        "serial",
        "serial products: one row per unit with its serial; keep the column formatted as text",
    ),
    (
        "batch",
        "batch products: the batch (lot) code, with its quantity; rows of the same batch add "
        "up. Serial+batch products: each unit's batch. Empty for other products",
    ),
    (
        "expiry",
        f"a date cell, or text as {DATE_FORMS}; a serial's expiry, or its batch's; rows of "
        "one batch give the same date (or leave it empty)",
    ),
    (
        "quantity",
        "batch and quantity-only products: how many units; empty or 1 for a serial",
    ),
)


def template_csv() -> bytes:
    """The import template as CSV: UTF-8 with a BOM (so Excel reads it as UTF-8), two examples."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for example in _EXAMPLES:
        expiry = example[5].isoformat() if example[5] else ""
        writer.writerow([*example[:5], expiry, "" if example[6] is None else example[6]])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The import template as XLSX: a bold header, two examples, a help sheet.

    The serial column is formatted as text (``@``) so Excel keeps leading zeros and long
    numbers; the expiry column as ``yyyy-mm-dd``.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "serials"
    sheet.append(list(COLUMNS))
    for example in _EXAMPLES:
        sheet.append([cell if cell != "" else None for cell in example])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for name, number_format in (("serial", "@"), ("batch", "@"), ("expiry", "yyyy-mm-dd")):
        column = COLUMNS.index(name) + 1
        sheet.column_dimensions[get_column_letter(column)].number_format = number_format
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = number_format
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet("help")
    for line in _HELP:
        help_sheet.append(list(line))
    help_sheet["A1"].font = help_sheet["B1"].font = Font(bold=True)
    help_sheet.column_dimensions["A"].width = 14
    help_sheet.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    book.close()
    return out.getvalue()


# --- reading -------------------------------------------------------------------------------


def read_rows(
    data: bytes,
    filename: str = "",
    *,
    on_row: Callable[[int], None] | None = None,
    max_rows: int = MAX_ROWS,
) -> FileRead:
    """Read an import file (CSV or XLSX, see the module doc) into rows and all its problems.

    ``on_row`` is called with the number of data rows read so far every ``PROGRESS_EVERY`` rows
    and once more at the end, for a progress bar. More than ``max_rows`` data rows is a problem.
    """
    reader = _Reader(on_row, max_rows)
    if data.startswith(_XLS_SIGNATURE):
        message = "this is an old Excel .xls file: save it as .xlsx or CSV and import that"
        reader.result.problems.append(Problem("file", message, "format"))
    elif data.startswith(_XLSX_SIGNATURE) or filename.casefold().endswith(_XLSX_NAMES):
        _read_xlsx(data, reader)
    else:
        _read_csv(data, reader)
    return reader.result


def _read_csv(data: bytes, reader: _Reader) -> None:
    try:
        text, used = _decode(data)
    except UnicodeDecodeError:
        message = "the file starts like UTF-16 text but is not valid UTF-16"
        reader.result.problems.append(Problem("file", message, "encoding"))
        return
    if used:
        reader.result.warnings.append(
            f"the file is not UTF-8, so it was read as {used}; if letters look wrong, "
            "save it as CSV UTF-8 and import it again"
        )
    first = _FIRST_LINE.search(text)
    delimiter = _sniff(first.group() if first else "")
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    reader.read(_numbered(rows, reader.result.problems, csv.Error, "CSV"))


def _decode(data: bytes) -> tuple[str, str | None]:
    """The text of ``data`` and, when it was not UTF-8, the encoding it was read in."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def _sniff(line: str) -> str:
    """The separator of a header line: the most frequent of , ; and tab outside quotes."""
    bare = _QUOTED.sub("", line)
    counts = {delimiter: bare.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _read_xlsx(data: bytes, reader: _Reader) -> None:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # any failure on untrusted input means "unreadable"
        message = f"could not read the file as XLSX ({type(error).__name__}: {error})"
        reader.result.problems.append(Problem("file", message, "format"))
        return
    try:
        if not book.worksheets:
            reader.result.problems.append(Problem("file", "the workbook has no worksheet"))
            return
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers store wrong dimensions; read every row
        reader.epoch = book.epoch
        rows = iter(sheet.iter_rows(values_only=True))
        reader.read(_numbered(rows, reader.result.problems, Exception, "XLSX"))
    finally:
        book.close()


def _numbered(
    rows: Iterator[Sequence[object]],
    problems: list[Problem],
    errors: type[Exception],
    kind: str,
) -> Iterator[tuple[int, Sequence[object]]]:
    """Rows with their numbers from 1; a row that cannot be parsed ends the file with a problem."""
    number = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except errors as error:
            message = f"could not read the {kind}: {error}"
            problems.append(Problem(f"row {number + 1}", message, "format"))
            return
        number += 1
        yield number, cells


# --- rows ----------------------------------------------------------------------------------


class _Reader:
    """Turns numbered rows into a ``FileRead``: header first, then one checked row at a time."""

    def __init__(self, on_row: Callable[[int], None] | None, max_rows: int) -> None:
        self.result = FileRead()
        self.on_row = on_row
        self.max_rows = max_rows
        self.epoch: datetime | None = None  # set for XLSX: Excel date numbers count from it
        self.positions: tuple[int, ...] = ()  # of each of COLUMNS, -1 when absent
        self.ignored: list[int] = []  # header positions whose values are ignored
        self.width = 0  # of the header row
        self.seen: dict[tuple[str, str], tuple[int, str]] = {}  # (sku, code key): (row, code)
        self.count = 0
        self.warned_ignored = False

    def read(self, records: Iterable[tuple[int, Sequence[object]]]) -> None:
        records = iter(records)
        if not self._find_header(records):
            return
        for number, cells in records:
            if _blank(cells):
                continue
            self.count += 1
            if self.count > self.max_rows:
                message = (
                    f"the file has more than {self.max_rows:,} rows; "
                    "split it and import at most that many at once"
                )
                self.result.problems.append(Problem(f"row {number}", message, "too-many"))
                return
            self._row(number, cells)
            if self.on_row and self.count % PROGRESS_EVERY == 0:
                self.on_row(self.count)
        if self.on_row and self.count % PROGRESS_EVERY:
            self.on_row(self.count)

    def _find_header(self, records: Iterator[tuple[int, Sequence[object]]]) -> bool:
        for number, cells in records:
            if not _blank(cells):
                return self._header(number, cells)
        if not self.result.problems:
            message = "the file is empty: it needs a header row naming at least sku and serial"
            self.result.problems.append(Problem("file", message, "empty"))
        return False

    def _header(self, number: int, cells: Sequence[object]) -> bool:
        """Map the header's columns; False (with a problem) when the file cannot be read on."""
        unknown: list[str] = []
        first_at: dict[str, int] = {}
        problems = self.result.problems
        for position, cell in enumerate(cells):
            raw = _text(cell)
            name = _column_name(raw) if raw else None
            if raw is None:
                self.ignored.append(position)
            elif name is None:
                unknown.append(raw)
            elif name in first_at:
                letters = f"{_letter(first_at[name])} and {_letter(position)}"
                message = f"two {name} columns: {letters}"
                problems.append(Problem(f"row {number}", message, "column"))
            else:
                first_at[name] = position
        self.positions = tuple(first_at.get(column, -1) for column in COLUMNS)
        self.width = len(cells)
        self.result.columns = list(first_at)
        if unknown:
            self.result.warnings.append(f"ignored unknown columns: {', '.join(unknown)}")
        for name in REQUIRED_COLUMNS:
            if name not in first_at:
                found = ", ".join(self.result.columns) or "none"
                message = f"the header has no {name} column (recognised columns: {found})"
                problems.append(Problem(f"row {number}", message, "column"))
        if "sku" in first_at and not any(name in first_at for name in WHAT_COLUMNS):
            found = ", ".join(self.result.columns)
            message = (
                f"the header has no serial column, nor batch or quantity (recognised columns: "
                f"{found})"
            )
            problems.append(Problem(f"row {number}", message, "column"))
        return not problems

    def _row(self, number: int, cells: Sequence[object]) -> None:
        """Check one data row; keep it when good, note every problem when not."""
        width = len(cells)
        sku, name, location, serial, batch, expiry, quantity = (
            cells[position] if 0 <= position < width else None for position in self.positions
        )
        lot_read = _code(batch, "batch", "batch code")
        count_read = _quantity(quantity)
        problems: list[Problem] = []
        sku_text = _take(_sku(sku), number, "sku", problems)
        code = _take(_code(serial, "serial", "serial"), number, "serial", problems)
        if code == _ABSENT:  # a batch or a quantity: which one the product needs is not ours
            if lot_read == _ABSENT and not isinstance(count_read, int):
                missing = Problem(f"row {number}, serial", "the serial is missing", "required")
                problems.append(missing)
        elif sku_text is not None and code is not None:
            code = _take(self._first_time(number, sku_text, code), number, "serial", problems)
        lot = _take(lot_read, number, "batch", problems)
        when = _take(_expiry(expiry, self.epoch), number, "expiry", problems)
        count = _take(count_read, number, "quantity", problems)
        if (self.ignored or width > self.width) and not self.warned_ignored:
            self._check_ignored(number, cells)
        if problems:
            self.result.problems.extend(problems)
            return
        assert sku_text is not None
        assert code is not None
        row = ImportRow(
            number, sku_text, _text(name), _text(location), code, when, count,
            lot or None,
        )  # fmt: skip
        self.result.rows.append(row)

    def _first_time(self, number: int, sku: str, code: str) -> str | _Refusal:
        """``code``, or a refusal naming the earlier row of the same SKU with the same code."""
        key = (sku, code_key(code))
        first = self.seen.get(key)
        if first is None:
            self.seen[key] = (number, code)
            return code
        first_number, first_code = first
        spelled = f" ({first_code})" if first_code != code else ""
        return _Refusal(f"{code} repeats row {first_number}{spelled}", "duplicate")

    def _check_ignored(self, number: int, cells: Sequence[object]) -> None:
        """Warn once when a row has values in columns without a recognised header."""
        ignored = [*self.ignored, *range(self.width, len(cells))]
        if any(_text(cells[i]) is not None for i in ignored if i < len(cells)):
            self.warned_ignored = True
            self.result.warnings.append(
                f"row {number} (and maybe others) has values in columns without a recognised "
                "header; they were ignored"
            )


class _Refusal(NamedTuple):
    """Why a cell is refused; ``_take`` turns it into a ``Problem`` naming row and column."""

    message: str
    code: str


def _take(value: _T | _Refusal, number: int, column: str, problems: list[Problem]) -> _T | None:
    """``value``, or None after noting it in ``problems`` when it is a refusal."""
    if isinstance(value, _Refusal):
        problems.append(Problem(f"row {number}, {column}", value.message, value.code))
        return None
    return value


def _letter(position: int) -> str:
    return get_column_letter(position + 1)


def _column_name(raw: str) -> str | None:
    name = _SPACING.sub(" ", raw.strip().lstrip("\ufeff").casefold()).strip()
    name = _ALIASES.get(name, name)
    return name if name in COLUMNS else None


def _blank(cells: Sequence[object]) -> bool:
    for cell in cells:
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            return False
    return True


def _text(value: object) -> str | None:
    """A cell as trimmed text, None when empty; integral numbers without ``.0``."""
    if type(value) is str:
        text = value
        if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
            text = text[1:]  # undo files.safe_cell
    elif value is None:
        return None
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    else:
        text = str(value)
    return text.strip() or None


def _sku(value: object) -> str | _Refusal:
    text = _text(value)
    return _Refusal("the sku is missing", "required") if text is None else text


_ABSENT = ""
"""What ``_code`` gives for an empty cell (``_take`` keeps None for a refused one)."""


def _code(value: object, column: str, name: str) -> str | _Refusal:
    """A serial or batch code (``column`` names the column, ``name`` the thing); ``_ABSENT``
    when the cell is empty."""
    refusal = None if type(value) is str else _code_cell_refusal(value, column, name)
    if refusal:
        return refusal
    text = _text(value)
    if text is None:
        return _ABSENT
    if text.isprintable() and len(text) <= MAX_CODE_LENGTH:
        return text  # what code_problem accepts, decided faster: no control character
    problem = code_problem(text)
    if problem is None:
        return text
    return _Refusal(problem.message.replace("the serial code", f"the {column} code"), column)


def _code_cell_refusal(value: object, column: str, name: str) -> _Refusal | None:
    """Why a cell that is not text cannot be a serial or batch code, if it cannot."""
    if isinstance(value, bool | date | time | timedelta):
        kind = "true/false" if isinstance(value, bool) else "date or time"
        message = f"the {name} is a {kind} cell ({value}), not a code: format the column as text"
        return _Refusal(message, column)
    if isinstance(value, int | float) and abs(value) >= 10**_EXCEL_DIGITS:
        shown = value if isinstance(value, int) else f"{value:.15g}"
        message = (
            f"the {name} {shown} is a number of more than {_EXCEL_DIGITS} digits, which "
            f"Excel rounds: format the {column} column as text and enter the {name} again"
        )
        return _Refusal(message, column)
    return None


def _expiry(value: object, epoch: datetime | None) -> date | _Refusal | None:
    if type(value) is str:
        text = value.strip()
        read = text_date(text) if text else None
        return _Refusal(read, "date") if isinstance(read, str) else read
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and epoch is not None:
        low, high = _EXCEL_DAYS
        if low <= value < high:
            return from_excel(value, epoch).date()
        return _Refusal(f"{value} is not an Excel date number", "date")
    return _Refusal(f"{value} is not a date: write it as {DATE_FORMS}", "date")


def text_date(text: str) -> date | str:
    """The date ``text`` writes as YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY, or why it is not one."""
    text = text.strip()
    for separator, pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text) if separator in text else None
        if match:
            year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
            break
    else:
        return f"{text!r} is not a date: write it as {DATE_FORMS}"
    if "/" in text and month > 12 and day <= 12:
        return (
            f"{text!r} is not a date: dates with / are read day first (DD/MM/YYYY) and "
            f"{month} is not a month; write {year:04}-{day:02}-{month:02} if that is meant"
        )
    try:
        return date(year, month, day)
    except ValueError as error:
        return f"{text!r} is not a date: {error}"


def _quantity(value: object) -> int | _Refusal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number: int | None = None
    if isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None:
        shown = value.strip() if isinstance(value, str) else value
        return _Refusal(f"the quantity {shown!r} is not a whole number", "quantity")
    if not 1 <= number <= MAX_QUANTITY:
        message = f"the quantity must be from 1 to {MAX_QUANTITY:,}, not {number:,}"
        return _Refusal(message, "quantity")
    return number
