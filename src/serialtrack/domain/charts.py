"""Small charts as SVG text, drawn on the server: a horizontal bar chart and a grouped column
chart. Pure: strings in, a string out.

What every chart is:

- an ``<svg>`` to put in a page's HTML, with a fixed ``viewBox`` (it scales to its box: the
  stylesheet sets the width), no ``xmlns`` (HTML gives it its namespace, and the page names no
  URL but its own; a file of its own would need ``xmlns="http://www.w3.org/2000/svg"``),
  ``role="img"``, an ``aria-label`` that says the figures in words and a ``<title>`` first;
  each bar, or each group of columns, has its own ``<title>`` (a tooltip, and read aloud);
- colours by CSS class (``chart-bar``, ``chart-series-0``, ``chart-series-1``, …), so the
  stylesheet themes them, over a presentation ``fill`` it overrides, so a chart still reads
  without it; no ``style`` attribute or element, no script, no font of its own (text
  inherits the page's): the app's Content-Security-Policy has nothing to allow;
- every text XML-escaped (and stripped of characters XML 1.0 cannot carry);
- numbers on the bars; bar lengths proportional to the values, the longest filling the plot;
  a value below zero is drawn as no bar, its number still shown;
- nothing (no bars, or none above zero): the chart says ``empty`` in words instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 360  # every chart's viewBox is this wide; the page scales it
FONT = 11  # text size in viewBox units
NEUTRAL = "#7a8597"  # axis and empty-state text, under their classes
# Each series' presentation fill, under its class: a page without the stylesheet still tells
# the series apart (app.css sets the same colours, and may change them).
PALETTE = ("#3b6fd4", "#e08a1e", "#2e9e6a", "#9b59b6")
MAX_LABEL = 18  # characters of a bar's label shown; the whole label is in its title
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Bar:
    """One bar: its label (left of it), its value (on it), more words for its tooltip and a
    CSS class of its own (``chart-bad``, say) beside ``chart-bar chart-series-0``."""

    label: str
    value: int
    note: str = ""
    css: str = ""


@dataclass(frozen=True)
class Group:
    """One group of columns (a week): its label under them and one value per series; ``title``
    is its tooltip (by default the label and each series' value)."""

    label: str
    values: tuple[int, ...]
    title: str = ""


def text(value: object) -> str:
    """``value`` as XML text or attribute content: escaped, quotes included."""
    return escape(_NOT_XML.sub("", str(value)), quote=True)


def _short(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _num(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    shown = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if shown == "-0" else shown


def _fill(series: int) -> str:
    return PALETTE[series % len(PALETTE)]


def _units(value: int, unit: str) -> str:
    """``3 units``, ``1 unit``: ``unit`` is plural, its last "s" dropped for one."""
    if not unit:
        return str(value)
    return f"{value} {unit[:-1] if value == 1 and unit.endswith('s') else unit}"


def _classes(*names: str) -> str:
    return " ".join(n for n in names if n)


def _open(kind: str, height: int, title: str, label: str, css: str) -> list[str]:
    classes = _classes("chart", kind, css)
    return [
        f'<svg viewBox="0 0 {WIDTH} {height}" '
        f'class="{text(classes)}" role="img" aria-label="{text(label)}">',
        f"<title>{text(title)}</title>",
    ]


def _empty(kind: str, title: str, empty: str, css: str) -> str:
    height = 60
    parts = _open(kind, height, title, f"{title}: {empty}", f"{css} chart-is-empty".strip())
    parts.append(
        f'<text class="chart-empty" x="{WIDTH // 2}" y="{height // 2 + FONT // 3}" '
        f'font-size="{FONT + 1}" text-anchor="middle" fill="{NEUTRAL}">{text(empty)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def top(bars: Sequence[Bar], limit: int, other: str = "{n} more") -> list[Bar]:
    """The first ``limit`` bars, the rest summed into one last bar labelled ``other`` (``{n}``:
    how many it holds), so a long list stays a small chart."""
    if len(bars) <= limit:
        return list(bars)
    kept, rest = list(bars[: limit - 1]), bars[limit - 1 :]
    names = ", ".join(b.label for b in rest)
    kept.append(Bar(other.format(n=len(rest)), sum(b.value for b in rest), names))
    return kept


def bar_chart(
    title: str, bars: Sequence[Bar], *, unit: str = "units", empty: str = "Nothing yet",
    css: str = "",
) -> str:  # fmt: skip
    """Horizontal bars, one per row, in the order given: label, bar, value."""
    if not any(b.value > 0 for b in bars):
        return _empty("chart-bars", title, empty, css)
    row, bar_height, top_pad = 26, 18, 6
    label_width, number_room = 118, 46
    plot = WIDTH - label_width - number_room
    biggest = max(b.value for b in bars)
    height = top_pad * 2 + row * len(bars)
    said = ", ".join(f"{b.label} {_units(b.value, unit)}" for b in bars)
    parts = _open("chart-bars", height, title, f"{title}: {said}", css)
    for i, b in enumerate(bars):
        y = top_pad + i * row
        length = plot * max(b.value, 0) / biggest
        tip = f"{b.label}: {_units(b.value, unit)}" + (f" ({b.note})" if b.note else "")
        middle = _num(y + bar_height / 2 + FONT / 3)
        parts += [
            f'<g class="chart-row"><title>{text(tip)}</title>',
            f'<text class="chart-label" x="{label_width - 6}" y="{middle}" font-size="{FONT}" '
            f'text-anchor="end">{text(_short(b.label))}</text>',
            f'<rect class="{text(_classes("chart-bar chart-series-0", b.css))}" '
            f'x="{label_width}" y="{y}" '
            f'width="{_num(length)}" height="{bar_height}" fill="{_fill(0)}"/>',
            f'<text class="chart-value" x="{_num(label_width + length + 4)}" y="{middle}" '
            f'font-size="{FONT}">{text(b.value)}</text>',
            "</g>",
        ]
    parts.append("</svg>")
    return "".join(parts)


def column_chart(
    title: str, series: Sequence[str], groups: Sequence[Group], *, unit: str = "units",
    empty: str = "Nothing yet", css: str = "",
) -> str:  # fmt: skip
    """Columns side by side per group (one per series, in the order of ``series``), groups
    left to right, a legend above; each column's value above it (when above zero)."""
    if not series or not any(v > 0 for g in groups for v in g.values):
        return _empty("chart-columns", title, empty, css)
    height, legend, baseline, value_room = 200, 18, 172, 12
    plot = baseline - legend - value_room - 4
    margin = 4
    group_width = (WIDTH - 2 * margin) / len(groups)
    pad = group_width * 0.14
    column = (group_width - 2 * pad) / len(series)
    biggest = max(v for g in groups for v in g.values)
    totals = [sum(g.values[s] for g in groups if s < len(g.values)) for s in range(len(series))]
    said = ", ".join(f"{name} {_units(t, unit)}" for name, t in zip(series, totals, strict=True))
    span = f"{groups[0].label} to {groups[-1].label}" if len(groups) > 1 else groups[0].label
    parts = _open("chart-columns", height, title, f"{title}, {span}: {said}", css)
    parts += _legend(series)
    every = 1 if len(groups) <= 16 else 2  # labels under every group, or every other one
    for i, g in enumerate(groups):
        left = margin + i * group_width
        tip = g.title or g.label + ": " + ", ".join(
            f"{name} {_units(v, unit)}" for name, v in zip(series, g.values, strict=False)
        )
        parts.append(f'<g class="chart-group"><title>{text(tip)}</title>')
        for s, value in enumerate(g.values[: len(series)]):
            x = left + pad + s * column
            tall = plot * max(value, 0) / biggest
            parts.append(
                f'<rect class="chart-bar chart-series-{s}" x="{_num(x + 0.5)}" '
                f'y="{_num(baseline - tall)}" width="{_num(max(column - 1, 0.5))}" '
                f'height="{_num(tall)}" fill="{_fill(s)}"/>'
            )
            if value > 0:
                parts.append(_column_value(value, x + column / 2, baseline - tall - 3, column))
        if i % every == 0:
            parts.append(
                f'<text class="chart-label" x="{_num(left + group_width / 2)}" '
                f'y="{baseline + 14}" font-size="{FONT - 1}" text-anchor="middle">'
                f"{text(_short(g.label, 8))}</text>"
            )
        parts.append("</g>")
    parts.append(
        f'<line class="chart-axis" x1="{margin}" y1="{baseline}" x2="{WIDTH - margin}" '
        f'y2="{baseline}" stroke="{NEUTRAL}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _column_value(value: int, middle: float, y: float, column: float) -> str:
    """A column's number above it, small enough to stay within the column's width."""
    shown = str(value)
    size = min(FONT - 2, (column + 2) / (0.6 * len(shown)))
    return (
        f'<text class="chart-value" x="{_num(middle)}" y="{_num(y)}" font-size="{_num(size)}" '
        f'text-anchor="middle">{text(shown)}</text>'
    )


def _legend(series: Sequence[str]) -> list[str]:
    parts, x = ['<g class="chart-legend">'], 4.0
    for s, name in enumerate(series):
        shown = _short(name, 16)
        parts += [
            f'<rect class="chart-swatch chart-series-{s}" x="{_num(x)}" y="3" width="10" '
            f'height="10" fill="{_fill(s)}"/>',
            f'<text class="chart-label" x="{_num(x + 14)}" y="12" font-size="{FONT - 1}">'
            f"{text(shown)}</text>",
        ]
        x += 14 + 6.2 * len(shown) + 12
    parts.append("</g>")
    return parts
