"""Bulk serial import, the books half: a file's rows checked whole, then posted whole.

Every row is checked before anything is written: unknown SKU or location, what the row gives
against what its product's tracking needs (a serial for ``serial``; a serial and a batch for
``serial+batch``; a batch code and a quantity for ``batch``; a quantity for ``none``), a code
the books already have (named with where that unit is), a batch whose rows give two expiry
dates or whose date is not the one the books have (the receipt's own check and words), and
the file reader's own findings (bad dates, duplicates, ...). Any problem refuses the whole
file, each problem naming its row and column. A good file becomes one document per location:
an opening balance, or a receipt when a supplier is given, all in one transaction. Rows of the
same batch at one location add up to one batch part; a serial+batch product gets one line per
batch, with the batch's expiry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from serialtrack.adapters.db.store import Tx
from serialtrack.adapters.imports import FileRead, ImportRow
from serialtrack.domain.codes import code_key, normal_code
from serialtrack.domain.errors import Invalid, Problem
from serialtrack.domain.model import (
    Actor,
    BatchInput,
    DocumentKind,
    LineInput,
    LocationKind,
    Product,
    TrackingMode,
)
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import (
    MAX_QUANTITY,
    PlannedBatch,
    PlannedLine,
    batch_problems,
    serial_problems,
)
from serialtrack.domain.rules import rule_for
from serialtrack.services import documents
from serialtrack.services.header import HeaderInput
from serialtrack.services.serials import global_uniqueness_problems


@dataclass(frozen=True)
class ImportTarget:
    """Where a file's units go: a default location, and a supplier to make it a receipt."""

    location: str | None = None
    supplier: str | None = None
    number: str | None = None
    reference: str | None = None
    date: date | None = None


@dataclass
class ImportResult:
    rows: int
    serials: int
    documents: list[int] = field(default_factory=list)  # ids; empty for a check only
    warnings: list[str] = field(default_factory=list)
    units: int = 0  # serials, and the quantities of batch and quantity-only rows


def import_serials(
    tx: Tx, actor: Actor, read: FileRead, target: ImportTarget, *, check_only: bool,
    now: datetime,
) -> ImportResult:  # fmt: skip
    """Check ``read`` against the books; unless ``check_only``, post it as documents."""
    require(actor, Permission.IMPORT_SERIALS)
    kind = DocumentKind.RECEIPT if target.supplier else DocumentKind.OPENING_BALANCE
    problems = list(read.problems)
    if not read.rows and not problems:
        problems.append(Problem("file", "the file has no rows to import"))
    groups = _group(tx, read.rows, target, problems)
    problems += _batch_refusals(tx, kind, groups)
    problems += _taken(tx, kind, groups)
    if problems:
        problems.sort(key=_row_order)
        raise Invalid(f"the file was not imported: {len(problems)} problem(s)", problems)
    serial_count = sum(len(entry.serials) for entry in groups.values())
    units = sum(entry.units for entry in groups.values())
    result = ImportResult(len(read.rows), serial_count, warnings=list(read.warnings), units=units)
    if check_only:
        return result
    by_location = _by_location(groups)
    for location, entries in by_location.items():
        header = HeaderInput(
            kind, location, target.supplier, target.number if len(by_location) == 1 else None,
            target.date, target.reference,
        )  # fmt: skip
        lines = [line for entry in entries for line in entry.lines()]
        document_id = documents.create(tx, actor, header, lines, post=True, now=now)
        result.documents.append(document_id)
    return result


@dataclass
class _Lot:
    """One batch of one product at one location, as the file gives it."""

    code: str
    first_row: int
    quantity: int = 0  # a batch product's units, added up over its rows
    serials: list[ImportRow] = field(default_factory=list)  # a serial+batch product's units
    expiry: date | None = None  # set after grouping: the file's date, else the books'
    expiry_row: int | None = None  # the row the file's date is from


@dataclass
class _Entry:
    """What the file brings of one product to one location."""

    product: Product
    serials: list[ImportRow] = field(default_factory=list)  # serial and serial+batch rows
    lots: dict[str, _Lot] = field(default_factory=dict)  # by code key
    quantity: int = 0  # a quantity-only product's units
    location_id: int = 0

    @property
    def units(self) -> int:
        return len(self.serials) + self.quantity + sum(lot.quantity for lot in self.lots.values())

    def lines(self) -> list[LineInput]:
        sku, tracking = self.product.sku, self.product.tracking
        if tracking is TrackingMode.NONE:
            return [LineInput(sku, self.quantity)]
        if tracking is TrackingMode.BATCH:
            parts = tuple(BatchInput(x.code, x.quantity, x.expiry) for x in self.lots.values())
            return [LineInput(sku, batches=parts)]
        if tracking is TrackingMode.SERIAL_BATCH:
            return [
                LineInput(sku, None, tuple(r.serial for r in lot.serials), expiry=lot.expiry,
                          batch=lot.code)
                for lot in self.lots.values()
            ]  # fmt: skip
        by_expiry: dict[date | None, list[str]] = defaultdict(list)  # a line sets one date
        for row in self.serials:
            by_expiry[row.expiry].append(row.serial)
        return [LineInput(sku, None, tuple(codes), expiry=day) for day, codes in by_expiry.items()]


