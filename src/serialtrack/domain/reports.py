"""A report as a table: titled, typed columns and rows, ready for any writer.

Every report and list (serial report, stock, journal, recall, ...) can be given as a
``Report``; the writers in ``adapters/exports.py`` turn it into CSV, XLSX or PDF, the CLI into
a terminal table. The column's ``kind`` says how a writer shows it (a ``date`` is a date cell
in XLSX, right-aligned numbers in a terminal), ``width`` is its width in characters and
``essential`` marks the columns a narrow terminal keeps when it cannot show them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

Kind = Literal["text", "int", "date", "datetime", "bool"]


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: Kind = "text"
    width: int = 14  # characters: what a spreadsheet shows, what a terminal aims for
    essential: bool = False


@dataclass
class Report:
    """A table of rows: ``rows`` may be an iterator, read once, so a large report streams."""

    name: str  # the file name's stem: "stock", "journal", "recall"
    title: str
    columns: tuple[Column, ...]
    rows: Iterable[Sequence[Any]]
    subtitle: str = ""  # what it covers, in words ("as of 2026-12-01", "batch LOT-8")
    footer: tuple[str, ...] = field(default_factory=tuple)  # totals, in words

    def narrow(self, width: int) -> tuple[Column, ...]:
        """The columns that fit ``width`` characters: all of them if they fit, else the
        essential ones and then the others in order while they fit (at least one)."""
        return tuple(self.columns[i] for i in self.narrow_indexes(width))

    def narrow_indexes(self, width: int) -> list[int]:
        needed = sum(c.width + 3 for c in self.columns) + 1
        if needed <= width:
            return list(range(len(self.columns)))
        chosen = [i for i, c in enumerate(self.columns) if c.essential] or [0]
        used = sum(self.columns[i].width + 3 for i in chosen) + 1
        for i, c in enumerate(self.columns):
            if i not in chosen and used + c.width + 3 <= width:
                chosen.append(i)
                used += c.width + 3
        return sorted(chosen)


def text(value: Any) -> str:
    """A cell as a person reads it: empty for nothing, ISO dates, ``yes``/``no``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):  # an enum
        return str(value.value)
    return str(value)


def as_date(value: Any) -> date | None:
    """A date column's value as a date (rows may carry ISO text from the database)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_datetime(value: Any) -> datetime | None:
    """A time column's value as a naive datetime in UTC (what the columns' titles say)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise TypeError(f"not a time: {value!r}")


def typed(table: Report) -> Iterator[list[Any]]:
    """The rows with each cell as its column's kind says (dates as dates, counts as ints)."""
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        yield [_typed(kind, value) for kind, value in zip(kinds, row, strict=True)]


def _typed(kind: Kind, value: Any) -> Any:
    if kind == "date":
        return as_date(value)
    if kind == "datetime":
        return as_datetime(value)
    if kind == "int":
        return None if value is None or value == "" else int(value)
    if kind == "bool":
        return None if value is None else bool(value)
    return None if value is None else text(value)
