"""Serial entry: pasted lists, ranges, rules and patterns, and every refusal naming its position."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serialtrack.domain.codes import code_key
from serialtrack.domain.entry import (
    MAX_ENTRY_CODES,
    MAX_RANGE,
    EntryResult,
    expand_range,
    format_pattern,
    generate_codes,
    next_seq,
    parse_entry,
    pattern_problem,
    pattern_regex,
    rule_codes,
    split_codes,
)
from serialtrack.domain.errors import Invalid, Problem


def problems_of(entry: object, where: str = "serials") -> list[Problem]:
    with pytest.raises(Invalid) as caught:
        parse_entry(entry, where)  # type: ignore[arg-type]
    return caught.value.problems


def only_problem(entry: object) -> Problem:
    (problem,) = problems_of(entry)
    return problem


# --- splitting ---------------------------------------------------------------------------


def test_split_on_every_separator_a_person_pastes_with() -> None:
    text = "A1\nA2\r\nA3,A4;A5\tA6 A7 ,; A8\n\n  A9  "
    assert split_codes(text) == [f"A{n}" for n in range(1, 10)]


def test_split_keeps_a_range_with_spaces_around_its_dots_together() -> None:
    assert split_codes("SN1 .. SN5, X") == ["SN1..SN5", "X"]


def test_split_keeps_hyphens_dots_and_gs_inside_codes() -> None:
    assert split_codes("AF5-69H v1.2 A\x1dB") == ["AF5-69H", "v1.2", "A\x1dB"]


def test_split_refuses_what_is_not_text() -> None:
    with pytest.raises(Invalid) as caught:
        split_codes(42)  # type: ignore[arg-type]
    assert caught.value.problems[0].where == "serials"
    assert "not int" in caught.value.problems[0].message


# --- plain codes -------------------------------------------------------------------------


def test_codes_come_back_trimmed_in_input_order() -> None:
    result = parse_entry("  ZX-9 \nAF5-69H\nab-1\n")
    assert result.codes == ("ZX-9", "AF5-69H", "ab-1")
    assert list(result) == list(result.codes)
    assert len(result) == 3


def test_a_list_is_one_code_or_range_per_item_and_not_split_further() -> None:
    result = parse_entry(["  BOX 1 ", "SN-01..SN-03", "C,D"])
    assert result.codes == ("BOX 1", "SN-01", "SN-02", "SN-03", "C,D")
    assert result.origins == ("serials[0]", "serials[1]", "serials[1]", "serials[1]", "serials[2]")


def test_an_empty_entry_gives_no_codes() -> None:
    assert parse_entry("") == EntryResult((), ())
    assert parse_entry(" \n\n ,; ") == EntryResult((), ())
    assert parse_entry([]) == EntryResult((), ())


def test_origins_name_lines_counted_as_an_editor_shows_them() -> None:
    result = parse_entry("A\n\nB, C\nD")
    assert result.origins == (
        "serials line 1",
        "serials line 3 item 1",
        "serials line 3 item 2",
        "serials line 4",
    )


def test_origins_of_a_single_line_name_items_only() -> None:
    assert parse_entry("A").origins == ("serials",)
    assert parse_entry("A, B").origins == ("serials item 1", "serials item 2")


def test_where_is_the_callers_name_for_the_field() -> None:
    result = parse_entry(["A"], where="lines[2].serials")
    assert result.origins == ("lines[2].serials[0]",)


@pytest.mark.parametrize(
    ("entry", "where", "says"),
    [
        (["A", ""], "serials[1]", "empty"),
        (["A", "   "], "serials[1]", "empty"),
        (["A", 7], "serials[1]", "must be text, not int"),
        ("A\n" + "X" * 101, "serials line 2", "longer than 100"),
        ("A\nB\x07C", "serials line 2", "control character"),
    ],
)
def test_a_bad_code_is_named_by_its_position(entry: object, where: str, says: str) -> None:
    problem = only_problem(entry)
    assert problem.where == where
    assert says in problem.message


def test_what_is_neither_text_nor_a_list_is_refused() -> None:
    assert "not int" in only_problem(12).message
    assert "not bytes" in only_problem(b"SN1").message


# --- duplicates --------------------------------------------------------------------------


def test_a_repeat_names_both_positions() -> None:
    problem = only_problem("SN-1\nSN-2\nSN-1")
    assert problem.where == "serials line 3"
    assert problem.message == "SN-1 is entered twice (first at serials line 1)"
    assert problem.code == "duplicate"


def test_codes_differing_by_case_or_space_are_the_same_code() -> None:
    problem = only_problem(["AbC-1", " abc-1 "])
    assert problem.where == "serials[1]"
    assert problem.message == "abc-1 is entered twice (first as AbC-1 at serials[0])"


def test_overlapping_ranges_are_reported_once_per_pair() -> None:
    problem = only_problem("SN-01..SN-10\nSN-08..SN-12")
    assert problem.where == "serials line 2"
    assert problem.message == (
        "3 of its codes are entered twice, from SN-08 (first at serials line 1)"
    )


def test_a_range_repeating_one_code_names_it() -> None:
    problem = only_problem("SN-05, SN-01..SN-09")
    assert problem.where == "serials item 2"
    assert problem.message == "SN-05 is entered twice (first at serials item 1)"


def test_every_problem_is_reported_in_input_order() -> None:
    problems = problems_of("A\nB9..B1\nA\nX..Y\n" + "Z" * 101)
    assert [p.where for p in problems] == [
        "serials line 2",
        "serials line 3",
        "serials line 4",
        "serials line 5",
    ]
    assert "backwards" in problems[0].message
    assert "entered twice" in problems[1].message
    assert "need a number" in problems[2].message
    assert "longer than 100" in problems[3].message


def test_the_refusal_names_the_field_and_the_first_problems() -> None:
    with pytest.raises(Invalid, match=r"could not read serials: serials line 2: A is entered"):
        parse_entry("A\nA")


# --- ranges ------------------------------------------------------------------------------


def test_a_range_keeps_prefix_and_padding() -> None:
    codes = parse_entry("SN-0001..SN-0100").codes
    assert len(codes) == 100
    assert codes[:3] == ("SN-0001", "SN-0002", "SN-0003")
    assert codes[-1] == "SN-0100"


def test_the_last_number_counts_and_the_suffix_is_kept() -> None:
    assert expand_range("A005-X..A010-X") == [f"A{n:03}-X" for n in range(5, 11)]
    assert expand_range("2024-LOT7-001..2024-LOT7-003") == [
        "2024-LOT7-001",
        "2024-LOT7-002",
        "2024-LOT7-003",
    ]


def test_a_single_hyphen_is_part_of_a_code_not_a_range() -> None:
    assert parse_entry("AF5-69H\nSN-1-5").codes == ("AF5-69H", "SN-1-5")


def test_an_unpadded_start_grows_naturally() -> None:
    assert expand_range("SN8..SN12") == ["SN8", "SN9", "SN10", "SN11", "SN12"]


def test_a_padded_start_keeps_its_width_and_grows_past_it() -> None:
    assert expand_range("SN-098..SN-101") == ["SN-098", "SN-099", "SN-100", "SN-101"]
    assert expand_range("SN-999..SN-1000") == ["SN-999", "SN-1000"]


def test_a_range_of_one_and_a_purely_numeric_range() -> None:
    assert expand_range("SN7..SN7") == ["SN7"]
    assert expand_range("0098..0101") == ["0098", "0099", "0100", "0101"]


def test_range_ends_compare_ignoring_case_and_take_the_start_spelling() -> None:
    assert expand_range("sn1..SN3") == ["sn1", "sn2", "sn3"]


def test_a_range_in_a_list_may_have_spaces_around_its_dots() -> None:
    assert parse_entry(["SN1 .. SN3"]).codes == ("SN1", "SN2", "SN3")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("SN-0001..XN-0100", "same except for their last number"),
        ("A1-X..A5-Y", "same except for their last number"),
        ("SN-0001..SN-100", "the end SN-100 is not numbered like the start SN-0001 (SN-0100?)"),
        ("SN1..SN0005", "not numbered like the start SN1 (SN5?)"),
        ("SN9..SN1", "SN9..SN1 runs backwards: SN1 comes before SN9"),
        ("A..B", "both ends of a range need a number"),
        ("SN1..", "is not a range"),
        ("..SN5", "is not a range"),
        ("SN1...SN5", "is not a range"),
        ("SN1..SN3..SN5", "is not a range"),
        ("A1..A100001", "holds 100,001 codes; a range holds at most 100,000"),
    ],
)
def test_bad_ranges_are_refused_at_their_position(text: str, says: str) -> None:
    problem = only_problem(f"OK-1\n{text}")
    assert problem.where == "serials line 2"
    assert problem.code == "range"
    assert says in problem.message


def test_a_range_end_that_is_not_a_code_is_named() -> None:
    problem = only_problem(["SN1..SN\x002"])
    assert problem.where == "serials[0]"
    assert "control character" in problem.message


def test_the_largest_range_is_allowed() -> None:
    codes = expand_range(f"N1..N{MAX_RANGE}")
    assert len(codes) == MAX_RANGE
    assert codes[-1] == f"N{MAX_RANGE}"


def test_expand_range_raises_naming_where() -> None:
    with pytest.raises(Invalid) as caught:
        expand_range("B5..B1", where="range")
    assert caught.value.problems[0].where == "range"


def test_an_entry_holds_a_limited_number_of_codes() -> None:
    problems = problems_of("A1..A60000\nB1..B60000")
    assert problems[-1].where == "serials"
    assert problems[-1].code == "too-many"
    assert f"at most {MAX_ENTRY_CODES:,}" in problems[-1].message
    assert "120,000" in problems[-1].message


no_digits = st.text(alphabet="ABCXYZabc-_/#", max_size=5)


@given(
    prefix=no_digits,
    suffix=no_digits,
    width=st.integers(1, 6),
    first=st.integers(0, 10**6),
    length=st.integers(1, 40),
)
def test_a_range_expands_to_every_number_between_its_ends(
    prefix: str, suffix: str, width: int, first: int, length: int
) -> None:
    def code(n: int) -> str:
        return f"{prefix}{str(n).zfill(width)}{suffix}"

    last = first + length - 1
    expected = [code(n) for n in range(first, last + 1)]
    assert expand_range(f"{code(first)}..{code(last)}") == expected
    assert parse_entry(f"{code(first)} .. {code(last)}").codes == tuple(expected)


codes_strategy = st.lists(
    st.from_regex(r"[A-Za-z0-9#/_-][A-Za-z0-9#/_.-]{0,11}", fullmatch=True).filter(
        lambda c: ".." not in c
    ),
    max_size=30,
    unique_by=code_key,
)


@given(codes_strategy, st.sampled_from(["\n", ", ", ";", "\t", " ", "\r\n"]))
def test_joined_codes_split_and_parse_back(codes: list[str], separator: str) -> None:
    text = separator.join(codes)
    assert split_codes(text) == codes
    assert parse_entry(text).codes == tuple(codes)
    assert parse_entry(codes).codes == tuple(codes)


@given(codes_strategy.filter(bool), st.data())
def test_any_repeat_is_refused_naming_its_position(codes: list[str], data: st.DataObject) -> None:
    first = data.draw(st.integers(0, len(codes) - 1))
    entry = [*codes, codes[first].swapcase()]
    problem = only_problem(entry)
    assert problem.where == f"serials[{len(codes)}]"
    assert problem.message.endswith(f"at serials[{first}])")


# --- rules -------------------------------------------------------------------------------


def test_a_rule_makes_prefix_number_suffix() -> None:
    assert rule_codes("SN", 5, 10, 3) == ["SN5", "SN15", "SN25"]
    assert rule_codes("SN-", 1, 1, 3, width=4, suffix="-EU") == [
        "SN-0001-EU",
        "SN-0002-EU",
        "SN-0003-EU",
    ]
    assert rule_codes("", 0, 1, 2) == ["0", "1"]


def test_a_rule_lets_numbers_grow_past_the_width() -> None:
    assert rule_codes("X", 98, 1, 3, width=2) == ["X98", "X99", "X100"]


def test_a_rule_reports_every_bad_field() -> None:
    with pytest.raises(Invalid) as caught:
        rule_codes(3, -1, 0, 0, width=31, suffix=None)  # type: ignore[arg-type]
    by_where = {p.where: p.message for p in caught.value.problems}
    assert by_where == {
        "rule.prefix": "prefix must be text, not int",
        "rule.suffix": "suffix must be text, not NoneType",
        "rule.start": "start must be at least 0, not -1",
        "rule.increment": "increment must be at least 1, not 0",
        "rule.count": "count must be at least 1, not 0",
        "rule.width": "width is at most 30, not 31",
    }


def test_a_rule_names_the_count_limit() -> None:
    with pytest.raises(Invalid) as caught:
        rule_codes("SN", 1, 1, MAX_RANGE + 1, where="lines[0].rule")
    (problem,) = caught.value.problems
    assert problem.where == "lines[0].rule.count"
    assert "at most 100,000" in problem.message


def test_a_rule_refuses_booleans_and_floats_as_numbers() -> None:
    with pytest.raises(Invalid) as caught:
        rule_codes("SN", True, 1.5, 3)  # type: ignore[arg-type]
    assert [p.where for p in caught.value.problems] == ["rule.start", "rule.increment"]


def test_a_rule_refuses_codes_that_are_too_long() -> None:
    with pytest.raises(Invalid) as caught:
        rule_codes("P" * 95, 1, 1, 2, width=8)
    (problem,) = caught.value.problems
    assert problem.where == "rule"
    assert "longer than 100" in problem.message


# --- patterns ----------------------------------------------------------------------------

PATTERN = "{sku}-{year}-{seq:06}"


def test_format_pattern_fills_the_fields() -> None:
    assert format_pattern(PATTERN, "PHONE", 42, 2025) == "PHONE-2025-000042"
    assert format_pattern("{seq}", "PHONE", 7, 2025) == "7"
    assert format_pattern("{{{sku}}}{seq:03}", "X", 5, 2025) == "{X}005"
    assert format_pattern(PATTERN, "PHONE", 1234567, 2025) == "PHONE-2025-1234567"


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("{sku}-{year}", "holds {seq} exactly once"),
        ("{seq}-{seq}", "holds {seq} exactly once"),
        ("{sku}-{lot}-{seq}", "{lot} is not a pattern field"),
        ("{}-{seq}", "{} is not a pattern field"),
        ("{0}{seq}", "{0} is not a pattern field"),
        ("{sku.upper}{seq}", "is not a pattern field"),
        ("{seq!r}", "takes no conversion"),
        ("{seq:6}", "only {seq} and {year} take a width, like {seq:06}"),
        ("{sku:>9}{seq}", "only {seq} and {year} take a width"),
        ("{seq:0{year}}", "only {seq} and {year} take a width"),
        ("{seq:031}", "a width is at most 30"),
        ("{seq", "unmatched brace"),
        ("seq}", "unmatched brace"),
        ("A\tB{seq}", "control character"),
        ("X" * 100 + "{seq}", "longer than 100"),
        (None, "must be text"),
    ],
)
def test_bad_patterns_say_why(pattern: object, says: str) -> None:
    problem = pattern_problem(pattern, where="products.PHONE.pattern")
    assert problem is not None
    assert problem.where == "products.PHONE.pattern"
    assert says in problem.message
    with pytest.raises(Invalid):
        format_pattern(pattern, "PHONE", 1, 2025)  # type: ignore[arg-type]


def test_good_patterns_have_no_problem() -> None:
    for pattern in (PATTERN, "{seq}", "SN{year:04}{seq:010}", "{sku}/{seq}"):
        assert pattern_problem(pattern) is None


def test_format_pattern_checks_its_values() -> None:
    with pytest.raises(Invalid) as caught:
        format_pattern(PATTERN, " ", -1, 0)
    assert {p.where for p in caught.value.problems} == {"sku", "seq", "year"}


def test_pattern_regex_reads_the_number_back() -> None:
    regex = pattern_regex(PATTERN, "PHONE", 2025)
    match = regex.fullmatch("phone-2025-000042")
    assert match is not None
    assert int(match["seq"]) == 42
    assert regex.fullmatch("PHONE-2024-000042") is None
    assert regex.fullmatch("PHONEX-2025-000042") is None


def test_pattern_regex_escapes_the_sku() -> None:
    regex = pattern_regex("{sku}{seq}", "A.B+", 2025)
    assert regex.fullmatch("A.B+7")
    assert not regex.fullmatch("AxBB7")


def test_next_seq_continues_after_the_highest_number_of_this_sku_and_year() -> None:
    existing = [
        "PHONE-2025-000007",
        "phone-2025-000012",  # case does not matter
        "PHONE-2025-3",  # typed by hand, still counts
        "PHONE-2024-000999",  # another year
        "TABLET-2025-000500",  # another product
        "PHONE-2025-00001X",  # does not fit
    ]
    assert next_seq(PATTERN, "PHONE", 2025, existing) == 13
    assert next_seq(PATTERN, "PHONE", 2026, existing) == 1
    assert next_seq(PATTERN, "PHONE", 2026, existing, first=1000) == 1000


def test_generate_codes_continues_a_sequence() -> None:
    existing = ["PHONE-2025-000001", "PHONE-2025-000002"]
    start = next_seq(PATTERN, "PHONE", 2025, existing)
    assert generate_codes(PATTERN, "PHONE", 2025, 3, start) == [
        "PHONE-2025-000003",
        "PHONE-2025-000004",
        "PHONE-2025-000005",
    ]


def test_generate_codes_checks_the_count() -> None:
    with pytest.raises(Invalid) as caught:
        generate_codes(PATTERN, "PHONE", 2025, MAX_RANGE + 1, 1)
    (problem,) = caught.value.problems
    assert problem.where == "count"
    assert "at most 100,000" in problem.message


@given(
    sku=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.+-]{0,9}", fullmatch=True),
    seq=st.integers(0, 10**9),
    year=st.integers(1, 9999),
    pattern=st.sampled_from([PATTERN, "{seq}", "{sku}{seq}", "{year:04}{seq:03}{sku}", "X{seq}0"]),
)
def test_a_generated_code_reads_back_its_number(
    sku: str, seq: int, year: int, pattern: str
) -> None:
    code = format_pattern(pattern, sku, seq, year)
    match = pattern_regex(pattern, sku, year).fullmatch(code)
    assert match is not None
    assert int(match["seq"]) == seq
    assert next_seq(pattern, sku, year, [code]) == seq + 1


def test_pattern_regex_is_anchored_by_fullmatch_only() -> None:
    regex = pattern_regex("{seq}", "X", 2025)
    assert isinstance(regex, re.Pattern)
    assert regex.fullmatch("12a") is None
