"""Products, locations, partners and settings: checked, audited master data."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.entry import pattern_problem
from serialtrack.domain.errors import Conflict, Invalid, NotFound, Problem
from serialtrack.domain.gtin import gln_problem, normalize_gtin
from serialtrack.domain.lots import MAX_SHELF_LIFE, pattern_problems
from serialtrack.domain.model import Actor, Location, LocationKind, Partner, Product, TrackingMode
from serialtrack.domain.permissions import Permission, may, require, require_may
from serialtrack.domain.posting import warranty_end
from serialtrack.domain.text import clean_text, storable, text_problem
from serialtrack.services import audit

SETTINGS = {
    "allow_negative_stock": ("false", ("true", "false")),
    # per product (default): two products may each have a unit SN-1; global: one SN-1 in all
    "serial_uniqueness": ("product", ("product", "global")),
    # allow: a sale may name a serial never received; it comes in through an adjustment and
    # is listed as a discrepancy. refuse (default): such a sale is refused.
    "unknown_serials_at_sale": ("refuse", ("refuse", "allow")),
    # A serial scanned on a receipt but not on its advance shipping notice: refused or taken.
    "unexpected_serials": ("refuse", ("refuse", "accept")),
    # Who may post write-offs and inventory counts (units leave the books): managers (default)
    # or clerks too.
    "clerks_take_off_books": ("no", ("no", "yes")),
    # How long the answer to a request sent with an Idempotency-Key is kept for its retries.
    "idempotency_retention_hours": ("24", ("1", "6", "12", "24", "48", "72", "168")),
    # Printed documents: the shop's name and address at the top of every slip and note.
    "shop_name": ("", None),
    "shop_address": ("", None),
    # Labels: where the QR code's GS1 Digital Link URI points (https://id.gs1.org, or the
    # brand's own resolver).
    "digital_link_base": ("https://id.gs1.org", None),
    # The reasons offered when goods come back (one per line); free text may follow one.
    "return_reasons": ("Defective\nWrong item\nChanged mind\nDamaged in transport", None),
    # EPCIS export: the URI prefix of locations (their name follows, percent-encoded), and of
    # products without a GTIN, their serials and the documents.
    "epcis_location_base": ("urn:serialtrack:location:", None),
    "epcis_private_base": ("urn:serialtrack:", None),
}
# Free-text settings: the longest value each takes (a None in SETTINGS' choices).
FREE_TEXT = {
    "shop_name": 120, "shop_address": 400, "digital_link_base": 200, "return_reasons": 1000,
    "epcis_location_base": 200, "epcis_private_base": 200,
}  # fmt: skip
MULTILINE = ("shop_address", "return_reasons")
_RESOLVER = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d{1,5})?(?:/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?")
CLERKS_TAKE_OFF_BOOKS = "clerks_take_off_books"


def clerks_take_off_books(tx: Tx) -> bool:
    """Whether this shop lets clerks post write-offs and counts (PRODUCT.md, roles)."""
    return tx.catalog.setting(CLERKS_TAKE_OFF_BOOKS) == "yes"


def permissions(tx: Tx, actor: Actor) -> frozenset[Permission]:
    """What ``actor`` may do here: the role's permissions, as this shop's settings extend them."""
    clerks = clerks_take_off_books(tx)
    return frozenset(p for p in Permission if may(actor, p, clerks_take_off_books=clerks))


def require_permission(tx: Tx, actor: Actor, permission: Permission) -> None:
    """Refuse unless ``actor`` may do ``permission`` here, with this shop's settings."""
    require_may(actor, permission, clerks_take_off_books=clerks_take_off_books(tx))


VIRTUAL_LOCATIONS = {
    LocationKind.SUPPLIER: "Suppliers",
    LocationKind.CUSTOMER: "Customers",
    LocationKind.TRANSIT: "Transit",
    LocationKind.SCRAP: "Scrap",
    LocationKind.ADJUSTMENT: "Inventory adjustment",
    LocationKind.ASSEMBLY: "Assembly",
    LocationKind.QUARANTINE: "On hold",
}


def _name(field: str, value: object, limit: int, problems: list[Problem]) -> str:
    """A one-line name or code, trimmed and in NFC; a problem naming ``field`` otherwise."""
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(field, f"{field} is required"))
        return ""
    if problem := text_problem(value, field):
        problems.append(problem)
        return ""
    value = clean_text(value.strip(), field)
    if len(value) > limit:
        problems.append(Problem(field, f"{field} is longer than {limit} characters"))
    return value


