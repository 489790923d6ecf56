"""Small helpers that build the world a test needs, with names that say what they are."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from serialtrack.adapters.db.tables import batch_quants, quants, serials
from serialtrack.inventory import Inventory

_counter = itertools.count(1)


def codes(prefix: str, count: int, start: int = 1) -> list[str]:
    return [f"{prefix}-{n:04d}" for n in range(start, start + count)]


def shop(inv: Inventory) -> Inventory:
    """A store, a warehouse, two suppliers, two customers, a phone (serial) and a cable (qty)."""
    inv.add_location("Store")
    inv.add_location("Warehouse")
    inv.add_partner("Acme", supplier=True)
    inv.add_partner("Globex", supplier=True)
    inv.add_partner("Alice", customer=True)
    inv.add_partner("Bob", customer=True)
    inv.add_product("PHONE", "Phone", "serial", customer_warranty_days=365)
    inv.add_product("CABLE", "Cable", "none")
    return inv


def snapshot(inv: Inventory) -> dict[str, Any]:
    """Everything a refusal must leave untouched: row counts, every serial's state, quantities."""
    with inv.store.transaction(write=False) as tx:
        counts = tx.reads.counts()
        columns = (serials.c.id, serials.c.location_id, serials.c.status, serials.c.reserved_by)
        serial_rows = sorted(
            tuple(r) for r in tx.connection.execute(select(*columns, serials.c.last_document_id))
        )
        # A place holding nothing is the same whether its row is 0 or absent.
        quant_rows = sorted(tuple(r) for r in tx.connection.execute(select(quants)) if r[-1])
        quant_rows += sorted(
            tuple(r) for r in tx.connection.execute(select(batch_quants)) if r.quantity
        )
        documents = [(d.number, d.state) for d in tx.reads.documents(None, None, 10_000)]
    return {"counts": counts, "serials": serial_rows, "quants": quant_rows, "documents": documents}


def race(actions: list[Callable[[], Any]]) -> list[object]:
    """Run ``actions`` at the same moment on threads; return each result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = actions[i]()
        except Exception as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
