"""EPCIS 2.0 export: a shop's whole ledger (every document kind, cancellations included) as
GS1 EPCIS events, valid against GS1's own JSON Schema, with hand-written expectations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

import serialtrack
from serialtrack.domain.errors import Invalid
from serialtrack.inventory import Inventory

DATA = Path(__file__).parent.parent / "data" / "epcis"
SCHEMA = json.loads((DATA / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft7Validator(SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER)
GTIN = "09506000134352"
LINK = f"https://id.gs1.org/01/{GTIN}"
LOC = "urn:serialtrack:location:"
DAY1 = (datetime.now() - timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
DAY2, DAY3 = DAY1 + timedelta(days=1), DAY1 + timedelta(days=2)


def problems(document: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]


class Clock:
    def __init__(self) -> None:
        self.now = DAY1

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[Inventory, dict[str, str], Clock]]:
    """Every document kind the library makes, on three days; cancellations on the third."""
    clock = Clock()
    with serialtrack.open(db_url, clock=clock) as inv:
        inv.add_location("Main Store")
        inv.add_location("Annex")
        inv.add_partner("Acme", supplier=True)
        inv.add_partner("Alice", customer=True)
        inv.add_product("PHONE", "Phone", "serial", gtin=GTIN)
        inv.add_product("CASE", "Case", "serial")
        inv.add_product("CABLE", "Cable", "none")
        inv.add_product("PILLS", "Pills", "batch")
        inv.add_product("DRILL", "Drill", "none", serial_pattern="DR-{seq:04}")
        inv.add_product("KIT", "Kit", "serial", serial_pattern="K-{seq:03}")
        inv.set_components("KIT", [("PHONE", 1), ("CASE", 1)])
        inv.add_product("PACK", "Pack", "none")
        inv.set_components("PACK", [("CABLE", 2), ("CASE", 1)])
        n: dict[str, str] = {}
        n["opening"] = inv.opening_balance(
            location="Main Store", lines=[("CASE", ["C1", "C2", "C3", "C4"])]
        ).number
        n["receipt"] = inv.receive(supplier="Acme", location="Main Store", lines=[
            ("PHONE", ["P1", "P2", "P3", "P4", "P5", "P6"]), ("CABLE", 10), ("DRILL", 2),
            {"sku": "PILLS", "batches": [("LOT-A", 7), ("LOT-B", 3)]},
        ]).number  # fmt: skip
        n["receipt2"] = inv.receive(supplier="Acme", location="Main Store",
                                    lines=[("PHONE", ["P9"])]).number  # fmt: skip
        clock.now = DAY2
        n["sale"] = inv.sell(
            location="Main Store",
            customer="Alice",
            lines=[("PHONE", ["P1"]), ("CABLE", 2), {"sku": "PILLS", "batches": [("LOT-A", 2)]}],
        ).number
        n["sales_return"] = inv.return_from_customer(
            location="Main Store", customer="Alice", invoice=n["sale"], lines=[("PHONE", ["P1"])]
        ).number
        n["purchase_return"] = inv.return_to_supplier(
            supplier="Acme", location="Main Store", lines=[("PHONE", ["P2"])]
        ).number
        n["dispatch"] = inv.dispatch(source="Main Store", destination="Annex",
                                     lines=[("PHONE", ["P3"]), ("CABLE", 1)]).number  # fmt: skip
        n["transfer_receipt"] = inv.receive_transfer(dispatch=n["dispatch"]).number
        n["transfer"] = inv.transfer(source="Main Store", destination="Annex",
                                     lines=[("CABLE", 3)]).number  # fmt: skip
        n["write_off"] = inv.write_off(location="Main Store", lines=[("PHONE", ["P4"])],
                                       reason="dropped").number  # fmt: skip
        count = inv.open_count(location="Annex", sku="PHONE")
        inv.count_scan(count, [])
        n["count"] = inv.post_count(count).number  # P3 not found: lost
        assignment = inv.switch_tracking("DRILL", "serial", generate=True)
        assert assignment is not None
        n["assignment"] = assignment.number
        inv.set_setting("unknown_serials_at_sale", "allow")
        n["sale_unknown"] = inv.sell(location="Main Store", lines=[("PHONE", ["NEW-1"])]).number
        n["bundle_sale"] = inv.sell(location="Main Store", lines=[
            {"sku": "PACK", "quantity": 1, "components": [("CASE", ["C4"])]},
        ]).number  # fmt: skip
        n["assembly"] = inv.assemble(
            "KIT",
            location="Main Store",
            units=[
                {"serial": "K1", "parts": ["P5", "C1"]},
                {"serial": "K2", "parts": ["P6", "C2"]},
            ],
        ).number
        n["disassembly"] = inv.disassemble("KIT", ["K2"], location="Main Store").number
        clock.now = DAY3
        n["cancelled_sale"] = inv.sell(location="Main Store", customer="Alice",
                                       lines=[("PHONE", ["P9"])]).number  # fmt: skip
        inv.cancel(n["cancelled_sale"])
        inv.cancel(n["write_off"])
        yield inv, n, clock
        assert inv.check() == []


def events_of(document: dict[str, Any], number: str) -> list[dict[str, Any]]:
    return [
        e for e in document["epcisBody"]["eventList"]
        if any(t["bizTransaction"].endswith(f":{number}") for t in e["bizTransactionList"])
    ]  # fmt: skip


def test_gs1s_own_examples_validate_and_a_broken_one_does_not() -> None:
    """The validator is wired right: GS1's examples pass, a damaged copy fails."""
    for name in ("Example_9.6.1-ObjectEvent.jsonld",
                 "Example_9.6.1-ObjectEventWithDigitalLink.jsonld"):  # fmt: skip
        example = json.loads((DATA / name).read_text(encoding="utf-8"))
        assert problems(example) == [], name
        broken = json.loads(json.dumps(example))
        broken["epcisBody"]["eventList"][0]["action"] = "MOVE"
        del broken["epcisBody"]["eventList"][1]["eventTimeZoneOffset"]
        assert len(problems(broken)) >= 2


