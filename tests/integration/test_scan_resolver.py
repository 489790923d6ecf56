"""Issue 10, findings 2, 4 and 5: one scan resolver for every place a code enters.

A GS1 element string or Digital Link gives its serial (AI 21); a GTIN that is not the line's
product is refused; the product's own GTIN or SKU names the product, never a new unit; an
earlier (corrected) code finds the unit under its current code, in documents and in counts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import serialtrack
from builders import shop, snapshot
from serialtrack.domain.errors import Conflict, Invalid, SerialtrackError
from serialtrack.entrypoints.web import create_app
from serialtrack.inventory import Inventory
from templates import initialized

GTIN = "09506000134352"
OTHER_GTIN = "09506000134369"


@pytest.fixture
def phones(inv: Inventory) -> Inventory:
    shop(inv)
    inv.update_product("PHONE", gtin=GTIN)
    return inv


def serials_of(inv: Inventory, sku: str = "PHONE") -> dict[str, str]:
    return {s["serial"]: s["status"] for s in inv.serials(sku=sku, limit=1000)}


def refused(inv: Inventory, action, *needles: str) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(inv)
    with pytest.raises(SerialtrackError) as caught:
        action()
    text = str(caught.value) + " " + " ".join(p.message for p in caught.value.problems)
    for needle in needles:
        assert needle in text, f"{needle!r} not in {text!r}"
    assert snapshot(inv) == before
    assert inv.check() == []


@pytest.mark.parametrize(
    "scan",
    [
        f"(01){GTIN}(21)GS-77",
        f"]C101{GTIN}21GS-77",
        f"01{GTIN}21GS-77\x1d10LOT1",
        f"https://id.gs1.org/01/{GTIN}/21/GS-77",
    ],
)
def test_a_gs1_label_scanned_into_a_receipt_gives_its_serial(phones: Inventory, scan: str) -> None:
    phones.receive(supplier="Acme", location="Store", lines=[("PHONE", [scan])])
    assert serials_of(phones) == {"GS-77": "in_stock"}
    assert phones.check() == []


def test_a_label_of_another_product_is_refused(phones: Inventory) -> None:
    refused(
        phones,
        lambda: phones.receive(
            supplier="Acme", location="Store", lines=[("PHONE", [f"(01){OTHER_GTIN}(21)X-1"])]
        ),
        f"GTIN {OTHER_GTIN}",
        "not of PHONE",
    )


@pytest.mark.parametrize("code", [GTIN, GTIN[1:], "PHONE", "phone", f"(01){GTIN}"])
def test_the_products_gtin_or_sku_never_becomes_a_serial(phones: Inventory, code: str) -> None:
    refused(
        phones,
        lambda: phones.receive(supplier="Acme", location="Store", lines=[("PHONE", [code])]),
        "scan the unit's serial",
    )
    phones.set_setting("unknown_serials_at_sale", "allow")
    refused(
        phones,
        lambda: phones.sell(location="Store", lines=[("PHONE", [code])]),
        "scan the unit's serial",
    )
    assert serials_of(phones) == {}


@pytest.fixture
def corrected(phones: Inventory) -> Inventory:
    """A5-O008 (letter O) received, corrected to A5-0008 (zero)."""
    phones.receive(supplier="Acme", location="Store", lines=[("PHONE", ["A5-O008", "A5-0009"])])
    phones.correct_serial("PHONE", "A5-O008", "A5-0008", reason="letter O for zero")
    return phones


def test_an_earlier_code_sells_the_unit_under_its_current_code(corrected: Inventory) -> None:
    sale = corrected.sell(location="Store", lines=[("PHONE", ["a5-o008"])])
    assert sale.lines[0]["serials"] == ["A5-0008"]
    assert serials_of(corrected) == {"A5-0008": "sold", "A5-0009": "in_stock"}
    assert corrected.check() == []


def test_an_earlier_code_among_a_thousand_new_ones_takes_the_unit_back(
    corrected: Inventory,
) -> None:
    """A receipt of 1,000 codes reads the corrections in one go, not 900 keys at a time: the
    unit returned to the supplier under its earlier code is taken back, not made again."""
    corrected.return_to_supplier(supplier="Acme", location="Store", lines=[("PHONE", ["A5-0008"])])
    many = [f"M-{i:04d}" for i in range(1000)]
    receipt = corrected.receive(
        supplier="Acme", location="Store", lines=[("PHONE", [*many[:500], "a5-o008", *many[500:]])]
    )
    assert receipt.lines[0]["serials"][500] == "A5-0008"
    assert corrected.serial("PHONE", "A5-0008").status == "in_stock"
    new = [s["serial"] for s in corrected.serials(sku="PHONE", q="A5-O", limit=10)]
    assert "A5-O008" not in new
    assert corrected.check() == []


def test_a_unit_named_by_both_codes_is_entered_twice(corrected: Inventory) -> None:
    refused(
        corrected,
        lambda: corrected.sell(location="Store", lines=[("PHONE", ["A5-0008", "A5-O008"])]),
        "entered twice",
    )


@pytest.mark.parametrize("scope", ["PHONE", None])
def test_a_count_scan_of_a_corrected_code_finds_the_unit(
    corrected: Inventory, scope: str | None
) -> None:
    count = corrected.open_count(location="Store", sku=scope)
    corrected.count_scan(count, ["a5-o008", "A5-0009"], sku=None)
    posted = corrected.post_count(count)
    assert serials_of(corrected) == {"A5-0008": "in_stock", "A5-0009": "in_stock"}
    assert posted.state == "posted"
    assert corrected.check() == []


def test_a_count_scan_of_the_products_gtin_adds_no_unit(corrected: Inventory) -> None:
    count = corrected.open_count(location="Store", sku="PHONE")
    with pytest.raises((Invalid, Conflict), match=r"not a unit|unit's serial"):
        corrected.count_scan(count, [GTIN], sku="PHONE")


# --- through the REST API ---------------------------------------------------------------------
@pytest.fixture
def api(db_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with serialtrack.open(initialized(db_url)) as inv:
        shop(inv)
        inv.update_product("PHONE", gtin=GTIN)
        token = inv.create_token("admin", "tests")
    with TestClient(create_app(db_url)) as client:
        yield client, {"Authorization": f"Bearer {token}"}


def test_the_api_reads_gs1_scans_and_refuses_a_bare_gtin(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, auth = api
    body = {
        "kind": "receipt", "partner": "Acme", "location": "Store",
        "lines": [{"sku": "PHONE", "serial_text": f"(01){GTIN}(21)GS-77\nGS-78"}],
    }  # fmt: skip
    created = client.post("/api/v1/documents", json=body, headers=auth)
    assert created.status_code == 201, created.text
    assert created.json()["lines"][0]["serials"] == ["GS-77", "GS-78"]
    sale = {"kind": "sale", "location": "Store", "lines": [{"sku": "PHONE", "serials": [GTIN]}]}
    refusal = client.post("/api/v1/documents", json=sale, headers=auth)
    assert refusal.status_code == 422, refusal.text
    assert "scan the unit's serial" in refusal.text
    check = client.get("/api/v1/check", headers=auth)
    assert check.status_code == 200
    assert check.json() == {"ok": True, "count": 0, "findings": []}
