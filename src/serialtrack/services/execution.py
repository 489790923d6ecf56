"""Executing a checked document against the ledger: post it, or cancel it exactly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import Conflict, Problem
from serialtrack.domain.model import (
    Actor,
    DocumentKind,
    DocumentState,
    Location,
    LocationKind,
    SerialStatus,
    status_for,
)
from serialtrack.domain.posting import (
    Origin,
    PlannedBatch,
    PlannedLine,
    SerialState,
    batch_outstanding_problems,
    cancel_problems,
    outstanding_problems,
    serial_problems,
)
from serialtrack.domain.rules import RULES
from serialtrack.services import conservation
from serialtrack.services.header import Header

ALLOW_NEGATIVE_STOCK = "allow_negative_stock"
# After a posting or cancel this large the planner's statistics are refreshed: PostgreSQL with
# stale statistics picks plans that scan whole tables per serial (bench/README.md, finding 1).
LARGE_DOCUMENT = 10_000


def serial_row(
    product_id: int,
    code: str,
    *,
    location_id: int,
    status: SerialStatus,
    document_id: int,
    now: datetime,
    expiry: date | None = None,
    batch_id: int | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """A new serial's row, as the document that brings it in creates it (``key``: the code's
    ``code_key``, when the caller has it already)."""
    return {
        "batch_id": batch_id,
        "product_id": product_id,
        "code": code,
        "code_key": code_key(code) if key is None else key,
        "location_id": location_id,
        "status": status.value,
        "last_document_id": document_id,
        "created_document_id": document_id,
        "created_at": now,
        "expiry": expiry,
    }


def move_row(
    *,
    now: datetime,
    document_id: int,
    line_id: int,
    product_id: int,
    user_id: int,
    from_location_id: int,
    to_location_id: int,
    serial_id: int | None = None,
    serial_code: str | None = None,
    batch_id: int | None = None,
    quantity: int = 1,
) -> dict[str, Any]:
    """One ledger row: a serial, a part of a batch, or a quantity moving along a route."""
    return {
        "at": now, "document_id": document_id, "line_id": line_id, "product_id": product_id,
        "serial_id": serial_id, "serial_code": serial_code, "batch_id": batch_id,
        "quantity": quantity,
        "from_location_id": from_location_id, "to_location_id": to_location_id,
        "user_id": user_id, "reversal": False,
    }  # fmt: skip


def post(
    tx: Tx,
    actor: Actor,
    document_id: int,
    header: Header,
    planned: Sequence[PlannedLine],
    states: Mapping[tuple[int, str], SerialState],
    *,
    now: datetime,
    legs: Sequence[tuple[Header, Sequence[PlannedLine]]] = (),
    fresh: bool = False,
) -> None:
    """Post a checked document: its lines move along the header's route; ``legs`` are lines
    that move along another route of the same document (what an assembly puts together comes
    out of the assembly into the store). ``fresh``: this transaction inserted the document
    already marked posted (nobody else can have seen it as a draft)."""
    stamp = {"posted_by": actor.user_id, "posted_at": now}
    if not fresh and not tx.documents.transition(
        document_id, DocumentState.DRAFT, DocumentState.POSTED, stamp
    ):
        raise Conflict("the document was posted or deleted by someone else at the same moment")
    if header.rule.takes_from_origin and header.origin_id is not None:
        _hold_origin(tx, header.rule.label, header.origin_id, planned)
    elif header.origin_id is not None and not tx.ledger.hold_document(
        header.origin_id, DocumentState.POSTED.value
    ):
        number = tx.documents.number_of(header.origin_id)
        raise Conflict(f"{number} was cancelled at the same moment; nothing was posted")
    if any(not line.codes for line in planned):
        # Lock the partner whose holdings the rules read before the ledger's head is locked
        # (every writer takes row locks first and the head last: no deadlock between them).
        conservation.hold(tx, header.rule.kind, header.partner, header.from_location.id,
                          header.to_location.id)  # fmt: skip
    rows: list[dict[str, Any]] = []
    for route, lines in ((header, planned), *legs):
        rows += _moves(tx, actor, document_id, route, lines, states, now)
    tx.ledger.insert_moves(rows)
    tx.documents.record_event(document_id, "posted", user_id=actor.user_id, at=now)
    if any(not line.codes for line in planned):  # quantities and batches
        conservation.check_posting(tx, tx.documents.get(document_id))  # type: ignore[arg-type]
    if len(rows) >= LARGE_DOCUMENT:
        tx.ledger.refresh_statistics()


def _moves(
    tx: Tx,
    actor: Actor,
    document_id: int,
    header: Header,
    planned: Sequence[PlannedLine],
    states: Mapping[tuple[int, str], SerialState],
    now: datetime,
) -> list[dict[str, Any]]:
    """Move the lines' goods along the header's route; return their ledger rows."""
    # Quantity lines only may take stock below zero, when the shop's setting says so.
    allow_negative = any(not line.codes and not line.batches for line in planned) and (
        tx.catalog.setting(ALLOW_NEGATIVE_STOCK) == "true"
    )
    rows: list[dict[str, Any]] = []
    for line in planned:
        base = {
            "now": now,
            "document_id": document_id,
            "line_id": line.line_id,
            "product_id": line.product.id,
            "from_location_id": header.from_location.id,
            "to_location_id": header.to_location.id,
            "user_id": actor.user_id,
        }
        if line.batches:
            rows += _move_batches(tx, document_id, header, line, base, now)
            continue
        if not line.codes:
            _move_quantity(tx, header.from_location, header.to_location, line, allow_negative)
            rows.append(move_row(**base, quantity=line.quantity))
            continue
        for serial_id, code in _move_serials(tx, document_id, header, line, states, now):
            rows.append(move_row(**base, serial_id=serial_id, serial_code=code))
    return rows


def origin_of(tx: Tx, header: Header) -> Origin | None:
    """The document this one names, with the serials it moved."""
    if header.origin_id is None:
        return None
    number = tx.documents.get(header.origin_id)["number"]  # type: ignore[index]
    return Origin(header.origin_id, number, frozenset(tx.ledger.serial_ids_in(header.origin_id)))


def _hold_origin(tx: Tx, label: str, origin_id: int, planned: Sequence[PlannedLine]) -> None:
    """Lock the dispatch a transfer receipt takes from; check its quantities still in transit."""
    number = tx.documents.get(origin_id)["number"]  # type: ignore[index]
    if not tx.ledger.hold_document(origin_id, DocumentState.POSTED.value):
        raise Conflict(f"{number} was cancelled at the same moment; nothing was received")
    problems = outstanding_problems(planned, tx.ledger.quantity_in_transit(origin_id), number)
    problems += batch_outstanding_problems(planned, tx.ledger.batches_in_transit(origin_id), number)
    if problems:
        raise Conflict(f"the {label} takes more than is in transit", problems)


def _move_serials(
    tx: Tx,
    document_id: int,
    header: Header,
    line: PlannedLine,
    states: Mapping[tuple[int, str], SerialState],
    now: datetime,
) -> list[tuple[int, str]]:
    """Move (or create) the line's serials; return their ids and codes in the line's order."""
    status = status_for(header.to_location.kind)
    keys = line.keys
    known = {k: states[(line.product.id, k)].id for k in keys if (line.product.id, k) in states}
    batch_id, expiry = _lot_of(tx, document_id, header, line, now) if line.batch else (None, None)
    fresh = [
        serial_row(
            line.product.id,
            code,
            location_id=header.to_location.id,
            status=status,
            document_id=document_id,
            now=now,
            expiry=expiry if line.batch else line.expiry,
            batch_id=batch_id,
            key=key,
        )
        for code, key in zip(line.codes, keys, strict=True)
        if key not in known
    ]
    created = tx.ledger.insert_serials(fresh) if fresh else {}
    if len(created) != len(fresh):
        _taken_meanwhile(line, [row["code_key"] for row in fresh if row["code_key"] not in created])
    if known:
        outgoing = header.from_location.kind is LocationKind.INTERNAL
        moved = tx.ledger.move_serials(
            list(known.values()),
            document_id=document_id,
            from_location_id=header.from_location.id if outgoing else None,
            takes=header.rule.takes,
            to_location_id=header.to_location.id,
            status=status,
            put_there_by=header.origin_id if header.rule.takes_from_origin else None,
        )
        if moved != len(known):
            _explain(tx, document_id, header, line, list(known.values()))
    # Each unit with the code it carries now: a known one's stored code, a new one's as entered.
    code_of = {k: states[(line.product.id, k)].code for k in known}
    return [
        (known[k], code_of[k]) if k in known else (created[k], code)
        for k, code in zip(keys, line.codes, strict=True)
    ]


def _lot_of(
    tx: Tx, document_id: int, header: Header, line: PlannedLine, now: datetime
) -> tuple[int, date | None]:
    """The batch a serial+batch line's new units belong to (created with the line's expiry if
    new) and the expiry they carry: the batch's."""
    assert line.batch is not None
    key = code_key(line.batch)
    state = tx.ledger.batch_states(line.product.id, [key], header.to_location.id).get(key)
    if state is not None:
        return state.id, state.expiry if state.expiry is not None else line.expiry
    part = PlannedBatch(line.batch, line.quantity, line.expiry)
    return _new_batch(tx, document_id, line, part, f"lines[{line.line_no - 1}].batch", now), (
        line.expiry
    )