def test_the_whole_ledger_exports_as_valid_epcis(world) -> None:  # type: ignore[no-untyped-def]
    inv, _n, _ = world
    document = inv.epcis_events()
    assert problems(document) == []
    assert (document["type"], document["schemaVersion"]) == ("EPCISDocument", "2.0")
    events = document["epcisBody"]["eventList"]
    ids = [e["eventID"] for e in events if "errorDeclaration" not in e]
    assert len(ids) == len(set(ids))
    kinds = {t["bizTransaction"].split(":")[3] for e in events for t in e["bizTransactionList"]}
    assert kinds == {
        "opening_balance", "receipt", "sale", "sales_return", "purchase_return", "dispatch",
        "transfer_receipt", "transfer", "write_off", "inventory_count", "serial_assignment",
        "adjustment", "assembly", "disassembly",
    }  # fmt: skip
    for event in events:  # every identifier is an absolute URI
        for uri in [*event.get("epcList", ()), *(q["epcClass"] for q in event.get(
                "quantityList", ())), event["readPoint"]["id"], event["eventID"]]:  # fmt: skip
            assert uri.startswith(("https://", "urn:")), uri
            assert " " not in uri


def test_each_kind_says_what_happened(world) -> None:  # type: ignore[no-untyped-def]
    inv, n, _ = world
    document = inv.epcis_events()
    (opening,) = events_of(document, n["opening"])
    assert (opening["action"], opening["bizStep"]) == ("ADD", "stocking")
    assert opening["epcList"] == [f"urn:serialtrack:serial:CASE:C{i}" for i in (1, 2, 3, 4)]
    assert opening["bizLocation"] == {"id": LOC + "Main%20Store"}

    phones, cables, _drills, pills = events_of(document, n["receipt"])
    assert (phones["action"], phones["bizStep"], phones["disposition"]) == (
        "ADD", "receiving", "in_progress")  # fmt: skip
    assert phones["epcList"] == [f"{LINK}/21/P{i}" for i in range(1, 7)]
    assert phones["bizTransactionList"] == [
        {"type": "recadv", "bizTransaction": f"urn:serialtrack:document:receipt:{n['receipt']}"}
    ]
    assert phones["readPoint"] == phones["bizLocation"] == {"id": LOC + "Main%20Store"}
    assert phones["eventTime"].startswith(DAY1.date().isoformat() + "T09:00:")
    assert phones["eventTime"].endswith("Z")
    assert phones["eventTimeZoneOffset"] == "+00:00"
    assert cables["quantityList"] == [{"epcClass": "urn:serialtrack:class:CABLE", "quantity": 10}]
    assert "epcList" not in cables
    assert pills["quantityList"] == [
        {"epcClass": "urn:serialtrack:class:PILLS:batch:LOT-A", "quantity": 7},
        {"epcClass": "urn:serialtrack:class:PILLS:batch:LOT-B", "quantity": 3},
    ]

    sold = events_of(document, n["sale"])
    sale = [e for e in sold if n["sales_return"] not in json.dumps(e) and "sale:" in json.dumps(e)]
    phone_sale = next(e for e in sale if e.get("epcList") == [f"{LINK}/21/P1"])
    assert (phone_sale["action"], phone_sale["bizStep"], phone_sale["disposition"]) == (
        "OBSERVE", "retail_selling", "retail_sold")  # fmt: skip
    assert "bizLocation" not in phone_sale  # gone to the customer
    assert {"epcClass": "urn:serialtrack:class:PILLS:batch:LOT-A", "quantity": 2} in [
        q for e in sale for q in e.get("quantityList", ())
    ]

    (back,) = events_of(document, n["sales_return"])
    assert (back["action"], back["bizStep"], back["disposition"]) == (
        "OBSERVE", "receiving", "returned")  # fmt: skip
    assert [t["bizTransaction"].rsplit(":", 1)[1] for t in back["bizTransactionList"]] == [
        n["sales_return"], n["sale"]]  # fmt: skip

    (debit,) = events_of(document, n["purchase_return"])
    assert (debit["action"], debit["bizStep"], debit["disposition"]) == (
        "OBSERVE", "shipping", "returned")  # fmt: skip


