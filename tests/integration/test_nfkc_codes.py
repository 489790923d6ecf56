"""Issue 11: codes that look alike are one code (NFKC), names are stored in NFC."""

from __future__ import annotations

import pytest

from builders import shop, snapshot
from serialtrack.domain.codes import code_key, normal_code
from serialtrack.domain.errors import Conflict
from serialtrack.inventory import Inventory


def test_decomposed_composed_and_full_width_codes_are_one_code() -> None:
    assert code_key("CAFE\u0301") == code_key("CAF\u00c9") == code_key("caf\u00e9")
    assert code_key("\uff33\uff2e\uff0d\uff11\uff12")  # full-width "SN-12" == code_key("SN-12")
    assert normal_code(" CAFE\u0301 ") == "CAF\u00c9"
    assert normal_code("SN-1") == "SN-1"


def test_a_unit_received_in_one_form_is_the_unit_in_the_other(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["CAFE\u0301-1"])])
    before = snapshot(inv)
    with pytest.raises(Conflict, match="already known"):
        inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["CAF\u00c9-1"])])
    assert snapshot(inv) == before
    sale = inv.sell(location="Store", lines=[("PHONE", ["caf\u00e9-1"])])
    assert sale.lines[0]["serials"] == ["CAF\u00c9-1"]
    assert inv.check() == []


@pytest.mark.parametrize("look_alike", [False, True])
def test_upgrading_recomputes_keys_of_codes_stored_before(db_url: str, look_alike: bool) -> None:
    """A database of revision 0008 holds decomposed keys; 0009 makes them NFKC. Two units the
    old rule kept apart (decomposed and composed) stay apart: the upgrade never fails."""
    from sqlalchemy import text

    import serialtrack
    from serialtrack.adapters.db import migrate
    from serialtrack.adapters.db.engine import make_engine

    engine = make_engine(db_url)
    migrate.upgrade(engine, "0008")
    codes = ["CAFE\u0301", "CAF\u00c9"] if look_alike else ["CAFE\u0301"]
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO users (username, role, active, created_at, must_change_password) "
                "VALUES ('admin', 'admin', true, CURRENT_TIMESTAMP, false)"
            )
        )
        c.execute(
            text(
                "INSERT INTO locations (name, kind, active, created_at) "
                "VALUES ('Store', 'internal', true, CURRENT_TIMESTAMP)"
            )
        )
        c.execute(
            text(
                "INSERT INTO products (sku, name, unit, tracking, expiry_required, active, "
                "created_at) VALUES ('P', 'P', 'pcs', 'serial', false, true, CURRENT_TIMESTAMP)"
            )
        )
        for code in codes:
            c.execute(
                text(
                    "INSERT INTO serials (product_id, code, code_key, location_id, status, "
                    "created_at) VALUES (1, :code, :key, 1, 'in_stock', CURRENT_TIMESTAMP)"
                ),
                {"code": code, "key": code.casefold()},
            )
    migrate.upgrade(engine)
    with engine.begin() as c:
        keys = [r[0] for r in c.execute(text("SELECT code_key FROM serials ORDER BY id"))]
    engine.dispose()
    if look_alike:
        assert len(set(keys)) == 2  # still two units
    else:
        assert keys == ["caf\u00e9"]
        with serialtrack.open(db_url) as inv:
            assert inv.serial("P", "caf\u00e9").code == "CAFE\u0301"
