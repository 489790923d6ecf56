"""Inventory counts: open one for a store, scan what is on the shelf, post the differences.

A count is a document (kind ``inventory_count``) that stays a draft while it is open. Scans
go to ``count_scans``, one row per serial whoever scanned it, so several scanners may work at
once and scanning twice changes nothing. Posting compares what the books expect at the store
with what was found and moves each difference on the count itself: expected but not found
goes out to the adjustment location (lost); found but not expected comes in from there, or
over from the store where the books had it (flagged). Units the books say are sold, returned
or written off are flagged, never silently restored. Cancelling the count reverses every move
exactly, like any document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key, code_problem
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem
from serialtrack.domain.model import (
    Actor,
    DocumentKind,
    DocumentState,
    LocationKind,
    Product,
    SerialStatus,
)
from serialtrack.domain.permissions import Permission, allowed, require, require_may
from serialtrack.domain.posting import SerialState, describe, unit_code
from serialtrack.domain.rules import rule_for
from serialtrack.domain.text import text_problem
from serialtrack.scanning import parse_scan, resolve
from serialtrack.services import catalog, count_quantities
from serialtrack.services.execution import move_row, serial_row
from serialtrack.services.header import next_number

RULE = rule_for(DocumentKind.INVENTORY_COUNT)
MAX_SCANS = 100_000  # per call
SCANS_SHOWN = 500  # the newest scans a count's view lists
STATISTICS_FROM = 64  # scans in a count before PostgreSQL's statistics are refreshed


@dataclass(frozen=True)
class CountView:
    """Where a count stands: expected against found, and every difference in words."""

    id: int
    number: str
    state: DocumentState
    location: str
    sku: str | None  # the one product counted, if the count is limited to one
    expected: int | None
    found: int
    matched: int | None
    missing: tuple[dict[str, Any], ...] = field(default=())  # expected, not found
    unexpected: tuple[dict[str, Any], ...] = field(default=())  # found, not expected here
    # Quantity-only and batch products (services/count_quantities.py): per product and batch,
    # expected, counted (None: not entered) and difference (None: left as is); and what
    # posting leaves as is ("PILLS not counted: left as is"), while open and when posted.
    quantities: tuple[dict[str, Any], ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())
    # What was scanned, newest first (sku, code, by, at): a wrong scan is undone from here.
    scanned: tuple[dict[str, Any], ...] = field(default=())
    # A blind count hides what the books expect from the counter until it posts; ``hidden``:
    # hidden from this user (``expected`` and ``matched`` None, no missing or unexpected).
    blind: bool = False
    hidden: bool = False


def open_count(
    tx: Tx,
    actor: Actor,
    *,
    location: str,
    sku: str | None,
    number: str | None,
    note: str | None,
    now: datetime,
    blind: bool = False,
) -> int:
    require(actor, Permission.POST_DOCUMENT)
    problems: list[Problem] = []
    store = tx.catalog.location_by_name(location) if location else None
    if store is None or store.kind is not LocationKind.INTERNAL:
        problems.append(Problem("location", f"no store named {location!r}"))
    elif not store.active:
        problems.append(Problem("location", f"{store.name} is archived: restore it first"))
    product = None
    if sku:
        product = tx.catalog.product_by_sku(sku)
        if product is None:
            problems.append(Problem("sku", f"no product with SKU {sku!r}"))
        elif not product.tracking.serialized and product.tracking not in count_quantities.COUNTED:
            problems.append(Problem("sku", f"{sku} cannot be counted"))
    if number is not None and tx.documents.number_taken(RULE.kind.value, number.strip()):
        problems.append(Problem("number", f"inventory count {number.strip()} already exists"))
    if note is not None and (problem := text_problem(note, "note", multiline=True)):
        problems.append(problem)
    adjustment = tx.catalog.virtual_location(LocationKind.ADJUSTMENT)
    if problems or store is None or adjustment is None:
        raise Invalid("the inventory count is not valid", problems)
    return tx.documents.insert(
        {
            "kind": RULE.kind.value,
            "number": (number or "").strip() or next_number(tx, RULE),
            "state": DocumentState.DRAFT.value,
            "date": now.date(),
            "from_location_id": store.id,
            "to_location_id": adjustment.id,
            "scope_product_id": product.id if product else None,
            "blind": bool(blind),
            "note": note,
            "created_by": actor.user_id,
            "created_at": now,
        }
    )


def record(
    tx: Tx, actor: Actor, count_id: int, scans: Sequence[str], *, sku: str | None, now: datetime
) -> list[dict[str, Any]]:
    """Record scanned serials; return one outcome per scan ("counted" or "already counted").

    Every scan is checked first; one that cannot be counted (unknown product, in transit, ...)
    refuses the whole call with each problem named, and nothing is recorded.
    """
    require(actor, Permission.POST_DOCUMENT)
    row = _count(tx, count_id)
    if len(scans) > MAX_SCANS:
        raise Invalid("too many scans at once", [Problem("scans", f"at most {MAX_SCANS}")])
    # Lock the count while it is open: a posting at the same moment waits, then sees these.
    if not tx.ledger.hold_document(count_id, DocumentState.DRAFT.value):
        raise Conflict(f"{row['number']} is {_state_of(tx, count_id)}; it takes no more scans")
    scope = tx.catalog.product(row["scope_product_id"]) if row["scope_product_id"] else None
    given = tx.catalog.product_by_sku(sku) if sku else None
    if sku and given is None:
        raise NotFound(f"no product with SKU {sku!r}", [Problem("sku", "unknown")])
    problems: list[Problem] = []
    planned: list[tuple[str, Product, str]] = []  # where, product, code
    # Which products have each plain code: one query per 900 codes, not one per scan.
    owners = {} if given else tx.reads.skus_by_keys([code_key(t) for t in scans if t.strip()])
    for position, text in enumerate(scans):
        where = f"scans[{position}]"
        found = _product_and_code(tx, text, given, scope, owners, where, problems)
        if found is None:
            continue
        product, code = found
        if scope is not None and product.id != scope.id:
            problems.append(Problem(where, f"this count is of {scope.sku} only, not {product.sku}"))
            continue
        planned.append((where, product, code))
    problems += _in_transit(tx, planned)
    if problems:
        raise Conflict("some scans cannot be counted; nothing was recorded", problems)
    rows = [
        {
            "document_id": count_id, "product_id": product.id, "code": code,
            "code_key": code_key(code), "user_id": actor.user_id, "at": now,
        }
        for _, product, code in planned
    ]  # fmt: skip
    added = tx.counts.add_scans(rows)  # (product id, code key) of the rows that were new
    _keep_statistics(tx, count_id, len(added))
    outcomes = []
    for _, product, code in planned:
        fresh = (product.id, code_key(code)) in added
        added.discard((product.id, code_key(code)))  # the same code twice in one call
        outcomes.append(
            {"sku": product.sku, "code": code, "outcome": "counted" if fresh else "already counted"}
        )
    return outcomes


def _keep_statistics(tx: Tx, count_id: int, added: int) -> None:
    """Refresh the planner's statistics each time the count's scans double (from 64)."""
    total = sum(tx.counts.found_by_product(count_id).values())
    if total >= STATISTICS_FROM and (total - added).bit_length() != total.bit_length():
        tx.counts.refresh_statistics()


def _in_transit(tx: Tx, planned: list[tuple[str, Product, str]]) -> list[Problem]:
    """Serials in transit cannot be counted: looked up per product, in one query each."""
    keys: dict[int, list[str]] = {}
    for _, product, code in planned:
        keys.setdefault(product.id, []).append(code_key(code))
    states: dict[tuple[int, str], SerialState] = {}
    for product_id, product_keys in keys.items():
        states.update(tx.ledger.states_by_keys(product_id, product_keys))
    problems = []
    for where, product, code in planned:
        state = states.get((product.id, code_key(code)))
        if state is not None and state.status is SerialStatus.IN_TRANSIT:
            problems.append(
                Problem(where, f"{product.sku} {code} cannot be counted: {describe(state)}")
            )
    return problems


def _product_and_code(
    tx: Tx,
    text: str,
    product: Product | None,
    scope: Product | None,
    owners: dict[str, set[str]],
    where: str,
    problems: list[Problem],
) -> tuple[Product, str] | None:
    """The product and code a scan names: a GS1 scan says both; a plain code belongs to the
    SKU given, else to the one product that has it, else (a new code) to the count's product."""
    problem = code_problem(text, where)
    if problem:
        problems.append(problem)
        return None
    read = parse_scan(text)
    if read.kind != "plain":
        scanned = resolve(read, tx.catalog.product_by_gtin, tx.catalog.product_by_sku)
        if scanned is None or not read.serial:
            problems.append(Problem(where, f"{text.strip()}: no product and serial in this scan"))
            return None
        product, text = scanned, read.serial
    code = text.strip()
    if product is None:
        matches = set(owners.get(code_key(code), ()))
        if not matches and scope is None:  # perhaps a code corrected since: its old code
            matches = {sku for sku, _ in tx.reads.serials_by_key(code_key(code))}
        if scope is not None and (scope.sku in matches or not matches):
            return _unit(tx, scope, code, where, problems)
        if len(matches) != 1:
            why = "no product has this serial" if not matches else "several products have it"
            problems.append(Problem(where, f"{code}: {why}; say which product (SKU)"))
            return None
        product = tx.catalog.product_by_sku(matches.pop())
        assert product is not None
    if not product.tracking.serialized:
        problems.append(Problem(where, f"{product.sku} is not serial-tracked"))
        return None
    return _unit(tx, product, code, where, problems)


