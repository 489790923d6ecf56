"""The SVG charts: well-formed, accessible, escaped, proportional, and graceful when empty."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from serialtrack.domain.charts import Bar, Group, bar_chart, column_chart, top

WEEKS = [Group(f"W{n:02d}", (n, 2 * n)) for n in range(1, 13)]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "svg"
    return root


def bars_of(root: ET.Element, css: str = "chart-bar") -> list[ET.Element]:
    return [e for e in root.iter("rect") if css in e.get("class", "").split()]


@pytest.mark.parametrize(
    "svg",
    [
        bar_chart("Stock", [Bar("Main", 12), Bar("Back", 3)]),
        column_chart("Weeks", ("received", "sold"), WEEKS),
        bar_chart("Stock", [], empty="No stock yet"),
        column_chart("Weeks", ("received", "sold"), []),
    ],
)
def test_every_chart_is_an_accessible_image_without_style_or_script(svg: str) -> None:
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert root.get("viewBox", "").startswith("0 0 360 ")
    assert root[0].tag == "title"  # named first
    assert "chart" in root.get("class", "").split()
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
        assert element.tag not in ("script", "style", "foreignObject")
    assert "<script" not in svg
    assert "http" not in svg  # nothing fetched (no font, no link), no namespace URL either


def test_text_is_escaped_everywhere() -> None:
    name = "<script>alert(\"x\")</script> & 'co'"
    svg = bar_chart(name, [Bar(name, 5, note=name)])
    root = parse(svg)  # well-formed: the markup stayed text
    assert "<script>" not in svg
    assert name in root.get("aria-label", "")
    titles = [t.text for t in root.iter("title")]
    assert titles[0] == name
    assert f"{name}: 5 units ({name})" in titles
    weeks = column_chart("W", (name,), [Group(name, (1,), title=name)])
    assert "<script>" not in weeks
    assert name in [t.text for t in parse(weeks).iter("title")]


def test_characters_xml_cannot_carry_are_dropped() -> None:
    root = parse(bar_chart("a\x00b\x1bc", [Bar("x\x07y", 1)]))
    assert root[0].text == "abc"


def test_bars_are_proportional_and_carry_their_numbers() -> None:
    root = parse(bar_chart("Stock", [Bar("Main", 40), Bar("Back", 10), Bar("Shut", 0)]))
    widths = [float(r.get("width", "")) for r in bars_of(root)]
    assert widths[0] > 0
    assert widths[1] == pytest.approx(widths[0] / 4)
    assert widths[2] == 0
    values = [t.text for t in root.iter("text") if t.get("class") == "chart-value"]
    assert values == ["40", "10", "0"]
    labels = [t.text for t in root.iter("text") if t.get("class") == "chart-label"]
    assert labels == ["Main", "Back", "Shut"]


def test_a_long_label_is_shortened_and_whole_in_its_title() -> None:
    long = "The very long name of a store far away"
    root = parse(bar_chart("Stock", [Bar(long, 1)]))
    shown = [t.text or "" for t in root.iter("text") if t.get("class") == "chart-label"]
    assert shown[0].endswith("…")
    assert len(shown[0]) <= 18
    assert f"{long}: 1 unit" in [t.text for t in root.iter("title")]


def test_columns_are_proportional_per_series_with_a_legend() -> None:
    root = parse(column_chart("Weeks", ("received", "sold"), WEEKS, css="chart-weeks"))
    assert "chart-weeks" in root.get("class", "").split()
    received = bars_of(root, "chart-series-0")[1:]  # the first is the legend's swatch
    sold = bars_of(root, "chart-series-1")[1:]
    assert len(received) == len(sold) == 12
    heights = [float(r.get("height", "")) for r in received + sold]
    assert heights[-1] == max(heights)  # 24, the biggest, fills the plot
    for n, height in enumerate(heights[:12], start=1):
        assert height == pytest.approx(heights[-1] * n / 24, abs=0.01)
    groups = [g for g in root.iter("g") if g.get("class") == "chart-group"]
    assert groups[0][0].text == "W01: received 1 unit, sold 2 units"
    legend = next(g for g in root.iter("g") if g.get("class") == "chart-legend")
    assert [t.text for t in legend.iter("text")] == ["received", "sold"]
    assert "received 78 units, sold 156 units" in root.get("aria-label", "")


def test_a_columns_number_fits_its_column() -> None:
    root = parse(column_chart("W", ("a", "b"), [Group(f"{n}", (12345, 7)) for n in range(12)]))
    sizes = {
        t.text: float(t.get("font-size", "")) for t in root.iter("text")
        if t.get("class") == "chart-value"
    }  # fmt: skip
    assert sizes["7"] > sizes["12345"] > 0


@pytest.mark.parametrize(
    ("bars", "groups"),
    [([], []), ([Bar("Main", 0), Bar("Back", 0)], [Group("W01", (0, 0))]),
     ([Bar("Main", -2)], [Group("W01", (-1, 0))])],
)  # fmt: skip
def test_nothing_to_draw_says_so_in_words(bars: list[Bar], groups: list[Group]) -> None:
    for svg in (
        bar_chart("Stock", bars, empty="No stock yet"),
        column_chart("Weeks", ("received", "sold"), groups, empty="No stock yet"),
    ):
        root = parse(svg)
        assert bars_of(root) == []
        assert [t.text for t in root.iter("text")] == ["No stock yet"]
        assert root.get("aria-label") == f"{root[0].text}: No stock yet"


def test_a_bar_below_zero_is_drawn_as_none_with_its_number() -> None:
    root = parse(bar_chart("Stock", [Bar("Main", 5), Bar("Short", -2)]))
    assert [float(r.get("width", "")) for r in bars_of(root)][1] == 0
    assert "-2" in [t.text for t in root.iter("text")]


def test_top_sums_the_rest_into_one_bar() -> None:
    bars = [Bar(f"S{n}", n) for n in range(10, 0, -1)]
    kept = top(bars, 4, "{n} more stores")
    assert [(b.label, b.value) for b in kept] == [
        ("S10", 10), ("S9", 9), ("S8", 8), ("7 more stores", 7 + 6 + 5 + 4 + 3 + 2 + 1),
    ]  # fmt: skip
    assert kept[-1].note == "S7, S6, S5, S4, S3, S2, S1"
    assert top(bars[:3], 4) == bars[:3]
