"""The home page's figures: stock in each store, units received and sold per ISO week, and what
expires soon; and the three small charts that show them.

What counts, decided once here:

- **Stock** is what the stores (internal locations) hold, as the stock on hand report counts
  it "in stores": serials in stock or reserved, quantity and batch products' quantities. Units
  in transit, on hold (quarantine) or anywhere else are not in a store.
- **Received** is the units of posted receipts and opening balances: goods from suppliers and
  the stock a shop started with. Transfers (a store's gain is another's loss), adjustments
  (units found, serials adopted at a sale), counts, assemblies and releases are not received.
- **Sold** is the units of posted sales, as they left the shelves (a bundle counts its
  components' units, as the stock does). **Returned** is the units of posted sales returns,
  shown apart, not subtracted: a week's columns are never negative, and a return is seen.
  Purchase returns and write-offs are not in these figures.
- **Cancelled documents do not count**, in any week: their moves and the reversals that cancel
  them are both left out (a sale posted one week and cancelled the next shows in neither).
- **Weeks** are ISO weeks (Monday to Sunday) of the move's time, UTC, as stored (``at``, when
  the document was posted), not the document's date; the current week (so far) is the last.
- **Expiring**: serials in stock or reserved and batch parts in the stores, as
  ``warranty_expiry.expiring`` lists them: expired (past their expiry date), expiring within a
  week (today included), and later within ``days``; and those expiring later whose alert
  date (the product's alert days before expiry) comes within ``days``; counted in the
  database, not listed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from serialtrack.adapters.db import dashboard_queries as sql
from serialtrack.adapters.db.store import Tx
from serialtrack.domain import charts
from serialtrack.domain.errors import Invalid, Problem
from serialtrack.domain.model import Actor, DocumentKind
from serialtrack.domain.permissions import Permission, require

MAX_WEEKS = 104
MAX_DAYS = 3650
SOON_DAYS = 7  # "expiring within a week"
STORE_BARS = 8  # stores shown as bars; the rest are summed into one
RECEIVED = (DocumentKind.RECEIPT, DocumentKind.OPENING_BALANCE)
SOLD = (DocumentKind.SALE,)
RETURNED = (DocumentKind.SALES_RETURN,)
TRACKING = ("serial", "batch", "none")


@dataclass(frozen=True)
class StoreStock:
    """Units in one store, and how many of them are serials, batch parts, quantity-only."""

    location: str
    quantity: int
    by_tracking: dict[str, int] = field(default_factory=dict)  # serial, batch, none
    active: bool = True


@dataclass(frozen=True)
class WeekFigures:
    week: str  # ISO week, 2026-W07
    start: date  # its Monday
    received: int
    sold: int
    returned: int


@dataclass(frozen=True)
class ExpiryFigures:
    days: int  # the horizon: expiring within this many days from today
    expired: int  # units in the stores past their expiry date
    within_week: int  # not expired, expiring within 7 days (or ``days``, if fewer)
    later: int  # expiring after that, within ``days``
    expiring: int  # within_week + later
    alerted: int = 0  # expiring after ``days``, their alert date (alert days before) within them


@dataclass(frozen=True)
class Dashboard:
    today: date  # UTC
    stores: tuple[StoreStock, ...]  # most stock first; inactive stores only when they hold some
    in_stores: int
    weeks: tuple[WeekFigures, ...]  # oldest first, the current week last
    received: int  # the weeks' totals
    sold: int
    returned: int
    expiry: ExpiryFigures

    def charts(self) -> DashboardCharts:
        """The three charts of these figures, as SVG (``svg_charts``)."""
        return svg_charts(self)


@dataclass(frozen=True)
class DashboardCharts:
    """The three charts as SVG markup (its text escaped): safe to put in a page as is."""

    stock: str
    weeks: str
    expiry: str


def _wrong(value: object, where: str, low: int, high: int) -> Problem | None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        return Problem(where, f"a whole number from {low} to {high}")
    return None


def dashboard(tx: Tx, actor: Actor, *, now: datetime, weeks: int = 12, days: int = 30) -> Dashboard:
    """The figures as of ``now`` (naive UTC): stock per store, the last ``weeks`` ISO weeks'
    units received, sold and returned, and units expired or expiring within ``days``."""
    require(actor, Permission.READ)
    wrong = (_wrong(weeks, "weeks", 1, MAX_WEEKS), _wrong(days, "days", 0, MAX_DAYS))
    if any(wrong):
        raise Invalid("the dashboard's range is not valid", [p for p in wrong if p])
    today = now.date()
    stores = _stores(tx)
    figures = _weeks(tx, today, weeks)
    return Dashboard(
        today=today,
        stores=stores,
        in_stores=sum(s.quantity for s in stores),
        weeks=figures,
        received=sum(w.received for w in figures),
        sold=sum(w.sold for w in figures),
        returned=sum(w.returned for w in figures),
        expiry=_expiry(tx, today, days),
    )


def _stores(tx: Tx) -> tuple[StoreStock, ...]:
    held: dict[int, dict[str, int]] = defaultdict(dict)
    for r in sql.stock_by_store(tx.connection):
        held[r.location_id][r.tracking] = int(r.quantity or 0)
    found = []
    for store in sql.stores(tx.connection):
        split = {t: held[store.id].get(t, 0) for t in TRACKING}
        total = sum(split.values())
        if store.active or total:
            found.append(StoreStock(store.name, total, split, bool(store.active)))
    return tuple(sorted(found, key=lambda s: (-s.quantity, s.location)))


def week_starts(today: date, weeks: int) -> list[date]:
    """The Mondays of the last ``weeks`` ISO weeks, oldest first, this week's last."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def _weeks(tx: Tx, today: date, weeks: int) -> tuple[WeekFigures, ...]:
    starts = week_starts(today, weeks)
    bounds = [datetime.combine(d, time.min) for d in [*starts, starts[-1] + timedelta(weeks=1)]]
    kinds = [k.value for k in (*RECEIVED, *SOLD, *RETURNED)]
    counted: dict[tuple[int, str], int] = defaultdict(int)
    for r in sql.units_per_week(tx.connection, bounds, kinds):
        counted[(int(r.week), r.kind)] += int(r.quantity or 0)

    def units(week: int, which: tuple[DocumentKind, ...]) -> int:
        return sum(counted[(week, k.value)] for k in which)

    return tuple(
        WeekFigures(_iso_week(start), start, units(i, RECEIVED), units(i, SOLD), units(i, RETURNED))
        for i, start in enumerate(starts)
    )