def test_transfers_write_offs_counts_and_assemblies(world) -> None:  # type: ignore[no-untyped-def]
    inv, n, _ = world
    document = inv.epcis_events()
    dispatched = events_of(document, n["dispatch"])
    first = dispatched[0]
    assert (first["bizStep"], first["disposition"]) == ("shipping", "in_transit")
    assert first["readPoint"] == {"id": LOC + "Main%20Store"}
    assert "bizLocation" not in first
    arrived = list(events_of(document, n["transfer_receipt"]))
    assert arrived[0]["bizLocation"] == {"id": LOC + "Annex"}
    assert arrived[0]["bizStep"] == "receiving"

    write_off, *_declared = events_of(document, n["write_off"])
    assert (write_off["action"], write_off["bizStep"], write_off["disposition"]) == (
        "DELETE", "destroying", "destroyed")  # fmt: skip
    assert write_off["epcList"] == [f"{LINK}/21/P4"]

    (lost,) = events_of(document, n["count"])
    assert (lost["action"], lost["bizStep"], lost["epcList"]) == (
        "DELETE", "cycle_counting", [f"{LINK}/21/P3"])  # fmt: skip

    out, into = events_of(document, n["assignment"])
    assert (out["action"], out["quantityList"]) == (
        "DELETE", [{"epcClass": "urn:serialtrack:class:DRILL", "quantity": 2}])  # fmt: skip
    assert (into["action"], into["bizStep"], len(into["epcList"])) == ("ADD", "commissioning", 2)

    (unknown_sale,) = events_of(document, n["sale_unknown"])
    assert unknown_sale["epcList"] == [f"{LINK}/21/NEW-1"]
    (adjustment,) = [e for e in document["epcisBody"]["eventList"]
                     if ":adjustment:" in e["bizTransactionList"][0]["bizTransaction"]]  # fmt: skip
    assert (adjustment["action"], adjustment["epcList"]) == ("ADD", [f"{LINK}/21/NEW-1"])

    bundle = events_of(document, n["bundle_sale"])
    assert {"epcClass": "urn:serialtrack:class:CABLE", "quantity": 2} in bundle[0].get(
        "quantityList", []) + bundle[-1].get("quantityList", [])  # fmt: skip

    made = events_of(document, n["assembly"])
    assert {(e["action"], e["bizStep"]) for e in made} == {
        ("DELETE", "assembling"), ("ADD", "assembling")}  # fmt: skip
    kits = next(e for e in made if e["action"] == "ADD")
    assert kits["epcList"] == ["urn:serialtrack:serial:KIT:K1", "urn:serialtrack:serial:KIT:K2"]
    apart = events_of(document, n["disassembly"])
    assert {(e["action"], e["bizStep"]) for e in apart} == {
        ("DELETE", "disassembling"), ("ADD", "disassembling")}  # fmt: skip


