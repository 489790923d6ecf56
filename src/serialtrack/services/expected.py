"""Expected serials: the advance shipping notice of a draft receipt, or a dispatch's own units.

- A **draft receipt** carries a notice (``expect``, ``expect_csv``): the serials the supplier
  says are on their way, each with an optional batch and expiry. Receiving by scan (``scan``)
  puts each scanned unit on the draft's lines, so the draft always holds what has arrived and
  posting it (the ordinary ``post``) takes exactly what was scanned. ``view`` compares the
  notice with the draft: matched (expected and received), missing (expected, not received —
  still listed once the receipt is posted) and unexpected (received, not on the notice). An
  unexpected serial is refused or accepted by the setting ``unexpected_serials``.
- A **dispatch** (a posted ``TR-``) expects its own serials. Scans mark what arrived; posting
  (``post``) makes the transfer receipt of what was scanned, and what was not stays in transit
  on the dispatch, as any transfer receipt leaves it.

Every scan goes through the one scan resolver (``scanning.parse_scan``): a GS1 element string
or Digital Link gives the serial (AI 21) and, for that unit, its batch (AI 10) and expiry
(AI 17).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from serialtrack.adapters.db import expected_queries
from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key, code_problem, normal_code
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem
from serialtrack.domain.model import (
    Actor,
    BatchInput,
    DocumentKind,
    DocumentState,
    LineInput,
    Product,
    TrackingMode,
)
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.rules import rule_for
from serialtrack.scanning import Scan, parse_scan
from serialtrack.services import audit, documents, queries
from serialtrack.services.header import HeaderInput, resolve_header

UNEXPECTED = "unexpected_serials"  # setting: "refuse" (default) or "accept"
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Expected:
    """A notice row, or a unit received without being on it."""

    sku: str
    code: str
    batch: str | None = None
    expiry: date | None = None
    scanned_by: str | None = None
    scanned_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "code": self.code,
            "batch": self.batch,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "scanned_by": self.scanned_by,
            "scanned_at": self.scanned_at.isoformat() if self.scanned_at else None,
        }


@dataclass(frozen=True)
class ExpectedView:
    """A document's notice against what arrived."""

    document_id: int
    number: str
    kind: DocumentKind
    state: DocumentState
    unexpected_serials: str  # the setting: refuse or accept
    matched: tuple[Expected, ...] = ()
    missing: tuple[Expected, ...] = ()
    unexpected: tuple[Expected, ...] = ()
    received_by: tuple[str, ...] = ()  # a dispatch's transfer receipts

    @property
    def expected(self) -> int:
        return len(self.matched) + len(self.missing)

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "kind": self.kind.value,
            "state": self.state.value,
            "unexpected_serials": self.unexpected_serials,
            "expected": self.expected,
            "matched": [r.as_dict() for r in self.matched],
            "missing": [r.as_dict() for r in self.missing],
            "unexpected": [r.as_dict() for r in self.unexpected],
        }


@dataclass(frozen=True)
class ScanOutcome:
    """What one scan did: ``matched`` (on the notice), ``unexpected`` (accepted, not on it) or
    ``duplicate`` (already received: nothing changed)."""

    outcome: str
    sku: str
    code: str
    batch: str | None = None
    expiry: date | None = None
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "sku": self.sku,
            "code": self.code,
            "batch": self.batch,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "message": self.message,
        }


@dataclass
class _Entry:
    """One expected serial as given, with where it was given (for a refusal)."""

    sku: str
    code: str
    where: str
    batch: str | None = None
    expiry: date | None = None
    product: Product | None = field(default=None, repr=False)


