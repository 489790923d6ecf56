"""The journal of moves (every ledger row, filtered, keyset-paged, exportable) and discrepancies
resolved (who, when, how; open and resolved ones listed apart).

Filters come by name (SKU, location, partner, username, document kind, dates) and are checked
whole before anything is read: every unknown name, bad date or unknown filter is refused at
once, each naming its filter, so an export never breaks off after its first bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from serialtrack.adapters.db import journal_queries as sql
from serialtrack.adapters.db.store import Tx
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem
from serialtrack.domain.model import Actor, Discrepancy, DocumentKind
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.text import clean_text, storable
from serialtrack.services import audit

FILTERS = ("date_from", "date_to", "location", "sku", "kind", "partner", "user")
JOURNAL_COLUMNS = (
    "id", "at", "kind", "number", "document_date", "sku", "serial", "batch", "quantity",
    "from_location", "to_location", "user", "partner", "reversal",
)  # fmt: skip
MAX_LIMIT = 1000
STATES = ("open", "resolved", "all")
MAX_NOTE = 2000
# Resolving closes an investigation of units gone missing or found: the manager's sign-off
# that counts and write-offs need (the clerks' setting for those does not extend to this).
RESOLVE_PERMISSION = Permission.TAKE_OFF_BOOKS


@dataclass(frozen=True)
class JournalRow:
    """One move as the journal shows it; ``reversal``: written by cancelling its document."""

    id: int
    at: datetime  # UTC
    kind: DocumentKind
    number: str
    document_date: date
    sku: str
    serial: str | None
    batch: str | None
    quantity: int
    from_location: str
    to_location: str
    user: str
    partner: str | None
    reversal: bool

    def values(self) -> tuple[Any, ...]:
        """The row in ``JOURNAL_COLUMNS`` order (kind as its word)."""
        return tuple(self.kind.value if c == "kind" else getattr(self, c) for c in JOURNAL_COLUMNS)


@dataclass(frozen=True)
class ResolvedDiscrepancy(Discrepancy):
    """A discrepancy with its resolution: who resolved it, when, and how (None while open)."""

    resolved_at: datetime | None = None  # UTC
    resolved_by: str | None = None
    resolution: str | None = None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


# --- the journal ---------------------------------------------------------------------------
def prepare(tx: Tx, actor: Actor, **given: Any) -> sql.JournalFilter:
    """The filters, names to ids, checked whole (see the module's docstring)."""
    require(actor, Permission.READ)
    problems = [
        Problem(name, "not a filter of the journal") for name in given if name not in FILTERS
    ]
    since = day_of(given.get("date_from"), "date_from", problems)
    until = day_of(given.get("date_to"), "date_to", problems)
    if since is not None and until is not None and since > until:
        problems.append(Problem("date_from", f"{since} is after date_to {until}"))
    ids: dict[str, int | None] = {}
    for name, find, says in (
        ("sku", tx.catalog.product_by_sku, "no product with SKU"),
        ("location", tx.catalog.location_by_name, "no location named"),
        ("partner", tx.catalog.partner_by_name, "no partner named"),
    ):
        value = _given(given.get(name))
        found = find(value) if value is not None and storable(value) else None
        if value is not None and found is None:
            problems.append(Problem(name, f"{says} {value[:80]!r}"))
        ids[name] = found.id if found is not None else None
    username = _given(given.get("user"))
    known = username is not None and storable(username)
    ids["user"] = sql.user_id(tx.connection, username) if known else None
    if username is not None and ids["user"] is None:
        problems.append(Problem("user", f"no user named {username[:80]!r}"))
    kind = _given(given.get("kind"))
    if kind is not None and kind not in {k.value for k in DocumentKind}:
        problems.append(
            Problem("kind", f"kind is one of {', '.join(k.value for k in DocumentKind)}")
        )
    if problems:
        raise Invalid("the journal filter is not valid", problems)
    return sql.JournalFilter(
        since=datetime.combine(since, time()) if since else None,
        until=datetime.combine(until, time()) + timedelta(days=1) if until else None,
        location_id=ids["location"], product_id=ids["sku"], kind=kind,
        partner_id=ids["partner"], user_id=ids["user"],
    )  # fmt: skip


def _given(value: Any) -> str | None:
    if value is None:
        return None
    text = getattr(value, "value", value)  # a DocumentKind is its word
    text = str(text).strip()
    return text or None


def day_of(value: Any, name: str, problems: list[Problem]) -> date | None:
    """A day of a range (both ends included): a date, or text YYYY-MM-DD; a problem naming
    ``name`` otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(Problem(name, f"{str(value)[:40]!r} is not a date (YYYY-MM-DD)"))
        return None


def page(
    tx: Tx, actor: Actor, f: sql.JournalFilter, *, after_id: int = 0, limit: int = 100
) -> list[JournalRow]:
    """The moves after move ``after_id`` (the previous page's last), oldest first."""
    require(actor, Permission.READ)
    problems = []
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        problems.append(Problem("limit", f"limit is 1 to {MAX_LIMIT}"))
    if isinstance(after_id, bool) or not isinstance(after_id, int) or after_id < 0:
        problems.append(Problem("after", "the id of the last move of the previous page"))
    if problems:
        raise Invalid("the journal page is not valid", problems)
    return [_row(r) for r in sql.journal(tx.connection, f, after_id=after_id, limit=limit)]


def rows(tx: Tx, actor: Actor, f: sql.JournalFilter) -> Iterator[JournalRow]:
    """Every move the filter keeps, oldest first, streamed."""
    require(actor, Permission.READ)
    for r in sql.stream_journal(tx.connection, f):
        yield _row(r)


def _row(r: Any) -> JournalRow:
    return JournalRow(
        id=r.id, at=r.at.replace(tzinfo=UTC), kind=DocumentKind(r.kind), number=r.number,
        document_date=r.document_date, sku=r.sku, serial=r.serial, batch=r.batch,
        quantity=r.quantity, from_location=r.from_location, to_location=r.to_location,
        user=r.user, partner=r.partner, reversal=bool(r.reversal),
    )  # fmt: skip


# --- discrepancies -------------------------------------------------------------------------
def discrepancies(
    tx: Tx, actor: Actor, *, state: str = "open", limit: int = 1000
) -> list[ResolvedDiscrepancy]:
    """Discrepancies newest first: ``open`` ones, ``resolved`` ones or ``all``."""
    require(actor, Permission.READ)
    problems = []
    if state not in STATES:
        problems.append(Problem("state", f"state is one of {', '.join(STATES)}"))
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        problems.append(Problem("limit", f"limit is 1 to {MAX_LIMIT}"))
    if problems:
        raise Invalid("the discrepancy filter is not valid", problems)
    return [_discrepancy(r) for r in sql.discrepancies_by_state(tx.connection, state, limit)]


def resolve(
    tx: Tx, actor: Actor, discrepancy_id: int, note: Any, *, now: datetime
) -> ResolvedDiscrepancy:
    """Mark a discrepancy resolved by ``actor`` now, with ``note`` saying how (required);
    audited. One already resolved is a conflict naming who resolved it and when."""
    require(actor, RESOLVE_PERMISSION)
    text = clean_text("" if note is None else note, "note", multiline=True).strip()
    if not text:
        raise Invalid("say how it was resolved", [Problem("note", "a note is required")])
    if len(text) > MAX_NOTE:
        raise Invalid("the note is too long", [Problem("note", f"over {MAX_NOTE} characters")])
    found = sql.discrepancy(tx.connection, discrepancy_id)
    if found is None:
        raise NotFound(f"no open or resolved discrepancy with id {discrepancy_id}")
    if found.resolved_at is not None or not sql.resolve(
        tx.connection, discrepancy_id, user_id=actor.user_id, at=now, note=text
    ):
        again = sql.discrepancy(tx.connection, discrepancy_id)
        when = again.resolved_at.strftime("%Y-%m-%d %H:%M") if again.resolved_at else "just now"
        raise Conflict(
            f"discrepancy {discrepancy_id} is already resolved "
            f"(by {again.resolved_by or 'someone'} on {when} UTC)"
        )
    detail = {
        "kind": found.kind, "sku": found.sku, "code": found.code, "document": found.document,
        "reason": text,
    }  # fmt: skip
    audit.record(tx, actor, "discrepancy", discrepancy_id, "resolve", detail, now)
    return _discrepancy(sql.discrepancy(tx.connection, discrepancy_id))


def _discrepancy(r: Any) -> ResolvedDiscrepancy:
    return ResolvedDiscrepancy(
        r.id, r.at.replace(tzinfo=UTC), r.kind, r.sku, r.code, r.document, r.detail,
        resolved_at=r.resolved_at.replace(tzinfo=UTC) if r.resolved_at else None,
        resolved_by=r.resolved_by, resolution=r.resolution,
    )  # fmt: skip
