"""Counted quantities of an inventory count: quantity-only and batch products.

While a count is open, anyone who may scan enters how many of a product (per batch for a batch
product) are on the shelf; a later entry for the same product and batch replaces the earlier
one. Posting moves each difference between the books and the count on the count itself, like
the serials: less than expected goes out to the adjustment location, more comes in from it,
each difference flagged (kind ``count_quantity``). A product with entries is counted whole
(a batch not entered counts as 0); a product without entries is left as is, and the count says
so (``domain/counting.py``). Cancelling the count reverses the moves like any document's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key, code_problem
from serialtrack.domain.counting import QuantityLine, quantity_lines, quantity_problem
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem
from serialtrack.domain.model import Actor, DocumentKind, DocumentState, Product, TrackingMode
from serialtrack.domain.permissions import Permission, require
from serialtrack.services import conservation
from serialtrack.services.execution import move_row

FLAG = "count_quantity"
MAX_LINES = 10_000  # per call
COUNTED = (TrackingMode.NONE, TrackingMode.BATCH)


def record(
    tx: Tx, actor: Actor, count_id: int, lines: Sequence[Mapping[str, Any]], *, now: datetime
) -> list[dict[str, Any]]:
    """Record counted quantities (each: sku, quantity, batch for a batch product); return one
    outcome per line ("counted", or "recounted" when it replaced an earlier entry).

    Every line is checked first; one that cannot be counted refuses the whole call, each
    problem named by its line, and nothing is recorded."""
    require(actor, Permission.POST_DOCUMENT)
    row = tx.documents.get(count_id)
    if row is None or row["kind"] != DocumentKind.INVENTORY_COUNT.value:
        raise NotFound(f"no inventory count with id {count_id}")
    if not lines:
        raise Invalid("nothing to count", [Problem("lines", "give at least one line")])
    if len(lines) > MAX_LINES:
        raise Invalid("too many lines at once", [Problem("lines", f"at most {MAX_LINES}")])
    if not tx.ledger.hold_document(count_id, DocumentState.DRAFT.value):
        state = tx.documents.get(count_id)["state"]  # type: ignore[index]
        raise Conflict(f"{row['number']} is {state}; it takes no more counted quantities")
    scope = tx.catalog.product(row["scope_product_id"]) if row["scope_product_id"] else None
    bundles = tx.catalog.bundle_ids()
    problems: list[Problem] = []
    planned: list[tuple[str, Product, str, int]] = []  # where, product, batch key, quantity
    for position, line in enumerate(lines):
        where = f"lines[{position}]"
        product = _product(tx, line.get("sku"), scope, bundles, where, problems)
        batch = _batch(product, line.get("batch"), where, problems)
        problem = quantity_problem(line.get("quantity"), f"{where}.quantity")
        if problem:
            problems.append(problem)
        if product is None or batch is None or problem:
            continue
        planned.append((where, product, batch, line["quantity"]))
    codes = _batch_codes(tx, planned, row["from_location_id"], problems)
    if problems:
        problems.sort(key=lambda p: int(p.where[6 : p.where.index("]")]))  # in line order
        raise Invalid("some lines cannot be counted; nothing was recorded", problems)
    before = {(r["product_id"], r["batch_code"]) for r in tx.counts.counted_quantities(count_id)}
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    outcomes = []
    for _, product, key, quantity in planned:
        code = codes.get((product.id, key), "")
        rows[(product.id, code)] = {
            "document_id": count_id, "product_id": product.id, "batch_code": code,
            "quantity": quantity, "user_id": actor.user_id, "at": now,
        }  # fmt: skip
        again = (product.id, code) in before
        before.add((product.id, code))
        outcomes.append(
            {"sku": product.sku, "batch": code or None, "quantity": quantity,
             "outcome": "recounted" if again else "counted"}
        )  # fmt: skip
    tx.counts.set_quantities(list(rows.values()))  # the last line for a batch wins
    return outcomes


def _product(
    tx: Tx,
    sku: object,
    scope: Product | None,
    bundles: set[int],
    where: str,
    problems: list[Problem],
) -> Product | None:
    if not isinstance(sku, str) or not sku.strip():
        problems.append(Problem(f"{where}.sku", "say which product (SKU)"))
        return None
    product = tx.catalog.product_by_sku(sku.strip())
    if product is None:
        problems.append(Problem(f"{where}.sku", f"no product with SKU {sku.strip()!r}"))
        return None
    if scope is not None and product.id != scope.id:
        problems.append(Problem(f"{where}.sku", f"this count is of {scope.sku} only, not {sku}"))
        return None
    if product.tracking not in COUNTED:
        problems.append(
            Problem(f"{where}.sku", f"{product.sku} is {product.tracking.value}-tracked: "
                    "scan its serials instead of counting a quantity")
        )  # fmt: skip
        return None
    if product.id in bundles:
        problems.append(Problem(f"{where}.sku", f"{product.sku} is a bundle: count its components"))
        return None
    return product


def _batch(
    product: Product | None, batch: object, where: str, problems: list[Problem]
) -> str | None:
    """The batch's key ('' for a quantity-only product), or None when the line is wrong."""
    given = batch if isinstance(batch, str) and batch.strip() else None
    if batch is not None and not isinstance(batch, str):
        problems.append(Problem(f"{where}.batch", "a batch code must be text"))
        return None
    if product is None:
        return None
    if product.tracking is TrackingMode.NONE:
        if given:
            problems.append(
                Problem(f"{where}.batch", f"{product.sku} is not batch-tracked: no batch")
            )
            return None
        return ""
    if not given:
        problems.append(Problem(f"{where}.batch", f"{product.sku} is batch-tracked: which batch?"))
        return None
    problem = code_problem(given, f"{where}.batch")
    if problem:
        problems.append(Problem(problem.where, problem.message.replace("serial code", "batch")))
        return None
    return code_key(given)