def _move_batches(
    tx: Tx,
    document_id: int,
    header: Header,
    line: PlannedLine,
    base: dict[str, Any],
    now: datetime,
) -> list[dict[str, Any]]:
    """Move each batch's part of the line; create the batches an incoming kind brings.

    Each batch has a quantity per location (virtual ones too, so a sales return can take back
    what was sold); only an internal store or transit must never go below zero.
    """
    source, target = header.from_location, header.to_location
    floor = source.kind.holds_stock
    rows = []
    states = tx.ledger.batch_states(line.product.id, [b.key for b in line.batches], source.id)
    for position, batch in enumerate(line.batches):
        where = f"lines[{line.line_no - 1}].batches[{position}]"
        state = states.get(batch.key)
        batch_id = state.id if state else _new_batch(tx, document_id, line, batch, where, now)
        if not tx.ledger.add_batch_quantity(batch_id, source.id, -batch.quantity, floor=floor):
            have = tx.ledger.batch_states(line.product.id, [batch.key], source.id)[batch.key]
            raise Conflict(
                f"not enough of {line.product.sku} batch {batch.code} at {source.name}",
                [Problem(f"{where}.quantity", f"{have.on_hand} on hand, {batch.quantity} asked")],
            )
        tx.ledger.add_batch_quantity(batch_id, target.id, batch.quantity, floor=False)
        rows.append(move_row(**base, batch_id=batch_id, quantity=batch.quantity))
    tx.ledger.add_quantity(line.product.id, source.id, -line.quantity, floor=False)
    tx.ledger.add_quantity(line.product.id, target.id, line.quantity, floor=False)
    return rows


