"""Request bodies of the JSON API: strict (unknown fields refused, no type coercion: ``"5"`` is
not a quantity nor ``"yes"`` a boolean), bounded, with examples."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic import Strict as StrictType

from serialtrack.domain.model import DocumentKind, Role, TrackingMode

Code = Annotated[str, StringConstraints(max_length=200)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Days = Annotated[int, Field(ge=0, le=36_500)]

_DATE = TypeAdapter(dt.date)


def _iso_date(value: Any) -> Any:
    """FastAPI validates the parsed JSON in Python mode, where a strict date takes no string:
    read a ``YYYY-MM-DD`` string as JSON mode would; anything else is refused as not a date."""
    if isinstance(value, str):
        try:
            return _DATE.validate_strings(value, strict=True)
        except ValidationError:
            return value  # refused below by the strict date: "Input should be a valid date"
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
# enums come as their string values in JSON: lax for the enum alone (no other coercion)
Kind = Annotated[DocumentKind, StrictType(False)]
Tracking = Annotated[TrackingMode, StrictType(False)]
RoleName = Annotated[Role, StrictType(False)]


class Strict(BaseModel):
    """Unknown fields refused, and no coercion: ``"5"`` is not an int nor ``"yes"`` a bool."""

    model_config = ConfigDict(extra="forbid", strict=True)


class BatchIn(Strict):
    code: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        None,
        description='Incoming batches: left out (or "auto"), the next code from the product\'s '
        "batch pattern.",
    )
    quantity: Annotated[int, Field(ge=1, le=10_000_000)]
    expiry: IsoDate | None = Field(None, description="Incoming batches: its expiry date.")


class ComponentLineIn(Strict):
    """A bundle's component on a document line: its serials, batches or quantity."""

    sku: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    quantity: Annotated[int, Field(ge=0, le=10_000_000)] | None = Field(
        None, description="A quantity-only component: how many (a return may bring back fewer)."
    )
    serials: Annotated[list[Code], Field(max_length=100_000)] | None = None
    batches: Annotated[list[BatchIn], Field(max_length=10_000)] | None = None
    expiry: IsoDate | None = None
    warranty_days: Days | None = None


class LineIn(Strict):
    sku: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    quantity: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    serials: Annotated[list[Code], Field(max_length=100_000)] | None = None
    batches: Annotated[list[BatchIn], Field(max_length=10_000)] | None = Field(
        None, description="A batch-tracked line: each batch code with its quantity."
    )
    expiry: IsoDate | None = Field(None, description="Expiry of the serials this line creates.")
    warranty_days: Days | None = Field(
        None, description="A receipt line's supplier warranty in days, over the product's."
    )
    batch: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        None, description="A serial+batch receipt line: the batch its serials belong to "
        "(or GS1 scans that carry AI 10 give it).",
    )  # fmt: skip
    serial_text: Annotated[str, StringConstraints(max_length=5_000_000)] | None = Field(
        None, description="Pasted codes (newline, comma, semicolon, tab or space separated) "
        "and START..END ranges, instead of or besides `serials`.",
    )  # fmt: skip
    components: Annotated[list[ComponentLineIn], Field(max_length=50)] | None = Field(
        None, description="A bundle's line: its components' serials, batches or quantities "
        "(otherwise the line's `serials` are shared out among its serial-tracked components).",
    )  # fmt: skip


class DocumentIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "sale", "partner": "Jane Doe", "location": "Main store",
                    "lines": [{"sku": "PHN-X1", "serials": ["X1-00004"]}], "post": True,
                },
                {
                    "kind": "receipt", "partner": "Acme", "location": "Main store",
                    "reference": "ACME-INV-2041",
                    "lines": [{"sku": "PHN-X1", "serial_text": "X1-00100..X1-00119"},
                              {"sku": "CBL-USB", "quantity": 50}],
                },
            ]
        },
    )  # fmt: skip
    kind: Kind
    number: Annotated[str, StringConstraints(max_length=60)] | None = None
    date: IsoDate | None = None
    partner: Annotated[str, StringConstraints(max_length=200)] | None = None
    location: Annotated[str, StringConstraints(max_length=120)] | None = Field(
        None, description="The store: where goods come in or go out."
    )
    reference: Annotated[str, StringConstraints(max_length=120)] | None = None
    origin: Annotated[str, StringConstraints(max_length=60)] | None = Field(
        None, description="The receipt a purchase return names, or the sale a return names."
    )
    note: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        None, description="Free text; the reason of a write-off or a return."
    )
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        None,
        description="Why goods are returned (credit or debit note) or written off; kept as "
        "the document's note (give reason or note, not both).",
    )
    destination: Annotated[str, StringConstraints(max_length=120)] | None = Field(
        None, description="The store a dispatch or one-step transfer goes to."
    )
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=10_000)]
    post: bool = True
    allow_expired: bool = Field(
        False, description="A manager lets a sale or transfer take units past their expiry."
    )

    @model_validator(mode="after")
    def _one_reason(self) -> DocumentIn:
        if self.reason is not None:
            if self.note is not None and self.note != self.reason:
                raise ValueError("give the reason once: reason or note, not both")
            self.note = self.reason
        return self


class LotRules(Strict):
    """A product's rules for lots: batch-code pattern, shelf life and its derived dates."""

    batch_pattern: Annotated[str, StringConstraints(max_length=120)] | None = Field(
        None,
        description="New batch codes: {sku} {yyyy} {yy} {mm} {ww} {dd} and {seq} "
        "(required; {seq:03} pads), e.g. {sku}-{yy}{ww}-{seq:03}.",
    )
    shelf_life_days: int | None = Field(
        None, description="Expiry of what comes in without one: its date + these days (1-36500)."
    )
    best_before_days: int | None = Field(None, description="Best before: days before expiry.")
    removal_days: int | None = Field(
        None, description="Taken off sale (pickers, sales refuse it) these days before expiry."
    )
    alert_days: int | None = Field(
        None, description="Listed as expiring (alert) these days before expiry."
    )


class ProductIn(LotRules):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"sku": "PHN-X1", "name": "Phone X1", "gtin": "09506000134352"}]
        },
    )
    sku: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    name: Name
    tracking: Tracking = TrackingMode.SERIAL
    unit: Annotated[str, StringConstraints(min_length=1, max_length=20)] = "pcs"
    gtin: Annotated[str, StringConstraints(max_length=14)] | None = None
    supplier_warranty_days: Days | None = None
    customer_warranty_days: Days | None = None
    expiry_required: bool = False
    serial_pattern: Annotated[str, StringConstraints(max_length=120)] | None = None


class ProductPatch(LotRules):
    name: Name | None = None
    unit: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None
    gtin: Annotated[str, StringConstraints(max_length=14)] | None = None
    supplier_warranty_days: Days | None = None
    customer_warranty_days: Days | None = None
    expiry_required: bool | None = None
    serial_pattern: Annotated[str, StringConstraints(max_length=120)] | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


StoreSerials = dict[
    Annotated[str, StringConstraints(max_length=120)],
    Annotated[list[Code], Field(max_length=100_000)],
]


class TrackingIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"tracking": "serial", "serials": {"Main store": ["C-1", "C-2"]}}]
        },
    )
    tracking: Tracking
    serials: StoreSerials | None = Field(
        None, description="Serials for every unit on hand, per store (none -> serial)."
    )
    generate: bool = Field(
        False, description="New serials from the product's pattern for every unit on hand."
    )


class CountIn(Strict):
    location: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    sku: Annotated[str, StringConstraints(max_length=80)] | None = None
    number: Annotated[str, StringConstraints(max_length=60)] | None = None
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    blind: bool = Field(False, description="Hide what the books expect until it posts.")


class CountUnscanIn(Strict):
    scan: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    sku: Annotated[str, StringConstraints(max_length=80)] | None = None


class CountScansIn(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"scans": ["X1-00004", "X1-00005"]}]}
    )
    scans: Annotated[list[Annotated[str, StringConstraints(max_length=2000)]],
                     Field(min_length=1, max_length=100_000)]  # fmt: skip
    sku: Annotated[str, StringConstraints(max_length=80)] | None = None