def _lookup(field: str, value: str, what: str) -> str:
    """A name to look up. One no database can hold (NUL, a lone surrogate) is simply not
    found, rather than handed to the database, which may fail on it (PostgreSQL on NUL).
    Names stored before text was checked stay findable, so they can be renamed."""
    if not isinstance(value, str) or not storable(value):
        raise NotFound(f"no {what} {value!r}", [Problem(field, "no such name")])
    return value


def _days(field: str, value: object, problems: list[Problem]) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 36_500:
        problems.append(Problem(field, f"{field} must be a whole number of days from 0 to 36500"))
        return None
    return value


def _gtin(value: object, problems: list[Problem]) -> str | None:
    if value in (None, ""):
        return None
    try:
        return normalize_gtin(value)  # type: ignore[arg-type]
    except Invalid as error:
        problems.extend(error.problems)
        return None


def _pattern(value: object, problems: list[Problem]) -> str | None:
    if value in (None, ""):
        return None
    problem = pattern_problem(value, "serial_pattern")
    if problem:
        problems.append(problem)
        return None
    return str(value)


LOT_FIELDS = ("batch_pattern", "shelf_life_days", "best_before_days", "removal_days", "alert_days")
OFFSET_FIELDS = ("best_before_days", "removal_days", "alert_days")


def _lots(fields: dict[str, Any], current: Product | None, problems: list[Problem]) -> dict:
    """The lot fields given, checked: a batch pattern, a shelf life of 1 to 36500 days, and
    best-before, removal and alert days before expiry, none beyond the shelf life."""
    values: dict[str, Any] = {}
    if "batch_pattern" in fields:
        pattern = fields["batch_pattern"]
        if pattern is None or (isinstance(pattern, str) and not pattern.strip()):
            values["batch_pattern"] = None
        elif found := pattern_problems(pattern):
            problems += [Problem("batch_pattern", f"batch_pattern: {p}") for p in found]
        else:
            values["batch_pattern"] = pattern.strip()
    if "shelf_life_days" in fields:
        days = fields["shelf_life_days"]
        if days is not None and not (
            isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= MAX_SHELF_LIFE
        ):
            problems.append(Problem("shelf_life_days", "shelf_life_days must be a whole number "
                                    f"of days from 1 to {MAX_SHELF_LIFE}"))  # fmt: skip
        else:
            values["shelf_life_days"] = days
    shelf = values.get("shelf_life_days", current.shelf_life_days if current else None)
    top = shelf or MAX_SHELF_LIFE
    for field in OFFSET_FIELDS:
        if field not in fields:
            continue
        days = fields[field]
        if days is not None and not (
            isinstance(days, int) and not isinstance(days, bool) and 0 <= days <= top
        ):
            limit = f"the shelf life ({shelf})" if shelf else str(MAX_SHELF_LIFE)
            problems.append(Problem(field, f"{field} must be a whole number of days from 0 to "
                                    f"{limit}"))  # fmt: skip
        else:
            values[field] = days
    if shelf and current and "shelf_life_days" in fields:  # a shorter shelf life: offsets fit?
        for field in OFFSET_FIELDS:
            days = values.get(field, getattr(current, field))
            if field not in fields and days is not None and days > shelf:
                problems.append(Problem(field, f"{field} is {days}, more than the new shelf "
                                        f"life of {shelf} days"))  # fmt: skip
    return values


