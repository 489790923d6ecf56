"""Serial entry use cases that need the books: generated codes, scans, global uniqueness."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from serialtrack.adapters.db import batch_queries
from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.entry import format_pattern, generate_codes, next_seq
from serialtrack.domain.errors import Invalid, NotFound, Problem
from serialtrack.domain.gtin import is_gtin, normalize_gtin
from serialtrack.domain.model import Actor, Product, TrackingMode
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import PlannedLine, describe
from serialtrack.scanning import parse_scan, resolve

DEFAULT_PATTERN = "{sku}-{seq:06}"
SERIAL_UNIQUENESS = "serial_uniqueness"


def generate(tx: Tx, actor: Actor, sku: str, count: int, *, now: datetime) -> list[str]:
    """``count`` new codes from the product's pattern, continuing after the highest in use.

    The block of numbers is taken from a counter whose row stays locked until commit, so two
    clerks generating at once get disjoint codes; numbers are never handed out twice, even when
    the document they were meant for is never posted (gaps are fine, repeats are not).
    """
    require(actor, Permission.POST_DOCUMENT)
    product = _product(tx, sku)
    if not product.tracking.serialized:
        raise Invalid(f"{sku} is not serial-tracked", [Problem("sku", "no serials to generate")])
    return codes_for(tx, product, count, now=now)


def codes_for(tx: Tx, product: Product, count: int, *, now: datetime) -> list[str]:
    """``count`` new codes of ``product`` from its pattern (see ``generate``); also for units
    on hand that get serials when their product switches to serial tracking."""
    pattern = product.serial_pattern or DEFAULT_PATTERN
    year = now.year
    low = format_pattern(pattern, product.sku, 0, year)
    high = format_pattern(pattern, product.sku, 10**9, year)
    same = next((i for i, (a, b) in enumerate(zip(low, high, strict=False)) if a != b), len(low))
    prefix = code_key(low[:same])  # the pattern's fixed start: only such codes can match
    counter = f"serials:{product.id}:{prefix}"
    first = tx.catalog.reserve_numbers(counter, 0)  # lock the counter first
    used = next_seq(pattern, product.sku, year, tx.ledger.codes_starting(product.id, prefix))
    start = tx.catalog.reserve_numbers(counter, count, at_least=max(first, used))
    return generate_codes(pattern, product.sku, year, count, start)


def global_uniqueness_problems(tx: Tx, planned: Sequence[PlannedLine]) -> list[Problem]:
    """With ``serial_uniqueness = global``: codes that another product already has."""
    if tx.catalog.setting(SERIAL_UNIQUENESS) != "global":
        return []
    problems = []
    for line in planned:
        if not line.codes:
            continue
        taken = tx.ledger.states_of_other_products(line.product.id, line.keys)
        for position, (code, key) in enumerate(zip(line.codes, line.keys, strict=True)):
            if key in taken:
                sku, state = taken[key]
                problems.append(
                    Problem(
                        f"lines[{line.line_no - 1}].serials[{position}]",
                        f"{code} is already used by {sku} ({describe(state)}); serial numbers "
                        "are unique across all products in this inventory",
                        "serial",
                    )
                )
    return problems


@dataclass(frozen=True)
class ScanResult:
    """What a scan names: the product, the unit's serial or batch, and where that unit is."""

    raw: str
    kind: str
    sku: str | None
    gtin: str | None
    serial: str | None
    batch: str | None
    expiry: date | None
    status: str | None = None
    location: str | None = None
    message: str = ""
    # A document number (the barcode on a printed slip or note): the document it names.
    document: str | None = None
    document_kind: str | None = None
    document_id: int | None = None
    # Where the unit is, as a refusal at posting says it ("sold to Jane Doe on SO-000002").
    where: str = ""


def scan(tx: Tx, actor: Actor, text: str) -> ScanResult:
    """Read a scan and resolve it to a product and unit; refusals say why in plain words."""
    require(actor, Permission.READ)
    read = parse_scan(text)
    product = resolve(read, tx.catalog.product_by_gtin, tx.catalog.product_by_sku)
    base = {
        "raw": text, "kind": read.kind, "gtin": read.gtin, "serial": read.serial,
        "batch": read.batch, "expiry": read.expiry,
    }  # fmt: skip
    if product is None and read.gtin is not None:
        raise NotFound(f"unknown GTIN {read.gtin}", [Problem("scan", "no product has this GTIN")])
    if product is None:
        return _unit_by_code(tx, read.serial or text, base)
    if product.tracking is TrackingMode.BATCH and (read.batch or read.kind == "plain"):
        code = read.batch or read.serial
        if code and not _names_product(product, code):  # a label's (10), or a typed code
            return _with_batch(tx, product, code, base)
    if product.tracking is TrackingMode.SERIAL_BATCH and read.batch and read.serial is None:
        return _with_batch(tx, product, read.batch, base)  # a batch's label, no unit's
    if read.serial is None or (read.kind == "plain" and _names_product(product, read.serial)):
        # The product's own SKU or GTIN names the product, never a unit (nor a new serial).
        message = f"{product.sku} scanned, but no serial: scan the unit's serial number"
        base["serial"] = None
        return ScanResult(**base, sku=product.sku, message=message)  # type: ignore[arg-type]
    if not product.tracking.serialized:
        raise Invalid(
            f"{product.sku} is not serial-tracked", [Problem("scan", "not a serial product")]
        )
    return _with_state(tx, product, read.serial, base)