class CountQuantityIn(Strict):
    sku: Annotated[str, StringConstraints(max_length=80)]
    batch: Annotated[str, StringConstraints(max_length=100)] | None = None
    quantity: int = Field(description="How many are on the shelf (0 or more).")


class CountQuantitiesIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"lines": [{"sku": "PILLS", "batch": "LOT-7",
                                                    "quantity": 18}]}]},
    )  # fmt: skip
    lines: Annotated[list[CountQuantityIn], Field(min_length=1, max_length=10_000)]


class DeleteSerialIn(Strict):
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


Gln = Annotated[str, StringConstraints(max_length=13)]


class LocationIn(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    kind: str = "internal"
    gln: Gln | None = Field(None, description="GS1 Global Location Number (EPCIS names it).")


class LocationPatch(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)] | None = None
    gln: Gln | None = Field(None, description="GS1 Global Location Number; empty clears it.")
    active: bool | None = Field(None, description="false archives it, true restores it.")


Phone = Annotated[str, StringConstraints(max_length=60)]
Email = Annotated[str, StringConstraints(max_length=254)]
Address = Annotated[str, StringConstraints(max_length=1000)]


class PartnerPatch(Strict):
    name: Name | None = None
    supplier: bool | None = None
    customer: bool | None = None
    phone: Phone | None = None
    email: Email | None = None
    address: Address | None = None
    gln: Gln | None = None
    active: bool | None = Field(None, description="false archives it, true restores it.")


class PartnerIn(Strict):
    name: Name
    supplier: bool = False
    customer: bool = False
    phone: Phone | None = None
    email: Email | None = None
    address: Address | None = None
    gln: Gln | None = Field(None, description="GS1 Global Location Number of the party.")


class LoginIn(Strict):
    username: Annotated[str, StringConstraints(max_length=80)]
    password: Annotated[str, StringConstraints(max_length=1024)]


class UserIn(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    role: RoleName
    password: Annotated[str, StringConstraints(max_length=1024)] | None = None


class TokenIn(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    name: Annotated[str, StringConstraints(max_length=120)] = "api"


class SettingIn(Strict):
    value: Annotated[str, StringConstraints(max_length=400)]


class ScanIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "(01)09506000134352(21)X1-00004"}]},
    )
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


Scans = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=2000)]],
    Field(min_length=1, max_length=10_000),
]


class RefundLookupIn(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"scans": ["X1-00004", "SO-000012"]}]}
    )
    scans: Scans


class RefundIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"scans": ["X1-00004"], "location": "Main store",
                                         "reason": "defective: no sound"}]},
    )  # fmt: skip
    scans: Scans
    location: Annotated[str, StringConstraints(min_length=1, max_length=120)] = Field(
        description="Where the goods go: a store, or a quarantine location to inspect them."
    )
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    date: IsoDate | None = None


class SupplierReturnLookupIn(Strict):
    scans: Scans
    location: Annotated[str, StringConstraints(min_length=1, max_length=120)]


class SupplierReturnIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"scans": ["X1-00009"], "location": "Main store",
                                         "reason": "Dead on arrival"}]},
    )  # fmt: skip
    scans: Scans
    location: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    supplier: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None, description="Where units that came in without a receipt go."
    )
    date: IsoDate | None = None


class EntryIn(Strict):
    text: Annotated[str, StringConstraints(max_length=5_000_000)]


class RuleIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"prefix": "SN-", "start": 1, "count": 10, "width": 4}]},
    )
    prefix: Annotated[str, StringConstraints(max_length=60)] = ""
    start: Annotated[int, Field(ge=0, le=10**15)]
    increment: Annotated[int, Field(ge=1, le=10**9)] = 1
    count: Annotated[int, Field(ge=1, le=100_000)]
    width: Annotated[int, Field(ge=0, le=30)] = 0
    suffix: Annotated[str, StringConstraints(max_length=60)] = ""


class GenerateIn(Strict):
    count: Annotated[int, Field(ge=1, le=100_000)]


