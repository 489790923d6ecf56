"""The rules of posting and cancelling, as pure functions over plain values.

The services read the current state of the serials a document names, ask these functions
what is wrong, and only then write; the write itself is a compare-and-set, so a state that
changed in between is caught again there and explained with the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache

from serialtrack.domain.codes import code_key, code_problem, normal_code
from serialtrack.domain.errors import Invalid, Problem
from serialtrack.domain.gtin import is_gtin, normalize_gtin
from serialtrack.domain.lots import past_removal, removal_date
from serialtrack.domain.model import (
    BatchInput,
    DocumentKind,
    LineInput,
    LocationKind,
    Product,
    SerialStatus,
    TrackingMode,
)
from serialtrack.domain.rules import KindRule
from serialtrack.scanning import parse_scan

MAX_LINES = 10_000
MAX_QUANTITY = 10_000_000
MAX_WARRANTY_DAYS = 36_500


@dataclass(frozen=True)
class PlannedBatch:
    code: str
    quantity: int
    expiry: date | None = None

    @property
    def key(self) -> str:
        return code_key(self.code)


@dataclass(frozen=True)
class PlannedLine:
    """A line that passed every check that needs no database state."""

    line_no: int
    product: Product
    quantity: int
    codes: tuple[str, ...]  # cleaned, in input order; empty for quantity-only lines
    line_id: int = 0  # set once the line is stored
    batches: tuple[PlannedBatch, ...] = ()  # a batch-tracked line's parts
    expiry: date | None = None  # of the serials the line creates
    warranty_days: int | None = None
    batch: str | None = None  # serial+batch: the batch the line's new units belong to

    @cached_property
    def keys(self) -> list[str]:
        """The codes' comparison keys (computed once: a 100,000-serial line asks often)."""
        return [code_key(c) for c in self.codes]


@dataclass(frozen=True)
class SerialState:
    """What the books say about one existing serial, as the rules need it."""

    id: int
    product_id: int
    code: str
    status: SerialStatus
    location_id: int
    location_name: str
    location_kind: LocationKind
    reserved_by: int | None = None
    reserved_by_number: str | None = None
    holder_id: int | None = None
    holder_name: str | None = None
    last_document_id: int | None = None
    last_document_number: str | None = None
    # The last document's route and date: a serial in transit is "on TR-1 from A to B since".
    last_from_name: str | None = None
    last_destination_name: str | None = None
    last_document_date: date | None = None
    expiry: date | None = None


@dataclass(frozen=True)
class BatchState:
    """A batch code as the books have it, with what it holds at the location that matters."""

    id: int
    product_id: int
    code: str
    expiry: date | None
    on_hand: int  # at the document's source location


def expired(expiry: date | None, on: date) -> bool:
    """A unit is expired from the day after its expiry date."""
    return expiry is not None and expiry < on


def warranty_end(start: date | None, days: int | None) -> date | None:
    """The last day of a warranty of ``days`` days that starts on ``start``."""
    if start is None or not days:
        return None
    return start + timedelta(days=days)


@dataclass(frozen=True)
class Origin:
    """The document another one names (a receipt, a sale, a dispatch) and the serials it moved."""

    id: int
    number: str
    serial_ids: frozenset[int]


def describe(state: SerialState) -> str:
    """Where a serial is, in the words a clerk needs to go and find it."""
    by = f" by {state.last_document_number}" if state.last_document_number else ""
    if state.status is SerialStatus.IN_TRANSIT and state.last_document_number:
        return _in_transit(state)
    if state.status is SerialStatus.RESERVED:
        return f"reserved by draft {state.reserved_by_number} at {state.location_name}"
    if state.status is SerialStatus.IN_STOCK:
        return f"in stock at {state.location_name}"
    if state.status is SerialStatus.SOLD:
        to = f" to {state.holder_name}" if state.holder_name else ""
        return f"sold{to}{by.replace(' by ', ' on ')}"
    if state.status is SerialStatus.ASSEMBLED:
        return f"assembled into a bundle{by}"
    if state.status is SerialStatus.ON_HOLD:
        return f"on hold{by} (in quarantine: not for sale until released)"
    if state.status is SerialStatus.RETURNED_TO_SUPPLIER:
        to = f" {state.holder_name}" if state.holder_name else ""
        return f"returned to supplier{to}{by}"
    return f"{state.status.value.replace('_', ' ')} at {state.location_name}{by}"


