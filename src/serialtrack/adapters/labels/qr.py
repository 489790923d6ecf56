"""QR codes (error correction M), the same symbols as ``segno.make_qr`` but several times faster.

segno spends most of a Digital Link QR's time choosing the data mask: it masks and scores all
eight candidates module by module in Python (about 3.5 ms a symbol, the bulk of 10,000 labels).
Here segno still turns the text into codewords (segments, version, Reed-Solomon), and what
depends only on the version is worked out once and kept: where each codeword bit goes, the
function patterns, the eight masks, the format and version information. Per symbol the modules
are then placed with one ``itemgetter`` call and each mask is applied and scored (ISO/IEC 18004
7.8.3, as segno scores it) with whole-symbol integer XORs, a regular expression and
``bytes.find``, so the same mask is chosen and the result is module for module segno's.

segno's encoder functions used here are not its public API: if a segno release moves them,
``qr_rows`` falls back to ``segno.make_qr`` (correct, only slower); a unit test compares both.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import segno

try:
    from segno import consts as _consts
    from segno import encoder as _enc

    _ERROR_M = _consts.ERROR_LEVEL_M
    _FAST = all(
        callable(getattr(_enc, name, None))
        for name in (
            "prepare_data", "find_version", "version_range", "write_segment", "write_terminator",
            "write_padding_bits", "write_pad_codewords", "make_final_message", "make_matrix",
            "add_finder_patterns", "add_alignment_patterns", "add_codewords", "add_format_info",
            "add_version_info", "calc_matrix_size", "get_data_mask_functions",
        )
    ) and hasattr(_enc, "Buffer") and hasattr(_consts, "SYMBOL_CAPACITY")  # fmt: skip
except (ImportError, AttributeError):  # pragma: no cover - another segno
    _FAST = False

SEPARATOR = 2  # between rows (and columns) in the scored sequence: matches no run or pattern
_FINDER_LIKE = b"\x01\x00\x01\x01\x01\x00\x01"  # N3: 1:1:3:1:1


@dataclass(frozen=True)
class _Version:
    """What a QR version's symbols share, laid out as rows then columns, each line followed by
    a ``SEPARATOR`` (``width + 1`` bytes a line, ``2 * width`` lines)."""

    width: int
    bits: int  # codeword bits (data, error correction, remainder)
    place: Callable[[bytes], tuple[int, ...]]  # codeword bits + b"\0\1\2" -> the lines
    masks: tuple[int, ...]  # each mask over the encoding region, as an int of the lines
    formats: tuple[int, ...]  # each mask's format (and version) information, rows only
    block_skip: int  # N2: an int of the rows, nonzero in row 0 and every line's first byte
    first: int  # N1: nonzero in the first 4 bytes (no module before them)
    ones: int  # N1: 1 in every byte


def qr_rows(text: str) -> list[bytes]:
    """The QR code of ``text`` (error correction M, byte or best mode, the smallest version,
    the mask ISO/IEC 18004 scores best) as rows of 0/1 bytes, without a quiet zone."""
    if not _FAST:  # pragma: no cover
        return _segno_rows(text)
    segments = _enc.prepare_data(text, None, None)
    version = _enc.find_version(segments, _ERROR_M, eci=False, micro=False)
    shape = _version(version)
    buffer = _enc.Buffer()
    versions = _enc.version_range(version)
    for segment in segments:
        _enc.write_segment(buffer, segment, None, versions, False)
    capacity = _consts.SYMBOL_CAPACITY[version][_ERROR_M]
    _enc.write_terminator(buffer, capacity, None, len(buffer))
    _enc.write_padding_bits(buffer, version, len(buffer))
    _enc.write_pad_codewords(buffer, version, capacity, len(buffer))
    codewords = bytes(_enc.make_final_message(version, _ERROR_M, buffer).getbits())
    if len(codewords) != shape.bits:  # pragma: no cover - segno changed its layout
        return _segno_rows(text)
    lines = bytes(shape.place(codewords + b"\0\1\2"))
    plain = int.from_bytes(lines, "big")
    size = len(lines)
    best_score, best = -1, b""
    for number, mask in enumerate(shape.masks):
        masked = (plain ^ mask).to_bytes(size, "big")
        score = _penalty(masked, shape)
        if best_score < 0 or score < best_score:
            best_score, best, chosen = score, masked, number
    w = shape.width
    rows_size = w * (w + 1)
    rows = int.from_bytes(best[:rows_size], "big") | shape.formats[chosen]
    flat = rows.to_bytes(rows_size, "big")
    return [flat[i * (w + 1) : i * (w + 1) + w] for i in range(w)]


def _penalty(lines: bytes, shape: _Version) -> int:
    """The mask penalty N1 + N2 + N3 + N4 of a masked symbol (format areas light), as segno
    computes it: runs of 5+ (3 + the excess), 2x2 blocks (3 each), 1:1:3:1:1 with 4 light
    modules on a side or at an edge (40 each), and the dark share's distance from 50%."""
    w = shape.width
    size = len(lines)
    # N1 = sum over runs of 5+ of (length - 2) = windows of 5 alike + 2 x runs of 5+; a byte of
    # ``step`` is nonzero where a module differs from the one before it (0/1/2 XOR: no carry)
    x = int.from_bytes(lines, "big")
    step = x ^ (x >> 8) | shape.first
    windows = step | step >> 8 | step >> 16 | step >> 24  # zero: the 5 ending here are alike
    changed = (step | step >> 1) & shape.ones  # 1 where a module differs from the one before
    run_starts = windows | ((changed >> 32) ^ shape.ones)  # zero: the run began 4 before
    n1 = windows.to_bytes(size, "big").count(0) + 2 * run_starts.to_bytes(size, "big").count(0)
    n3 = 0
    line = w + 1
    find = lines.find
    index = find(_FINDER_LIKE)
    while index != -1:
        start = index - index % line  # the line holding it
        at = index - start
        before = lines[start + max(at - 4, 0) : index]
        after = lines[index + 7 : start + min(at + 11, w)]
        if at in (0, w - 7) or 1 not in before or 1 not in after:
            n3 += 40
            index = find(_FINDER_LIKE, index + 7)
        else:
            index = find(_FINDER_LIKE, index + 4)
    rows_size = w * line
    rows = int.from_bytes(lines[:rows_size], "big")
    above = rows >> (8 * line)
    differ = (rows ^ (rows >> 8)) | (rows ^ above) | (above ^ (above >> 8)) | shape.block_skip
    n2 = 3 * differ.to_bytes(rows_size, "big").count(0)
    dark = lines.count(1, 0, rows_size)
    n4 = 10 * int(abs(dark / (w * w) * 100 - 50) / 5)
    return n1 + n2 + n3 + n4


