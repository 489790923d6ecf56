"""The words of the product as plain Python values.

Nothing here touches a database or a clock: these are the shapes that the rules in
``posting.py`` reason about and that the services hand to every interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class TrackingMode(StrEnum):
    NONE = "none"  # quantity only
    SERIAL = "serial"  # one unique code per unit
    BATCH = "batch"  # a code shared by a quantity of units
    SERIAL_BATCH = "serial+batch"  # one unique code per unit, each unit in a batch with its expiry

    @property
    def serialized(self) -> bool:
        """Each unit has its own serial (``serial``, ``serial+batch``)."""
        return self in (TrackingMode.SERIAL, TrackingMode.SERIAL_BATCH)

    @property
    def label(self) -> str:
        """In words, for people."""
        return {"none": "quantity only", "serial": "serial", "batch": "batch",
                "serial+batch": "serial and batch"}[self.value]  # fmt: skip


class LocationKind(StrEnum):
    INTERNAL = "internal"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    TRANSIT = "transit"
    SCRAP = "scrap"
    ADJUSTMENT = "adjustment"
    ASSEMBLY = "assembly"  # where parts are while inside an assembled bundle unit
    QUARANTINE = "quarantine"  # stock on hold (a recall): on the books, not to be sold

    @property
    def is_virtual(self) -> bool:
        return self is not LocationKind.INTERNAL

    @property
    def holds_stock(self) -> bool:
        """Stock here is ours and counted on hand: a store, transit, quarantine. Quantities
        here never go below zero."""
        return self in (LocationKind.INTERNAL, LocationKind.TRANSIT, LocationKind.QUARANTINE)


class SerialStatus(StrEnum):
    IN_STOCK = "in_stock"
    RESERVED = "reserved"
    IN_TRANSIT = "in_transit"
    SOLD = "sold"
    RETURNED_TO_SUPPLIER = "returned_to_supplier"
    WRITTEN_OFF = "written_off"
    ADJUSTED_OUT = "adjusted_out"
    ASSEMBLED = "assembled"  # a part inside an assembled bundle unit (or a unit taken apart)
    ON_HOLD = "on_hold"  # put aside (a recall): in quarantine until released


_STATUS_BY_LOCATION = {
    LocationKind.INTERNAL: SerialStatus.IN_STOCK,
    LocationKind.TRANSIT: SerialStatus.IN_TRANSIT,
    LocationKind.CUSTOMER: SerialStatus.SOLD,
    LocationKind.SUPPLIER: SerialStatus.RETURNED_TO_SUPPLIER,
    LocationKind.SCRAP: SerialStatus.WRITTEN_OFF,
    LocationKind.ADJUSTMENT: SerialStatus.ADJUSTED_OUT,
    LocationKind.ASSEMBLY: SerialStatus.ASSEMBLED,
    LocationKind.QUARANTINE: SerialStatus.ON_HOLD,
}


def status_for(location_kind: LocationKind, *, reserved: bool = False) -> SerialStatus:
    """A serial's status is a function of where it is and whether a draft holds it."""
    if reserved and location_kind is LocationKind.INTERNAL:
        return SerialStatus.RESERVED
    return _STATUS_BY_LOCATION[location_kind]


class DocumentKind(StrEnum):
    OPENING_BALANCE = "opening_balance"
    RECEIPT = "receipt"
    PURCHASE_RETURN = "purchase_return"
    SALE = "sale"
    SALES_RETURN = "sales_return"
    DISPATCH = "dispatch"  # a transfer's first leg: store -> transit
    TRANSFER_RECEIPT = "transfer_receipt"  # its second leg: transit -> the destination store
    TRANSFER = "transfer"  # one step, store -> store
    WRITE_OFF = "write_off"
    ADJUSTMENT = "adjustment"  # units found that the books did not have (unknown at sale)
    INVENTORY_COUNT = "inventory_count"  # what a shelf holds; posting writes the differences
    SERIAL_ASSIGNMENT = "serial_assignment"  # serials given to units on hand (tracking switch)
    ASSEMBLY = "assembly"  # parts taken from a store into bundle units put in stock there
    DISASSEMBLY = "disassembly"  # a bundle unit taken apart: its parts back in stock
    HOLD = "hold"  # stock put aside from a store into quarantine (a recall): nobody sells it
    RELEASE = "release"  # held stock back to the store it was held from


class DocumentState(StrEnum):
    DRAFT = "draft"
    POSTED = "posted"
    CANCELLED = "cancelled"


class PartnerRole(StrEnum):
    SUPPLIER = "supplier"
    CUSTOMER = "customer"


class Role(StrEnum):
    VIEWER = "viewer"
    CLERK = "clerk"
    MANAGER = "manager"
    ADMIN = "admin"


@dataclass(frozen=True)
class Product:
    id: int
    sku: str
    name: str
    tracking: TrackingMode
    unit: str = "pcs"
    gtin: str | None = None
    expiry_required: bool = False
    supplier_warranty_days: int | None = None
    customer_warranty_days: int | None = None
    serial_pattern: str | None = None
    # Lots: a pattern for new batch codes ({sku}-{yy}{ww}-{seq:03}); shelf life in days (a
    # receipt's expiry = its date + days, unless the line gives one); best-before, removal and
    # alert dates as days before expiry.
    batch_pattern: str | None = None
    shelf_life_days: int | None = None
    best_before_days: int | None = None
    removal_days: int | None = None
    alert_days: int | None = None


