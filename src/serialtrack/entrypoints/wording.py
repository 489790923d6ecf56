"""Refusals as people read them: where a problem is, counted from one, in words.

The services name a problem's place by a path (``lines[0].serials[2]``) that the REST API keeps
as it is, for programs. Pages and the CLI say it the way the person at the counter counts:
"line 1, serial 3". A plain field name (``days``, ``location``) names the form's field and is
left as it is.
"""

from __future__ import annotations

import re

from serialtrack.domain.errors import Problem

# What one item of each indexed list is called ("lines[0]" -> "line 1").
ITEMS = {
    "lines": "line", "serials": "serial", "batches": "batch", "components": "component",
    "units": "unit", "scans": "scan", "rows": "row", "items": "item", "parts": "part",
    "codes": "code", "entries": "entry",
}  # fmt: skip
# Fields after an index, as a form labels them.
FIELDS = {"sku": "product", "warranty_days": "warranty days", "new_code": "new code"}
_SEGMENT = re.compile(r"(\w+?)(?:\[(\d+)\])?")
# An indexed path inside a message ("first at lines[0].serials[0]").
_PATH = re.compile(r"\b\w+\[\d+\](?:(?:\.\w+)?(?:\[\d+\])?)*")


def place(where: str) -> str:
    """``lines[0].serials[2]`` -> "line 1, serial 3"; ``lines[1].batches[0].quantity`` ->
    "line 2, batch 1, quantity"; a path without an index (a field's name) as it is."""
    if not where or not re.search(r"\[\d+\]|\.\d+(?:\.|$)", where):
        return where
    parts: list[str] = []
    for segment in where.split("."):
        found = _SEGMENT.fullmatch(segment)
        if found is None:
            return where  # not a path: leave it as written
        name, index = found[1], found[2]
        if name.isdigit() and parts and index is None:  # lines.2.serials.5: a dotted index
            item = parts.pop()
            name, index = ITEMS.get(item, item), name
        if index is not None:
            item = ITEMS.get(name, name[:-1] if name.endswith("s") else name)
            parts.append(f"{item.replace('_', ' ')} {int(index) + 1}")
        else:
            parts.append(FIELDS.get(name, name))
    return ", ".join(p.replace("_", " ") for p in parts)


def plainly(text: str) -> str:
    """``text`` with every indexed path in it said as people count ("first at line 1,
    serial 1")."""
    return _PATH.sub(lambda found: place(found[0]), text)


def problem_line(problem: Problem) -> str:
    """One problem as pages and the CLI show it: "line 1, serial 3: X1 is already sold"."""
    message = plainly(problem.message)
    return f"{place(problem.where)}: {message}" if problem.where else message
