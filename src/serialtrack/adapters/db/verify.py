"""Reading the whole ledger back to find what disagrees with it (``serialtrack check``).

Each method streams its rows (flat memory) and yields findings: a ``Finding`` names the class
of problem and says it in shop words: product SKU, serial code, document number, location
name, never an internal id. The pure rules (statuses, the chain's digests) come from the domain.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, case, false, func, select, true

from serialtrack.adapters.db.holdings import holdings_query
from serialtrack.adapters.db.tables import (
    audit,
    batch_quants,
    batches,
    bundle_components,
    document_bundles,
    document_events,
    documents,
    ledger_head,
    ledger_redactions,
    lines,
    locations,
    moves,
    partners,
    products,
    quants,
    sequences,
    serial_code_changes,
    serials,
    settings,
    users,
)
from serialtrack.domain.chain import GENESIS, link
from serialtrack.domain.model import DocumentKind, LocationKind, status_for
from serialtrack.domain.rules import RULES

STREAM = 5_000
EVENT_FIELDS = (
    "kind",
    "number",
    "date",
    "partner_id",
    "from_location_id",
    "to_location_id",
    "origin_document_id",
)


@dataclass(frozen=True)
class Finding:
    kind: str  # chain, serial, quantity, batch, document, numbering, conservation, time
    message: str

    def __str__(self) -> str:
        return self.message


class Verifier:
    def __init__(self, connection: Connection) -> None:
        self.c = connection
        self.names = _Names(connection)

    def _stream(self, query: Any) -> Iterator[Any]:
        result = self.c.execution_options(yield_per=STREAM).execute(query)
        yield from result

    # the hash chain ------------------------------------------------------------------
    def chain(self) -> Iterator[Finding]:  # noqa: C901 - one pass, each case named
        """Recompute every digest in sequence order; name what was edited, added or removed."""
        streams = []
        tables = {
            "move": moves,
            "code_change": serial_code_changes,
            "audit": audit,
            "event": document_events,
            "redaction": ledger_redactions,
        }
        for kind, table in tables.items():
            query = select(table).where(table.c.seq.is_not(None)).order_by(table.c.seq)
            streams.append(self._entries(kind, query))
        for kind, table in tables.items():
            if kind in ("event", "redaction"):
                continue
            unsealed = select(func.count()).select_from(table).where(table.c.seq.is_(None))
            count = self.c.execute(unsealed).scalar_one()
            if count:
                yield Finding(
                    "chain",
                    f"{count} {table.name} row(s) were written outside the ledger (no place in "
                    "its chain)",
                )
        removed = {
            r.removed_seq: r.removed_digest for r in self.c.execute(select(ledger_redactions))
        }
        previous, expected = GENESIS, 1
        for seq, kind, row in heapq.merge(*streams, key=lambda entry: entry[0]):
            if seq < expected:
                yield Finding(
                    "chain", f"ledger entry {seq} appears twice ({self.entry(kind, row)})"
                )
                continue
            while expected < seq:
                if expected in removed:
                    previous = removed[expected]
                    expected += 1
                    continue
                last = seq - 1
                while last in removed:
                    last -= 1
                span = f"{expected}" if last == expected else f"{expected} to {last}"
                yield Finding(
                    "chain",
                    f"ledger entries {span} are missing (deleted): the entry after them is "
                    f"{self.entry(kind, row)}",
                )
                expected = seq
                previous = None  # unknown: the next digest can't be checked against it
            values = row._mapping
            if previous is not None and link(previous, kind, seq, values) != row.digest:
                yield Finding(
                    "chain",
                    f"ledger entry {seq} was changed after it was written: {self.entry(kind, row)}",
                )
            previous, expected = row.digest, seq + 1
        head = self.c.execute(select(ledger_head)).first()
        last_seq = expected - 1
        if head is None:
            if last_seq:
                yield Finding("chain", "the ledger's head (its last entry's digest) is missing")
            return
        if head.last_seq > last_seq:
            yield Finding(
                "chain",
                f"ledger entries {last_seq + 1} to {head.last_seq} are missing (deleted from "
                "the end of the ledger)",
            )
        elif head.last_seq < last_seq:
            yield Finding(
                "chain", f"ledger entries after {head.last_seq} were added behind its back"
            )
        elif head.last_seq and previous is not None and head.last_digest != previous:
            yield Finding("chain", "the ledger's last entry does not match its recorded digest")

    def _entries(self, kind: str, query: Any) -> Iterator[tuple[int, str, Any]]:
        for row in self._stream(query):
            yield row.seq, kind, row

    def entry(self, kind: str, row: Any) -> str:
        n = self.names
        if kind == "move":
            what = (
                f"{n.sku(row.product_id)} {row.serial_code}"
                if row.serial_id
                else f"{row.quantity} {n.sku(row.product_id)}"
                + (f" batch {n.batch(row.batch_id)}" if row.batch_id else "")
            )
            verb = "reversal of" if row.reversal else "move of"
            return (
                f"{verb} {what} on {n.document(row.document_id)} from "
                f"{n.location(row.from_location_id)} to {n.location(row.to_location_id)} "
                f"by {n.user(row.user_id)} at {row.at:%Y-%m-%d %H:%M}"
            )
        if kind == "event":
            return f"{row.number} {row.event} by {n.user(row.user_id)} at {row.at:%Y-%m-%d %H:%M}"
        if kind == "code_change":
            return f"{n.sku(row.product_id)} code corrected from {row.old_code} to {row.new_code}"
        if kind == "audit":
            return f"audit record: {row.action} {row.entity} by {n.user(row.user_id)}"
        return f"removal of entry {row.removed_seq} by {n.user(row.user_id)}"

    # serials -------------------------------------------------------------------------
    def serials(self) -> Iterator[Finding]:
        """Each serial against its last move: place, status, product and code."""
        inner = moves.alias("inner_moves")
        last_id = (
            select(func.max(inner.c.id))
            .where(inner.c.serial_id == serials.c.id)
            .correlate(serials)
            .scalar_subquery()
        )
        query = (
            select(
                serials.c.id,
                serials.c.code,
                serials.c.product_id,
                serials.c.location_id,
                serials.c.status,
                serials.c.reserved_by,
                moves.c.to_location_id,
                moves.c.product_id.label("moved_product"),
                moves.c.serial_code,
                moves.c.seq,
                moves.c.document_id,
            )
            .select_from(serials)
            .outerjoin(moves, moves.c.id == last_id)
            .order_by(serials.c.id)
        )
        kinds = self.names.location_kinds()
        for row in self._stream(query):
            name = f"{self.names.sku(row.product_id)} {row.code}"
            if row.to_location_id is None:
                yield Finding("serial", f"{name} has no move in the ledger: nothing brought it in")
                continue
            if row.location_id != row.to_location_id:
                yield Finding(
                    "serial",
                    f"{name} is recorded at {self.names.location(row.location_id)}, but its last "
                    f"move ({self.names.document(row.document_id)}) took it to "
                    f"{self.names.location(row.to_location_id)}",
                )
            kind = kinds.get(row.location_id)
            if kind is not None:
                expected = status_for(kind, reserved=row.reserved_by is not None)
                allowed = {expected.value, status_for(kind).value}
                if row.status not in allowed:
                    yield Finding(
                        "serial",
                        f"{name} has status {row.status} at {self.names.location(row.location_id)}"
                        f" (a {kind.value} location holds {expected.value} units)",
                    )
            if row.moved_product != row.product_id:
                yield Finding(
                    "serial",
                    f"{name} belongs to {self.names.sku(row.product_id)}, but the ledger moved it "
                    f"as {self.names.sku(row.moved_product)}",
                )
            if row.code != row.serial_code:
                changed = self.c.execute(
                    select(serial_code_changes.c.new_code, serial_code_changes.c.seq)
                    .where(serial_code_changes.c.serial_id == row.id)
                    .order_by(serial_code_changes.c.seq.desc())
                    .limit(1)
                ).first()
                corrected = changed is not None and (changed.seq or 0) > (row.seq or 0)
                if not (corrected and changed.new_code == row.code):
                    known = changed.new_code if corrected else row.serial_code
                    yield Finding(
                        "serial",
                        f"{self.names.sku(row.product_id)} {row.code}: the ledger knows this unit "
                        f"as {known}; its code was rewritten outside a correction",
                    )

    def continuity(self) -> Iterator[Finding]:
        """Each move of a serial starts where the one before it ended."""
        previous_to = func.lag(moves.c.to_location_id).over(
            partition_by=moves.c.serial_id, order_by=moves.c.id
        )
        inner = (
            select(
                moves.c.id,
                moves.c.serial_id,
                moves.c.serial_code,
                moves.c.product_id,
                moves.c.document_id,
                moves.c.from_location_id,
                previous_to.label("previous_to"),
            )
            .where(moves.c.serial_id.is_not(None))
            .subquery()
        )
        query = select(inner).where(
            inner.c.previous_to.is_not(None), inner.c.previous_to != inner.c.from_location_id
        )
        for row in self._stream(query):
            yield Finding(
                "serial",
                f"{self.names.sku(row.product_id)} {row.serial_code}: "
                f"{self.names.document(row.document_id)} moved it from "
                f"{self.names.location(row.from_location_id)}, but the move before left it at "
                f"{self.names.location(row.previous_to)}",
            )

    def serial_dates(self) -> Iterator[Finding]:
        """A unit's documents, in the order they moved it, are dated in order (cancelled ones
        aside)."""
        dated = (
            select(
                moves.c.serial_id,
                moves.c.serial_code,
                moves.c.product_id,
                moves.c.document_id,
                documents.c.date,
                func.lag(documents.c.date)
                .over(partition_by=moves.c.serial_id, order_by=moves.c.id)
                .label("previous_date"),
                func.lag(moves.c.document_id)
                .over(partition_by=moves.c.serial_id, order_by=moves.c.id)
                .label("previous_document"),
            )
            .join(documents, documents.c.id == moves.c.document_id)
            .where(moves.c.serial_id.is_not(None), documents.c.state == "posted")
            .subquery()
        )
        query = select(dated).where(dated.c.previous_date > dated.c.date)
        for row in self._stream(query):
            yield Finding(
                "time",
                f"{self.names.sku(row.product_id)} {row.serial_code}: "
                f"{self.names.document(row.document_id)} dated {row.date} moved it after "
                f"{self.names.document(row.previous_document)} dated {row.previous_date}",
            )

    # quantities and batches ----------------------------------------------------------
    def quantities(self) -> Iterator[Finding]:
        """On hand per product (and batch) and location equals the sum of its moves."""
        yield from self._balances(quants, quants.c.product_id, moves.c.product_id, "quantity")
        yield from self._balances(batch_quants, batch_quants.c.batch_id, moves.c.batch_id, "batch")

    def _balances(self, table: Any, key: Any, moved_key: Any, kind: str) -> Iterator[Finding]:
        net: dict[tuple[int, int], int] = {}
        where = moves.c.serial_id.is_(None)
        if kind == "batch":
            where = and_(where, moves.c.batch_id.is_not(None))
        for side, sign in ((moves.c.to_location_id, 1), (moves.c.from_location_id, -1)):
            query = select(moved_key, side, func.sum(moves.c.quantity)).where(where)
            for k, location, total in self.c.execute(query.group_by(moved_key, side)):
                net[(k, location)] = net.get((k, location), 0) + sign * int(total)
        stored = {
            (r[0], r[1]): int(r[2])
            for r in self.c.execute(select(key, table.c.location_id, table.c.quantity))
        }
        for pair in sorted(net.keys() | stored.keys()):
            have, replayed = stored.get(pair, 0), net.get(pair, 0)
            if have != replayed:
                what = (
                    f"{self.names.batch_product(pair[0])} batch {self.names.batch(pair[0])}"
                    if kind == "batch"
                    else self.names.sku(pair[0])
                )
                yield Finding(
                    kind,
                    f"{what} at {self.names.location(pair[1])}: {have} on hand recorded, the "
                    f"ledger's moves add up to {replayed}",
                )

    def dated_stock(self) -> Iterator[Finding]:
        """Stock at each store and in transit, replayed in date order, never goes below zero."""
        if (
            self.c.execute(
                select(settings.c.value).where(settings.c.key == "allow_negative_stock")
            ).scalar()
            == "true"
        ):
            return
        kinds = self.names.location_kinds()
        counted = [i for i, k in kinds.items() if k.holds_stock]
        if not counted:
            return
        parts = []
        for side, sign in ((moves.c.to_location_id, 1), (moves.c.from_location_id, -1)):
            parts.append(
                select(
                    moves.c.product_id.label("product_id"),
                    moves.c.batch_id.label("batch_id"),
                    side.label("location_id"),
                    documents.c.date.label("date"),
                    func.sum(moves.c.quantity * sign).label("net"),
                )
                .join(documents, documents.c.id == moves.c.document_id)
                .where(moves.c.serial_id.is_(None), side.in_(counted))
                .group_by(moves.c.product_id, moves.c.batch_id, side, documents.c.date)
            )
        union = parts[0].union_all(parts[1]).subquery()
        query = (
            select(
                union.c.product_id,
                union.c.batch_id,
                union.c.location_id,
                union.c.date,
                func.sum(union.c.net),
            )
            .group_by(union.c.product_id, union.c.batch_id, union.c.location_id, union.c.date)
            .order_by(union.c.product_id, union.c.batch_id, union.c.location_id, union.c.date)
        )
        current, balance, reported = None, 0, None
        for product_id, batch_id, location_id, day, net in self._stream(query):
            key = (product_id, batch_id, location_id)
            if key != current:
                current, balance = key, 0
            balance += int(net)
            if balance < 0 and reported != key:
                reported = key
                what = self.names.sku(product_id)
                if batch_id is not None:
                    what += f" batch {self.names.batch(batch_id)}"
                yield Finding(
                    "time",
                    f"{what} at {self.names.location(location_id)} went below zero on {day} "
                    f"({balance}): documents dated earlier took what came in later",
                )

    def conservation(self) -> Iterator[Finding]:
        """No customer returned more than was sold to them, no invoice more than it delivered;
        likewise suppliers and receipts."""
        for out_kind, back_kind in (
            (DocumentKind.SALE, DocumentKind.SALES_RETURN),
            (DocumentKind.RECEIPT, DocumentKind.PURCHASE_RETURN),
        ):
            for row in self.c.execute(holdings_query(out_kind, back_kind, by="partner")):
                if row.out < row.back:
                    who = self.names.partner(row.owner) if row.owner else "walk-in customers"
                    yield Finding(
                        "conservation",
                        f"{self._goods(row)}: {who} sent back {row.back - row.out} more than "
                        + (
                            "was sold to them"
                            if out_kind is DocumentKind.SALE
                            else "came from them"
                        ),
                    )
            for row in self.c.execute(holdings_query(out_kind, back_kind, by="origin")):
                if row.out < row.back:
                    yield Finding(
                        "conservation",
                        f"{self._goods(row)}: returns against {self.names.document(row.owner)} "
                        f"exceed what it moved by {row.back - row.out}",
                    )

    def _goods(self, row: Any) -> str:
        what = self.names.sku(row.product_id)
        return what + (f" batch {self.names.batch(row.batch_id)}" if row.batch_id else "")

    # documents -----------------------------------------------------------------------
    def documents(self) -> Iterator[Finding]:
        """Each document's state agrees with its events, its lines with its moves.

        Documents and their events are read side by side in document order (a merge, so
        memory stays flat however many there are)."""
        kept = document_events.c.event != "discarded"
        events = self._stream(
            select(document_events)
            .where(kept)
            .order_by(document_events.c.document_id, document_events.c.seq)
        )
        pending = next(events, None)
        header = [documents.c[name] for name in EVENT_FIELDS]
        query = select(documents.c.id, documents.c.state, *header).order_by(documents.c.id)
        for d in self._stream(query):
            while pending is not None and pending.document_id < d.id:
                yield _erased(pending)
                pending = _skip(events, pending.document_id)
            seen = []
            while pending is not None and pending.document_id == d.id:
                seen.append(pending)
                pending = next(events, None)
            yield from _events_agree(d, seen)
        while pending is not None:
            yield _erased(pending)
            pending = _skip(events, pending.document_id)
        yield from self._lines()

    def _lines(self) -> Iterator[Finding]:
        forward = func.coalesce(
            func.sum(case((moves.c.reversal == false(), moves.c.quantity), else_=0)), 0
        )
        backward = func.coalesce(
            func.sum(case((moves.c.reversal == true(), moves.c.quantity), else_=0)), 0
        )
        assembled = (DocumentKind.ASSEMBLY, DocumentKind.DISASSEMBLY)
        generic = [k.value for k, rule in RULES.items() if rule.generic or k in assembled]
        query = (
            select(
                documents.c.number,
                documents.c.state,
                documents.c.kind,
                lines.c.line_no,
                lines.c.quantity,
                forward.label("forward"),
                backward.label("backward"),
            )
            .select_from(lines)
            .join(documents, documents.c.id == lines.c.document_id)
            .outerjoin(moves, moves.c.line_id == lines.c.id)
            .group_by(
                documents.c.id,
                documents.c.number,
                documents.c.state,
                documents.c.kind,
                lines.c.id,
                lines.c.line_no,
                lines.c.quantity,
            )
            .order_by(documents.c.id, lines.c.line_no)
        )
        for row in self._stream(query):
            where = f"{row.number} line {row.line_no}"
            if row.state == "draft":
                if row.forward or row.backward:
                    yield Finding("document", f"{where}: a draft has moves in the ledger")
                continue
            if row.kind in generic and row.forward != row.quantity:
                yield Finding(
                    "document",
                    f"{where}: {row.quantity} on the line, {row.forward} moved in the ledger",
                )
            if row.state == "cancelled" and row.backward != row.forward:
                yield Finding(
                    "document",
                    f"{where}: cancelled, but {row.backward} of {row.forward} moved back",
                )
            if row.state == "posted" and row.backward:
                yield Finding("document", f"{where}: posted, yet the ledger holds reversals")

    # bundles -------------------------------------------------------------------------
    def bundles(self) -> Iterator[Finding]:
        """A quantity-only bundle holds no stock of its own (its components do), and each
        bundle a document names groups lines of that document."""
        held = (
            select(quants.c.product_id, quants.c.location_id, quants.c.quantity)
            .join(bundle_components, bundle_components.c.bundle_id == quants.c.product_id)
            .join(products, products.c.id == quants.c.product_id)
            .where(quants.c.quantity != 0, products.c.tracking == "none")
            .distinct()
        )
        for row in self.c.execute(held):
            yield Finding(
                "bundle",
                f"{self.names.sku(row.product_id)} is a bundle, yet "
                f"{self.names.location(row.location_id)} holds {row.quantity} of it",
            )
        grouped = (
            select(
                document_bundles.c.document_id,
                document_bundles.c.bundle_no,
                func.count(lines.c.id).label("lines"),
                func.sum(case((lines.c.document_id != document_bundles.c.document_id, 1), else_=0))
                .label("foreign"),
            )
            .outerjoin(lines, lines.c.bundle_id == document_bundles.c.id)
            .group_by(document_bundles.c.id, document_bundles.c.document_id,
                      document_bundles.c.bundle_no)
            .order_by(document_bundles.c.document_id, document_bundles.c.bundle_no)
        )  # fmt: skip
        for row in self._stream(grouped):
            where = f"{self.names.document(row.document_id)} bundle {row.bundle_no}"
            if not row.lines:
                yield Finding("bundle", f"{where}: no line belongs to it")
            elif row.foreign:
                yield Finding("bundle", f"{where}: lines of another document belong to it")
        yield from self._assembled_units()

    def _assembled_units(self) -> Iterator[Finding]:
        """Each unit an assembly makes (or a disassembly takes apart) is one line of one unit
        of the bundle, beside the lines of its parts."""
        own = lines.c.product_id == document_bundles.c.product_id
        query = (
            select(
                document_bundles.c.document_id,
                document_bundles.c.bundle_no,
                func.sum(case((own, 1), else_=0)).label("units"),
                func.sum(case((own, lines.c.quantity), else_=0)).label("quantity"),
                func.sum(case((own, 0), else_=1)).label("parts"),
            )
            .join(lines, lines.c.bundle_id == document_bundles.c.id)
            .join(documents, documents.c.id == document_bundles.c.document_id)
            .where(documents.c.kind.in_(("assembly", "disassembly")))
            .group_by(document_bundles.c.id, document_bundles.c.document_id,
                      document_bundles.c.bundle_no)
            .order_by(document_bundles.c.document_id, document_bundles.c.bundle_no)
        )  # fmt: skip
        for row in self._stream(query):
            if row.units != 1 or row.quantity != 1 or not row.parts:
                where = f"{self.names.document(row.document_id)} unit {row.bundle_no}"
                yield Finding(
                    "bundle",
                    f"{where}: {row.units} line(s) of the bundle for {row.quantity} unit(s) "
                    f"and {row.parts} line(s) of parts; one unit and its parts expected",
                )

    def numbering(self) -> Iterator[Finding]:
        """Every number a counter gave out belongs to a document or a discarded draft."""
        for rule in RULES.values():
            issued = self.c.execute(
                select(sequences.c.next_value).where(
                    sequences.c.name == "document:" + rule.kind.value
                )
            ).scalar()
            if not issued or issued <= 1:
                continue
            top = int(issued) - 1
            seen = bytearray(top + 1)
            prefix = rule.prefix + "-"
            for source in (documents, document_events):
                query = select(source.c.number).where(
                    source.c.kind == rule.kind.value, source.c.number.startswith(prefix)
                )
                for (number,) in self._stream(query):
                    tail = number[len(prefix) :]
                    if tail.isdigit() and 0 < int(tail) <= top:
                        seen[int(tail)] = 1
            missing = [f"{prefix}{n:06d}" for n in range(1, top + 1) if not seen[n]]
            if missing:
                shown = ", ".join(missing[:10]) + (
                    f" and {len(missing) - 10} more" if len(missing) > 10 else ""
                )
                yield Finding(
                    "numbering",
                    f"{rule.label} numbers missing from the books (no document, no discarded "
                    f"draft): {shown}",
                )


EXPECTED_EVENTS = {"draft": [], "posted": ["posted"], "cancelled": ["posted", "cancelled"]}


def _events_agree(d: Any, seen: list[Any]) -> Iterator[Finding]:
    happened = [e.event for e in seen]
    if happened != EXPECTED_EVENTS.get(d.state, happened):
        said = ", then ".join(happened) or "never posted"
        yield Finding("document", f"{d.number} is {d.state}, but the ledger says: {said}")
        return
    for e in seen:
        changed = [n for n in EVENT_FIELDS if _differs(getattr(e, n), getattr(d, n))]
        if changed:
            yield Finding(
                "document", f"{d.number}: {', '.join(changed)} changed since it was {e.event}"
            )
            return


def _erased(e: Any) -> Finding:
    return Finding(
        "document",
        f"{e.number} ({e.kind.replace('_', ' ')} of {e.date}) was {e.event} but is missing "
        "from the books (deleted)",
    )


def _skip(events: Iterator[Any], document_id: int) -> Any:
    """The first event of the next document after ``document_id``."""
    for e in events:
        if e.document_id != document_id:
            return e
    return None


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, date) or isinstance(b, date):
        return str(a) != str(b)
    return a != b


class _Names:
    """Ids to the names people know, looked up once each."""

    def __init__(self, connection: Connection) -> None:
        self.c = connection
        self.one = cache(self._one)

    def _one(self, table: str, column: str, key: int | None) -> str:
        if key is None:
            return "—"
        t = {"products": products, "locations": locations, "users": users, "documents": documents,
             "partners": partners, "batches": batches}[table]  # fmt: skip
        value = self.c.execute(select(t.c[column]).where(t.c.id == key)).scalar()
        return str(value) if value is not None else f"(deleted {table[:-1]})"

    def sku(self, key: int | None) -> str:
        return self.one("products", "sku", key)

    def location(self, key: int | None) -> str:
        return self.one("locations", "name", key)

    def user(self, key: int | None) -> str:
        return self.one("users", "username", key)

    def document(self, key: int | None) -> str:
        return self.one("documents", "number", key)

    def partner(self, key: int | None) -> str:
        return self.one("partners", "name", key)

    def batch(self, key: int | None) -> str:
        return self.one("batches", "code", key)

    def batch_product(self, key: int | None) -> str:
        product = self.c.execute(select(batches.c.product_id).where(batches.c.id == key)).scalar()
        return self.sku(product)

    def location_kinds(self) -> dict[int, LocationKind]:
        return {
            r[0]: LocationKind(r[1])
            for r in self.c.execute(select(locations.c.id, locations.c.kind))
        }
