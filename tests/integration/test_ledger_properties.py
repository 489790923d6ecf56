"""Random sequences of documents and cancellations keep the ledger's promises.

The documents: receipts, opening balances, sales (posted or drafts; of bundles too: a phone
and a cable per kit, returned whole or the phones alone with a reason; boxed phones assembled
ahead into units of their own, sold, returned and taken apart), sales and purchase
returns (of serials, and of quantities and batches, naming their invoice or receipt or not,
sometimes of more than went out; refunds by scan of serials or of a sale's number), transfers
(dispatch, partial or whole receipts, one step), write-offs (sales, transfers and write-offs
sometimes naming serials never received, adopted through an adjustment when the shop allows
it), inventory counts (of serials, of quantities and batches), batch receipts, sales and
transfers, serial corrections beside them, and documents dated some days back (or, refused,
before 1900 or years ahead).

After every step ``Inventory.check()`` finds nothing, and the test's own replay agrees: each
serial is in exactly one place and that place is the one the ledger replay gives; each serial's
effective moves form an unbroken chain (so no unit is sold twice or taken from where it is
not); statuses follow from places; quantities match their moves and are never negative in a
store, batch quantities likewise; what is in transit is exactly what posted dispatches sent and
their receipts did not take.

Beside the ledger the test keeps its own model of what each customer and each invoice still
holds of every quantity product and batch (sold minus returned), and likewise each supplier
and receipt. A return within those holdings (and, to a supplier, within the store's stock on
every day from its date on) is accepted; one beyond them is refused and writes nothing; a sale
or receipt is not cancelled while that would leave its partner holding less than nothing or
leave returns naming it. At the end, cancelling everything in reverse returns to empty.
"""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from itertools import pairwise
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import case, func, select

import serialtrack
from builders import shop, snapshot
from serialtrack import SerialtrackError
from serialtrack.adapters.db.tables import (
    batch_quants,
    batches,
    documents,
    locations,
    moves,
    products,
    quants,
    serials,
)
from serialtrack.domain.model import LineInput, LocationKind, status_for
from serialtrack.inventory import Inventory
from templates import initialized

CODES = st.lists(
    st.sampled_from(["A1", "A2", "A3", "B1", "B2", "C1"]), min_size=1, max_size=3, unique=True
)
STORES = st.sampled_from(["Store", "Warehouse"])
SUPPLIERS = st.sampled_from(["Acme", "Globex"])
CUSTOMERS = st.sampled_from(["Alice", "Bob", None])
NEW_CODES = st.sampled_from(["A1", "A2", "B1", "D1", "D2"])  # often taken, on purpose
BATCHES = st.sampled_from(["L1", "L2"])
# Serial+batch vials: each unit in a batch, each batch with its expiry (GS1 scans carry both).
VIALS = st.lists(st.sampled_from(["V1", "V2", "V3", "V4"]), min_size=1, max_size=3, unique=True)
VIAL_GTIN = "09506000134369"
LOT_EXPIRY = {"L1": date(2030, 1, 31), "L2": date(2030, 6, 30)}
# Days before today a document is dated: today two times in three, else up to ten days back.
DAYS = st.one_of(st.just(0), st.just(0), st.integers(1, 10))

SOMETIMES = st.integers(0, 3).map(lambda n: n == 0)  # a draft, one time in four
RETURN_ARGS = {
    "data": st.data(),
    "store": STORES,
    "by_origin": st.booleans(),
    "days": DAYS,
    "draft": SOMETIMES,
}

Goods = tuple[str, str | None]  # (sku, batch code): a quantity product or one of its batches
GOODS: list[Goods] = [("CABLE", None), ("PILLS", "L1"), ("PILLS", "L2")]
# A delivering kind, its return kind and the side's word.
SIDES = {"customer": ("sale", "sales_return"), "supplier": ("receipt", "purchase_return")}
ACCEPT, REFUSE = "accept", "refuse"


def other(store: str) -> str:
    return "Warehouse" if store == "Store" else "Store"


def phones_and_cables(codes: list[str], cables: int) -> list[tuple[str, object]]:
    return [("PHONE", codes)] + ([("CABLE", cables)] if cables else [])


def goods_line(goods: Goods, quantity: int) -> object:
    sku, batch = goods
    return (sku, quantity) if batch is None else {"sku": sku, "batches": [(batch, quantity)]}


def goods_of(lines: list[Any]) -> Counter[Goods]:
    """The quantity and batch goods of some lines (serial lines aside)."""
    out: Counter[Goods] = Counter()
    for line in lines:
        if isinstance(line, dict) and line["sku"] == "KIT":  # a bundle: a phone and a cable
            out[("CABLE", None)] += kit_cables(line)
        elif isinstance(line, dict):
            for code, quantity in line["batches"]:
                out[(line["sku"], code)] += quantity
        elif isinstance(line[1], int):
            out[(line[0], None)] += line[1]
    return out


def kit_cables(line: dict[str, Any]) -> int:
    """The cables a KIT line moves: one per kit, or as many as its components say."""
    for part in line.get("components", ()):
        if part["sku"] == "CABLE":
            return int(part["quantity"])
    if line.get("components"):
        return 0
    return int(line.get("quantity") or len(line.get("serials", ())))


@dataclass
class Doc:
    """What the test asked of a sale, receipt or return (the model's own record)."""

    kind: str
    partner: str | None
    origin: str | None
    store: str
    day: date
    goods: Counter[Goods] = field(default_factory=Counter)


def side_of(kind: str) -> str:
    return "customer" if kind in SIDES["customer"] else "supplier"