def _iso_week(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _expiry(tx: Tx, today: date, days: int) -> ExpiryFigures:
    until = today + timedelta(days=days)
    soon = today + timedelta(days=min(SOON_DAYS, days))
    counted: dict[str, int] = defaultdict(int)
    for r in sql.expiring_by_bucket(tx.connection, today, soon, until):
        counted[r.bucket] += int(r.quantity or 0)
    within, later = counted["soon"], counted["later"]
    alerted = sql.alerted_beyond(tx.connection, until)
    return ExpiryFigures(days, counted["expired"], within, later, within + later, alerted)


# --- the charts ---------------------------------------------------------------------------
def svg_charts(d: Dashboard) -> DashboardCharts:
    """The home page's three charts of ``d``. Pure."""
    bars = [charts.Bar(s.location, s.quantity, _split(s)) for s in d.stores]
    stock = charts.bar_chart(
        "Stock by store",
        charts.top(bars, STORE_BARS, "{n} more stores"),
        empty="No stock yet",
        css="chart-stock",
    )
    groups = [
        charts.Group(
            f"W{w.week[-2:]}",
            (w.received, w.sold),
            f"{w.week}, {w.start} to {w.start + timedelta(days=6)}: received {w.received}, "
            f"sold {w.sold}, returned {w.returned}",
        )
        for w in d.weeks
    ]
    weeks = charts.column_chart(
        f"Units received and sold per week, last {len(d.weeks)} weeks",
        ("received", "sold"),
        groups,
        empty=f"Nothing received or sold in the last {len(d.weeks)} weeks",
        css="chart-weeks",
    )
    e = d.expiry
    soon = min(SOON_DAYS, e.days)
    expiry_bars = [
        charts.Bar("expired", e.expired, "in the stores, past their expiry date", "chart-bad"),
        charts.Bar(f"within {soon} days", e.within_week, "today included", "chart-warn"),
    ]
    if e.days > soon:
        expiry_bars.append(charts.Bar(f"in {soon + 1} to {e.days} days", e.later))
    if e.alerted:
        expiry_bars.append(charts.Bar("alert reached", e.alerted,
                                      f"their alert date within {e.days} days, expiring later",
                                      "chart-warn"))  # fmt: skip
    expiry = charts.bar_chart(
        f"Expiring within {e.days} days",
        expiry_bars,
        empty=f"Nothing expired or expiring within {e.days} days",
        css="chart-expiry",
    )
    return DashboardCharts(stock, weeks, expiry)


def _split(store: StoreStock) -> str:
    words = {"serial": "serial-tracked", "batch": "in batches", "none": "quantity-only"}
    shown = [f"{n} {words[t]}" for t, n in store.by_tracking.items() if n]
    inactive = "" if store.active else "inactive store; "
    return inactive + ", ".join(shown)