def _new_batch(
    tx: Tx, document_id: int, line: PlannedLine, batch: PlannedBatch, where: str, now: datetime
) -> int:
    batch_id = tx.ledger.insert_batch(
        {
            "product_id": line.product.id,
            "code": batch.code,
            "code_key": batch.key,
            "expiry": batch.expiry,
            "created_document_id": document_id,
            "created_at": now,
        }
    )
    if batch_id is None:
        raise Conflict(
            f"batch {batch.code} of {line.product.sku} was created by another document at the "
            "same moment; try again",
            [Problem(where, "taken meanwhile")],
        )
    return batch_id


def _taken_meanwhile(line: PlannedLine, keys: list[str]) -> None:
    position = {key: i for i, key in enumerate(line.keys)}
    code_of = dict(zip(line.keys, line.codes, strict=True))
    problems = [
        Problem(
            f"lines[{line.line_no - 1}].serials[{position[key]}]",
            f"{code_of[key]} of {line.product.sku} was entered by another document at the same "
            "moment; reload and try again",
        )
        for key in keys
    ]
    raise Conflict(f"{len(keys)} serial(s) were taken by another document meanwhile", problems)


def _explain(tx: Tx, document_id: int, header: Header, line: PlannedLine, ids: list[int]) -> None:
    fresh = {(s.product_id, code_key(s.code)): s for s in tx.ledger.states_by_ids(ids)}
    problems = serial_problems(
        header.rule,
        document_id=document_id,
        partner_id=header.partner.id if header.partner else None,
        from_location_id=header.from_location.id,
        lines=[line],
        states=fresh,
        origin=origin_of(tx, header),
    )
    raise Conflict("another document moved some of these serials at the same moment", problems)


def _move_quantity(
    tx: Tx, source: Location, target: Location, line: PlannedLine, allow_negative: bool
) -> None:
    floor = source.kind is LocationKind.INTERNAL and not allow_negative
    if not tx.ledger.add_quantity(line.product.id, source.id, -line.quantity, floor=floor):
        have = tx.ledger.quantity_at(line.product.id, source.id)
        raise Conflict(
            f"not enough {line.product.sku} at {source.name}: "
            f"{have} on hand, {line.quantity} asked",
        )
    tx.ledger.add_quantity(line.product.id, target.id, line.quantity, floor=False)


