"""Serial correction: fix a mistyped code, keeping the serial's history and its old code.

The serial keeps its id, so every move it ever made stays its own; the old code is kept in
``serial_code_changes`` (searchable, shown on the serial) and the change is audited with the
user who made it.
"""

from __future__ import annotations

from datetime import datetime

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key, code_problem, normal_code
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem
from serialtrack.domain.model import Actor, Product
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import SerialState, describe
from serialtrack.domain.text import clean_text
from serialtrack.services.serials import SERIAL_UNIQUENESS

MAX_REASON = 10_000


def correct(
    tx: Tx,
    actor: Actor,
    sku: str,
    code: str,
    new_code: str,
    *,
    reason: str | None,
    now: datetime,
) -> int:
    """Change the code of ``sku``'s serial ``code`` to ``new_code``; return the serial's id."""
    require(actor, Permission.MANAGE_CATALOG)
    problems = [p for p in (code_problem(code, "code"), code_problem(new_code, "new_code")) if p]
    if reason is not None and len(reason) > MAX_REASON:
        problems.append(Problem("reason", f"reason is longer than {MAX_REASON} characters"))
    if problems:
        raise Invalid("the serial correction is not valid", problems)
    product = _product(tx, sku)
    state = _serial(tx, product, code)
    new = normal_code(new_code)
    if new == state.code:
        raise Invalid(
            f"{sku} {state.code} already has that code",
            [Problem("new_code", "nothing to change")],
        )
    _refuse_if_taken(tx, product, state, new)
    old_key, new_key = code_key(state.code), code_key(new)
    if not tx.ledger.change_code(state.id, old_key=old_key, code=new, key=new_key):
        raise Conflict(f"{sku} {state.code} was changed by someone else at the same moment")
    tx.ledger.insert_code_change(
        {
            "serial_id": state.id,
            "product_id": product.id,
            "old_code": state.code,
            "old_code_key": old_key,
            "new_code": new,
            "reason": reason,
            "user_id": actor.user_id,
            "at": now,
        }
    )
    tx.catalog.audit(
        user_id=actor.user_id,
        entity="serial",
        entity_id=state.id,
        action="correct_code",
        detail={"sku": sku, "old_code": state.code, "new_code": new, "reason": reason},
        now=now,
    )
    return state.id


MAX_NOTE = 2000


def set_note(tx: Tx, actor: Actor, sku: str, code: str, note: str | None, *, now: datetime) -> int:
    """Set (or, empty, clear) the free-text note of ``sku``'s serial ``code`` (or a code it had
    before a correction): an internal reference, a remark. Anyone who posts documents may; the
    audit trail keeps the note before and after. Returns the serial's id."""
    require(actor, Permission.POST_DOCUMENT)
    text = clean_text(note if note is not None else "", "note", multiline=True).strip() or None
    if text is not None and len(text) > MAX_NOTE:
        raise Invalid("the note is too long", [Problem("note", f"at most {MAX_NOTE} characters")])
    product = tx.catalog.product_by_sku(sku)
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}")
    serial_id = tx.reads.serial_id(product.id, code_key(code)) if code.strip() else None
    if serial_id is None:
        raise NotFound(f"no serial {code.strip()!r} of {product.sku}")
    extra = tx.reads.serial_extra(serial_id)
    if extra.notes == text:
        return serial_id
    tx.ledger.set_notes(serial_id, text)
    (state,) = tx.ledger.states_by_ids([serial_id])
    detail = {"sku": product.sku, "code": state.code,
              "changes": {"note": {"old": extra.notes, "new": text}}}  # fmt: skip
    tx.catalog.audit(user_id=actor.user_id, entity="serial", entity_id=serial_id,
                     action="note", detail=detail, now=now)  # fmt: skip
    return serial_id


def _product(tx: Tx, sku: str) -> Product:
    product = tx.catalog.product_by_sku(sku)
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}")
    if not product.tracking.serialized:
        raise Invalid(f"{sku} is not serial-tracked", [Problem("sku", "it has no serial codes")])
    return product


def _serial(tx: Tx, product: Product, code: str) -> SerialState:
    key = code_key(code)
    state = tx.ledger.states_by_keys(product.id, [key]).get((product.id, key))
    if state is not None:
        return state
    corrected = tx.reads.serial_id(product.id, key)
    if corrected is not None:
        (now,) = tx.ledger.states_by_ids([corrected])
        raise Conflict(
            f"{product.sku} {code.strip()} was already corrected to {now.code}",
            [Problem("code", f"correct {now.code} instead")],
        )
    raise NotFound(f"no serial {code.strip()!r} of {product.sku}")


def _refuse_if_taken(tx: Tx, product: Product, state: SerialState, new: str) -> None:
    key = code_key(new)
    taken = tx.ledger.states_by_keys(product.id, [key]).get((product.id, key))
    if taken is not None and taken.id != state.id:
        raise Conflict(
            f"{new} is taken",
            [Problem("new_code", f"{product.sku} {taken.code} is {describe(taken)}", "serial")],
        )
    if tx.catalog.setting(SERIAL_UNIQUENESS) == "global":
        other = tx.ledger.states_of_other_products(product.id, [key]).get(key)
        if other is not None:
            sku, found = other
            raise Conflict(
                f"{new} is taken",
                [
                    Problem(
                        "new_code",
                        f"{sku} {found.code} is {describe(found)}; serial numbers are unique "
                        "across products",
                        "serial",
                    )
                ],
            )


def delete(tx: Tx, actor: Actor, sku: str, code: str, *, reason: str | None, now: datetime) -> str:
    """Delete a serial created by mistake; return the number of the document it came in on.

    Only while nothing but its creating document ever touched it (that document may have been
    cancelled since); the unit then leaves that document's line with it, and the deletion is
    audited with the code, the document and the reason. Anything else is written off instead.
    """
    require(actor, Permission.DELETE_SERIAL)
    if reason is not None and len(reason) > MAX_REASON:
        raise Invalid("the reason is too long", [Problem("reason", f"over {MAX_REASON}")])
    product = _product(tx, sku)
    state = _serial(tx, product, code)
    created_by = tx.ledger.created_document(state.id)
    touched = tx.ledger.documents_touching(state.id)
    refusal = None
    if created_by is None or touched - {created_by}:
        others = ", ".join(sorted(tx.documents.number_of(d) for d in touched - {created_by}))
        refusal = f"other documents moved it ({others}); write it off instead"
    elif state.reserved_by is not None:
        refusal = f"it is held by draft {state.reserved_by_number}"
    if refusal is None:
        refusal = tx.ledger.delete_serial(
            state.id, created_by, user_id=actor.user_id, at=now, reason=reason
        )
    if refusal:
        message = f"{sku} {state.code} cannot be deleted: {refusal}"
        raise Conflict(message, [Problem("code", refusal)])
    number = tx.documents.number_of(created_by)  # type: ignore[arg-type]
    tx.catalog.audit(
        user_id=actor.user_id,
        entity="serial",
        entity_id=state.id,
        action="delete",
        detail={"sku": sku, "code": state.code, "document": number, "reason": reason},
        now=now,
    )
    return number