@dataclass(frozen=True)
class Location:
    id: int
    name: str
    kind: LocationKind
    gln: str | None = None  # GS1 Global Location Number
    active: bool = True  # archived: offered nowhere, named by no new document; history stays


@dataclass(frozen=True)
class Partner:
    id: int
    name: str
    is_supplier: bool
    is_customer: bool
    phone: str | None = None
    email: str | None = None
    address: str | None = None  # lines allowed
    gln: str | None = None  # GS1 Global Location Number (the party)
    active: bool = True  # archived: offered nowhere, named by no new document; history stays

    @property
    def contact(self) -> str:
        """How to reach it, on one line: ``+44 20 7946 0000 · jane@example.com · 1 High St``."""
        parts = [self.phone, self.email, " ".join((self.address or "").split()) or None]
        return " · ".join(p for p in parts if p)

    def has_role(self, role: PartnerRole) -> bool:
        return self.is_supplier if role is PartnerRole.SUPPLIER else self.is_customer


@dataclass(frozen=True)
class Actor:
    """Who is acting: every move and change of master data records it."""

    user_id: int
    username: str
    role: Role


@dataclass(frozen=True)
class BatchInput:
    """A part of a batch on a document line: its code, how many units, its expiry (incoming)."""

    code: str
    quantity: int
    expiry: date | None = None


@dataclass(frozen=True)
class LineInput:
    """A document line as a person or a program gives it."""

    sku: str
    quantity: int | None = None
    serials: tuple[str, ...] = ()
    batches: tuple[BatchInput, ...] = ()
    expiry: date | None = None  # of the serials this line creates
    warranty_days: int | None = None  # supplier warranty of a receipt line, over the product's
    # A bundle's line may name its components' lines (serials and batches per component);
    # otherwise its serials are shared out among its serial-tracked components.
    components: tuple[LineInput, ...] = ()
    batch: str | None = None  # serial+batch: the batch of the serials this line creates


@dataclass(frozen=True)
class Component:
    """A part of a bundle: this product, so many per bundle."""

    product: Product
    quantity: int


@dataclass(frozen=True)
class DocumentLine:
    id: int
    line_no: int
    product: Product
    quantity: int
    serials: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    id: int
    kind: DocumentKind
    number: str
    state: DocumentState
    date: date
    partner: Partner | None
    from_location: Location
    to_location: Location
    reference: str | None = None
    origin_number: str | None = None
    note: str | None = None
    lines: tuple[DocumentLine, ...] = ()
    created_by: str | None = None
    posted_at: datetime | None = None
    cancelled_at: datetime | None = None
    destination: Location | None = None  # where a transfer dispatch is bound


@dataclass(frozen=True)
class MoveView:
    """One ledger row as people read it."""

    id: int
    at: datetime
    document_kind: DocumentKind
    document_number: str
    product_sku: str
    serial: str | None
    quantity: int
    from_location: str
    to_location: str
    user: str
    reversal: bool = False
    batch: str | None = None
    bundle: str | None = None  # the SKU of the bundle the unit moved in


@dataclass(frozen=True)
class CodeChange:
    """A serial's code corrected: the old code stays searchable."""

    at: datetime
    old_code: str
    new_code: str
    user: str
    reason: str | None = None


@dataclass(frozen=True)
class SerialView:
    """Where a serial is now, what state it is in, and (when asked) how it got there."""

    id: int
    sku: str
    code: str
    status: SerialStatus
    location: str
    location_kind: LocationKind
    holder: str | None = None  # the supplier or customer who has it, when outside
    reserved_by: str | None = None  # number of the draft document holding it
    last_document: str | None = None
    expiry: date | None = None
    history: tuple[MoveView, ...] = field(default=())
    summary: str = ""  # where it is in words: "in transit on transfer TR-000012 from A to B ..."
    transfer: str | None = None  # the dispatch it is in transit on
    destination: str | None = None  # where that dispatch is bound
    old_codes: tuple[str, ...] = ()
    corrections: tuple[CodeChange, ...] = ()
    supplier: str | None = None  # who delivered it, on which receipt, when
    receipt: str | None = None
    received_on: date | None = None
    customer: str | None = None  # who bought it, on which sale, when (while sold)
    sale: str | None = None
    sold_on: date | None = None
    supplier_warranty_until: date | None = None
    customer_warranty_until: date | None = None
    expired: bool = False
    bundle: str | None = None  # the bundle (SKU) it left in, while that sale holds it
    inside: str | None = None  # the assembled bundle unit it is a part of: "KIT K-1"
    contents: tuple[str, ...] = ()  # an assembled bundle unit's parts: "PHONE P1", "CHG x 2"
    batch: str | None = None  # serial+batch: the batch the unit belongs to
    note: str | None = None  # free text about this unit: an internal reference, a remark


@dataclass(frozen=True)
class Discrepancy:
    """A difference to investigate: a count difference, a serial sold without a receipt, ..."""

    id: int
    at: datetime
    kind: str
    sku: str
    code: str | None
    document: str
    detail: str
