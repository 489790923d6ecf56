"""Files that leave the system: cells made safe for spreadsheets; files written whole or not.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (CSV/formula injection). Such text is written
with a leading apostrophe, which spreadsheets show as plain text; numbers, dates and other
values are left as they are.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, BinaryIO, TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

T = TypeVar("T")


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


def write_atomically(path: str, write: Callable[[BinaryIO], T]) -> T:
    """Call ``write`` with a temporary file beside ``path``, then move it into place: a
    failure half way leaves neither a partial file nor the temporary one."""
    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".part") as part:
        try:
            result = write(part)  # type: ignore[arg-type]
        except BaseException:
            part.close()
            os.unlink(part.name)
            raise
    shutil.move(part.name, path)
    return result
