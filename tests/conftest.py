"""Fixtures: a fresh database per test on SQLite and, when reachable, PostgreSQL.

PostgreSQL is used when a server answers (``SERIALTRACK_TEST_POSTGRES_URL``, default the local
``test`` database); each test gets its own schema. When it does not answer the PostgreSQL
cases are skipped with the reason, unless ``SERIALTRACK_TEST_POSTGRES=required``, when they
fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

import serialtrack
from serialtrack.inventory import Inventory

PG_URL = os.environ.get(
    "SERIALTRACK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PG_REQUIRED = os.environ.get("SERIALTRACK_TEST_POSTGRES") == "required"


def _postgres_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3) as connection:
            connection.execute("select 1")
    except Exception as error:  # any failure to connect means: no PostgreSQL here
        return f"PostgreSQL not reachable at {PG_URL}: {str(error).splitlines()[0]}"
    return None


_PG_PROBLEM = _postgres_problem()


def pytest_report_header(config: pytest.Config) -> list[str]:
    postgres = "skipped: " + _PG_PROBLEM if _PG_PROBLEM else f"used ({PG_URL})"
    required = " [required]" if PG_REQUIRED else ""
    return ["databases: SQLite (always)", f"databases: PostgreSQL {postgres}{required}"]


def require_postgres() -> None:
    if _PG_PROBLEM:
        if PG_REQUIRED:
            pytest.fail(f"SERIALTRACK_TEST_POSTGRES=required but {_PG_PROBLEM}")
        pytest.skip(_PG_PROBLEM)


def new_postgres_schema() -> tuple[str, str]:
    """Create an empty schema; return (url whose connections use it, schema name)."""
    import psycopg

    schema = f"st_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(f'create schema "{schema}"')
    options = quote(f"-csearch_path={schema}")
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={options}", schema


def drop_postgres_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(f'drop schema "{schema}" cascade')


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
    inventory = serialtrack.open(db_url)
    try:
        yield inventory
    finally:
        inventory.close()
