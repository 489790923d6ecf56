"""Bundles: a product made of components (a phone, a charger, a case), as pure rules.

A bundle has no stock of its own. A document line of a bundle becomes its components' lines:
so many of each per bundle, one serial per unit of a serial-tracked component, batches named
for a batch-tracked one, the quantity alone for the rest. Every rule of the components then
holds as it is (stock, reservations, conservation, cancelling exactly), and the lines remember
the bundle they were sold as, so the invoice shows it and each serial's history names it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from serialtrack.domain.codes import code_key, normal_code
from serialtrack.domain.errors import Invalid, Problem
from serialtrack.domain.gtin import normalize_gtin
from serialtrack.domain.model import (
    Component,
    DocumentKind,
    LineInput,
    Product,
    TrackingMode,
)
from serialtrack.domain.rules import KindRule
from serialtrack.scanning import parse_scan

MAX_COMPONENTS = 50
MAX_PER_BUNDLE = 1000
MAX_BUNDLES = 100_000
# What comes back may be a part of a bundle (the charger stays with the customer), with a reason.
PARTIAL_KINDS = frozenset({DocumentKind.SALES_RETURN, DocumentKind.PURCHASE_RETURN})


def composition_problems(
    bundle: Product,
    given: Sequence[tuple[str, object]],
    products: Mapping[str, Product],
    *,
    bundles: Collection[int],
    parts: Collection[int],
) -> tuple[list[Component], list[Problem]]:
    """A bundle's components checked: ``given`` is (SKU, quantity per bundle) in order.

    ``bundles`` are the ids of products that are bundles, ``parts`` of products that are a
    component of some bundle: a bundle is not a part (no bundles inside bundles) and a part is
    not a bundle. A quantity-only bundle is never stocked (its components are); a serial-tracked
    one may also be assembled ahead into units of its own, each with its serial."""
    problems: list[Problem] = []
    found: list[Component] = []
    if bundle.tracking is TrackingMode.BATCH:
        problems.append(
            Problem(
                "tracking",
                f"{bundle.sku} is batch-tracked; a bundle is sold from its components "
                "(tracking none) or assembled into units of its own (tracking serial)",
            )
        )
    if bundle.id in parts:
        problems.append(Problem("sku", f"{bundle.sku} is a part of another bundle"))
    if len(given) > MAX_COMPONENTS:
        problems.append(Problem("components", f"a bundle has at most {MAX_COMPONENTS} components"))
        return [], problems
    seen: set[int] = set()
    for index, (sku, quantity) in enumerate(given):
        where = f"components[{index}]"
        product = products.get(sku.strip()) if isinstance(sku, str) else None
        if product is None:
            problems.append(Problem(f"{where}.sku", f"no product with SKU {sku!r}"))
            continue
        if not _whole(quantity, 1, MAX_PER_BUNDLE):
            problems.append(
                Problem(f"{where}.quantity", f"a whole number from 1 to {MAX_PER_BUNDLE}")
            )
            continue
        if product.id == bundle.id:
            problems.append(Problem(f"{where}.sku", f"{bundle.sku} cannot be its own part"))
        elif product.id in bundles:
            problems.append(
                Problem(f"{where}.sku", f"{product.sku} is a bundle; bundles hold no bundles")
            )
        elif product.id in seen:
            problems.append(Problem(f"{where}.sku", f"{product.sku} is named twice"))
        else:
            seen.add(product.id)
            found.append(Component(product, int(quantity)))  # type: ignore[arg-type]
    return found, problems


@dataclass(frozen=True)
class BundleGroup:
    """A bundle as a document names it, and the numbers of its components' lines."""

    bundle_no: int
    product: Product
    quantity: int
    line_nos: tuple[int, ...]


@dataclass(frozen=True)
class Expanded:
    lines: tuple[LineInput, ...]
    paths: tuple[str, ...]  # where each line came from in what was given: lines[0].components[1]
    groups: tuple[BundleGroup, ...]

    def relabel(self, problems: Sequence[Problem]) -> list[Problem]:
        """Problems found on the expanded lines, pointing back at what was given."""
        return [relabel(p, self.paths) for p in problems]

    def group_of(self, line_no: int) -> BundleGroup | None:
        for group in self.groups:
            if line_no in group.line_nos:
                return group
        return None


_LINE = re.compile(r"lines\[(\d+)\]")


def relabel(problem: Problem, paths: Sequence[str]) -> Problem:
    match = _LINE.match(problem.where)
    if match is None or int(match[1]) >= len(paths):
        return problem
    return replace(problem, where=paths[int(match[1])] + problem.where[match.end() :])


def loose_keys(line: LineInput) -> list[str]:
    """The code keys of a bundle line's serials, to find which component each is a unit of."""
    return [key for raw in line.serials if (key := _loose(raw)[0])]


