"""Two ``serialtrack serve`` processes on one PostgreSQL database, selling the same serials at
once: each serial is sold exactly once, the other requests are refused naming the serial, no
5xx, the books check clean and neither server logs a traceback.

What a shop with two tills (or two hosts behind a load balancer) does: nothing in a server's
memory may stand in for the database's say on who took a unit.
"""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests

import serialtrack
from builders import codes
from e2e.live import live_server
from serialtrack import SerialStatus

SERIALS = 40
# Four tills, two on each server: every serial is asked for by all four at the same moment.
TILLS = [("Alice", 0), ("Bob", 1), ("Carol", 0), ("Dave", 1)]
SKU, STORE = "PHONE", "Store"

pytestmark = pytest.mark.postgres


def _prepare(url: str) -> tuple[list[str], list[str]]:
    """A store, a supplier, the tills' customers, ``SERIALS`` phones received; a token per
    till (admin: the shop's settings do not stand between a clerk and a sale here)."""
    sn = codes("TWO", SERIALS)
    with serialtrack.open(url) as inv:
        inv.add_location(STORE)
        inv.add_partner("Acme", supplier=True)
        for customer, _ in TILLS:
            inv.add_partner(customer, customer=True)
        inv.add_product(SKU, "Phone", "serial")
        inv.receive(supplier="Acme", location=STORE, lines=[(SKU, sn)])
        tokens = [inv.create_token("admin", f"till {customer}") for customer, _ in TILLS]
    return sn, tokens


def _till(
    base: str, token: str, customer: str, sn: list[str], start: threading.Barrier,
    out: list[tuple[str, str, int, Any]],
) -> None:  # fmt: skip
    """One till: its own keep-alive connection; each serial only once all four are ready."""
    headers = {"Authorization": f"Bearer {token}"}
    with requests.Session() as session:
        for code in sn:
            sale = {"kind": "sale", "partner": customer, "location": STORE,
                    "lines": [{"sku": SKU, "serials": [code]}]}  # fmt: skip
            try:
                start.wait(timeout=60)
                answer = session.post(base + "/api/v1/documents", json=sale, headers=headers,
                                      timeout=60)  # fmt: skip
                json_body = "json" in answer.headers.get("content-type", "")
                body = answer.json() if json_body else answer.text
                out.append((code, customer, answer.status_code, body))
            except Exception as error:  # shown by the test; the broken barrier stops the others
                start.abort()
                out.append((code, customer, -1, repr(error)))
                return


def _log_problems(log: Path) -> str | None:
    text = log.read_text(errors="replace")
    return text[-5000:] if "Traceback" in text else None


def test_two_servers_selling_the_same_serials_sell_each_once(
    postgres_url: str, tmp_path: Path
) -> None:
    sn, tokens = _prepare(postgres_url)
    logs = [tmp_path / "server-a.log", tmp_path / "server-b.log"]
    results: list[tuple[str, str, int, Any]] = []
    with ExitStack() as servers:
        bases = [servers.enter_context(live_server(postgres_url, log)) for log in logs]
        assert bases[0] != bases[1]
        start = threading.Barrier(len(TILLS))
        tills = [
            threading.Thread(
                target=_till, args=(bases[server], token, customer, sn, start, results)
            )
            for (customer, server), token in zip(TILLS, tokens, strict=True)
        ]
        for till in tills:
            till.start()
        for till in tills:
            till.join(timeout=120)
        assert not any(till.is_alive() for till in tills), "a till hung"
        check = requests.get(
            bases[1] + "/api/v1/check",
            headers={"Authorization": f"Bearer {tokens[0]}"},
            timeout=120,
        )
        assert check.status_code == 200, check.text
        assert check.json()["ok"] is True, check.json()

    failed = [r for r in results if r[2] < 0 or r[2] >= 500]
    assert not failed, failed
    assert len(results) == SERIALS * len(TILLS), results
    winners: dict[str, str] = {}
    for code, customer, status, body in results:
        if status == 201:
            assert code not in winners, f"{code} sold twice: {winners[code]} and {customer}"
            winners[code] = customer
        else:
            assert status in (409, 422), (code, customer, status, body)
            assert code in json.dumps(body), (code, status, body)  # the refusal names it
    assert sorted(winners) == sn, f"unsold: {sorted(set(sn) - set(winners))}"
    servers = {server for customer, server in TILLS if customer in winners.values()}
    assert servers == {0, 1}, f"one server sold everything: {winners}"  # both really raced

    with serialtrack.open(postgres_url) as inv:
        assert len(inv.documents(kind="sale", limit=1000)) == SERIALS
        for code in sn:
            unit = inv.serial(SKU, code)
            assert (unit.status, unit.holder) == (SerialStatus.SOLD, winners[code]), code
        assert inv.check() == []
    for log in logs:
        assert _log_problems(log) is None, f"{log.name}:\n{_log_problems(log)}"