Group = dict[tuple[str, str], _Entry]  # (location, sku) -> what the file brings there
Dated = dict[tuple[str, str], tuple[date, int]]  # (sku, batch key) -> (expiry, row giving it)


def _group(tx: Tx, rows: list[ImportRow], target: ImportTarget, problems: list[Problem]) -> Group:
    groups: Group = {}
    products: dict[str, Product | None] = {}
    places: dict[str, int | None] = {}
    dated: Dated = {}
    for row in rows:
        where = f"row {row.row}"
        if row.sku not in products:
            products[row.sku] = tx.catalog.product_by_sku(row.sku)
        product = products[row.sku]
        location = row.location or target.location
        refusals = _row_refusals(product, row, location)
        if refusals:
            problems += [Problem(f"{where}, {column}", why) for column, why in refusals]
            continue
        assert product is not None
        assert location is not None
        if location not in places:
            found = tx.catalog.location_by_name(location)
            internal = found is not None and found.kind is LocationKind.INTERNAL
            places[location] = found.id if found is not None and internal else None
        location_id = places[location]
        if location_id is None:
            problems.append(Problem(f"{where}, location", f"no store or warehouse {location!r}"))
            continue
        entry = groups.get((location, row.sku))
        if entry is None:
            entry = groups[(location, row.sku)] = _Entry(product, location_id=location_id)
        problems += _add(entry, row, dated)
    for (_, sku), entry in groups.items():
        for key, lot in entry.lots.items():
            lot.expiry, lot.expiry_row = dated.get((sku, key), (None, None))
    return groups


def _add(entry: _Entry, row: ImportRow, dated: Dated) -> list[Problem]:
    """Put ``row`` into ``entry``: its serial, its part of a batch, or its quantity."""
    tracking = entry.product.tracking
    if tracking is TrackingMode.NONE:
        entry.quantity += row.quantity or 0
        return _too_many(row, entry.quantity, entry.product.sku)
    if tracking is TrackingMode.SERIAL:
        entry.serials.append(row)
        return []
    assert row.batch is not None
    key = code_key(row.batch)
    lot = entry.lots.get(key)
    if lot is None:
        lot = entry.lots[key] = _Lot(normal_code(row.batch), row.row)
    problems = []
    if row.expiry is not None:
        first = dated.setdefault((entry.product.sku, key), (row.expiry, row.row))
        if first[0] != row.expiry:
            message = (
                f"{entry.product.sku} batch {lot.code} expires on {first[0]} (row {first[1]}), "
                f"not {row.expiry}: one batch has one expiry date"
            )
            problems.append(Problem(f"row {row.row}, expiry", message, "batch"))
    if tracking is TrackingMode.SERIAL_BATCH:
        entry.serials.append(row)
        lot.serials.append(row)
        return problems
    lot.quantity += row.quantity or 0
    return problems + _too_many(row, lot.quantity, f"{entry.product.sku} batch {lot.code}")


def _too_many(row: ImportRow, total: int, what: str) -> list[Problem]:
    if total <= MAX_QUANTITY or total - (row.quantity or 0) > MAX_QUANTITY:
        return []  # named once: on the row that goes over
    message = f"the rows of {what} add up to more than {MAX_QUANTITY:,} units at one location"
    return [Problem(f"row {row.row}, quantity", message, "quantity")]


def _row_refusals(
    product: Product | None, row: ImportRow, location: str | None
) -> list[tuple[str, str]]:
    """What is wrong with a row for its product, by column: what each tracking mode needs."""
    if product is None:
        return [("sku", f"no product with SKU {row.sku!r}")]
    if product.tracking.serialized:
        found = _serial_refusals(product, row)
    elif product.tracking is TrackingMode.BATCH:
        found = _batch_row_refusals(product.sku, row)
    else:
        found = _quantity_refusals(product.sku, row)
    if not location:
        found.append(("location", "no location: fill the column or choose one for the whole file"))
    return found