def test_a_cancellation_is_the_original_event_declared_erroneous(world) -> None:  # type: ignore[no-untyped-def]
    inv, n, _ = world
    document = inv.epcis_events()
    original, declared = events_of(document, n["write_off"])
    assert "errorDeclaration" not in original
    assert declared["errorDeclaration"]["reason"] == "did_not_occur"
    assert declared["errorDeclaration"]["declarationTime"].startswith(DAY3.date().isoformat())
    same = ("eventID", "eventTime", "action", "bizStep", "disposition", "epcList", "readPoint")
    assert {k: declared[k] for k in same} == {k: original[k] for k in same}
    sold, undone = events_of(document, n["cancelled_sale"])
    assert sold["eventID"] == undone["eventID"]
    assert "errorDeclaration" in undone
    assert sold["epcList"] == undone["epcList"] == [f"{LINK}/21/P9"]


def test_filters_by_day_and_product(world) -> None:  # type: ignore[no-untyped-def]
    inv, n, _ = world
    first_day = inv.epcis_events(date_to=DAY1.date())
    numbers = {
        t["bizTransaction"].rsplit(":", 1)[1]
        for e in first_day["epcisBody"]["eventList"]
        for t in e["bizTransactionList"]
    }
    assert numbers == {n["opening"], n["receipt"], n["receipt2"]}
    last_day = inv.epcis_events(date_from=DAY3.date().isoformat(), date_to=DAY3.date())
    assert problems(last_day) == []
    assert len(last_day["epcisBody"]["eventList"]) == 3  # the sale, two cancellations
    assert sum("errorDeclaration" in e for e in last_day["epcisBody"]["eventList"]) == 2
    pills = inv.epcis_events(sku="PILLS")["epcisBody"]["eventList"]
    assert [(e["action"], e["quantityList"][0]["quantity"]) for e in pills] == [
        ("ADD", 7), ("OBSERVE", 2)]  # fmt: skip
    assert problems(inv.epcis_events(date_from=DAY3.date() + timedelta(days=9))) == []


def test_refused_filters_name_themselves(world) -> None:  # type: ignore[no-untyped-def]
    inv, _, _ = world
    with pytest.raises(Invalid) as refused:
        inv.epcis_events(sku="NOPE", date_from="2024-13-01", date_to="soon")
    assert {p.where for p in refused.value.problems} == {"sku", "date_from", "date_to"}
    with pytest.raises(Invalid, match="date_from"):
        inv.epcis_events(date_from=DAY2.date(), date_to=DAY1.date())


def test_products_with_a_gtin_batch_use_digital_link_classes(db_url: str) -> None:
    with serialtrack.open(db_url) as inv:
        inv.add_location("Store")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("GEL", "Gel", "batch", gtin="4006381333931")
        inv.add_product("TAPE", "Tape", "none", gtin="96385074")
        inv.receive(supplier="Acme", location="Store", lines=[
            {"sku": "GEL", "batches": [("L 1/2", 4)]}, ("TAPE", 5)])  # fmt: skip
        document = inv.epcis_events()
        assert problems(document) == []
        gel, tape = document["epcisBody"]["eventList"]
        assert gel["quantityList"] == [
            {"epcClass": "https://id.gs1.org/01/04006381333931/10/L%201%2F2", "quantity": 4}
        ]
        assert tape["quantityList"] == [
            {"epcClass": "https://id.gs1.org/01/00000096385074", "quantity": 5}
        ]
        assert inv.check() == []
