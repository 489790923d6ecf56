"""Files that leave the system: cells made safe for spreadsheets.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (CSV/formula injection). Such text is written
with a leading apostrophe, which spreadsheets show as plain text; numbers, dates and other
values are left as they are.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """``value`` as a cell that a spreadsheet shows and never evaluates."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | date | datetime):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value
    text = value.value if hasattr(value, "value") and isinstance(value.value, str) else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