def _serial_refusals(product: Product, row: ImportRow) -> list[tuple[str, str]]:
    sku = product.sku
    serial_batch = product.tracking is TrackingMode.SERIAL_BATCH
    kind = "tracked by serial and batch" if serial_batch else "serial-tracked"
    found = []
    if not row.serial:
        found.append(("serial", f"{sku} is {kind}: one row per unit, with its serial"))
    if row.quantity not in (None, 1):
        found.append(
            ("quantity", f"a serial is one unit; quantity {row.quantity} is for batch codes")
        )
    if serial_batch and not row.batch:
        found.append(("batch", f"{sku} is {kind}: give each unit's batch code"))
    if not serial_batch and row.batch:
        found.append(("batch", f"{sku} is serial-tracked, without batches: leave it empty"))
    if not serial_batch and product.expiry_required and row.expiry is None:
        found.append(("expiry", f"{sku} needs an expiry date"))
    return found


def _batch_row_refusals(sku: str, row: ImportRow) -> list[tuple[str, str]]:
    found = []
    if row.serial:
        message = f"{sku} is batch-tracked: its units have no serials; write the batch code in "
        found.append(("serial", message + "the batch column"))
    elif not row.batch:
        found.append(("batch", f"{sku} is batch-tracked: the batch code is missing"))
    if row.quantity is None:
        found.append(("quantity", f"{sku} is batch-tracked: how many units of the batch?"))
    return found


def _quantity_refusals(sku: str, row: ImportRow) -> list[tuple[str, str]]:
    found = []
    for column, given in (("serial", row.serial), ("batch", row.batch)):
        if given:
            found.append((column, f"{sku} is quantity-only: it has no {column} codes"))
    if row.expiry is not None:
        found.append(("expiry", f"{sku} is quantity-only: it has no expiry dates"))
    if row.quantity is None:
        found.append(("quantity", f"{sku} is quantity-only: the quantity is missing"))
    return found


def _taken(tx: Tx, kind: DocumentKind, groups: Group) -> list[Problem]:
    """Codes the books refuse to create again, named by row (same words as a receipt uses)."""
    rule = rule_for(kind)
    problems: list[Problem] = []
    for entry in groups.values():
        rows = entry.serials
        if not rows:
            continue
        # Whether each unit has the date it needs is checked by row (serial) or by batch
        # (serial+batch); here only the codes are, so a placeholder date stands for them all.
        expiry = date.max if entry.product.expiry_required else None
        codes = tuple(r.serial for r in rows)
        line = PlannedLine(1, entry.product, len(rows), codes, expiry=expiry)
        states = tx.ledger.states_by_keys(entry.product.id, line.keys)
        found = serial_problems(
            rule, document_id=None, partner_id=None, from_location_id=0, lines=[line],
            states=states,
        ) + global_uniqueness_problems(tx, [line])  # fmt: skip
        for problem in found:
            position = int(problem.where.rsplit("[", 1)[1].rstrip("]"))
            problems.append(Problem(f"row {rows[position].row}, serial", problem.message))
    return problems


def _batch_refusals(tx: Tx, kind: DocumentKind, groups: Group) -> list[Problem]:
    """Batches a receipt would refuse (a known batch with another expiry, an expiry missing),
    in the receipt's words, named by the row that gave the date or the batch's first row.

    A batch the books know gives its expiry to rows that give none."""
    rule = rule_for(kind)
    problems: list[Problem] = []
    for entry in groups.values():
        if not entry.lots:
            continue
        lots = list(entry.lots.values())
        states = tx.ledger.batch_states(entry.product.id, list(entry.lots), entry.location_id)
        for key, lot in entry.lots.items():
            known = states.get(key)
            if lot.expiry is None and known is not None:
                lot.expiry = known.expiry
        parts = tuple(PlannedBatch(lot.code, lot.quantity or len(lot.serials), lot.expiry)
                      for lot in lots)  # fmt: skip
        line = PlannedLine(1, entry.product, sum(p.quantity for p in parts), (), batches=parts)
        found = batch_problems(rule, line, states, on=None, allow_expired=True, outgoing=False)
        for problem in found:
            position = int(problem.where.split("batches[", 1)[1].split("]", 1)[0])
            lot = lots[position]
            column = "expiry" if problem.where.endswith(".expiry") else "batch"
            row = (lot.expiry_row if column == "expiry" else None) or lot.first_row
            problems.append(Problem(f"row {row}, {column}", problem.message, problem.code))
    return problems


def _by_location(groups: Group) -> dict[str, list[_Entry]]:
    out: dict[str, list[_Entry]] = defaultdict(list)
    for (location, _), entry in groups.items():
        out[location].append(entry)
    return out


def _row_order(problem: Problem) -> tuple[int, str]:
    head = problem.where.split(",")[0]
    number = head.removeprefix("row ").strip()
    return (int(number) if number.isdigit() else 0, problem.where)
