"""The ledger as an EPCIS 2.0 JSON-LD document (GS1), valid against GS1's own JSON Schema.

One ``ObjectEvent`` per document, product and direction (from → to), in ledger order:

- ``action``: ``ADD`` when units enter the books (from a supplier, the adjustment location or
  out of an assembled unit: receipts, opening balances, adjustments, counts' finds, serial
  assignments, assembly outputs), ``DELETE`` when they leave them (to scrap, adjustment or
  into an assembled unit: write-offs, counts' losses, ...), ``OBSERVE`` for every other move
  (sales, returns, transfers);
- ``bizStep`` / ``disposition`` from the document's kind and direction (CBV 2.0 bare words:
  ``receiving``/``in_progress``, ``retail_selling``/``retail_sold``, ``shipping``/
  ``in_transit``, ``destroying``/``destroyed``, ... see ``STEPS``);
- ``readPoint``: the store where it happened (the source, or the destination when the units
  come from outside); ``bizLocation``: the store the units are in afterwards (none when they
  leave for a customer, supplier, transit or scrap). Locations have no GLN: their identifier
  is ``{epcis_location_base}{name}`` (percent-encoded);
- ``epcList``: serials, as GS1 Digital Link URIs ``{digital_link_base}/01/{gtin}/21/{serial}``
  when the product has a GTIN (no SGTIN URN: the company prefix length is unknown), else
  ``{epcis_private_base}serial:{sku}:{code}``; ``quantityList``: quantity and batch lines,
  ``epcClass`` ``…/01/{gtin}`` or ``…/01/{gtin}/10/{batch}``, else
  ``{epcis_private_base}class:{sku}[:batch:{code}]``, without ``uom`` (counted units);
- ``bizTransactionList``: the document's number (and its origin's, e.g. a return's invoice)
  as ``{epcis_private_base}document:{kind}:{number}``, typed where CBV has a type (``inv``,
  ``recadv``, ``desadv``, ``rma``).

A cancellation is not a new business step: its reversal moves are exported as the *original*
event (same ``eventID``, time of posting, content) with an ``errorDeclaration``
(``declarationTime`` = the cancellation, ``reason`` ``did_not_occur``), EPCIS's own way to say
that an event did not happen. ``eventID`` is a UUID derived from the document, product and
direction, so the same event always has the same id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import RowMapping

from serialtrack.adapters.db import epcis_queries as sql
from serialtrack.adapters.db.store import Tx
from serialtrack.domain.errors import Invalid, Problem
from serialtrack.domain.labels import DIGITAL_LINK_BASE, digital_link
from serialtrack.domain.model import Actor, DocumentKind, LocationKind
from serialtrack.domain.permissions import Permission, require
from serialtrack.domain.text import storable
from serialtrack.services.journal import day_of as _day

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
MEDIA_TYPE = "application/ld+json"
# Settings read when present (catalog has no default for them yet), else these defaults.
LOCATION_BASE_SETTING, LOCATION_BASE = "epcis_location_base", "urn:serialtrack:location:"
PRIVATE_BASE_SETTING, PRIVATE_BASE = "epcis_private_base", "urn:serialtrack:"
DIGITAL_LINK_SETTING = "digital_link_base"
EVENT_NAMESPACE = uuid.UUID("6f1c1a52-3c1e-5b7e-9a43-2f3f6d0b5e11")

IN, OUT, MOVE = "in", "out", "move"  # into a store, out of one, store to store
_K = DocumentKind
STEPS: dict[DocumentKind, dict[str, tuple[str, str]]] = {
    _K.OPENING_BALANCE: {IN: ("stocking", "sellable_accessible")},
    _K.RECEIPT: {IN: ("receiving", "in_progress")},
    _K.PURCHASE_RETURN: {OUT: ("shipping", "returned")},
    _K.SALE: {OUT: ("retail_selling", "retail_sold")},
    _K.SALES_RETURN: {IN: ("receiving", "returned")},
    _K.DISPATCH: {OUT: ("shipping", "in_transit")},
    _K.TRANSFER_RECEIPT: {IN: ("receiving", "in_progress")},
    _K.TRANSFER: {MOVE: ("transporting", "in_progress")},
    _K.WRITE_OFF: {OUT: ("destroying", "destroyed")},
    _K.ADJUSTMENT: {IN: ("commissioning", "active")},
    _K.INVENTORY_COUNT: {
        IN: ("cycle_counting", "sellable_accessible"),
        OUT: ("cycle_counting", "unknown"),
        MOVE: ("cycle_counting", "sellable_accessible"),
    },
    _K.SERIAL_ASSIGNMENT: {
        IN: ("commissioning", "active"),
        OUT: ("decommissioning", "inactive"),
    },
    _K.ASSEMBLY: {IN: ("assembling", "active"), OUT: ("assembling", "inactive")},
    _K.DISASSEMBLY: {IN: ("disassembling", "active"), OUT: ("disassembling", "inactive")},
    # a hold keeps the units in the store, not for sale; its release makes them sellable
    _K.HOLD: {OUT: ("holding", "non_sellable_other")},
    _K.RELEASE: {IN: ("holding", "sellable_accessible")},
}
FALLBACK = {IN: ("receiving", "in_progress"), OUT: ("shipping", "in_transit"),
            MOVE: ("other", "in_progress")}  # fmt: skip
TRANSACTION_TYPES = {
    _K.RECEIPT: "recadv", _K.SALE: "inv", _K.DISPATCH: "desadv",
    _K.TRANSFER_RECEIPT: "recadv", _K.PURCHASE_RETURN: "rma", _K.SALES_RETURN: "rma",
}  # fmt: skip
ADDS = {LocationKind.SUPPLIER, LocationKind.ADJUSTMENT, LocationKind.ASSEMBLY}
DELETES = {LocationKind.SCRAP, LocationKind.ADJUSTMENT, LocationKind.ASSEMBLY}


def events(
    tx: Tx,
    actor: Actor,
    *,
    date_from: Any = None,
    date_to: Any = None,
    sku: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The EPCIS document of the moves from ``date_from`` to ``date_to`` (days, both
    included, UTC) of ``sku``; every filter is checked first, a bad one is ``Invalid``
    naming it."""
    require(actor, Permission.READ)
    problems: list[Problem] = []
    since = _day(date_from, "date_from", problems)
    until = _day(date_to, "date_to", problems)
    if since is not None and until is not None and since > until:
        problems.append(Problem("date_from", f"{since} is after date_to {until}"))
    product_id = None
    wanted = sku.strip() if isinstance(sku, str) else sku
    if wanted is not None and wanted != "":
        found = tx.catalog.product_by_sku(wanted) if storable(str(wanted)) else None
        if found is None:
            problems.append(Problem("sku", f"no product with SKU {str(wanted)[:80]!r}"))
        else:
            product_id = found.id
    if problems:
        raise Invalid("the EPCIS export filter is not valid", problems)
    ids = _Identifiers(tx)
    rows = sql.moves_for_export(
        tx.connection,
        since=datetime.combine(since, time()) if since else None,
        until=datetime.combine(until, time()) + timedelta(days=1) if until else None,
        product_id=product_id,
    )
    created = now or datetime.now(UTC).replace(tzinfo=None)
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(created),
        "epcisBody": {"eventList": [_event(group, ids) for group in _groups(rows)]},
    }