# --- the notice ----------------------------------------------------------------------------------
def expect(
    tx: Tx,
    actor: Actor,
    document_id: int,
    lines: Sequence[tuple[str, Sequence[str]]],
    *,
    batch: str | None = None,
    expiry: date | None = None,
    now: datetime,
) -> int:
    """Add serials to a draft receipt's notice: ``lines`` of (SKU, codes). Codes may be GS1
    scans (their batch and expiry are kept). Serials already on the notice are left as they
    are. Returns how many were added; a bad code refuses the whole notice."""
    entries = [
        _Entry(sku, raw, f"lines[{i}].serials[{j}]", batch, expiry)
        for i, (sku, codes) in enumerate(lines)
        for j, raw in enumerate(codes)
    ]
    if not entries:
        raise Invalid("no serials given", [Problem("lines", "give at least one serial")])
    return _add(tx, actor, document_id, entries, now=now)


def expect_csv(tx: Tx, actor: Actor, document_id: int, text: str, *, now: datetime) -> int:
    """Add a supplier's CSV to a draft receipt's notice: columns ``sku``, ``serial`` and
    optionally ``batch`` and ``expiry`` (YYYY-MM-DD). Checked whole: every bad row is named
    by its row number and nothing is written."""
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = {(c or "").strip().lower(): c for c in reader.fieldnames or []}
    missing = [c for c in ("sku", "serial") if c not in columns]
    if missing:
        raise Invalid(
            "the notice file needs the columns sku and serial (batch and expiry are optional)",
            [Problem("file", f"no column {c!r}") for c in missing],
        )
    entries: list[_Entry] = []
    problems: list[Problem] = []
    for number, row in enumerate(reader, start=2):
        if len(entries) >= MAX_ROWS:
            raise Invalid(
                "the notice file is too long", [Problem("file", f"at most {MAX_ROWS} rows")]
            )
        cell = {name: (row.get(original) or "").strip() for name, original in columns.items()}
        if not any(cell.values()):
            continue
        expiry = None
        if cell.get("expiry"):
            try:
                expiry = date.fromisoformat(cell["expiry"])
            except ValueError:
                problems.append(
                    Problem(
                        f"row {number}, expiry", f"{cell['expiry']!r} is not a date (YYYY-MM-DD)"
                    )
                )
                continue
        entries.append(
            _Entry(
                cell.get("sku", ""),
                cell.get("serial", ""),
                f"row {number}, serial",
                cell.get("batch") or None,
                expiry,
            )
        )
    if problems:
        raise Invalid("the notice file has bad rows; nothing was added", problems)
    if not entries:
        raise Invalid("the notice file has no rows", [Problem("file", "no serials in it")])
    return _add(tx, actor, document_id, entries, now=now)


def _add(tx: Tx, actor: Actor, document_id: int, entries: list[_Entry], *, now: datetime) -> int:
    row = _draft_receipt(tx, actor, document_id)
    problems: list[Problem] = []
    known = {
        (r["product_id"], r["code_key"]) for r in expected_queries.rows(tx.connection, document_id)
    }
    seen: dict[tuple[int, str], str] = {}
    new: list[dict[str, Any]] = []
    for entry in entries:
        product = tx.catalog.product_by_sku(entry.sku.strip()) if entry.sku.strip() else None
        if product is None:
            where = (
                entry.where.replace("serial", "sku")
                if entry.where.startswith("row")
                else (entry.where.split(".")[0] + ".sku")
            )
            problems.append(
                Problem(where, f"no product with SKU {entry.sku!r}" if entry.sku else "no SKU")
            )
            continue
        if not product.tracking.serialized:
            problems.append(Problem(entry.where, f"{product.sku} is not serial-tracked"))
            continue
        code, batch, expiry, problem = _unit(product, entry.code, entry.where)
        if problem is not None or code is None:
            problems.append(problem or Problem(entry.where, "no serial"))
            continue
        batch = batch or (normal_code(entry.batch) if entry.batch else None)
        expiry = expiry or entry.expiry
        if batch and product.tracking is not TrackingMode.SERIAL_BATCH:
            batch = None  # a serial product's units have no batch; the expiry still counts
        key = (product.id, code_key(code))
        if key in seen:
            problems.append(Problem(entry.where, f"{code} is given twice (first at {seen[key]})"))
            continue
        seen[key] = entry.where
        if key in known:
            continue
        new.append(
            {
                "document_id": document_id,
                "product_id": product.id,
                "code": code,
                "code_key": key[1],
                "batch": batch,
                "expiry": expiry,
            }
        )
    if problems:
        raise Invalid(f"the notice of {row['number']} is not valid; nothing was added", problems)
    expected_queries.add(tx.connection, new)
    if new:
        audit.record(
            tx,
            actor,
            "document",
            document_id,
            "expect",
            {"number": row["number"], "serials": len(new)},
            now,
        )
    return len(new)