def _in_transit(state: SerialState) -> str:
    route = f" from {state.last_from_name}" if state.last_from_name else ""
    route += f" to {state.last_destination_name}" if state.last_destination_name else ""
    since = f" since {state.last_document_date.isoformat()}" if state.last_document_date else ""
    return f"in transit on transfer {state.last_document_number}{route}{since}"


def where_now(state: SerialState, *, put_there_by: int | None = None) -> str:
    """``describe`` plus the document that moved it there, unless that is ``put_there_by``."""
    text = describe(state)
    later = state.last_document_number if state.last_document_id != put_there_by else None
    if later and later not in text:
        text += f", moved there by {later}"
    return text


def plan_lines(
    rule: KindRule, products: Mapping[str, Product], lines: Sequence[LineInput]
) -> tuple[list[PlannedLine], list[Problem]]:
    """Check lines against everything that needs no stock state; return all problems found."""
    problems: list[Problem] = []
    planned: list[PlannedLine] = []
    if not lines:
        problems.append(Problem("lines", "a document needs at least one line"))
    if len(lines) > MAX_LINES:
        problems.append(Problem("lines", f"a document has at most {MAX_LINES} lines"))
        return [], problems
    seen: dict[tuple[int, str], str] = {}
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        product = products.get(line.sku)
        if product is None:
            problems.append(Problem(f"{where}.sku", f"no product with SKU {line.sku!r}"))
            continue
        line_problems, codes, quantity = _check_line(rule, product, line, where, seen)
        batches, batch_problems = _check_batches(rule, product, line, where, seen)
        lot, expiry, lot_problems = _check_lot(rule, product, line, where)
        line_problems += batch_problems + lot_problems + _check_extras(rule, line, where)
        if batches:
            quantity = sum(b.quantity for b in batches)
        problems.extend(line_problems)
        if not line_problems:
            planned.append(
                PlannedLine(
                    index + 1, product, quantity, codes, batches=batches,
                    expiry=expiry, warranty_days=line.warranty_days, batch=lot,
                )
            )  # fmt: skip
    return planned, problems


def _check_lot(
    rule: KindRule, product: Product, line: LineInput, where: str
) -> tuple[str | None, date | None, list[Problem]]:
    """The batch (and expiry) of a serial+batch line's new units: the line's own, or the one
    every GS1 scan on the line carries (AI 10, AI 17). Only a document that brings new units
    in names their batch; the units keep it for life."""
    lot = line.batch.strip() if isinstance(line.batch, str) and line.batch.strip() else None
    expiry = line.expiry
    if product.tracking is not TrackingMode.SERIAL_BATCH:
        if lot is not None:
            return None, expiry, [
                Problem(f"{where}.batch", f"{product.sku} is not tracked by serial and batch")
            ]  # fmt: skip
        return None, expiry, []
    if not rule.creates_serials:
        if lot is not None:
            return None, expiry, [
                Problem(f"{where}.batch", f"a {rule.label} moves units that keep their batch: "
                        "give serials only")
            ]  # fmt: skip
        return None, expiry, []
    lot, expiry, problems = _lot_scanned(line, lot, expiry, where)
    if lot is None:
        problems.append(
            Problem(f"{where}.batch", f"{product.sku} is tracked by serial and batch: give the "
                    "batch of these units (or scan GS1 labels that carry it)")
        )  # fmt: skip
        return None, expiry, problems
    problem = code_problem(lot, f"{where}.batch")
    if problem:
        return None, expiry, [problem, *problems]
    if product.expiry_required and expiry is None:
        problems.append(Problem(f"{where}.expiry", f"{product.sku} batch {lot}: an expiry date "
                                "is required"))  # fmt: skip
    return normal_code(lot), expiry, problems


