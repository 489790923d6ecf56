"""PostgreSQL for tests: whether it answers, and a fresh schema per test (no fixtures here).

Imported by ``conftest.py`` and by tests that make databases themselves.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest

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
