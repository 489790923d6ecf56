"""Idempotency keys: the key, the document and the answer commit together or not at all.

In-process (TestClient) for replay, reuse, refusals, purging and keys left by older versions;
against a real server for identical requests racing, and for a server killed with SIGKILL in
the middle of a stream of sales and restarted on the same database.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import serialtrack
from e2e.live import free_port, live_server
from serialtrack.adapters.db.idempotency import IdempotencyRepo
from serialtrack.demo import load_demo
from serialtrack.entrypoints.web import create_app
from serialtrack.inventory import utc_now


def sale(*codes: str) -> dict[str, Any]:
    return {"kind": "sale", "location": "Main store",
            "lines": [{"sku": "PHN-X1", "serials": list(codes)}]}  # fmt: skip


@dataclass
class Api:
    client: TestClient
    token: str
    url: str

    def post(self, body: dict[str, Any], key: str | None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post("/api/v1/documents", json=body, headers=headers)


def seeded(url: str) -> str:
    """The demo shop plus a clerk; the clerk's API token."""
    with serialtrack.open(url) as inv:
        load_demo(inv)
        inv.add_user("kim", "clerk", "kim-password")
        return inv.create_token("kim", "pos")


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    token = seeded(db_url)
    with TestClient(create_app(db_url)) as client:
        yield Api(client, token, db_url)


def sales(url: str) -> list[dict[str, Any]]:
    with serialtrack.open(url) as inv:
        return inv.documents(kind="sale", limit=1000)


def keys(url: str) -> dict[str, Any]:
    with serialtrack.open(url) as inv, inv.store.transaction(write=False) as tx:
        from serialtrack.adapters.db.tables import idempotency_keys

        rows = tx.connection.execute(idempotency_keys.select()).mappings()
        return {row["key"]: dict(row) for row in rows}


def add_key(url: str, key: str, *, age: timedelta, status: int = 201, request_hash: str = "x"):  # type: ignore[no-untyped-def]
    """A stored key ``age`` old, as an earlier request (or an older version) left it."""
    with serialtrack.open(url) as inv, inv.store.transaction() as tx:
        user_id = tx.catalog.user("kim")["id"]
        response = json.dumps({"number": "SO-OLD"}) if status else ""
        IdempotencyRepo(tx.connection).remember(
            user_id, key, request_hash, status, response, utc_now() - age
        )


def test_a_retry_replays_the_answer_and_writes_once(api: Api) -> None:
    before = len(sales(api.url))
    first = api.post(sale("X1-00010"), "pos-1")
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    retry = api.post(sale("X1-00010"), "pos-1")
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert len(sales(api.url)) == before + 1
    stored = keys(api.url)["pos-1"]
    assert stored["status_code"] == 201
    assert json.loads(stored["response"])["number"] == first.json()["number"]


def test_the_same_key_for_another_request_is_a_409(api: Api) -> None:
    assert api.post(sale("X1-00010"), "pos-2").status_code == 201
    other = api.post(sale("X1-00011"), "pos-2")
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    body = other.json()
    assert body["detail"] == "this Idempotency-Key was used for a different request"
    assert body["errors"] == [{"where": "Idempotency-Key", "message": "pos-2"}]
    with serialtrack.open(api.url) as inv:
        assert inv.serial("PHN-X1", "X1-00011").status.value == "in_stock"