def _loose(raw: object) -> tuple[str | None, str | None]:
    """(code key, GTIN) of a serial as typed or scanned; (None, None) when unreadable."""
    if not isinstance(raw, str) or not raw.strip():
        return None, None
    try:
        scan = parse_scan(raw)
    except Invalid:
        return code_key(normal_code(raw)), None
    if scan.serial:
        return code_key(normal_code(scan.serial)), scan.gtin
    return None, scan.gtin


def expand(
    rule: KindRule,
    lines: Sequence[LineInput],
    products: Mapping[str, Product],
    compositions: Mapping[int, Sequence[Component]],
    known: Collection[tuple[int, str]],
    *,
    note: str | None = None,
    assembling: bool = False,
) -> tuple[Expanded, list[Problem]]:
    """The lines with each bundle line replaced by its components' lines.

    ``compositions`` maps a bundle's product id to its components; ``known`` holds the
    (component product id, code key) of units the books have, to tell which component a
    serial on a bundle line belongs to. A return may bring back part of a bundle when
    ``note`` says why; every other kind moves whole bundles. A serial-tracked bundle's line
    names its own (assembled) units unless it names ``components`` or ``assembling``."""
    out: list[LineInput] = []
    paths: list[str] = []
    groups: list[BundleGroup] = []
    problems: list[Problem] = []
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        product = products.get(line.sku)
        # A serial-tracked bundle's line names its own units (assembled ahead), unless it names
        # components, or an assembly turns its parts into a unit.
        own_units = (
            product is not None and product.tracking.serialized
            and not line.components and not assembling
        )  # fmt: skip
        if product is None or product.id not in compositions or own_units:
            if line.components:
                what = product.sku if product else repr(line.sku)
                problems.append(Problem(f"{where}.components", f"{what} is not a bundle"))
            out.append(line)
            paths.append(where)
            continue
        parts, found = _expand_one(rule, line, product, compositions[product.id], known, where)
        problems += found
        if found:
            continue
        quantity, component_lines, positions, partial = parts
        if partial and not (note and note.strip()):
            problems.append(
                Problem(
                    where,
                    f"only part of {product.sku} comes back: give the reason (which part the "
                    "customer keeps, and why)",
                )
            )
        first = len(out) + 1
        out += component_lines
        paths += [f"{where}.components[{p}]" for p in positions]
        groups.append(
            BundleGroup(len(groups) + 1, product, quantity, tuple(range(first, len(out) + 1)))
        )
    return Expanded(tuple(out), tuple(paths), tuple(groups)), problems


def _expand_one(  # noqa: C901 - one pass over the components, each case named
    rule: KindRule,
    line: LineInput,
    bundle: Product,
    components: Sequence[Component],
    known: Collection[tuple[int, str]],
    where: str,
) -> tuple[tuple[int, list[LineInput], list[int], bool], list[Problem]]:
    problems: list[Problem] = []
    partial_ok = rule.kind in PARTIAL_KINDS
    for name, value in (("batches", line.batches), ("expiry", line.expiry),
                        ("warranty_days", line.warranty_days)):  # fmt: skip
        if value:
            problems.append(
                Problem(
                    f"{where}.{name}", f"{bundle.sku} is a bundle: set {name} on its components"
                )
            )
    by_sku: dict[str, Component] = {c.product.sku: c for c in components}
    given: dict[int, LineInput] = {}
    given_at: dict[int, int] = {}  # a component given explicitly: its index as given
    for k, part in enumerate(line.components):
        component = by_sku.get(part.sku)
        if component is None:
            problems.append(
                Problem(f"{where}.components[{k}].sku", f"{part.sku} is not a part of {bundle.sku}")
            )
        elif component.product.id in given:
            problems.append(Problem(f"{where}.components[{k}].sku", f"{part.sku} is named twice"))
        else:
            given[component.product.id] = part
            given_at[component.product.id] = k
    shared, found = _share_serials(line, bundle, components, known, where)
    problems += found
    if problems:
        return (0, [], [], False), problems
    quantity = _quantity(line, components, given, shared, where, problems)
    if problems:
        return (0, [], [], False), problems
    out: list[LineInput] = []
    positions: list[int] = []
    partial = False
    for position, c in enumerate(components):
        need = quantity * c.quantity
        part = given.get(c.product.id)
        # Where a problem points: the component as given, else its place in the bundle.
        position = given_at.get(c.product.id, position)
        at = f"{where}.components[{position}]"
        made, have, what = _component_line(c, part, shared.get(c.product.id, ()), need)
        if not isinstance(have, int) or isinstance(have, bool) or have < 0:
            problems.append(Problem(f"{at}.quantity", "a whole number"))
            continue
        if have > need or (have < need and not partial_ok):
            problems.append(
                Problem(
                    at,
                    f"{quantity} x {bundle.sku} takes {need} {c.product.sku} {what}; {have} given",
                )
            )
            continue
        partial = partial or have < need
        if have:
            out.append(made)
            positions.append(position)
    if not problems and not out:
        problems.append(Problem(where, f"nothing of {bundle.sku} is given"))
    return (quantity, out, positions, partial), problems