def add_product(tx: Tx, actor: Actor, fields: dict[str, Any], *, now: datetime) -> Product:
    require(actor, Permission.MANAGE_CATALOG)
    problems: list[Problem] = []
    values: dict[str, Any] = {
        "sku": _name("sku", fields.get("sku"), 80, problems),
        "name": _name("name", fields.get("name"), 200, problems),
        "unit": _name("unit", fields.get("unit", "pcs"), 20, problems),
        "supplier_warranty_days": _days(
            "supplier_warranty_days", fields.get("supplier_warranty_days"), problems
        ),
        "customer_warranty_days": _days(
            "customer_warranty_days", fields.get("customer_warranty_days"), problems
        ),
        "expiry_required": bool(fields.get("expiry_required", False)),
        "gtin": _gtin(fields.get("gtin"), problems),
        "serial_pattern": _pattern(fields.get("serial_pattern"), problems),
        **_lots({k: v for k, v in fields.items() if k in LOT_FIELDS}, None, problems),
    }
    try:
        values["tracking"] = TrackingMode(fields.get("tracking", "serial")).value
    except ValueError:
        problems.append(Problem("tracking", "tracking is one of none, serial, batch"))
    unknown = set(fields) - set(values) - set(LOT_FIELDS)
    problems += [Problem(k, f"unknown product field {k!r}") for k in sorted(unknown)]
    if problems:
        raise Invalid("the product is not valid", problems)
    if tx.catalog.product_by_sku(values["sku"]):
        raise Conflict(
            f"a product with SKU {values['sku']} already exists", [Problem("sku", "taken")]
        )
    if values["gtin"] and (owner := tx.catalog.product_by_gtin(values["gtin"])):
        raise Conflict(
            f"GTIN {values['gtin']} belongs to {owner.sku} already", [Problem("gtin", "taken")]
        )
    product = tx.catalog.add_product(values, now)
    tx.catalog.audit(
        user_id=actor.user_id,
        entity="product",
        entity_id=product.id,
        action="create",
        detail=values,
        now=now,
    )
    return product


EDITABLE_PRODUCT_FIELDS = (
    "name", "unit", "gtin", "supplier_warranty_days", "customer_warranty_days",
    "expiry_required", "serial_pattern", *LOT_FIELDS,
)  # fmt: skip


def update_product(
    tx: Tx, actor: Actor, sku: str, fields: dict[str, Any], *, now: datetime
) -> Product:
    """Change a product's descriptive fields; its SKU and tracking mode stay as they are."""
    require(actor, Permission.MANAGE_CATALOG)
    product = tx.catalog.product_by_sku(_lookup("sku", sku, "product with SKU"))
    if product is None:
        raise NotFound(f"no product with SKU {sku!r}", [Problem("sku", sku)])
    problems: list[Problem] = []
    for key in sorted(set(fields) - set(EDITABLE_PRODUCT_FIELDS)):
        why = "switching tracking is not supported yet" if key == "tracking" else "not editable"
        problems.append(Problem(key, f"{key}: {why}"))
    values: dict[str, Any] = {}
    checks = {
        "name": lambda v: _name("name", v, 200, problems),
        "unit": lambda v: _name("unit", v, 20, problems),
        "gtin": lambda v: _gtin(v, problems),
        "serial_pattern": lambda v: _pattern(v, problems),
        "supplier_warranty_days": lambda v: _days("supplier_warranty_days", v, problems),
        "customer_warranty_days": lambda v: _days("customer_warranty_days", v, problems),
        "expiry_required": bool,
    }
    for key, check in checks.items():
        if key in fields:
            values[key] = check(fields[key])
    values.update(_lots(fields, product, problems))
    if problems:
        raise Invalid("the product change is not valid", problems)
    gtin = values.get("gtin")
    if gtin and (owner := tx.catalog.product_by_gtin(gtin)) and owner.id != product.id:
        raise Conflict(f"GTIN {gtin} belongs to {owner.sku} already", [Problem("gtin", "taken")])
    if values:
        tx.catalog.update_product(product.id, values)
        old = {key: getattr(product, key) for key in values}
        if changed := audit.changes(old, values):
            detail = {"sku": product.sku, "changes": changed}
            audit.record(tx, actor, "product", product.id, "update", detail, now)
    return tx.catalog.product(product.id)


def products(
    tx: Tx, actor: Actor, *, text: str | None = None, tracking: str | None = None
) -> list[Product]:
    """Products whose SKU or name contains ``text`` (any case) or whose GTIN is ``text``."""
    require(actor, Permission.READ)
    words = (text or "").strip().casefold()
    return [
        p for p in tx.catalog.list_products()
        if (not words or words in p.sku.casefold() or words in p.name.casefold()
            or words == (p.gtin or ""))
        and (not tracking or p.tracking.value == tracking)
    ]  # fmt: skip


def location(tx: Tx, actor: Actor, name: str) -> Location:
    require(actor, Permission.READ)
    found = tx.catalog.location_by_name(_lookup("name", name, "location named"))
    if found is None:
        raise NotFound(f"no location named {name!r}", [Problem("name", name)])
    return found


def partner(tx: Tx, actor: Actor, name: str) -> Partner:
    require(actor, Permission.READ)
    found = tx.catalog.partner_by_name(_lookup("name", name, "partner named"))
    if found is None:
        raise NotFound(f"no partner named {name!r}", [Problem("name", name)])
    return found


