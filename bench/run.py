"""Hand-run benchmark of serialtrack through its public API: prints figures and ratios.

    .venv/bin/python bench/run.py                  # SQLite, "millions" check at 1,000,000
    .venv/bin/python bench/run.py --quick          # SQLite, "millions" check at 100,000
    .venv/bin/python bench/run.py --postgres       # PostgreSQL (127.0.0.1:5432, db test)
    .venv/bin/python bench/run.py --quick --http   # and sales and lookups over HTTP
    .venv/bin/python bench/run.py --postgres --only http   # 4 workers, 32 clients
    .venv/bin/python bench/run.py --big 2000000 --json figures.json

Beside each case its floor: the least work the same result needs, with the bare driver
(sqlite3 / psycopg) in the same run on the same backend (``floor_*`` steps).
Every measured step runs in a fresh subprocess (this same file with ``--step``), so the
peak-RSS delta of a step belongs to that step alone. Databases live in a temporary directory
(SQLite) or in throw-away ``bench_<random>_*`` schemas (PostgreSQL) dropped at the end.
This is not a test: nothing is asserted beyond "the API did not raise".
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import math
import os
import platform
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

PG_URL = os.environ.get(
    "SERIALTRACK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SKU = "PHONE"
STORE, SUPPLIER, CUSTOMER = "Store", "Acme", "Alice"
MARK = "BENCH-RESULT "
FILL_CHUNK = 250_000
SMALL = 10_000
SALES = 1000  # one-serial sale documents on the small database (and on its floor)
ROUNDS = 5  # the small cases are repeated and the median round kept (shared machines are noisy)

# --------------------------------------------------------------------------------------
# child side: one step, in its own process, printing one JSON line
# --------------------------------------------------------------------------------------

STEPS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {}


def step(fn: Callable[[argparse.Namespace], dict[str, Any]]) -> Callable[..., Any]:
    STEPS[fn.__name__.removeprefix("step_")] = fn
    return fn


def code(prefix: str, i: int) -> str:
    return f"{prefix}-{i:09d}"


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> int:
    """Start a fresh peak-RSS window; return the current RSS in KiB.

    Linux keeps the peak (VmHWM) per process image and lets ``clear_refs`` reset it. Where
    that is missing, ``ru_maxrss`` is the fallback: note that it survives ``exec``, so a
    child would inherit its parent's peak and small growths would read as zero.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status_kb("VmRSS") or 0
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_rss_kb() -> int:
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


PROFILE: str | None = None  # set in a child run with --profile: dump cProfile stats here


@contextmanager
def measured(out: dict[str, Any]) -> Iterator[None]:
    """Wall time, and how far the RSS peaked above its level at the start of the block."""
    profiler = None
    if PROFILE:
        import cProfile

        profiler = cProfile.Profile()
    gc.collect()
    before = reset_peak_rss()
    start, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    yield
    if profiler:
        profiler.disable()
        profiler.dump_stats(PROFILE)
    out["seconds"] = time.perf_counter() - start
    out["cpu_seconds"] = time.process_time() - cpu
    out["rss_peak_delta_mb"] = (peak_rss_kb() - before) / 1024
    out["rss_peak_mb"] = peak_rss_kb() / 1024


@contextmanager
def inventory(url: str) -> Iterator[Any]:
    import serialtrack

    inv = serialtrack.open(url)
    try:
        yield inv
    finally:
        inv.close()


@step
def step_setup(a: argparse.Namespace) -> dict[str, Any]:
    with inventory(a.url) as inv:
        inv.add_location(STORE)
        inv.add_partner(SUPPLIER, supplier=True)
        inv.add_partner(CUSTOMER, customer=True)
        inv.add_product(SKU, "Phone", "serial")
    return {}


@step
def step_receipt(a: argparse.Namespace) -> dict[str, Any]:
    """``rounds`` receipts of ``count`` new serials each, from ``prefix-start`` on; the
    median one is kept (one round for the large cases, so their peak RSS is theirs)."""
    rounds = []
    with inventory(a.url) as inv:
        for k in range(a.rounds):
            first = a.start + k * a.count
            codes = [code(a.prefix, i) for i in range(first, first + a.count)]
            this: dict[str, Any] = {"count": a.count}
            with measured(this):
                doc = inv.receive(supplier=SUPPLIER, location=STORE, lines=[(SKU, codes)])
            this["number"] = doc.number
            del codes, doc
            rounds.append(this)
    out = median_round(rounds)
    out["seconds_rounds"] = [r["seconds"] for r in rounds]
    return out