def _batch_codes(
    tx: Tx,
    planned: list[tuple[str, Product, str, int]],
    store_id: int,
    problems: list[Problem],
) -> dict[tuple[int, str], str]:
    """Each batch's code as the books spell it. A batch the product has (anywhere, or nowhere
    any more) may be counted here: found stock; a code the product never had is refused."""
    keys: dict[int, set[str]] = {}
    for _, product, key, _ in planned:
        if key:
            keys.setdefault(product.id, set()).add(key)
    codes: dict[tuple[int, str], str] = {}
    for product_id, product_keys in keys.items():
        states = tx.ledger.batch_states(product_id, sorted(product_keys), store_id)
        codes.update({(product_id, k): s.code for k, s in states.items()})
    for where, product, key, _ in planned:
        if key and (product.id, key) not in codes:
            problems.append(
                Problem(f"{where}.batch", f"{product.sku} has no batch with this code; a new "
                        "batch comes in with a receipt")
            )  # fmt: skip
    return codes


# --- what a count shows --------------------------------------------------------------------------
def lines_of(tx: Tx, row: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """An open count: expected, counted and difference per product and batch; and a warning for
    each product in the count's scope that was not counted (left as is when posting)."""
    lines, skus = _open_lines(tx, row)
    shown = [_shown(line, skus[line.product_id]) for line in lines]
    return shown, _warnings(tx, row, lines, skus)


def _open_lines(
    tx: Tx, row: Mapping[str, Any], *, lock: bool = False
) -> tuple[list[QuantityLine], dict[int, str]]:
    scope = row["scope_product_id"]
    counted = [dict(r) for r in tx.counts.counted_quantities(row["id"])]
    products = {r["product_id"]: tx.catalog.product(r["product_id"]) for r in counted}
    # A product switched to serial tracking since its entries: those are left out.
    counted = [r for r in counted if products[r["product_id"]].tracking in COUNTED]
    ids = sorted({r["product_id"] for r in counted}) if lock else ([scope] if scope else None)
    expected = tx.counts.expected_quantities(row["from_location_id"], ids, lock=lock)
    lines = quantity_lines(expected, counted)
    skus = {p: tx.catalog.product(p).sku for p in {line.product_id for line in lines}}
    return lines, skus


def _warnings(
    tx: Tx, row: Mapping[str, Any], lines: list[QuantityLine], skus: dict[int, str]
) -> list[str]:
    uncounted = {line.product_id for line in lines if not line.product_counted}
    scope = tx.catalog.product(row["scope_product_id"]) if row["scope_product_id"] else None
    if scope is not None and scope.tracking in COUNTED and not lines:
        uncounted.add(scope.id)
        skus[scope.id] = scope.sku
    return [f"{skus[p]} not counted: left as is" for p in sorted(uncounted, key=skus.get)]


def _shown(line: QuantityLine, sku: str) -> dict[str, Any]:
    return {
        "sku": sku, "batch": line.batch or None, "expected": line.expected,
        "counted": line.counted, "difference": line.difference,
    }  # fmt: skip


def settled_lines(tx: Tx, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A posted (or cancelled) count: what was counted and the difference it moved (its own
    moves, reversals aside); expected = counted - difference."""
    store = row["from_location_id"]
    net: dict[tuple[int, str], int] = {}
    for move in tx.ledger.quantity_moves(row["id"]):
        code = tx.ledger.batch_code(move.batch_id) if move.batch_id is not None else ""
        sign = 1 if move.to_location_id == store else -1
        net[(move.product_id, code)] = net.get((move.product_id, code), 0) + sign * move.quantity
    entered = {(r["product_id"], r["batch_code"]): r["quantity"]
               for r in tx.counts.counted_quantities(row["id"])}  # fmt: skip
    shown = []
    for product_id, code in sorted(set(entered) | set(net)):
        counted = entered.get((product_id, code), 0)  # a batch not entered counted as 0
        difference = net.get((product_id, code), 0)
        shown.append(
            {"sku": tx.catalog.product(product_id).sku, "batch": code or None,
             "expected": counted - difference, "counted": counted, "difference": difference}
        )  # fmt: skip
    return shown


# --- posting ----------------------------------------------------------------------------------
def warnings_before_posting(tx: Tx, row: Mapping[str, Any]) -> list[str]:
    """What the posting will leave as is, said before it happens."""
    lines, skus = _open_lines(tx, row)
    return _warnings(tx, row, lines, skus)


def post(
    tx: Tx, actor: Actor, row: Mapping[str, Any], *, first_line_no: int, now: datetime
) -> None:
    """Move each difference of the counted products (the count's row is already posted)."""
    lines, skus = _open_lines(tx, row, lock=True)
    lines = [line for line in lines if line.product_counted]
    if not lines:
        return
    store = tx.catalog.location(row["from_location_id"])
    adjustment = tx.catalog.location(row["to_location_id"])
    products = sorted({line.product_id for line in lines})
    totals = {p: sum(line.counted or 0 for line in lines if line.product_id == p) for p in products}
    ids = tx.documents.insert_lines(
        row["id"],
        [{"line_no": first_line_no + n, "product_id": p, "quantity": totals[p]}
         for n, p in enumerate(products)],
    )  # fmt: skip
    line_ids = dict(zip(products, ids, strict=True))
    moves, flags = [], []
    for line in lines:
        difference = line.difference or 0
        if not difference:
            continue
        source, target = (adjustment, store) if difference > 0 else (store, adjustment)
        amount = abs(difference)
        batch_id = line.batch_id if line.batch else None
        if line.batch and batch_id is None:  # counted here, none of it in the books here
            batch_id = _batch_id(tx, line.product_id, line.batch)
        _shift(tx, line.product_id, batch_id, source.id, target.id, amount, store.id)
        moves.append(
            move_row(now=now, document_id=row["id"], line_id=line_ids[line.product_id],
                     product_id=line.product_id, user_id=actor.user_id, batch_id=batch_id,
                     quantity=amount, from_location_id=source.id, to_location_id=target.id)
        )  # fmt: skip
        what = f"{skus[line.product_id]}" + (f" batch {line.batch}" if line.batch else "")
        done = f"{amount} more found: added" if difference > 0 else f"{amount} short: out as lost"
        flags.append(
            {"at": now, "kind": FLAG, "product_id": line.product_id, "code": None,
             "document_id": row["id"],
             "detail": f"{what}: expected {line.expected}, counted {line.counted or 0}: {done}"}
        )  # fmt: skip
    tx.ledger.insert_moves(moves)
    tx.ledger.insert_discrepancies(flags)
    if moves:
        conservation.check_posting(tx, tx.documents.get(row["id"]))  # type: ignore[arg-type]


def _batch_id(tx: Tx, product_id: int, code: str) -> int:
    state = tx.ledger.batch_states(product_id, [code_key(code)], 0).get(code_key(code))
    assert state is not None, code  # counted codes are the product's batches
    return state.id


def _shift(
    tx: Tx, product_id: int, batch_id: int | None, source: int, target: int, amount: int,
    store: int,
) -> None:  # fmt: skip
    """Move ``amount`` of a product (of a batch) between the store and the adjustment
    location; the store never below zero (its rows are locked: it can't fall short)."""
    floor = source == store
    if batch_id is not None:
        if not tx.ledger.add_batch_quantity(batch_id, source, -amount, floor=floor):
            raise Conflict("the stock counted changed while posting; try again")
        tx.ledger.add_batch_quantity(batch_id, target, amount, floor=False)
        floor = False  # the product's total follows its batches
    if not tx.ledger.add_quantity(product_id, source, -amount, floor=floor):
        raise Conflict("the stock counted changed while posting; try again")
    tx.ledger.add_quantity(product_id, target, amount, floor=False)