def product(tx: Tx, actor: Actor, sku: str) -> Product:
    require(actor, Permission.READ)
    found = tx.catalog.product_by_sku(_lookup("sku", sku, "product with SKU"))
    if found is None:
        raise NotFound(f"no product with SKU {sku!r}", [Problem("sku", sku)])
    return found


def add_location(
    tx: Tx, actor: Actor, name: str, kind: str = "internal", *, now: datetime,
    gln: str | None = None,
) -> Location:  # fmt: skip
    require(actor, Permission.MANAGE_CATALOG)
    problems: list[Problem] = []
    name = _name("name", name, 120, problems)
    gln = _gln(gln, problems)
    try:
        location_kind = LocationKind("internal" if kind == "store" else kind)  # the web's word
    except ValueError:
        problems.append(
            Problem(
                "kind",
                f"kind is one of store, {', '.join(k.value for k in LocationKind if k.is_virtual)}",
            )
        )
    if problems:
        raise Invalid("the location is not valid", problems)
    if taken := tx.catalog.location_by_name(name):  # whatever the case: "main store"
        raise Conflict(f"a location named {taken.name} already exists", [Problem("name", "taken")])
    location = tx.catalog.add_location(name, location_kind, now, gln)
    detail = {"name": name, "kind": location_kind.value, **({"gln": gln} if gln else {})}
    tx.catalog.audit(
        user_id=actor.user_id,
        entity="location",
        entity_id=location.id,
        action="create",
        detail=detail,
        now=now,
    )
    return location


