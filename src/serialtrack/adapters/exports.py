"""A report (``domain.reports.Report``) written as CSV, XLSX or PDF.

- CSV: UTF-8, a header row, ISO dates; text cells safe from formula injection.
- XLSX: one sheet named after the report, a bold frozen header, column widths from the
  report, dates and times as real date cells (so a spreadsheet sorts and filters them as
  dates), counts as numbers; text stored as text (never a formula) and made safe as in CSV.
  Written with openpyxl's write-only mode, so a large report streams in flat memory.
- PDF: A4 landscape, the title and what the report covers at the top, the column titles
  repeated on every page, long cells wrapped, page numbers; at most ``PDF_MAX_ROWS`` rows (a
  last line says how many more the CSV and XLSX hold).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import IO, Any, BinaryIO

from serialtrack.adapters.files import safe_cell
from serialtrack.domain.reports import Report, text, typed

FORMATS = ("csv", "xlsx", "pdf")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
PDF_MAX_ROWS = 5_000
CHUNK_ROWS = 1_000


def filename(report: Report, fmt: str) -> str:
    return f"{report.name}.{fmt}"


# CSV ----------------------------------------------------------------------------------
def csv_chunks(report: Report) -> Iterator[str]:
    """The report as CSV text, a thousand rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.title for c in report.columns])
    for count, row in enumerate(typed(report), 1):
        writer.writerow([_csv_cell(v) for v in row])
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return safe_cell(value)


def write_csv(report: Report, out: IO[str]) -> int:
    """Write the CSV into a text file; the number of rows written."""
    writer = csv.writer(out)
    writer.writerow([c.title for c in report.columns])
    rows = 0
    for row in typed(report):
        writer.writerow([_csv_cell(v) for v in row])
        rows += 1
    return rows