@step
def step_cancel(a: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with inventory(a.url) as inv, measured(out):
        inv.cancel(a.number)
    return out


@step
def step_sales(a: argparse.Namespace) -> dict[str, Any]:
    """``count`` sale documents of one serial each, serials ``start`` .. in order."""
    codes = [code(a.prefix, i) for i in range(a.start, a.start + a.count)]
    out: dict[str, Any] = {"count": a.count}
    with inventory(a.url) as inv, measured(out):
        for c in codes:
            inv.sell(customer=CUSTOMER, location=STORE, lines=[(SKU, [c])])
    out["ms_each"] = out["seconds"] * 1000 / a.count
    out["cpu_ms_each"] = out["cpu_seconds"] * 1000 / a.count
    return out


def median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round of median wall time: a stray slow round (a busy neighbour) or fast one (no
    garbage collection fell in it) moves it less than it moves the best or the mean."""
    return sorted(rounds, key=lambda r: r["seconds"])[len(rounds) // 2]


def median_of_rounds(out: dict[str, Any], count: int, once: Callable[[], int]) -> None:
    """Time ``once`` (which does ``count`` operations) ``ROUNDS`` times; keep the median."""
    rounds = []
    for _ in range(ROUNDS):
        this: dict[str, Any] = {}
        with measured(this):
            out["touched"] = once()
        rounds.append(this)
    out.update(median_round(rounds))
    out["ms_each"] = out["seconds"] * 1000 / count
    out["cpu_ms_each"] = out["cpu_seconds"] * 1000 / count
    out["ms_each_rounds"] = [r["seconds"] * 1000 / count for r in rounds]


@step
def step_lookups(a: argparse.Namespace) -> dict[str, Any]:
    """``count`` lookups (with history) of random serials among ``prefix-0`` .. ``pool-1``."""
    rng = random.Random(a.seed)
    codes = [code(a.prefix, rng.randrange(a.pool)) for _ in range(a.count)]
    out: dict[str, Any] = {"count": a.count}
    with inventory(a.url) as inv:
        median_of_rounds(out, a.count, lambda: sum(len(inv.serial(SKU, c).history) for c in codes))
    return out


@step
def step_pages(a: argparse.Namespace) -> dict[str, Any]:
    """``count`` pages of ``inv.serials(sku=, status="in_stock")`` at random keyset positions."""
    rng = random.Random(a.seed)
    afters = [0] + [rng.randrange(a.pool) for _ in range(a.count - 1)]
    out: dict[str, Any] = {"count": a.count}

    def once() -> int:
        return sum(
            len(inv.serials(sku=SKU, status="in_stock", after_id=after, limit=100))
            for after in afters
        )

    with inventory(a.url) as inv:
        median_of_rounds(out, a.count, once)
    return out


@step
def step_report(a: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rows = 0
    with inventory(a.url) as inv, measured(out):
        for _row in inv.report():
            rows += 1
    out["rows"] = rows
    return out


@step
def step_calibrate(a: argparse.Namespace) -> dict[str, Any]:
    """Fixed pure-Python work: how fast the machine is right now (it drifts when shared)."""
    rng = random.Random(0)
    data = [rng.random() for _ in range(200_000)]
    out: dict[str, Any] = {}
    with measured(out):
        for _ in range(3):
            index = {f"{x:.12f}": i for i, x in enumerate(sorted(data))}
            del index
    return out


# --------------------------------------------------------------------------------------
# floors: the least work the same result needs, with the bare driver (sqlite3 / psycopg)
# --------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(" ")


def _stamp(db: Bare) -> Any:
    """Now, as the driver binds a timestamp: a datetime for psycopg, ISO text for sqlite3."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now if db.pg else now.isoformat(" ")


def _floor_rows(count: int, prefix: str = "F", start: int = 0) -> Iterator[tuple[Any, ...]]:
    now = _now()
    for i in range(start, start + count):
        c = code(prefix, i)
        yield (1, c, c.casefold(), 1, "in_stock", 1, 1, now)


SERIALS_COLUMNS = (
    "product_id, code, code_key, location_id, status, last_document_id, created_document_id,"
    " created_at"
)
SERIALS_DDL = """
create table serials (
    id integer primary key, product_id integer not null, code varchar(100) not null,
    code_key varchar(100) not null, location_id integer not null, status varchar(24) not null,
    last_document_id integer, reserved_by integer, created_document_id integer, expiry date,
    notes text, created_at timestamp not null, unique (product_id, code_key))
"""
SERIALS_INSERT = f"insert into serials ({SERIALS_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)"
LEDGER_DDL = """
create index ix_serials_code_key on serials (code_key);
create index ix_serials_location_status on serials (location_id, status);
create index ix_serials_product_status on serials (product_id, status);
create index ix_serials_reserved_by on serials (reserved_by);
create table moves (
    id integer primary key, at timestamp not null, document_id integer not null,
    line_id integer not null, product_id integer not null, serial_id integer,
    quantity integer not null, from_location_id integer not null,
    to_location_id integer not null, user_id integer not null, reversal boolean not null);
create index ix_moves_serial on moves (serial_id, id);
create index ix_moves_document on moves (document_id);
create index ix_moves_product_at on moves (product_id, at);
create table documents (
    id integer primary key, kind varchar(24) not null, number varchar(60) not null,
    state varchar(12) not null, date date not null, partner_id integer,
    from_location_id integer not null, to_location_id integer not null,
    created_by integer not null, created_at timestamp not null, posted_by integer,
    posted_at timestamp, cancelled_by integer, cancelled_at timestamp,
    unique (kind, number));
create index ix_documents_state_kind on documents (state, kind);
create index ix_documents_partner on documents (partner_id);
"""
MOVES_COLUMNS = (
    "at, document_id, line_id, product_id, serial_id, quantity, from_location_id,"
    " to_location_id, user_id, reversal"
)
MOVES_INSERT = f"insert into moves ({MOVES_COLUMNS}) values (?, ?, 1, 1, ?, 1, ?, ?, 1, ?)"
DOCUMENT_INSERT = (
    "insert into documents (kind, number, state, date, partner_id, from_location_id,"
    " to_location_id, created_by, created_at, posted_by, posted_at)"
    " values (?, ?, 'posted', ?, ?, ?, ?, 1, ?, 1, ?) returning id"
)
SUPPLIER_PLACE, STORE_PLACE, CUSTOMER_PLACE = 2, 1, 3  # location ids in the floor databases


class Bare:
    """The bare driver on a bench database: sqlite3 with WAL and ``synchronous=FULL`` (as
    serialtrack sets them; no foreign keys: least work) and explicit ``BEGIN IMMEDIATE``, or
    psycopg (one transaction per ``begin``/``commit``, ``COPY`` for bulk rows)."""

    def __init__(self, url: str) -> None:
        self.pg = not url.startswith("sqlite:///")
        self.db: Any
        if self.pg:
            import psycopg

            self.db = psycopg.connect(url)
        else:
            self.db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            self.db.execute("pragma journal_mode=WAL")
            self.db.execute("pragma synchronous=FULL")

    def sql(self, text: str) -> str:
        if not self.pg:
            return text
        return text.replace("?", "%s").replace("integer primary key", "bigserial primary key")

    def script(self, ddl: str) -> None:
        for statement in filter(str.strip, ddl.split(";")):
            self.db.execute(self.sql(statement))
        if self.pg:
            self.db.commit()

    def execute(self, text: str, params: tuple[Any, ...] = ()) -> Any:
        return self.db.execute(self.sql(text), params)

    def begin(self) -> None:
        if not self.pg:  # psycopg opens a transaction at the first statement
            self.db.execute("begin immediate")

    def commit(self) -> None:
        if self.pg:
            self.db.commit()
        else:
            self.db.execute("commit")

    def bulk(self, table: str, columns: str, rows: Iterator[tuple[Any, ...]]) -> None:
        """Many rows: ``executemany`` on SQLite, ``COPY ... FROM STDIN`` on PostgreSQL."""
        if self.pg:
            with self.db.cursor() as cur, cur.copy(f"copy {table} ({columns}) from stdin") as cp:
                for row in rows:
                    cp.write_row(row)
        else:
            marks = ", ".join("?" * len(columns.split(",")))
            self.db.executemany(f"insert into {table} ({columns}) values ({marks})", rows)

    def close(self) -> None:
        self.db.close()


@step
def step_floor_setup(a: argparse.Namespace) -> dict[str, Any]:
    """The tables of the ledger floor: serials with every index, moves, documents."""
    db = Bare(a.url)
    db.script(SERIALS_DDL + ";" + LEDGER_DDL)
    db.close()
    return {}


@step
def step_floor_plain(a: argparse.Namespace) -> dict[str, Any]:
    """``count`` rows into a table with only its unique index (the first floor asked for)."""
    db = Bare(a.url)
    db.script(SERIALS_DDL)
    out: dict[str, Any] = {"count": a.count}
    with measured(out):
        db.begin()
        db.bulk("serials", SERIALS_COLUMNS, _floor_rows(a.count))
        db.commit()
    db.close()
    return out


def _floor_receipt(db: Bare, prefix: str, start: int, count: int) -> int:
    """What a receipt needs: its document row, the serials with every index, one move each."""
    now, today = _now(), datetime.now(UTC).date().isoformat()
    db.begin()
    number = f"R-{prefix}-{start}"
    (doc,) = db.execute(
        DOCUMENT_INSERT, ("receipt", number, today, 1, SUPPLIER_PLACE, STORE_PLACE, now, now)
    ).fetchone()
    rows = ((1, c, k, STORE_PLACE, s, doc, doc, at) for (_, c, k, _, s, _, _, at) in
            _floor_rows(count, prefix, start))  # fmt: skip
    db.bulk("serials", SERIALS_COLUMNS, rows)
    (last,) = db.execute("select max(id) from serials").fetchone()
    moves = (
        (now, doc, 1, 1, i, 1, SUPPLIER_PLACE, STORE_PLACE, 1, False)
        for i in range(last - count + 1, last + 1)
    )
    db.bulk("moves", MOVES_COLUMNS, moves)
    db.commit()
    return int(doc)


@step
def step_floor_receipt(a: argparse.Namespace) -> dict[str, Any]:
    """``rounds`` floor receipts of ``count`` serials (median kept), like ``step_receipt``."""
    db = Bare(a.url)
    rounds = []
    for k in range(a.rounds):
        this: dict[str, Any] = {"count": a.count}
        with measured(this):
            this["number"] = _floor_receipt(db, a.prefix, a.start + k * a.count, a.count)
        rounds.append(this)
    db.close()
    out = median_round(rounds)
    out["seconds_rounds"] = [r["seconds"] for r in rounds]
    return out


@step
def step_floor_cancel(a: argparse.Namespace) -> dict[str, Any]:
    """Cancel document ``number`` (an id here): the document's state, its serials back where
    they came from (if still where it left them), and one reversal move per move."""
    db = Bare(a.url)
    doc, now = int(a.number), _stamp(db)
    out: dict[str, Any] = {}
    with measured(out):
        db.begin()
        changed = db.execute(
            "update documents set state = 'cancelled', cancelled_by = 1, cancelled_at = ?"
            " where id = ? and state = 'posted'",
            (now, doc),
        ).rowcount
        assert changed == 1
        db.execute(
            "update serials set location_id = ?, status = 'returned', last_document_id = null"
            " where id in (select serial_id from moves where document_id = ? and reversal = ?)"
            " and last_document_id = ? and location_id = ?",
            (SUPPLIER_PLACE, doc, False, doc, STORE_PLACE),
        )
        db.execute(
            f"insert into moves ({MOVES_COLUMNS}) select ?, document_id, line_id, product_id,"
            " serial_id, quantity, to_location_id, from_location_id, ?, ? from moves"
            " where document_id = ? and reversal = ? order by id",
            (now, 1, True, doc, False),
        )
        db.commit()
    db.close()
    return out


@step
def step_floor_lookups(a: argparse.Namespace) -> dict[str, Any]:
    """The lookups of ``step_lookups`` (same codes): the serial row by its unique key, then
    its moves by serial id."""
    rng = random.Random(a.seed)
    keys = [code(a.prefix, rng.randrange(a.pool)).casefold() for _ in range(a.count)]
    db = Bare(a.url)
    one = db.sql(
        "select id, code, status, location_id, last_document_id, reserved_by, expiry, notes,"
        " created_at from serials where product_id = ? and code_key = ?"
    )
    history = db.sql(f"select id, {MOVES_COLUMNS} from moves where serial_id = ? order by id")

    def once() -> int:
        n = 0
        for key in keys:
            row = db.db.execute(one, (1, key)).fetchone()
            n += len(db.db.execute(history, (row[0],)).fetchall())
        if db.pg:
            db.db.rollback()  # end the read transaction psycopg opened
        return n

    out: dict[str, Any] = {"count": a.count}
    median_of_rounds(out, a.count, once)
    db.close()
    return out


@step
def step_floor_sales(a: argparse.Namespace) -> dict[str, Any]:
    """``count`` sale documents of one serial each, like ``step_sales``: per document one
    transaction: the document row, a compare-and-set on the serial's status, one move."""
    db = Bare(a.url)
    keys = [code(a.prefix, i).casefold() for i in range(a.start, a.start + a.count)]
    today = datetime.now(UTC).date().isoformat()
    document, move = db.sql(DOCUMENT_INSERT), db.sql(MOVES_INSERT)
    take = db.sql(
        "update serials set status = 'sold', location_id = ?, last_document_id = ?"
        " where product_id = ? and code_key = ? and status = 'in_stock' and location_id = ?"
        " and reserved_by is null returning id"
    )
    run = db.db.execute
    out: dict[str, Any] = {"count": a.count}
    with measured(out):
        for n, key in enumerate(keys):
            now = _now()
            db.begin()
            number = f"S-{a.start + n}"
            (doc,) = run(
                document, ("sale", number, today, 3, STORE_PLACE, CUSTOMER_PLACE, now, now)
            ).fetchone()
            taken = run(take, (CUSTOMER_PLACE, doc, 1, key, STORE_PLACE)).fetchone()
            if taken is None:
                raise RuntimeError(f"serial {key} is not in stock")
            run(move, (now, doc, taken[0], STORE_PLACE, CUSTOMER_PLACE, False))
            db.commit()
    out["ms_each"] = out["seconds"] * 1000 / a.count
    out["cpu_ms_each"] = out["cpu_seconds"] * 1000 / a.count
    db.close()
    return out


# --------------------------------------------------------------------------------------
# over HTTP: a real ``serialtrack serve`` and keep-alive clients, one thread each
# --------------------------------------------------------------------------------------

Request = tuple[str, str, str | None]  # method, path, JSON body


@step
def step_http_sales(a: argparse.Namespace) -> dict[str, Any]:
    """``count`` one-serial sales (serials ``prefix-0`` .. in order) as ``POST
    /api/v1/documents``, dealt round-robin to ``clients`` threads (no two ask for the same
    serial), against ``serialtrack serve --workers <workers>`` on ``url``."""
    work: list[list[Request]] = [[] for _ in range(a.clients)]
    for i in range(a.count):
        line = {"sku": SKU, "serials": [code(a.prefix, i)]}
        body = {"kind": "sale", "partner": CUSTOMER, "location": STORE, "lines": [line]}
        work[i % a.clients].append(("POST", "/api/v1/documents", json.dumps(body)))
    return _http_step(a, work, 201)


@step
def step_http_lookups(a: argparse.Namespace) -> dict[str, Any]:
    """``count`` lookups ``GET /api/v1/products/<sku>/serials/<code>`` (the serial with its
    history) of random serials among ``prefix-0`` .. ``pool-1``, dealt to ``clients`` threads."""
    rng = random.Random(a.seed)
    work: list[list[Request]] = [[] for _ in range(a.clients)]
    for i in range(a.count):
        path = f"/api/v1/products/{SKU}/serials/{code(a.prefix, rng.randrange(a.pool))}"
        work[i % a.clients].append(("GET", path, None))
    return _http_step(a, work, 200)


def _http_step(a: argparse.Namespace, work: list[list[Request]], expect: int) -> dict[str, Any]:
    """Serve ``url``; run ``work`` (one list of requests per client) once every client has
    its connection open and its token used once (untimed); per-request latencies, and the
    requests per second from the start signal to the last answer. With ``--profile-file``
    and one worker the server runs under cProfile (its file: ``.server``)."""
    with inventory(a.url) as inv:
        tokens = [inv.create_token("admin", f"bench client {i}") for i in range(a.clients)]
    out: dict[str, Any] = {"count": a.count, "clients": a.clients, "workers": a.workers}
    with _served(a) as port:
        ready, go = threading.Barrier(a.clients + 1), threading.Event()
        latencies: list[list[float]] = [[] for _ in work]
        errors: list[str] = []
        threads = [
            threading.Thread(
                target=_client,
                args=(port, token, todo, expect, (ready, go), into, errors),
                daemon=True,
            )
            for token, todo, into in zip(tokens, work, latencies, strict=True)
        ]
        for thread in threads:
            thread.start()
        try:
            ready.wait(timeout=120)  # every client connected and authenticated once
        except threading.BrokenBarrierError:
            raise RuntimeError(f"a client could not start: {errors[:1]}") from None
        with measured(out):
            go.set()
            for thread in threads:
                thread.join()
        if errors:
            raise RuntimeError(f"{len(errors)} requests failed; the first: {errors[0]}")
    every = sorted(x for one in latencies for x in one)
    out["p50_ms"] = every[len(every) // 2]
    out["p99_ms"] = every[min(len(every) - 1, math.ceil(len(every) * 0.99) - 1)]
    out["requests_per_second"] = a.count / out["seconds"]
    out["ms_each"] = out["seconds"] * 1000 / a.count
    out["cpu_ms_each"] = out["cpu_seconds"] * 1000 / a.count
    return out


def _client(
    port: int,
    token: str,
    todo: list[Request],
    expect: int,
    start: tuple[threading.Barrier, threading.Event],
    latencies: list[float],
    errors: list[str],
) -> None:
    """One client: its own keep-alive connection and bearer token, used once (untimed); then
    ``todo`` in order from the ``go`` signal; what does not answer ``expect`` goes to
    ``errors``."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        conn.request("GET", "/api/v1/me", headers=headers)
        answer = conn.getresponse()
        answer.read()
        if answer.status != 200:
            errors.append(f"GET /api/v1/me: {answer.status}")
        ready, go = start
        ready.wait(timeout=120)
        go.wait()
        for method, path, body in todo:
            t0 = time.perf_counter()
            conn.request(method, path, body, headers)
            answer = conn.getresponse()
            data = answer.read()
            latencies.append((time.perf_counter() - t0) * 1000)
            if answer.status != expect:
                errors.append(f"{method} {path}: {answer.status}: {data[:500]!r}")
    except Exception as error:  # reported by the step; the barrier lets the others go on
        errors.append(repr(error))
        start[0].abort()
    finally:
        conn.close()


@contextmanager
def _served(a: argparse.Namespace) -> Iterator[int]:
    """``serialtrack serve --workers <workers>`` on ``url`` and a free port, its output in
    ``log``; yields the port once ``/api/v1/health`` answers; stops it (and its workers)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "SERIALTRACK_DATABASE_URL": a.url}
    command = [sys.executable]
    profiled = a.profile_file and a.workers == 1  # cProfile would see only the supervisor
    if profiled:
        command += ["-m", "cProfile", "-o", a.profile_file + ".server"]
    command += ["-m", "serialtrack", "serve", "--port", str(port), "--workers", str(a.workers)]
    with open(a.log, "wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_server(port, server, a.log)
            yield port
        finally:
            # SIGINT under cProfile: uvicorn re-raises the signal it caught once it has shut
            # down; a KeyboardInterrupt still lets cProfile write its file, a SIGTERM does not.
            server.send_signal(signal.SIGINT if profiled else signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    text = Path(a.log).read_text(errors="replace")
    if "Traceback" in text:
        print(f"the server logged a traceback ({a.log}):\n{text[-3000:]}", file=sys.stderr)


def _wait_for_server(port: int, server: subprocess.Popen[bytes], log: str) -> None:
    """Return once ``/api/v1/health`` answers 200."""
    import http.client

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited (see {log})")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", "/api/v1/health")
            answer = conn.getresponse()
            answer.read()
            if answer.status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise RuntimeError("the server did not answer in 60 s")


def child(a: argparse.Namespace) -> None:
    global PROFILE
    PROFILE = a.profile_file
    result = STEPS[a.step](a)
    print(MARK + json.dumps(result), flush=True)


# --------------------------------------------------------------------------------------
# parent side: databases, the sequence of steps, the table
# --------------------------------------------------------------------------------------


class SqliteDatabases:
    name = "sqlite"

    def __init__(self, directory: str | None) -> None:
        self.dir = tempfile.mkdtemp(prefix="serialtrack-bench-", dir=directory)

    def new(self, name: str) -> str:
        return f"sqlite:///{os.path.join(self.dir, name + '.db')}"

    def size_mb(self, url: str) -> float | None:
        path = url.removeprefix("sqlite:///")
        files = [path, path + "-wal"]
        return sum(os.path.getsize(p) for p in files if os.path.exists(p)) / 1e6

    def analyze(self, url: str) -> None:
        """Nothing: serialtrack runs no ANALYZE on SQLite and neither does this bench."""

    def stop_queries(self) -> None:
        """Nothing: a killed SQLite client leaves nothing running."""

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresDatabases:
    """One ``bench_<random>_<name>`` schema per database, all dropped by ``close``.

    Every connection of the bench names itself ``bench_<random>`` (application_name), so a
    step that timed out can have its server-side query stopped before the schemas go.
    With ``analyze`` each receipt is followed by ``ANALYZE``, which autovacuum would do on
    most servers a minute later (see README: without statistics the report's plan is bad).
    """

    name = "postgresql"

    def __init__(self, url: str, *, analyze: bool, directory: str | None = None) -> None:
        import psycopg

        self.url = url
        self.dir = tempfile.mkdtemp(prefix="serialtrack-bench-", dir=directory)  # server logs
        self.prefix = f"bench_{uuid.uuid4().hex[:10]}"
        self.schemas: list[str] = []
        self.connect = psycopg.connect
        self.run_analyze = analyze

    def new(self, name: str) -> str:
        schema = f"{self.prefix}_{name}"
        with self.connect(self.url, autocommit=True) as db:
            db.execute(f'create schema "{schema}"')
        self.schemas.append(schema)
        sep = "&" if "?" in self.url else "?"
        options = quote(f"-csearch_path={schema}")
        return f"{self.url}{sep}options={options}&application_name={self.prefix}"

    def size_mb(self, url: str) -> float | None:
        schema = next(s for s in self.schemas if quote(s) in url)
        query = (
            "select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = %s and c.relkind in ('r', 'm')"
        )
        with self.connect(self.url) as db:
            return int(db.execute(query, (schema,)).fetchone()[0]) / 1e6  # type: ignore[index]

    def analyze(self, url: str) -> None:
        if self.run_analyze:
            with self.connect(url, autocommit=True) as db:
                db.execute("analyze")

    def stop_queries(self) -> None:
        query = (
            "select pg_terminate_backend(pid) from pg_stat_activity"
            " where application_name = %s and pid <> pg_backend_pid()"
        )
        with self.connect(self.url, autocommit=True) as db:
            db.execute(query, (self.prefix,))

    def close(self) -> None:
        self.stop_queries()
        with self.connect(self.url, autocommit=True) as db:
            for schema in self.schemas:
                db.execute(f'drop schema if exists "{schema}" cascade')
        shutil.rmtree(self.dir, ignore_errors=True)


class Runner:
    """Runs steps in fresh interpreters and keeps what each printed, by case name.

    A step that fails or outlives ``timeout`` gives NaN figures (shown as n/a) and the run
    goes on; after a receipt the database is given its statistics (``dbs.analyze``).
    """

    def __init__(self, dbs: Any, profile_dir: str | None, timeout: float) -> None:
        self.dbs = dbs
        self.raw: dict[str, Any] = {}
        self.profile_dir = profile_dir
        self.timeout = timeout

    def __call__(self, case: str, step_name: str, url: str, **options: Any) -> dict[str, Any]:
        command = [sys.executable, os.path.abspath(__file__), "--step", step_name, "--url", url]
        if self.profile_dir:
            options["profile-file"] = os.path.join(self.profile_dir, case + ".prof")
        for key, value in options.items():
            command += [f"--{key}", str(value)]
        print(f"  ... {case}", end="", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            done = subprocess.run(
                command, stdout=subprocess.PIPE, text=True, check=False, timeout=self.timeout
            )
        except subprocess.TimeoutExpired:
            self.dbs.stop_queries()
            return self._missing(case, f"timed out after {self.timeout:.0f} s")
        print(f"  ({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)
        if done.returncode != 0:
            return self._missing(case, f"failed (exit {done.returncode}, traceback above)")
        lines = [x for x in done.stdout.splitlines() if x.startswith(MARK)]
        self.raw[case] = json.loads(lines[-1].removeprefix(MARK))
        if step_name in ("receipt", "floor_receipt"):
            self.dbs.analyze(url)
        return self.raw[case]

    def _missing(self, case: str, why: str) -> dict[str, Any]:
        print(f"  {why}", file=sys.stderr, flush=True)
        self.raw[case] = defaultdict(lambda: math.nan, {"status": why})
        return self.raw[case]

    def problems(self) -> list[str]:
        return [f"{case}: {r['status']}" for case, r in self.raw.items() if "status" in r]


def human(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


class Table:
    """Rows of case, figure, unit and, against a reference case (its floor: the same work with
    the bare driver in the same run; or, for ``*_on_<big>`` and ``fill_*``, the small-database
    case), the reference's figure, the ratio of wall times and the ratio of this process's CPU
    times (steadier on a busy machine; on PostgreSQL it leaves out the server's share)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        case: str,
        figure: float,
        unit: str,
        ratio: float | None = None,
        vs: str = "",
        cpu_ratio: float | None = None,
        floor: float | None = None,
    ) -> None:
        row = {"case": case, "figure": figure, "unit": unit, "floor": floor, "ratio": ratio}
        self.rows.append({**row, "cpu_ratio": cpu_ratio, "vs": vs})

    def against(
        self, case: str, this: dict[str, Any], base: dict[str, Any], name: str, unit: str
    ) -> None:
        """A per-unit figure (``ms_each``) or a duration (``seconds``) beside its reference."""
        key, cpu = ("ms_each", "cpu_ms_each") if "ms_each" in base else ("seconds", "cpu_seconds")
        figure, floor = this[key], base[key]
        self.add(case, figure, unit, figure / floor, name, this[cpu] / base[cpu], floor)

    def print(self) -> None:
        header = ("case", "figure", "floor", "unit", "ratio", "cpu ratio", "floor (reference)")
        cells = [header] + [
            (
                r["case"],
                _fmt(r["figure"]),
                "" if r["floor"] is None else _fmt(r["floor"]),
                r["unit"],
                _times(r["ratio"]),
                _times(r["cpu_ratio"]),
                r["vs"],
            )
            for r in self.rows
        ]
        widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
        align = "<>><>><"
        for n, c in enumerate(cells):
            print(
                "  ".join(f"{x:{a}{w}}" for x, a, w in zip(c, align, widths, strict=True)).rstrip()
            )
            if n == 0:
                print("-" * (sum(widths) + 2 * (len(widths) - 1)))
        print(
            "\nfloor: the reference's figure in the same unit; ratio, cpu ratio: wall-clock /"
            " this process's CPU time\nper unit of work divided by the reference's"
            " (1.00x = as fast, 2.00x = twice as slow)."
        )


def _times(ratio: float | None) -> str:
    return "" if ratio is None or math.isnan(ratio) else f"{ratio:.2f}x"


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if x < 1 else f"{x:.2f}"


def run_empty(dbs: Any, t: Table, run: Runner) -> None:
    """DB "a": a 100k receipt on an empty database, its report, its cancellation; beside
    them the floors: the same receipt and cancel with the bare driver, and the 100k rows into
    a table with only its unique index."""
    url = dbs.new("a")
    run("setup_a", "setup", url)
    r = run("receipt_100000", "receipt", url, prefix="R", start=0, count=100_000)
    rep = run("report_stream_100000", "report", url)
    c = run("cancel_receipt_100000", "cancel", url, number=r["number"])
    floor_url = dbs.new("floor_a")
    run("floor_setup_a", "floor_setup", floor_url)
    fr = run("floor_receipt_100000", "floor_receipt", floor_url, prefix="R", count=100_000)
    fc = run("floor_cancel_100000", "floor_cancel", floor_url, number=fr["number"])
    fp = run("floor_unique_only_100000", "floor_plain", dbs.new("floor_plain"), count=100_000)
    t.against("receipt_100000", r, fr, "floor_receipt_100000", "s")
    t.against("receipt_100000", r, fp, "floor_unique_only_100000", "s")
    t.add("receipt_100000", 100_000 / r["seconds"], "serials/s", floor=100_000 / fr["seconds"])
    t.add("receipt_100000", r["rss_peak_delta_mb"], "MB peak RSS delta")
    t.against("cancel_receipt_100000", c, fc, "floor_cancel_100000", "s")
    t.add("report_stream_100000", rep["seconds"], "s")
    t.add("report_stream_100000", rep["rows"] / rep["seconds"], "rows/s")
    t.add("report_stream_100000", rep["rss_peak_delta_mb"], "MB peak RSS delta")


def _ratios(this: dict[str, Any], base: dict[str, Any], name: str, per: float = 1) -> tuple:
    """(wall ratio, reference name, CPU ratio) of ``this`` to ``base``; ``per`` is how many
    times more work ``this`` did."""
    wall = this["seconds"] / base["seconds"] / per
    return wall, name, this["cpu_seconds"] / base["cpu_seconds"] / per


def run_small(dbs: Any, url: str, t: Table, run: Runner, seed: int, sales: int) -> int:
    """DB "b" while small: 10k receipts, then lookups, pages and sales among those serials;
    the same receipts, lookups and sales on a floor database. Returns how many serials DB
    "b" holds."""
    run("setup_b", "setup", url)
    r = run("receipt_10000", "receipt", url, prefix="S", start=0, count=SMALL, rounds=ROUNDS)
    held = SMALL * ROUNDS
    lk = run("lookups_1000", "lookups", url, prefix="S", pool=held, count=1000, seed=seed)
    pg = run("serials_page_20", "pages", url, pool=held, count=20, seed=seed)
    s = run(f"sales_{sales}", "sales", url, prefix="S", start=0, count=sales)
    floor = dbs.new("floor_b")
    run("floor_setup_b", "floor_setup", floor)
    fr = run("floor_receipt_10000", "floor_receipt", floor, prefix="S", count=SMALL, rounds=ROUNDS)
    fl = run("floor_lookups_1000", "floor_lookups", floor, prefix="S", pool=held, count=1000,
             seed=seed)  # fmt: skip
    fs = run(f"floor_sales_{sales}", "floor_sales", floor, prefix="S", start=0, count=sales)
    t.against("receipt_10000", r, fr, "floor_receipt_10000", "s")
    t.add("receipt_10000", SMALL / r["seconds"], "serials/s", floor=SMALL / fr["seconds"])
    t.against(f"sales_{sales}", s, fs, f"floor_sales_{sales}", "ms/document")
    t.against("lookups_1000", lk, fl, "floor_lookups_1000", "ms/lookup")
    t.add("serials_page_20", pg["ms_each"], "ms/page")
    return held


def http_shape(a: argparse.Namespace) -> tuple[int, int]:
    """(server workers, concurrent clients) of the HTTP cases: one and one on SQLite (its
    writers queue for one lock), 4 and 32 on PostgreSQL, unless given."""
    workers = a.http_workers or (4 if a.postgres else 1)
    return workers, a.http_clients or (32 if a.postgres else 1)


def run_http(dbs: Any, t: Table, run: Runner, a: argparse.Namespace, sales: int) -> None:
    """One-serial sales, then lookups of those serials (with history) over HTTP against
    ``serialtrack serve``: p50, p99 and requests per second, each beside the bare-driver
    floor and beside the same operation through the library (one connection, in-process)."""
    workers, clients = http_shape(a)
    url, count = dbs.new("http"), a.http_sales
    run("setup_http", "setup", url)
    run(f"receipt_http_{count}", "receipt", url, prefix="H", count=count)
    shape = {"workers": workers, "clients": clients}
    h = run(f"http_sales_{count}", "http_sales", url, prefix="H", count=count,
            log=os.path.join(dbs.dir, "http_sales.server.log"), **shape)  # fmt: skip
    lk = run(f"http_lookups_{a.http_lookups}", "http_lookups", url, prefix="H", pool=count,
             count=a.http_lookups, seed=a.seed,
             log=os.path.join(dbs.dir, "http_lookups.server.log"), **shape)  # fmt: skip
    for case, r, unit, refs in (
        ("http_sale", h, "ms/document", (f"floor_sales_{sales}", f"sales_{sales}")),
        ("http_lookup", lk, "ms/lookup", ("floor_lookups_1000", "lookups_1000")),
    ):
        for q in ("p50", "p99"):
            ms = r[f"{q}_ms"]
            for ref in refs:
                each = run.raw[ref]["ms_each"]
                t.add(f"{case}_{q}", ms, unit, ms / each, ref, None, each)
        rps = r["requests_per_second"]
        for ref in refs:
            one = 1000 / run.raw[ref]["ms_each"]  # the reference's rate on one connection
            t.add(f"{case}_rps", rps, "requests/s", one / rps, ref, None, one)


def run_fill(dbs: Any, url: str, t: Table, run: Runner, held: int, big: int) -> int:
    """Grow DB "b" by ``big`` serials with receipts of up to ``FILL_CHUNK``; return its size."""
    small = run.raw["receipt_10000"]
    filled = held
    while filled < held + big:
        n = min(FILL_CHUNK, held + big - filled)
        case = f"fill_{human(n)}_on_{human(filled)}"
        f = run(case, "receipt", url, prefix="S", start=filled, count=n)
        t.add(
            case,
            n / f["seconds"],
            "serials/s",
            *_ratios(f, small, "receipt_10000", n / SMALL),
            floor=SMALL / small["seconds"],
        )
        t.add(case, f["rss_peak_delta_mb"], "MB peak RSS delta")
        filled += n
    size = dbs.size_mb(url)
    if size is not None:
        t.add(f"db_size_{human(filled)}", size, "MB")
    return filled


def run_big(url: str, t: Table, run: Runner, filled: int, tag: str, seed: int, sales: int) -> None:
    """DB "b" once big: the small-database cases again, each with its ratio to the small one."""
    on = f"_on_{tag}"
    rb = run(
        "receipt_10000" + on, "receipt", url, prefix="S", start=filled, count=SMALL, rounds=ROUNDS
    )
    pool = filled + SMALL * ROUNDS
    lb = run("lookups_100" + on, "lookups", url, prefix="S", pool=pool, count=100, seed=seed)
    pb = run("serials_page_20" + on, "pages", url, pool=pool, count=20, seed=seed)
    sb = run("sales_100" + on, "sales", url, prefix="S", start=sales, count=100)
    raw = run.raw
    t.against("receipt_10000" + on, rb, raw["receipt_10000"], "receipt_10000", "s")
    for case, r, unit, base in (
        ("lookups_100", lb, "ms/lookup", "lookups_1000"),
        ("sales_100", sb, "ms/document", f"sales_{sales}"),
        ("serials_page_20", pb, "ms/page", "serials_page_20"),
    ):
        t.against(case + on, r, raw[base], base, unit)


def source_version() -> str:
    """The commit, plus a digest of src/ when it differs from it (the code measured)."""
    root = Path(__file__).resolve().parent.parent
    git = ["git", "-C", str(root)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "src"], capture_output=True)
    if not dirty.stdout:
        return head.stdout.strip() or "unknown"
    digest = hashlib.sha1()
    for path in sorted((root / "src").rglob("*.py")):
        digest.update(path.read_bytes())
    return f"{head.stdout.strip()}+src-{digest.hexdigest()[:10]}"


def calibrate(t: Table, run: Runner, case: str, reference: str | None = None) -> None:
    """A fixed CPU-bound step: if the "before_big" one is slower than the "before_small" one,
    the machine got busier in between and the big/small ratios are inflated by about that."""
    c = run(case, "calibrate", "-")
    if reference is None:
        t.add(case, c["seconds"], "s")
    else:
        t.add(case, c["seconds"], "s", *_ratios(c, run.raw[reference], reference))


def meta(a: argparse.Namespace, backend: str, big: int) -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": backend,
        "big": big,
        "serialtrack": version("serialtrack"),
        "source": source_version(),
        "sqlalchemy": version("SQLAlchemy"),
        "psycopg": version("psycopg"),
        "sqlite": sqlite3.sqlite_version,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
        "seed": a.seed,
        "load_average": os.getloadavg()[0],
    }


def parent(a: argparse.Namespace) -> None:
    big = a.big if a.big is not None else (100_000 if a.quick else 1_000_000)
    dbs: Any = (
        PostgresDatabases(a.postgres_url, analyze=not a.no_analyze, directory=a.tmpdir)
        if a.postgres
        else SqliteDatabases(a.tmpdir)
    )
    info = meta(a, dbs.name, big)
    if a.postgres:
        info["analyze_after_receipts"] = not a.no_analyze
    if a.only:
        info["only"] = a.only
    if a.http:
        info["http_workers"], info["http_clients"] = http_shape(a)
    print("serialtrack bench: " + ", ".join(f"{k}={v}" for k, v in info.items()), file=sys.stderr)
    if a.profile:
        os.makedirs(a.profile, exist_ok=True)
    t, run = Table(), Runner(dbs, a.profile, a.timeout)
    started = time.perf_counter()
    everything = a.only is None
    try:
        if everything:
            run_empty(dbs, t, run)
        url = dbs.new("b")
        calibrate(t, run, "calibration_before_small")
        held = run_small(dbs, url, t, run, a.seed, SALES)  # also the HTTP cases' references
        if a.http:
            run_http(dbs, t, run, a, SALES)
        if everything:
            filled = run_fill(dbs, url, t, run, held, big)
            calibrate(t, run, "calibration_before_big", "calibration_before_small")
            run_big(url, t, run, filled, human(big), a.seed, SALES)
    finally:
        dbs.close()
    info["total_seconds"] = round(time.perf_counter() - started, 1)
    info["load_average_end"] = os.getloadavg()[0]
    print()
    print(
        f"serialtrack {info['serialtrack']} ({info['source']}) on {dbs.name};"
        f" {f'only {a.only}' if a.only else f'big = {big:,}'};"
        f" {info['machine']};"
        f" load average {info['load_average']:.2f} -> {info['load_average_end']:.2f}"
    )
    print()
    t.print()
    for problem in run.problems():
        print(f"n/a  {problem}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": info, "rows": t.rows, "raw": run.raw}, f, indent=2)
        print(f"\nfigures written to {a.json}", file=sys.stderr)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--postgres", action="store_true", help=f"use PostgreSQL ({PG_URL})")
    p.add_argument("--postgres-url", default=PG_URL, help="server and database for --postgres")
    p.add_argument("--quick", action="store_true", help="the big-database check at 100,000")
    p.add_argument("--big", type=int, help="serials in the big database (default 1,000,000)")
    p.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    p.add_argument("--tmpdir", help="directory for the SQLite files (default: system temp)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--http",
        action="store_true",
        help="also one-serial sales and lookups over HTTP against `serialtrack serve` (SQLite:"
        " 1 worker, 1 client; PostgreSQL: 4 workers, 32 concurrent clients)",
    )
    p.add_argument("--http-sales", type=int, default=500, help="sales over HTTP (default 500)")
    p.add_argument(
        "--http-lookups", type=int, default=1000, help="lookups over HTTP (default 1000)"
    )
    p.add_argument("--http-workers", type=int, help="server workers (default 1; PostgreSQL 4)")
    p.add_argument(
        "--http-clients", type=int, help="concurrent HTTP clients (default 1; PostgreSQL 32)"
    )
    p.add_argument(
        "--only",
        choices=["http"],
        help="http: only the HTTP cases (implies --http) and the small-database cases they"
        " are compared with; no 100k receipt, no big database",
    )
    p.add_argument("--profile", metavar="DIR", help="write a cProfile file per case to DIR")
    p.add_argument(
        "--timeout", type=float, default=1200, help="seconds a step may take (default 1200)"
    )
    p.add_argument(
        "--no-analyze",
        action="store_true",
        help="PostgreSQL: do not ANALYZE after receipts (as on a server without autovacuum)",
    )
    child_options = p.add_argument_group("internal (one step in a subprocess)")
    child_options.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    child_options.add_argument("--url", help=argparse.SUPPRESS)
    child_options.add_argument("--prefix", default="S", help=argparse.SUPPRESS)
    child_options.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    child_options.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    child_options.add_argument("--pool", type=int, default=0, help=argparse.SUPPRESS)
    child_options.add_argument("--rounds", type=int, default=1, help=argparse.SUPPRESS)
    child_options.add_argument("--number", help=argparse.SUPPRESS)
    child_options.add_argument("--profile-file", help=argparse.SUPPRESS)
    child_options.add_argument("--clients", type=int, default=1, help=argparse.SUPPRESS)
    child_options.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    child_options.add_argument("--log", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.only == "http":
        a.http = True
    return a


def main() -> None:
    a = parse()
    if a.step:
        child(a)
    else:
        parent(a)


if __name__ == "__main__":
    main()
