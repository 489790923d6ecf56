"""Benchmark ``Inventory.check()`` (issue 10) on a big SQLite database, by hand.

    .venv/bin/python bench/check.py                          # 1,000,000 serials, ~2,000,000 moves
    .venv/bin/python bench/check.py --serials 100000         # a quick run (~1/10 of the work)
    .venv/bin/python bench/check.py --db /tmp/check-1m.db    # build once, reuse on later runs
    .venv/bin/python bench/check.py --db /tmp/check-1m.db --profile /tmp/check.prof

Not a test: it prints figures and asserts nothing (findings, which should be none, are
counted and the first few printed). The database is built through the public API in bulk
documents, each step dated so the time-order sections have work to do:

    10 receipts of N/10 serials (dated 40..31 days ago)              N moves
    10 sales of N/20 serials each, to Alice or Bob (20..11 days ago)  N/2
    a sales return of half of each sale, naming it (10..6 days ago)   N/4
    5 one-step transfers Store -> Warehouse of N/4 never sold (5..1)  N/4
    beside them quantity and batch documents: receipts of cables and of ten batches, then
    ``--small`` sales of a cable and a batch unit (Alice, Bob or walk-in), a fifth as many
    returns naming their invoice

Building and checking run in fresh interpreters (``--step``), so the check's peak RSS is its
own: printed as ``ru_maxrss`` of that process and as the rise of Linux's ``VmHWM`` over the
check (see ``run.measured``). Per-section seconds come from ``inv.findings(progress=)``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import run as bench_run

PARTS = 10  # receipts, and sales
SKU, CABLE, PILLS = "PHONE", "CABLE", "PILLS"
STORE, WAREHOUSE = "Store", "Warehouse"


def code(i: int) -> str:
    return f"CK-{i:09d}"


def days_ago(n: int) -> date:
    return datetime.now(UTC).date() - timedelta(days=n)


class Filler:
    """Fills an empty database (see the module's docstring) through the public API."""

    def __init__(self, inv: Any, serials: int, small: int) -> None:
        self.inv, self.serials, self.small = inv, serials, small
        self.part = -(-serials // PARTS)
        self.invoices: list[tuple[str, str, range]] = []

    def catalog(self) -> None:
        inv = self.inv
        inv.add_location(STORE)
        inv.add_location(WAREHOUSE)
        inv.add_partner("Acme", supplier=True)
        for name in ("Alice", "Bob"):
            inv.add_partner(name, customer=True)
        inv.add_product(SKU, "Phone", "serial")
        inv.add_product(CABLE, "Cable", "none")
        inv.add_product(PILLS, "Pills", "batch")

    def receipts(self) -> None:
        for k in range(PARTS):
            codes = [code(i) for i in range(k * self.part, min((k + 1) * self.part, self.serials))]
            self.inv.receive(supplier="Acme", location=STORE, lines=[(SKU, codes)],
                             date=days_ago(40 - k))  # fmt: skip

    def sales(self) -> None:
        half = self.part // 2
        for k in range(PARTS):
            taken = range(k * half, (k + 1) * half)
            customer = ("Alice", "Bob")[k % 2]
            sale = self.inv.sell(customer=customer, location=STORE, date=days_ago(20 - k),
                                 lines=[(SKU, [code(i) for i in taken])])  # fmt: skip
            self.invoices.append((sale.number, customer, taken))

    def returns(self) -> None:
        for k, (number, customer, taken) in enumerate(self.invoices):
            back = [code(i) for i in taken[: len(taken) // 2]]
            self.inv.return_from_customer(
                customer=customer, invoice=number, location=STORE, lines=[(SKU, back)],
                date=days_ago(10 - k // 2),
            )  # fmt: skip

    def transfers(self) -> None:
        first, count = PARTS * (self.part // 2), self.serials // 4
        step = -(-count // 5)
        for k in range(5):
            moved = range(first + k * step, first + min((k + 1) * step, count))
            self.inv.transfer(source=STORE, destination=WAREHOUSE, date=days_ago(5 - k),
                              lines=[(SKU, [code(i) for i in moved])])  # fmt: skip

    def quantities(self) -> None:
        small = self.small
        lots = {"sku": PILLS, "batches": [(f"L{b}", 10 * small) for b in range(10)]}
        self.inv.receive(supplier="Acme", location=STORE, date=days_ago(30),
                         lines=[(CABLE, 10 * small), lots])  # fmt: skip
        sold = []
        for k in range(small):
            customer = ("Alice", "Bob", None)[k % 3]
            lines = [(CABLE, 1 + k % 3), {"sku": PILLS, "batches": [(f"L{k % 10}", 1)]}]
            sale = self.inv.sell(customer=customer, location=STORE, lines=lines,
                                 date=days_ago(20 - k % 10))  # fmt: skip
            sold.append((sale.number, customer))
        for number, customer in sold[::5]:
            self.inv.return_from_customer(customer=customer, invoice=number, location=STORE,
                                          lines=[(CABLE, 1)], date=days_ago(5))  # fmt: skip


def build(url: str, serials: int, small: int) -> dict[str, Any]:
    """Fill an empty database; seconds per phase."""
    import serialtrack

    out: dict[str, Any] = {}
    with serialtrack.open(url) as inv:
        filler = Filler(inv, serials, small)
        filler.catalog()
        for name in ("receipts", "sales", "returns", "transfers", "quantities"):
            start = time.perf_counter()
            getattr(filler, name)()
            out[name + "_s"] = round(time.perf_counter() - start, 1)
            print(f"  built {name}: {out[name + '_s']} s", file=sys.stderr, flush=True)
    return out


def counts(path: str) -> dict[str, int]:
    with sqlite3.connect(path) as c:
        return {
            table: c.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("serials", "moves", "documents")
        }


def check(url: str, profile: str | None) -> dict[str, Any]:
    """Time ``inv.findings()`` once, section by section, in this (fresh) process."""
    import serialtrack

    bench_run.PROFILE = profile
    marks: list[tuple[str, float]] = []
    out: dict[str, Any] = {}
    with serialtrack.open(url) as inv, bench_run.measured(out):
        found = inv.findings(progress=lambda name: marks.append((name, time.perf_counter())))
        marks.append(("", time.perf_counter()))
    out["sections"] = {name: round(b - a, 2) for (name, a), (_, b) in itertools.pairwise(marks)}
    out["findings"] = len(found)
    out["first_findings"] = [str(f) for f in found[:5]]
    out["ru_maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def child(argv: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *argv], check=True, capture_output=True,
                          text=True)  # fmt: skip
    sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serials", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1000,
                        help="quantity/batch sales beside the serials (default 1000)")  # fmt: skip
    parser.add_argument("--db", help="SQLite file to build, or reuse when it is there")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the check here")
    parser.add_argument("--step", choices=("build", "check"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.step == "build":
        print(json.dumps(build(a.url, a.serials, a.small)))
        return
    if a.step == "check":
        print(json.dumps(check(a.url, a.profile)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = a.db or os.path.join(tmp, "check.db")
        url = f"sqlite:///{path}"
        built: dict[str, Any] = {}
        if not os.path.exists(path):
            started = time.perf_counter()
            built = child(["--step", "build", "--url", url, "--serials", str(a.serials),
                           "--small", str(a.small)])  # fmt: skip
            built["total_s"] = round(time.perf_counter() - started, 1)
        have = counts(path)
        if a.db and not built and have["serials"] != a.serials:
            sys.exit(f"{path} holds {have['serials']:,} serials, not {a.serials:,}: remove it")
        argv = ["--step", "check", "--url", url] + (["--profile", a.profile] if a.profile else [])
        result = child(argv)
        size = os.path.getsize(path) / 2**20
    report(have, built, result, size)


def report(have: dict[str, int], built: dict[str, Any], r: dict[str, Any], size: float) -> None:
    if built:
        print(f"{'build':<28}" + ", ".join(f"{k[:-2]} {v} s" for k, v in built.items()))
    rows = [
        ("serials", f"{have['serials']:,}"),
        ("moves", f"{have['moves']:,}"),
        ("documents", f"{have['documents']:,}"),
        ("database", f"{size:,.0f} MB"),
        ("check", f"{r['seconds']:.1f} s (cpu {r['cpu_seconds']:.1f} s)"),
        ("findings", f"{r['findings']}"),
        ("peak RSS (ru_maxrss)", f"{r['ru_maxrss_mb']:.0f} MB"),
        ("peak RSS rise in check", f"{r['rss_peak_delta_mb']:.0f} MB"),
    ]
    for name, figure in rows:
        print(f"{name:<28}{figure}")
    for name, seconds in r["sections"].items():
        print(f"  {name:<26}{seconds:>8.2f} s")
    for finding in r["first_findings"]:
        print(f"  finding: {finding}")


if __name__ == "__main__":
    main()