def _lot_scanned(
    line: LineInput, lot: str | None, expiry: date | None, where: str
) -> tuple[str | None, date | None, list[Problem]]:
    """The line's batch and expiry completed from its GS1 scans, which must all agree."""
    problems: list[Problem] = []
    for position, raw in enumerate(line.serials):
        scanned = _scanned_lot(raw)
        if scanned is None:
            continue
        batch, best_before = scanned
        at = f"{where}.serials[{position}]"
        if batch is not None:
            if lot is None:
                lot = batch
            elif code_key(batch) != code_key(lot):
                problems.append(Problem(at, f"this unit is of batch {batch}, the line's is "
                                            f"{lot}: one line per batch"))  # fmt: skip
        if best_before is not None:
            if expiry is None:
                expiry = best_before
            elif best_before != expiry:
                problems.append(Problem(at, f"this unit expires on {best_before}, the line's "
                                            f"batch on {expiry}"))  # fmt: skip
    return lot, expiry, problems


def _scanned_lot(raw: object) -> tuple[str | None, date | None] | None:
    """The batch and expiry a GS1 scan carries; None for a plain code or an unreadable one
    (``unit_code`` explains those)."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not (text.startswith(_SCAN_MARKS) or "\x1d" in text):
        return None
    try:
        scan = parse_scan(text, "scan")
    except Invalid:
        return None
    if scan.kind == "plain":
        return None
    return scan.batch, scan.expiry


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_extras(rule: KindRule, line: LineInput, where: str) -> list[Problem]:
    problems = []
    days = line.warranty_days
    if days is not None:
        if rule.kind is not DocumentKind.RECEIPT:
            problems.append(Problem(f"{where}.warranty_days", "only a receipt line sets warranty"))
        elif not _whole(days, 0, MAX_WARRANTY_DAYS):
            problems.append(
                Problem(f"{where}.warranty_days", f"days from 0 to {MAX_WARRANTY_DAYS}")
            )
    if line.expiry is not None and not rule.creates_serials:
        problems.append(Problem(f"{where}.expiry", f"a {rule.label} does not set expiry dates"))
    return problems


def _check_batches(
    rule: KindRule,
    product: Product,
    line: LineInput,
    where: str,
    seen: dict[tuple[int, str], str],
) -> tuple[tuple[PlannedBatch, ...], list[Problem]]:
    if product.tracking is not TrackingMode.BATCH:
        if line.batches:
            return (), [Problem(f"{where}.batches", f"{product.sku} is not batch-tracked")]
        return (), []
    problems: list[Problem] = []
    planned: list[PlannedBatch] = []
    if line.serials:
        problems.append(
            Problem(f"{where}.serials", f"{product.sku} is batch-tracked: give batches")
        )
    if not line.batches:
        problems.append(
            Problem(
                f"{where}.batches",
                f"{product.sku} is batch-tracked: give each batch code with its quantity",
            )
        )
    for position, batch in enumerate(line.batches):
        at = f"{where}.batches[{position}]"
        found = _batch_problems(rule, product, batch, at, seen)
        problems.extend(found)
        if not found:
            planned.append(PlannedBatch(normal_code(batch.code), batch.quantity, batch.expiry))
    total = sum(b.quantity for b in planned)
    if not problems and line.quantity is not None and line.quantity != total:
        problems.append(
            Problem(f"{where}.quantity", f"quantity {line.quantity} but the batches hold {total}")
        )
    return tuple(planned), problems


def _batch_problems(
    rule: KindRule,
    product: Product,
    batch: BatchInput,
    at: str,
    seen: dict[tuple[int, str], str],
) -> list[Problem]:
    problem = code_problem(batch.code, f"{at}.code")
    if problem:
        return [problem]
    q = batch.quantity
    if not _whole(q, 1, MAX_QUANTITY):
        return [Problem(f"{at}.quantity", f"a whole number from 1 to {MAX_QUANTITY}")]
    key = (product.id, "batch:" + code_key(batch.code))
    if key in seen:
        first = seen[key]
        return [Problem(f"{at}.code", f"batch {batch.code.strip()} is entered twice ({first})")]
    seen[key] = at
    if batch.expiry is not None and not rule.creates_serials:
        return [Problem(f"{at}.expiry", f"a {rule.label} does not set expiry dates")]
    return []


def _check_line(
    rule: KindRule,
    product: Product,
    line: LineInput,
    where: str,
    seen: dict[tuple[int, str], str],
) -> tuple[list[Problem], tuple[str, ...], int]:
    if product.tracking is TrackingMode.BATCH:
        return [], (), 0  # its batches are checked by _check_batches
    if product.tracking is TrackingMode.NONE:
        return _check_quantity_line(product, line, where), (), line.quantity or 0
    problems: list[Problem] = []
    codes: list[str] = []
    for position, raw in enumerate(line.serials):
        at = f"{where}.serials[{position}]"
        code, problem = unit_code(product, raw, at)
        if problem or code is None:
            problems.append(problem or Problem(at, "no serial"))
            continue
        key = (product.id, code_key(code))
        if key in seen:
            problems.append(Problem(at, f"{code} is entered twice (first at {seen[key]})"))
            continue
        seen[key] = at
        codes.append(code)
    quantity = line.quantity if line.quantity is not None else len(line.serials)
    if not line.serials:
        problems.append(
            Problem(
                f"{where}.serials", f"{product.sku} is serial-tracked: list one serial per unit"
            )
        )
    elif quantity != len(line.serials):
        problems.append(
            Problem(
                f"{where}.quantity",
                f"quantity {quantity} but {len(line.serials)} serials: one serial per unit",
            )
        )
    return problems, tuple(codes), quantity


_SCAN_MARKS = ("(", "]", "http", "HTTP", "Http")


def unit_code(product: Product, raw: object, at: str) -> tuple[str | None, Problem | None]:
    """The serial a typed or scanned code names for a unit of ``product``: one resolver for
    every entry path.

    A GS1 element string or Digital Link gives its AI 21 (a GTIN that is not the product's is
    refused); the product's own GTIN or SKU names the product, not a unit, and is refused
    ("scan the unit's serial"), never taken for a serial.
    """
    text = raw.strip() if isinstance(raw, str) else ""
    if text.startswith(_SCAN_MARKS) or "\x1d" in text:
        try:
            scan = parse_scan(text, at)
        except Invalid as refusal:
            return None, (refusal.problems[0] if refusal.problems else Problem(at, str(refusal)))
        if scan.kind != "plain":
            own = normalize_gtin(product.gtin) if product.gtin else None
            shown = text.replace("\x1d", "<GS>")
            if scan.gtin and own and scan.gtin != own:
                return None, Problem(
                    at, f"{shown} is a label of GTIN {scan.gtin}, not of {product.sku} (GTIN {own})"
                )
            if not scan.serial:
                return None, Problem(
                    at, f"{shown} names the product, not a unit: scan the unit's serial"
                )
            raw = scan.serial
    problem = code_problem(raw, at)
    if problem:
        return None, problem
    text = normal_code(str(raw))
    if product.gtin and is_gtin(text) and normalize_gtin(text) == normalize_gtin(product.gtin):
        return None, Problem(
            at, f"{text} is the GTIN of {product.sku}: it names the product, not a unit; "
            "scan the unit's serial",
        )  # fmt: skip
    if code_key(text) == _sku_key(product.sku):
        return None, Problem(
            at, f"{text} is the SKU of {product.sku}, not a unit's serial; scan the unit's serial"
        )
    return text, None


@lru_cache(maxsize=1024)
def _sku_key(sku: str) -> str:
    return code_key(sku)  # once per product, not once per unit of a 100,000-serial line


def _check_quantity_line(product: Product, line: LineInput, where: str) -> list[Problem]:
    if line.serials:
        return [
            Problem(
                f"{where}.serials", f"{product.sku} is not serial-tracked; give a quantity only"
            )
        ]
    q = line.quantity
    if not isinstance(q, int) or isinstance(q, bool) or q <= 0:
        return [Problem(f"{where}.quantity", "quantity must be a whole number above zero")]
    if q > MAX_QUANTITY:
        return [Problem(f"{where}.quantity", f"quantity must be at most {MAX_QUANTITY}")]
    return []


def serial_problems(
    rule: KindRule,
    *,
    document_id: int | None,
    partner_id: int | None,
    from_location_id: int,
    lines: Iterable[PlannedLine],
    states: Mapping[tuple[int, str], SerialState],
    origin: Origin | None = None,
    on: date | None = None,
    allow_expired: bool = False,
) -> list[Problem]:
    """Which serials this document may not move, each with where it is now.

    With an ``origin`` (the receipt a purchase return names, the sale a sales return names,
    the dispatch a transfer receipt names) only serials that document moved are taken. ``on``
    is the document's date: a kind that refuses expired units refuses those expired by then,
    unless ``allow_expired``.
    """
    problems: list[Problem] = []
    for line in lines:
        for position, (code, key) in enumerate(zip(line.codes, line.keys, strict=True)):
            state = states.get((line.product.id, key))
            reason = (
                _origin_refusal(rule, state, origin)
                or _refusal(rule, state, document_id, partner_id, from_location_id)
                or _time_refusal(state, on)
                or _expiry_refusal(rule, line, state, on, allow_expired)
            )
            if reason:
                where = f"lines[{line.line_no - 1}].serials[{position}]"
                problems.append(Problem(where, f"{line.product.sku} {code}: {reason}", "serial"))
    return problems


def _time_refusal(state: SerialState | None, on: date | None) -> str | None:
    """A document may not move a unit before the unit's latest move."""
    last = state.last_document_date if state else None
    if state is None or on is None or last is None or on >= last:
        return None
    by = f" by {state.last_document_number}" if state.last_document_number else ""
    return f"it arrived where it is on {last}{by}; this document is dated {on}, before that"


