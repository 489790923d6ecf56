"""Fixtures: a fresh database per test on SQLite and, when reachable, PostgreSQL.

PostgreSQL is used when a server answers (``SERIALTRACK_TEST_POSTGRES_URL``, default the local
``test`` database); each test gets its own schema. When it does not answer the PostgreSQL
cases are skipped with the reason, unless ``SERIALTRACK_TEST_POSTGRES=required``, when they
fail instead.

Passwords are hashed with argon2's cheapest parameters here (``SERIALTRACK_TEST_FAST_HASHES``,
set before serialtrack is imported and inherited by the servers the tests start): every test
database creates an admin, and a real hash costs 0.13 s of the suite's budget each time.
"""

from __future__ import annotations

import os

os.environ["SERIALTRACK_TEST_FAST_HASHES"] = "1"

from collections.abc import Iterator

import pytest

import serialtrack
from databases import (
    _PG_PROBLEM,
    PG_REQUIRED,
    PG_URL,
    drop_postgres_schema,
    new_postgres_schema,
    require_postgres,
)
from serialtrack.inventory import Inventory
from templates import initialized


def pytest_report_header(config: pytest.Config) -> list[str]:
    postgres = "skipped: " + _PG_PROBLEM if _PG_PROBLEM else f"used ({PG_URL})"
    required = " [required]" if PG_REQUIRED else ""
    return ["databases: SQLite (always)", f"databases: PostgreSQL {postgres}{required}"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL of an empty database, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'serialtrack.db'}"
        return
    require_postgres()
    url, schema = new_postgres_schema()
    try:
        yield url
    finally:
        drop_postgres_schema(schema)


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'serialtrack.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    require_postgres()
    url, schema = new_postgres_schema()
    try:
        yield url
    finally:
        drop_postgres_schema(schema)


@pytest.fixture
def inv(db_url: str) -> Iterator[Inventory]:
    """The library on a fresh database (a copy of one made by ``serialtrack.open``, see
    ``templates``), as admin; when the test is done, ``serialtrack check`` replays its whole
    ledger and must find nothing."""
    inventory = serialtrack.open(initialized(db_url))
    try:
        yield inventory
        assert inventory.check() == [], "the books disagree with the ledger after this test"
    finally:
        inventory.close()
