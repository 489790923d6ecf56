"""GTINs (GS1 trade item numbers): checking and the 14-digit form they are stored and compared in.

A GTIN-8, -12 (UPC-A), -13 (EAN) or -14 is all digits, the last one a GS1 mod-10 check digit.
Every length is the same number zero-padded to 14 digits, which is the form ``normalize_gtin``
returns. Values must be text: a spreadsheet cell read as a number has lost its leading zeros.
"""

from __future__ import annotations

from serialtrack.domain.errors import Invalid, Problem

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body``, the digits that precede it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_problem(value: object) -> str | None:
    """Why ``value`` is not a GTIN, or None when it is one."""
    if not isinstance(value, str):
        return f"a GTIN must be text, not {type(value).__name__}"
    digits = value.strip()
    if not digits:
        return "the GTIN is empty"
    if not (digits.isascii() and digits.isdigit()):
        return f"a GTIN is digits only, not {digits!r}"
    if len(digits) not in GTIN_LENGTHS:
        return f"a GTIN has 8, 12, 13 or 14 digits, not {len(digits)} ({digits})"
    if not digits.strip("0"):
        return "a GTIN cannot be all zeros"
    expected = gtin_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        return f"the check digit of GTIN {digits} should be {expected}, not {digits[-1]}"
    return None


def gln_problem(value: object) -> str | None:
    """Why ``value`` is not a GLN (13 digits, GS1 check digit), or None when it is one."""
    if not isinstance(value, str):
        return f"a GLN must be text, not {type(value).__name__}"
    digits = value.strip()
    if not (digits.isascii() and digits.isdigit() and len(digits) == 13):
        return f"a GLN is 13 digits, not {digits[:20]!r}"
    expected = gtin_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        return f"the check digit of GLN {digits} should be {expected}, not {digits[-1]}"
    return None


def is_gtin(value: object) -> bool:
    """Whether ``value`` is a valid GTIN-8, -12, -13 or -14."""
    return gtin_problem(value) is None


def normalize_gtin(value: object, where: str = "gtin") -> str:
    """The GTIN as 14 digits; raise ``Invalid`` naming ``where`` if it is not a valid GTIN."""
    problem = gtin_problem(value)
    if problem:
        raise Invalid("invalid GTIN", [Problem(where, problem, "gtin")])
    assert isinstance(value, str)
    return value.strip().zfill(14)