def _expiry_refusal(
    rule: KindRule, line: PlannedLine, state: SerialState | None, on: date | None, allow: bool
) -> str | None:
    if state is None:
        if line.product.expiry_required and line.expiry is None:
            return "an expiry date is required for this product"
        return None
    if rule.refuses_expired and not allow and on is not None and expired(state.expiry, on):
        return f"expired on {state.expiry}; only a manager may allow expired units"
    removing = rule.refuses_expired and not allow and on is not None
    if removing and on is not None and past_removal(line.product, state.expiry, on):
        removal = removal_date(line.product, state.expiry)
        return f"past its removal date {removal}; only a manager may allow it"
    return None


def lot_problems(line: PlannedLine, states: Mapping[str, BatchState]) -> list[Problem]:
    """A serial+batch line's batch against the books: an existing batch keeps its expiry, and
    holds units of this product only (its quantities are those of its units)."""
    if line.batch is None:
        return []
    state = states.get(code_key(line.batch))
    at = f"lines[{line.line_no - 1}]"
    if state is None:
        return []
    if line.expiry is not None and state.expiry is not None and line.expiry != state.expiry:
        return [Problem(f"{at}.expiry", f"{line.product.sku} batch {state.code} expires on "
                        f"{state.expiry}, not {line.expiry}")]  # fmt: skip
    return []


