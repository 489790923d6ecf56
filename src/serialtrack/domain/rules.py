"""What each document kind does: from where, to where, with whom, and which serials it takes.

One ``KindRule`` per document kind is the whole table of PRODUCT.md's "What each document
does"; the services execute it set-wise against the database, the tests read it directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from serialtrack.domain.model import (
    DocumentKind,
    LocationKind,
    PartnerRole,
    SerialStatus,
)

S = SerialStatus


@dataclass(frozen=True)
class KindRule:
    kind: DocumentKind
    prefix: str  # document numbers: RC-000001
    from_kind: LocationKind
    to_kind: LocationKind
    partner_role: PartnerRole | None
    partner_required: bool
    # Incoming kinds may name codes never seen before: they create the serial.
    creates_serials: bool
    # A serial must be in one of these statuses for this kind to move it.
    takes: frozenset[SerialStatus]
    # Drafts of outgoing kinds hold (reserve) their serials.
    reserves: bool
    # The kind of document this one may name as its origin (a return names its receipt).
    origin_kind: DocumentKind | None = None
    # The serial must be held by this document's partner (sales return: sold to this customer).
    holder_must_match: bool = False
    label: str = ""
    # The document names a destination store: where a dispatch is bound, or (one-step
    # transfer, ``to_kind`` internal) where the goods go.
    names_destination: bool = False
    # The origin must be named, and each serial must still be where the origin put it
    # (a transfer receipt takes only what is in transit on its dispatch).
    takes_from_origin: bool = False
    # Free text the document must carry, and what people call it ("reason").
    note_required: str | None = None
    # Expired units are refused unless a manager allows them on the document.
    refuses_expired: bool = False
    # Made through ``create_document``; a count and a serial assignment have their own paths.
    generic: bool = True

    @property
    def outgoing_from_internal(self) -> bool:
        return self.from_kind is LocationKind.INTERNAL


RULES: dict[DocumentKind, KindRule] = {
    DocumentKind.OPENING_BALANCE: KindRule(
        kind=DocumentKind.OPENING_BALANCE,
        prefix="OB",
        from_kind=LocationKind.ADJUSTMENT,
        to_kind=LocationKind.INTERNAL,
        partner_role=None,
        partner_required=False,
        creates_serials=True,
        takes=frozenset({S.ADJUSTED_OUT}),
        reserves=False,
        label="opening balance",
    ),
    DocumentKind.RECEIPT: KindRule(
        kind=DocumentKind.RECEIPT,
        prefix="RC",
        from_kind=LocationKind.SUPPLIER,
        to_kind=LocationKind.INTERNAL,
        partner_role=PartnerRole.SUPPLIER,
        partner_required=True,
        creates_serials=True,
        takes=frozenset({S.RETURNED_TO_SUPPLIER}),
        reserves=False,
        holder_must_match=True,
        label="receipt",
    ),
    DocumentKind.PURCHASE_RETURN: KindRule(
        kind=DocumentKind.PURCHASE_RETURN,
        prefix="PR",
        from_kind=LocationKind.INTERNAL,
        to_kind=LocationKind.SUPPLIER,
        partner_role=PartnerRole.SUPPLIER,
        partner_required=True,
        creates_serials=False,
        takes=frozenset({S.IN_STOCK}),
        reserves=True,
        origin_kind=DocumentKind.RECEIPT,
        label="purchase return",
    ),
    DocumentKind.SALE: KindRule(
        kind=DocumentKind.SALE,
        refuses_expired=True,
        prefix="SO",
        from_kind=LocationKind.INTERNAL,
        to_kind=LocationKind.CUSTOMER,
        partner_role=PartnerRole.CUSTOMER,
        partner_required=False,
        creates_serials=False,
        takes=frozenset({S.IN_STOCK}),
        reserves=True,
        label="sale",
    ),
    DocumentKind.SALES_RETURN: KindRule(
        kind=DocumentKind.SALES_RETURN,
        prefix="SR",
        from_kind=LocationKind.CUSTOMER,
        to_kind=LocationKind.INTERNAL,
        partner_role=PartnerRole.CUSTOMER,
        partner_required=False,
        creates_serials=False,
        takes=frozenset({S.SOLD}),
        reserves=False,
        origin_kind=DocumentKind.SALE,
        holder_must_match=True,
        label="sales return",
    ),
    DocumentKind.DISPATCH: KindRule(
        kind=DocumentKind.DISPATCH,
        refuses_expired=True,
        prefix="TR",
        from_kind=LocationKind.INTERNAL,
        to_kind=LocationKind.TRANSIT,
        partner_role=None,
        partner_required=False,
        creates_serials=False,
        takes=frozenset({S.IN_STOCK}),
        reserves=True,
        names_destination=True,
        label="transfer",
    ),
    DocumentKind.TRANSFER_RECEIPT: KindRule(
        kind=DocumentKind.TRANSFER_RECEIPT,
        prefix="TI",
        from_kind=LocationKind.TRANSIT,
        to_kind=LocationKind.INTERNAL,
        partner_role=None,
        partner_required=False,
        creates_serials=False,
        takes=frozenset({S.IN_TRANSIT}),
        reserves=False,
        origin_kind=DocumentKind.DISPATCH,
        takes_from_origin=True,
        label="transfer receipt",
    ),
    DocumentKind.TRANSFER: KindRule(
        kind=DocumentKind.TRANSFER,
        refuses_expired=True,
        prefix="TF",
        from_kind=LocationKind.INTERNAL,
        to_kind=LocationKind.INTERNAL,
        partner_role=None,
        partner_required=False,
        creates_serials=False,
        takes=frozenset({S.IN_STOCK}),
        reserves=True,
        names_destination=True,
        label="one-step transfer",
    ),
    DocumentKind.WRITE_OFF: KindRule(
        kind=DocumentKind.WRITE_OFF,
        prefix="WO",
        from_kind=LocationKind.INTERNAL,
        to_kind=LocationKind.SCRAP,
        partner_role=None,
        partner_required=False,
        creates_serials=False,
        takes=frozenset({S.IN_STOCK}),
        reserves=True,
        note_required="reason",
        label="write-off",
    ),
    DocumentKind.ADJUSTMENT: KindRule(
        kind=DocumentKind.ADJUSTMENT,
        prefix="AJ",
        from_kind=LocationKind.ADJUSTMENT,
        to_kind=LocationKind.INTERNAL,
        partner_role=None,
        partner_required=False,
        creates_serials=True,
        takes=frozenset({S.ADJUSTED_OUT}),
        reserves=False,
        label="adjustment",
        generic=False,
    ),
    DocumentKind.INVENTORY_COUNT: KindRule(
        kind=DocumentKind.INVENTORY_COUNT,
        prefix="CT",
        from_kind=LocationKind.INTERNAL,
        to_kind=LocationKind.ADJUSTMENT,
        partner_role=None,
        partner_required=False,
        creates_serials=False,
        takes=frozenset({S.IN_STOCK}),
        reserves=False,
        label="inventory count",
        generic=False,
    ),
    DocumentKind.SERIAL_ASSIGNMENT: KindRule(
        kind=DocumentKind.SERIAL_ASSIGNMENT,
        prefix="SA",
        from_kind=LocationKind.ADJUSTMENT,
        to_kind=LocationKind.INTERNAL,
        partner_role=None,
        partner_required=False,
        creates_serials=True,
        takes=frozenset(),
        reserves=False,
        label="serial assignment",
        generic=False,
    ),
    # An assembly takes parts from a store (this rule) and puts the bundle units it makes into
    # the same store (``ASSEMBLED_OUT``); a disassembly takes a unit in and its parts out.
    DocumentKind.ASSEMBLY: KindRule(
        kind=DocumentKind.ASSEMBLY,
        prefix="AS",
        from_kind=LocationKind.INTERNAL,
        to_kind=LocationKind.ASSEMBLY,
        partner_role=None,
        partner_required=False,
        creates_serials=False,
        takes=frozenset({S.IN_STOCK}),
        reserves=False,
        refuses_expired=True,
        label="assembly",
        generic=False,
    ),
    DocumentKind.DISASSEMBLY: KindRule(
        kind=DocumentKind.DISASSEMBLY,
        prefix="DA",
        from_kind=LocationKind.INTERNAL,
        to_kind=LocationKind.ASSEMBLY,
        partner_role=None,
        partner_required=False,
        creates_serials=False,
        takes=frozenset({S.IN_STOCK}),
        reserves=False,
        label="disassembly",
        generic=False,
    ),
    # A hold puts stock aside (a recall) into the "On hold" location (quarantine); its release
    # brings back what the hold still has, to the store it came from, as a transfer receipt does.
    DocumentKind.HOLD: KindRule(
        kind=DocumentKind.HOLD,
        prefix="HD",
        from_kind=LocationKind.INTERNAL,
        to_kind=LocationKind.QUARANTINE,
        partner_role=None,
        partner_required=False,
        creates_serials=False,
        takes=frozenset({S.IN_STOCK}),
        reserves=True,
        note_required="reason",
        label="hold",
    ),
    DocumentKind.RELEASE: KindRule(
        kind=DocumentKind.RELEASE,
        prefix="RL",
        from_kind=LocationKind.QUARANTINE,
        to_kind=LocationKind.INTERNAL,
        partner_role=None,
        partner_required=False,
        creates_serials=False,
        takes=frozenset({S.ON_HOLD}),
        reserves=False,
        origin_kind=DocumentKind.HOLD,
        takes_from_origin=True,
        label="release",
    ),
}
# The kinds whose posted documents leave stock outstanding for a later one to take: a dispatch
# (in transit until received), a hold (on hold until released); and the kind that takes it.
TAKEN_BY = {
    DocumentKind.DISPATCH: DocumentKind.TRANSFER_RECEIPT,
    DocumentKind.HOLD: DocumentKind.RELEASE,
}


def coming_out(rule: KindRule) -> KindRule:
    """The other leg of an assembly or disassembly: what comes out of the assembly into the
    store. An assembly's bundle units are new serials (or units taken apart before, put
    together again); a disassembly's parts are those the unit held."""
    assert rule.kind in (DocumentKind.ASSEMBLY, DocumentKind.DISASSEMBLY)
    return KindRule(
        kind=rule.kind,
        prefix=rule.prefix,
        from_kind=LocationKind.ASSEMBLY,
        to_kind=LocationKind.INTERNAL,
        partner_role=None,
        partner_required=False,
        creates_serials=rule.kind is DocumentKind.ASSEMBLY,
        takes=frozenset({S.ASSEMBLED}),
        reserves=False,
        label=rule.label,
        generic=False,
    )


