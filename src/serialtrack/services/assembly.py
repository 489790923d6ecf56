"""Assembling bundles ahead into units of their own, and taking such units apart.

An assembly takes, for each bundle unit it makes, one of each part (one serial per unit of a
serial-tracked part, the quantity of the others) from a store into the Assembly location, and
puts the bundle unit, with its own serial, into the same store. The parts' serials are then
"assembled": they are the unit's contents (read back from the assembly's lines, grouped per
unit), found by a recall of a part, and stay put until the unit is taken apart. A disassembly
does the reverse: the unit goes into the Assembly location and exactly its contents come back
into the store. Both are posted at once and cancel exactly like any document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.bundles import BundleGroup, Expanded
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem, SerialtrackError
from serialtrack.domain.model import Actor, DocumentKind, LineInput, Product, TrackingMode
from serialtrack.domain.posting import PlannedBatch, PlannedLine, plan_lines
from serialtrack.domain.rules import cannot_move, coming_out, rule_for
from serialtrack.services import bundles, documents, execution, serials
from serialtrack.services.header import Header, HeaderInput, resolve_header

MAX_UNITS = 1_000


@dataclass(frozen=True)
class UnitInput:
    """One bundle unit to assemble: its serial (None: the next from the product's pattern)
    and its parts' serials (shared out among the parts as on a bundle's line), or the parts'
    lines named per component."""

    serial: str | None = None
    parts: tuple[str, ...] = ()
    components: tuple[LineInput, ...] = ()


def _bundle(tx: Tx, sku: str) -> Product:
    product = tx.catalog.product_by_sku(sku.strip() if isinstance(sku, str) else "")
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}", [Problem("sku", str(sku))])
    if not tx.catalog.compositions([product.id]):
        raise Invalid(f"{product.sku} is not a bundle", [Problem("sku", "it has no components")])
    if product.tracking is not TrackingMode.SERIAL:
        raise Invalid(
            f"{product.sku} is quantity-only: it is sold from its parts; a bundle assembled "
            "ahead is a unit of its own and needs serial tracking",
            [Problem("sku", f"{product.sku} is {product.tracking.value}-tracked")],
        )
    return product


def _header(
    tx: Tx, kind: DocumentKind, location: str, day: date | None, note: str | None, now: datetime
) -> tuple[Header, Header]:
    """The document's header (parts, or the unit taken apart, from the store into the Assembly)
    and its other leg's (what comes out of the Assembly into the store)."""
    rule = rule_for(kind)
    given = HeaderInput(kind, location=location, date=day, note=note)
    header, problems = resolve_header(tx, rule, given, now.date())
    if problems or header is None:
        raise Invalid(f"the {rule.label} is not valid", problems)
    out = replace(
        header, rule=coming_out(rule), from_location=header.to_location,
        to_location=header.from_location,
    )  # fmt: skip
    return header, out


_LINE = re.compile(r"^lines\[")


def _units(problems: Sequence[Problem]) -> list[Problem]:
    """Problems of the unit lines as ``units[i]``: each unit was planned as one line."""
    return [replace(p, where=_LINE.sub("units[", p.where)) for p in problems]


def assemble(
    tx: Tx,
    actor: Actor,
    sku: str,
    location: str,
    units: Sequence[UnitInput],
    *,
    now: datetime,
    day: date | None = None,
    note: str | None = None,
) -> int:
    """Assemble ``units`` of bundle ``sku`` at the store ``location``; return the posted
    assembly's id. All or nothing: any part not in stock there, a serial already used by
    another unit, refuses the whole document and writes nothing."""
    documents.require_kind(tx, actor, DocumentKind.ASSEMBLY)
    bundle = _bundle(tx, sku)
    if not 1 <= len(units) <= MAX_UNITS:
        raise Invalid(
            f"an assembly makes 1 to {MAX_UNITS} units", [Problem("units", f"{len(units)} given")]
        )
    header, out = _header(tx, DocumentKind.ASSEMBLY, location, day, note, now)
    missing = sum(1 for unit in units if not (unit.serial or "").strip())
    fresh = iter(serials.codes_for(tx, bundle, missing, now=now) if missing else [])
    codes = [(unit.serial or "").strip() or next(fresh) for unit in units]
    given = [LineInput(bundle.sku, 1, unit.parts, components=unit.components) for unit in units]
    expanded, products, problems = bundles.expand_lines(
        tx, header.rule, given, note, assembling=True
    )
    problems = _units(problems)
    parts: list[PlannedLine] = []
    if expanded.lines or not problems:  # a unit refused whole leaves no lines to plan
        parts, part_problems = plan_lines(header.rule, products, expanded.lines)
        problems += _units(expanded.relabel(part_problems))
    made, made_problems = plan_lines(
        out.rule, {bundle.sku: bundle}, [LineInput(bundle.sku, 1, (c,)) for c in codes]
    )
    problems += [
        replace(p, where=re.sub(r"^lines\[(\d+)\]\.serials\[0\]", r"units[\1].serial", p.where))
        for p in made_problems
    ]
    if problems:
        raise Invalid("the assembly is not valid", problems)
    return _post(tx, actor, header, out, expanded, parts, made, now=now)