def _names_product(product: Product, text: str) -> bool:
    if code_key(text) == code_key(product.sku):
        return True
    return bool(product.gtin) and is_gtin(text) and normalize_gtin(text) == product.gtin


def _with_state(tx: Tx, product: Product, code: str, base: dict[str, object]) -> ScanResult:
    serial_id = tx.reads.serial_id(product.id, code_key(code))
    if serial_id is None:
        return ScanResult(**base, sku=product.sku, message="a new serial: not in the books yet")  # type: ignore[arg-type]
    state = tx.reads.serial_state(serial_id)
    return ScanResult(
        **base,  # type: ignore[arg-type]
        sku=product.sku,
        status=state.status,
        location=state.location_name,
        message=f"{product.sku} {state.code}: {state.status.replace('_', ' ')}",
        where=describe(tx.ledger.states_by_ids([serial_id])[0]),
    )


def _unit_by_code(tx: Tx, code: str, base: dict[str, object]) -> ScanResult:
    """A plain scan that is no SKU or GTIN: the serial itself, when exactly one product has it."""
    matches = tx.reads.serials_by_key(code_key(code))
    if not matches and base["kind"] == "plain":
        document = _document_by_number(tx, code.strip(), base)
        if document is not None:
            return document
        lots = batch_queries.batches_by_key(tx.connection, code_key(code))
        if len(lots) == 1:  # a batch code (seed 001: the batch enquiry starts from a scan)
            return _with_batch(tx, _product(tx, lots[0].sku), lots[0].code, base)
        if len(lots) > 1:
            skus = ", ".join(sorted(r.sku for r in lots))
            raise Invalid(
                f"{code!r} is a batch of several products ({skus}); choose the product first",
                [Problem("scan", "ambiguous")],
            )
    if not matches:
        raise NotFound(
            f"{code!r} is no known product, GTIN or serial", [Problem("scan", "not found")]
        )
    if len(matches) > 1:
        skus = ", ".join(sorted(sku for sku, _ in matches))
        raise Invalid(
            f"{code!r} is a serial of several products ({skus}); choose the product first",
            [Problem("scan", "ambiguous")],
        )
    sku, _ = matches[0]
    return _with_state(tx, _product(tx, sku), code, base)


def _with_batch(tx: Tx, product: Product, code: str, base: dict[str, object]) -> ScanResult:
    """A batch code of a batch (or serial+batch) product: how much of it the stores hold."""
    row = batch_queries.batch_row(tx.connection, product.id, code_key(code))
    if row is None:
        message = f"{product.sku} batch {code.strip()}: a new batch, not in the books yet"
        return ScanResult(**{**base, "serial": None, "batch": code.strip()}, sku=product.sku,  # type: ignore[arg-type]
                          message=message)  # fmt: skip
    if product.tracking is TrackingMode.SERIAL_BATCH:  # its units, counted
        held = sum(r.quantity for r in batch_queries.unit_places(tx.connection, row.id)
                   if r.kind == "internal" and r.status == "in_stock")  # fmt: skip
    else:
        held = sum(r.quantity for r in batch_queries.places(tx.connection, row.id)
                   if r.kind == "internal")  # fmt: skip
    return ScanResult(
        **{**base, "serial": None, "batch": row.code, "expiry": row.expiry},  # type: ignore[arg-type]
        sku=product.sku,
        message=f"{product.sku} batch {row.code}: {held} in stock",
    )


def _document_by_number(tx: Tx, number: str, base: dict[str, object]) -> ScanResult | None:
    """The document a scanned number names (a printed slip's barcode), when exactly one does."""
    found = tx.documents.by_number(None, number) or tx.documents.by_number(None, number.upper())
    if len(found) != 1:
        return None
    row = found[0]
    kind = str(row["kind"]).replace("_", " ")
    return ScanResult(
        **{**base, "serial": None},  # type: ignore[arg-type]
        sku=None,
        message=f"{row['number']} is a {kind} ({row['state']}), not a unit",
        document=row["number"],
        document_kind=row["kind"],
        document_id=row["id"],
    )


def _product(tx: Tx, sku: str) -> Product:
    product = tx.catalog.product_by_sku(sku)
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}", [Problem("sku", sku)])
    return product
