"""Documents: create (as a draft or posted at once), post, cancel, delete a draft."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.bundles import Expanded
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem, SerialtrackError
from serialtrack.domain.model import (
    Actor,
    DocumentKind,
    DocumentState,
    LineInput,
    Product,
)
from serialtrack.domain.permissions import (
    Permission,
    document_permission,
    require,
    require_may,
)
from serialtrack.domain.posting import (
    PlannedBatch,
    PlannedLine,
    SerialState,
    batch_problems,
    lot_problems,
    plan_lines,
    serial_problems,
)
from serialtrack.domain.rules import KindRule, cannot_move, rule_for
from serialtrack.services import bundles, catalog, execution, lots, serials
from serialtrack.services.header import Header, HeaderInput, next_number, resolve_header


def require_kind(tx: Tx, actor: Actor, kind: DocumentKind) -> None:
    """May ``actor`` make documents of ``kind``? Write-offs need a manager unless the shop's
    setting gives them to clerks."""
    permission = document_permission(kind)
    # The shop's setting matters only to taking units off the books (read only then).
    clerks = permission is Permission.TAKE_OFF_BOOKS and catalog.clerks_take_off_books(tx)
    require_may(actor, permission, clerks_take_off_books=clerks)


def create(
    tx: Tx,
    actor: Actor,
    given: HeaderInput,
    lines: Sequence[LineInput],
    *,
    post: bool,
    now: datetime,
    internal: bool = False,
) -> int:
    """Create a document; with ``post`` it is posted in the same transaction. Returns its id.

    Counts and serial assignments have their own services; ``internal`` lets those (and a sale
    adopting unknown serials) make documents of kinds nobody creates directly.
    """
    rule = rule_for(given.kind)
    require_kind(tx, actor, rule.kind)
    if not rule.generic and not internal:
        raise Invalid(
            f"a {rule.label} is not made as a plain document",
            [Problem("kind", f"use the {rule.label} operations")],
        )
    header, problems = _resolve(tx, actor, rule, given, now)
    expanded, products, bundle_problems = bundles.expand_lines(tx, rule, lines, given.note)
    on = header.date if header else now.date()
    planned, line_problems = _plan(tx, rule, on, products, expanded, bundle_problems)
    problems += bundle_problems + line_problems
    if problems or header is None:
        raise Invalid(f"the {rule.label} is not valid", problems)
    with _pointing_at_given(expanded):
        planned, states = serial_states(tx, rule, planned)
        header, states = _adopt_unknown(tx, actor, header, planned, states, now)
        check_serials(tx, rule, header, planned, states, document_id=None)
    document_id, planned = insert_document(tx, actor, header, planned, now, posted=post)
    bundles.record(tx, document_id, expanded, {p.line_no: p.line_id for p in planned})
    if post:
        execution.post(tx, actor, document_id, header, planned, states, now=now, fresh=True)
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
    require_kind(tx, actor, rule.kind)
    if not rule.generic:
        raise Invalid(
            f"a {rule.label} is not edited as a plain document",
            [Problem("kind", f"use the {rule.label} operations")],
        )
    if given.kind is not rule.kind:
        raise Invalid(
            f"{row['number']} is a {rule.label}; its kind cannot change", [Problem("kind", "")]
        )
    if not tx.documents.transition(document_id, DocumentState.DRAFT, DocumentState.DRAFT, {}):
        raise Conflict(f"{row['number']} is {row['state']}; only a draft can be edited")
    tx.ledger.release(document_id)
    tx.documents.delete_lines(document_id)
    same_number = given.number is None or given.number.strip() == row["number"]
    header, problems = _resolve(
        tx, actor, rule, replace(given, number=None if same_number else given.number), now
    )
    expanded, products, bundle_problems = bundles.expand_lines(tx, rule, lines, given.note)
    on = header.date if header else now.date()
    planned, line_problems = _plan(tx, rule, on, products, expanded, bundle_problems)
    problems += bundle_problems + line_problems
    if problems or header is None:
        raise Invalid(f"the {rule.label} is not valid", problems)
    with _pointing_at_given(expanded):
        planned, states = serial_states(tx, rule, planned)
        if same_number:
            header = replace(header, number=row["number"])
        header, states = _adopt_unknown(tx, actor, header, planned, states, now)
        check_serials(tx, rule, header, planned, states, document_id=None)
    number = row["number"] if same_number else header.number
    planned = _rewrite(tx, document_id, replace(header, number=number), planned)
    bundles.record(tx, document_id, expanded, {p.line_no: p.line_id for p in planned})
    if post:
        execution.post(tx, actor, document_id, header, planned, states, now=now)
    elif rule.reserves:
        _hold(tx, document_id, header, planned, states)
    else:
        _keep_codes(tx, document_id, planned, states)


def _plan(
    tx: Tx,
    rule: KindRule,
    on: date,
    products: dict[str, Product],
    expanded: Expanded,
    bundle_problems: list[Problem],
) -> tuple[list[PlannedLine], list[Problem]]:
    """The expanded lines planned; when a bundle line was refused whole (and left no lines),
    "a document needs at least one line" would only confuse. Incoming batches left without a
    code get the product pattern's next one, and expiry the shelf life's (``lots``)."""
    if bundle_problems and not expanded.lines:
        return [], []
    lines, prepared = lots.prepare_lines(tx, rule, on, products, expanded.lines)
    planned, problems = plan_lines(rule, products, lines)
    said = {p.where for p in prepared}
    return planned, expanded.relabel(prepared + [p for p in problems if p.where not in said])


@contextmanager
def _pointing_at_given(expanded: Expanded) -> Iterator[None]:
    """Refusals about the components' lines point at the bundle line they came from."""
    try:
        yield
    except SerialtrackError as refusal:
        if expanded.groups:
            refusal.problems = expanded.relabel(refusal.problems)
        raise


