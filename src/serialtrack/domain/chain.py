"""The ledger's hash chain: every entry carries a digest of its content and of the entry before.

Entries are the ledger's moves, document events (posted, cancelled, discarded), serial code
corrections, audit records and redactions, numbered by one global sequence. An entry's digest is
``sha256(previous digest + canonical text of its content)``, so editing, inserting or deleting
any entry changes every digest after it; ``serialtrack check`` recomputes the chain and names
the first entry that differs. Pure functions only: storage decides where the fields come from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from operator import itemgetter
from typing import Any

GENESIS = "0" * 64

# The fields of each kind of entry, in the order they are hashed. Never reorder or rename:
# stored digests depend on it. A new field goes at the end of its tuple.
FIELDS: dict[str, tuple[str, ...]] = {
    "move": (
        "at", "document_id", "line_id", "product_id", "serial_id", "serial_code", "batch_id",
        "quantity", "from_location_id", "to_location_id", "user_id", "reversal",
    ),
    "event": (
        "at", "document_id", "event", "kind", "number", "date", "partner_id",
        "from_location_id", "to_location_id", "origin_document_id", "user_id",
    ),
    "code_change": ("at", "serial_id", "product_id", "old_code", "new_code", "reason", "user_id"),
    "audit": ("at", "user_id", "entity", "entity_id", "action", "detail"),
    "redaction": ("at", "removed_seq", "removed_digest", "reason", "user_id"),
}  # fmt: skip


def _datetime(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


# How each type of value is written (checked by exact type: bool is not an int here).
_WRITE: dict[type, Any] = {
    int: str,
    str: str,
    bool: lambda value: "1" if value else "0",
    datetime: _datetime,
    date: date.isoformat,
    type(None): lambda _: "\x00",
}


def _text(value: Any) -> str:
    write = _WRITE.get(type(value))
    if write is not None:
        return write(value)  # type: ignore[no-any-return]
    if isinstance(value, datetime):
        return _datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def canonical(kind: str, seq: int, row: Mapping[str, Any]) -> str:
    """The text an entry's digest is taken over: its kind, its number and its fields."""
    return _joined(kind, seq, map(_text, map(row.get, FIELDS[kind])))


def link(previous: str, kind: str, seq: int, row: Mapping[str, Any]) -> str:
    """The digest of entry ``seq``, chained to ``previous``."""
    return _digest(previous, kind, seq, map(_text, map(row.get, FIELDS[kind])))


def _joined(kind: str, seq: int, texts: Iterable[str]) -> str:
    return "\x1f".join((kind, str(seq), *texts))


def _digest(previous: str, kind: str, seq: int, texts: Iterable[str]) -> str:
    """The digest over ``previous`` and the entry's field texts, in ``FIELDS`` order."""
    body = previous + "\x1e" + _joined(kind, seq, texts)
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def seal(
    previous: str, first_seq: int, kind: str, rows: Iterable[dict[str, Any]]
) -> tuple[int, str]:
    """Number and digest ``rows`` in order (setting ``seq`` and ``digest`` on each).

    Returns the last number and digest given, to be stored as the chain's head. Each row's
    digest is ``link``'s; the rows of one document repeat most values (its time, its
    document, its places), so each value's text is written once per call.
    """
    if not isinstance(rows, list) or len(rows) < _MEMO_FROM:
        return _seal_each(previous, first_seq, kind, rows)
    names = FIELDS[kind]
    values_of = itemgetter(*names)
    texts = _Texts()
    text_of = texts.__getitem__
    plain = _PLAIN.issuperset
    seq, digest = first_seq - 1, previous
    for row in rows:
        seq += 1
        try:
            values = values_of(row)
        except KeyError:
            values = tuple(map(row.get, names))
        if plain(map(type, values)):
            digest = _digest(digest, kind, seq, map(text_of, values))
        else:
            digest = link(digest, kind, seq, row)
        row["seq"], row["digest"] = seq, digest
    return seq, digest


_MEMO_FROM = 8  # rows; a sale's one move and one event are cheaper without the memo


def _seal_each(
    previous: str, first_seq: int, kind: str, rows: Iterable[dict[str, Any]]
) -> tuple[int, str]:
    seq, digest = first_seq - 1, previous
    for row in rows:
        seq += 1
        digest = link(digest, kind, seq, row)
        row["seq"], row["digest"] = seq, digest
    return seq, digest


# The types whose values equal only values of the same text (True == 1 and False == 0 write
# alike; a float or a Decimal equal to an int would not, so they never reach the memo).
_PLAIN = frozenset(_WRITE)


class _Texts(dict[Any, str]):
    """Value -> its text, written on first sight."""

    def __missing__(self, value: Any) -> str:
        text = self[value] = _text(value)
        return text
