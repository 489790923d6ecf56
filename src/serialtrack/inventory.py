"""``Inventory``: one method per use case, the only door into serialtrack.

Every interface (this library, the CLI, the REST API, the web UI) goes through here, so a
rule checked once is checked for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from serialtrack.adapters.db.engine import make_engine
from serialtrack.adapters.db.reads import SerialFilter
from serialtrack.adapters.db.store import Store
from serialtrack.domain.entry import parse_entry, rule_codes
from serialtrack.domain.errors import Invalid, NotFound, Problem
from serialtrack.domain.model import (
    Actor,
    BatchInput,
    Component,
    Discrepancy,
    DocumentKind,
    LineInput,
    Location,
    MoveView,
    Partner,
    Product,
    SerialView,
)
from serialtrack.domain.permissions import ANONYMOUS, Permission, require
from serialtrack.inventory_admin import AdminMixin
from serialtrack.inventory_dashboard import DashboardMixin
from serialtrack.inventory_epcis import EpcisMixin
from serialtrack.inventory_expected import ExpectedMixin
from serialtrack.inventory_exports import ExportsMixin
from serialtrack.inventory_journal import JournalMixin
from serialtrack.inventory_labels import LabelsMixin
from serialtrack.inventory_operations import OperationsMixin
from serialtrack.inventory_printing import PrintingMixin
from serialtrack.inventory_recall import RecallMixin
from serialtrack.inventory_stock import StockMixin
from serialtrack.services import (
    assembly,
    batch_enquiry,
    catalog,
    documents,
    imports,
    lots,
    queries,
    setup,
    warranty_expiry,
)
from serialtrack.services import bundles as bundle_service
from serialtrack.services import check as ledger_check
from serialtrack.services import serials as serial_entry
from serialtrack.services import tracking as tracking_switch
from serialtrack.services.assembly import UnitInput
from serialtrack.services.header import HeaderInput
from serialtrack.services.queries import SUMMARY_MOVES, DocumentView

LineLike = LineInput | Mapping[str, Any] | tuple[Any, ...]
DocumentRef = int | str | DocumentView


def utc_now() -> datetime:
    """Timestamps are stored as naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def open(
    url: str | None = None,
    *,
    user: str | None = setup.ADMIN,
    clock: Callable[[], datetime] = utc_now,
) -> Inventory:
    """Open (creating or upgrading if needed) the inventory at ``url`` and act as ``user``.

    ``user=None`` opens it for no one: only logging in (``via_token``, ``login``) works.
    """
    from serialtrack.config import Settings

    store = Store(make_engine(url or Settings.from_env().database_url))
    setup.initialize(store, now=clock())
    if user is None:
        return _anonymous(store, clock)
    return Inventory(store, user=user, clock=clock)


def _anonymous(store: Store, clock: Callable[[], datetime]) -> Inventory:
    inventory = object.__new__(Inventory)
    inventory.store, inventory.clock, inventory.actor = store, clock, ANONYMOUS
    return inventory


