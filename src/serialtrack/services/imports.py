"""Bulk serial import, the books half: a file's rows checked whole, then posted whole.

Every row is checked before anything is written: unknown SKU or location, a product that
takes no serials, a code the books already have (named with where that unit is), and the
file reader's own findings (bad dates, duplicates, ...). Any problem refuses the whole file,
each problem naming its row. A good file becomes one document per location: an opening
balance, or a receipt when a supplier is given, all in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from serialtrack.adapters.db.store import Tx
from serialtrack.adapters.imports import FileRead, ImportRow
from serialtrack.domain.codes import code_key
from serialtrack.domain.errors import Invalid, Problem
from serialtrack.domain.model import (
    Actor,
    DocumentKind,
    LineInput,
    LocationKind,
    Product,
    TrackingMode,
)
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import PlannedLine, serial_problems
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
    problems += _taken(tx, kind, groups)
    if problems:
        problems.sort(key=_row_order)
        raise Invalid(f"the file was not imported: {len(problems)} problem(s)", problems)
    result = ImportResult(len(read.rows), len(read.rows), warnings=list(read.warnings))
    if check_only:
        return result
    by_location = _by_location(groups)
    for location, rows_by_sku in by_location.items():
        header = HeaderInput(
            kind, location, target.supplier, target.number if len(by_location) == 1 else None,
            target.date, target.reference,
        )  # fmt: skip
        lines = [LineInput(sku, None, tuple(r.serial for r in rows)) for sku, rows in rows_by_sku]
        document_id = documents.create(tx, actor, header, lines, post=True, now=now)
        _set_expiry(tx, rows_by_sku)
        result.documents.append(document_id)
    return result


Group = dict[tuple[str, str], list[ImportRow]]  # (location, sku) -> rows


def _group(tx: Tx, rows: list[ImportRow], target: ImportTarget, problems: list[Problem]) -> Group:
    groups: Group = defaultdict(list)
    products: dict[str, Product | None] = {}
    places: dict[str, bool] = {}
    for row in rows:
        where = f"row {row.row}"
        if row.sku not in products:
            products[row.sku] = tx.catalog.product_by_sku(row.sku)
        product = products[row.sku]
        location = row.location or target.location
        reason = _row_refusal(product, row, location)
        if reason:
            problems.append(Problem(f"{where}, {reason[0]}", reason[1]))
            continue
        assert location is not None
        if location not in places:
            found = tx.catalog.location_by_name(location)
            places[location] = found is not None and found.kind is LocationKind.INTERNAL
        if not places[location]:
            problems.append(Problem(f"{where}, location", f"no store or warehouse {location!r}"))
            continue
        groups[(location, row.sku)].append(row)
    return groups


def _row_refusal(
    product: Product | None, row: ImportRow, location: str | None
) -> tuple[str, str] | None:
    if product is None:
        return "sku", f"no product with SKU {row.sku!r}"
    if product.tracking is not TrackingMode.SERIAL:
        return "sku", f"{row.sku} is {product.tracking.value}-tracked; import serial products only"
    if row.quantity not in (None, 1):
        return "quantity", f"a serial is one unit; quantity {row.quantity} is for batch codes"
    if not location:
        return "location", "no location: fill the column or choose one for the whole file"
    if product.expiry_required and row.expiry is None:
        return "expiry", f"{row.sku} needs an expiry date"
    return None


def _taken(tx: Tx, kind: DocumentKind, groups: Group) -> list[Problem]:
    """Codes the books refuse to create again, named by row (same words as a receipt uses)."""
    rule = rule_for(kind)
    problems: list[Problem] = []
    for (_, sku), rows in groups.items():
        product = tx.catalog.product_by_sku(sku)
        assert product is not None
        line = PlannedLine(1, product, len(rows), tuple(r.serial for r in rows))
        states = tx.ledger.states_by_keys(product.id, line.keys)
        found = serial_problems(
            rule, document_id=None, partner_id=None, from_location_id=0, lines=[line],
            states=states,
        ) + global_uniqueness_problems(tx, [line])  # fmt: skip
        for problem in found:
            position = int(problem.where.rsplit("[", 1)[1].rstrip("]"))
            problems.append(Problem(f"row {rows[position].row}, serial", problem.message))
    return problems


def _by_location(groups: Group) -> dict[str, list[tuple[str, list[ImportRow]]]]:
    out: dict[str, list[tuple[str, list[ImportRow]]]] = defaultdict(list)
    for (location, sku), rows in groups.items():
        out[location].append((sku, rows))
    return out


def _set_expiry(tx: Tx, rows_by_sku: list[tuple[str, list[ImportRow]]]) -> None:
    for sku, rows in rows_by_sku:
        dated = [(code_key(r.serial), r.expiry) for r in rows if r.expiry is not None]
        if dated:
            product = tx.catalog.product_by_sku(sku)
            assert product is not None
            tx.ledger.set_expiry(product.id, dated)


def _row_order(problem: Problem) -> tuple[int, str]:
    head = problem.where.split(",")[0]
    number = head.removeprefix("row ").strip()
    return (int(number) if number.isdigit() else 0, problem.where)