def batch_problems(
    rule: KindRule,
    line: PlannedLine,
    states: Mapping[str, BatchState],
    *,
    on: date | None,
    allow_expired: bool,
    outgoing: bool,
) -> list[Problem]:
    """Batches a line may not move: unknown ones, too few on hand, expired, expiry missing."""
    problems = []
    for position, batch in enumerate(line.batches):
        at = f"lines[{line.line_no - 1}].batches[{position}]"
        state = states.get(batch.key)
        name = f"{line.product.sku} batch {batch.code}"
        if state is None:
            if not rule.creates_serials:
                problems.append(Problem(at, f"{name}: no such batch", "batch"))
            elif line.product.expiry_required and batch.expiry is None:
                problems.append(Problem(f"{at}.expiry", f"{name}: an expiry date is required"))
            continue
        if batch.expiry is not None and state.expiry is not None and batch.expiry != state.expiry:
            problems.append(
                Problem(f"{at}.expiry", f"{name} expires on {state.expiry}, not {batch.expiry}")
            )
        if outgoing and state.on_hand < batch.quantity:
            problems.append(
                Problem(
                    f"{at}.quantity",
                    f"{name}: {state.on_hand} on hand at the source, {batch.quantity} asked",
                    "batch",
                )
            )
        if rule.refuses_expired and not allow_expired and on and expired(state.expiry, on):
            problems.append(
                Problem(at, f"{name}: expired on {state.expiry}; only a manager may allow it")
            )
        elif (rule.refuses_expired and not allow_expired and on
              and past_removal(line.product, state.expiry, on)):  # fmt: skip
            removal = removal_date(line.product, state.expiry)
            problems.append(Problem(at, f"{name}: past its removal date {removal}; only a "
                                    "manager may allow it"))  # fmt: skip
    return problems


