"""Turning a document's header as given (names, numbers) into checked ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.errors import Problem
from serialtrack.domain.model import DocumentKind, DocumentState, Location, LocationKind, Partner
from serialtrack.domain.rules import KindRule
from serialtrack.domain.text import text_problem

Row = Mapping[str, Any]


@dataclass(frozen=True)
class HeaderInput:
    kind: DocumentKind
    location: str | None = None  # the internal side: where goods come in or go out
    partner: str | None = None
    number: str | None = None
    date: date | None = None
    reference: str | None = None
    # The receipt a purchase return names, the sale a return names, the dispatch a transfer
    # receipt takes from.
    origin: str | None = None
    note: str | None = None  # free text; the reason of a write-off
    destination: str | None = None  # the store a transfer goes to
    allow_expired: bool = False  # a manager lets this document take expired units
    # A transfer closed short: its units go back to the store that sent them (only the
    # close-short service asks for this; a clerk receiving at the wrong store is refused).
    back_to_source: bool = False


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
    destination: Location | None = None
    override_by: int | None = None  # the manager who allowed expired units

    @property
    def allow_expired(self) -> bool:
        return self.override_by is not None


def resolve_header(
    tx: Tx, rule: KindRule, given: HeaderInput, today: date
) -> tuple[Header | None, list[Problem]]:
    problems: list[Problem] = []
    origin = _origin(tx, rule, given.origin, problems)
    # With an origin the partner may be left out: it is the origin's (a receipt's supplier).
    required = rule.partner_required and origin is None
    partner = _origin_partner(
        tx, origin, _partner(tx, rule, given.partner, problems, required=required), problems
    )
    internal = _store(tx, given.location or _bound_for(tx, origin), "location", problems)
    if origin is not None and rule.takes_from_origin:
        _check_bound_for(tx, origin, internal, problems, back=given.back_to_source)
    destination = _destination(tx, rule, given.destination, internal, problems)
    route = _route(tx, rule, internal, destination, problems)
    number = _number(tx, rule, given.number, problems)
    _text("reference", given.reference, 120, problems)
    _text("note", given.note, 10_000, problems)
    _date(given.date, today, problems)
    if rule.note_required and not (given.note or "").strip():
        what = rule.note_required
        problems.append(Problem(what, f"a {rule.label} needs a {what}"))
    if problems or route is None:
        return None, problems
    header = Header(
        rule=rule,
        number=number,
        date=given.date or today,
        partner=partner,
        from_location=route[0],
        to_location=route[1],
        origin_id=origin["id"] if origin is not None else None,
        reference=given.reference,
        note=given.note,
        destination=destination,
    )
    return header, []


EARLIEST = date(1900, 1, 1)
AHEAD = timedelta(days=366)


def _date(given: date | None, today: date, problems: list[Problem]) -> None:
    """A document's date within reason: not before 1900, not more than a year ahead."""
    if given is None:
        return
    if given < EARLIEST:
        problems.append(Problem("date", f"{given} is before {EARLIEST}: check the year"))
    elif given > today + AHEAD:
        problems.append(
            Problem("date", f"{given} is more than a year ahead of today ({today}): check the year")
        )


def _store(tx: Tx, name: str | None, field: str, problems: list[Problem]) -> Location | None:
    """An internal location by name (``field`` says which one it is in the refusal)."""
    if not name:
        problems.append(Problem(field, f"a {field} is required"))
        return None
    location = tx.catalog.location_by_name(name)
    if location is None:
        problems.append(Problem(field, f"no location named {name!r}"))
    elif location.kind is not LocationKind.INTERNAL:
        problems.append(Problem(field, f"{name} is a {location.kind.value} location, not a store"))
        return None
    elif not location.active:
        problems.append(Problem(field, f"{location.name} is archived: restore it to use it again"))
    return location


def _destination(
    tx: Tx, rule: KindRule, name: str | None, source: Location | None, problems: list[Problem]
) -> Location | None:
    if not rule.names_destination:
        if name:
            problems.append(Problem("destination", f"a {rule.label} has no destination"))
        return None
    destination = _store(tx, name, "destination", problems)
    if destination is not None and source is not None and destination.id == source.id:
        problems.append(
            Problem("destination", f"{destination.name} is where the goods are now; "
                    "a transfer goes to another store")
        )  # fmt: skip
    return destination


def _route(
    tx: Tx,
    rule: KindRule,
    internal: Location | None,
    destination: Location | None,
    problems: list[Problem],
) -> tuple[Location, Location] | None:
    """(from, to): the internal side and a virtual location, or two stores."""
    if rule.from_kind is LocationKind.INTERNAL and rule.to_kind is LocationKind.INTERNAL:
        return (internal, destination) if internal and destination else None
    outside_kind = rule.to_kind if rule.from_kind is LocationKind.INTERNAL else rule.from_kind
    outside = tx.catalog.virtual_location(outside_kind)
    if outside is None:
        problems.append(Problem("location", f"no {outside_kind.value} location exists; run init"))
    if internal is None or outside is None:
        return None
    return (internal, outside) if rule.from_kind is LocationKind.INTERNAL else (outside, internal)


