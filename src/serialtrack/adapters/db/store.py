"""``Store.transaction()`` yields a ``Tx``: one database transaction and its repositories.

Services receive a ``Tx`` and never see SQLAlchemy; everything they ask of storage is a
method on ``tx.catalog``, ``tx.documents``, ``tx.ledger``, ``tx.reads``, ``tx.counts``, ...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from serialtrack.adapters.db.auth import AuthRepo
from serialtrack.adapters.db.catalog import CatalogRepo
from serialtrack.adapters.db.chain import flush_head
from serialtrack.adapters.db.counts import CountRepo
from serialtrack.adapters.db.documents import DocumentRepo
from serialtrack.adapters.db.labels import LabelReads
from serialtrack.adapters.db.ledger import LedgerRepo
from serialtrack.adapters.db.reads import ReadRepo
from serialtrack.domain.errors import Conflict


@dataclass
class Tx:
    connection: Connection
    catalog: CatalogRepo
    documents: DocumentRepo
    ledger: LedgerRepo
    reads: ReadRepo
    auth: AuthRepo
    counts: CountRepo
    labels: LabelReads


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Tx]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        with self.engine.connect() as connection:
            if write:
                connection.execution_options(serialtrack_write=True)
            try:
                with connection.begin():
                    yield _tx(connection)
                    flush_head(connection)
            except IntegrityError as error:
                raise Conflict(f"the database refused the change: {_first_line(error)}") from error
            except OperationalError as error:
                if "locked" in str(error) or "deadlock" in str(error):
                    raise Conflict("the database is busy with another change; try again") from error
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def _tx(connection: Connection) -> Tx:
    return Tx(
        connection=connection,
        catalog=CatalogRepo(connection),
        documents=DocumentRepo(connection),
        ledger=LedgerRepo(connection),
        reads=ReadRepo(connection),
        auth=AuthRepo(connection),
        counts=CountRepo(connection),
        labels=LabelReads(connection),
    )


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", error))
    return text.splitlines()[0] if text else type(error).__name__
