"""How the command line shows tables and writes reports to files.

- A table fits the terminal: Rich's console width (the terminal's, ``$COLUMNS``, or 80 when
  the output is not a terminal). A report keeps its essential columns and then the others,
  in order, while they fit; long cells wrap; a line says how many columns were left out.
- ``--wide`` shows every column at its full width, however long the lines get: on the root
  command (``serialtrack --wide ...``) for every table, or on each report and list command.
- ``--output/-o FILE`` writes the whole report instead of showing it: CSV, XLSX or PDF by
  the file's suffix, ``-`` for CSV on standard output. The report's filters are checked
  before the file is created, and the file appears whole or not at all.

A report is a ``domain.reports.Report`` (``inv.report_table(...)``), so the terminal, the
files and the web's downloads show the same columns; ``table`` turns an ad hoc list of rows
into one.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, Annotated, Any, BinaryIO, TypeVar

import typer
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from serialtrack.domain.reports import Column, Report, text, typed


def _console(**options: Any) -> Console:
    """A console as wide as the terminal (or ``$COLUMNS``) when it prints: Rich would keep
    the ``$COLUMNS`` it found when the console was made, and a test sets it per command."""
    console = Console(highlight=False, soft_wrap=True, **options)
    console.width = None  # type: ignore[assignment]
    return console


out = _console()
err = _console(stderr=True)

SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".pdf": "pdf"}
T = TypeVar("T")


@dataclass
class Screen:
    wide: bool = False  # the root command's --wide: every table at full width


screen = Screen()


def _check_output(value: Path | None) -> Path | None:
    """``--output`` checked as it is parsed, before anything is read or written."""
    if value is None or str(value) == "-":
        return value
    if value.suffix.lower() not in SUFFIXES:
        raise typer.BadParameter(f"{value}: give a file ending in .csv, .xlsx or .pdf, or '-'")
    if not value.parent.is_dir():
        raise typer.BadParameter(f"{value}: no folder {value.parent}")
    return value


WideOption = Annotated[
    bool, typer.Option("--wide", help="Show every column, however long the lines get.")
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", metavar="FILE", callback=_check_output,
        help="Write the whole report to FILE: .csv, .xlsx or .pdf ('-': CSV to stdout).",
    ),
]  # fmt: skip


def plural(count: int, word: str) -> str:
    """``1 unit``, ``2 units``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def say(words: str) -> None:
    """A line of text (not markup), wrapped at the terminal's width unless --wide."""
    out.print(words, markup=False, soft_wrap=screen.wide)


# on the screen ------------------------------------------------------------------------
@dataclass(frozen=True)
class Shown:
    rows: int  # rows shown
    more: bool  # the report had more rows than the limit
    hidden: int  # columns left out to fit the terminal


def show(
    report: Report, *, wide: bool = False, limit: int | None = None, footer: bool = True
) -> Shown:
    """Print ``report`` as a table (at most ``limit`` rows), its subtitle and footer."""
    wide = wide or screen.wide
    taken = list(islice(typed(report), None if limit is None else limit + 1))
    more = limit is not None and len(taken) > limit
    cells = [[_cell(v) for v in row] for row in taken[:limit]]
    columns = report.columns
    widths: dict[int, int | None] = (
        dict.fromkeys(range(len(columns))) if wide else _layout(columns, cells, out.width)
    )
    title = Text(report.title)
    if report.subtitle:  # what it covers: its filters, the batch's product...
        title.append("\n" + report.subtitle, style="dim")
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
        pad_edge=False, collapse_padding=True,
    )  # fmt: skip
    for i, width in widths.items():
        table.add_column(Text(columns[i].title), overflow="fold", width=width,
                         justify="right" if columns[i].kind == "int" else "left")  # fmt: skip
    for row in cells:
        table.add_row(*[Text(row[i]) for i in widths])
    _print(table, wide)
    for line in report.footer if footer else ():
        say(line)
    hidden = [c.title for i, c in enumerate(columns) if i not in widths]
    if hidden:
        _hint(hidden)
    return Shown(len(cells), more, len(hidden))


def table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, wide: bool = False
) -> None:
    """An ad hoc table: every column kept (long cells wrap), numbers right-aligned."""
    kinds = [
        "int" if any(v is not None for v in values)
        and all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in values)
        else "text"
        for values in zip(*rows, strict=True)
    ] or ["text"] * len(columns)  # fmt: skip
    report = Report(
        "table", title,
        tuple(Column(str(i), name, kind, essential=True)  # type: ignore[arg-type]
              for i, (name, kind) in enumerate(zip(columns, kinds, strict=True))),
        rows,
    )  # fmt: skip
    show(report, wide=wide)


def _cell(value: Any) -> str:
    if isinstance(value, datetime):  # a screen needs no seconds; the files keep them
        return value.strftime("%Y-%m-%d %H:%M")
    return text(value)


GAP = 2  # characters between two columns


def _longest(cell: str, *, words: bool = False) -> int:
    """The width of a cell's longest line (or word: where it wraps without breaking one)."""
    parts = cell.split() if words else cell.splitlines()
    return max((cell_len(part) for part in parts), default=1)