def _groups(rows: Iterable[RowMapping]) -> Iterator[list[RowMapping]]:
    """The moves of one document posting (or cancellation), per product and direction, in
    the order each first appears; one run of (document, reversal) is held at a time."""
    run: dict[tuple[int, int, int], list[RowMapping]] = {}
    current: tuple[int, bool] | None = None
    for row in rows:
        key = (row["document_id"], bool(row["reversal"]))
        if key != current:
            yield from run.values()
            run, current = {}, key
        run.setdefault(
            (row["product_id"], row["from_location_id"], row["to_location_id"]), []
        ).append(row)
    yield from run.values()


class _Identifiers:
    """The URIs of serials, classes, locations and documents, by the settings."""

    def __init__(self, tx: Tx) -> None:
        setting = tx.catalog.setting
        self.link = setting(DIGITAL_LINK_SETTING) or DIGITAL_LINK_BASE
        self.location_base = setting(LOCATION_BASE_SETTING) or LOCATION_BASE
        self.private = setting(PRIVATE_BASE_SETTING) or PRIVATE_BASE

    def serial(self, row: RowMapping, code: str) -> str:
        if row["gtin"] and row["unit_batch"] is not None:  # GS1 Digital Link: /01/…/10/…/21/…
            lot = digital_link(row["gtin"], "10", row["unit_batch"], base=self.link)
            return f"{lot}/21/{quote(code, safe='')}"
        if row["gtin"]:
            return digital_link(row["gtin"], "21", code, base=self.link)
        return f"{self.private}serial:{_q(row['sku'])}:{_q(code)}"

    def epc_class(self, row: RowMapping, batch: str | None) -> str:
        if row["gtin"]:
            if batch is not None:
                return digital_link(row["gtin"], "10", batch, base=self.link)
            return f"{self.link.rstrip('/')}/01/{row['gtin']}"
        tail = f":batch:{_q(batch)}" if batch is not None else ""
        return f"{self.private}class:{_q(row['sku'])}{tail}"

    def location(self, name: str, gln: str | None = None) -> str:
        """A location by its GLN (GS1 Digital Link, AI 414) when it has one, else by name."""
        if gln:
            return f"{self.link.rstrip('/')}/414/{gln}"
        return f"{self.location_base}{_q(name)}"

    def party(self, gln: str) -> str:
        return f"{self.link.rstrip('/')}/417/{gln}"

    def document(self, kind: str, number: str) -> str:
        return f"{self.private}document:{_q(kind)}:{_q(number)}"


def _q(text: str) -> str:
    return quote(text, safe="")