def expect_receipt(
    tx: Tx,
    actor: Actor,
    given: HeaderInput,
    lines: Sequence[tuple[str, Sequence[str]]],
    *,
    batch: str | None = None,
    expiry: date | None = None,
    now: datetime,
) -> int:
    """A new draft receipt with no lines yet, carrying the notice ``lines``: scanning fills it.
    Returns its id."""
    rule = rule_for(DocumentKind.RECEIPT)
    documents.require_kind(tx, actor, rule.kind)
    header, problems = resolve_header(tx, rule, given, now.date())
    if problems or header is None:
        raise Invalid(f"the {rule.label} is not valid", problems)
    document_id, _ = documents.insert_document(tx, actor, header, [], now)
    expect(tx, actor, document_id, lines, batch=batch, expiry=expiry, now=now)
    return document_id


# --- what arrived --------------------------------------------------------------------------------
def view(tx: Tx, actor: Actor, document_id: int) -> ExpectedView:
    require(actor, Permission.READ)
    document = queries.document(tx, actor, document_id)
    policy = tx.catalog.setting(UNEXPECTED) or "refuse"
    base = {
        "document_id": document_id,
        "number": document.number,
        "kind": document.kind,
        "state": document.state,
        "unexpected_serials": policy,
    }
    if document.kind is DocumentKind.DISPATCH:
        return _dispatch_view(tx, document, base)
    if document.kind is not DocumentKind.RECEIPT:
        raise Invalid(
            f"{document.number} is a {rule_for(document.kind).label}: only a receipt "
            "or a dispatch expects serials",
            [Problem("document", "not a receipt")],
        )
    notice = expected_queries.rows(tx.connection, document_id)
    received = _received(document)
    expected_keys = {(r["sku"], r["code_key"]) for r in notice}
    matched, missing = [], []
    for r in notice:
        got = received.get((r["sku"], r["code_key"]))
        item = Expected(
            r["sku"], r["code"], r["batch"], r["expiry"], r["scanned_by_name"], r["scanned_at"]
        )
        (matched if got is not None else missing).append(item)
    unexpected = [
        Expected(sku, line["code"], line.get("batch"), line.get("expiry"))
        for (sku, key), line in received.items()
        if (sku, key) not in expected_keys
    ]
    return ExpectedView(
        **base, matched=tuple(matched), missing=tuple(missing), unexpected=tuple(unexpected)
    )


def _received(document: queries.DocumentView) -> dict[tuple[str, str], dict[str, Any]]:
    """The serials on a receipt (its draft lines, or what it posted) by (SKU, key)."""
    return {
        (line["sku"], code_key(code)): {
            "code": code,
            "batch": line.get("batch"),
            "expiry": line.get("expiry"),
        }
        for line in document.lines
        for code in line.get("serials") or ()
    }


def _dispatch_view(tx: Tx, document: queries.DocumentView, base: dict[str, Any]) -> ExpectedView:
    scanned = {
        (r["sku"], r["code_key"]): r for r in expected_queries.rows(tx.connection, document.id)
    }
    transit = {(r["sku"], code_key(c)) for r in document.in_transit for c in r.get("serials") or ()}
    matched, missing = [], []
    for line in document.lines:
        for code in line.get("serials") or ():
            key = (line["sku"], code_key(code))
            row = scanned.get(key)
            item = Expected(
                line["sku"],
                code,
                line.get("batch"),
                line.get("expiry"),
                row["scanned_by_name"] if row else None,
                row["scanned_at"] if row else None,
            )
            (matched if row is not None or key not in transit else missing).append(item)
    return ExpectedView(
        **base, matched=tuple(matched), missing=tuple(missing), received_by=document.received_by
    )