def _unit(
    tx: Tx, product: Product, code: str, where: str, problems: list[Problem]
) -> tuple[Product, str] | None:
    """The unit's current code: an earlier (corrected) code finds it; the product's GTIN or
    SKU names no unit."""
    read, problem = unit_code(product, code, where)
    if problem or read is None:
        problems.append(problem or Problem(where, "no serial"))
        return None
    current = tx.ledger.corrected_codes(product.id, [code_key(read)])
    return product, current.get(code_key(read), read)


def view(tx: Tx, actor: Actor, count_id: int) -> CountView:
    require(actor, Permission.READ)
    row = _count(tx, count_id)
    scope = tx.catalog.product(row["scope_product_id"]) if row["scope_product_id"] else None
    blind = bool(row["blind"])
    base = {
        "id": count_id, "number": row["number"], "state": DocumentState(row["state"]),
        "location": tx.catalog.location(row["from_location_id"]).name,
        "sku": scope.sku if scope else None, "blind": blind,
        "scanned": tuple(dict(r) for r in tx.counts.scans(count_id, limit=SCANS_SHOWN)),
    }  # fmt: skip
    if row["state"] != DocumentState.DRAFT.value:
        return _settled(tx, row, base)
    if blind and not allowed(actor, Permission.SEE_BLIND_COUNT):
        return _blind(tx, row, base)
    diff = _differences(tx, row)
    quantities, warnings = count_quantities.lines_of(tx, row)
    return CountView(
        **base,
        quantities=tuple(quantities),
        warnings=tuple(warnings),
        expected=diff.expected,
        found=diff.found,
        matched=diff.found - len(diff.unexpected),
        missing=tuple(
            {"sku": diff.skus[s.product_id], "code": s.code, "books": describe(s)}
            for s in diff.missing
        ),
        unexpected=tuple(
            {"sku": sku, "code": code, "books": describe(state) if state else "not in the books"}
            for sku, code, state in diff.unexpected
        ),
    )