# XLSX ---------------------------------------------------------------------------------
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def write_xlsx(report: Report, out: BinaryIO) -> int:
    """Write the workbook into a binary file; the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(report.title))
    for index, column in enumerate(report.columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width + 2
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in report.columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in typed(report):
        cells = []
        for value in row:
            cells.append(_xlsx_cell(sheet, value, WriteOnlyCell))
        sheet.append(cells)
        count += 1
    book.save(out)
    return count


def _xlsx_cell(sheet: Any, value: Any, make: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # spreadsheets have no time zones: UTC, as shown
            value = value.astimezone(UTC).replace(tzinfo=None)
        cell = make(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = make(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if value is None or isinstance(value, bool | int | float):
        return make(sheet, value=value)
    cell = make(sheet, value=safe_cell(value))
    cell.data_type = "s"  # text is text: never read as a formula
    return cell


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Report")[:31]


def xlsx_chunks(report: Report) -> Iterator[bytes]:
    """The workbook's bytes, written to a temporary file first (a zip is finished only at
    its end) and then read out in chunks."""
    with tempfile.TemporaryFile() as spool:
        write_xlsx(report, spool)  # type: ignore[arg-type]
        spool.seek(0)
        while chunk := spool.read(1 << 16):
            yield chunk


# PDF ----------------------------------------------------------------------------------
def write_pdf(report: Report, out: BinaryIO, *, printed_at: datetime | None = None) -> int:
    """Draw the report on A4 landscape pages; the number of rows drawn."""
    pages = _PdfPages(report, out, printed_at or datetime.now(UTC))
    return pages.draw()


class _PdfPages:
    SIZE, LEADING = 7.5, 9.0

    def __init__(self, report: Report, out: BinaryIO, printed_at: datetime) -> None:
        from reportlab.lib.colors import Color
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.lib.units import mm
        from reportlab.pdfgen.canvas import Canvas

        from serialtrack.adapters.printing.document_pdf import fonts

        self.report = report
        self.regular, self.bold = fonts()
        self.grey, self.rule = Color(0.45, 0.45, 0.45), Color(0.7, 0.7, 0.7)
        self.width, self.height = landscape(A4)
        self.margin = 12 * mm
        self.canvas = Canvas(out, pagesize=(self.width, self.height), pageCompression=1,
                             invariant=1)  # fmt: skip
        self.canvas.setTitle(report.title)
        inner = self.width - 2 * self.margin
        total = sum(c.width for c in report.columns) or 1
        self.widths = [inner * c.width / total for c in report.columns]
        self.xs = [self.margin + sum(self.widths[:i]) for i in range(len(self.widths))]
        self.stamp = printed_at.strftime("%Y-%m-%d %H:%M UTC")
        self.page, self.y = 1, 0.0

    def text(self, x: float, y: float, words: str, *, bold: bool = False, size: float = SIZE,
             grey: bool = False) -> None:  # fmt: skip
        from reportlab.lib.colors import black

        self.canvas.setFont(self.bold if bold else self.regular, size)
        self.canvas.setFillColor(self.grey if grey else black)
        self.canvas.drawString(x, y, words)

    def split(self, words: str, width: float, *, bold: bool = False) -> list[str]:
        from reportlab.lib.utils import simpleSplit

        font = self.bold if bold else self.regular
        return list(simpleSplit(words, font, self.SIZE, width - 3))

    def header(self) -> None:
        for x, w, column in zip(self.xs, self.widths, self.report.columns, strict=True):
            for i, line in enumerate(self.split(column.title, w, bold=True)[:2]):
                self.text(x, self.y - i * self.LEADING, line, bold=True, grey=True)
        self.canvas.setStrokeColor(self.rule)
        rule_y = self.y - self.LEADING - 2
        self.canvas.line(self.margin, rule_y, self.width - self.margin, rule_y)
        self.y -= 2 * self.LEADING + 2

    def footer(self) -> None:
        self.text(self.margin, self.margin - 8, f"{self.report.title} · printed {self.stamp}",
                  size=7, grey=True)  # fmt: skip
        self.canvas.setFont(self.regular, 7)
        self.canvas.drawRightString(self.width - self.margin, self.margin - 8, f"page {self.page}")

    def first_page(self) -> None:
        self.y = self.height - self.margin - 4
        self.text(self.margin, self.y, self.report.title, bold=True, size=13)
        self.y -= 14
        if self.report.subtitle:
            self.text(self.margin, self.y, self.report.subtitle[:200], size=8.5, grey=True)
            self.y -= 12
        self.y -= 4
        self.header()

    def new_page(self) -> None:
        self.footer()
        self.canvas.showPage()
        self.page += 1
        self.y = self.height - self.margin - 4
        self.text(self.margin, self.y, f"{self.report.title} (continued)", bold=True, size=9)
        self.y -= 14
        self.header()

    def room(self, lines: int) -> None:
        if self.y - lines * self.LEADING < self.margin + 4:
            self.new_page()

    def row(self, row: list[Any]) -> None:
        cells = [self.split(text(v), w)[:6] or [""] for v, w in zip(row, self.widths, strict=True)]
        lines = max(len(c) for c in cells)
        self.room(lines)
        for x, cell in zip(self.xs, cells, strict=True):
            for i, line in enumerate(cell):
                self.text(x, self.y - i * self.LEADING, line)
        self.y -= lines * self.LEADING + 2

    def draw(self) -> int:
        self.first_page()
        drawn = more = 0
        for row in typed(self.report):
            if drawn >= PDF_MAX_ROWS:
                more += 1
                continue
            self.row(row)
            drawn += 1
        tail = [] if drawn else ["Nothing to show."]
        tail += list(self.report.footer)
        if more:
            tail.append(f"… and {more} more rows: the CSV and XLSX downloads hold them all.")
        for line in tail:
            self.room(1)
            self.text(self.margin, self.y - 2, line, bold=True, size=8.5)
            self.y -= self.LEADING + 3
        self.footer()
        self.canvas.showPage()
        self.canvas.save()
        return drawn


def pdf_bytes(report: Report, *, printed_at: datetime | None = None) -> bytes:
    out = io.BytesIO()
    write_pdf(report, out, printed_at=printed_at)
    return out.getvalue()


def chunks(report: Report, fmt: str) -> Iterator[bytes | str]:
    """The report in ``fmt`` (csv, xlsx or pdf), as chunks to stream out."""
    if fmt == "csv":
        return csv_chunks(report)
    if fmt == "xlsx":
        return xlsx_chunks(report)
    if fmt == "pdf":
        return iter([pdf_bytes(report)])
    raise ValueError(f"unknown format {fmt!r}")