def cancel(tx: Tx, actor: Actor, row: Mapping[str, Any], *, now: datetime) -> None:
    """Write the inverse of every move of a posted document, if nothing has moved on since.

    Each move is undone along its own route, so a document whose moves go different ways (an
    inventory count: lost out, found in, misplaced over) is reversed exactly too.
    """
    document_id = row["id"]
    routes = tx.ledger.serial_routes(document_id)
    problems = []
    for _, to_id in routes:
        problems += cancel_problems(
            document_id=document_id,
            to_location_id=to_id,
            states=tx.ledger.states_moved_on(document_id, to_id),
        )
    if problems:
        raise Conflict(
            f"{row['number']} cannot be cancelled: serials have moved on since", problems
        )
    stamp = {"cancelled_by": actor.user_id, "cancelled_at": now}
    if not tx.documents.transition(
        document_id, DocumentState.POSTED, DocumentState.CANCELLED, stamp
    ):
        raise Conflict(f"{row['number']} was cancelled by someone else at the same moment")
    _refuse_if_taken_from(tx, row)
    expected = len(tx.ledger.serial_ids_in(document_id))
    done = 0
    for from_id, to_id in routes:
        back_to = tx.catalog.location(from_id)
        done += tx.ledger.reverse_serials(
            document_id=document_id, now_at=to_id, back_to=from_id, status=status_for(back_to.kind)
        )
    if done != expected:
        raise Conflict(
            f"serials of {row['number']} moved at the same moment; nothing was cancelled, try again"
        )
    moved = tx.ledger.quantity_moves(document_id)
    if moved:
        partner = tx.catalog.partner(row["partner_id"]) if row["partner_id"] else None
        conservation.hold(tx, DocumentKind(row["kind"]), partner, row["from_location_id"],
                          row["to_location_id"])  # fmt: skip
    _reverse_quantities(tx, row, moved)
    conservation.check_cancel(tx, row, moved)
    if row["kind"] == DocumentKind.SERIAL_ASSIGNMENT.value:
        from serialtrack.services import tracking

        tracking.undo_on_cancel(tx, row)
    tx.ledger.insert_reversal_moves(document_id=document_id, user_id=actor.user_id, now=now)
    tx.documents.record_event(document_id, "cancelled", user_id=actor.user_id, at=now)
    if expected >= LARGE_DOCUMENT:
        tx.ledger.refresh_statistics()


def _reverse_quantities(tx: Tx, row: Mapping[str, Any], moved: Sequence[Any]) -> None:
    allow_negative = tx.catalog.setting(ALLOW_NEGATIVE_STOCK) == "true"
    for move in moved:
        source = tx.catalog.location(move.from_location_id)
        target = tx.catalog.location(move.to_location_id)
        if move.batch_id is not None:
            floor = target.kind.holds_stock
            taken = tx.ledger.add_batch_quantity(
                move.batch_id, target.id, -move.quantity, floor=floor
            )
            if not taken:
                code = tx.ledger.batch_code(move.batch_id)
                raise Conflict(
                    f"{row['number']} cannot be cancelled: batch {code} no longer has "
                    f"{move.quantity} at {target.name}"
                )
            tx.ledger.add_batch_quantity(move.batch_id, source.id, move.quantity, floor=False)
            floor = False  # the product's total follows its batches
        else:
            floor = target.kind is LocationKind.INTERNAL and not allow_negative
        if not tx.ledger.add_quantity(move.product_id, target.id, -move.quantity, floor=floor):
            raise Conflict(
                f"{row['number']} cannot be cancelled: its goods are no longer at {target.name}"
            )
        tx.ledger.add_quantity(move.product_id, source.id, move.quantity, floor=False)


def _refuse_if_taken_from(tx: Tx, row: Mapping[str, Any]) -> None:
    """A document can't be cancelled while a posted one names it as its origin: a dispatch
    that a receipt took goods from, a sale with a return against it, a receipt with a
    purchase return against it.

    Checked once the document's row is locked (by its state change), so a document posted at
    the same moment is either seen here or refused for finding its origin cancelled.
    """
    kind = DocumentKind(row["kind"])
    takers = [r.kind.value for r in RULES.values() if r.origin_kind is kind]
    naming = tx.ledger.posted_naming(row["id"], takers) if takers else []
    if naming:
        verb = "received goods from" if kind is DocumentKind.DISPATCH else "name"
        raise Conflict(
            f"{row['number']} cannot be cancelled: {', '.join(naming)} {verb} it; "
            "cancel those first"
        )
