"""Where a large receipt's time goes on PostgreSQL: foreign-key checks.

Copies the rows of a receipt of ``--count`` serials (serials, then one move each) into
serialtrack's own tables, made by ``serialtrack.open`` in a throw-away schema, the way the
bulk path does (``COPY``), twice: with the foreign keys checked as always, and with the
checking triggers off (``session_replication_role = replica``, superuser only: for this
measurement, never in the product). The difference is what referential integrity costs;
the plain floor of ``run.py`` checks none.

    .venv/bin/python bench/pg_foreign_keys.py [--count 100000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from urllib.parse import quote

import psycopg

import serialtrack

PG_URL = os.environ.get(
    "SERIALTRACK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
AT = "2026-12-03 10:00:00"


def _schema() -> tuple[str, str]:
    schema = f"bench_fk_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as c:
        c.execute(f'create schema "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}", schema


def once(count: int, *, checked: bool) -> dict[str, float]:
    url, schema = _schema()
    try:
        with serialtrack.open(url) as inv:
            inv.add_location("Store")
            inv.add_partner("Acme", supplier=True)
            inv.add_product("PHONE", "Phone")
            inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["FIRST"])])
        with psycopg.connect(url) as c:
            doc, line, product, store, supplier, user = c.execute(
                "select d.id, l.id, l.product_id, d.to_location_id, d.from_location_id,"
                " d.created_by from documents d join lines l on l.document_id = d.id"
            ).fetchone()
            c.execute("analyze")
            c.commit()
            if not checked:
                c.execute("set session_replication_role = replica")
            start = time.perf_counter()
            columns = (
                "product_id, code, code_key, location_id, status, last_document_id,"
                " created_document_id, created_at"
            )
            with c.cursor() as cur, cur.copy(f"copy serials ({columns}) from stdin") as cp:
                for i in range(count):
                    key = f"s-{i:07d}"
                    cp.write_row((product, key.upper(), key, store, "in_stock", doc, doc, AT))
            serials_done = time.perf_counter()
            ids = [r[0] for r in c.execute("select id from serials where id > 1 order by id")]
            columns = (
                "at, document_id, line_id, product_id, serial_id, serial_code, quantity,"
                " from_location_id, to_location_id, user_id, reversal, seq, digest"
            )
            with c.cursor() as cur, cur.copy(f"copy moves ({columns}) from stdin") as cp:
                for n, serial_id in enumerate(ids):
                    cp.write_row((AT, doc, line, product, serial_id, f"S-{n:07d}", 1, supplier,
                                  store, user, False, 10 + n, "0" * 64))  # fmt: skip
            c.commit()
            end = time.perf_counter()
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as c:
            c.execute(f'drop schema "{schema}" cascade')
    return {"serials": serials_done - start, "moves": end - serials_done, "total": end - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    a = parser.parse_args()
    best: dict[bool, dict[str, float]] = {}
    for _ in range(a.rounds):
        for checked in (True, False):
            r = once(a.count, checked=checked)
            if checked not in best or r["total"] < best[checked]["total"]:
                best[checked] = r
    print(f"COPY of a {a.count:,}-serial receipt's rows into serialtrack's tables (best of "
          f"{a.rounds}):")  # fmt: skip
    for checked, label in ((True, "foreign keys checked"), (False, "checking triggers off")):
        r = best[checked]
        print(f"  {label:22} serials {r['serials']:6.2f} s  moves {r['moves']:6.2f} s"
              f"  total {r['total']:6.2f} s")  # fmt: skip
    ratio = best[True]["total"] / best[False]["total"]
    print(f"  foreign keys: {ratio:.2f}x the load without them")


if __name__ == "__main__":
    main()