def _blind(tx: Tx, row: Any, base: dict[str, Any]) -> CountView:
    """An open blind count as its counter sees it: what was found, nothing of what the books
    expect (no expected tally, no missing or unexpected lists, no expected quantities)."""
    quantities, _ = count_quantities.lines_of(tx, row)  # its warnings name what is expected
    counted = tuple(
        {**q, "expected": None, "difference": None} for q in quantities if q["counted"] is not None
    )
    return CountView(
        **base, hidden=True, expected=None, matched=None,
        found=sum(tx.counts.found_by_product(row["id"]).values()), quantities=counted,
    )  # fmt: skip


def unscan(tx: Tx, actor: Actor, count_id: int, scan: str, *, sku: str | None) -> dict[str, Any]:
    """Undo a wrong scan: the serial ``scan`` names is no longer among what the open count
    found. ``sku`` says which product when several were scanned with that code."""
    require(actor, Permission.POST_DOCUMENT)
    row = _count(tx, count_id)
    if not tx.ledger.hold_document(count_id, DocumentState.DRAFT.value):
        raise Conflict(f"{row['number']} is {_state_of(tx, count_id)}; its scans stay as posted")
    problem = code_problem(scan, "scan")
    if problem:
        raise Invalid("this scan names no serial", [problem])
    product = tx.catalog.product_by_sku(sku) if sku else None
    if sku and product is None:
        raise NotFound(f"no product with SKU {sku!r}", [Problem("sku", "unknown")])
    code = scan.strip()
    read = parse_scan(scan)
    if read.kind != "plain":
        scanned = resolve(read, tx.catalog.product_by_gtin, tx.catalog.product_by_sku)
        if scanned is None or not read.serial:
            raise Invalid(f"{code}: no product and serial in this scan", [Problem("scan", code)])
        product, code = scanned, read.serial.strip()
    found = tx.counts.scans_of(count_id, code_key(code), product.id if product else None)
    if not found and product is not None:  # perhaps scanned under its old (corrected) code
        current = tx.ledger.corrected_codes(product.id, [code_key(code)]).get(code_key(code))
        if current:
            found = tx.counts.scans_of(count_id, code_key(current), product.id)
    if not found:
        raise NotFound(f"{code} is not among what {row['number']} found",
                       [Problem("scan", "not scanned on this count")])  # fmt: skip
    if len(found) > 1:
        raise Conflict(f"{code} was scanned for {', '.join(f['sku'] for f in found)}: say which "
                       "product (SKU)", [Problem("sku", "several products")])  # fmt: skip
    tx.counts.remove_scan(found[0]["id"])
    return {"sku": found[0]["sku"], "code": found[0]["code"], "outcome": "removed"}