class Inventory(
    AdminMixin, OperationsMixin, LabelsMixin, PrintingMixin, StockMixin, JournalMixin,
    EpcisMixin, RecallMixin, ExportsMixin, DashboardMixin, ExpectedMixin,
):  # fmt: skip
    def __init__(
        self, store: Store, *, user: str = setup.ADMIN, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.store = store
        self.clock = clock
        with store.transaction(write=False) as tx:
            self.actor = setup.actor(tx, user)

    def close(self) -> None:
        self.store.dispose()

    def __enter__(self) -> Inventory:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def as_user(self, username: str) -> Inventory:
        """The same inventory acting as another user."""
        return Inventory(self.store, user=username, clock=self.clock)

    def as_actor(self, actor: Actor) -> Inventory:
        """The same inventory acting as an already authenticated ``actor``."""
        twin = _anonymous(self.store, self.clock)
        twin.actor = actor
        return twin

    # master data ----------------------------------------------------------------------
    def add_product(self, sku: str, name: str, tracking: str = "serial", **fields: Any) -> Product:
        with self.store.transaction() as tx:
            values = {"sku": sku, "name": name, "tracking": tracking, **fields}
            return catalog.add_product(tx, self.actor, values, now=self.clock())

    def update_product(self, sku: str, **fields: Any) -> Product:
        """Change name, unit, GTIN, warranty days, expiry rule, serial pattern, or the lot
        fields (``batch_pattern``, ``shelf_life_days``, ``best_before_days``,
        ``removal_days``, ``alert_days``; None clears one)."""
        with self.store.transaction() as tx:
            return catalog.update_product(tx, self.actor, sku, fields, now=self.clock())

    def next_batch_code(self, sku: str, date: date | None = None) -> str:
        """The batch code a receipt dated ``date`` (today) would get from ``sku``'s batch
        pattern; asking does not take it."""
        with self.store.transaction(write=False) as tx:
            product = catalog.product(tx, self.actor, sku)
            return lots.peek(tx, product, date or self.clock().date())

    def switch_tracking(
        self,
        sku: str,
        tracking: str,
        *,
        serials: Mapping[str, Sequence[str]] | None = None,
        generate: bool = False,
    ) -> DocumentView | None:
        """Switch ``sku``'s tracking mode; refused while it has stock on hand, unless it goes
        from quantity to serial with ``serials`` for every unit, per store, or ``generate``
        (new codes from the product's serial pattern for every unit on hand). Then the serial
        assignment document posted with the switch is returned: print its labels."""
        with self.store.transaction() as tx:
            document_id = tracking_switch.switch(
                tx, self.actor, sku, tracking, serials, now=self.clock(), generate=generate
            )
            return queries.document(tx, self.actor, document_id) if document_id else None

    # bundles ----------------------------------------------------------------------------
    def set_components(
        self, sku: str, components: Iterable[tuple[str, int]] | Mapping[str, int]
    ) -> list[Component]:
        """Make ``sku`` a bundle of ``components`` (SKU → quantity per bundle, in order), or
        with none a plain product again. A bundle is quantity-only and has no stock of its
        own: selling it moves its components."""
        given = list(components.items()) if isinstance(components, Mapping) else list(components)
        with self.store.transaction() as tx:
            return bundle_service.set_components(tx, self.actor, sku, given, now=self.clock())

    def components(self, sku: str) -> list[Component]:
        """The components of bundle ``sku`` (empty for a product that is no bundle)."""
        with self.store.transaction(write=False) as tx:
            return bundle_service.components(tx, self.actor, sku)

    def part_of(self, sku: str) -> list[str]:
        """The bundles (SKUs) ``sku`` is a part of."""
        with self.store.transaction(write=False) as tx:
            return bundle_service.part_of(tx, self.actor, sku)

    def bundle_stock(self, sku: str, location: str) -> bundle_service.BundleStock:
        """How many of bundle ``sku`` the store ``location`` can sell now, and why: each
        component's sellable units and how many bundles they make."""
        with self.store.transaction(write=False) as tx:
            return bundle_service.stock(tx, self.actor, sku, location, today=self.clock().date())

    def assemble(
        self,
        sku: str,
        *,
        location: str,
        units: Iterable[Mapping[str, Any] | Sequence[str] | UnitInput],
        date: date | None = None,
        note: str | None = None,
    ) -> DocumentView:
        """Assemble bundle units of ``sku`` ahead, into stock at ``location`` (a serial-tracked
        bundle): each unit is ``{"serial": "K-1", "parts": ["P1", "C1"]}`` (no serial: the next
        from the product's pattern; parts' serials shared out as on a bundle's line, or
        ``"components"`` per part), or just its parts' serials. Quantity-only parts are taken
        as the bundle says. Returns the posted assembly (``AS-``)."""
        given = [_unit(u, i) for i, u in enumerate(units)]
        with self.store.transaction() as tx:
            document_id = assembly.assemble(
                tx, self.actor, sku, location, given, now=self.clock(), day=date, note=note
            )
            return queries.document(tx, self.actor, document_id)

    def disassemble(
        self,
        sku: str,
        serials: Iterable[str],
        *,
        location: str,
        date: date | None = None,
        note: str | None = None,
    ) -> DocumentView:
        """Take assembled units of ``sku`` apart at ``location``: each unit's parts come back
        into stock there. Returns the posted disassembly (``DA-``)."""
        codes = list(serials)
        with self.store.transaction() as tx:
            document_id = assembly.disassemble(
                tx, self.actor, sku, location, codes, now=self.clock(), day=date, note=note
            )
            return queries.document(tx, self.actor, document_id)

    def rename_location(self, name: str, new_name: str) -> Location:
        with self.store.transaction() as tx:
            return catalog.update_location(tx, self.actor, name, new_name, now=self.clock())

    def update_partner(self, partner: str, /, **changes: Any) -> Partner:
        """Change ``name``, ``supplier``, ``customer``, ``phone``, ``email`` or ``address`` of
        the partner named ``partner`` (a blank contact field clears it)."""
        with self.store.transaction() as tx:
            return catalog.update_partner(tx, self.actor, partner, changes, now=self.clock())

    def product(self, sku: str) -> Product:
        with self.store.transaction(write=False) as tx:
            return catalog.product(tx, self.actor, sku)

    def warranty_if_sold_today(self, sku: str) -> date | None:
        """The last day of the customer warranty a unit of ``sku`` sold today gets."""
        with self.store.transaction(write=False) as tx:
            return catalog.warranty_if_sold(tx, self.actor, sku, self.clock().date())

    def add_location(
        self, name: str, kind: str = "internal", *, gln: str | None = None
    ) -> Location:
        """A store or warehouse; ``gln``: its GS1 Global Location Number (for EPCIS)."""
        with self.store.transaction() as tx:
            return catalog.add_location(tx, self.actor, name, kind, now=self.clock(), gln=gln)

    def update_location(self, name: str, /, **changes: Any) -> Location:
        """Change ``name`` or ``gln`` (blank clears it) of the store named ``name``."""
        new_name = changes.pop("name", None)
        with self.store.transaction() as tx:
            return catalog.update_location(tx, self.actor, name, new_name, now=self.clock(),
                                           **changes)  # fmt: skip

    def add_partner(
        self, name: str, *, supplier: bool = False, customer: bool = False, **contact: Any
    ) -> Partner:
        """A supplier and/or customer; ``contact``: ``phone``, ``email``, ``address``."""
        with self.store.transaction() as tx:
            return catalog.add_partner(
                tx, self.actor, name, supplier=supplier, customer=customer, now=self.clock(),
                **contact,
            )  # fmt: skip

    def products(self, *, text: str | None = None, tracking: str | None = None) -> list[Product]:
        """All products, or those whose SKU or name contains ``text`` or whose GTIN it is."""
        with self.store.transaction(write=False) as tx:
            return catalog.products(tx, self.actor, text=text, tracking=tracking)

    def location(self, name: str) -> Location:
        with self.store.transaction(write=False) as tx:
            return catalog.location(tx, self.actor, name)

    def partner(self, name: str) -> Partner:
        with self.store.transaction(write=False) as tx:
            return catalog.partner(tx, self.actor, name)

    def locations(self, *, archived: bool = False) -> list[Location]:
        """The locations in use; ``archived=True``: the archived ones too."""
        require(self.actor, Permission.READ)
        with self.store.transaction(write=False) as tx:
            return [x for x in tx.catalog.list_locations() if archived or x.active]

    def partners(self, *, archived: bool = False) -> list[Partner]:
        """The partners in use; ``archived=True``: the archived ones too."""
        require(self.actor, Permission.READ)
        with self.store.transaction(write=False) as tx:
            return [x for x in tx.catalog.list_partners() if archived or x.active]

    def archive_location(self, name: str) -> Location:
        """Archive a store (managers): offered nowhere, named by no new document, its history
        kept; refused while it holds stock. ``restore_location`` brings it back."""
        return self.update_location(name, active=False)

    def restore_location(self, name: str) -> Location:
        return self.update_location(name, active=True)

    def archive_partner(self, name: str) -> Partner:
        """Archive a partner (managers): no new document names it; its history stays."""
        return self.update_partner(name, active=False)

    def restore_partner(self, name: str) -> Partner:
        return self.update_partner(name, active=True)

    def takes_unknown_serials(self, kind: str | DocumentKind) -> bool:
        """Whether a document of ``kind`` may name a serial never received (then adopted
        through an adjustment and listed as a discrepancy): a sale, when the setting allows."""
        with self.store.transaction(write=False) as tx:
            return documents.takes_unknown_serials(tx, self.actor, _kind(kind))

    def permissions(self) -> frozenset[Permission]:
        """What this user may do here (the role, as the shop's settings extend it)."""
        with self.store.transaction(write=False) as tx:
            return catalog.permissions(tx, self.actor)

    def require(self, permission: str | Permission) -> None:
        """Refuse (``Forbidden``) unless this user may do ``permission`` here: a form's page
        says so before it is filled, not after (the service checks again on saving)."""
        with self.store.transaction(write=False) as tx:
            catalog.require_permission(tx, self.actor, Permission(permission))

    def setting(self, key: str) -> str:
        with self.store.transaction(write=False) as tx:
            return catalog.setting(tx, self.actor, key)

    def return_reasons(self) -> list[str]:
        """The reasons offered when goods come back (setting ``return_reasons``)."""
        with self.store.transaction(write=False) as tx:
            return catalog.return_reasons(tx, self.actor)

    def settings(self) -> dict[str, str]:
        """Every setting and its value."""
        with self.store.transaction(write=False) as tx:
            return catalog.settings(tx, self.actor)

    def set_setting(self, key: str, value: str) -> str:
        """Change a setting (managers); the value as stored."""
        with self.store.transaction() as tx:
            return catalog.set_setting(tx, self.actor, key, value, now=self.clock())

    # documents ------------------------------------------------------------------------
    def create_document(
        self,
        kind: str | DocumentKind,
        lines: Iterable[LineLike],
        *,
        location: str | None = None,
        partner: str | None = None,
        number: str | None = None,
        date: date | None = None,
        reference: str | None = None,
        origin: str | None = None,
        note: str | None = None,
        destination: str | None = None,
        allow_expired: bool = False,
        post: bool = True,
    ) -> DocumentView:
        """``allow_expired``: a manager lets a sale or transfer take units past their expiry."""
        header = HeaderInput(
            _kind(kind), location, partner, number, date, reference, origin, note, destination,
            allow_expired,
        )  # fmt: skip
        given = [_line(x, i) for i, x in enumerate(lines)]
        with self.store.transaction() as tx:
            document_id = documents.create(
                tx, self.actor, header, given, post=post, now=self.clock()
            )
            return queries.document(tx, self.actor, document_id, moves_limit=SUMMARY_MOVES)

    def receive(
        self, *, supplier: str, location: str, lines: Iterable[LineLike], **header: Any
    ) -> DocumentView:
        """A purchase receipt: serials come in from ``supplier`` to ``location``."""
        return self.create_document(
            DocumentKind.RECEIPT, lines, location=location, partner=supplier, **header
        )

    def opening_balance(
        self, *, location: str, lines: Iterable[LineLike], **header: Any
    ) -> DocumentView:
        return self.create_document(
            DocumentKind.OPENING_BALANCE, lines, location=location, **header
        )

    def sell(
        self,
        *,
        location: str,
        lines: Iterable[LineLike],
        customer: str | None = None,
        **header: Any,
    ) -> DocumentView:
        return self.create_document(
            DocumentKind.SALE, lines, location=location, partner=customer, **header
        )

    def return_to_supplier(
        self,
        *,
        supplier: str,
        location: str,
        lines: Iterable[LineLike],
        receipt: str | None = None,
        **header: Any,
    ) -> DocumentView:
        """A purchase return (debit note), optionally only of serials of ``receipt``."""
        return self.create_document(
            DocumentKind.PURCHASE_RETURN,
            lines,
            location=location,
            partner=supplier,
            origin=receipt,
            **header,
        )

    def return_from_customer(
        self,
        *,
        location: str,
        lines: Iterable[LineLike],
        customer: str | None = None,
        invoice: str | None = None,
        **header: Any,
    ) -> DocumentView:
        """A sales return (credit note), optionally only of serials sold on ``invoice``."""
        return self.create_document(
            DocumentKind.SALES_RETURN,
            lines,
            location=location,
            partner=customer,
            origin=invoice,
            **header,
        )

    def update_draft(
        self,
        document: DocumentRef,
        lines: Iterable[LineLike],
        *,
        location: str | None = None,
        partner: str | None = None,
        number: str | None = None,
        date: date | None = None,
        reference: str | None = None,
        origin: str | None = None,
        note: str | None = None,
        destination: str | None = None,
        kind: str | DocumentKind | None = None,
        allow_expired: bool = False,
        post: bool = False,
    ) -> DocumentView:
        """Replace a draft's header and lines; it keeps its id (and number, unless given).

        ``kind``, when given, must be the draft's: a draft's kind cannot change."""
        given = [_line(x, i) for i, x in enumerate(lines)]
        with self.store.transaction() as tx:
            document_id = self._id(tx, document)
            row = tx.documents.get(document_id)
            if row is None:
                raise NotFound(f"no document with id {document_id}")
            header = HeaderInput(
                _kind(kind) if kind else DocumentKind(row["kind"]), location, partner, number,
                date, reference, origin, note, destination, allow_expired,
            )  # fmt: skip
            documents.update_draft(tx, self.actor, document_id, header, given, post=post,
                                   now=self.clock())  # fmt: skip
            return queries.document(tx, self.actor, document_id, moves_limit=SUMMARY_MOVES)

    def post(self, document: DocumentRef) -> DocumentView:
        with self.store.transaction() as tx:
            document_id = self._id(tx, document)
            documents.post(tx, self.actor, document_id, now=self.clock())
            return queries.document(tx, self.actor, document_id, moves_limit=SUMMARY_MOVES)

    def cancel(self, document: DocumentRef) -> DocumentView:
        with self.store.transaction() as tx:
            document_id = self._id(tx, document)
            documents.cancel(tx, self.actor, document_id, now=self.clock())
            return queries.document(tx, self.actor, document_id, moves_limit=SUMMARY_MOVES)

    def delete_draft(self, document: DocumentRef) -> None:
        with self.store.transaction() as tx:
            documents.delete_draft(tx, self.actor, self._id(tx, document), now=self.clock())

    def document(self, document: DocumentRef, *, moves_limit: int | None = None) -> DocumentView:
        """The document with all its moves, or (``moves_limit``) a summary of a large one:
        at most that many moves, ``moves_total`` and each line's ``serials_total``.

        The answers of create, post and cancel are summaries past ``SUMMARY_MOVES`` moves;
        ``document_moves`` pages through the rest."""
        with self.store.transaction(write=False) as tx:
            return queries.document(tx, self.actor, self._id(tx, document), moves_limit=moves_limit)

    def document_moves(
        self, document: DocumentRef, *, after_id: int = 0, limit: int = SUMMARY_MOVES
    ) -> list[MoveView]:
        """A page of the document's moves after move ``after_id`` (a summary's
        ``moves_next_after``, then each page's last move's id)."""
        with self.store.transaction(write=False) as tx:
            return queries.document_moves(
                tx, self.actor, self._id(tx, document), after_id=after_id, limit=limit
            )

    def documents(
        self,
        *,
        kind: str | None = None,
        state: str | None = None,
        limit: int = 100,
        partner: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        before_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Documents, newest first; page with ``before_id`` = the last row's ``id``."""
        with self.store.transaction(write=False) as tx:
            return queries.documents(
                tx, self.actor, kind=kind, state=state, limit=limit, partner=partner,
                date_from=date_from, date_to=date_to, before_id=before_id,
            )  # fmt: skip

    def _id(self, tx: Any, document: DocumentRef) -> int:
        if isinstance(document, DocumentView):
            return document.id
        if isinstance(document, int) and not isinstance(document, bool):
            return document
        return queries.find_document(tx, self.actor, str(document))

    # queries --------------------------------------------------------------------------
    def serial(self, sku: str, code: str, *, history: bool = True) -> SerialView:
        with self.store.transaction(write=False) as tx:
            return queries.serial(
                tx, self.actor, sku, code, today=self.clock().date(), history=history
            )

    def serials(
        self, *, after_id: int = 0, limit: int = 100, sellable: bool = False, **filters: Any
    ) -> list[dict[str, Any]]:
        """One page of serials (keyset: pass the last row's ``id`` as ``after_id``).

        ``sellable`` leaves out units past their expiry date: what a picker may offer."""
        if sellable:
            filters["unexpired_on"] = self.clock().date()
        with self.store.transaction(write=False) as tx:
            f = queries.serial_filter(tx, **filters)
            return queries.serials(tx, self.actor, f, after_id=after_id, limit=limit)

    def report(self, **filters: Any) -> Iterator[tuple[Any, ...]]:
        """The product serial number report, streamed row by row (see ``REPORT_COLUMNS``):
        one row per serial, then one per part of each batch (``queries.report`` says which).

        The filters are all checked by this call, before it returns the stream: a refusal
        never comes from the stream after its first bytes went out."""
        with self.store.transaction(write=False) as tx:
            f = queries.prepare_report(tx, self.actor, **filters)
        return self._report_rows(f)

    def _report_rows(self, f: SerialFilter) -> Iterator[tuple[Any, ...]]:
        with self.store.transaction(write=False) as tx:
            yield from queries.report(tx, self.actor, f)

    def report_page(
        self, *, after: str | None = None, limit: int = 100, **filters: Any
    ) -> queries.ReportPage:
        """One page of ``report``, its rows as dicts (keyset: pass ``next_after`` as
        ``after``; it is None after the last page). The filters are ``report``'s."""
        with self.store.transaction(write=False) as tx:
            f = queries.prepare_report(tx, self.actor, **filters)
            return queries.report_page(tx, self.actor, f, after=after, limit=limit)

    def stock(self, *, sku: str | None = None, location: str | None = None) -> list[dict[str, Any]]:
        with self.store.transaction(write=False) as tx:
            return queries.stock(tx, self.actor, sku=sku, location=location)

    def import_serials(
        self,
        data: bytes,
        filename: str = "",
        *,
        location: str | None = None,
        supplier: str | None = None,
        number: str | None = None,
        reference: str | None = None,
        date: date | None = None,
        check_only: bool = False,
        on_row: Callable[[int], None] | None = None,
    ) -> imports.ImportResult:
        """Import a CSV/XLSX file of serials whole, or refuse it naming every bad row.

        Without ``supplier`` the rows become opening balances, with it receipts; one document
        per location. ``check_only`` checks everything and writes nothing.
        """
        from serialtrack.adapters.imports import read_rows

        read = read_rows(data, filename, on_row=on_row)
        target = imports.ImportTarget(location, supplier, number, reference, date)
        with self.store.transaction() as tx:
            return imports.import_serials(
                tx, self.actor, read, target, check_only=check_only, now=self.clock()
            )

    def parse_serials(self, text: str, where: str = "serials") -> list[str]:
        """Typed or pasted text (lists and ``A..B`` ranges) as codes; ``Invalid`` names each
        bad entry."""
        require(self.actor, Permission.READ)
        return list(parse_entry(text, where=where).codes)

    def rule_serials(
        self,
        *,
        start: int,
        count: int,
        prefix: str = "",
        increment: int = 1,
        width: int = 0,
        suffix: str = "",
        where: str = "rule",
    ) -> list[str]:
        """Codes from a numbering rule (seed 003)."""
        require(self.actor, Permission.READ)
        return rule_codes(prefix, start, increment, count, width, suffix, where=where)

    def import_template(self, *, xlsx: bool = False) -> bytes:
        """The bulk serial import template (CSV, or an XLSX workbook)."""
        from serialtrack.adapters.imports import template_csv, template_xlsx

        require(self.actor, Permission.READ)
        return template_xlsx() if xlsx else template_csv()

    def generate_serials(self, sku: str, count: int) -> list[str]:
        """``count`` new codes from the product's serial pattern (never handed out twice)."""
        with self.store.transaction() as tx:
            return serial_entry.generate(tx, self.actor, sku, count, now=self.clock())

    def scan(self, text: str) -> serial_entry.ScanResult:
        """Resolve a scanned code (plain, GS1 element string or Digital Link) to product + unit."""
        with self.store.transaction(write=False) as tx:
            return serial_entry.scan(tx, self.actor, text)

    def batches(
        self, *, sku: str | None = None, location: str | None = None
    ) -> list[dict[str, Any]]:
        """Batch quantities on hand: sku, code, expiry, location, quantity, expired."""
        with self.store.transaction(write=False) as tx:
            return queries.batches(
                tx, self.actor, today=self.clock().date(), sku=sku, location=location
            )

    def warranty_ending(
        self, days: int = 30, *, side: str = "customer", sku: str | None = None
    ) -> list[warranty_expiry.WarrantyRow]:
        """Units whose customer warranty (``side="supplier"``: supplier warranty) ends within
        ``days`` days, soonest first, with customer and invoice (or supplier and receipt)."""
        with self.store.transaction(write=False) as tx:
            return warranty_expiry.warranty_ending(
                tx, self.actor, days=days, side=side, sku=sku, today=self.clock().date()
            )

    def expiring(
        self, days: int = 30, *, location: str | None = None, sku: str | None = None
    ) -> list[warranty_expiry.ExpiringRow]:
        """Serials and batch parts in the stores expiring within ``days`` days, or reaching
        their ``alert`` date (the product's alert days before expiry) within them, and those
        expired already (``expired``), soonest first."""
        with self.store.transaction(write=False) as tx:
            return warranty_expiry.expiring(
                tx, self.actor, days=days, location=location, sku=sku, today=self.clock().date()
            )

    def batch(self, sku: str, code: str) -> batch_enquiry.BatchView:
        """A batch code's enquiry: product, expiry, where its parts are now (per store, in
        transit, with which customer or supplier, written off) and every move of it."""
        with self.store.transaction(write=False) as tx:
            return batch_enquiry.batch(tx, self.actor, sku, code, today=self.clock().date())

    def discrepancies(self, state: str = "all", *, limit: int = 1000) -> list[Discrepancy]:
        """What to investigate: serials sold without a receipt, count differences; ``open``,
        ``resolved`` or ``all`` (each with who resolved it, when and how)."""
        return list(self.discrepancies_by_state(state, limit=limit))

    def check(self) -> list[str]:
        """Replay the ledger and compare with the current state; return every disagreement,
        each naming product, serial, document and location (an empty list: the books agree)."""
        return [finding.message for finding in self.findings()]

    def findings(self, progress: Callable[[str], None] | None = None) -> list[ledger_check.Finding]:
        """``check`` with the class of each finding (chain, serial, quantity, document, ...)."""
        with self.store.transaction(write=False) as tx:
            return list(ledger_check.findings(tx, self.actor, progress=progress))


def _kind(kind: str | DocumentKind) -> DocumentKind:
    try:
        return DocumentKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in DocumentKind)
        raise Invalid(
            f"no document kind {kind!r}; kinds are {kinds}", [Problem("kind", str(kind))]
        ) from None


def _line(value: LineLike, index: int) -> LineInput:
    """Accept ``LineInput``, ``{"sku", "quantity", "serials", "batches", "expiry",
    "warranty_days", "components", "batch"}`` or ``(sku, serials | quantity)``; a bundle's
    ``components`` are lines of its parts in the same forms; ``batch`` is the batch of a
    serial+batch line's new units."""
    if isinstance(value, LineInput):
        return value
    if isinstance(value, Mapping):
        serials = value.get("serials") or ()
        where = f"lines[{index}]"
        return LineInput(
            str(value.get("sku", "")),
            value.get("quantity"),
            _codes(serials, index),
            _batches(value.get("batches") or (), where),
            _date(value.get("expiry"), f"{where}.expiry"),
            value.get("warranty_days"),
            tuple(_line(part, index) for part in value.get("components") or ()),
            value.get("batch"),
        )
    if isinstance(value, tuple) and len(value) == 2:
        sku, what = value
        if isinstance(what, int):
            return LineInput(sku, what)
        return LineInput(sku, None, _codes(what, index))
    raise Invalid(
        "a line is a Line, a mapping or (sku, serials | quantity)",
        [Problem(f"lines[{index}]", repr(value)[:80])],
    )


def _unit(value: Any, index: int) -> UnitInput:
    """A unit to assemble: ``UnitInput``, ``{"serial", "parts", "components"}`` or its parts'
    serials."""
    if isinstance(value, UnitInput):
        return value
    if isinstance(value, Mapping):
        parts = value.get("parts") or ()
        return UnitInput(
            value.get("serial"),
            _codes(parts, index),
            tuple(_line(part, index) for part in value.get("components") or ()),
        )
    if isinstance(value, (list, tuple)):
        return UnitInput(None, _codes(value, index))
    raise Invalid(
        "a unit is its parts' serials or {serial, parts}",
        [Problem(f"units[{index}]", repr(value)[:80])],
    )


def _batches(given: Any, where: str) -> tuple[BatchInput, ...]:
    """Batches as ``BatchInput``, ``{"code", "quantity", "expiry"}`` or ``(code, quantity)``."""
    found = []
    for position, batch in enumerate(given):
        at = f"{where}.batches[{position}]"
        if isinstance(batch, BatchInput):
            found.append(batch)
        elif isinstance(batch, Mapping):
            expiry = _date(batch.get("expiry"), f"{at}.expiry")
            code = batch.get("code")  # none (or "auto"): the product's pattern gives it
            found.append(BatchInput("" if code is None else str(code), batch.get("quantity"),
                                    expiry))  # fmt: skip
        elif isinstance(batch, tuple) and len(batch) in (2, 3):
            expiry = _date(batch[2], f"{at}.expiry") if len(batch) == 3 else None
            found.append(BatchInput("" if batch[0] is None else str(batch[0]), batch[1], expiry))
        else:
            raise Invalid("a batch is a code with a quantity", [Problem(at, repr(batch)[:80])])
    return tuple(found)


def _date(value: Any, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Invalid("a date is YYYY-MM-DD", [Problem(where, repr(value)[:40])]) from None


def _codes(serials: Any, index: int) -> tuple[str, ...]:
    """A list of codes as given, or typed/pasted text: codes and ``A..B`` ranges."""
    if isinstance(serials, str):
        return parse_entry(serials, where=f"lines[{index}].serials").codes
    if not isinstance(serials, Sequence | set | frozenset):
        raise Invalid(
            "serials are a list of codes", [Problem(f"lines[{index}].serials", "not a list")]
        )
    return tuple(serials)