def _gln(value: object, problems: list[Problem], field: str = "gln") -> str | None:
    """A GLN as given (13 digits, its check digit right), or None for blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if problem := gln_problem(value):
        problems.append(Problem(field, problem))
        return None
    return str(value).strip()


CONTACT_FIELDS = ("phone", "email", "address", "gln")
_CONTACT_LIMITS = {"phone": 60, "email": 254, "address": 1000}
_PHONE = set("0123456789+-() ./x")


def _contact(given: dict[str, Any], problems: list[Problem]) -> dict[str, str | None]:
    """The contact fields given (phone, email, address), trimmed; blank means none."""
    found: dict[str, str | None] = {}
    for field in CONTACT_FIELDS:
        if field not in given:
            continue
        value = given[field]
        if field == "gln":
            found[field] = _gln(value, problems)
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            found[field] = None
            continue
        if not isinstance(value, str):
            problems.append(Problem(field, f"{field} is text"))
            continue
        lines = field == "address"
        if problem := text_problem(value, field, multiline=lines):
            problems.append(problem)
            continue
        value = clean_text(value.strip(), field, multiline=lines)
        if len(value) > _CONTACT_LIMITS[field]:
            problems.append(Problem(field, f"{field} is longer than {_CONTACT_LIMITS[field]} "
                                    "characters"))  # fmt: skip
        elif field == "phone" and not (set(value) <= _PHONE and any(c.isdigit() for c in value)):
            problems.append(Problem(field, f"{value!r} is not a phone number (digits, spaces, "
                                    "+ - ( ) . /)"))  # fmt: skip
        elif field == "email" and not _looks_like_email(value):
            problems.append(Problem(field, f"{value!r} is not an e-mail address"))
        found[field] = value
    return found


def _looks_like_email(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain.strip(".") and " " not in value)


def add_partner(
    tx: Tx, actor: Actor, name: str, *, supplier: bool, customer: bool, now: datetime,
    **contact: Any,
) -> Partner:  # fmt: skip
    """A new supplier and/or customer, with its contact fields (phone, email, address)."""
    require(actor, Permission.MANAGE_CATALOG)
    problems: list[Problem] = []
    name = _name("name", name, 200, problems)
    if not (supplier or customer):
        problems.append(Problem("role", "a partner is a supplier, a customer, or both"))
    unknown = [k for k in contact if k not in CONTACT_FIELDS]
    problems += [Problem(k, "not a field of a partner") for k in unknown]
    reach = _contact(contact, problems)
    if problems:
        raise Invalid("the partner is not valid", problems)
    if taken := tx.catalog.partner_by_name(name):  # whatever the case
        raise Conflict(f"a partner named {taken.name} already exists", [Problem("name", "taken")])
    partner = tx.catalog.add_partner(name, supplier=supplier, customer=customer, now=now,
                                     **reach)  # fmt: skip
    detail = {"name": name, "supplier": supplier, "customer": customer,
              **{k: v for k, v in reach.items() if v}}  # fmt: skip
    tx.catalog.audit(
        user_id=actor.user_id,
        entity="partner",
        entity_id=partner.id,
        action="create",
        detail=detail,
        now=now,
    )
    return partner


def update_location(
    tx: Tx, actor: Actor, name: str, new_name: str | None = None, *, now: datetime,
    **changes: Any,
) -> Location:  # fmt: skip
    """Rename a store or warehouse (virtual locations keep their names), or set its GLN
    (``gln``; blank clears it)."""
    require(actor, Permission.MANAGE_CATALOG)
    location = tx.catalog.location_by_name(_lookup("name", name, "location named"))
    if location is None:
        raise NotFound(f"no location named {name!r}", [Problem("name", name)])
    if location.kind is not LocationKind.INTERNAL:
        raise Invalid(
            f"{name} is kept by the system",
            [Problem("name", "kept by the system: only stores can be renamed")],
        )
    problems: list[Problem] = [Problem(k, "not a field of a location") for k in changes
                               if k not in ("gln", "active")]  # fmt: skip
    values: dict[str, Any] = {}
    if new_name is not None:
        values["name"] = _name("name", new_name, 120, problems)
    if "gln" in changes:
        values["gln"] = _gln(changes["gln"], problems)
    if "active" in changes:
        values["active"] = _active(changes["active"], problems)
    if problems:
        raise Invalid("the location is not valid", problems)
    new_name = values.get("name", name)
    taken = tx.catalog.location_by_name(new_name) if "name" in values else None
    if taken is not None and taken.id != location.id:  # "main store" renames "Main store"
        raise Conflict(f"a location named {taken.name} already exists", [Problem("name", "taken")])
    archiving = values.get("active") is False and location.active
    if archiving and (held := tx.catalog.units_at(location.id)):
        raise Conflict(
            f"{location.name} still holds {held} unit(s): transfer, sell or write them off "
            "before archiving it", [Problem("active", f"{held} unit(s) on hand")],
        )  # fmt: skip
    coming = [r["number"] for r in tx.reads.in_transit() if r["to_location"] == location.name]
    if archiving and coming:
        numbers = ", ".join(sorted(set(coming)))
        raise Conflict(
            f"units are on their way to {location.name} on {numbers}: receive them or close "
            "the transfer first", [Problem("active", f"in transit to it on {numbers}")],
        )  # fmt: skip
    if values:
        tx.catalog.update_location(location.id, values)
    old = {k: getattr(location, k) for k in values}
    if changed := audit.changes(old, values):
        audit.record(tx, actor, "location", location.id, "update", {"changes": changed}, now)
    return tx.catalog.location(location.id)


def update_partner(
    tx: Tx, actor: Actor, name: str, changes: dict[str, Any], *, now: datetime
) -> Partner:
    """Rename a partner, change whether it is a supplier and/or a customer, or its contact
    fields (phone, email, address; blank clears one)."""
    require(actor, Permission.MANAGE_CATALOG)
    partner = tx.catalog.partner_by_name(_lookup("name", name, "partner named"))
    if partner is None:
        raise NotFound(f"no partner named {name!r}", [Problem("name", name)])
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = _name("name", changes["name"], 200, problems)
    for flag, column in (("supplier", "is_supplier"), ("customer", "is_customer")):
        if flag in changes:
            values[column] = bool(changes[flag])
    if "active" in changes:
        values["active"] = _active(changes["active"], problems)
    known = {"name", "supplier", "customer", "active", *CONTACT_FIELDS}
    problems += [Problem(k, "not a field of a partner") for k in changes if k not in known]
    values.update(_contact(changes, problems))
    supplier = values.get("is_supplier", partner.is_supplier)
    if not (supplier or values.get("is_customer", partner.is_customer)):
        problems.append(Problem("role", "a partner is a supplier, a customer, or both"))
    if problems:
        raise Invalid("the partner is not valid", problems)
    new_name = values.get("name", name)
    taken = tx.catalog.partner_by_name(new_name) if "name" in values else None
    if taken is not None and taken.id != partner.id:  # names are unique whatever their case
        raise Conflict(f"a partner named {taken.name} already exists", [Problem("name", "taken")])
    if values:
        tx.catalog.update_partner(partner.id, values)
        words = {"name": "name", "is_supplier": "supplier", "is_customer": "customer",
                 "active": "active",
                 **{k: k for k in CONTACT_FIELDS}}  # fmt: skip
        old = {words[k]: getattr(partner, k) for k in values}
        changed = audit.changes(old, {words[k]: v for k, v in values.items()})
        if changed:
            audit.record(tx, actor, "partner", partner.id, "update", {"changes": changed}, now)
    return tx.catalog.partner(partner.id)


def _active(value: Any, problems: list[Problem]) -> bool:
    """``active``: true (in use) or false (archived)."""
    if not isinstance(value, bool):
        problems.append(Problem("active", "active is true or false"))
        return True
    return value


def _switch_uniqueness(tx: Tx, value: str) -> None:
    """Global uniqueness is claimed in the database, code by code; refused while two products
    share a code (those are named: correct one of each pair first)."""
    if value != "global":
        tx.ledger.release_all_codes()
        return
    shared = tx.ledger.claim_all_codes()
    if shared:
        raise Conflict(
            "serial numbers cannot be unique across products yet: some codes belong to several "
            "products; correct them first",
            [Problem("serial_uniqueness", f"{c} is used by several products") for c in shared],
        )


def setting(tx: Tx, actor: Actor, key: str) -> str:
    """A setting's value (its default when never set)."""
    require(actor, Permission.READ)
    if key not in SETTINGS:
        raise NotFound(f"no setting {key!r}; settings are {', '.join(sorted(SETTINGS))}")
    return tx.catalog.setting(key) or SETTINGS[key][0]