def _origin_refusal(rule: KindRule, state: SerialState | None, origin: Origin | None) -> str | None:
    if origin is None or state is None:
        return None
    if state.id not in origin.serial_ids:
        return f"not on {origin.number}: {describe(state)}"
    if rule.takes_from_origin and state.last_document_id != origin.id:
        return f"already received from {origin.number}: now {where_now(state)}"
    return None


def _refusal(
    rule: KindRule,
    state: SerialState | None,
    document_id: int | None,
    partner_id: int | None,
    from_location_id: int,
) -> str | None:
    if state is None:
        return None if rule.creates_serials else "no such serial (it was never received)"
    held_here = state.reserved_by is not None and state.reserved_by == document_id
    status = SerialStatus.IN_STOCK if held_here else state.status
    if status not in rule.takes:
        if rule.creates_serials:
            return f"already known: {describe(state)}"
        return f"not available: {describe(state)}"
    if rule.outgoing_from_internal and state.location_id != from_location_id:
        return f"not at the source location: {describe(state)}"
    # A serial whose last document was cancelled away has no holder: anyone may take it back.
    if rule.holder_must_match and state.last_document_id and state.holder_id != partner_id:
        return f"not held by this partner: {describe(state)}"
    return None


def cancel_problems(
    *, document_id: int, to_location_id: int, states: Iterable[SerialState]
) -> list[Problem]:
    """Serials that have moved on since the document put them where they are.

    ``LedgerRepo.states_moved_on`` pre-filters the states with this same rule in SQL (so a
    large cancel reads only the few that moved on): a change to the rule changes both.
    """
    problems = []
    for state in states:
        moved = state.last_document_id != document_id or state.location_id != to_location_id
        if moved or state.reserved_by is not None:
            message = f"{state.code} is now {where_now(state, put_there_by=document_id)}"
            problems.append(Problem(f"serials.{state.code}", message, "serial"))
    return problems


def outstanding_problems(
    lines: Iterable[PlannedLine], outstanding: Mapping[int, int], origin_number: str
) -> list[Problem]:
    """Quantity lines of a transfer receipt asking for more than is still in transit."""
    asked: dict[int, int] = {}
    first: dict[int, PlannedLine] = {}
    for line in lines:
        if not line.codes:
            asked[line.product.id] = asked.get(line.product.id, 0) + line.quantity
            first.setdefault(line.product.id, line)
    problems = []
    for product_id, quantity in asked.items():
        have = outstanding.get(product_id, 0)
        if quantity > have:
            line = first[product_id]
            problems.append(
                Problem(
                    f"lines[{line.line_no - 1}].quantity",
                    f"{line.product.sku}: {have} still in transit on {origin_number}, "
                    f"{quantity} asked",
                )
            )
    return problems


def batch_outstanding_problems(
    lines: Iterable[PlannedLine], outstanding: Mapping[tuple[int, str], int], origin_number: str
) -> list[Problem]:
    """Batches a transfer receipt asks more of than its dispatch still has in transit."""
    problems = []
    for line in lines:
        for position, batch in enumerate(line.batches):
            have = outstanding.get((line.product.id, batch.key), 0)
            if batch.quantity > have:
                problems.append(
                    Problem(
                        f"lines[{line.line_no - 1}].batches[{position}].quantity",
                        f"{line.product.sku} batch {batch.code}: {have} still in transit on "
                        f"{origin_number}, {batch.quantity} asked",
                    )
                )
    return problems
