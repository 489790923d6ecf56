"""Password hashing: argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile,
64 MiB and 3 passes per hash).

``SERIALTRACK_TEST_FAST_HASHES=1`` — set by the test suite only, never on an installation —
uses argon2's cheapest parameters instead, so the thousand databases the tests create do not
each spend a real hash on their first admin. Every hash carries its own parameters, so a hash
made either way verifies either way.
"""

from __future__ import annotations

import os

from argon2 import PasswordHasher

FAST_FOR_TESTS = "SERIALTRACK_TEST_FAST_HASHES"


def hasher() -> PasswordHasher:
    if os.environ.get(FAST_FOR_TESTS) == "1":
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()