def scan(
    tx: Tx, actor: Actor, document_id: int, text: str, *, sku: str | None = None, now: datetime
) -> ScanOutcome:
    """Receive one scanned unit against the notice (see the module's words)."""
    row = _document(tx, document_id)
    kind = DocumentKind(row["kind"])
    if kind is DocumentKind.DISPATCH:
        return _scan_dispatch(tx, actor, row, text, sku, now)
    row = _draft_receipt(tx, actor, document_id)
    notice = expected_queries.rows(tx.connection, document_id)
    read = _read(text)
    product = _product_of(tx, read, sku, notice)
    code, batch, expiry, problem = _unit(product, text, "scan")
    if problem is not None or code is None:
        raise Invalid(
            f"{text.strip()!r} is not a serial of {product.sku}",
            [problem or Problem("scan", "no serial")],
        )
    key = code_key(code)
    document = queries.document(tx, actor, document_id)
    already = _received(document).get((product.sku, key))
    if already is not None:
        return ScanOutcome(
            "duplicate",
            product.sku,
            already["code"],
            batch,
            expiry,
            f"{product.sku} {already['code']} is already received on {row['number']}",
        )
    listed = next(
        (r for r in notice if r["product_id"] == product.id and r["code_key"] == key), None
    )
    if listed is None and (tx.catalog.setting(UNEXPECTED) or "refuse") != "accept":
        raise Conflict(
            f"{product.sku} {code} is not on the notice of {row['number']}: refused",
            [Problem("scan", f"{code} is not expected (setting {UNEXPECTED} is refuse)")],
        )
    if listed is not None:
        code = listed["code"]
        batch = batch or listed["batch"]
        expiry = expiry or listed["expiry"]
    if product.tracking is not TrackingMode.SERIAL_BATCH:
        batch = None
    _put_on_draft(tx, actor, document, product, code, batch, expiry, now)
    if listed is not None and not expected_queries.mark_scanned(
        tx.connection, listed["id"], user_id=actor.user_id, at=now, batch=batch, expiry=expiry
    ):
        raise Conflict(f"{product.sku} {code} was scanned by someone else at the same moment")
    if listed is None:
        return ScanOutcome(
            "unexpected",
            product.sku,
            code,
            batch,
            expiry,
            f"{product.sku} {code} is not on the notice: received anyway",
        )
    return ScanOutcome(
        "matched", product.sku, code, batch, expiry, f"{product.sku} {code}: expected"
    )


def _put_on_draft(
    tx: Tx,
    actor: Actor,
    document: queries.DocumentView,
    product: Product,
    code: str,
    batch: str | None,
    expiry: date | None,
    now: datetime,
) -> None:
    """The draft's lines again, with the unit added to its product's line of that batch and
    expiry (or a new line): checked as any draft edit, so a unit already in stock, in transit
    or sold is refused naming where it is."""
    # A serial+batch line's batch as the notice has it, should the draft's view not carry it.
    lots = {
        (r["sku"], r["code_key"]): r["batch"]
        for r in expected_queries.rows(tx.connection, document.id)
        if r["batch"]
    }
    lines = [_line_input(line, lots) for line in document.lines]
    for index, line in enumerate(lines):
        same_batch = code_key(line.batch or "") == code_key(batch or "")
        if line.sku == product.sku and line.serials and same_batch and line.expiry == expiry:
            lines[index] = LineInput(
                line.sku,
                None,
                (*line.serials, code),
                expiry=line.expiry,
                warranty_days=line.warranty_days,
                batch=line.batch,
            )
            break
    else:
        lines.append(LineInput(product.sku, None, (code,), expiry=expiry, batch=batch))
    header = HeaderInput(
        DocumentKind.RECEIPT,
        location=document.to_location,
        partner=document.partner,
        date=document.date,
        reference=document.reference,
        note=document.note,
    )
    documents.update_draft(tx, actor, document.id, header, lines, post=False, now=now)