class ProblemItem(BaseModel):
    where: str = Field(description="The field, line or serial concerned, e.g. lines[0].serials[2]")
    message: str


class ProblemOut(BaseModel):
    """An RFC 9457 problem: every refusal of the API has this body."""

    type: str = Field(examples=["urn:serialtrack:problem:conflict"])
    title: str
    status: int
    detail: str
    errors: list[ProblemItem]


def _problem(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/ProblemOut"}
    return {
        "model": ProblemOut,  # registers the schema; the body is sent as problem+json
        "description": description,
        "content": {"application/problem+json": {"schema": schema}},
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("Bad request"),
    401: _problem("Not logged in: no, unknown or revoked credentials"),
    403: _problem("The user's role does not allow this, or the CSRF token is missing"),
    404: _problem("Something named does not exist"),
    409: _problem("The state refuses it: serial not in stock, taken, moved on, key reused"),
    413: _problem("The request body is too large"),
    422: _problem("Invalid input; `errors` names each field, line or serial"),
}


class ComponentIn(Strict):
    sku: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    quantity: Annotated[int, Field(ge=1, le=1000)] = 1


class ComponentsIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "components": [
                        {"sku": "PHN-X1", "quantity": 1},
                        {"sku": "CHG-USB", "quantity": 1},
                    ]
                }
            ]
        },
    )
    components: Annotated[list[ComponentIn], Field(max_length=50)] = Field(
        description="The bundle's parts in order, each with its quantity per bundle; an empty "
        "list makes the product a plain product again."
    )


class UnitIn(Strict):
    serial: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        None, description="The unit's serial (default: the next from the product's pattern)."
    )
    parts: Annotated[list[Code], Field(max_length=1_000)] | None = Field(
        None, description="Its parts' serials, shared out among the serial-tracked parts."
    )
    components: Annotated[list[ComponentLineIn], Field(max_length=50)] | None = Field(
        None, description="Or its parts named per component (serials, batches)."
    )


class AssemblyIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"sku": "KIT-1", "location": "Main store",
                 "units": [{"serial": "K-0001", "parts": ["X1-00004", "CS-0009"]}]}
            ]
        },
    )  # fmt: skip
    sku: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    location: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    units: Annotated[list[UnitIn], Field(min_length=1, max_length=1_000)]
    date: IsoDate | None = None
    note: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class DisassemblyIn(Strict):
    sku: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    location: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    serials: Annotated[list[Code], Field(min_length=1, max_length=1_000)]
    date: IsoDate | None = None
    note: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class RecallIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"serials": "X1-00004..X1-00019"},
                                        {"supplier": "Acme", "date_from": "2026-10-01"}]},
    )  # fmt: skip
    serials: Annotated[str, StringConstraints(max_length=1_000_000)] | list[Code] | None = Field(
        None, description="Codes and START..END ranges (text), or a list of codes."
    )
    batch: Annotated[str, StringConstraints(max_length=100)] | None = None
    receipt: Annotated[str, StringConstraints(max_length=60)] | None = None
    supplier: Annotated[str, StringConstraints(max_length=200)] | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    sku: Annotated[str, StringConstraints(max_length=80)] | None = None


class RecallHoldIn(RecallIn):
    """A recall that may also put what is in stock on hold, in the same step."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"batch": "LOT-8", "hold": True,
                                         "reason": "supplier recall notice 42"}]},
    )  # fmt: skip
    hold: bool = Field(False, description="Put every unit and batch part in stock on hold.")
    reason: Annotated[str, StringConstraints(max_length=10_000)] | None = Field(
        None, description="Why (a hold needs one): the recall notice."
    )


class TransferCloseIn(Strict):
    outcome: Literal["back", "write_off"] = Field(
        "back", description="back: to the store that sent it; write_off: lost (managers)."
    )
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None
    date: IsoDate | None = None


class ReleaseIn(Strict):
    lines: Annotated[list[LineIn], Field(max_length=10_000)] | None = Field(
        None, description="What to release; without lines, all the hold still has."
    )
    note: Annotated[str, StringConstraints(max_length=10_000)] | None = None