class Ledger(RuleBasedStateMachine):
    open_url: ClassVar[Callable[[], tuple[str, Callable[[], None]]]]

    def __init__(self) -> None:
        super().__init__()
        url, self._cleanup = type(self).open_url()  # a database with shop() in it
        self.inv = serialtrack.open(url)
        self.today = self.inv.clock().date()
        self.posted: list[str] = []
        self.drafts: list[str] = []
        self.docs: dict[str, Doc] = {}  # every sale, receipt and return made, by number
        self.cancelled_any = False
        self.unknown_allowed = False  # the setting unknown_serials_at_sale
        self.lots: dict[str, str] = {}  # each vial's batch, from the receipt that created it

    def day(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def attempt(
        self,
        action: Callable[[], serialtrack.DocumentView],
        *,
        lines: list[Any] | None = None,
        expect: str | None = None,
        why: str = "",
    ) -> serialtrack.DocumentView | None:
        """Run ``action``; a refusal must write nothing. ``expect``: the model's verdict."""
        before = snapshot(self.inv)
        adjusted = self.adjustments() if self.unknown_allowed else set()
        try:
            document = action()
        except SerialtrackError as error:
            refusal = error
        else:
            refusal = None
        if refusal is not None:
            assert snapshot(self.inv) == before, "a refusal wrote something"
            assert expect != ACCEPT, f"refused, though {why}: {refusal}"
            return None
        assert expect != REFUSE, f"{document.number} was accepted, though {why}"
        if self.unknown_allowed:  # serials never received came in through an adjustment
            self.posted += sorted(self.adjustments() - adjusted)
        (self.posted if document.state.value == "posted" else self.drafts).append(document.number)
        kind = document.kind.value
        if kind in SIDES[side_of(kind)]:
            store = document.to_location if kind in ("receipt", "sales_return") else None
            self.docs[document.number] = Doc(
                kind, document.partner, document.origin, store or document.from_location,
                document.date, goods_of(lines or []),
            )  # fmt: skip
        return document

    def adjustments(self) -> set[str]:
        return {d["number"] for d in self.inv.documents(kind="adjustment", limit=1000)}

    @rule(allow=st.booleans())
    def unknown_serials(self, allow: bool) -> None:
        """The shop lets a sale, transfer or write-off name a serial never received (it comes
        in through an adjustment first), or not."""
        self.inv.set_setting("unknown_serials_at_sale", "allow" if allow else "refuse")
        self.unknown_allowed = allow

    # the model: what partners and documents still hold ------------------------------------
    def live(self, kind: str) -> list[tuple[str, Doc]]:
        return [
            (n, self.docs[n]) for n in self.posted if n in self.docs and self.docs[n].kind == kind
        ]

    def held(self, side: str, partner: str | None, goods: Goods) -> int:
        """What ``partner`` (None: walk-in customers) holds: delivered minus returned."""
        out, back = SIDES[side]
        delivered = sum(d.goods[goods] for _, d in self.live(out) if d.partner == partner)
        returned = sum(d.goods[goods] for _, d in self.live(back) if d.partner == partner)
        return delivered - returned

    def held_by(self, origin: str, goods: Goods) -> int:
        """What is left of what document ``origin`` delivered after the returns naming it."""
        doc = self.docs[origin]
        _, back = SIDES[side_of(doc.kind)]
        delivered = doc.goods[goods] if origin in self.posted else 0
        return delivered - sum(d.goods[goods] for _, d in self.live(back) if d.origin == origin)

    def stock_from(self, store: str, goods: Goods, day: date) -> int:
        """The least ``store`` holds of ``goods`` at the end of any day from ``day`` on."""
        rows = dated_nets(self.inv, store, goods)
        low = running = sum(net for on, net in rows if on < day)
        if any(on == day for on, _ in rows):
            low = None
        for on, net in rows:
            if on >= day:
                running += net
                low = running if low is None else min(low, running)
        return running if low is None else low

    def return_header(
        self, side: str, partner: str | None, origin: str | None
    ) -> tuple[str | None, str | None]:
        """(why the header is refused or None, the partner the return is with)."""
        if origin is not None:
            named = self.docs[origin]
            if origin not in self.posted:
                return f"it names {origin}, which is not posted", None
            if partner is not None and named.partner not in (None, partner):
                return f"{origin} is with {named.partner}, not {partner}", None
            if partner is not None and named.partner is None:
                return f"{origin} was a walk-in sale, not a sale to {partner}", None
            partner = named.partner if partner is None else partner
        if side == "supplier" and partner is None:
            return "a purchase return names its supplier", None
        return None, partner

    def within(
        self, side: str, who: str | None, origin: str | None, goods: Goods, on: date, store: str
    ) -> int:
        """The most of ``goods`` a return may take back."""
        most = self.held(side, who, goods)
        if origin is not None:
            most = min(most, self.held_by(origin, goods))
        if side == "supplier":
            most = min(most, self.stock_from(store, goods, on))
        return most

    def verdict(self, doc: Doc) -> tuple[str, str]:
        """Must posting this return be accepted or refused, and why."""
        problem, partner = self.return_header(side_of(doc.kind), doc.partner, doc.origin)
        if problem:
            return REFUSE, problem
        for goods, quantity in doc.goods.items():
            most = self.within(side_of(doc.kind), partner, doc.origin, goods, doc.day, doc.store)
            if quantity > most:
                return REFUSE, (
                    f"{quantity} {goods} are returned but {partner or 'walk-in'}"
                    f"{' on ' + doc.origin if doc.origin else ''} (stock at {doc.store} from "
                    f"{doc.day} included for suppliers) allows only {most}"
                )
        return ACCEPT, (
            f"{dict(doc.goods)} is within what {partner or 'walk-in'}"
            f"{' on ' + doc.origin if doc.origin else ''} holds (dated {doc.day})"
        )

    def cancel_verdict(self, number: str) -> tuple[str | None, str]:
        """A sale or receipt whose cancelling would leave its partner holding less than
        nothing, or returns naming it, must be refused (otherwise: not predicted)."""
        doc = self.docs.get(number)
        if doc is None or doc.kind not in ("sale", "receipt"):
            return None, ""
        side = side_of(doc.kind)
        for goods, quantity in doc.goods.items():
            if quantity and self.held(side, doc.partner, goods) < quantity:
                return REFUSE, f"{doc.partner or 'walk-in'} holds less than its {quantity} {goods}"
        _, back = SIDES[side]
        for returned, d in self.live(back):
            if d.origin == number and +d.goods:
                return REFUSE, f"{returned} returns {dict(d.goods)} against it"
        return None, ""

    # documents ----------------------------------------------------------------------------
    @initialize(data=st.data())
    def stock_up(self, data: st.DataObject) -> None:
        """Each store starts with cables and both batches from a supplier, dated ten days back
        (so back-dated sales have something to take), and sells some to a customer; half the
        shops take serials never received."""
        self.unknown_serials(data.draw(st.booleans()))
        self.inv.add_product("KIT", "Phone kit", "none")
        self.inv.add_product("VIAL", "Vial", "serial+batch", gtin=VIAL_GTIN)
        self.inv.set_components("KIT", [("PHONE", 1), ("CABLE", 1)])
        self.inv.add_product("BOXED", "Boxed phone", "serial", serial_pattern="BX{seq:03}")
        self.inv.set_components("BOXED", [("PHONE", 1), ("CABLE", 1)])
        for supplier, store, customer in (
            ("Acme", "Store", "Alice"),
            ("Globex", "Warehouse", None),
        ):
            lines = [goods_line(g, data.draw(st.integers(2, 6))) for g in GOODS]
            receive = partial(self.inv.receive, supplier=supplier, location=store, lines=lines)
            self.attempt(
                partial(receive, date=self.day(10)),
                lines=lines,
                expect=ACCEPT,
                why="it is the first receipt",
            )
            sold = [goods_line(g, data.draw(st.integers(1, 2))) for g in GOODS[:2]]
            sell = partial(self.inv.sell, customer=customer, location=store, lines=sold)
            self.attempt(
                partial(sell, date=self.day(data.draw(DAYS))),
                lines=sold,
                expect=ACCEPT,
                why="it sells less than came in ten days before",
            )

    @rule(codes=CODES, store=STORES, supplier=SUPPLIERS, cables=st.integers(0, 3), days=DAYS)
    def receive(self, codes: list[str], store: str, supplier: str, cables: int, days: int) -> None:
        lines = phones_and_cables(codes, cables)
        self.attempt(
            lambda: self.inv.receive(
                supplier=supplier, location=store, lines=lines, date=self.day(days)
            ),
            lines=lines,
        )

    @rule(codes=VIALS, lot=BATCHES, store=STORES, days=DAYS, scan=st.booleans())
    def receive_vials(self, codes: list[str], lot: str, store: str, days: int, scan: bool) -> None:
        """Serial+batch units, the batch typed on the line or carried by GS1 scans; a unit
        known already keeps its batch (another batch is refused)."""
        expiry = LOT_EXPIRY[lot]
        if scan:
            gs1 = tuple(f"(01){VIAL_GTIN}(10){lot}(17){expiry:%y%m%d}(21){c}" for c in codes)
            line = LineInput("VIAL", serials=gs1)
        else:
            line = LineInput("VIAL", serials=tuple(codes), batch=lot, expiry=expiry)
        clash = any(self.lots.get(c, lot) != lot for c in codes)
        done = self.attempt(
            lambda: self.inv.receive(
                supplier="Acme", location=store, lines=[line], date=self.day(days)
            ),
            expect=REFUSE if clash else None,
            why="a unit keeps the batch it first came in with",
        )
        if done is not None:
            for code in codes:
                self.lots.setdefault(code, lot)

    @rule(codes=VIALS, lot=BATCHES, store=STORES, scanned=st.integers(0, 3), stray=st.booleans())
    def receive_notice(
        self, codes: list[str], lot: str, store: str, scanned: int, stray: bool
    ) -> None:
        """A receipt opened from a supplier's notice of vials, received by scanning GS1 labels
        (some, perhaps one not on the notice: refused), posted with what was scanned."""
        expiry = LOT_EXPIRY[lot]
        before = snapshot(self.inv)
        try:
            notice = [("VIAL", codes)]
            draft = self.inv.expect_receipt(
                supplier="Globex", location=store, lines=notice, batch=lot, expiry=expiry
            )
        except SerialtrackError:
            assert snapshot(self.inv) == before, "a refused notice wrote something"
            return
        label = f"(01){VIAL_GTIN}(10){lot}(17){expiry:%y%m%d}(21)"
        arrived = [c for c in codes[:scanned] if self.lots.get(c, lot) == lot]
        for code in [*codes[:scanned], *(["V9"] if stray else [])]:
            try:
                self.inv.receive_scan(draft, label + code)
            except SerialtrackError:
                if code in arrived and not self.inv.serials(sku="VIAL", text=code, limit=1):
                    raise  # a unit on the notice, new to the books, must be taken
                arrived = [c for c in arrived if c != code]
        try:
            posted = self.inv.post_received(draft)
        except SerialtrackError:
            self.inv.delete_draft(draft.number)
            assert snapshot(self.inv) == before, "a notice not posted left something behind"
            return
        self.posted.append(posted.number)
        received = {c for line in posted.lines for c in line["serials"]}
        assert "V9" not in received, "an unexpected serial was taken though the shop refuses"
        for code in received:
            self.lots.setdefault(code, lot)

    @rule(data=st.data(), store=STORES, customer=CUSTOMERS, days=DAYS)
    def sell_vials(self, data: st.DataObject, store: str, customer: str | None, days: int) -> None:
        rows = self.inv.serials(sku="VIAL", location=store, status="in_stock", limit=100)
        there = sorted(r["serial"] for r in rows)
        if there:
            codes = data.draw(st.lists(st.sampled_from(there), min_size=1, max_size=2, unique=True))
            lines = [("VIAL", codes)]
            self.attempt(
                lambda: self.inv.sell(
                    customer=customer, location=store, lines=lines, date=self.day(days)
                )
            )

    @rule(codes=CODES, store=STORES, days=DAYS)
    def opening_balance(self, codes: list[str], store: str, days: int) -> None:
        lines = [("PHONE", codes)]
        self.attempt(
            lambda: self.inv.opening_balance(location=store, lines=lines, date=self.day(days))
        )

    def taking(self, data: st.DataObject, store: str) -> list[str]:
        """Codes to sell, transfer or write off from ``store``: what ``pick`` gives and, while
        the shop takes serials never received, sometimes one nobody has seen yet."""
        codes = self.pick(data, "in_stock", store)
        if self.unknown_allowed and data.draw(st.booleans()):
            codes.append(f"N{data.draw(st.integers(1, 99))}")
        return codes

    def pick(self, data: st.DataObject, status: str, store: str | None = None) -> list[str]:
        """Mostly codes that are in ``status`` (so steps succeed), sometimes any code."""
        rows = self.inv.serials(status=status, location=store, limit=1000)
        likely = sorted({r["serial"] for r in rows})
        if likely and data.draw(st.integers(0, 4)) > 0:
            return data.draw(st.lists(st.sampled_from(likely), min_size=1, max_size=3, unique=True))
        return data.draw(CODES)

    @rule(
        data=st.data(),
        store=STORES,
        customer=CUSTOMERS,
        cables=st.integers(0, 2),
        draft=st.booleans(),
        days=DAYS,
    )
    def sell(
        self,
        data: st.DataObject,
        store: str,
        customer: str | None,
        cables: int,
        draft: bool,
        days: int,
    ) -> None:
        lines = phones_and_cables(self.taking(data, store), cables)
        self.attempt(
            lambda: self.inv.sell(
                customer=customer, location=store, lines=lines, post=not draft, date=self.day(days)
            ),
            lines=lines,
        )

    @rule(data=st.data(), store=STORES, customer=CUSTOMERS, days=DAYS)
    def sales_return(
        self, data: st.DataObject, store: str, customer: str | None, days: int
    ) -> None:
        lines = [("PHONE", self.pick(data, "sold"))]
        self.attempt(
            lambda: self.inv.return_from_customer(
                customer=customer, location=store, lines=lines, date=self.day(days)
            ),
            lines=lines,
        )

    @rule(data=st.data(), store=STORES, slip=st.booleans())
    def refund(self, data: st.DataObject, store: str, slip: bool) -> None:
        """Refund by scan: sold serials (or a sale's number, as scanned from its slip) come
        back, one sales return per invoice; refused whole, writing nothing."""
        sales = [n for n in self.posted if n.startswith("SO-")]
        scans = [data.draw(st.sampled_from(sales))] if slip and sales else self.pick(data, "sold")
        before = snapshot(self.inv)
        try:
            made = self.inv.refund(scans, location=store, reason="defective")
        except SerialtrackError:
            assert snapshot(self.inv) == before, "a refused refund wrote something"
            return
        for d in made:
            self.posted.append(d.number)
            self.docs[d.number] = Doc("sales_return", d.partner, d.origin, store, d.date)

    @rule(data=st.data(), store=STORES, customer=CUSTOMERS, draft=SOMETIMES, days=DAYS)
    def sell_bundle(
        self, data: st.DataObject, store: str, customer: str | None, draft: bool, days: int
    ) -> None:
        """Kits of a phone and a cable: the phones scanned, a cable each moved with them."""
        codes = self.taking(data, store)
        lines = [{"sku": "KIT", "quantity": len(codes), "serials": codes}]
        self.attempt(
            lambda: self.inv.sell(
                customer=customer, location=store, lines=lines, post=not draft, date=self.day(days)
            ),
            lines=lines,
        )

    @rule(data=st.data(), store=STORES, customer=CUSTOMERS, whole=st.booleans(), days=DAYS)
    def return_bundle(
        self, data: st.DataObject, store: str, customer: str | None, whole: bool, days: int
    ) -> None:
        """Kits back: whole (phone and cable), or the phones alone, with a reason."""
        codes = self.pick(data, "sold")
        if whole:
            line: dict[str, Any] = {"sku": "KIT", "serials": codes}
        else:
            line = {"sku": "KIT", "components": [{"sku": "PHONE", "serials": codes},
                                                 {"sku": "CABLE", "quantity": 0}]}  # fmt: skip
        lines = [line]
        self.attempt(
            lambda: self.inv.return_from_customer(
                customer=customer, location=store, lines=lines, date=self.day(days),
                note=None if whole else "customer keeps the cable",
            ),
            lines=lines,
        )  # fmt: skip

    def units_of(self, sku: str, status: str, store: str | None = None) -> list[str]:
        rows = self.inv.serials(sku=sku, status=status, location=store, limit=1000)
        return sorted(r["serial"] for r in rows)

    @rule(data=st.data(), store=STORES, days=DAYS, again=st.booleans())
    def assemble(self, data: st.DataObject, store: str, days: int, again: bool) -> None:
        """Boxed phones (a phone and a cable each) assembled ahead into stock: new units, or
        (``again``) units taken apart before, put together from other parts."""
        in_stock = self.units_of("PHONE", "in_stock", store)
        phones = (
            data.draw(st.lists(st.sampled_from(in_stock), min_size=1, max_size=2, unique=True))
            if in_stock else data.draw(CODES)
        )  # fmt: skip
        apart = self.units_of("BOXED", "assembled") if again else []
        serials = (
            data.draw(st.lists(st.sampled_from(apart), max_size=len(phones), unique=True))
            if apart else []
        )  # fmt: skip
        units = [
            {"serial": serial, "parts": [phone]}
            for phone, serial in zip(phones, serials + [None] * len(phones), strict=False)
        ]
        made = self.attempt(
            lambda: self.inv.assemble("BOXED", location=store, units=units, date=self.day(days))
        )
        if made is not None:  # it moved cables: the unwind may find it blocked by them
            self.docs[made.number] = Doc("assembly", None, None, store, made.date,
                                         Counter({("CABLE", None): len(units)}))  # fmt: skip

    @rule(data=st.data(), store=STORES, days=DAYS, where=st.booleans())
    def disassemble(self, data: st.DataObject, store: str, days: int, where: bool) -> None:
        """Boxed phones taken apart, mostly where they are (``where``), else anywhere."""
        rows = self.inv.serials(sku="BOXED", status="in_stock", limit=1000)
        if where and rows:
            store = data.draw(st.sampled_from(sorted({r["location"] for r in rows})))
        units = sorted(r["serial"] for r in rows if r["location"] == store) or ["BX999"]
        codes = data.draw(st.lists(st.sampled_from(units), min_size=1, max_size=2, unique=True))
        taken = self.attempt(
            lambda: self.inv.disassemble("BOXED", codes, location=store, date=self.day(days))
        )
        if taken is not None:
            self.docs[taken.number] = Doc("disassembly", None, None, store, taken.date,
                                          Counter({("CABLE", None): len(codes)}))  # fmt: skip

    @rule(data=st.data(), store=STORES, customer=CUSTOMERS, days=DAYS)
    def sell_boxed(self, data: st.DataObject, store: str, customer: str | None, days: int) -> None:
        units = self.units_of("BOXED", "in_stock", store) or ["BX999"]
        lines = [("BOXED", data.draw(st.lists(st.sampled_from(units), min_size=1, max_size=2,
                                               unique=True)))]  # fmt: skip
        self.attempt(
            lambda: self.inv.sell(customer=customer, location=store, lines=lines,
                                  date=self.day(days)),
            lines=lines,
        )  # fmt: skip

    @rule(data=st.data(), store=STORES, days=DAYS)
    def return_boxed(self, data: st.DataObject, store: str, days: int) -> None:
        units = self.units_of("BOXED", "sold") or ["BX999"]
        code = data.draw(st.sampled_from(units))
        lines = [("BOXED", [code])]
        sold = self.inv.serials(sku="BOXED", text=code, limit=1)
        customer = sold[0]["customer"] if sold else None
        self.attempt(
            lambda: self.inv.return_from_customer(customer=customer, location=store, lines=lines,
                                                  date=self.day(days)),
            lines=lines,
        )  # fmt: skip

    @rule(data=st.data(), store=STORES, supplier=SUPPLIERS, days=DAYS)
    def purchase_return(self, data: st.DataObject, store: str, supplier: str, days: int) -> None:
        lines = [("PHONE", self.pick(data, "in_stock", store))]
        self.attempt(
            lambda: self.inv.return_to_supplier(
                supplier=supplier, location=store, lines=lines, date=self.day(days)
            ),
            lines=lines,
        )

    @rule(**RETURN_ARGS)
    def quantity_sales_return(
        self, data: st.DataObject, store: str, by_origin: bool, days: int, draft: bool
    ) -> None:
        self.quantity_return(data, "customer", store, by_origin, days, draft)

    @rule(**RETURN_ARGS)
    def quantity_purchase_return(
        self, data: st.DataObject, store: str, by_origin: bool, days: int, draft: bool
    ) -> None:
        self.quantity_return(data, "supplier", store, by_origin, days, draft)

    def quantity_return(
        self, data: st.DataObject, side: str, store: str, by_origin: bool, days: int, draft: bool
    ) -> None:
        """Cables or a batch back from a customer or to a supplier, naming the invoice or
        receipt or not, half the time within what is held, else beyond it."""
        out, back = SIDES[side]
        origins = sorted(n for n, d in self.docs.items() if d.kind == out)
        holding = sorted(n for n, d in self.live(out) if +d.goods)
        if holding and data.draw(st.integers(0, 4)) > 0:
            origins = holding  # mostly a posted one that delivered goods, else any (drafts too)
        origin = data.draw(st.sampled_from(origins)) if by_origin and origins else None
        anyone = CUSTOMERS if side == "customer" else SUPPLIERS
        given = anyone if origin is None else st.one_of(
            st.just(self.docs[origin].partner), st.none(), anyone
        )  # fmt: skip
        partner = data.draw(given)
        problem, effective = self.return_header(side, partner, origin)
        goods = self.draw_goods(data, side, effective, origin)
        most = max(self.within(side, effective, origin, goods, self.day(days), store), 0)
        quantity = data.draw(
            st.one_of(st.integers(1, max(most, 1)), st.integers(most + 1, most + 2))
        )
        lines = [goods_line(goods, quantity)]
        doc = Doc(back, partner, origin, store, self.day(days), Counter({goods: quantity}))
        expect, why = (REFUSE, problem) if problem else (None, "") if draft else self.verdict(doc)
        header: dict[str, Any] = {"date": doc.day, "post": not draft, "location": store}
        if side == "customer":
            action = lambda: self.inv.return_from_customer(  # noqa: E731
                customer=partner, invoice=origin, lines=lines, **header
            )
        else:
            action = lambda: self.inv.return_to_supplier(  # noqa: E731
                supplier=partner, receipt=origin, lines=lines, **header
            )
        document = self.attempt(action, lines=lines, expect=expect, why=why)
        if document is not None:
            assert document.partner == effective, (document.partner, effective)

    def draw_goods(
        self, data: st.DataObject, side: str, partner: str | None, origin: str | None
    ) -> Goods:
        """Mostly goods the partner (or origin) holds, sometimes any."""
        likely = [
            g for g in GOODS
            if (self.held_by(origin, g) if origin else self.held(side, partner, g)) > 0
        ]  # fmt: skip
        if likely and data.draw(st.integers(0, 4)) > 0:
            return data.draw(st.sampled_from(likely))
        return data.draw(st.sampled_from(GOODS))

    @rule(old=st.booleans(), store=STORES, sale=st.booleans(), draft=st.booleans())
    def out_of_range_date(self, old: bool, store: str, sale: bool, draft: bool) -> None:
        """Dated before 1900 or more than a year ahead: refused, posted or draft."""
        day = date(1899, 12, 31) if old else self.today + timedelta(days=400)
        lines: list[Any] = [("CABLE", 1)]
        header: dict[str, Any] = {"location": store, "lines": lines, "date": day, "post": not draft}
        action = (
            (lambda: self.inv.sell(**header))
            if sale
            else (lambda: self.inv.receive(supplier="Acme", **header))
        )
        self.attempt(action, lines=lines, expect=REFUSE, why=f"it is dated {day}")

    def has_stock(self) -> bool:
        return bool(self.inv.serials(status="in_stock", limit=1))

    def stocked(self, data: st.DataObject) -> tuple[str, list[str]]:
        """A store that has phones in stock (when one has) and some codes to take from it."""
        rows = self.inv.serials(status="in_stock", limit=1000)
        store = data.draw(st.sampled_from(sorted({r["location"] for r in rows}) or ["Store"]))
        return store, self.taking(data, store)

    @precondition(lambda self: self.has_stock())
    @rule(data=st.data(), cables=st.integers(0, 2), draft=st.booleans(), days=DAYS)
    def dispatch(self, data: st.DataObject, cables: int, draft: bool, days: int) -> None:
        store, codes = self.stocked(data)
        lines = phones_and_cables(codes, cables)
        self.attempt(
            lambda: self.inv.dispatch(
                source=store, destination=other(store), lines=lines, post=not draft,
                date=self.day(days),
            )
        )  # fmt: skip

    @precondition(lambda self: any(n.startswith("TR-") for n in self.posted))
    @rule(
        data=st.data(),
        cables=st.integers(0, 2),
        whole=st.booleans(),
        draft=st.booleans(),
        days=DAYS,
    )
    def receive_transfer(
        self, data: st.DataObject, cables: int, whole: bool, draft: bool, days: int
    ) -> None:
        """A posted dispatch: all that is still on the way, or some serials in transit (maybe
        on another dispatch) and cables."""
        number = data.draw(st.sampled_from([n for n in self.posted if n.startswith("TR-")]))
        lines = None if whole else phones_and_cables(self.pick(data, "in_transit"), cables)
        self.attempt(
            lambda: self.inv.receive_transfer(
                dispatch=number, lines=lines, post=not draft, date=self.day(days)
            )
        )

    @precondition(lambda self: self.has_stock())
    @rule(data=st.data(), cables=st.integers(0, 2), draft=st.booleans(), days=DAYS)
    def one_step_transfer(self, data: st.DataObject, cables: int, draft: bool, days: int) -> None:
        store, codes = self.stocked(data)
        lines = phones_and_cables(codes, cables)
        self.attempt(
            lambda: self.inv.transfer(
                source=store, destination=other(store), lines=lines, post=not draft,
                date=self.day(days),
            )
        )  # fmt: skip

    @precondition(lambda self: self.has_stock())
    @rule(data=st.data(), cables=st.integers(0, 2), draft=st.booleans(), days=DAYS)
    def write_off(self, data: st.DataObject, cables: int, draft: bool, days: int) -> None:
        store, codes = self.stocked(data)
        lines = phones_and_cables(codes, cables)
        self.attempt(
            lambda: self.inv.write_off(
                location=store, lines=lines, reason="broken", post=not draft, date=self.day(days)
            )
        )

    @precondition(lambda self: self.has_stock())
    @rule(data=st.data(), cables=st.integers(0, 2), draft=st.booleans(), days=DAYS)
    def hold(self, data: st.DataObject, cables: int, draft: bool, days: int) -> None:
        """Stock put aside (a recall): phones and cables into quarantine, sold by nobody."""
        store, codes = self.stocked(data)
        lines = phones_and_cables(codes, cables)
        self.attempt(
            lambda: self.inv.hold(
                location=store, lines=lines, reason="recall", post=not draft, date=self.day(days)
            )
        )

    @precondition(lambda self: any(n.startswith("HD-") for n in self.posted))
    @rule(data=st.data(), cables=st.integers(0, 2), whole=st.booleans(), days=DAYS)
    def release(self, data: st.DataObject, cables: int, whole: bool, days: int) -> None:
        """A posted hold: all it still holds back to its store, or some units on hold (maybe
        on another hold, refused) and cables."""
        number = data.draw(st.sampled_from([n for n in self.posted if n.startswith("HD-")]))
        lines = None if whole else phones_and_cables(self.pick(data, "on_hold"), cables)
        self.attempt(lambda: self.inv.release(hold=number, lines=lines, date=self.day(days)))

    @rule(data=st.data(), new=NEW_CODES)
    def correct(self, data: st.DataObject, new: str) -> None:
        known = sorted({r["serial"] for r in self.inv.serials(limit=1000)})
        if known:
            code = data.draw(st.sampled_from(known))
            before = snapshot_with_codes(self.inv)
            try:
                self.inv.correct_serial("PHONE", code, new)
            except SerialtrackError:
                assert snapshot_with_codes(self.inv) == before, "a refused correction wrote"

    @rule(
        store=STORES,
        supplier=SUPPLIERS,
        goods=st.sampled_from(GOODS),
        quantity=st.integers(1, 5),
        days=DAYS,
    )
    def receive_goods(
        self, store: str, supplier: str, goods: Goods, quantity: int, days: int
    ) -> None:
        """Cables, or pills of a batch, from a supplier."""
        lines = [goods_line(goods, quantity)]
        self.attempt(
            lambda: self.inv.receive(
                supplier=supplier, location=store, lines=lines, date=self.day(days)
            ),
            lines=lines,
        )

    @rule(
        data=st.data(),
        customer=CUSTOMERS,
        quantity=st.integers(1, 4),
        days=DAYS,
        draft=SOMETIMES,
    )
    def sell_goods(
        self, data: st.DataObject, customer: str | None, quantity: int, days: int, draft: bool
    ) -> None:
        """Cables or pills of a batch, mostly from a store that has some on that day."""
        day = self.day(days)
        places = [(s, g) for s in ("Store", "Warehouse") for g in GOODS]
        likely = [(s, g) for s, g in places if self.stock_from(s, g, day) > 0]
        if not likely or data.draw(st.integers(0, 4)) == 0:
            likely = places
        store, goods = data.draw(st.sampled_from(likely))
        lines = [goods_line(goods, quantity)]
        self.attempt(
            lambda: self.inv.sell(
                customer=customer, location=store, lines=lines, date=day, post=not draft
            ),
            lines=lines,
        )

    @rule(
        store=STORES,
        customer=CUSTOMERS,
        code=BATCHES,
        quantity=st.integers(1, 6),
        move=st.booleans(),
        days=DAYS,
    )
    def sell_or_move_batch(
        self, store: str, customer: str | None, code: str, quantity: int, move: bool, days: int
    ) -> None:
        lines: list[Any] = [{"sku": "PILLS", "batches": [(code, quantity)]}]
        if move:
            self.attempt(
                lambda: self.inv.transfer(
                    source=store, destination=other(store), lines=lines, date=self.day(days)
                )
            )
        else:
            self.attempt(
                lambda: self.inv.sell(
                    customer=customer, location=store, lines=lines, date=self.day(days)
                ),
                lines=lines,
            )

    @rule(data=st.data(), store=STORES, extra=st.lists(NEW_CODES, max_size=2, unique=True))
    def count(self, data: st.DataObject, store: str, extra: list[str]) -> None:
        """Count a store: most of what is there, perhaps units from elsewhere or unknown."""
        there = sorted({r["serial"] for r in self.inv.serials(location=store, limit=1000)
                        if r["status"] in ("in_stock", "reserved")})  # fmt: skip
        found = [c for c in there if data.draw(st.integers(0, 3)) > 0] + extra
        before = snapshot(self.inv)
        count = self.inv.open_count(location=store, sku="PHONE")
        try:
            if found:
                self.inv.count_scan(count, found)
            self.inv.post_count(count)
        except SerialtrackError:
            self.inv.delete_draft(count.number)
            assert snapshot(self.inv) == before, "a refused count wrote something"
            return
        self.posted.append(count.number)

    @rule(store=STORES, goods=st.sampled_from(GOODS), quantity=st.integers(0, 8))
    def count_quantity(self, store: str, goods: Goods, quantity: int) -> None:
        """Count a quantity or batch product at a store: afterwards the store holds what was
        counted, a batch of the counted product not entered nothing, all else as it was."""
        sku, batch = goods
        held = {(s, g): sum(n for _, n in dated_nets(self.inv, s, g))
                for s in ("Store", "Warehouse") for g in GOODS}  # fmt: skip
        count = self.inv.open_count(location=store, sku=sku)
        self.inv.count_quantity(count, sku, quantity, batch=batch)
        self.inv.post_count(count)  # counting never takes more than is there: always accepted
        self.posted.append(count.number)
        for (s, g), was in held.items():
            now = sum(n for _, n in dated_nets(self.inv, s, g))
            expected = was if s != store or g[0] != sku else quantity if g == goods else 0
            assert now == expected, f"{count.number} left {now} of {g} at {s}, not {expected}"

    def cancel_one(self, number: str) -> None:
        expect, why = self.cancel_verdict(number)
        before = snapshot(self.inv)
        try:
            self.inv.cancel(number)
        except SerialtrackError:
            assert snapshot(self.inv) == before
            return
        assert expect != REFUSE, f"{number} was cancelled, though {why}"
        self.posted.remove(number)
        self.cancelled_any = True

    @rule(data=st.data(), delivery=st.booleans())
    def cancel(self, data: st.DataObject, delivery: bool) -> None:
        """Any posted document, or (``delivery``) a sale or receipt of quantities or batches,
        with returns against it or not."""
        delivered = [n for k in ("sale", "receipt") for n, d in self.live(k) if +d.goods]
        choices = delivered if delivery and delivered else self.posted
        if choices:
            self.cancel_one(data.draw(st.sampled_from(choices)))

    @rule(data=st.data(), post=st.booleans())
    def finish_draft(self, data: st.DataObject, post: bool) -> None:
        if self.drafts:
            number = data.draw(st.sampled_from(self.drafts))
            doc = self.docs.get(number)
            returning = post and doc is not None and doc.kind in ("sales_return", "purchase_return")
            expect, why = self.verdict(doc) if returning and doc else (None, "")
            before = snapshot(self.inv)
            try:
                self.inv.post(number) if post else self.inv.delete_draft(number)
            except SerialtrackError as error:
                refusal = error
            else:
                refusal = None
            if refusal is not None:
                assert snapshot(self.inv) == before
                assert expect != ACCEPT, f"draft {number} was not posted, though {why}: {refusal}"
                return
            assert expect != REFUSE, f"draft {number} was posted, though {why}"
            self.drafts.remove(number)
            if post:
                self.posted.append(number)

    @invariant()
    def ledger_agrees_with_state(self) -> None:
        findings = self.inv.check()
        assert findings == [], findings
        check_chains_statuses_and_quantities(self.inv)
        check_transit(self.inv)
        check_holds(self.inv)
        check_lots(self.inv, self.lots)

    @invariant()
    def model_agrees_with_ledger(self) -> None:
        """The ledger moved exactly the goods the model's posted documents asked for, and no
        partner or document holds less than nothing."""
        expected = {n: +d.goods for n, d in self.docs.items() if n in self.posted and +d.goods}
        assert ledger_goods(self.inv) == expected
        for side, (out, back) in SIDES.items():
            for partner in {d.partner for d in self.docs.values() if d.kind in (out, back)}:
                for goods in GOODS:
                    assert self.held(side, partner, goods) >= 0, (partner, goods)
            for number, d in self.live(back):
                if d.origin is not None and +d.goods:
                    assert d.origin in self.posted, f"{number} names {d.origin}, not posted"
                    assert all(self.held_by(d.origin, g) >= 0 for g in GOODS), d.origin

    def teardown(self) -> None:
        try:
            for number in self.drafts:
                self.inv.delete_draft(number)
            if not self.unwind():
                assert self.inv.stock() == []
                kinds = {s["status"] for s in self.inv.serials(limit=1000)}
                assert not kinds & {"in_stock", "reserved", "in_transit", "sold", "on_hold"}
            check_chains_statuses_and_quantities(self.inv)
            assert self.inv.check() == []
        finally:
            self.inv.close()
            self._cleanup()

    def moves_quantities(self, number: str) -> bool:
        """Whether a document moves quantities or batches (not only serials), as the books
        have it: a transfer's cables, an assembly's."""
        return any(not line["serials"] for line in self.inv.document(number).lines)

    def unwind(self) -> list[str]:
        """Cancel everything, newest first. Without cancellations along the way that is never
        refused (each step goes back to a state the books were in). After some, a document may
        have to wait for one posted before it (a receipt for the sale that took its goods after
        an earlier receipt was cancelled), so refused ones are tried again until none is left,
        or until those left block each other (returned); only documents moving quantities
        may."""
        remaining = list(reversed(self.posted))
        while remaining:
            waiting = []
            for number in remaining:
                try:
                    self.inv.cancel(number)
                except SerialtrackError:
                    if not self.cancelled_any:
                        raise
                    waiting.append(number)
            if len(waiting) == len(remaining):
                # Each blocks the other, rightly: a sale whose customer brought the goods
                # back to a store that no longer holds them (the receipt that filled it was
                # cancelled after the return). Cancelling the sale would leave the customer
                # holding less than nothing, cancelling the return the store. The books
                # stay as they are; ``teardown`` still checks them.
                assert self.cancelled_any, f"none of {waiting} can be cancelled"
                # Serials alone never deadlock: a document of serials only may wait behind one
                # of quantities (a transfer whose unit moved on by a transfer of cables).
                roots = [n for n in waiting if self.moves_quantities(n)]
                assert roots, f"none of {waiting} can be cancelled, and none moves a quantity"
                return waiting
            remaining = waiting


def _goods_columns(query: Any, goods: Goods | None = None) -> Any:
    query = query.join(products, products.c.id == moves.c.product_id).outerjoin(
        batches, batches.c.id == moves.c.batch_id
    )
    if goods is not None:
        sku, code = goods
        query = query.where(
            products.c.sku == sku,
            moves.c.batch_id.is_(None) if code is None else batches.c.code == code,
        )
    return query.where(
        documents.c.state == "posted", moves.c.reversal.is_(False), moves.c.serial_id.is_(None)
    )


def dated_nets(inv: Inventory, store: str, goods: Goods) -> list[tuple[date, int]]:
    """What came in to ``store`` minus what went out, of ``goods``, per document date."""
    with inv.store.transaction(write=False) as tx:
        here = tx.connection.execute(
            select(locations.c.id).where(locations.c.name == store)
        ).scalar_one()
        net = func.sum(
            case((moves.c.to_location_id == here, moves.c.quantity), else_=-moves.c.quantity)
        )
        query = _goods_columns(
            select(documents.c.date, net).join(documents, documents.c.id == moves.c.document_id),
            goods,
        ).where((moves.c.to_location_id == here) | (moves.c.from_location_id == here))
        rows = tx.connection.execute(query.group_by(documents.c.date).order_by(documents.c.date))
        return [(_as_date(on), int(n)) for on, n in rows]


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def ledger_goods(inv: Inventory) -> dict[str, Counter[Goods]]:
    """The quantity and batch goods each posted sale, receipt, return, assembly and
    disassembly moved."""
    kinds = [k for pair in SIDES.values() for k in pair] + ["assembly", "disassembly"]
    with inv.store.transaction(write=False) as tx:
        query = _goods_columns(
            select(documents.c.number, products.c.sku, batches.c.code, func.sum(moves.c.quantity))
            .join(documents, documents.c.id == moves.c.document_id)
            .where(documents.c.kind.in_(kinds))
        ).group_by(documents.c.number, products.c.sku, batches.c.code)
        out: dict[str, Counter[Goods]] = defaultdict(Counter)
        for number, sku, code, quantity in tx.connection.execute(query):
            out[number][(sku, code)] += int(quantity)
    return {n: +c for n, c in out.items() if +c}


def snapshot_with_codes(inv: Inventory) -> tuple[object, ...]:
    with inv.store.transaction(write=False) as tx:
        codes = sorted(tx.connection.execute(select(serials.c.id, serials.c.code_key)).all())
    return snapshot(inv), codes


def check_transit(inv: Inventory) -> None:
    """In transit is exactly what posted dispatches sent and no receipt took, never less."""
    left = inv.in_transit()
    assert all(r["quantity"] > 0 for r in left), left
    on_dispatches = sorted(code for r in left for code in r["serials"])
    in_transit = sorted(r["serial"] for r in inv.serials(status="in_transit", limit=1000))
    assert on_dispatches == in_transit
    with inv.store.transaction(write=False) as tx:
        query = (
            select(quants.c.quantity)
            .join(locations, locations.c.id == quants.c.location_id)
            .where(locations.c.kind == "transit")
        )
        in_transit_quantity = sum(tx.connection.execute(query).scalars())
    assert in_transit_quantity == sum(r["quantity"] for r in left if not r["serials"])


def check_lots(inv: Inventory, lots: dict[str, str]) -> None:
    """Each vial carries the batch it came in with, and each batch's units in the stores are
    what its enquiry says it holds."""
    vials = inv.serials(sku="VIAL", limit=100)
    assert sorted(r["serial"] for r in vials) == sorted(lots)
    in_stores: Counter[str] = Counter()
    for row in vials:
        unit = inv.serial("VIAL", row["serial"])
        assert unit.batch == lots[row["serial"]], (row["serial"], unit.batch)
        assert unit.expiry == LOT_EXPIRY[unit.batch]
        if row["status"] in ("in_stock", "reserved"):
            in_stores[unit.batch] += 1
    for lot in set(lots.values()):
        assert inv.batch("VIAL", lot).on_hand == in_stores[lot], lot


def check_holds(inv: Inventory) -> None:
    """On hold is exactly what posted holds put aside and no release brought back."""
    left = inv.on_hold()
    assert all(r["quantity"] > 0 for r in left), left
    on_holds = sorted(code for r in left for code in r["serials"])
    assert on_holds == sorted(r["serial"] for r in inv.serials(status="on_hold", limit=1000))
    with inv.store.transaction(write=False) as tx:
        query = (
            select(quants.c.quantity)
            .join(locations, locations.c.id == quants.c.location_id)
            .where(locations.c.kind == "quarantine")
        )
        held_quantity = sum(tx.connection.execute(query).scalars())
    assert held_quantity == sum(r["quantity"] for r in left if not r["serials"])
    stock = inv.stock_on_hand()
    assert stock.on_hold == sum(r["quantity"] for r in left)


def check_chains_statuses_and_quantities(inv: serialtrack.Inventory) -> None:
    with inv.store.transaction(write=False) as tx:
        c = tx.connection
        kind_of = {
            r.id: LocationKind(r.kind) for r in c.execute(select(locations.c.id, locations.c.kind))
        }
        effective = (
            select(
                moves.c.serial_id,
                moves.c.product_id,
                moves.c.quantity,
                moves.c.from_location_id,
                moves.c.to_location_id,
            )
            .join(documents, documents.c.id == moves.c.document_id)
            .where(moves.c.reversal.is_(False), documents.c.state == "posted")
            .order_by(moves.c.id)
        )
        chains: dict[int, list[tuple[int, int]]] = defaultdict(list)
        sums: dict[tuple[int, int], int] = defaultdict(int)
        for m in c.execute(effective):
            if m.serial_id is None:
                sums[(m.product_id, m.from_location_id)] -= m.quantity
                sums[(m.product_id, m.to_location_id)] += m.quantity
            else:
                chains[m.serial_id].append((m.from_location_id, m.to_location_id))
        for s in c.execute(select(serials)):
            chain = chains.get(s.id, [])
            for (_, to), (frm, _) in pairwise(chain):
                assert frm == to, f"serial {s.code}: a move starts where the previous did not end"
            if chain:
                assert chain[-1][1] == s.location_id
            else:
                assert kind_of[s.location_id].is_virtual
            assert s.status == status_for(
                kind_of[s.location_id], reserved=s.reserved_by is not None
            )
        for q in c.execute(select(quants)):
            assert q.quantity == sums.get((q.product_id, q.location_id), 0)
            if kind_of[q.location_id] is LocationKind.INTERNAL:
                assert q.quantity >= 0
        by_batch: dict[tuple[int, int], int] = defaultdict(int)
        for m in c.execute(effective.add_columns(moves.c.batch_id)):
            if m.batch_id is not None:
                by_batch[(m.batch_id, m.from_location_id)] -= m.quantity
                by_batch[(m.batch_id, m.to_location_id)] += m.quantity
        for b in c.execute(select(batch_quants)):
            assert b.quantity == by_batch.get((b.batch_id, b.location_id), 0)
            if kind_of[b.location_id] in (LocationKind.INTERNAL, LocationKind.TRANSIT):
                assert b.quantity >= 0, "a batch went below zero in a store"


def _sqlite_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[], tuple[str, Callable[[], None]]]:
    """Each example gets a copy of one database made (migrated, with ``shop``) once."""
    template = tmp_path_factory.mktemp("template") / "serialtrack.db"
    inv = shop(serialtrack.open(f"sqlite:///{template}"))
    inv.add_product("PILLS", "Pills", "batch")
    with inv, inv.store.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def make() -> tuple[str, Callable[[], None]]:
        path = tmp_path_factory.mktemp("ledger") / "serialtrack.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}", lambda: None

    return make


def test_ledger_properties_sqlite(tmp_path_factory: pytest.TempPathFactory) -> None:
    machine = type(
        "SqliteLedger", (Ledger,), {"open_url": staticmethod(_sqlite_factory(tmp_path_factory))}
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            # More rules since quantity returns, back-dating and out-of-range dates: keep each
            # one exercised (a return needs a receipt and a sale before it in the same run).
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


@pytest.mark.postgres
def test_ledger_properties_postgres() -> None:
    from databases import drop_postgres_schema, new_postgres_schema, require_postgres

    require_postgres()

    def make() -> tuple[str, Callable[[], None]]:
        url, schema = new_postgres_schema()
        inv = shop(serialtrack.open(initialized(url)))
        inv.add_product("PILLS", "Pills", "batch")
        inv.close()
        return url, lambda: drop_postgres_schema(schema)

    run_state_machine_as_test(
        type("PostgresLedger", (Ledger,), {"open_url": staticmethod(make)}),
        settings=settings(
            max_examples=10,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