def _settled(tx: Tx, row: Any, base: dict[str, Any]) -> CountView:
    """A posted (or cancelled) count: its differences as they were flagged when it posted."""
    flags = [f for f in tx.counts.flags(row["id"]) if f["kind"] != count_quantities.FLAG]
    missing = [f for f in flags if f["kind"] == "count_missing"]
    unexpected = [f for f in flags if f["kind"] != "count_missing"]
    found = sum(tx.counts.found_by_product(row["id"]).values())
    matched = found - len(unexpected)
    return CountView(
        **base,
        quantities=tuple(count_quantities.settled_lines(tx, row)),
        expected=matched + len(missing),
        found=found,
        matched=matched,
        missing=tuple({"sku": f["sku"], "code": f["code"], "books": f["detail"]} for f in missing),
        unexpected=tuple(
            {"sku": f["sku"], "code": f["code"], "books": f["detail"]} for f in unexpected
        ),
    )


@dataclass
class _Diff:
    expected: int
    found: int
    missing: list[SerialState]
    unexpected: list[tuple[str, str, SerialState | None]]  # sku, code as scanned, the books
    skus: dict[int, str]
    found_by_product: dict[int, int]


def _differences(tx: Tx, row: Any) -> _Diff:
    """Expected against found, compared in the database: memory grows with the differences,
    not with what the store holds."""
    store, scope, count_id = row["from_location_id"], row["scope_product_id"], row["id"]
    missing = tx.counts.missing(count_id, store, scope)
    extra = tx.counts.unexpected(count_id, store)
    found = tx.counts.found_by_product(count_id)
    product_ids = {s.product_id for s in missing} | {s["product_id"] for s in extra} | set(found)
    skus = {p: tx.catalog.product(p).sku for p in product_ids}
    states: dict[tuple[int, str], SerialState] = {}
    by_product: dict[int, list[str]] = {}
    for s in extra:
        by_product.setdefault(s["product_id"], []).append(s["code_key"])
    for product_id, keys in by_product.items():
        states.update(tx.ledger.states_by_keys(product_id, keys))
    unexpected = [
        (skus[s["product_id"]], s["code"], states.get((s["product_id"], s["code_key"])))
        for s in extra
    ]
    expected = tx.counts.expected_count(store, scope)
    return _Diff(expected, sum(found.values()), missing, unexpected, skus, found)