def _partner(
    tx: Tx, rule: KindRule, name: str | None, problems: list[Problem], *, required: bool
) -> Partner | None:
    if not name:
        if required:
            role = rule.partner_role.value if rule.partner_role else "partner"
            problems.append(Problem("partner", f"a {rule.label} needs a {role}"))
        return None
    if rule.partner_role is None:
        problems.append(Problem("partner", f"a {rule.label} has no partner"))
        return None
    partner = tx.catalog.partner_by_name(name)
    if partner is None:
        problems.append(Problem("partner", f"no partner named {name!r}"))
    elif not partner.active:
        problems.append(
            Problem("partner", f"{partner.name} is archived: restore it to use it again")
        )
    elif not partner.has_role(rule.partner_role):
        problems.append(Problem("partner", f"{name} is not a {rule.partner_role.value}"))
    return partner


def _origin(tx: Tx, rule: KindRule, number: str | None, problems: list[Problem]) -> Row | None:
    """The posted document this one names, if any (required for a transfer receipt)."""
    named = rule.origin_kind.value.replace("_", " ") if rule.origin_kind else "origin"
    if not number:
        if rule.takes_from_origin:
            problems.append(Problem("origin", f"a {rule.label} names the {named} it takes from"))
        return None
    if rule.origin_kind is None:
        problems.append(Problem("origin", f"a {rule.label} does not name an origin document"))
        return None
    found = tx.documents.by_number(rule.origin_kind.value, number)
    if not found:
        problems.append(Problem("origin", f"no {named} numbered {number}"))
        return None
    origin = found[0]
    if origin["state"] != DocumentState.POSTED.value:
        problems.append(Problem("origin", f"{number} is {origin['state']}, not posted"))
    return origin


def _origin_partner(
    tx: Tx, origin: Row | None, partner: Partner | None, problems: list[Problem]
) -> Partner | None:
    """The partner, taken from the origin when not given; refused when the two differ."""
    if origin is None:
        return partner
    origin_partner = tx.catalog.partner(origin["partner_id"]) if origin["partner_id"] else None
    if partner is None:
        return origin_partner
    if origin_partner is None and origin["kind"] == DocumentKind.SALE.value:
        problems.append(
            Problem(
                "origin", f"{origin['number']} was a walk-in sale, not a sale to {partner.name}"
            )
        )
    elif origin_partner is not None and origin_partner.id != partner.id:
        problems.append(
            Problem(
                "origin", f"{origin['number']} is with {origin_partner.name}, not {partner.name}"
            )
        )
    return partner


def _bound_for(tx: Tx, origin: Row | None) -> str | None:
    """The store a dispatch is bound for: where its receipt takes the goods by default (a
    hold's: the store it put the stock aside from, where its release brings it back)."""
    store = _store_of(origin)
    return tx.catalog.location(store).name if store else None


def _store_of(origin: Row | None) -> int | None:
    if origin is None:
        return None
    if origin["kind"] == DocumentKind.HOLD.value:
        return int(origin["from_location_id"])
    return origin["destination_location_id"] or None


def _check_bound_for(
    tx: Tx, origin: Row, store: Location | None, problems: list[Problem], *, back: bool = False
) -> None:
    bound_for = _store_of(origin)
    # a transfer closed short: its units come back to the store that sent them
    back_home = (
        back
        and origin["kind"] == DocumentKind.DISPATCH.value
        and (store is not None and store.id == origin["from_location_id"])
    )
    if store is not None and bound_for and store.id != bound_for and not back_home:
        name = tx.catalog.location(bound_for).name
        if origin["kind"] == DocumentKind.HOLD.value:
            said = (
                f"{origin['number']} holds stock of {name}: it goes back there, not to {store.name}"
            )
        else:
            said = f"{origin['number']} is bound for {name}, not {store.name}"
        problems.append(Problem("location", said))


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
    """A reference (one line) or a note (lines allowed): no control or bidi-override
    characters, and not too long."""
    if value is None:
        return
    problem = text_problem(value, field, multiline=field == "note")
    if problem:
        problems.append(problem)
    elif len(value) > limit:
        problems.append(Problem(field, f"{field} is longer than {limit} characters"))


def next_number(tx: Tx, rule: KindRule) -> str:
    """The next free number of this kind: RC-000001, skipping numbers people typed by hand."""
    while True:
        number = f"{rule.prefix}-{tx.catalog.next_number('document:' + rule.kind.value):06d}"
        if not tx.documents.number_taken(rule.kind.value, number):
            return number
