"""The ledger's hash chain: any change to an entry, or to the order, changes the digests."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from serialtrack.domain.chain import FIELDS, GENESIS, canonical, link, seal

MOVE = {
    "at": datetime(2026, 12, 2, 9, 30, 1, 250), "document_id": 7, "line_id": 9, "product_id": 3,
    "serial_id": 11, "serial_code": "A5-0008", "batch_id": None, "quantity": 1,
    "from_location_id": 1, "to_location_id": 2, "user_id": 1, "reversal": False,
}  # fmt: skip


def test_the_canonical_text_is_stable() -> None:
    """Stored digests depend on this text: a change here breaks every existing ledger."""
    assert canonical("move", 5, MOVE) == "\x1f".join(
        ["move", "5", "2026-12-02T09:30:01.000250", "7", "9", "3", "11", "A5-0008", "\x00",
         "1", "1", "2", "1", "0"]
    )  # fmt: skip
    event = {"at": datetime(2026, 1, 1), "date": date(2026, 1, 1), "number": "SO-000001"}
    assert canonical("event", 1, event).split("\x1f")[7] == "2026-01-01"
    body = GENESIS + "\x1e" + canonical("move", 5, MOVE)
    assert link(GENESIS, "move", 5, MOVE) == hashlib.sha256(body.encode()).hexdigest()


@given(st.sampled_from([f for f in FIELDS["move"] if f != "at"]), st.integers(0, 10**9))
def test_changing_any_field_changes_the_digest(field: str, value: int) -> None:
    changed = {**MOVE, field: value if MOVE[field] != value else value + 1}
    assert link(GENESIS, "move", 1, changed) != link(GENESIS, "move", 1, MOVE)


def test_seal_numbers_and_chains_entries_in_order() -> None:
    rows = [dict(MOVE, serial_id=i) for i in range(3)]
    last_seq, last = seal(GENESIS, 10, "move", rows)
    assert [r["seq"] for r in rows] == [10, 11, 12]
    assert last_seq == 12
    assert rows[0]["digest"] == link(GENESIS, "move", 10, rows[0])
    assert rows[1]["digest"] == link(rows[0]["digest"], "move", 11, rows[1])
    assert last == rows[2]["digest"]
    swapped = [dict(MOVE, serial_id=i) for i in (1, 0, 2)]
    assert seal(GENESIS, 10, "move", swapped)[1] != last


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2), st.integers(), st.text(max_size=4),
    st.sampled_from([1.0, 0.0, 2.5]), st.decimals(allow_nan=False, places=1),
    st.datetimes(), st.dates(),
)  # fmt: skip


@settings(deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(FIELDS["move"]), _VALUES), max_size=24))
def test_seal_gives_each_row_the_digest_link_gives_it(rows: list[dict[str, object]]) -> None:
    """seal writes each value's text once per call: values that are equal but written
    differently (1, True, 1.0, Decimal('1.0')) and rows missing fields still chain as
    ``link`` does, one by one."""
    expected, digest = [], GENESIS
    for seq, row in enumerate(rows, start=4):
        digest = link(digest, "move", seq, row)
        expected.append(digest)
    sealed = [dict(row) for row in rows]
    assert seal(GENESIS, 4, "move", sealed) == (3 + len(rows), digest)
    assert [r["digest"] for r in sealed] == expected