def _component_line(
    c: Component, part: LineInput | None, shared: Sequence[str], need: int
) -> tuple[LineInput, object, str]:
    """A component's line: its serials (given under it or shared out to it), its batches, or
    its quantity (all it takes unless given); how many that is; what it counts."""
    if c.product.tracking.serialized:
        serials = (part.serials if part else ()) + tuple(shared)
        line = LineInput(c.product.sku, len(serials), serials,
                         expiry=part.expiry if part else None,
                         warranty_days=part.warranty_days if part else None)  # fmt: skip
        return line, len(serials), "serial" if need == 1 else "serials"
    if c.product.tracking is TrackingMode.BATCH:
        batches = part.batches if part else ()
        have = sum(b.quantity for b in batches if isinstance(b.quantity, int))
        return LineInput(c.product.sku, have, batches=batches), have, "from batches"
    have = part.quantity if part and part.quantity is not None else need
    return LineInput(c.product.sku, have), have, c.product.unit  # type: ignore[arg-type]


def _quantity(
    line: LineInput,
    components: Sequence[Component],
    given: Mapping[int, LineInput],
    shared: Mapping[int, Sequence[str]],
    where: str,
    problems: list[Problem],
) -> int:
    """How many bundles: as given, or as many as the serials (or parts) given make."""
    if line.quantity is not None:
        if not _whole(line.quantity, 1, MAX_BUNDLES):
            problems.append(Problem(f"{where}.quantity", f"a whole number from 1 to {MAX_BUNDLES}"))
        return line.quantity if isinstance(line.quantity, int) else 0
    most = 1
    for c in components:
        part = given.get(c.product.id)
        if c.product.tracking.serialized:
            have = len(part.serials if part else ()) + len(shared.get(c.product.id, ()))
        elif c.product.tracking is TrackingMode.BATCH:
            have = sum(
                b.quantity for b in (part.batches if part else ()) if _whole(b.quantity, 0, 10**9)
            )
        else:
            have = part.quantity if part and _whole(part.quantity, 0, 10**9) else 0
        most = max(most, math.ceil((have or 0) / c.quantity))
    return most


def _share_serials(
    line: LineInput,
    bundle: Product,
    components: Sequence[Component],
    known: Collection[tuple[int, str]],
    where: str,
) -> tuple[dict[int, list[str]], list[Problem]]:
    """Each serial given on the bundle's line, given to the component it is a unit of: by the
    GTIN its label carries, by the books, or to the only serial-tracked component."""
    serial_parts = [c.product for c in components if c.product.tracking.serialized]
    shared: dict[int, list[str]] = {}
    problems: list[Problem] = []
    if line.serials and not serial_parts:
        problems.append(Problem(f"{where}.serials", f"no part of {bundle.sku} is serial-tracked"))
        return shared, problems
    names = " or ".join(p.sku for p in serial_parts)
    for position, raw in enumerate(line.serials):
        at = f"{where}.serials[{position}]"
        key, gtin = _loose(raw)
        shown = raw.strip() if isinstance(raw, str) else repr(raw)
        if not shown:
            problems.append(Problem(at, "the serial is empty"))
            continue
        if gtin:
            owners = [p for p in serial_parts if p.gtin and normalize_gtin(p.gtin) == gtin]
            if not owners:
                problems.append(
                    Problem(at, f"{shown} is a label of GTIN {gtin}, no part of {bundle.sku}")
                )
                continue
        elif len(serial_parts) == 1:
            owners = serial_parts
        else:
            owners = [p for p in serial_parts if key and (p.id, key) in known]
            if not owners:
                problems.append(Problem(at, f"{shown}: no unit of {names} has this serial"))
                continue
            if len(owners) > 1:
                problems.append(
                    Problem(
                        at,
                        f"{shown} is a serial of {' and of '.join(p.sku for p in owners)}: "
                        "give it under its component",
                    )
                )
                continue
        shared.setdefault(owners[0].id, []).append(raw)  # type: ignore[arg-type]
    return shared, problems


def available(components: Sequence[Component], on_hand: Mapping[int, int]) -> int:
    """How many bundles the components on hand make: the scarcest component decides."""
    if not components:
        return 0
    return max(0, min(on_hand.get(c.product.id, 0) // c.quantity for c in components))


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
