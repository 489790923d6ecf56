"""Password hashes: argon2id at its library defaults on an installation; the test suite's
cheap parameters only when its variable says so, and hashes verify across both."""

from __future__ import annotations

import pytest

from serialtrack.services.passwords import FAST_FOR_TESTS, hasher


def test_an_installation_hashes_with_argon2s_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FAST_FOR_TESTS, raising=False)
    real = hasher()
    assert (real.memory_cost, real.time_cost) == (65536, 3)  # 64 MiB, 3 passes
    assert real.hash("secret").startswith("$argon2id$v=19$m=65536,t=3,")


def test_the_tests_cheap_hashes_verify_across(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAST_FOR_TESTS, "1")
    cheap = hasher()
    assert cheap.memory_cost < 65536
    monkeypatch.delenv(FAST_FOR_TESTS)
    real = hasher()
    assert real.verify(cheap.hash("secret"), "secret")
    assert cheap.verify(real.hash("secret"), "secret")
