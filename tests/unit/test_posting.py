"""The posting rules as pure functions: no database, just values in and problems out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from serialtrack.domain.errors import Forbidden
from serialtrack.domain.model import (
    Actor,
    BatchInput,
    DocumentKind,
    LineInput,
    LocationKind,
    Product,
    Role,
    SerialStatus,
    TrackingMode,
    status_for,
)
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.posting import (
    Origin,
    SerialState,
    cancel_problems,
    describe,
    outstanding_problems,
    plan_lines,
    serial_problems,
)
from serialtrack.domain.rules import rule_for

PHONE = Product(1, "PHONE", "Phone", TrackingMode.SERIAL)
CABLE = Product(2, "CABLE", "Cable", TrackingMode.NONE)
KEG = Product(3, "KEG", "Keg", TrackingMode.BATCH)
PRODUCTS = {p.sku: p for p in (PHONE, CABLE, KEG)}
STORE, OTHER_STORE, CUSTOMERS = 10, 11, 20


def state(code: str, status: SerialStatus, location: int = STORE, **extra: object) -> SerialState:
    names = {STORE: "Store", OTHER_STORE: "Annex", CUSTOMERS: "Customers"}
    kind = LocationKind.CUSTOMER if location == CUSTOMERS else LocationKind.INTERNAL
    return SerialState(
        id=abs(hash(code)) % 10_000, product_id=PHONE.id, code=code, status=status,
        location_id=location, location_name=names[location], location_kind=kind,
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def plan(kind: DocumentKind, *lines: LineInput):  # type: ignore[no-untyped-def]
    return plan_lines(rule_for(kind), PRODUCTS, list(lines))


def test_a_code_entered_twice_in_one_document_is_named_with_both_places() -> None:
    _, problems = plan(
        DocumentKind.RECEIPT,
        LineInput("PHONE", serials=("SN1", "SN2")),
        LineInput("PHONE", serials=(" sn1 ",)),
    )
    assert [(p.where, p.message) for p in problems] == [
        ("lines[1].serials[0]", "sn1 is entered twice (first at lines[0].serials[0])")
    ]


@pytest.mark.parametrize(
    ("line", "where", "words"),
    [
        (LineInput("PHONE", quantity=3, serials=("A", "B")), "lines[0].quantity", "one serial"),
        (LineInput("PHONE", quantity=1), "lines[0].serials", "one serial per unit"),
        (LineInput("CABLE", serials=("X",)), "lines[0].serials", "quantity only"),
        (LineInput("CABLE", quantity=0), "lines[0].quantity", "above zero"),
        (LineInput("CABLE", quantity=True), "lines[0].quantity", "whole number"),
        (LineInput("KEG", quantity=5), "lines[0].batches", "give each batch code"),
        (
            LineInput("KEG", batches=(BatchInput("L1", 2), BatchInput(" l1", 1))),
            "lines[0].batches[1].code",
            "entered twice",
        ),
        (LineInput("KEG", batches=(BatchInput("L1", 0),)), "lines[0].batches[0].quantity", "1 to"),
        (
            LineInput("KEG", quantity=4, batches=(BatchInput("L1", 3),)),
            "lines[0].quantity",
            "the batches hold 3",
        ),
        (LineInput("PHONE", serials=("A",), warranty_days=-1), "lines[0].warranty_days", "0 to"),
        (LineInput("CABLE", quantity=1, batches=(BatchInput("L", 1),)), "lines[0].batches", "not"),
        (LineInput("NOPE", quantity=1), "lines[0].sku", "'NOPE'"),
        (LineInput("PHONE", serials=("ok", "bad\x00code")), "lines[0].serials[1]", "control"),
    ],
)
def test_line_refusals_name_where_and_why(line: LineInput, where: str, words: str) -> None:
    planned, problems = plan(DocumentKind.RECEIPT, line)
    assert planned == []
    assert len(problems) == 1
    assert problems[0].where == where
    assert words in problems[0].message


def test_quantity_equals_number_of_serials_and_codes_are_trimmed() -> None:
    planned, problems = plan(DocumentKind.SALE, LineInput("PHONE", serials=(" A ", "B")))
    assert problems == []
    assert planned[0].quantity == 2
    assert planned[0].codes == ("A", "B")
    assert planned[0].keys == ["a", "b"]


def check(kind: DocumentKind, states: dict[str, SerialState], *codes: str, **kw: object):  # type: ignore[no-untyped-def]
    planned, problems = plan(kind, LineInput("PHONE", serials=codes))
    assert problems == []
    keyed = {(PHONE.id, code.casefold()): s for code, s in states.items()}
    return serial_problems(
        rule_for(kind),
        document_id=kw.get("document_id"),  # type: ignore[arg-type]
        partner_id=kw.get("partner_id"),  # type: ignore[arg-type]
        from_location_id=kw.get("source", STORE),  # type: ignore[arg-type]
        lines=planned,
        states=keyed,
    )


def test_a_sold_or_stocked_serial_cannot_be_received_again() -> None:
    states = {
        "A": state("A", SerialStatus.IN_STOCK),
        "B": state("B", SerialStatus.SOLD, CUSTOMERS, holder_name="Alice",
                   last_document_id=7, last_document_number="SO-000007"),
    }  # fmt: skip
    problems = check(DocumentKind.RECEIPT, states, "A", "B", "C")
    assert [p.message for p in problems] == [
        "PHONE A: already known: in stock at Store",
        "PHONE B: already known: sold to Alice on SO-000007",
    ]


def test_only_serials_in_stock_at_the_source_can_be_sold() -> None:
    states = {
        "A": state("A", SerialStatus.IN_STOCK, OTHER_STORE),
        "B": state("B", SerialStatus.RESERVED, reserved_by=5, reserved_by_number="SO-000005"),
        "C": state("C", SerialStatus.IN_STOCK),
    }
    problems = check(DocumentKind.SALE, states, "A", "B", "C", "D")
    assert [p.message for p in problems] == [
        "PHONE A: not at the source location: in stock at Annex",
        "PHONE B: not available: reserved by draft SO-000005 at Store",
        "PHONE D: no such serial (it was never received)",
    ]


def test_a_draft_may_post_the_serials_it_holds_itself() -> None:
    held = {"B": state("B", SerialStatus.RESERVED, reserved_by=5, reserved_by_number="SO-000005")}
    assert check(DocumentKind.SALE, held, "B", document_id=5) == []


def test_a_sales_return_takes_only_sold_serials_of_that_customer() -> None:
    sold = {"A": state("A", SerialStatus.SOLD, CUSTOMERS, holder_id=1, holder_name="Alice",
                       last_document_id=7, last_document_number="SO-000007")}  # fmt: skip
    assert check(DocumentKind.SALES_RETURN, sold, "A", partner_id=1) == []
    (problem,) = check(DocumentKind.SALES_RETURN, sold, "A", partner_id=2)
    assert "not held by this partner: sold to Alice on SO-000007" in problem.message
    (unsold,) = check(DocumentKind.SALES_RETURN, {"A": state("A", SerialStatus.IN_STOCK)}, "A")
    assert "not available: in stock at Store" in unsold.message


def test_cancel_is_refused_naming_the_later_document() -> None:
    moved_on = state("A", SerialStatus.SOLD, CUSTOMERS, holder_name="Bob",
                     last_document_id=9, last_document_number="SO-000009")  # fmt: skip
    untouched = state("B", SerialStatus.IN_STOCK, last_document_id=3)
    problems = cancel_problems(document_id=3, to_location_id=STORE, states=[moved_on, untouched])
    assert [(p.where, p.message) for p in problems] == [
        ("serials.A", "A is now sold to Bob on SO-000009")
    ]


def test_describe_and_status_follow_the_location_kind() -> None:
    assert status_for(LocationKind.INTERNAL) is SerialStatus.IN_STOCK
    assert status_for(LocationKind.INTERNAL, reserved=True) is SerialStatus.RESERVED
    assert status_for(LocationKind.CUSTOMER) is SerialStatus.SOLD
    assert status_for(LocationKind.SUPPLIER) is SerialStatus.RETURNED_TO_SUPPLIER
    assert status_for(LocationKind.TRANSIT) is SerialStatus.IN_TRANSIT
    assert status_for(LocationKind.SCRAP) is SerialStatus.WRITTEN_OFF
    assert describe(state("A", SerialStatus.IN_TRANSIT, last_document_number="TR-1")) == (
        "in transit on transfer TR-1"
    )
    assert (
        describe(state("A", SerialStatus.WRITTEN_OFF, last_document_number="WO-3"))
        == "written off at Store by WO-3"
    )


def test_a_serial_in_transit_names_its_transfer_route_and_date() -> None:
    moving = state("A", SerialStatus.IN_TRANSIT, last_document_id=12,
                   last_document_number="TR-000012", last_from_name="Store",
                   last_destination_name="Annex", last_document_date=date(2026, 3, 5))  # fmt: skip
    assert (
        describe(moving) == "in transit on transfer TR-000012 from Store to Annex since 2026-03-05"
    )


def test_a_transfer_receipt_takes_only_what_is_in_transit_on_its_dispatch() -> None:
    dispatch = Origin(12, "TR-000012", frozenset({1, 2, 3}))
    on_it = state(
        "A", SerialStatus.IN_TRANSIT, last_document_id=12, last_document_number="TR-000012"
    )
    received = state("B", SerialStatus.IN_STOCK, OTHER_STORE, last_document_id=14,
                     last_document_number="TI-000014")  # fmt: skip
    elsewhere = state("C", SerialStatus.IN_STOCK)
    on_it, received = replace(on_it, id=1), replace(received, id=2)
    states = {(PHONE.id, s.code.casefold()): s for s in (on_it, received, elsewhere)}
    planned, _ = plan(DocumentKind.TRANSFER_RECEIPT, LineInput("PHONE", serials=("A", "B", "C")))
    problems = serial_problems(
        rule_for(DocumentKind.TRANSFER_RECEIPT), document_id=None, partner_id=None,
        from_location_id=0, lines=planned, states=states, origin=dispatch,
    )  # fmt: skip
    assert [p.message for p in problems] == [
        "PHONE B: already received from TR-000012: now in stock at Annex, moved there by TI-000014",
        "PHONE C: not on TR-000012: in stock at Store",
    ]


def test_a_transfer_receipt_takes_no_more_units_than_are_still_in_transit() -> None:
    planned, _ = plan(
        DocumentKind.TRANSFER_RECEIPT,
        LineInput("CABLE", quantity=2),
        LineInput("CABLE", quantity=2),
    )
    (problem,) = outstanding_problems(planned, {CABLE.id: 3}, "TR-1")
    assert (problem.where, problem.message) == (
        "lines[0].quantity",
        "CABLE: 3 still in transit on TR-1, 4 asked",
    )
    assert outstanding_problems(planned, {CABLE.id: 4}, "TR-1") == []


def test_every_stock_operation_goes_from_a_store() -> None:
    for kind, to in [
        (DocumentKind.DISPATCH, LocationKind.TRANSIT),
        (DocumentKind.TRANSFER, LocationKind.INTERNAL),
        (DocumentKind.WRITE_OFF, LocationKind.SCRAP),
    ]:
        rule = rule_for(kind)
        assert (rule.from_kind, rule.to_kind) == (LocationKind.INTERNAL, to)
        assert rule.takes == {SerialStatus.IN_STOCK}  # never sold, reserved or in transit
        assert rule.reserves
    assert rule_for(DocumentKind.WRITE_OFF).note_required == "reason"


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        (Role.VIEWER, Permission.READ, True),
        (Role.VIEWER, Permission.POST_DOCUMENT, False),
        (Role.CLERK, Permission.POST_DOCUMENT, True),
        (Role.CLERK, Permission.CANCEL_DOCUMENT, False),
        (Role.MANAGER, Permission.CANCEL_DOCUMENT, True),
        (Role.MANAGER, Permission.MANAGE_USERS, False),
        (Role.ADMIN, Permission.MANAGE_USERS, True),
    ],
)
def test_roles(role: Role, permission: Permission, allowed: bool) -> None:
    actor = Actor(1, "kim", role)
    if allowed:
        require(actor, permission)
    else:
        with pytest.raises(Forbidden, match=f"kim \\({role.value}\\) may not"):
            require(actor, permission)