def rule_for(kind: DocumentKind) -> KindRule:
    return RULES[kind]


# What pages, printouts and the CLI call a kind where its plain label is not enough: the
# returns carry the names of the paper they are (seed 000: debit note, credit note).
TITLES = {
    DocumentKind.SALES_RETURN: "Sales return (credit note)",
    DocumentKind.PURCHASE_RETURN: "Purchase return (debit note)",
}


def title(kind: DocumentKind | str) -> str:
    """``Sale``, ``Transfer``, ``Sales return (credit note)``...: a kind as the CLI names it
    (its rule's label)."""
    kind = DocumentKind(kind)
    return TITLES.get(kind) or RULES[kind].label.capitalize()


def heading(kind: DocumentKind | str) -> str:
    """``Dispatch``, ``Sales return (credit note)``...: a kind as a document's page heads it
    (its own name, where ``title`` says what the rule is: a dispatch is a transfer's leg)."""
    kind = DocumentKind(kind)
    return TITLES.get(kind) or kind.value.replace("_", " ").capitalize()


# What a kind does to a unit, for the headline of a refusal that lists each unit it cannot
# move: "Some serials cannot be received: see each line below".
DONE = {
    DocumentKind.OPENING_BALANCE: "put on hand", DocumentKind.RECEIPT: "received",
    DocumentKind.PURCHASE_RETURN: "returned to the supplier", DocumentKind.SALE: "sold",
    DocumentKind.SALES_RETURN: "taken back", DocumentKind.DISPATCH: "dispatched",
    DocumentKind.TRANSFER_RECEIPT: "received from transit", DocumentKind.TRANSFER: "moved",
    DocumentKind.WRITE_OFF: "written off", DocumentKind.ADJUSTMENT: "adjusted",
    DocumentKind.INVENTORY_COUNT: "counted", DocumentKind.SERIAL_ASSIGNMENT: "assigned",
    DocumentKind.ASSEMBLY: "assembled", DocumentKind.DISASSEMBLY: "taken apart",
    DocumentKind.HOLD: "held", DocumentKind.RELEASE: "released",
}  # fmt: skip


def cannot_move(kind: DocumentKind | str) -> str:
    """The headline of a refusal naming serials a document of ``kind`` cannot move."""
    return f"Some serials cannot be {DONE.get(DocumentKind(kind), 'moved')}: see each line below"