def _rewrite(
    tx: Tx, document_id: int, header: Header, planned: Sequence[PlannedLine]
) -> list[PlannedLine]:
    tx.documents.update(document_id, _header_values(header))
    line_ids = tx.documents.insert_lines(document_id, [_line_values(p) for p in planned])
    return [replace(p, line_id=i) for p, i in zip(planned, line_ids, strict=True)]


def _line_values(line: PlannedLine) -> dict[str, object]:
    return {
        "line_no": line.line_no,
        "product_id": line.product.id,
        "quantity": line.quantity,
        "warranty_days": line.warranty_days,
        "expiry": line.expiry,
        "batch": line.batch,
    }


def _resolve(
    tx: Tx, actor: Actor, rule: KindRule, given: HeaderInput, now: datetime
) -> tuple[Header | None, list[Problem]]:
    """The header checked; a manager's leave to take expired units recorded on it."""
    header, problems = resolve_header(tx, rule, given, now.date())
    if given.allow_expired:
        require(actor, Permission.ALLOW_EXPIRED)
        if not rule.refuses_expired:
            problems.append(Problem("allow_expired", f"a {rule.label} takes expired units anyway"))
        elif header is not None:
            header = replace(header, override_by=actor.user_id)
    return header, problems


UNKNOWN_AT_SALE = "unknown_serials_at_sale"
# The kinds that may name a serial never received, when the setting allows it (seed 001: at
# sale, transfer and write-off), and what each did with it, for its discrepancy.
ADOPTING = {
    DocumentKind.SALE: ("sold_without_receipt", "sold"),
    DocumentKind.DISPATCH: ("dispatched_without_receipt", "dispatched"),
    DocumentKind.TRANSFER: ("transferred_without_receipt", "transferred"),
    DocumentKind.WRITE_OFF: ("written_off_without_receipt", "written off"),
}


