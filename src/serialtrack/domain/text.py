"""User-supplied text: what may be stored in a name, a code or a note.

Names and codes (SKUs, product, location and partner names, units) are one line of printable
text: no NUL, no C0/C1 control character (tabs and line breaks included), no bidirectional
override or isolate (U+202A..U+202E, U+2066..U+2069: they make ``Bob\\u202egnp.exe`` read as
``Bobexe.png``), no lone surrogate (not encodable, so not storable). Notes (multi-line free
text) may hold tabs and line breaks, and bidi marks (right-to-left languages use them), but no
other control character. Either way the text is normalized to NFC, so the same word typed on
two keyboards is stored the same.

``text_problem`` says why a value cannot be stored (or None); ``clean_text`` returns it in NFC
or raises ``Invalid`` naming the field. Pure functions: no I/O, no state.
"""

from __future__ import annotations

import re
import unicodedata

from serialtrack.domain.errors import Invalid, Problem

# C0 controls, DEL and C1 controls; the line variant leaves out \t \n \r.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NOTE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")

_NAMES = {"\x00": "a NUL byte", "\t": "a tab", "\n": "a line break", "\r": "a line break"}


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if char in _NAMES:
        return f"{_NAMES[char]} ({code})"
    if _BIDI.match(char):
        return f"a bidirectional override or isolate ({code})"
    if _SURROGATES.match(char):
        return f"an unpaired surrogate ({code})"
    return f"a control character ({code})"


def text_problem(value: object, field: str, *, multiline: bool = False) -> Problem | None:
    """Why ``value`` cannot be stored in ``field``, or None when it can.

    ``multiline``: a note, which may hold tabs, line breaks and bidi marks.
    """
    if not isinstance(value, str):
        return Problem(field, f"{field} must be text, not {type(value).__name__}")
    controls = _NOTE_CONTROLS if multiline else _CONTROLS
    found = controls.search(value) or _SURROGATES.search(value)
    if found is None and not multiline:
        found = _BIDI.search(value)
    if found is None:
        return None
    where = f"at character {found.start() + 1}"
    return Problem(field, f"{field} contains {_describe(found.group())} {where}", "text")


def storable(value: str) -> bool:
    """Whether any database can hold ``value`` at all: no NUL (PostgreSQL refuses it), no
    unpaired surrogate (not encodable). Looking up such a value can only find nothing."""
    return "\x00" not in value and _SURROGATES.search(value) is None


def clean_text(value: object, field: str, *, multiline: bool = False) -> str:
    """``value`` in NFC, or ``Invalid`` naming ``field`` when it cannot be stored."""
    problem = text_problem(value, field, multiline=multiline)
    if problem is not None:
        raise Invalid(f"{field} is not valid text", [problem])
    assert isinstance(value, str)
    return unicodedata.normalize("NFC", value)
