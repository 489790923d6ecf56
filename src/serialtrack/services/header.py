"""Turning a document's header as given (names, numbers) into checked ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.errors import Problem
from serialtrack.domain.model import DocumentKind, DocumentState, Location, LocationKind, Partner
from serialtrack.domain.rules import KindRule


@dataclass(frozen=True)
class HeaderInput:
    kind: DocumentKind
    location: str | None = None  # the internal side: where goods come in or go out
    partner: str | None = None
    number: str | None = None
    date: date | None = None
    reference: str | None = None
    origin: str | None = None  # the receipt a purchase return names, the sale a return names
    note: str | None = None


@dataclass(frozen=True)
class Header:
    rule: KindRule
    number: str | None
    date: date
    partner: Partner | None
    from_location: Location
    to_location: Location
    origin_id: int | None
    reference: str | None
    note: str | None


def resolve_header(
    tx: Tx, rule: KindRule, given: HeaderInput, today: date
) -> tuple[Header | None, list[Problem]]:
    problems: list[Problem] = []
    internal = _internal_location(tx, given.location, problems)
    outside_kind = rule.to_kind if rule.from_kind is LocationKind.INTERNAL else rule.from_kind
    outside = tx.catalog.virtual_location(outside_kind)
    if outside is None:
        problems.append(Problem("location", f"no {outside_kind.value} location exists; run init"))
    partner = _partner(tx, rule, given.partner, problems)
    origin_id, partner = _origin(tx, rule, given.origin, partner, problems)
    number = _number(tx, rule, given.number, problems)
    _text("reference", given.reference, 120, problems)
    _text("note", given.note, 10_000, problems)
    if problems or internal is None or outside is None:
        return None, problems
    pair = (internal, outside) if rule.from_kind is LocationKind.INTERNAL else (outside, internal)
    header = Header(
        rule, number, given.date or today, partner, *pair, origin_id, given.reference, given.note
    )
    return header, []


def _internal_location(tx: Tx, name: str | None, problems: list[Problem]) -> Location | None:
    if not name:
        problems.append(Problem("location", "a location is required"))
        return None
    location = tx.catalog.location_by_name(name)
    if location is None:
        problems.append(Problem("location", f"no location named {name!r}"))
    elif location.kind is not LocationKind.INTERNAL:
        problems.append(
            Problem("location", f"{name} is a {location.kind.value} location, not a store")
        )
        return None
    return location


def _partner(tx: Tx, rule: KindRule, name: str | None, problems: list[Problem]) -> Partner | None:
    if not name:
        if rule.partner_required:
            role = rule.partner_role.value if rule.partner_role else "partner"
            problems.append(Problem("partner", f"a {rule.label} needs a {role}"))
        return None
    if rule.partner_role is None:
        problems.append(Problem("partner", f"a {rule.label} has no partner"))
        return None
    partner = tx.catalog.partner_by_name(name)
    if partner is None:
        problems.append(Problem("partner", f"no partner named {name!r}"))
    elif not partner.has_role(rule.partner_role):
        problems.append(Problem("partner", f"{name} is not a {rule.partner_role.value}"))
    return partner


def _origin(
    tx: Tx, rule: KindRule, number: str | None, partner: Partner | None, problems: list[Problem]
) -> tuple[int | None, Partner | None]:
    if not number:
        return None, partner
    if rule.origin_kind is None:
        problems.append(Problem("origin", f"a {rule.label} does not name an origin document"))
        return None, partner
    found = tx.documents.by_number(rule.origin_kind.value, number)
    if not found:
        problems.append(
            Problem("origin", f"no {rule.origin_kind.value.replace('_', ' ')} numbered {number}")
        )
        return None, partner
    origin = found[0]
    if origin["state"] != DocumentState.POSTED.value:
        problems.append(Problem("origin", f"{number} is {origin['state']}, not posted"))
    origin_partner = tx.catalog.partner(origin["partner_id"]) if origin["partner_id"] else None
    if partner is None:
        return origin["id"], origin_partner
    if origin_partner is not None and origin_partner.id != partner.id:
        problems.append(
            Problem("origin", f"{number} is with {origin_partner.name}, not {partner.name}")
        )
    return origin["id"], partner


def _number(tx: Tx, rule: KindRule, number: str | None, problems: list[Problem]) -> str | None:
    if number is None:
        return None
    number = number.strip()
    if not number or len(number) > 60:
        problems.append(Problem("number", "a document number is 1 to 60 characters"))
    elif tx.documents.number_taken(rule.kind.value, number):
        problems.append(Problem("number", f"{rule.label} {number} already exists"))
    return number


def _text(field: str, value: str | None, limit: int, problems: list[Problem]) -> None:
    if value is not None and len(value) > limit:
        problems.append(Problem(field, f"{field} is longer than {limit} characters"))


def next_number(tx: Tx, rule: KindRule) -> str:
    """The next free number of this kind: RC-000001, skipping numbers people typed by hand."""
    while True:
        number = f"{rule.prefix}-{tx.catalog.next_number('document:' + rule.kind.value):06d}"
        if not tx.documents.number_taken(rule.kind.value, number):
            return number