def _post(
    tx: Tx,
    actor: Actor,
    header: Header,
    out: Header,
    expanded: Expanded,
    taken: list[PlannedLine],
    made: list[PlannedLine],
    *,
    now: datetime,
) -> int:
    """Check both legs against the books, store the lines unit by unit (the unit's own line,
    then its parts') and post. ``taken`` go into the Assembly, ``made`` come out of it; unit
    ``i`` is ``expanded.groups[i]`` with ``made[i]`` (an assembly) or the reverse."""
    taken, states = documents.serial_states(tx, header.rule, taken)
    made, more = documents.serial_states(tx, out.rule, made)
    states.update(more)
    assembling = header.rule.kind is DocumentKind.ASSEMBLY
    problems: list[Problem] = []
    for route, lines, parts_leg in ((header, taken, assembling), (out, made, not assembling)):
        try:
            documents.check_serials(tx, route.rule, route, lines, states, document_id=None)
        except SerialtrackError as refusal:
            problems += [_given(p, expanded, parts_leg, assembling) for p in refusal.problems]
    if problems:
        raise Conflict(cannot_move(header.rule.kind), problems)
    units, parts = (made, taken) if assembling else (taken, made)
    ordered: list[PlannedLine] = []
    groups: list[BundleGroup] = []
    for index, group in enumerate(expanded.groups):
        unit = replace(units[index], line_no=len(ordered) + 1)
        first = unit.line_no
        ordered.append(unit)
        for line_no in group.line_nos:
            ordered.append(replace(parts[line_no - 1], line_no=len(ordered) + 1))
        groups.append(replace(group, line_nos=tuple(range(first, len(ordered) + 1))))
    document_id, stored = documents.insert_document(tx, actor, header, ordered, now)
    bundles.record(
        tx, document_id, replace(expanded, groups=tuple(groups)),
        {p.line_no: p.line_id for p in stored},
    )  # fmt: skip
    unit_nos = {g.line_nos[0] for g in groups}
    in_unit = [p for p in stored if p.line_no in unit_nos]
    in_parts = [p for p in stored if p.line_no not in unit_nos]
    going, coming = (in_parts, in_unit) if assembling else (in_unit, in_parts)
    execution.post(tx, actor, document_id, header, going, states, now=now, legs=[(out, coming)])
    return document_id


def _given(problem: Problem, expanded: Expanded, part: bool, assembling: bool) -> Problem:
    """A refusal about a planned line, pointing at what was given: ``units[i]`` (its parts, or
    its serial) of an assembly, ``serials[i]`` of a disassembly."""
    match = re.match(r"lines\[(\d+)\]", problem.where)
    if match is None:
        return problem
    index = int(match[1])
    if assembling:
        if part:
            return _units(expanded.relabel([problem]))[0]
        return replace(problem, where=f"units[{index}].serial")
    return replace(problem, where=f"serials[{_unit_of(expanded, index) if part else index}]")


def _unit_of(expanded: Expanded, index: int) -> int:
    """Which unit taken apart line ``index`` of its parts belongs to."""
    return next((g.bundle_no - 1 for g in expanded.groups if index + 1 in g.line_nos), 0)


def disassemble(
    tx: Tx,
    actor: Actor,
    sku: str,
    location: str,
    codes: Sequence[str],
    *,
    now: datetime,
    day: date | None = None,
    note: str | None = None,
) -> int:
    """Take the assembled units ``codes`` of bundle ``sku`` apart at the store ``location``:
    each goes into the Assembly location and exactly the parts it was assembled from come back
    into the store. A unit that was not assembled here (received whole) has no known parts."""
    documents.require_kind(tx, actor, DocumentKind.DISASSEMBLY)
    bundle = _bundle(tx, sku)
    if not 1 <= len(codes) <= MAX_UNITS:
        raise Invalid(
            f"a disassembly takes 1 to {MAX_UNITS} units apart",
            [Problem("serials", f"{len(codes)} given")],
        )
    header, out = _header(tx, DocumentKind.DISASSEMBLY, location, day, note, now)
    units, problems = plan_lines(
        header.rule, {bundle.sku: bundle}, [LineInput(bundle.sku, 1, (c,)) for c in codes]
    )
    problems = [
        replace(p, where=re.sub(r"^lines\[(\d+)\]\.serials\[0\]", r"serials[\1]", p.where))
        for p in problems
    ]
    if problems:
        raise Invalid("the disassembly is not valid", problems)
    parts: list[PlannedLine] = []
    groups: list[BundleGroup] = []
    for index, unit in enumerate(units):
        serial_id = tx.reads.serial_id(bundle.id, unit.keys[0])
        contents = tx.reads.contents(serial_id) if serial_id is not None else []
        if serial_id is not None and not contents:
            raise Conflict(
                f"{bundle.sku} {unit.codes[0]} was not assembled here: its parts are unknown "
                "(write it off, or sell it whole)",
                [Problem(f"serials[{index}]", "no assembly made it")],
            )
        first = len(parts) + 1
        for part in contents:
            product = tx.catalog.product(part["product_id"])
            parts.append(
                PlannedLine(
                    len(parts) + 1, product, part["quantity"], tuple(part["serials"]),
                    batches=tuple(PlannedBatch(c, q) for c, q in part["batches"]),
                )
            )  # fmt: skip
        groups.append(BundleGroup(index + 1, bundle, 1, tuple(range(first, len(parts) + 1))))
    expanded = Expanded((), tuple(f"serials[{i}]" for i in range(len(units))), tuple(groups))
    return _post(tx, actor, header, out, expanded, units, parts, now=now)
