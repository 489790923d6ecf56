"""Serial entry: what a person typed, pasted or scanned, turned into clean codes.

Everywhere a serial is asked for, an entry may mix:

- plain codes, one per line or separated by commas, semicolons, tabs or spaces;
- ranges ``START..END`` such as ``SN-0001..SN-0100``: the last group of digits counts, everything
  around it is kept, and so is the start's zero padding (``SN8..SN12`` grows naturally). A single
  hyphen is part of a code (``AF5-69H``), never a range.

``parse_entry`` reads an entry; ``rule_codes`` makes codes from a rule (prefix, start, increment,
count, width, suffix); ``format_pattern``/``generate_codes`` make codes from a per-product
pattern such as ``{sku}-{year}-{seq:06}``, and ``pattern_regex``/``next_seq`` read the sequence
number back out of existing codes so generation continues after the highest one used.

Every function here raises ``Invalid`` carrying all the problems it found, not just the first.
Each ``Problem.where`` names the input position, for ``where="serials"``:

- a list of entries: ``serials[2]`` (counted from 0, like ``lines[0].serials[2]`` elsewhere);
- text on several lines: ``serials line 3``, or ``serials line 3 item 2`` when that line holds
  several entries (both counted from 1, as an editor shows them);
- text on one line: ``serials`` for a single entry, ``serials item 2`` for several.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from serialtrack.domain.codes import code_key, code_problem
from serialtrack.domain.errors import Invalid, Problem

MAX_RANGE = 100_000
"""The most codes one range, rule or generation may make."""

MAX_ENTRY_CODES = 100_000
"""The most codes one entry may hold, ranges expanded."""

MAX_WIDTH = 30
"""The widest zero padding of a rule or pattern number."""

_SEPARATORS = re.compile(r"(?:[^\S\x1c-\x1f]|[,;])+")  # whitespace (not GS1's GS/RS/US), , ;
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_RANGE_DOTS = re.compile(r"[ \t]*\.\.[ \t]*")
_NUMBERED = re.compile(r"(.*?)([0-9]+)([^0-9]*)", re.DOTALL)
_RANGE_EXAMPLE = "write START..END, e.g. SN-0001..SN-0100"


@dataclass(frozen=True)
class EntryResult:
    """The codes of an entry in input order, each with where it was entered."""

    codes: tuple[str, ...]
    origins: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[str]:
        return iter(self.codes)


@dataclass(frozen=True)
class _Token:
    text: object
    where: str


@dataclass(frozen=True)
class _Range:
    prefix: str
    first: int
    last: int
    width: int
    suffix: str

    def __len__(self) -> int:
        return self.last - self.first + 1

    def code(self, number: int) -> str:
        return f"{self.prefix}{str(number).zfill(self.width)}{self.suffix}"

    def codes(self) -> list[str]:
        return [self.code(n) for n in range(self.first, self.last + 1)]


# --- splitting -----------------------------------------------------------------------------


def split_codes(text: str, where: str = "serials") -> list[str]:
    """The entries of pasted text, split on newlines, commas, semicolons, tabs and spaces.

    Spaces around a range's ``..`` are dropped, so ``SN1 .. SN5`` stays one range.
    """
    return [str(token.text) for token in _text_tokens(_need_text(text, where), where)]


def _need_text(text: object, where: str) -> str:
    if not isinstance(text, str):
        raise _not_entry(text, where)
    return text


def _not_entry(value: object, where: str) -> Invalid:
    message = f"serials are text or a list of codes, not {type(value).__name__}"
    return Invalid(message, [Problem(where, message)])


def _text_tokens(text: str, where: str) -> list[_Token]:
    lines = [
        [part for part in _SEPARATORS.split(_RANGE_DOTS.sub("..", line)) if part]
        for line in _LINE_BREAK.split(text)
    ]
    several_lines = sum(1 for parts in lines if parts) > 1
    tokens: list[_Token] = []
    for line_number, parts in enumerate(lines, 1):
        at = f"{where} line {line_number}" if several_lines else where
        for item, part in enumerate(parts, 1):
            tokens.append(_Token(part, f"{at} item {item}" if len(parts) > 1 else at))
    return tokens


def _entry_tokens(entry: object, where: str) -> list[_Token]:
    if isinstance(entry, str):
        return _text_tokens(entry, where)
    if isinstance(entry, Sequence) and not isinstance(entry, bytes | bytearray):
        return [_Token(_tidy(item), f"{where}[{index}]") for index, item in enumerate(entry)]
    raise _not_entry(entry, where)


def _tidy(item: object) -> object:
    if not isinstance(item, str):
        return item
    item = item.strip()
    return _RANGE_DOTS.sub("..", item) if ".." in item else item


# --- ranges --------------------------------------------------------------------------------


def expand_range(text: str, where: str = "range") -> list[str]:
    """The codes of a range ``START..END``, in order; raise ``Invalid`` if it is not one."""
    read = _read_token(_Token(_tidy(text), where))
    if isinstance(read, Problem):
        raise Invalid(f"could not read {where}", [read])
    return read.codes() if isinstance(read, _Range) else [read]


def _plan_range(text: str) -> _Range | str:
    """The range ``text`` stands for, or why it is not one."""
    start, _, end = text.partition("..")
    if not start or not end or end.startswith(".") or ".." in end:
        return f"{text!r} is not a range: {_RANGE_EXAMPLE}"
    start_match, end_match = _NUMBERED.fullmatch(start), _NUMBERED.fullmatch(end)
    if not start_match or not end_match:
        return f"{text}: both ends of a range need a number to count, e.g. SN-0001..SN-0100"
    prefix, start_digits, suffix = start_match.groups()
    end_prefix, end_digits, end_suffix = end_match.groups()
    if code_key(prefix) != code_key(end_prefix) or code_key(suffix) != code_key(end_suffix):
        return f"{text}: both ends must be the same except for their last number"
    plan = _Range(prefix, int(start_digits), int(end_digits), len(start_digits), suffix)
    if plan.code(plan.last) != prefix + end_digits + suffix:
        expected = plan.code(plan.last)
        return f"{text}: the end {end} is not numbered like the start {start} ({expected}?)"
    if plan.last < plan.first:
        return f"{text} runs backwards: {end} comes before {start}"
    if len(plan) > MAX_RANGE:
        return f"{text} holds {len(plan):,} codes; a range holds at most {MAX_RANGE:,}"
    return plan


def _read_token(token: _Token) -> str | _Range | Problem:
    """A token as a clean code, a range, or the problem with it."""
    text = token.text
    if not isinstance(text, str) or ".." not in text:
        problem = code_problem(text, token.where)
        return problem or str(text).strip()
    start, _, end = text.partition("..")
    for end_code in (start, end):
        if end_code.strip():
            problem = code_problem(end_code, token.where)
            if problem:
                return problem
    plan = _plan_range(text)
    return Problem(token.where, plan, "range") if isinstance(plan, str) else plan


# --- the whole entry -----------------------------------------------------------------------


def parse_entry(entry: str | Sequence[str], where: str = "serials") -> EntryResult:
    """Read an entry into clean, distinct codes in input order, ranges expanded.

    ``entry`` is text (split as ``split_codes`` does) or a list whose items are each one code or
    range, not split further. Two codes differing only by case or surrounding space are the same
    code. Raise ``Invalid`` with every problem, each naming its position; an empty entry gives
    an empty result (whether codes are required is the caller's rule).
    """
    found: list[tuple[int, Problem]] = []
    readable: list[tuple[int, _Token, str | _Range]] = []
    for index, token in enumerate(_entry_tokens(entry, where)):
        read = _read_token(token)
        if isinstance(read, Problem):
            found.append((index, read))
        else:
            readable.append((index, token, read))
    total = sum(len(read) if isinstance(read, _Range) else 1 for _, _, read in readable)
    if total > MAX_ENTRY_CODES:
        message = f"{total:,} codes in one entry; at most {MAX_ENTRY_CODES:,} at once"
        problems = [p for _, p in found] + [Problem(where, message, "too-many")]
        raise Invalid(f"could not read {where}", problems)
    codes, origins = _distinct(readable, found)
    if found:
        found.sort(key=lambda pair: pair[0])
        raise Invalid(f"could not read {where}", [p for _, p in found])
    return EntryResult(tuple(codes), tuple(origins))


def _distinct(
    readable: list[tuple[int, _Token, str | _Range]], found: list[tuple[int, Problem]]
) -> tuple[list[str], list[str]]:
    """Codes and origins, dropping repeats; each repeat is reported once per pair of positions."""
    seen: dict[str, tuple[str, str]] = {}
    codes: list[str] = []
    origins: list[str] = []
    for index, token, read in readable:
        repeats: dict[str, list[tuple[str, str]]] = {}
        for code in read.codes() if isinstance(read, _Range) else [read]:
            key = code_key(code)
            if key in seen:
                first_code, first_where = seen[key]
                repeats.setdefault(first_where, []).append((code, first_code))
                continue
            seen[key] = (code, token.where)
            codes.append(code)
            origins.append(token.where)
        found.extend((index, _repeat(token.where, at, pairs)) for at, pairs in repeats.items())
    return codes, origins


def _repeat(where: str, earlier: str, pairs: list[tuple[str, str]]) -> Problem:
    code, first_code = pairs[0]
    if len(pairs) > 1:
        message = f"{len(pairs)} of its codes are entered twice, from {code} (first at {earlier})"
    else:
        spelled = f" as {first_code}" if first_code != code else ""
        message = f"{code} is entered twice (first{spelled} at {earlier})"
    return Problem(where, message, "duplicate")


# --- rules ---------------------------------------------------------------------------------


def rule_codes(
    prefix: str,
    start: int,
    increment: int,
    count: int,
    width: int = 0,
    suffix: str = "",
    *,
    where: str = "rule",
) -> list[str]:
    """Codes ``prefix + number + suffix`` for ``count`` numbers from ``start`` by ``increment``.

    ``width`` zero-pads the number (0: no padding). Problems name ``where.<field>``.
    """
    problems = [
        p
        for p in (
            _text_problem(prefix, f"{where}.prefix", "prefix"),
            _text_problem(suffix, f"{where}.suffix", "suffix"),
            _int_problem(start, f"{where}.start", "start", 0),
            _int_problem(increment, f"{where}.increment", "increment", 1),
            _int_problem(count, f"{where}.count", "count", 1, MAX_RANGE),
            _int_problem(width, f"{where}.width", "width", 0, MAX_WIDTH),
        )
        if p
    ]
    if problems:
        raise Invalid("invalid serial rule", problems)
    head, tail = prefix.lstrip(), suffix.rstrip()
    numbers = range(start, start + increment * count, increment)
    codes = [f"{head}{str(n).zfill(width)}{tail}" for n in numbers]
    _check_made(codes, where, "rule")
    return codes


def _int_problem(
    value: object, where: str, name: str, low: int, high: int | None = None
) -> Problem | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return Problem(where, f"{name} must be a whole number, not {value!r}")
    if value < low:
        return Problem(where, f"{name} must be at least {low}, not {value}")
    if high is not None and value > high:
        return Problem(where, f"{name} is at most {high:,}, not {value:,}")
    return None


def _text_problem(value: object, where: str, name: str) -> Problem | None:
    if isinstance(value, str):
        return None
    return Problem(where, f"{name} must be text, not {type(value).__name__}")


def _check_made(codes: list[str], where: str, source: str) -> None:
    """Refuse generated codes that are not storable; checking the longest ones is enough."""
    for code in dict.fromkeys((codes[-1], codes[0])):
        problem = code_problem(code, where)
        if problem:
            shown = code if len(code) <= 40 else code[:37] + "..."
            message = f"the {source} makes {shown!r}: {problem.message}"
            raise Invalid(f"invalid serial {source}", [Problem(where, message, source)])


# --- patterns ------------------------------------------------------------------------------

PATTERN_FIELDS = ("sku", "year", "seq")
_WIDTH_SPEC = re.compile(r"0[1-9][0-9]?")
_FIELD_HELP = "use {sku}, {year} and {seq}, e.g. {sku}-{year}-{seq:06}"


@dataclass(frozen=True)
class _Part:
    literal: str
    field: str | None
    width: int


def _pattern_parts(pattern: object) -> list[_Part] | str:
    """The parts of a pattern, or why it is not a valid one."""
    if not isinstance(pattern, str):
        return f"a pattern must be text, not {type(pattern).__name__}"
    try:
        parsed = list(string.Formatter().parse(pattern.strip()))
    except ValueError:
        return f"{pattern!r} has an unmatched brace; write {{{{ or }}}} for a literal brace"
    parts: list[_Part] = []
    for literal, field, spec, conversion in parsed:
        if field is None:
            parts.append(_Part(literal, None, 0))
            continue
        if conversion:
            return f"{{{field}!{conversion}}}: a pattern field takes no conversion"
        if field not in PATTERN_FIELDS:
            return f"{{{field}}} is not a pattern field: {_FIELD_HELP}"
        if spec and (field == "sku" or not _WIDTH_SPEC.fullmatch(spec)):
            return f"{{{field}:{spec}}}: only {{seq}} and {{year}} take a width, like {{seq:06}}"
        width = int(spec or 0)
        if width > MAX_WIDTH:
            return f"{{{field}:{spec}}}: a width is at most {MAX_WIDTH}"
        parts.append(_Part(literal, field, width))
    if sum(part.field == "seq" for part in parts) != 1:
        return f"a pattern holds {{seq}} exactly once: {_FIELD_HELP}"
    return parts


def pattern_problem(pattern: object, where: str = "pattern") -> Problem | None:
    """Why ``pattern`` cannot generate serials, or None when it can."""
    parts = _pattern_parts(pattern)
    if isinstance(parts, str):
        return Problem(where, parts, "pattern")
    sample = _render(parts, "SKU", 1, 2000)
    problem = code_problem(sample, where)
    if problem:
        return Problem(where, f"the pattern makes codes like {sample!r}: {problem.message}")
    return None


def _parts_or_raise(pattern: object, where: str = "pattern") -> list[_Part]:
    problem = pattern_problem(pattern, where)
    if problem:
        raise Invalid("invalid serial pattern", [problem])
    parts = _pattern_parts(pattern)
    assert not isinstance(parts, str)
    return parts


def _value(part: _Part, sku: str, seq: int, year: int) -> str:
    if part.field == "sku":
        return sku
    return str(seq if part.field == "seq" else year).zfill(part.width)


def _render(parts: list[_Part], sku: str, seq: int, year: int) -> str:
    return "".join(
        part.literal + (_value(part, sku, seq, year) if part.field else "") for part in parts
    )


def _sku_problem(sku: object) -> Problem | None:
    if not isinstance(sku, str):
        return _text_problem(sku, "sku", "sku")
    return None if sku.strip() else Problem("sku", "sku is empty")


def _check_inputs(sku: object, year: object, *more: Problem | None) -> None:
    problems = [
        p for p in (_sku_problem(sku), _int_problem(year, "year", "year", 1, 9999), *more) if p
    ]
    if problems:
        raise Invalid("cannot generate serials", problems)


def format_pattern(pattern: str, sku: str, seq: int, year: int) -> str:
    """The code ``pattern`` makes for ``sku``, ``seq`` and ``year``.

    Fields are ``{sku}``, ``{year}`` and ``{seq}`` (required, once); ``{seq:06}`` and
    ``{year:04}`` zero-pad. ``{{``/``}}`` are literal braces. Raise ``Invalid`` on a bad pattern
    or value.
    """
    parts = _parts_or_raise(pattern)
    _check_inputs(sku, year, _int_problem(seq, "seq", "seq", 0))
    code = _render(parts, sku.strip(), seq, year)
    _check_made([code], "pattern", "pattern")
    return code


def generate_codes(pattern: str, sku: str, year: int, count: int, first_seq: int) -> list[str]:
    """``count`` codes of ``pattern`` numbered from ``first_seq`` (see ``next_seq``)."""
    parts = _parts_or_raise(pattern)
    _check_inputs(
        sku,
        year,
        _int_problem(count, "count", "count", 1, MAX_RANGE),
        _int_problem(first_seq, "seq", "seq", 0),
    )
    seqs = range(first_seq, first_seq + count)
    codes = [_render(parts, sku.strip(), seq, year) for seq in seqs]
    _check_made(codes, "pattern", "pattern")
    return codes


def pattern_regex(pattern: str, sku: str, year: int) -> re.Pattern[str]:
    """A regex whose ``fullmatch`` recognises codes ``pattern`` makes; group ``seq`` is the number.

    It ignores case and accepts any number of digits for ``{seq}``, so a hand-typed code that
    fits the pattern also counts when looking for the highest number used.
    """
    parts = _parts_or_raise(pattern)
    _check_inputs(sku, year)
    out = []
    for part in parts:
        out.append(re.escape(part.literal))
        if part.field == "seq":
            out.append("(?P<seq>[0-9]+)")
        elif part.field:
            out.append(re.escape(_value(part, sku.strip(), 0, year)))
    return re.compile("".join(out), re.IGNORECASE)


def next_seq(pattern: str, sku: str, year: int, codes: Iterable[str], first: int = 1) -> int:
    """The number after the highest ``{seq}`` among ``codes``, or ``first`` when none fits.

    The caller reads ``codes`` (the product's existing serials) from storage and must make sure
    two generators do not hand out the same numbers at once (a lock, or retry on conflict).
    """
    regex = pattern_regex(pattern, sku, year)
    highest: int | None = None
    for code in codes:
        match = regex.fullmatch(code.strip())
        if match:
            number = int(match["seq"])
            highest = number if highest is None else max(highest, number)
    return first if highest is None else max(first, highest + 1)
