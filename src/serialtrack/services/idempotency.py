"""Requests sent with an ``Idempotency-Key``: done once, answered the same on every retry.

One write transaction claims the key, does the work and stores the answer, so the key, the
effect (a document and its moves) and the answer commit together or not at all: a server
killed half-way leaves nothing behind, and the retry runs afresh. A retry of a finished
request gets the stored answer (status and body) without acting again; the same key with a
different request is a ``Conflict``. Two identical requests at once: the second waits for the
first's transaction (PostgreSQL: on the key's unique index; SQLite: on the write lock) and
then replays its answer.

A refusal (a ``SerialtrackError`` from the work) rolls the work back; its answer is then
stored in a small transaction of its own, so a retry is refused the same way. Refusals that
come from the database itself (a race on a unique index, a deadlock) are not remembered: the
request is tried once more and, failing again, answered with a clean 409 the caller may retry.

Answers are kept ``idempotency_retention_hours`` (a setting; else the environment variable
``SERIALTRACK_IDEMPOTENCY_RETENTION_HOURS``; else 24 hours); older keys are purged a bounded
batch at a time by the idempotent requests themselves. A key left "being worked on" by an
older version of serialtrack (three transactions) for over a minute counts as abandoned.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from serialtrack.adapters.db.idempotency import IN_PROGRESS, IdempotencyRepo, is_transient
from serialtrack.adapters.db.store import Store, Tx
from serialtrack.domain.errors import Conflict, Invalid, Problem, SerialtrackError
from serialtrack.domain.model import Actor, LineInput
from serialtrack.domain.permissions import minimum_permission, require
from serialtrack.domain.text import text_problem
from serialtrack.services import documents, queries
from serialtrack.services.header import HeaderInput

HEADER = "Idempotency-Key"
MAX_KEY = 200
RETENTION_SETTING = "idempotency_retention_hours"
RETENTION_ENV = "SERIALTRACK_IDEMPOTENCY_RETENTION_HOURS"
DEFAULT_RETENTION_HOURS = 24
ABANDONED_AFTER = timedelta(seconds=60)
PURGE_BATCH = 500
ATTEMPTS = 2  # a request refused by a database race is tried once more

Encode = Callable[[Any], Any]
Refusal = Callable[[SerialtrackError], tuple[int, Any]]


@dataclass(frozen=True)
class Answer:
    """What to send back: the status and JSON body, and whether it is a stored one."""

    status_code: int
    body: Any
    replayed: bool = False


class KeyConflict(Conflict):
    """The key cannot be used for this request (never stored as the key's answer)."""


def create_document(
    store: Store,
    actor: Actor,
    key: str,
    request_hash: str,
    header: HeaderInput,
    lines: Sequence[LineInput],
    *,
    post: bool,
    encode: Encode,
    refusal: Refusal,
    clock: Callable[[], datetime],
) -> Answer:
    """``Inventory.create_document`` under an idempotency key: 201 with ``encode(view)``."""
    require(actor, minimum_permission(header.kind))

    def work(tx: Tx, now: datetime) -> Any:
        document_id = documents.create(tx, actor, header, lines, post=post, now=now)
        return queries.document(tx, actor, document_id, moves_limit=queries.SUMMARY_MOVES)

    return run_once(
        store, actor, key, request_hash, work, status_code=201, encode=encode,
        refusal=refusal, clock=clock,
    )  # fmt: skip


def run_once(
    store: Store,
    actor: Actor,
    key: str,
    request_hash: str,
    work: Callable[[Tx, datetime], Any],
    *,
    status_code: int,
    encode: Encode,
    refusal: Refusal,
    clock: Callable[[], datetime],
) -> Answer:
    """Do ``work`` once for ``key``: the first time in the transaction that stores its answer
    (``status_code`` with ``encode(result)``, or ``refusal(error)`` when refused); afterwards
    the stored answer, replayed."""
    check_key(key)
    last: Exception | None = None
    for _ in range(ATTEMPTS):
        try:
            return _attempt(store, actor, key, request_hash, work, status_code, encode, clock)
        except KeyConflict:
            raise
        except _Retry as race:
            last = race
        except SerialtrackError as error:
            if not is_transient(error):
                status, body = refusal(error)
                return _remember(store, actor, key, request_hash, status, body, clock())
            last = error
    raise Conflict(
        "another request changed the same data at the same moment; nothing was written: "
        f"retry with the same {HEADER}",
        [Problem(HEADER, "concurrent change; retry")],
    ) from last


def check_key(key: object) -> str:
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY:
        raise Invalid(
            f"{HEADER} has 1 to {MAX_KEY} characters", [Problem(HEADER, f"1 to {MAX_KEY} chars")]
        )
    if problem := text_problem(key, HEADER):
        raise Invalid(f"{HEADER} is not valid", [problem])
    return key


def retention(tx: Tx) -> timedelta:
    """How long answers are kept: the setting, else the environment, else 24 hours."""
    for value in (tx.catalog.setting(RETENTION_SETTING), os.environ.get(RETENTION_ENV)):
        if value and value.strip().isdigit() and int(value) > 0:
            return timedelta(hours=min(int(value), 24 * 365))
    return timedelta(hours=DEFAULT_RETENTION_HOURS)


def purge(tx: Tx, now: datetime, limit: int = PURGE_BATCH) -> int:
    """Forget up to ``limit`` keys older than the retention; how many were forgotten."""
    return IdempotencyRepo(tx.connection).purge(now - retention(tx), limit)


def _attempt(
    store: Store,
    actor: Actor,
    key: str,
    request_hash: str,
    work: Callable[[Tx, datetime], Any],
    status_code: int,
    encode: Encode,
    clock: Callable[[], datetime],
) -> Answer:
    now = clock()
    with store.transaction() as tx:
        repo = IdempotencyRepo(tx.connection)
        purge(tx, now)
        if not repo.claim(actor.user_id, key, request_hash, now):
            stored = _stored(repo, actor, key, request_hash, now)
            if stored is not None:
                return stored
        body = encode(work(tx, now))
        repo.finish(actor.user_id, key, status_code, json.dumps(body))
        return Answer(status_code, body)


def _stored(
    repo: IdempotencyRepo, actor: Actor, key: str, request_hash: str, now: datetime
) -> Answer | None:
    """The stored answer for ``key``; None when this request has just taken it over."""
    row = repo.get(actor.user_id, key)
    if row is None:  # purged or rolled back between the insert and the read: try again
        raise _Retry
    if row["status_code"] == IN_PROGRESS:
        if repo.take_over(actor.user_id, key, request_hash, now, now - ABANDONED_AFTER):
            return None
        raise KeyConflict(
            "a request with this Idempotency-Key is still being processed; retry shortly",
            [Problem(HEADER, key)],
        )
    if row["request_hash"] != request_hash:
        raise KeyConflict(
            "this Idempotency-Key was used for a different request", [Problem(HEADER, key)]
        )
    return Answer(int(row["status_code"]), json.loads(row["response"]), replayed=True)


def _remember(
    store: Store,
    actor: Actor,
    key: str,
    request_hash: str,
    status: int,
    body: Any,
    now: datetime,
) -> Answer:
    """Store a refusal as the key's answer, unless the key got one meanwhile: then that one."""
    with store.transaction() as tx:
        repo = IdempotencyRepo(tx.connection)
        if repo.remember(actor.user_id, key, request_hash, status, json.dumps(body), now):
            return Answer(status, body)
        row = repo.get(actor.user_id, key)
    if (
        row is not None
        and row["status_code"] != IN_PROGRESS
        and row["request_hash"] == request_hash
    ):
        return Answer(int(row["status_code"]), json.loads(row["response"]), replayed=True)
    return Answer(status, body)


class _Retry(Exception):
    """The key's row vanished between the insert and the read: run the attempt again."""
