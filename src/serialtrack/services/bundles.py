"""Bundles: their components (kept in the catalog), how many a store can sell, and a
document's bundle lines turned into their components' lines before anything is checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.bundles import Expanded, composition_problems, expand, loose_keys
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem
from serialtrack.domain.model import (
    Actor,
    Component,
    LineInput,
    LocationKind,
    Product,
    TrackingMode,
)
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.rules import KindRule
from serialtrack.services import audit


@dataclass(frozen=True)
class PartStock:
    sku: str
    name: str
    tracking: TrackingMode
    per_bundle: int
    on_hand: int  # sellable now at the store
    makes: int  # bundles this part alone allows


@dataclass(frozen=True)
class BundleStock:
    """How many of a bundle a store can sell now: what its scarcest component allows."""

    sku: str
    location: str
    available: int
    parts: tuple[PartStock, ...]
    assembled: int = 0  # a serial-tracked bundle: units assembled ahead, in stock there


def _product(tx: Tx, sku: str) -> Product:
    product = tx.catalog.product_by_sku(sku.strip() if isinstance(sku, str) else "")
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}", [Problem("sku", str(sku))])
    return product


def components(tx: Tx, actor: Actor, sku: str) -> list[Component]:
    """A product's components in order; empty when it is not a bundle."""
    require(actor, Permission.READ)
    product = _product(tx, sku)
    return tx.catalog.compositions([product.id]).get(product.id, [])


def part_of(tx: Tx, actor: Actor, sku: str) -> list[str]:
    """The SKUs of the bundles ``sku`` is a part of."""
    require(actor, Permission.READ)
    return tx.catalog.bundles_with(_product(tx, sku).id)


def set_components(
    tx: Tx,
    actor: Actor,
    sku: str,
    given: Sequence[tuple[str, object]],
    *,
    now: datetime,
) -> list[Component]:
    """Make ``sku`` a bundle of ``given`` (SKU, quantity per bundle), or, given nothing, a plain
    product again. Documents already made keep the components they moved."""
    require(actor, Permission.MANAGE_CATALOG)
    bundle = _product(tx, sku)
    old = tx.catalog.compositions([bundle.id]).get(bundle.id, [])
    if given:
        skus = [s.strip() for s, _ in given if isinstance(s, str)]
        products = tx.catalog.products_by_skus(skus)
        parts_of = {p.id for p in products.values() if tx.catalog.bundles_with(p.id)}
        if tx.catalog.bundles_with(bundle.id):
            parts_of.add(bundle.id)
        found, problems = composition_problems(
            bundle, list(given), products, bundles=tx.catalog.bundle_ids(), parts=parts_of
        )
        if problems:
            raise Invalid(f"the components of {bundle.sku} are not valid", problems)
        quantity_only = bundle.tracking is TrackingMode.NONE
        if not old and quantity_only and (held := tx.catalog.on_hand(bundle.id)):
            where = ", ".join(f"{q} at {name}" for name, _, q in held)
            raise Conflict(
                f"{bundle.sku} has stock of its own ({where}); a bundle has none: sell, "
                "write off or move it out first",
                [Problem("sku", bundle.sku)],
            )
    else:
        found = []
    tx.catalog.set_components(bundle.id, found)
    before = [f"{c.product.sku} x {c.quantity}" for c in old]
    after = [f"{c.product.sku} x {c.quantity}" for c in found]
    if before != after:
        detail = {"sku": bundle.sku, "changes": {"components": [before, after]}}
        audit.record(tx, actor, "product", bundle.id, "components", detail, now)
    return found


def stock(tx: Tx, actor: Actor, sku: str, location: str, *, today: date) -> BundleStock:
    """How many of bundle ``sku`` the store ``location`` can sell now, component by component
    (serials held by a draft and expired units do not count)."""
    require(actor, Permission.READ)
    bundle = _product(tx, sku)
    parts = tx.catalog.compositions([bundle.id]).get(bundle.id)
    if not parts:
        raise Invalid(
            f"{bundle.sku} is not a bundle", [Problem("sku", f"{bundle.sku} has no components")]
        )
    place = tx.catalog.location_by_name(location.strip() if isinstance(location, str) else "")
    if place is None or place.kind is not LocationKind.INTERNAL:
        raise NotFound(f"no store named {location!r}", [Problem("location", str(location))])
    on_hand = tx.catalog.available([c.product.id for c in parts] + [bundle.id], place.id,
                                   today=today)  # fmt: skip
    rows = tuple(
        PartStock(
            c.product.sku, c.product.name, c.product.tracking, c.quantity,
            on_hand[c.product.id], on_hand[c.product.id] // c.quantity,
        )
        for c in parts
    )  # fmt: skip
    assembled = on_hand[bundle.id] if bundle.tracking is TrackingMode.SERIAL else 0
    return BundleStock(bundle.sku, place.name, min(r.makes for r in rows), rows, assembled)


def expand_lines(
    tx: Tx, rule: KindRule, lines: Sequence[LineInput], note: str | None, *,
    assembling: bool = False,
) -> tuple[Expanded, dict[str, Product], list[Problem]]:  # fmt: skip
    """The lines with each bundle line turned into its components' lines, the products all
    lines name, and what is wrong with the bundle lines (pointing at what was given)."""
    products = tx.catalog.products_by_skus([line.sku for line in lines])
    compositions = tx.catalog.compositions([p.id for p in products.values()])
    if not compositions and not any(line.components for line in lines):
        return (
            Expanded(tuple(lines), tuple(f"lines[{i}]" for i in range(len(lines))), ()),
            products,
            [],
        )
    for parts in compositions.values():
        products.update({c.product.sku: c.product for c in parts})
    known: set[tuple[int, str]] = set()
    for line in lines:
        product = products.get(line.sku)
        parts = compositions.get(product.id) if product else None
        keys = loose_keys(line) if parts else []
        serial_parts = [c.product for c in parts or () if c.product.tracking.serialized]
        if keys and len(serial_parts) > 1:
            for part in serial_parts:
                known.update(tx.ledger.states_by_keys(part.id, keys))
    expanded, problems = expand(
        rule, lines, products, compositions, known, note=note, assembling=assembling
    )
    return expanded, products, problems


def record(tx: Tx, document_id: int, expanded: Expanded, line_ids: dict[int, int]) -> None:
    """Group the stored lines (``line_ids``: line number → id) under their bundles."""
    if expanded.groups:
        tx.documents.insert_bundles(
            document_id,
            [
                (g.bundle_no, g.product.id, g.quantity, [line_ids[n] for n in g.line_nos])
                for g in expanded.groups
            ],
        )


def as_dict(view: BundleStock) -> dict[str, Any]:
    return {
        "sku": view.sku,
        "location": view.location,
        "available": view.available,
        "assembled": view.assembled,
        "components": [
            {"sku": p.sku, "name": p.name, "tracking": p.tracking.value,
             "per_bundle": p.per_bundle, "on_hand": p.on_hand, "makes": p.makes}
            for p in view.parts
        ],
    }  # fmt: skip