def test_a_refusal_is_replayed_and_writes_nothing(api: Api) -> None:
    before = len(sales(api.url))
    refused = api.post(sale("X1-00002"), "pos-3")  # sold in the demo
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "X1-00002" in json.dumps(refused.json()["errors"])
    again = api.post(sale("X1-00002"), "pos-3")
    assert (again.status_code, again.json()) == (409, refused.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == "application/problem+json"
    assert len(sales(api.url)) == before
    assert keys(api.url)["pos-3"]["status_code"] == 409


def test_a_viewer_or_a_bad_key_is_refused_before_any_key_is_stored(api: Api) -> None:
    with serialtrack.open(api.url) as inv:
        inv.add_user("vic", "viewer", "vic-password")
        viewer = Api(api.client, inv.create_token("vic"), api.url)
    assert viewer.post(sale("X1-00010"), "pos-4").status_code == 403
    long_key = api.post(sale("X1-00010"), "k" * 201)
    assert long_key.status_code == 422
    control = api.post(sale("X1-00010"), "pos\x7f4")
    assert control.status_code == 422, control.text
    assert keys(api.url) == {}


def test_old_keys_are_purged_and_the_retention_is_a_setting(api: Api) -> None:
    add_key(api.url, "ancient", age=timedelta(hours=25))
    add_key(api.url, "recent", age=timedelta(hours=2))
    assert api.post(sale("X1-00010"), "pos-5").status_code == 201
    assert set(keys(api.url)) == {"recent", "pos-5"}
    with serialtrack.open(api.url) as inv:
        inv.set_setting("idempotency_retention_hours", "1")
        assert inv.setting("idempotency_retention_hours") == "1"
    assert api.post(sale("X1-00011"), "pos-6").status_code == 201
    assert set(keys(api.url)) == {"pos-5", "pos-6"}


def test_a_key_older_than_the_retention_runs_afresh(api: Api) -> None:
    add_key(api.url, "pos-7", age=timedelta(hours=30), request_hash="another request")
    answer = api.post(sale("X1-00010"), "pos-7")
    assert answer.status_code == 201, answer.text
    assert answer.json()["number"] != "SO-OLD"


def test_a_key_left_in_progress_by_an_older_version(api: Api) -> None:
    """Older versions claimed the key in a transaction of its own (status 0): one left so
    for over a minute is abandoned and the request runs afresh; a fresher one is still busy."""
    add_key(api.url, "abandoned", age=timedelta(minutes=5), status=0)
    add_key(api.url, "busy", age=timedelta(seconds=5), status=0)
    before = len(sales(api.url))
    fresh = api.post(sale("X1-00010"), "abandoned")
    assert fresh.status_code == 201, fresh.text
    assert api.post(sale("X1-00010"), "abandoned").json() == fresh.json()
    busy = api.post(sale("X1-00011"), "busy")
    assert busy.status_code == 409
    assert "still being processed" in busy.json()["detail"]
    assert len(sales(api.url)) == before + 1


# --- against a real server ---------------------------------------------------------------


def call(base: str, token: str, body: dict[str, Any], key: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        base + "/api/v1/documents", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 "Idempotency-Key": key},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        finally:
            error.close()


def test_identical_requests_at_once_write_one_document(db_url: str, tmp_path: Path) -> None:
    token = seeded(db_url)
    before = len(sales(db_url))
    body, results = sale("X1-00012", "X1-00013"), []
    barrier = threading.Barrier(20)

    def send() -> None:
        barrier.wait()
        results.append(call(base, token, body, "till-9-receipt-77"))

    with live_server(db_url, tmp_path / "server.log") as base:
        threads = [threading.Thread(target=send) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert len(results) == 20
    assert {status for status, _ in results} == {201}, results
    assert len({answer["number"] for _, answer in results}) == 1
    assert len({json.dumps(answer, sort_keys=True) for _, answer in results}) == 1
    assert len(sales(db_url)) == before + 1
    with serialtrack.open(db_url) as inv:
        assert inv.check() == []


# --- kill -9 in the middle ---------------------------------------------------------------

CRASH_SERIALS = [f"CR-{n:03d}" for n in range(60)]
CRASH_KEYS = 100  # key i sells CRASH_SERIALS[i % 60]: 40 serials are wanted by two keys


def crash_sale(index: int) -> dict[str, Any]:
    code = CRASH_SERIALS[index % len(CRASH_SERIALS)]
    return {"kind": "sale", "location": "Main store",
            "lines": [{"sku": "CRASH", "serials": [code]}]}  # fmt: skip


def start_server(db_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "SERIALTRACK_DATABASE_URL": db_url}
    command = [sys.executable, "-m", "serialtrack", "serve", "--port", str(port)]
    with log.open("ab") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text(errors="replace")[-2000:]
        try:
            with urllib.request.urlopen(base + "/api/v1/health", timeout=2):
                return server, base
        except OSError:
            time.sleep(0.1)
    server.kill()
    server.wait()
    raise AssertionError("the server did not start")


def fire(base: str, token: str, indexes: list[int], answers: dict[int, Any], lock: Any) -> None:
    for index in indexes:
        try:
            answer: Any = call(base, token, crash_sale(index), f"crash-{index}")
        except (OSError, http.client.HTTPException) as error:
            answer = f"lost: {type(error).__name__}"
        with lock:
            answers[index] = answer


def send_and_kill(db_url: str, token: str, log: Path) -> dict[int, Any]:
    """Send every key from six threads; SIGKILL the server a third of the way through."""
    server, base = start_server(db_url, log)
    first: dict[int, Any] = {}
    lock = threading.Lock()
    try:
        shares = [list(range(CRASH_KEYS))[n::6] for n in range(6)]
        threads = [
            threading.Thread(target=fire, args=(base, token, share, first, lock))
            for share in shares
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while len(first) < CRASH_KEYS // 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(server.pid, signal.SIGKILL)  # in the middle: some requests are in flight
        server.wait()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    return first


@pytest.mark.slow
def test_a_server_killed_mid_stream_leaves_every_key_resolvable(
    db_url: str, tmp_path: Path
) -> None:
    token = seeded(db_url)
    with serialtrack.open(db_url) as inv:
        inv.add_product("CRASH", "Crash-test unit", "serial")
        inv.opening_balance(location="Main store", lines=[("CRASH", CRASH_SERIALS)])
    log = tmp_path / "server.log"
    first = send_and_kill(db_url, token, log)
    answered = {i: a for i, a in first.items() if isinstance(a, tuple)}
    assert 0 < len(answered) < CRASH_KEYS, first
    assert any(isinstance(a, str) for a in first.values()), "nothing was cut short"

    server, base = start_server(db_url, log)
    final: dict[int, Any] = {}
    lock = threading.Lock()
    try:
        fire(base, token, list(range(CRASH_KEYS)), final, lock)
    finally:
        server.terminate()
        server.wait(timeout=20)

    for index, (status, body) in final.items():
        assert status in (201, 409), (index, status, body)
        assert "still being processed" not in json.dumps(body), (index, body)
        if status == 409:
            assert "CR-" in json.dumps(body["errors"]), body  # the unit was sold to another key
        if index in answered:  # answered before the crash: the retry replays that answer
            assert (status, body) == answered[index], index
    sold = {i: body["number"] for i, (status, body) in final.items() if status == 201}
    assert len(set(sold.values())) == len(sold)
    with serialtrack.open(db_url) as inv:
        views = [inv.document(row["id"]) for row in inv.documents(kind="sale", limit=1000)]
        crash = {
            view.number: [code for line in view.lines if line["sku"] == "CRASH"
                          for code in line["serials"]]
            for view in views if any(line["sku"] == "CRASH" for line in view.lines)
        }  # fmt: skip
        assert set(crash) == set(sold.values())  # one sale per key that got 201, no other
        units = [code for codes in crash.values() for code in codes]
        assert len(units) == len(set(units)), "a unit was sold twice"
        for index, number in sold.items():
            assert crash[number] == [CRASH_SERIALS[index % len(CRASH_SERIALS)]]
        assert sorted(units) == CRASH_SERIALS  # every unit wanted ends up sold, once
        assert inv.check() == []