def _line_input(line: dict[str, Any], lots: dict[tuple[str, str], str]) -> LineInput:
    if line.get("serials"):
        batch = line.get("batch") or next(
            (lots[k] for c in line["serials"] if (k := (line["sku"], code_key(c))) in lots), None
        )
        return LineInput(
            line["sku"],
            None,
            tuple(line["serials"]),
            expiry=line.get("expiry"),
            warranty_days=line.get("warranty_days"),
            batch=batch,
        )
    if line.get("batches"):
        parts = tuple(
            BatchInput(b["code"], b["quantity"], b.get("expiry")) for b in line["batches"]
        )
        return LineInput(line["sku"], batches=parts, warranty_days=line.get("warranty_days"))
    return LineInput(line["sku"], line["quantity"], warranty_days=line.get("warranty_days"))


def _scan_dispatch(
    tx: Tx, actor: Actor, row: Any, text: str, sku: str | None, now: datetime
) -> ScanOutcome:
    documents.require_kind(tx, actor, DocumentKind.TRANSFER_RECEIPT)
    if row["state"] != DocumentState.POSTED.value:
        raise Conflict(f"{row['number']} is {row['state']}; only a posted dispatch is received")
    document = queries.document(tx, actor, row["id"])
    sent = {
        (line["sku"], code_key(c)): c for line in document.lines for c in line.get("serials") or ()
    }
    notice = [
        {"product_id": tx.catalog.product_by_sku(s).id, "code_key": k}  # type: ignore[union-attr]
        for s, k in sent
    ]
    read = _read(text)
    product = _product_of(tx, read, sku, notice)
    code, _, _, problem = _unit(product, text, "scan")
    if problem is not None or code is None:
        raise Invalid(
            f"{text.strip()!r} is not a serial of {product.sku}",
            [problem or Problem("scan", "no serial")],
        )
    key = (product.sku, code_key(code))
    if key not in sent:
        raise Conflict(
            f"{product.sku} {code} is not on dispatch {row['number']}: refused",
            [Problem("scan", f"{code} was not sent on {row['number']}")],
        )
    code = sent[key]
    transit = {(r["sku"], code_key(c)) for r in document.in_transit for c in r.get("serials") or ()}
    scanned = {(r["sku"], r["code_key"]) for r in expected_queries.rows(tx.connection, row["id"])}
    if key in scanned or key not in transit:
        return ScanOutcome(
            "duplicate", product.sku, code, None, None, f"{product.sku} {code} is already received"
        )
    expected_queries.add(
        tx.connection,
        [
            {
                "document_id": row["id"],
                "product_id": product.id,
                "code": code,
                "code_key": key[1],
                "scanned_by": actor.user_id,
                "scanned_at": now,
            }
        ],
    )
    return ScanOutcome("matched", product.sku, code, None, None, f"{product.sku} {code}: arrived")


def post(tx: Tx, actor: Actor, document_id: int, *, now: datetime) -> int:
    """Post what was scanned: the draft receipt itself (its lines are the scanned units), or a
    transfer receipt of a dispatch's scanned units still in transit. Returns the posted id."""
    row = _document(tx, document_id)
    if DocumentKind(row["kind"]) is not DocumentKind.DISPATCH:
        _draft_receipt(tx, actor, document_id)
        documents.post(tx, actor, document_id, now=now)
        return document_id
    current = view(tx, actor, document_id)
    document = queries.document(tx, actor, document_id)
    transit = {(r["sku"], code_key(c)) for r in document.in_transit for c in r.get("serials") or ()}
    arrived: dict[str, list[str]] = {}
    for item in current.matched:
        if item.scanned_at is not None and (item.sku, code_key(item.code)) in transit:
            arrived.setdefault(item.sku, []).append(item.code)
    if not arrived:
        raise Invalid(
            f"nothing of {row['number']} was scanned yet",
            [Problem("scan", "scan what arrived first")],
        )
    given = HeaderInput(DocumentKind.TRANSFER_RECEIPT, origin=row["number"])
    lines = [LineInput(sku, None, tuple(codes)) for sku, codes in arrived.items()]
    return documents.create(tx, actor, given, lines, post=True, now=now)