def _layout(columns: Sequence[Column], cells: list[list[str]], width: int) -> dict[int, int]:
    """The columns shown in ``width`` characters, and the width of each: the essential ones
    first, then the others while they fit (``_choose``), each as wide as its cells or, when
    they do not all fit, narrower (``_squeeze``)."""
    natural, least = [], []
    for i, column in enumerate(columns):
        shown = [column.title, *(row[i] for row in cells)]
        natural.append(max(_longest(cell) for cell in shown))
        least.append(max(_longest(cell, words=True) for cell in shown))
    # what a column needs when choosing: its cells, but no more than the report's width for
    # it (its longer cells wrap), nor less than its longest word
    budget = [max(least[i], min(c.width, natural[i])) for i, c in enumerate(columns)]
    filled = [any(row[i] for row in cells) for i in range(len(columns))]
    chosen = _choose(columns, budget, filled, width)
    room = width - GAP * (len(chosen) - 1)
    squeezed = _squeeze([natural[i] for i in chosen], [least[i] for i in chosen], room)
    return dict(zip(chosen, squeezed, strict=True))


def _choose(
    columns: Sequence[Column], widths: list[int], filled: list[bool], width: int
) -> list[int]:
    """``Report.narrow``'s choice for these columns' widths and this table's gaps: every
    column if they all fit, else the essential ones and then the others that have something
    to show, in order, while they fit."""

    def need(chosen: list[int]) -> int:
        return sum(widths[i] for i in chosen) + GAP * (len(chosen) - 1)

    every = list(range(len(columns)))
    if need(every) <= width:
        return every
    chosen = [i for i, c in enumerate(columns) if c.essential] or [0]
    for i in every:
        if i not in chosen and filled[i] and need([*chosen, i]) <= width:
            chosen.append(i)
    return sorted(chosen)


def _squeeze(natural: list[int], least: list[int], room: int) -> list[int]:
    """Column widths within ``room``: as wide as their cells while they fit, else the widest
    made narrower first, down to their longest word (cells wrap between words), and only
    then narrower still (a word is cut)."""
    widths = list(natural)
    for floor in (least, [1] * len(widths)):
        while sum(widths) > room:
            over = [i for i, w in enumerate(widths) if w > floor[i]]
            if not over:
                break
            widest = max(over, key=lambda i: widths[i])
            widths[widest] -= 1
    return widths


def _print(table: Table, wide: bool) -> None:
    if not wide:
        out.print(table)  # its columns' widths fit the console's
        return
    console = Console(
        file=out.file, width=1_000_000, highlight=False, soft_wrap=True,
        force_terminal=out.is_terminal, color_system=out.color_system,  # type: ignore[arg-type]
    )  # fmt: skip
    console.print(table)


def _hint(hidden: list[str]) -> None:
    words = f"{len(hidden)} more column{'s' if len(hidden) > 1 else ''}"
    named = f"{words} ({', '.join(hidden)}): use --wide or --output FILE"
    say(named if len(named) <= out.width else f"{words}: use --wide or --output FILE")


# into a file --------------------------------------------------------------------------
def write(report: Report, path: Path) -> int:
    """Write ``report`` to ``path`` (CSV, XLSX or PDF by its suffix; ``-``: CSV to stdout),
    whole or not at all; say how many rows."""
    from serialtrack.adapters import exports
    from serialtrack.adapters.files import write_atomically

    if str(path) == "-":
        return exports.write_csv(report, sys.stdout)
    fmt = SUFFIXES[path.suffix.lower()]

    def fill(file: BinaryIO) -> int:
        if fmt == "xlsx":
            return exports.write_xlsx(report, file)
        if fmt == "pdf":
            return exports.write_pdf(report, file)
        return _text(file, lambda stream: exports.write_csv(report, stream))

    count = write_atomically(str(path), fill)
    out.print(f"{plural(count, 'row')} written to {path}", markup=False)
    return count


def write_text(path: Path, fill: Callable[[IO[str]], T]) -> T:
    """Call ``fill`` with a UTF-8 text file (no newline translation, as ``csv`` wants) that
    becomes ``path`` when it returns: whole or not at all."""
    from serialtrack.adapters.files import write_atomically

    return write_atomically(str(path), lambda file: _text(file, fill))


def _text(file: BinaryIO, fill: Callable[[IO[str]], T]) -> T:
    stream = io.TextIOWrapper(file, encoding="utf-8", newline="")
    try:
        return fill(stream)
    finally:
        stream.flush()
        stream.detach()


def emit(
    report: Report, output: Path | None, *, wide: bool = False, limit: int | None = None
) -> Shown | None:
    """The report into ``output`` when given, else on the screen."""
    if output is not None:
        write(report, output)
        return None
    return show(report, wide=wide, limit=limit)


# --help -------------------------------------------------------------------------------
def quiet_flags() -> None:
    """Typer shows a flag's type as ``<bool>`` in --help, as if it took a value: show none."""
    try:
        from typer.core import TyperOption
    except ImportError:  # pragma: no cover - another Typer
        return
    shown = getattr(TyperOption, "display_type_rich", None)
    if shown is None or getattr(shown, "quiet_flags", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        return None if getattr(self, "is_flag", False) else shown(self, ctx)

    display_type_rich.quiet_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


quiet_flags()
