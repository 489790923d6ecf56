"""Hand-run benchmark: a receipt of N serials printed as a PDF document, time and peak memory.

    .venv/bin/python bench/printing.py               # 10,000 and 100,000 serials
    .venv/bin/python bench/printing.py --count 20000

Each size runs in a fresh subprocess (this file with ``--case``), so its peak RSS is its own:
the receipt is made first (its RSS noted), then ``Inventory.print_document(number)`` reads the
document and lays it out, and ``job.save(path)`` renders it with reportlab (two serials to a
row, about 120 to a page). Printed: seconds, pages, file size, peak RSS before and after.
Measured (2-core machine, a test run beside it): 10,000 serials 0.6 s, 84 pages, 0.2 MB;
100,000 serials 5.9 s (1.9 s reading), 834 pages, 1.8 MB, peak RSS +63 MB over the receipt's.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def case(count: int) -> dict[str, object]:
    import pypdfium2

    import serialtrack

    with tempfile.TemporaryDirectory() as tmp, serialtrack.open(f"sqlite:///{tmp}/b.db") as inv:
        inv.add_location("Store")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("PHONE", "Phone")
        codes = [f"SN-{i:07d}" for i in range(count)]
        receipt = inv.receive(supplier="Acme", location="Store", lines=[("PHONE", codes)])
        before = rss_mb()
        started = time.perf_counter()
        job = inv.print_document(receipt.number)
        read = time.perf_counter() - started
        path = Path(tmp) / "receipt.pdf"
        job.save(str(path))
        seconds = time.perf_counter() - started
        pages = len(pypdfium2.PdfDocument(str(path)))
        return {"serials": count, "read_s": round(read, 2), "total_s": round(seconds, 2),
                "pages": pages, "mb": round(path.stat().st_size / 1e6, 2),
                "rss_before_mb": round(before), "rss_peak_mb": round(rss_mb())}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, action="append")
    parser.add_argument("--case", type=int)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(case(args.case)))
        return
    for count in args.count or [10_000, 100_000]:
        out = subprocess.run([sys.executable, __file__, "--case", str(count)],
                             capture_output=True, text=True, check=True)  # fmt: skip
        r = json.loads(out.stdout)
        print(f"{r['serials']:>7} serials: {r['total_s']:6.2f} s ({r['read_s']} s reading), "
              f"{r['pages']} pages, {r['mb']} MB; RSS {r['rss_before_mb']} -> "
              f"{r['rss_peak_mb']} MB")  # fmt: skip


if __name__ == "__main__":
    main()
