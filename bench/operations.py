"""Benchmark the stock operations of issue 4 by hand: inventory counts and batch documents.

Not a test: it prints figures and ratios and asserts nothing. Each size runs in a fresh
interpreter (``--size N`` in a child), so the peak RSS is that size's own.

    .venv/bin/python bench/operations.py                 # SQLite: counts of 10k and 100k
    .venv/bin/python bench/operations.py --postgres      # PostgreSQL at 127.0.0.1:5432/test

A count of N serials: a store holds N serials; 99% of them are scanned in calls of 10,000
scans, 1% are missing and 100 unknown codes are found; then the count is posted and cancelled.
The ratio column divides the time per serial at 100k by the time per serial at 10k: a flat
operation stays near 1x. Batches: 1,000 sale documents of one batch line each.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).parent))
from run import measured

SCAN_CALL = 10_000


def count_case(url: str, size: int) -> dict[str, Any]:
    import serialtrack

    out: dict[str, Any] = {"size": size}
    with serialtrack.open(url) as inv:
        inv.add_location("Store")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("P", "Phone", "serial")
        inv.add_product("B", "Pills", "batch")
        codes = [f"SN-{i:09d}" for i in range(size)]
        inv.receive(supplier="Acme", location="Store", lines=[("P", codes)])
        found = codes[: size - size // 100] + [f"NEW-{i:05d}" for i in range(100)]
        count = inv.open_count(location="Store", sku="P")
        timings: dict[str, Any] = {}
        with measured(timings):
            for start in range(0, len(found), SCAN_CALL):
                inv.count_scan(count, found[start : start + SCAN_CALL])
        out["scan_s"] = timings["seconds"]
        with measured(timings):
            view = inv.count(count)
        out["view_s"] = timings["seconds"]
        out["missing"] = len(view.missing)
        with measured(timings):
            inv.post_count(count)
        out["post_s"], out["post_peak_mb"] = timings["seconds"], timings["rss_peak_delta_mb"]
        with measured(timings):
            inv.cancel(count.number)
        out["cancel_s"] = timings["seconds"]
        inv.receive(supplier="Acme", location="Store",
                    lines=[{"sku": "B", "batches": [("LOT-1", 1_000_000)]}])  # fmt: skip
        start = time.perf_counter()
        for _ in range(1000):
            inv.sell(location="Store", lines=[{"sku": "B", "batches": [("LOT-1", 1)]}])
        out["batch_sale_ms"] = (time.perf_counter() - start) * 1000 / 1000  # ms per document
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)  # a child's case
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="10000,100000")
    a = parser.parse_args()
    if a.size:
        print(json.dumps(count_case(a.url, a.size)))
        return
    results = []
    for size in (int(s) for s in a.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            url, cleanup = _database(a, tmp)
            try:
                done = subprocess.run(
                    [sys.executable, __file__, "--size", str(size), "--url", url],
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
            finally:
                cleanup()
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    base = results[0]
    print(f"{'case':<34}{'figure':>14}{'per serial vs first size':>28}")
    for r in results:
        n = r["size"]
        for name in ("scan", "post", "cancel"):
            per = r[f"{name}_s"] / n
            ratio = per / (base[f"{name}_s"] / base["size"])
            print(f"{name + ' count of ' + str(n):<34}{r[f'{name}_s']:>12.2f} s{ratio:>26.2f}x")
        print(f"{'view count of ' + str(n):<34}{r['view_s']:>12.2f} s")
        print(f"{'post peak RSS delta, ' + str(n):<34}{r['post_peak_mb']:>11.1f} MB")
        print(f"{'batch sale (1 line), db ' + str(n):<34}{r['batch_sale_ms']:>11.2f} ms")


def _database(a: argparse.Namespace, tmp: str) -> tuple[str, Any]:
    """A SQLite file, or a fresh PostgreSQL schema (dropped afterwards)."""
    if not a.postgres:
        return f"sqlite:///{tmp}/bench.db", lambda: None
    import psycopg

    schema = f"bench_ops_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(a.postgres_url, autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(a.postgres_url, autocommit=True) as c:
            c.execute(f'DROP SCHEMA "{schema}" CASCADE')

    sep = "&" if "?" in a.postgres_url else "?"
    return f"{a.postgres_url}{sep}options={quote('-csearch_path=' + schema)}", drop


if __name__ == "__main__":
    main()
