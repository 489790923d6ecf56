"""Switching a product's tracking mode (seed 001).

A product may switch while it has nothing on hand. A quantity-only product with stock may
switch to serial tracking only when serials are given for every unit on hand, location by
location: then one serial assignment document (kind ``serial_assignment``) takes the quantity
out to the adjustment location and brings the serials in, in the same transaction as the
switch. Cancelling that document undoes both, exactly, while nothing has happened since.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key, code_problem, normal_code
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem
from serialtrack.domain.model import (
    Actor,
    DocumentKind,
    DocumentState,
    LocationKind,
    Product,
    SerialStatus,
    TrackingMode,
)
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import PlannedLine, describe
from serialtrack.domain.rules import rule_for
from serialtrack.services import audit, serials
from serialtrack.services.execution import move_row, serial_row
from serialtrack.services.header import next_number

RULE = rule_for(DocumentKind.SERIAL_ASSIGNMENT)


def switch(
    tx: Tx,
    actor: Actor,
    sku: str,
    tracking: str,
    assign: Mapping[str, Sequence[str]] | None,
    *,
    now: datetime,
    generate: bool = False,
) -> int | None:
    """Switch ``sku`` to ``tracking``; return the serial assignment's id when one was posted.

    ``generate``: instead of ``assign``, every unit on hand gets a new code from the product's
    serial pattern (seed 004), store by store, to print labels for and stick on."""
    require(actor, Permission.MANAGE_CATALOG)
    product = tx.catalog.product_by_sku(sku)
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}", [Problem("sku", sku)])
    try:
        mode = TrackingMode(tracking)
    except ValueError:
        problem = Problem("tracking", tracking)
        raise Invalid("tracking is one of none, serial, batch, serial+batch", [problem]) from None
    if mode is product.tracking:
        raise Invalid(f"{sku} is already {mode.value}-tracked", [Problem("tracking", "no change")])
    if tx.catalog.compositions([product.id]):
        raise Conflict(
            f"{sku} is a bundle: it is sold from its components and tracks nothing itself; "
            "remove its components first",
            [Problem("tracking", "a bundle is quantity-only")],
        )
    drafts = tx.catalog.drafts_naming(product.id)
    if drafts:
        raise Conflict(
            f"{sku} is on drafts {', '.join(drafts)}; post or delete them first",
            [Problem("tracking", "drafts name this product")],
        )
    on_hand = tx.catalog.on_hand(product.id)  # [(location name, kind, quantity)]
    if generate:
        if assign:
            raise Invalid(
                "give serials or generate them, not both", [Problem("generate", "both given")]
            )
        if mode is not TrackingMode.SERIAL or not on_hand:
            raise Invalid(
                f"serials are generated for {sku}'s units on hand when it switches to serial "
                "tracking" + ("" if on_hand else f"; {sku} has nothing on hand"),
                [Problem("generate", "nothing to generate serials for")],
            )
        assign = _generated(tx, product, on_hand, now)
    document_id = None
    if on_hand:
        assignable = product.tracking is TrackingMode.NONE and mode is TrackingMode.SERIAL
        if not assign or not assignable:
            where = ", ".join(f"{q} at {name}" for name, _, q in on_hand)
            total = sum(q for _, _, q in on_hand)
            hint = " unless serials are given for every unit" if assignable else ""
            raise Conflict(
                f"{sku} has {total} on hand ({where}); it can switch only with no stock{hint}",
                [Problem("tracking", f"{total} on hand: {where}")],
            )
        document_id = _assign(tx, actor, product, on_hand, assign, now)
    elif assign:
        raise Invalid(f"{sku} has nothing on hand to assign serials to", [Problem("serials", "")])
    tx.catalog.update_product(product.id, {"tracking": mode.value})
    changed = {"tracking": {"old": product.tracking.value, "new": mode.value}}
    audit.record(
        tx, actor, "product", product.id, "tracking", {"sku": sku, "changes": changed}, now
    )
    return document_id


def _generated(
    tx: Tx, product: Product, on_hand: list[tuple[str, str, int]], now: datetime
) -> dict[str, list[str]]:
    """New codes from the product's pattern for the units in each store (in name order)."""
    stores = sorted((name, q) for name, kind, q in on_hand if kind == LocationKind.INTERNAL.value)
    codes = serials.codes_for(tx, product, sum(q for _, q in stores), now=now)
    out, at = {}, 0
    for name, quantity in stores:
        out[name] = codes[at : at + quantity]
        at += quantity
    return out