# --- helpers -------------------------------------------------------------------------------------
def _draft_receipt(tx: Tx, actor: Actor, document_id: int) -> Any:
    row = _document(tx, document_id)
    kind = DocumentKind(row["kind"])
    documents.require_kind(tx, actor, kind)
    if kind is DocumentKind.DISPATCH:
        raise Invalid(
            f"{row['number']} is a dispatch: it expects its own serials",
            [Problem("document", "nothing to add to a dispatch's notice")],
        )
    if kind is not DocumentKind.RECEIPT:
        raise Invalid(
            f"{row['number']} is not a receipt: only a draft receipt carries a notice",
            [Problem("document", "not a receipt")],
        )
    if row["state"] != DocumentState.DRAFT.value:
        raise Conflict(
            f"{row['number']} is {row['state']}; only a draft receipt takes a notice or scans"
        )
    return row


def _document(tx: Tx, document_id: int) -> Any:
    row = tx.documents.get(document_id)
    if row is None:
        raise NotFound(f"no document with id {document_id}")
    return row


def _read(text: str) -> Scan:
    if not isinstance(text, str) or not text.strip():
        raise Invalid("nothing scanned", [Problem("scan", "scan or type a serial")])
    return parse_scan(text.strip(), "scan")


def _product_of(tx: Tx, read: Scan, sku: str | None, notice: Sequence[Any]) -> Product:
    """The product a scan is of: its GTIN's; the one named; the one whose notice lists the
    code; or the notice's only product."""
    if read.gtin is not None:
        product = tx.catalog.product_by_gtin(read.gtin)
        if product is None:
            raise NotFound(
                f"unknown GTIN {read.gtin}", [Problem("scan", "no product has this GTIN")]
            )
        return product
    if sku:
        product = tx.catalog.product_by_sku(sku.strip())
        if product is None:
            raise NotFound(f"no product with SKU {sku!r}", [Problem("sku", "unknown SKU")])
        return product
    code = read.serial or ""
    named = tx.catalog.product_by_sku(code)
    if named is not None:
        raise Invalid(
            f"{named.sku} scanned, but no serial: scan the unit's serial number",
            [Problem("scan", "a product, not a unit")],
        )
    ids = {r["product_id"] for r in notice if r["code_key"] == code_key(code)}
    if not ids:
        ids = {r["product_id"] for r in notice}
    if len(ids) == 1:
        return tx.catalog.product(ids.pop())
    raise Invalid(
        f"{code!r} is not on the notice and it lists several products: choose the "
        "product, or scan the GS1 barcode",
        [Problem("sku", "choose the product")],
    )


def _unit(
    product: Product, raw: str, where: str
) -> tuple[str | None, str | None, date | None, Problem | None]:
    """A code as given (plain or GS1): the serial, and the batch and expiry a GS1 scan carries."""
    text = raw.strip() if isinstance(raw, str) else ""
    try:
        read = parse_scan(text, where)
    except Invalid as refusal:
        return None, None, None, (refusal.problems or [Problem(where, refusal.message)])[0]
    if read.gtin is not None and product.gtin and read.gtin != product.gtin:
        return None, None, None, Problem(where, f"the GTIN {read.gtin} is not {product.sku}'s")
    if read.kind != "plain" and read.serial is None:
        return None, None, None, Problem(where, "this GS1 barcode carries no serial (AI 21)")
    code = read.serial or ""
    problem = code_problem(code, where)
    if problem is not None:
        return None, None, None, problem
    return normal_code(code), read.batch, read.expiry, None