def takes_unknown_serials(tx: Tx, actor: Actor, kind: DocumentKind) -> bool:
    """Whether a document of ``kind`` may name serials never received: a sale, transfer or
    write-off, when the setting ``unknown_serials_at_sale`` allows it."""
    require(actor, Permission.READ)
    return kind in ADOPTING and tx.catalog.setting(UNKNOWN_AT_SALE) == "allow"


def _adopt_unknown(
    tx: Tx,
    actor: Actor,
    header: Header,
    planned: Sequence[PlannedLine],
    states: dict[tuple[int, str], SerialState],
    now: datetime,
) -> tuple[Header, dict[tuple[int, str], SerialState]]:
    """A sale, transfer or write-off naming serials never received: refused, unless the
    setting allows them.

    Then they come in first through a posted adjustment at the document's store, and each is
    listed as a discrepancy to investigate (sold, dispatched... without receipt).
    """
    if header.rule.kind not in ADOPTING:
        return header, states
    unknown = [
        LineInput(p.product.sku, serials=codes)
        for p in planned
        if (codes := tuple(c for c, k in zip(p.codes, p.keys, strict=True)
                           if (p.product.id, k) not in states))
    ]  # fmt: skip
    if not unknown or not takes_unknown_serials(tx, actor, header.rule.kind):
        return header, states
    number = header.number or next_number(tx, header.rule)
    flag, verb = ADOPTING[header.rule.kind]
    adjustment = HeaderInput(
        DocumentKind.ADJUSTMENT,
        location=header.from_location.name,
        note=f"serials unknown at {header.rule.label} {number}",
        date=header.date,
    )
    adjustment_id = create(tx, actor, adjustment, unknown, post=True, now=now, internal=True)
    tx.ledger.insert_discrepancies(
        [
            {
                "at": now,
                "kind": flag,
                "product_id": tx.catalog.product_by_sku(line.sku).id,  # type: ignore[union-attr]
                "code": code,
                "document_id": adjustment_id,
                "detail": f"{line.sku} {code} was {verb} on {number} but never received",
            }
            for line in unknown
            for code in line.serials
        ]
    )
    return replace(header, number=number), serial_states(tx, header.rule, planned)[1]


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
        "override_by": header.override_by,
    }


def post(tx: Tx, actor: Actor, document_id: int, *, now: datetime) -> None:
    row = _document(tx, document_id)
    rule = rule_for(DocumentKind(row["kind"]))
    require_kind(tx, actor, rule.kind)
    if rule.kind is DocumentKind.INVENTORY_COUNT:
        from serialtrack.services import counts

        counts.post(tx, actor, document_id, now=now)
        return
    if row["state"] != DocumentState.DRAFT.value:
        raise Conflict(f"{row['number']} is {row['state']}; only a draft can be posted")
    header = _header_of(tx, rule, row)
    _origin_still_posted(tx, header)
    planned, states = serial_states(tx, rule, _planned_of(tx, document_id))
    if not planned:  # a receipt opened from a notice, nothing scanned yet
        raise Invalid(f"{row['number']} has no lines yet: nothing to post",
                      [Problem("lines", "a document needs at least one line")])  # fmt: skip
    check_serials(tx, rule, header, planned, states, document_id=document_id)
    tx.documents.forget_draft_serials(document_id)
    execution.post(tx, actor, document_id, header, planned, states, now=now)


def cancel(tx: Tx, actor: Actor, document_id: int, *, now: datetime) -> None:
    require(actor, Permission.CANCEL_DOCUMENT)
    row = _document(tx, document_id)
    if row["state"] != DocumentState.POSTED.value:
        draft = row["state"] == DocumentState.DRAFT.value  # wrote nothing: discarded instead
        raise Conflict(
            f"{row['number']} is {row['state']}; only a posted document can be cancelled"
            + ("; a draft is discarded instead (it wrote nothing)" if draft else ""),
            [Problem("state", "draft: discard it")] if draft else [],
        )
    execution.cancel(tx, actor, row, now=now)