def _assign(
    tx: Tx,
    actor: Actor,
    product: Product,
    on_hand: list[tuple[str, str, int]],
    assign: Mapping[str, Sequence[str]],
    now: datetime,
) -> int:
    problems: list[Problem] = []
    where_stock = {name: q for name, _, q in on_hand}
    for name, kind, _ in on_hand:
        if kind != LocationKind.INTERNAL.value:
            problems.append(Problem("serials", f"{name}: units in {kind} cannot be given serials"))
    for name in assign:
        if name not in where_stock:
            problems.append(Problem(f"serials.{name}", f"{product.sku} has nothing at {name}"))
    seen: dict[str, str] = {}
    lines: list[PlannedLine] = []
    names = sorted(where_stock)
    for n, (name, quantity) in enumerate(sorted(where_stock.items()), start=1):
        given = [normal_code(c) if isinstance(c, str) else c for c in assign.get(name, ())]
        if len(given) != quantity:
            problems.append(
                Problem(f"serials.{name}", f"{quantity} on hand at {name}, {len(given)} serials")
            )
        for position, code in enumerate(given):
            at = f"serials.{name}[{position}]"
            problem = code_problem(code, at)
            if problem:
                problems.append(problem)
            elif code_key(code) in seen:
                first = seen[code_key(code)]
                problems.append(Problem(at, f"{code} is entered twice (first at {first})"))
            else:
                seen[code_key(code)] = at
        lines.append(PlannedLine(n, product, quantity, tuple(given)))
    if problems:
        raise Invalid(f"serials for {product.sku}'s units on hand are not valid", problems)
    known = tx.ledger.states_by_keys(product.id, list(seen))
    taken = [Problem(seen[k], f"{s.code} is already known: {describe(s)}", "serial")
             for (_, k), s in known.items()]  # fmt: skip
    taken += serials.global_uniqueness_problems(tx, lines)
    if taken:
        raise Conflict(f"some serials for {product.sku} are taken", taken)
    return _post(tx, actor, product, lines, names, now)


def _post(
    tx: Tx,
    actor: Actor,
    product: Product,
    planned: list[PlannedLine],
    names: list[str],
    now: datetime,
) -> int:
    """One posted document: per store, the quantity out to adjustment and the serials in."""
    adjustment = tx.catalog.virtual_location(LocationKind.ADJUSTMENT)
    stores = {line.line_no: tx.catalog.location_by_name(name)
              for line, name in zip(planned, names, strict=True)}  # fmt: skip
    first = stores[1]
    assert first is not None
    assert adjustment is not None
    document_id = tx.documents.insert(
        {
            "kind": RULE.kind.value, "number": next_number(tx, RULE),
            "state": DocumentState.POSTED.value, "date": now.date(),
            "from_location_id": adjustment.id, "to_location_id": first.id,
            "note": f"{product.sku} switched to serial tracking: serials for the units on hand",
            "created_by": actor.user_id, "created_at": now,
            "posted_by": actor.user_id, "posted_at": now,
        }
    )  # fmt: skip
    line_ids = tx.documents.insert_lines(
        document_id,
        [{"line_no": p.line_no, "product_id": product.id, "quantity": p.quantity} for p in planned],
    )
    moves: list[dict[str, Any]] = []
    for line, line_id in zip(planned, line_ids, strict=True):
        store = stores[line.line_no]
        assert store is not None
        base = {"now": now, "document_id": document_id, "line_id": line_id,
                "product_id": product.id, "user_id": actor.user_id}  # fmt: skip
        tx.ledger.add_quantity(product.id, store.id, -line.quantity, floor=True)
        tx.ledger.add_quantity(product.id, adjustment.id, line.quantity, floor=False)
        moves.append(move_row(**base, quantity=line.quantity, from_location_id=store.id,
                              to_location_id=adjustment.id))  # fmt: skip
        created = tx.ledger.insert_serials(
            [
                serial_row(
                    product.id,
                    code,
                    location_id=store.id,
                    status=SerialStatus.IN_STOCK,
                    document_id=document_id,
                    now=now,
                )
                for code in line.codes
            ]
        )
        if len(created) != len(line.codes):
            raise Conflict("some serials were entered elsewhere at the same moment; try again")
        moves += [
            move_row(
                **base,
                serial_id=created[key],
                from_location_id=adjustment.id,
                to_location_id=store.id,
            )
            for key in line.keys
        ]
    tx.ledger.insert_moves(moves)
    tx.documents.record_event(document_id, "posted", user_id=actor.user_id, at=now)
    return document_id


def undo_on_cancel(tx: Tx, row: Mapping[str, Any]) -> None:
    """Cancelling a serial assignment switches its product back to quantity only.

    Refused when serials of the product came in since: they would be left without tracking.
    """
    product_id = tx.documents.lines(row["id"])[0]["product_id"]
    later = tx.catalog.serials_created_after(product_id, row["id"])
    if later:
        raise Conflict(
            f"{row['number']} cannot be cancelled: {later} serial(s) of the product came in "
            "since; switching back to quantity only would leave them untracked"
        )
    tx.catalog.update_product(product_id, {"tracking": TrackingMode.NONE.value})