def _event(group: list[RowMapping], ids: _Identifiers) -> dict[str, Any]:
    first = group[0]
    reversal = bool(first["reversal"])
    # A cancellation's moves run backwards: the event they declare erroneous ran forwards.
    src, dst = ("to", "from") if reversal else ("from", "to")
    from_kind, to_kind = LocationKind(first[f"{src}_kind"]), LocationKind(first[f"{dst}_kind"])
    from_name, to_name = first[f"{src}_name"], first[f"{dst}_name"]
    kind = DocumentKind(first["kind"])
    if from_kind is LocationKind.INTERNAL and to_kind is LocationKind.INTERNAL:
        direction = MOVE
    elif to_kind is LocationKind.INTERNAL:
        direction = IN
    else:
        direction = OUT
    step, disposition = STEPS.get(kind, FALLBACK).get(direction, FALLBACK[direction])
    action = _action(from_kind, to_kind)
    when = first["posted_at"] if reversal and first["posted_at"] else first["at"]
    key = f"{first['document_id']}/{first['product_id']}/{first[f'{src}_location_id']}/" + str(
        first[f"{dst}_location_id"]
    )
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:{uuid.uuid5(EVENT_NAMESPACE, key)}",
        "eventTime": _time(when),
        "eventTimeZoneOffset": "+00:00",
        "action": action,
        "bizStep": step,
        "disposition": disposition,
    }
    event.update(_items(group, ids))
    if action == "ADD":
        event.update(_lot_master_data(group))
    from_gln, to_gln = first[f"{src}_gln"], first[f"{dst}_gln"]
    if from_kind is LocationKind.INTERNAL:
        event["readPoint"] = {"id": ids.location(from_name, from_gln)}
    else:
        event["readPoint"] = {"id": ids.location(to_name, to_gln)}
    if to_kind is LocationKind.INTERNAL:
        event["bizLocation"] = {"id": ids.location(to_name, to_gln)}
    if first["partner_gln"]:  # the supplier the goods come from, the customer they go to
        party = ids.party(first["partner_gln"])
        if from_kind in (LocationKind.SUPPLIER, LocationKind.CUSTOMER):
            event["sourceList"] = [{"type": "owning_party", "source": party}]
        elif to_kind in (LocationKind.SUPPLIER, LocationKind.CUSTOMER):
            event["destinationList"] = [{"type": "owning_party", "destination": party}]
    transactions = [_transaction(ids, kind, first["number"])]
    if first["origin_number"] is not None:
        origin = DocumentKind(first["origin_kind"])
        transactions.append(_transaction(ids, origin, first["origin_number"]))
    event["bizTransactionList"] = transactions
    if reversal:
        event["errorDeclaration"] = {
            "declarationTime": _time(first["at"]),
            "reason": "did_not_occur",
        }
    return event


def _lot_master_data(group: list[RowMapping]) -> dict[str, Any]:
    """``ilmd`` of units of one batch coming into the books (serial+batch): the CBV master
    data lotNumber and itemExpirationDate. Units of several batches in one event carry the
    batch in their Digital Link URIs (with a GTIN) only."""
    lots = {(row["unit_batch"], row["unit_expiry"]) for row in group if row["unit_batch"]}
    if len(lots) != 1 or any(row["unit_batch"] is None for row in group):
        return {}
    ((lot, expiry),) = lots
    ilmd: dict[str, Any] = {"cbvmda:lotNumber": lot}
    if expiry is not None:
        ilmd["cbvmda:itemExpirationDate"] = expiry.isoformat()
    return {"ilmd": ilmd}


def _action(from_kind: LocationKind, to_kind: LocationKind) -> str:
    """ADD: units enter the books; DELETE: they leave them; OBSERVE: any other move."""
    if to_kind is LocationKind.INTERNAL and from_kind in ADDS:
        return "ADD"
    if from_kind is LocationKind.INTERNAL and to_kind in DELETES:
        return "DELETE"
    return "OBSERVE"


def _items(group: list[RowMapping], ids: _Identifiers) -> dict[str, Any]:
    """``epcList`` of the serials, ``quantityList`` of quantities per class (and batch)."""
    epcs: dict[str, None] = {}
    quantities: dict[str, int] = {}
    for row in group:
        code = row["serial_code"] or row["current_code"]
        if code is not None:
            epcs[ids.serial(row, code)] = None
        else:
            epc_class = ids.epc_class(row, row["batch"])
            quantities[epc_class] = quantities.get(epc_class, 0) + row["quantity"]
    items: dict[str, Any] = {}
    if epcs or not quantities:
        items["epcList"] = list(epcs)
    if quantities:
        items["quantityList"] = [{"epcClass": c, "quantity": q} for c, q in quantities.items()]
    return items


def _transaction(ids: _Identifiers, kind: DocumentKind, number: str) -> dict[str, str]:
    found = {"bizTransaction": ids.document(kind.value, number)}
    if kind in TRANSACTION_TYPES:
        return {"type": TRANSACTION_TYPES[kind], **found}
    return found


def _time(at: datetime) -> str:
    """A stored (naive UTC) time as RFC 3339 with milliseconds and ``Z``."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="milliseconds") + "Z"
