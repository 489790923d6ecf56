"""Serial codes: cleaning and the comparison key.

Two codes of one product that differ only by case, surrounding whitespace or Unicode form
are the same code: ``code_key`` is what uniqueness is decided on, ``clean_code`` is what is
stored and shown. Codes are stored in NFKC (compatibility) form, so ``CAFE`` + a combining
accent and ``CAFÉ``, or full-width and ASCII digits, are one code, as they look alike.
"""

from __future__ import annotations

import unicodedata

from serialtrack.domain.errors import Invalid, Problem

MAX_CODE_LENGTH = 100


def clean_code(raw: str, where: str = "serial") -> str:
    """Trim a code and check it is storable; raise ``Invalid`` naming ``where`` if not."""
    problem = code_problem(raw, where)
    if problem:
        raise Invalid("invalid serial code", [problem])
    return normal_code(raw)


def normal_code(raw: str) -> str:
    """A code as stored: trimmed, in NFKC form."""
    code = raw.strip()
    return code if code.isascii() else unicodedata.normalize("NFKC", code)


def code_problem(raw: object, where: str = "serial") -> Problem | None:
    """Why ``raw`` cannot be a code, or None when it can."""
    if not isinstance(raw, str):
        return Problem(where, f"a serial code must be text, not {type(raw).__name__}")
    code = raw.strip()
    if not code:
        return Problem(where, "the serial code is empty")
    if len(code) > MAX_CODE_LENGTH:
        return Problem(where, f"the serial code is longer than {MAX_CODE_LENGTH} characters")
    if code.isascii() and code.isprintable():  # the usual case, without a look per character
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in code):
        return Problem(where, f"the serial code {code!r} contains a control character")
    return None


def code_key(code: str) -> str:
    """The comparison key of a code: trimmed, NFKC, case-folded."""
    code = code.strip()
    if code.isascii():
        return code.casefold()
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", code).casefold())