@lru_cache(maxsize=64)
def _version(version: int) -> _Version:
    w = _enc.calc_matrix_size(version)
    function = _enc.make_matrix(w, w)  # 2 = free, timing set, format/version areas 0
    _enc.add_finder_patterns(function, w, w)
    _enc.add_alignment_patterns(function, w, w)
    # where codeword bit k goes: mark the free cells with k + 3 (0, 1, 2 are module values)
    grid = [list(row) for row in function]
    count = sum(row.count(2) for row in grid)
    _enc.add_codewords(grid, [k + 3 for k in range(count)], version)
    source: list[int] = []  # for each cell: the index in ``codewords + b"\0\1\2"``
    for i in range(w):
        source += [v - 3 if v >= 3 else count + v for v in grid[i]] + [count + 2]
    columns: list[int] = []
    for j in range(w):
        columns += [source[i * (w + 1) + j] for i in range(w)] + [count + 2]
    place = operator.itemgetter(*source, *columns)
    free = [[cell == 2 for cell in row] for row in function]
    free[w - 8][8] = False  # the dark module
    masks = []
    for fn in _enc.get_data_mask_functions(False):
        rows = [[1 if free[i][j] and fn(i, j) else 0 for j in range(w)] for i in range(w)]
        masks.append(_lines(rows))
    formats = []
    for number in range(8):
        rows = [bytearray(w) for _ in range(w)]
        _enc.add_format_info(rows, version, _ERROR_M, number)
        _enc.add_version_info(rows, version)
        formats.append(int.from_bytes(_lines(rows, columns=False), "big"))
    skip = [[1 if i == 0 or j == 0 else 0 for j in range(w)] for i in range(w)]
    return _Version(
        w, count, place,
        tuple(int.from_bytes(m, "big") for m in masks), tuple(formats),
        int.from_bytes(_lines(skip, columns=False), "big") | _separator_bits(w),
        int.from_bytes(b"\3" * 4 + bytes(2 * w * (w + 1) - 4), "big"),
        int.from_bytes(b"\1" * (2 * w * (w + 1)), "big"),
    )  # fmt: skip


def _lines(rows: list[list[int]] | list[bytearray], *, columns: bool = True) -> bytes:
    """``rows`` (0/1) laid out as ``_Version`` lines; the separators 0 (XOR leaves them)."""
    w = len(rows)
    out = b"".join(bytes(row) + b"\0" for row in rows)
    if columns:
        out += b"".join(bytes(rows[i][j] for i in range(w)) + b"\0" for j in range(w))
    return out


def _separator_bits(w: int) -> int:
    return int.from_bytes(b"".join(b"\0" * w + b"\1" for _ in range(w)), "big")


def _segno_rows(text: str) -> list[bytes]:
    code = segno.make_qr(text, error="m", boost_error=False)
    return [bytes(1 if v else 0 for v in row) for row in code.matrix]
