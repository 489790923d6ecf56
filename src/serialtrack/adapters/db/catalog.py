"""Master data: users, settings, sequences, locations, partners, products, the audit trail."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from serialtrack.adapters.db import driver
from serialtrack.adapters.db.chain import ChainRepo
from serialtrack.adapters.db.lots import removal_days, sellable_expiry
from serialtrack.adapters.db.tables import (
    api_tokens,
    audit,
    batch_quants,
    batches,
    bundle_components,
    documents,
    lines,
    locations,
    partners,
    products,
    quants,
    sequences,
    serials,
    settings,
    users,
)
from serialtrack.domain.model import (
    Component,
    Location,
    LocationKind,
    Partner,
    Product,
    TrackingMode,
)

# The look-ups every document makes are built once (building costs more than running them).
_SETTINGS = select(settings.c.key, settings.c.value)
# A location by name, and with it the virtual ones (a handful of rows): a document's route
# needs both, for one statement.
_LOCATION_BY_NAME = (
    select(locations)
    .where(or_(locations.c.name_key == bindparam("key"), locations.c.kind != "internal"))
    .order_by(locations.c.id)
)
_LOCATION = select(locations).where(locations.c.id == bindparam("id"))
_VIRTUAL = (
    select(locations).where(locations.c.kind == bindparam("kind")).order_by(locations.c.id).limit(1)
)
_PARTNER_BY_NAME = select(partners).where(partners.c.name_key == bindparam("key"))
_PARTNER = select(partners).where(partners.c.id == bindparam("id"))
_PRODUCT = select(products).where(products.c.id == bindparam("id"))
_PRODUCT_BY_SKU = select(products).where(products.c.sku == bindparam("sku"))
_PRODUCTS_BY_SKUS = select(
    products,
    exists().where(bundle_components.c.bundle_id == products.c.id).label("serialtrack_is_bundle"),
).where(products.c.sku.in_(bindparam("skus", expanding=True)))
_COMPOSITIONS = (
    select(bundle_components.c.bundle_id, bundle_components.c.quantity, products)
    .join(products, products.c.id == bundle_components.c.component_id)
    .where(bundle_components.c.bundle_id.in_(bindparam("ids", expanding=True)))
    .order_by(bundle_components.c.bundle_id, bundle_components.c.position)
)


@cache
def _bump(dialect: str) -> Any:
    """Take a counter's next value (one upsert: the row's lock serializes callers)."""
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        dialect_insert(sequences)
        .values(name=bindparam("name"), next_value=2)
        .on_conflict_do_update(
            index_elements=[sequences.c.name],
            set_={"next_value": sequences.c.next_value + 1},
        )
        .returning(sequences.c.next_value)
    )


class CatalogRepo:
    def __init__(self, connection: Connection) -> None:
        self.c = connection
        # The settings, read once per transaction (a sale asks for three of them); writes go
        # through ``set_setting``, which keeps the copy in step.
        self._settings: dict[str, str] | None = None
        # Products looked up in this transaction that are no bundle (``compositions`` need
        # not ask again).
        self._plain: set[int] = set()
        # The virtual locations by kind (the first of each), once a look-up by name read them.
        self._virtual: dict[str, Location] | None = None

    # users and settings -------------------------------------------------------------
    def user(self, username: str) -> RowMapping | None:
        return self.c.execute(select(users).where(users.c.username == username)).mappings().first()

    def user_by_id(self, user_id: int) -> RowMapping | None:
        return self.c.execute(select(users).where(users.c.id == user_id)).mappings().first()

    def add_user(self, username: str, role: str, password_hash: str | None, now: datetime) -> int:
        values = {"username": username, "role": role, "password_hash": password_hash}
        return self._insert(users, {**values, "active": True, "created_at": now})

    def list_users(self) -> list[RowMapping]:
        return list(self.c.execute(select(users).order_by(users.c.username)).mappings())

    def update_user(self, user_id: int, **values: Any) -> None:
        self.c.execute(update(users).where(users.c.id == user_id).values(**values))

    def setting(self, key: str) -> str | None:
        if self._settings is None:
            rows = self.c.execute(_SETTINGS)
            self._settings = {r.key: r.value for r in rows}
        return self._settings.get(key)

    def set_setting(self, key: str, value: str) -> None:
        done = self.c.execute(update(settings).where(settings.c.key == key).values(value=value))
        if done.rowcount == 0:
            self.c.execute(insert(settings).values(key=key, value=value))
        if self._settings is not None:
            self._settings[key] = value

    def reserve_numbers(self, name: str, count: int, *, at_least: int = 1) -> int:
        """Take ``count`` consecutive values of a counter, none below ``at_least``; return the 1st.

        The upsert locks the counter's row until commit, so concurrent callers get disjoint
        blocks.
        """
        dialect_insert = postgresql.insert if self.c.dialect.name == "postgresql" else sqlite.insert
        first = (
            dialect_insert(sequences)
            .values(name=name, next_value=1)
            .on_conflict_do_update(
                index_elements=[sequences.c.name], set_={"next_value": sequences.c.next_value}
            )
            .returning(sequences.c.next_value)
        )
        start = max(int(self.c.execute(first).scalar_one()), at_least)
        self.c.execute(
            update(sequences).where(sequences.c.name == name).values(next_value=start + count)
        )
        return start

    def next_number(self, name: str) -> int:
        """The next value of a named counter, from 1; the row lock serializes concurrent callers.

        One upsert, so two transactions asking for a counter's first value at once don't
        both try to create it.
        """
        bump = _bump(self.c.dialect.name)
        return int(driver.execute(self.c, bump, {"name": name}).scalar_one()) - 1

    def audit(
        self,
        *,
        user_id: int,
        entity: str,
        entity_id: int,
        action: str,
        detail: dict[str, Any],
        now: datetime,
    ) -> None:
        row = {
            "at": now,
            "user_id": user_id,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
        }
        row["detail"] = json.dumps(detail, default=str, sort_keys=True)
        ChainRepo(self.c).append("audit", [row])

    def audit_rows(
        self,
        *,
        entity: str | None = None,
        username: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        text: str | None = None,
        limit: int = 100,
        before_id: int | None = None,
    ) -> list[RowMapping]:
        """Audit records, newest first, with who made them and the names of what they touch.

        ``since`` is inclusive, ``until`` exclusive; ``text`` matches (any case) the detail,
        the action or a name of the entity; ``before_id`` pages to older records.
        """
        actor = users.alias("actor")
        subject = users.alias("subject")
        token_user = users.alias("token_user")
        serial_product = products.alias("serial_product")
        on = audit.c.entity_id
        query = (
            select(
                audit.c.id, audit.c.at, audit.c.entity, audit.c.entity_id, audit.c.action,
                audit.c.detail, actor.c.username.label("username"),
                products.c.sku.label("product_sku"), locations.c.name.label("location_name"),
                partners.c.name.label("partner_name"),
                subject.c.username.label("subject_username"),
                api_tokens.c.name.label("token_name"),
                token_user.c.username.label("token_username"),
                serials.c.code.label("serial_code"), serial_product.c.sku.label("serial_sku"),
            )
            .join(actor, actor.c.id == audit.c.user_id)
            .outerjoin(products, and_(audit.c.entity == "product", products.c.id == on))
            .outerjoin(locations, and_(audit.c.entity == "location", locations.c.id == on))
            .outerjoin(partners, and_(audit.c.entity == "partner", partners.c.id == on))
            .outerjoin(subject, and_(audit.c.entity == "user", subject.c.id == on))
            .outerjoin(api_tokens, and_(audit.c.entity == "token", api_tokens.c.id == on))
            .outerjoin(token_user, token_user.c.id == api_tokens.c.user_id)
            .outerjoin(serials, and_(audit.c.entity == "serial", serials.c.id == on))
            .outerjoin(serial_product, serial_product.c.id == serials.c.product_id)
        )  # fmt: skip
        if entity:
            query = query.where(audit.c.entity == entity)
        if username:
            query = query.where(actor.c.username == username)
        if since is not None:
            query = query.where(audit.c.at >= since)
        if until is not None:
            query = query.where(audit.c.at < until)
        if before_id is not None:
            query = query.where(audit.c.id < before_id)
        if text:
            words = text.casefold()
            searched = (
                audit.c.detail, audit.c.action, products.c.sku, locations.c.name,
                partners.c.name, subject.c.username, api_tokens.c.name, serials.c.code,
            )  # fmt: skip
            query = query.where(
                or_(*(func.lower(c).contains(words, autoescape=True) for c in searched))
            )
        query = query.order_by(audit.c.id.desc()).limit(limit)
        return list(self.c.execute(query).mappings())

    # locations ------------------------------------------------------------------------
    def add_location(
        self, name: str, kind: LocationKind, now: datetime, gln: str | None = None
    ) -> Location:
        self._virtual = None
        new_id = self._insert(
            locations,
            {
                "name": name,
                "name_key": name_key(name),
                "kind": kind.value,
                "active": True,
                "created_at": now,
                "gln": gln,
            },
        )
        return Location(new_id, name, kind, gln)

    def location_by_name(self, name: str) -> Location | None:
        """By name, ignoring case: "main store" finds "Main Store" (names are unique so)."""
        key = name_key(name)
        found = None
        virtual: dict[str, Location] = {}
        for row in driver.execute(self.c, _LOCATION_BY_NAME, {"key": key}).mappings():
            if row["name_key"] == key:
                found = _location(row)
            if row["kind"] != LocationKind.INTERNAL.value:
                virtual.setdefault(row["kind"], _location(row))
        self._virtual = virtual
        return found

    def location(self, location_id: int) -> Location:
        return _location(self.c.execute(_LOCATION, {"id": location_id}).mappings().one())

    def virtual_location(self, kind: LocationKind) -> Location | None:
        if self._virtual is not None:
            return self._virtual.get(kind.value)
        row = self.c.execute(_VIRTUAL, {"kind": kind.value}).mappings().first()
        return _location(row) if row else None

    def list_locations(self) -> list[Location]:
        rows = self.c.execute(
            select(locations).order_by(locations.c.kind != "internal", locations.c.name)
        )
        return [_location(r) for r in rows.mappings()]

    # partners -------------------------------------------------------------------------
    def add_partner(
        self, name: str, *, supplier: bool, customer: bool, now: datetime, **contact: str | None
    ) -> Partner:
        values = {"name": name, "is_supplier": supplier, "is_customer": customer, **contact}
        key = name_key(values["name"])
        new_id = self._insert(partners, {**values, "name_key": key, "active": True,
                                         "created_at": now})  # fmt: skip
        return self.partner(new_id)

    def partner_by_name(self, name: str) -> Partner | None:
        """By name, ignoring case (names are unique so)."""
        row = driver.execute(self.c, _PARTNER_BY_NAME, {"key": name_key(name)}).mappings().first()
        return _partner(row) if row else None

    def partner(self, partner_id: int) -> Partner:
        return _partner(self.c.execute(_PARTNER, {"id": partner_id}).mappings().one())

    def partners_by_names(self, names: list[str]) -> dict[str, Partner]:
        found: dict[str, Partner] = {}
        for start in range(0, len(names), 500):
            query = select(partners).where(partners.c.name.in_(names[start : start + 500]))
            found.update((r["name"], _partner(r)) for r in self.c.execute(query).mappings())
        return found

    def list_partners(self) -> list[Partner]:
        rows = self.c.execute(select(partners).order_by(partners.c.name)).mappings()
        return [_partner(r) for r in rows]

    # products -------------------------------------------------------------------------
    def add_product(self, values: dict[str, Any], now: datetime) -> Product:
        new_id = self._insert(products, {**values, "active": True, "created_at": now})
        return self.product(new_id)

    def product(self, product_id: int) -> Product:
        return _product(self.c.execute(_PRODUCT, {"id": product_id}).mappings().one())

    def product_by_sku(self, sku: str) -> Product | None:
        row = driver.execute(self.c, _PRODUCT_BY_SKU, {"sku": sku}).mappings().first()
        return _product(row) if row else None

    def products_by_skus(self, skus: list[str]) -> dict[str, Product]:
        rows = driver.execute(self.c, _PRODUCTS_BY_SKUS, {"skus": sorted(set(skus))}).mappings()
        found = {}
        for r in rows:
            if not r["serialtrack_is_bundle"]:
                self._plain.add(r["id"])
            found[r["sku"]] = _product(r)
        return found

    def product_by_gtin(self, gtin: str) -> Product | None:
        row = self.c.execute(select(products).where(products.c.gtin == gtin)).mappings().first()
        return _product(row) if row else None

    def list_products(self) -> list[Product]:
        return [
            _product(r)
            for r in self.c.execute(select(products).order_by(products.c.sku)).mappings()
        ]

    def update_product(self, product_id: int, values: dict[str, Any]) -> None:
        self.c.execute(update(products).where(products.c.id == product_id).values(values))

    # bundles --------------------------------------------------------------------------
    def compositions(self, bundle_ids: list[int]) -> dict[int, list[Component]]:
        """The components of each of these products that is a bundle, in their order."""
        asked = sorted(set(bundle_ids) - self._plain)
        if not asked:
            return {}
        found: dict[int, list[Component]] = {}
        for row in self.c.execute(_COMPOSITIONS, {"ids": asked}).mappings():
            found.setdefault(row["bundle_id"], []).append(Component(_product(row), row["quantity"]))
        return found

    def bundle_ids(self) -> set[int]:
        return set(self.c.execute(select(bundle_components.c.bundle_id).distinct()).scalars())

    def bundles_with(self, component_id: int) -> list[str]:
        """The SKUs of the bundles ``component_id`` is a part of."""
        query = (
            select(products.c.sku)
            .join(bundle_components, bundle_components.c.bundle_id == products.c.id)
            .where(bundle_components.c.component_id == component_id)
            .order_by(products.c.sku)
        )
        return list(self.c.execute(query).scalars())

    def set_components(self, bundle_id: int, parts: list[Component]) -> None:
        self._plain.discard(bundle_id)
        self.c.execute(bundle_components.delete().where(bundle_components.c.bundle_id == bundle_id))
        if parts:
            self.c.execute(
                insert(bundle_components),
                [
                    {"bundle_id": bundle_id, "component_id": c.product.id, "position": i,
                     "quantity": c.quantity}
                    for i, c in enumerate(parts)
                ],
            )  # fmt: skip

    def available(self, product_ids: list[int], location_id: int, *, today: Any) -> dict[int, int]:
        """What may be sold now at a store, per product: serials in stock and not held by a
        draft, unexpired; batch parts unexpired; quantities as they stand."""
        if not product_ids:
            return {}
        ids = set(product_ids)
        removal = removal_days(self.c)  # past its removal date is as good as expired here
        unexpired = sellable_expiry(serials.c.product_id, serials.c.expiry, today, removal)
        counted = (
            select(serials.c.product_id, func.count())
            .where(
                serials.c.product_id.in_(ids),
                serials.c.location_id == location_id,
                serials.c.status == "in_stock",
                unexpired,
            )
            .group_by(serials.c.product_id)
        )
        fresh = sellable_expiry(batches.c.product_id, batches.c.expiry, today, removal)
        in_batches = (
            select(batches.c.product_id, func.sum(batch_quants.c.quantity))
            .join(batch_quants, batch_quants.c.batch_id == batches.c.id)
            .where(batches.c.product_id.in_(ids), batch_quants.c.location_id == location_id, fresh)
            .group_by(batches.c.product_id)
        )
        summed = select(quants.c.product_id, quants.c.quantity).where(
            quants.c.product_id.in_(ids), quants.c.location_id == location_id
        )
        found = dict.fromkeys(ids, 0)
        modes = select(products.c.id, products.c.tracking).where(products.c.id.in_(ids))
        tracking = {row[0]: row[1] for row in self.c.execute(modes)}
        reads = {"serial": counted, "batch": in_batches, "none": summed}
        for mode, query in reads.items():
            if any(t == mode for t in tracking.values()):
                for product_id, quantity in self.c.execute(query):
                    if tracking.get(product_id) == mode:
                        found[product_id] = max(0, int(quantity or 0))
        return found

    # what a tracking switch must know ----------------------------------------------
    def drafts_naming(self, product_id: int) -> list[str]:
        query = (
            select(documents.c.number)
            .join(lines, lines.c.document_id == documents.c.id)
            .where(lines.c.product_id == product_id, documents.c.state == "draft")
            .distinct()
        )
        return sorted(self.c.execute(query).scalars())

    def on_hand(self, product_id: int) -> list[tuple[str, str, int]]:
        """(location, kind, quantity) wherever the product is held: stores and transit."""
        held = ("internal", "transit", "quarantine")
        counted = (
            select(locations.c.name, locations.c.kind, func.count())
            .join(serials, serials.c.location_id == locations.c.id)
            .where(serials.c.product_id == product_id, locations.c.kind.in_(held))
            .group_by(locations.c.name, locations.c.kind)
        )
        summed = (
            select(locations.c.name, locations.c.kind, quants.c.quantity)
            .join(quants, quants.c.location_id == locations.c.id)
            .where(
                quants.c.product_id == product_id,
                locations.c.kind.in_(held),
                quants.c.quantity != 0,
            )
        )
        rows = list(self.c.execute(counted)) + list(self.c.execute(summed))
        return sorted((r[0], r[1], int(r[2])) for r in rows)

    def serials_created_after(self, product_id: int, document_id: int) -> int:
        query = select(func.count()).where(
            serials.c.product_id == product_id, serials.c.created_document_id > document_id
        )
        return int(self.c.execute(query).scalar_one())

    def units_at(self, location_id: int) -> int:
        """How many units (serials, quantities, batch parts) ``location_id`` holds now."""
        counted = self.c.execute(
            select(func.count()).select_from(serials).where(serials.c.location_id == location_id)
        ).scalar_one()
        quantity = self.c.execute(
            select(func.coalesce(func.sum(quants.c.quantity), 0)).where(
                quants.c.location_id == location_id
            )
        ).scalar_one()
        parts = self.c.execute(
            select(func.coalesce(func.sum(batch_quants.c.quantity), 0)).where(
                batch_quants.c.location_id == location_id
            )
        ).scalar_one()
        return int(counted) + int(quantity) + int(parts)

    def update_location(self, location_id: int, values: dict[str, Any]) -> None:
        self._virtual = None
        if "name" in values:
            values = {**values, "name_key": name_key(values["name"])}
        self.c.execute(update(locations).where(locations.c.id == location_id).values(values))

    def update_partner(self, partner_id: int, values: dict[str, Any]) -> None:
        if "name" in values:
            values = {**values, "name_key": name_key(values["name"])}
        self.c.execute(update(partners).where(partners.c.id == partner_id).values(values))

    def _insert(self, table: Any, values: dict[str, Any]) -> int:
        return int(
            self.c.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()
        )


def name_key(name: str) -> str:
    """A location's or partner's name as its uniqueness sees it: case and outer space aside."""
    return name.strip().casefold()


def _location(row: RowMapping) -> Location:
    return Location(row["id"], row["name"], LocationKind(row["kind"]), row["gln"],
                    bool(row["active"]))  # fmt: skip


def _partner(row: RowMapping) -> Partner:
    return Partner(
        row["id"], row["name"], bool(row["is_supplier"]), bool(row["is_customer"]),
        phone=row["phone"], email=row["email"], address=row["address"], gln=row["gln"],
        active=bool(row["active"]),
    )  # fmt: skip


def _product(row: RowMapping) -> Product:
    return Product(
        id=row["id"],
        sku=row["sku"],
        name=row["name"],
        tracking=TrackingMode(row["tracking"]),
        unit=row["unit"],
        gtin=row["gtin"],
        expiry_required=bool(row["expiry_required"]),
        supplier_warranty_days=row["supplier_warranty_days"],
        customer_warranty_days=row["customer_warranty_days"],
        serial_pattern=row["serial_pattern"],
        batch_pattern=row.get("batch_pattern"),
        shelf_life_days=row.get("shelf_life_days"),
        best_before_days=row.get("best_before_days"),
        removal_days=row.get("removal_days"),
        alert_days=row.get("alert_days"),
    )
