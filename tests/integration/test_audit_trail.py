"""The audit trail keeps old and new values of every change, names what it is about, and can
be read (managers and admins) with filters and pages; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from serialtrack.domain.errors import Forbidden, Invalid
from serialtrack.inventory import Inventory

PASSWORD = "audit-pass-1"


@pytest.fixture
def shop(inv: Inventory) -> Inventory:
    inv.add_product("PHN-X", "Phone X")
    inv.add_location("Store")
    inv.add_partner("Acme", supplier=True)
    inv.add_user("kim", "clerk", PASSWORD)
    inv.add_user("mia", "manager", PASSWORD)
    return inv


def latest(inv: Inventory, **filters: object) -> dict:  # type: ignore[type-arg]
    (row,) = inv.audit(limit=1, **filters)  # type: ignore[arg-type]
    return row


def test_a_rename_keeps_the_old_and_the_new_name(shop: Inventory) -> None:
    shop.update_product("PHN-X", name="Phone X renamed", unit="pcs")  # unit unchanged
    row = latest(shop)
    assert (row["entity"], row["name"], row["action"], row["user"]) == (
        "product", "PHN-X", "update", "admin",
    )  # fmt: skip
    assert row["detail"]["changes"] == {"name": {"old": "Phone X", "new": "Phone X renamed"}}
    assert row["summary"] == "name: Phone X → Phone X renamed"

    shop.rename_location("Store", "Main store")
    row = latest(shop, entity="location")
    assert row["name"] == "Main store"
    assert row["summary"] == "name: Store → Main store"

    shop.update_partner("Acme", name="Acme Ltd", customer=True)
    row = latest(shop, entity="partner")
    assert row["detail"]["changes"] == {
        "name": {"old": "Acme", "new": "Acme Ltd"},
        "customer": {"old": False, "new": True},
    }
    assert "name: Acme → Acme Ltd" in row["summary"]
    assert shop.check() == []


def test_creations_record_the_values_created(shop: Inventory) -> None:
    rows = {(r["entity"], r["action"]): r for r in shop.audit(limit=50)}
    assert rows[("product", "create")]["detail"]["name"] == "Phone X"
    assert rows[("location", "create")]["name"] == "Store"
    assert rows[("partner", "create")]["detail"]["supplier"] is True
    user = shop.audit(entity="user", text="mia")[0]
    assert user["detail"] == {"username": "mia", "role": "manager", "active": True}


def test_settings_users_tokens_and_serials_have_old_and_new_values(shop: Inventory) -> None:
    shop.set_setting("allow_negative_stock", "true")
    row = latest(shop, entity="setting")
    assert (row["name"], row["action"]) == ("allow_negative_stock", "set")
    assert row["summary"] == "allow_negative_stock: false → true"

    shop.set_role("kim", "manager")
    row = latest(shop, entity="user")
    assert (row["name"], row["action"]) == ("kim", "role")
    assert row["detail"]["changes"] == {"role": {"old": "clerk", "new": "manager"}}
    assert row["summary"] == "role: clerk → manager"

    shop.set_user_active("kim", False)
    assert latest(shop, entity="user")["summary"] == "active: yes → no"

    shop.set_password("kim", "another-pass-2")
    row = latest(shop, entity="user")
    assert (row["action"], row["summary"]) == ("password", "password changed")
    assert "another-pass-2" not in str(row)
    assert "argon2" not in str(row)

    shop.create_token("mia", "ci")
    (token,) = shop.tokens()
    assert latest(shop, entity="token")["name"] == "ci (mia)"
    shop.revoke_token(token["id"])
    row = latest(shop, entity="token")
    assert (row["name"], row["action"]) == ("ci (mia)", "revoke")
    assert row["detail"]["changes"] == {"revoked": {"old": False, "new": True}}

    shop.receive(supplier="Acme", location="Store", lines=[("PHN-X", ["X-1O0", "X-200"])])
    shop.correct_serial("PHN-X", "X-1O0", "X-100", reason="letter O for zero")
    row = latest(shop, entity="serial")
    assert (row["name"], row["action"]) == ("PHN-X X-100", "correct_code")
    assert row["summary"] == "code: X-1O0 → X-100; reason: letter O for zero"

    shop.delete_serial("PHN-X", "X-200", reason="never existed")
    row = latest(shop, entity="serial")
    assert (row["name"], row["action"]) == ("PHN-X X-200", "delete")  # from the record
    assert shop.check() == []


def test_tracking_switch_keeps_old_and_new_mode(shop: Inventory) -> None:
    shop.add_product("CBL", "Cable", tracking="none")
    shop.switch_tracking("CBL", "batch")
    row = latest(shop, entity="product")
    assert (row["name"], row["action"]) == ("CBL", "tracking")
    assert row["summary"] == "tracking: none → batch"
    assert shop.check() == []


def test_filters_and_pages(shop: Inventory) -> None:
    shop.as_user("mia").update_product("PHN-X", name="Phone X2")
    by_mia = shop.audit(user="mia")
    assert [(r["user"], r["name"], r["action"]) for r in by_mia] == [("mia", "PHN-X", "update")]
    assert {r["entity"] for r in shop.audit(entity="user")} == {"user"}
    assert [r["detail"]["username"] for r in shop.audit(entity="user", text="KIM")] == ["kim"]
    assert shop.audit(text="no such thing") == []

    today = date.today()
    assert shop.audit(since=today + timedelta(days=2)) == []
    assert shop.audit(until=today - timedelta(days=2)) == []
    assert len(shop.audit(since=today - timedelta(days=1), until=today + timedelta(days=1))) == 6
    assert len(shop.audit(since=str(today - timedelta(days=1)))) == 6

    everything = shop.audit()
    ids = [r["id"] for r in everything]
    assert ids == sorted(ids, reverse=True)  # newest first
    first = shop.audit(limit=4)
    older = shop.audit(limit=4, before_id=first[-1]["id"])
    assert [r["id"] for r in first + older] == ids

    with pytest.raises(Invalid):
        shop.audit(entity="document")
    with pytest.raises(Invalid):
        shop.audit(since="yesterday")
    with pytest.raises(Invalid):
        shop.audit(limit=0)


def test_managers_and_admins_read_it_clerks_and_viewers_do_not(shop: Inventory) -> None:
    assert shop.as_user("mia").audit()
    shop.add_user("vic", "viewer", PASSWORD)
    for name in ("kim", "vic"):
        with pytest.raises(Forbidden):
            shop.as_user(name).audit()
