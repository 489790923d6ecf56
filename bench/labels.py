"""Hand-run benchmark: labels for N units as one PDF (and as ZPL), time and peak memory.

    .venv/bin/python bench/labels.py                 # 10,000 labels, a4-3x8 sheets and 50x25
    .venv/bin/python bench/labels.py --count 2000 --qr   # only the Digital Link QR case

Each case runs in a fresh subprocess (this file with ``--case``), so its peak RSS is its own.
"heap: labels" is the Python heap the selected labels hold; "heap peak" the heap's peak over
selection and rendering (tracemalloc, in a second untimed run): rendering adds a constant.
The path measured is the library's: a receipt of N serials with a GTIN and expiry, then
``Inventory.labels(document)`` (selection, content, layout) and ``job.save(path)`` (render).
Target (issue 12): 10,000 labels in one PDF in under 20 s. With the Digital Link QR that took
46 s (segno choosing each QR's mask module by module, every module run drawn as its own
rectangle in page units); with ``adapters/labels/qr.py`` and symbols drawn in module units,
15 s and a third of the file size (6.6 MB instead of 18.5 MB), on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def case(count: int, fmt: str, layout: str, preset: str, digital_link: bool) -> dict[str, object]:
    import serialtrack
    from serialtrack.inventory_labels import LabelsMixin

    with (
        tempfile.TemporaryDirectory() as tmp,
        serialtrack.open(f"sqlite:///{tmp}/bench.db") as inv,
    ):
        inv.add_location("Store")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("PHONE", "Phone X1 128GB", gtin="09506000134352")
        serials = [f"X1-{i:06d}" for i in range(count)]
        receipt = inv.receive(supplier="Acme", location="Store", lines=[
            {"sku": "PHONE", "serials": serials, "expiry": date(2099, 12, 31)}
        ])  # fmt: skip
        before = rss_mb()
        started = time.perf_counter()
        job = LabelsMixin.labels(
            inv, receipt.number, format=fmt, layout=layout, preset=preset,  # type: ignore[arg-type]
            digital_link=digital_link,
        )  # fmt: skip
        selected = time.perf_counter()
        path = Path(tmp) / f"labels.{fmt}"
        job.save(str(path))
        done = time.perf_counter()
        # the same again under tracemalloc: the Python heap's peak while selecting and
        # rendering (slower, so not timed), above what the open inventory already holds
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        again = LabelsMixin.labels(
            inv, receipt.number, format=fmt, layout=layout, preset=preset,  # type: ignore[arg-type]
            digital_link=digital_link,
        )  # fmt: skip
        selected_heap = tracemalloc.get_traced_memory()[0] - base
        again.save(str(path))
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        return {
            "heap_selection_mb": round(selected_heap / 2**20, 1),
            "heap_peak_mb": round(peak / 2**20, 1),
            "labels": job.count, "format": fmt, "layout": f"{layout} {preset}",
            "digital_link": digital_link,
            "select_s": round(selected - started, 2), "render_s": round(done - selected, 2),
            "total_s": round(done - started, 2),
            "per_1000_s": round((done - started) / job.count * 1000, 3),
            "file_mb": round(path.stat().st_size / 2**20, 2),
            "rss_before_mb": round(before, 1), "peak_rss_mb": round(rss_mb(), 1),
            "peak_growth_mb": round(rss_mb() - before, 1),
        }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--qr", action="store_true", help="only the Digital Link QR case")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        fmt, layout, preset, link = args.case.split(",")
        print(json.dumps(case(args.count, fmt, layout, preset, link == "1")))
        return
    cases = [
        "pdf,sheet,a4-3x8,0",
        "pdf,single,50x25,0",
        "pdf,sheet,a4-3x8,1",
        "zpl,single,50x25,0",
    ]
    if args.qr:
        cases = [spec for spec in cases if spec.endswith(",1")]
    counts = [args.count // 5, args.count]  # does memory grow with the number of labels?
    env = dict(os.environ)
    print(f"{'labels':>7} {'format':6} {'layout':17} {'QR':3} {'total s':>8} {'s/1000':>7} "
          f"{'file MB':>8} {'peak RSS':>9} {'heap: labels':>13} {'heap peak':>10}")  # fmt: skip
    for spec in cases:
        for n in counts:
            out = subprocess.run(
                [sys.executable, __file__, "--count", str(n), "--case", spec],
                capture_output=True, text=True, check=True, env=env,
            ).stdout  # fmt: skip
            r = json.loads(out.strip().splitlines()[-1])
            print(f"{r['labels']:>7} {r['format']:6} {r['layout']:17} "
                  f"{'yes' if r['digital_link'] else 'no':3} {r['total_s']:>8} "
                  f"{r['per_1000_s']:>7} {r['file_mb']:>8} {r['peak_rss_mb']:>8}M "
                  f"{r['heap_selection_mb']:>12}M {r['heap_peak_mb']:>9}M", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