def post(tx: Tx, actor: Actor, count_id: int, *, now: datetime) -> list[str]:
    """Write the differences: lost out, found in or over, the rest flagged for investigation;
    return what was left as is (products in scope not counted).

    What the shelf lacks leaves the books: a manager's (or a clerk's, when the shop's
    setting says so); clerks open counts and scan."""
    clerks = catalog.clerks_take_off_books(tx)
    require_may(actor, Permission.TAKE_OFF_BOOKS, clerks_take_off_books=clerks)
    row = _count(tx, count_id)
    stamp = {"posted_by": actor.user_id, "posted_at": now, "date": now.date()}
    if not tx.documents.transition(count_id, DocumentState.DRAFT, DocumentState.POSTED, stamp):
        raise Conflict(f"{row['number']} is {_state_of(tx, count_id)}; only an open count posts")
    diff = _differences(tx, row)
    held = [s for s in diff.missing if s.reserved_by is not None]
    if held:
        raise Conflict(
            f"{row['number']} cannot be posted: serials not found are held by drafts",
            [
                Problem(f"serials.{s.code}", f"{diff.skus[s.product_id]} {s.code}: {describe(s)}")
                for s in held
            ],
        )
    warnings = count_quantities.warnings_before_posting(tx, row)
    posting = _Posting(tx, actor, row, diff, now)
    posting.run()
    count_quantities.post(tx, actor, row, first_line_no=len(posting.line_ids) + 1, now=now)
    return warnings