def delete_draft(tx: Tx, actor: Actor, document_id: int, *, now: datetime) -> None:
    row = _document(tx, document_id)
    require_kind(tx, actor, DocumentKind(row["kind"]))
    if row["state"] != DocumentState.DRAFT.value:
        raise Conflict(
            f"{row['number']} is {row['state']}; only a draft can be deleted (cancel it instead)"
        )
    tx.ledger.release(document_id)
    tx.documents.delete_draft(document_id, user_id=actor.user_id, at=now)


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


def serial_states(
    tx: Tx, rule: KindRule, planned: Sequence[PlannedLine]
) -> tuple[list[PlannedLine], dict[tuple[int, str], SerialState]]:
    """The state of every serial the lines name; an earlier (corrected) code is read as the
    unit's current code, so a label printed before the correction still finds its unit.

    Returns the lines (codes replaced by current ones) and the states by (product, key)."""
    states: dict[tuple[int, str], SerialState] = {}
    resolved: list[PlannedLine] = []
    problems: list[Problem] = []
    for line in planned:
        if not line.codes:
            resolved.append(line)
            continue
        found = tx.ledger.states_by_keys(line.product.id, line.keys)
        unknown = [k for k in line.keys if (line.product.id, k) not in found]
        current = tx.ledger.corrected_codes(line.product.id, unknown) if unknown else {}
        if current and rule.creates_serials:
            # A kind that brings new units in reads an old code as the unit only when it could
            # take that unit back (a receipt of a unit returned to the supplier); otherwise
            # the mistyped code is free, and a unit that really carries it is a new one.
            again = tx.ledger.states_by_keys(
                line.product.id, [code_key(c) for c in current.values()]
            )
            current = {
                old: code
                for old, code in current.items()
                if again[(line.product.id, code_key(code))].status in rule.takes
            }
        if current:
            line = replace(line, codes=tuple(current.get(code_key(c), c) for c in line.codes))
            found.update(tx.ledger.states_by_keys(line.product.id, line.keys))
            problems += _twice(line)
        states.update(found)
        resolved.append(line)
    if problems:
        raise Invalid(f"the {rule.label} is not valid", problems)
    return resolved, states


def _twice(line: PlannedLine) -> list[Problem]:
    """A unit named twice in a line: by its code and by an earlier code of it."""
    seen: dict[str, int] = {}
    problems = []
    for position, key in enumerate(line.keys):
        if key in seen:
            problems.append(
                Problem(
                    f"lines[{line.line_no - 1}].serials[{position}]",
                    f"{line.codes[position]} is entered twice (once by an earlier code of it)",
                )
            )
        seen.setdefault(key, position)
    return problems


def check_serials(
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
        on=header.date,
        allow_expired=header.allow_expired,
    )
    outgoing = header.from_location.kind.holds_stock
    for line in planned:
        if line.batch is not None:
            problems += lot_problems(line, tx.ledger.batch_states(
                line.product.id, [code_key(line.batch)], header.from_location.id))  # fmt: skip
            problems += _known_lots(tx, line, states)
        if line.batches:
            keys = [b.key for b in line.batches]
            problems += batch_problems(
                rule,
                line,
                tx.ledger.batch_states(line.product.id, keys, header.from_location.id),
                on=header.date,
                allow_expired=header.allow_expired,
                outgoing=outgoing,
            )
    if rule.creates_serials and not problems:
        problems = serials.global_uniqueness_problems(tx, planned)
    if problems:
        raise Conflict(cannot_move(rule.kind), problems)