def warranty_if_sold(tx: Tx, actor: Actor, sku: str, day: date) -> date | None:
    """The last day of the customer warranty a unit of ``sku`` sold on ``day`` gets."""
    return warranty_end(day, product(tx, actor, sku).customer_warranty_days)


def return_reasons(tx: Tx, actor: Actor) -> list[str]:
    """The reasons offered when goods come back (setting ``return_reasons``, one per line)."""
    return [r.strip() for r in setting(tx, actor, "return_reasons").splitlines() if r.strip()]


def settings(tx: Tx, actor: Actor) -> dict[str, str]:
    """Every setting with its value (its default when never set)."""
    require(actor, Permission.READ)
    return {key: tx.catalog.setting(key) or default for key, (default, _) in SETTINGS.items()}


def set_setting(tx: Tx, actor: Actor, key: str, value: str, *, now: datetime) -> str:
    """Set ``key`` (managers); the value as stored (free text trimmed)."""
    require(actor, Permission.MANAGE_SETTINGS)
    if key not in SETTINGS:
        raise NotFound(f"no setting {key!r}; settings are {', '.join(sorted(SETTINGS))}")
    value = _setting_value(key, value)
    old = tx.catalog.setting(key) or SETTINGS[key][0]
    if key == "serial_uniqueness" and value != old:
        _switch_uniqueness(tx, value)
    tx.catalog.set_setting(key, value)
    detail = {"key": key, "changes": {key: {"old": old, "new": value}}}
    audit.record(tx, actor, "setting", 0, "set", detail, now)
    return value


def _setting_value(key: str, value: str) -> str:
    """``value`` as ``key`` stores it, or ``Invalid`` saying what it may be."""
    allowed = SETTINGS[key][1]
    if allowed is not None:
        if value not in allowed:
            raise Invalid(f"{key} is one of {', '.join(allowed)}", [Problem(key, f"not {value!r}")])
        return value
    value = clean_text(value, key, multiline=key in MULTILINE).strip()
    if len(value) > FREE_TEXT[key]:
        raise Invalid(f"{key} is too long", [Problem(key, f"at most {FREE_TEXT[key]} characters")])
    if key == "digital_link_base":
        value = value.rstrip("/")
        if not _RESOLVER.fullmatch(value):
            raise Invalid(
                "digital_link_base is a web address",
                [Problem(key, f"an http(s) URL without query, e.g. https://id.gs1.org, "
                         f"not {value!r}")],
            )  # fmt: skip
    return value


def ensure_virtual_locations(tx: Tx, now: datetime) -> None:
    for kind, name in VIRTUAL_LOCATIONS.items():
        if tx.catalog.virtual_location(kind) is None:
            taken = tx.catalog.location_by_name(name) is not None  # a store named so already
            tx.catalog.add_location(f"{name} (system)" if taken else name, kind, now)
