"""Benchmark ``Inventory.stock_as_of`` (issue 14) on a SQLite ledger of ~2,000,000 moves, by hand.

    .venv/bin/python bench/stock_as_of.py                        # ~2,000,000 moves
    .venv/bin/python bench/stock_as_of.py --moves 200000         # a quick run
    .venv/bin/python bench/stock_as_of.py --db /tmp/asof-2m.db   # build once, reuse later

Not a test: it prints figures and asserts nothing. The goal is under 5 s per "as of" on
2,000,000 moves. The ledger is filled through the public API only (bulk documents, so every
move is a real ledger row with its hash chain), by an inventory whose clock is set per
document, so the moves' times spread over 40 days (N = moves / 2 serials):

    10 receipts of N/10 serials (40..31 days ago)                   N moves
    10 sales of N/20 serials each (20..11 days ago)                 N/2
    5 one-step transfers Store -> Warehouse of N/10 each (5..1)     N/2
    beside them 200 receipts and sales of cables                    200

Then ``stock_as_of`` is timed (best of 3, and the first run) at three moments: after the
receipts, after the sales, and now; once for all products and once for one product.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
PARTS = 10


def code(i: int) -> str:
    return f"AS-{i:09d}"


def build(url: str, moves: int) -> None:
    import serialtrack
    from serialtrack.inventory import Inventory

    serials = moves // 2
    part = -(-serials // PARTS)
    clock = [NOW - timedelta(days=41)]
    with serialtrack.open(url) as setup:
        setup.add_location("Store")
        setup.add_location("Warehouse")
        setup.add_partner("Acme", supplier=True)
        setup.add_partner("Alice", customer=True)
        setup.add_product("PHONE", "Phone", "serial")
        setup.add_product("CABLE", "Cable", "none")
        inv = Inventory(setup.store, clock=lambda: clock[0])

        def at(days_ago: float) -> Inventory:
            clock[0] = NOW - timedelta(days=days_ago)
            return inv

        started = time.perf_counter()
        for k in range(PARTS):
            codes = [code(i) for i in range(k * part, min((k + 1) * part, serials))]
            at(40 - k).receive(supplier="Acme", location="Store", lines=[("PHONE", codes)])
            at(40 - k + 0.5).receive(supplier="Acme", location="Store", lines=[("CABLE", 100)])
            _progress(f"receipt {k + 1}/{PARTS}", started)
        half = part // 2
        for k in range(PARTS):
            codes = [code(i) for i in range(k * part, k * part + half)]
            at(20 - k).sell(customer="Alice", location="Store", lines=[("PHONE", codes)])
            for j in range(10):
                at(20 - k + j / 100).sell(customer="Alice", location="Store", lines=[("CABLE", 1)])
            _progress(f"sale {k + 1}/{PARTS}", started)
        for k in range(5):
            codes = [
                code(i) for j in (2 * k, 2 * k + 1) for i in range(j * part + half, (j + 1) * part)
            ]
            at(5 - k).transfer(source="Store", destination="Warehouse", lines=[("PHONE", codes)])
            _progress(f"transfer {k + 1}/5", started)


def _progress(what: str, started: float) -> None:
    print(f"  built {what}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


def timed(call: Any) -> tuple[float, float, Any]:
    """First run's seconds, the best of three, and the answer."""
    times, answer = [], None
    for _ in range(3):
        start = time.perf_counter()
        answer = call()
        times.append(time.perf_counter() - start)
    return times[0], min(times), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=2_000_000)
    parser.add_argument("--db", help="SQLite file to build, or reuse when it is there")
    a = parser.parse_args()
    import serialtrack

    with tempfile.TemporaryDirectory() as tmp:
        path = a.db or os.path.join(tmp, "stock_as_of.db")
        url = f"sqlite:///{path}"
        if not os.path.exists(path):
            start = time.perf_counter()
            build(url, a.moves)
            print(f"{'build':<34}{time.perf_counter() - start:.0f} s (public API, hash chain kept)")
        with sqlite3.connect(path) as c:
            have = c.execute("select count(*), min(at), max(at) from moves").fetchone()
        print(f"{'moves':<34}{have[0]:,} ({have[1][:16]} .. {have[2][:16]} UTC)")
        print(f"{'database':<34}{os.path.getsize(path) / 2**20:,.0f} MB")
        moments = {
            "after the receipts (30 days ago)": NOW - timedelta(days=30),
            "after the sales (10 days ago)": (NOW - timedelta(days=10)).date(),
            "now": NOW,
        }
        with serialtrack.open(url) as inv:
            for name, moment in moments.items():
                for sku in (None, "PHONE"):
                    first, best, rows = timed(lambda m=moment, s=sku: inv.stock_as_of(m, sku=s))
                    shown = ", ".join(f"{r.sku}@{r.location}={r.quantity:,}" for r in rows)
                    label = f"{name}{' PHONE' if sku else ''}"
                    print(f"  {label:<40} first {first:5.2f} s, best {best:5.2f} s  [{shown}]")
            on_hand = inv.stock_on_hand()
            same = {(r.sku, r.location): r.quantity for r in inv.stock_as_of(NOW)}
            summed: dict[tuple[str, str], int] = {}
            for r in on_hand.rows:
                summed[(r.sku, r.location)] = summed.get((r.sku, r.location), 0) + r.quantity
            print(f"{'as of now equals on hand':<34}{same == summed}")


if __name__ == "__main__":
    main()