def _known_lots(
    tx: Tx, line: PlannedLine, states: dict[tuple[int, str], SerialState]
) -> list[Problem]:
    """Units already in the books keep the batch they came in with: a line of another batch
    cannot bring them back in."""
    known = {k: states[(line.product.id, k)].id for k in line.keys
             if (line.product.id, k) in states}  # fmt: skip
    if not known or line.batch is None:
        return []
    lots = tx.ledger.batches_of(list(known.values()))
    problems = []
    for position, (code, key) in enumerate(zip(line.codes, line.keys, strict=True)):
        if key in known and code_key(lots.get(known[key]) or "") != code_key(line.batch):
            of = f"batch {lots[known[key]]}" if lots.get(known[key]) else "no batch"
            problems.append(Problem(f"lines[{line.line_no - 1}].serials[{position}]",
                                    f"{code} is of {of}, not {line.batch}"))  # fmt: skip
    return problems


def insert_document(
    tx: Tx,
    actor: Actor,
    header: Header,
    planned: Sequence[PlannedLine],
    now: datetime,
    *,
    posted: bool = False,
) -> tuple[int, list[PlannedLine]]:
    """Insert the document and its lines: a draft, or (``posted``) already marked posted by
    ``actor`` for ``execution.post(..., fresh=True)`` in the same transaction."""
    values: dict[str, object] = {
        **_header_values(header),
        "kind": header.rule.kind.value,
        "state": DocumentState.DRAFT.value,
        "created_by": actor.user_id,
        "created_at": now,
        "posted_by": actor.user_id if posted else None,
        "posted_at": now if posted else None,
    }
    if posted:
        values["state"] = DocumentState.POSTED.value
    if header.number:  # typed: checked free when the header was resolved
        document_id = tx.documents.insert(values)
    else:
        document_id = _insert_numbered(tx, header.rule, values)
    line_ids = tx.documents.insert_lines(document_id, [_line_values(p) for p in planned])
    return document_id, [replace(p, line_id=i) for p, i in zip(planned, line_ids, strict=True)]


def _insert_numbered(tx: Tx, rule: KindRule, values: dict[str, object]) -> int:
    """Insert with the kind's next free number (skipping numbers people typed by hand)."""
    while True:
        number = f"{rule.prefix}-{tx.catalog.next_number('document:' + rule.kind.value):06d}"
        document_id = tx.documents.insert_unless_taken({**values, "number": number})
        if document_id is not None:
            return document_id


def _hold(tx: Tx, document_id: int, header: Header, planned: Sequence[PlannedLine], states) -> None:  # type: ignore[no-untyped-def]
    ids = [states[(p.product.id, k)].id for p in planned for k in p.keys]
    if tx.ledger.reserve(
        ids, document_id=document_id, from_location_id=header.from_location.id
    ) != len(ids):
        fresh = {(s.product_id, code_key(s.code)): s for s in tx.ledger.states_by_ids(ids)}
        check_serials(tx, header.rule, header, planned, fresh, document_id=None)
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
    tx.documents.insert_line_batches(
        [
            {"line_id": line.line_id, "code": b.code, "quantity": b.quantity, "expiry": b.expiry}
            for line in planned
            for b in line.batches
        ]
    )


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
        override_by=row["override_by"],
    )


def _planned_of(tx: Tx, document_id: int) -> list[PlannedLine]:
    codes: dict[int, list[str]] = {}
    for row in tx.documents.draft_serials(document_id):
        codes.setdefault(row["line_id"], []).append(row["code"])
    parts: dict[int, list[PlannedBatch]] = {}
    for row in tx.documents.draft_batches(document_id):
        parts.setdefault(row["line_id"], []).append(
            PlannedBatch(row["code"], row["quantity"], row["expiry"])
        )
    planned = []
    for row in tx.documents.lines(document_id):
        product = tx.catalog.product(row["product_id"])
        serial = product.tracking.serialized
        planned.append(
            PlannedLine(
                row["line_no"], product, row["quantity"],
                tuple(codes.get(row["id"], ())) if serial else (), row["id"],
                batches=tuple(parts.get(row["id"], ())),
                expiry=row["expiry"], warranty_days=row["warranty_days"], batch=row["batch"],
            )
        )  # fmt: skip
    return planned
