"""Documents: create (as a draft or posted at once), post, cancel, delete a draft."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem
from serialtrack.domain.model import (
    Actor,
    DocumentKind,
    DocumentState,
    LineInput,
    TrackingMode,
)
from serialtrack.domain.permissions import Permission, document_permission, require
from serialtrack.domain.posting import PlannedLine, SerialState, plan_lines, serial_problems
from serialtrack.domain.rules import KindRule, rule_for
from serialtrack.services import execution, serials
from serialtrack.services.header import Header, HeaderInput, next_number, resolve_header


def create(
    tx: Tx,
    actor: Actor,
    given: HeaderInput,
    lines: Sequence[LineInput],
    *,
    post: bool,
    now: datetime,
) -> int:
    """Create a document; with ``post`` it is posted in the same transaction. Returns its id."""
    rule = rule_for(given.kind)
    require(actor, document_permission(rule.kind))
    header, problems = resolve_header(tx, rule, given, now.date())
    products = tx.catalog.products_by_skus([line.sku for line in lines])
    planned, line_problems = plan_lines(rule, products, lines)
    problems += line_problems
    if problems or header is None:
        raise Invalid(f"the {rule.label} is not valid", problems)
    states = _states(tx, planned)
    _check_serials(tx, rule, header, planned, states, document_id=None)
    document_id, planned = _insert(tx, actor, header, planned, now)
    if post:
        execution.post(tx, actor, document_id, header, planned, states, now=now)
    elif rule.reserves:
        _hold(tx, document_id, header, planned, states)
    else:
        _keep_codes(tx, document_id, planned, states)
    return document_id


def update_draft(
    tx: Tx,
    actor: Actor,
    document_id: int,
    given: HeaderInput,
    lines: Sequence[LineInput],
    *,
    post: bool,
    now: datetime,
) -> None:
    """Replace a draft's header and lines (same id; same number unless a new one is given).

    The draft's held serials are released first, so it may keep them; everything is checked
    again as for a new document, and a refusal leaves the draft exactly as it was.
    """
    row = _document(tx, document_id)
    rule = rule_for(DocumentKind(row["kind"]))
    require(actor, document_permission(rule.kind))
    if given.kind is not rule.kind:
        raise Invalid(
            f"{row['number']} is a {rule.label}; its kind cannot change", [Problem("kind", "")]
        )
    if not tx.documents.transition(document_id, DocumentState.DRAFT, DocumentState.DRAFT, {}):
        raise Conflict(f"{row['number']} is {row['state']}; only a draft can be edited")
    tx.ledger.release(document_id)
    tx.documents.delete_lines(document_id)
    same_number = given.number is None or given.number.strip() == row["number"]
    header, problems = resolve_header(
        tx, rule, replace(given, number=None if same_number else given.number), now.date()
    )
    products = tx.catalog.products_by_skus([line.sku for line in lines])
    planned, line_problems = plan_lines(rule, products, lines)
    problems += line_problems
    if problems or header is None:
        raise Invalid(f"the {rule.label} is not valid", problems)
    states = _states(tx, planned)
    _check_serials(tx, rule, header, planned, states, document_id=None)
    number = row["number"] if same_number else header.number
    planned = _rewrite(tx, document_id, replace(header, number=number), planned)
    if post:
        execution.post(tx, actor, document_id, header, planned, states, now=now)
    elif rule.reserves:
        _hold(tx, document_id, header, planned, states)
    else:
        _keep_codes(tx, document_id, planned, states)


def _rewrite(
    tx: Tx, document_id: int, header: Header, planned: Sequence[PlannedLine]
) -> list[PlannedLine]:
    tx.documents.update(document_id, _header_values(header))
    line_ids = tx.documents.insert_lines(
        document_id, [(p.line_no, p.product.id, p.quantity) for p in planned]
    )
    return [replace(p, line_id=i) for p, i in zip(planned, line_ids, strict=True)]


def _header_values(header: Header) -> dict[str, object]:
    return {
        "number": header.number,
        "date": header.date,
        "partner_id": header.partner.id if header.partner else None,
        "from_location_id": header.from_location.id,
        "to_location_id": header.to_location.id,
        "reference": header.reference,
        "origin_document_id": header.origin_id,
        "destination_location_id": header.destination.id if header.destination else None,
        "note": header.note,
    }


def post(tx: Tx, actor: Actor, document_id: int, *, now: datetime) -> None:
    row = _document(tx, document_id)
    rule = rule_for(DocumentKind(row["kind"]))
    require(actor, document_permission(rule.kind))
    if row["state"] != DocumentState.DRAFT.value:
        raise Conflict(f"{row['number']} is {row['state']}; only a draft can be posted")
    header = _header_of(tx, rule, row)
    _origin_still_posted(tx, header)
    planned = _planned_of(tx, document_id)
    states = _states(tx, planned)
    _check_serials(tx, rule, header, planned, states, document_id=document_id)
    tx.documents.forget_draft_serials(document_id)
    execution.post(tx, actor, document_id, header, planned, states, now=now)


def cancel(tx: Tx, actor: Actor, document_id: int, *, now: datetime) -> None:
    require(actor, Permission.CANCEL_DOCUMENT)
    row = _document(tx, document_id)
    if row["state"] != DocumentState.POSTED.value:
        raise Conflict(
            f"{row['number']} is {row['state']}; only a posted document can be cancelled"
        )
    execution.cancel(tx, actor, row, now=now)


def delete_draft(tx: Tx, actor: Actor, document_id: int) -> None:
    row = _document(tx, document_id)
    require(actor, document_permission(DocumentKind(row["kind"])))
    if row["state"] != DocumentState.DRAFT.value:
        raise Conflict(
            f"{row['number']} is {row['state']}; only a draft can be deleted (cancel it instead)"
        )
    tx.ledger.release(document_id)
    tx.documents.delete_draft(document_id)


def _origin_still_posted(tx: Tx, header: Header) -> None:
    """A draft names its origin as it was then; by posting time it may have been cancelled."""
    origin = tx.documents.get(header.origin_id) if header.origin_id is not None else None
    if origin is not None and origin["state"] != DocumentState.POSTED.value:
        raise Conflict(
            f"the {header.rule.label} names {origin['number']}, which is {origin['state']}",
            [Problem("origin", f"{origin['number']} is {origin['state']}, not posted")],
        )


def _document(tx: Tx, document_id: int):  # type: ignore[no-untyped-def]
    row = tx.documents.get(document_id)
    if row is None:
        raise NotFound(f"no document with id {document_id}")
    return row


def _states(tx: Tx, planned: Sequence[PlannedLine]) -> dict[tuple[int, str], SerialState]:
    states: dict[tuple[int, str], SerialState] = {}
    for line in planned:
        if line.codes:
            states.update(tx.ledger.states_by_keys(line.product.id, line.keys))
    return states


def _check_serials(
    tx: Tx,
    rule: KindRule,
    header: Header,
    planned: Sequence[PlannedLine],
    states: dict[tuple[int, str], SerialState],
    *,
    document_id: int | None,
) -> None:
    problems = serial_problems(
        rule,
        document_id=document_id,
        partner_id=header.partner.id if header.partner else None,
        from_location_id=header.from_location.id,
        lines=planned,
        states=states,
        origin=execution.origin_of(tx, header),
    )
    if rule.creates_serials and not problems:
        problems = serials.global_uniqueness_problems(tx, planned)
    if problems:
        raise Conflict(f"the {rule.label} names serials it cannot move", problems)


def _insert(
    tx: Tx, actor: Actor, header: Header, planned: Sequence[PlannedLine], now: datetime
) -> tuple[int, list[PlannedLine]]:
    document_id = tx.documents.insert(
        {
            **_header_values(header),
            "kind": header.rule.kind.value,
            "number": header.number or next_number(tx, header.rule),
            "state": DocumentState.DRAFT.value,
            "created_by": actor.user_id,
            "created_at": now,
        }
    )
    line_ids = tx.documents.insert_lines(
        document_id, [(p.line_no, p.product.id, p.quantity) for p in planned]
    )
    return document_id, [replace(p, line_id=i) for p, i in zip(planned, line_ids, strict=True)]


def _hold(tx: Tx, document_id: int, header: Header, planned: Sequence[PlannedLine], states) -> None:  # type: ignore[no-untyped-def]
    ids = [states[(p.product.id, k)].id for p in planned for k in p.keys]
    if tx.ledger.reserve(
        ids, document_id=document_id, from_location_id=header.from_location.id
    ) != len(ids):
        fresh = {(s.product_id, code_key(s.code)): s for s in tx.ledger.states_by_ids(ids)}
        _check_serials(tx, header.rule, header, planned, fresh, document_id=None)
        raise Conflict("another document took some of these serials at the same moment; try again")
    _keep_codes(tx, document_id, planned, states)


def _keep_codes(tx: Tx, document_id: int, planned: Sequence[PlannedLine], states) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for line in planned:
        for code, key in zip(line.codes, line.keys, strict=True):
            state = states.get((line.product.id, key))
            rows.append(
                {
                    "line_id": line.line_id,
                    "serial_id": state.id if state else None,
                    "code": code,
                    "code_key": key,
                }
            )
    tx.documents.insert_line_serials(rows)


def _header_of(tx: Tx, rule: KindRule, row) -> Header:  # type: ignore[no-untyped-def]
    return Header(
        rule=rule,
        number=row["number"],
        date=row["date"],
        partner=tx.catalog.partner(row["partner_id"]) if row["partner_id"] else None,
        from_location=tx.catalog.location(row["from_location_id"]),
        to_location=tx.catalog.location(row["to_location_id"]),
        origin_id=row["origin_document_id"],
        reference=row["reference"],
        note=row["note"],
        destination=(
            tx.catalog.location(row["destination_location_id"])
            if row["destination_location_id"]
            else None
        ),
    )


def _planned_of(tx: Tx, document_id: int) -> list[PlannedLine]:
    codes: dict[int, list[str]] = {}
    for row in tx.documents.draft_serials(document_id):
        codes.setdefault(row["line_id"], []).append(row["code"])
    planned = []
    for row in tx.documents.lines(document_id):
        product = tx.catalog.product(row["product_id"])
        line_codes = (
            tuple(codes.get(row["id"], ())) if product.tracking is not TrackingMode.NONE else ()
        )
        planned.append(PlannedLine(row["line_no"], product, row["quantity"], line_codes, row["id"]))
    return planned