class _Posting:
    def __init__(self, tx: Tx, actor: Actor, row: Any, diff: _Diff, now: datetime) -> None:
        self.tx, self.actor, self.row, self.diff, self.now = tx, actor, row, diff, now
        self.products = {sku: tx.catalog.product_by_sku(sku) for sku in diff.skus.values()}
        self.store = tx.catalog.location(row["from_location_id"])
        self.adjustment = tx.catalog.location(row["to_location_id"])
        self.moves: list[dict[str, Any]] = []
        self.flags: list[dict[str, Any]] = []
        self.line_ids: dict[int, int] = {}

    def run(self) -> None:
        self._lines()
        self._lost()
        for sku, code, state in self.diff.unexpected:
            self._found(self.products[sku], code, state)  # type: ignore[arg-type]
        self.tx.ledger.insert_moves(self.moves)
        self.tx.ledger.insert_discrepancies(self.flags)
        self.tx.documents.record_event(
            self.row["id"], "posted", user_id=self.actor.user_id, at=self.now
        )

    def _lines(self) -> None:
        found = self.diff.found_by_product
        product_ids = sorted(set(found) | {s.product_id for s in self.diff.missing})
        rows = [
            {"line_no": n, "product_id": p, "quantity": found.get(p, 0)}
            for n, p in enumerate(product_ids, start=1)
        ]
        ids = self.tx.documents.insert_lines(self.row["id"], rows)
        self.line_ids = dict(zip(product_ids, ids, strict=True))

    def _lost(self) -> None:
        lost = self.diff.missing
        if not lost:
            return
        moved = self.tx.ledger.move_serials(
            [s.id for s in lost], document_id=self.row["id"], from_location_id=self.store.id,
            takes={SerialStatus.IN_STOCK}, to_location_id=self.adjustment.id,
            status=SerialStatus.ADJUSTED_OUT,
        )  # fmt: skip
        if moved != len(lost):
            raise Conflict(f"serials at {self.store.name} moved while posting; try again")
        for s in lost:
            self._move(s.product_id, s.id, self.store.id, self.adjustment.id)
            self._flag("count_missing", s.product_id, s.code, f"not found: {describe(s)}")

    def _found(self, product: Product, code: str, state: SerialState | None) -> None:
        if state is None:
            owner = self._other_owner(product, code)
            if owner:
                self._flag("count_not_restored", product.id, code,
                           f"found, but the code is {owner}'s and serial numbers are unique "
                           "across products: not added")  # fmt: skip
                return
            ids = self.tx.ledger.insert_serials([self._new_serial(product, code)])
            if not ids:
                raise Conflict(
                    f"{product.sku} {code} cannot be added: the code was taken meanwhile, or "
                    "another product has it and serial numbers are unique across products"
                )
            self._move(product.id, next(iter(ids.values())), self.adjustment.id, self.store.id)
            self._flag("count_unknown", product.id, code, "found, never in the books: added")
            return
        over = state.status is SerialStatus.IN_STOCK and state.reserved_by is None
        if state.status is SerialStatus.ADJUSTED_OUT or over:
            self._bring(product, state)
            return
        self._flag(
            "count_not_restored",
            product.id,
            state.code,
            f"found on the shelf, but the books say {describe(state)}: not restored",
        )

    def _other_owner(self, product: Product, code: str) -> str | None:
        """With global uniqueness: the other product that has this code, if one does."""
        if not self.tx.ledger.global_codes():
            return None
        other = self.tx.ledger.states_of_other_products(product.id, [code_key(code)])
        found = other.get(code_key(code))
        return f"{found[0]} {found[1].code}" if found else None

    def _bring(self, product: Product, state: SerialState) -> None:
        source = state.location_id
        moved = self.tx.ledger.move_serials(
            [state.id], document_id=self.row["id"], from_location_id=source,
            takes={state.status}, to_location_id=self.store.id, status=SerialStatus.IN_STOCK,
        )  # fmt: skip
        if moved != 1:
            raise Conflict(f"{product.sku} {state.code} moved while posting; try again")
        self._move(product.id, state.id, source, self.store.id)
        if state.status is SerialStatus.IN_STOCK:
            self._flag(
                "count_found_elsewhere", product.id, state.code,
                f"found here, the books had it at {state.location_name}: moved",
            )  # fmt: skip
        else:
            self._flag("count_found", product.id, state.code, f"found again ({describe(state)})")

    def _new_serial(self, product: Product, code: str) -> dict[str, Any]:
        return serial_row(
            product.id, code, location_id=self.store.id, status=SerialStatus.IN_STOCK,
            document_id=self.row["id"], now=self.now,
        )  # fmt: skip

    def _move(self, product_id: int, serial_id: int, source: int, target: int) -> None:
        self.moves.append(
            move_row(
                now=self.now, document_id=self.row["id"], line_id=self.line_ids[product_id],
                product_id=product_id, user_id=self.actor.user_id, serial_id=serial_id,
                from_location_id=source, to_location_id=target,
            )
        )  # fmt: skip

    def _flag(self, kind: str, product_id: int, code: str, detail: str) -> None:
        sku = self.diff.skus[product_id]
        self.flags.append(
            {
                "at": self.now, "kind": kind, "product_id": product_id, "code": code,
                "document_id": self.row["id"], "detail": f"{sku} {code}: {detail}",
            }
        )  # fmt: skip


def _count(tx: Tx, count_id: int) -> Any:
    row = tx.documents.get(count_id)
    if row is None or row["kind"] != RULE.kind.value:
        raise NotFound(f"no inventory count with id {count_id}")
    return row


def _state_of(tx: Tx, count_id: int) -> str:
    return str(tx.documents.get(count_id)["state"])  # type: ignore[index]
