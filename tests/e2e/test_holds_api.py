"""Holds over the REST API and the pages, on SQLite and PostgreSQL: a recall that puts what is
in stock on hold in the same request, the list of what is on hold, a release by a manager (a
clerk is refused, nothing written), the hold's page with its release button, EPCIS events of
holds valid against GS1's schema, and partners' contact fields in and out."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from jsonschema import Draft7Validator
from webshop import PASSWORD, as_user

import serialtrack
from serialtrack.entrypoints.web import create_app

SCHEMA = json.loads(
    (Path(__file__).parent.parent / "data" / "epcis" / "EPCIS-JSON-Schema.json").read_text()
)


def shop(db_url: str) -> dict[str, str]:
    with serialtrack.open(db_url) as inv:
        inv.add_location("Main")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("PHN", "Phone")
        inv.add_product("PILL", "Pills", "batch")
        lines = [("PHN", ["P1", "P2", "P3"]), {"sku": "PILL", "batches": [("L1", 6)]}]
        inv.receive(supplier="Acme", location="Main", number="RC-9", lines=lines)
        inv.add_user("clara", "clerk", PASSWORD)
        inv.add_user("mia", "manager", PASSWORD)
        return {u: inv.create_token(u, "t") for u in ("clara", "mia")}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_recall_holds_and_a_manager_releases(db_url: str) -> None:
    tokens = shop(db_url)
    clerk, manager = bearer(tokens["clara"]), bearer(tokens["mia"])
    with TestClient(create_app(db_url)) as client:
        refused = client.post(
            "/api/v1/recall", json={"receipt": "RC-9", "hold": True}, headers=clerk
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["where"] == "reason"
        assert client.get("/api/v1/holds", headers=clerk).json()["items"] == []
        held = client.post(
            "/api/v1/recall",
            headers=clerk,
            json={"receipt": "RC-9", "hold": True, "reason": "notice 42"},
        )
        assert held.status_code == 200, held.text
        body = held.json()
        assert (body["holds"], body["on_hold"], body["in_stock"]) == (["HD-000001"], 9, 0)
        items = client.get("/api/v1/holds", headers=clerk).json()["items"]
        assert {(r["sku"], r["quantity"]) for r in items} == {("PHN", 3), ("PILL", 6)}
        sale = client.post(
            "/api/v1/documents",
            headers=clerk,
            json={"kind": "sale", "location": "Main", "lines": [{"sku": "PHN", "serials": ["P1"]}]},
        )
        assert sale.status_code in (409, 422), sale.text
        assert "on hold by HD-000001" in sale.text
        forbidden = client.post("/api/v1/recall/release", json={"receipt": "RC-9"}, headers=clerk)
        assert forbidden.status_code == 403
        assert len(client.get("/api/v1/holds", headers=clerk).json()["items"]) == 2
        one = client.post(
            "/api/v1/holds/HD-000001/release",
            headers=manager,
            json={"lines": [{"sku": "PHN", "serials": ["P1"]}]},
        )
        assert one.status_code == 200, one.text
        assert (one.json()["from_location"], one.json()["to_location"]) == ("On hold", "Main")
        rest = client.post("/api/v1/recall/release", json={"receipt": "RC-9"}, headers=manager)
        assert rest.status_code == 200
        assert rest.json()["released"] == ["RL-000002"]
        again = client.post("/api/v1/recall/release", json={"receipt": "RC-9"}, headers=manager)
        assert again.status_code == 409
        events = client.get("/api/v1/epcis/events", headers=manager)
        assert events.status_code == 200
        document = events.json()
        assert not list(Draft7Validator(SCHEMA).iter_errors(document))
        steps = [(e["bizStep"], e["disposition"]) for e in document["epcisBody"]["eventList"]]
        assert ("holding", "non_sellable_other") in steps
        assert ("holding", "sellable_accessible") in steps
    with serialtrack.open(db_url) as inv:
        assert inv.check() == []
        assert inv.stock_on_hand().on_hold == 0


def test_a_holds_page_releases_it(db_url: str) -> None:
    shop(db_url)
    with serialtrack.open(db_url) as inv:
        hold = inv.hold(location="Main", lines=[("PHN", ["P2"])], reason="damaged box")
    with TestClient(create_app(db_url)) as client:
        csrf = as_user(client, "clara")
        page = client.get(f"/documents/{hold.id}")
        assert "Still on hold" in page.text
        assert "P2" in page.text
        assert 'id="release-hold"' not in page.text  # a clerk may not release
        refused = client.post(f"/documents/{hold.id}/release", data={"csrf_token": csrf})
        assert refused.status_code == 403
        csrf = as_user(client, "mia")
        page = client.get(f"/documents/{hold.id}")
        assert 'id="release-hold"' in page.text
        done = client.post(
            f"/documents/{hold.id}/release", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert done.status_code == 303
        release = client.get(done.headers["location"])
        assert "RL-000001" in release.text
        assert "Released by" in client.get(f"/documents/{hold.id}").text
        again = client.post(f"/documents/{hold.id}/release", data={"csrf_token": csrf})
        assert again.status_code == 409
        assert "nothing of HD-000001 is still on hold" in again.text
        second = client.post("/api/v1/holds", headers={}, json={})  # no token: refused
        assert second.status_code in (401, 403, 405)
    with serialtrack.open(db_url) as inv:
        assert inv.serial("PHN", "P2").status.value == "in_stock"
        assert inv.check() == []


def test_partners_carry_contact_fields(db_url: str) -> None:
    tokens = shop(db_url)
    manager = bearer(tokens["mia"])
    with TestClient(create_app(db_url)) as client:
        made = client.post(
            "/api/v1/partners",
            headers=manager,
            json={
                "name": "Jane",
                "customer": True,
                "phone": "+1 555 0100",
                "email": "jane@example.com",
                "address": "1 Main St\nSpringfield",
            },
        )
        assert made.status_code == 201, made.text
        assert made.json()["email"] == "jane@example.com"
        bad = client.post(
            "/api/v1/partners",
            headers=manager,
            json={"name": "Bob", "customer": True, "email": "bob@"},
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["where"] == "email"
        assert client.get("/api/v1/partners/Bob", headers=manager).status_code == 404
        patched = client.patch("/api/v1/partners/Jane", json={"phone": ""}, headers=manager)
        assert patched.status_code == 200
        assert patched.json()["phone"] is None
        csrf = as_user(client, "mia")
        form = client.post(
            "/partners/new",
            data={
                "csrf_token": csrf,
                "name": "Ravi",
                "customer": "on",
                "phone": "020 7946 0001",
                "email": "ravi@example.com",
                "address": "2 Side St",
            },
            follow_redirects=False,
        )
        assert form.status_code == 303, form.text
        listing = client.get("/partners").text
        assert "020 7946 0001 · ravi@example.com · 2 Side St" in listing
        wrong = client.post(
            "/partners/new",
            data={"csrf_token": csrf, "name": "Zed", "supplier": "on", "phone": "call me"},
        )
        assert wrong.status_code == 422
        assert "not a phone number" in wrong.text
    with serialtrack.open(db_url) as inv:
        assert inv.partner("Ravi").phone == "020 7946 0001"
        assert "Zed" not in [p.name for p in inv.partners()]


def test_glns_name_places_and_parties_in_epcis(db_url: str) -> None:
    tokens = shop(db_url)
    manager = bearer(tokens["mia"])
    with TestClient(create_app(db_url)) as client:
        wrong = client.patch(
            "/api/v1/locations/Main", json={"gln": "9520123456789"}, headers=manager
        )
        assert wrong.status_code == 422
        assert "check digit" in wrong.json()["errors"][0]["message"]
        set_gln = client.patch(
            "/api/v1/locations/Main", json={"gln": "9520123456788"}, headers=manager
        )
        assert set_gln.status_code == 200
        assert set_gln.json()["gln"] == "9520123456788"
        assert set_gln.json()["name"] == "Main"
        made = client.post(
            "/api/v1/partners",
            headers=manager,
            json={"name": "Jane", "customer": True, "gln": "9520000000004"},
        )
        assert made.status_code == 201, made.text
        sale = client.post(
            "/api/v1/documents",
            headers=manager,
            json={
                "kind": "sale",
                "partner": "Jane",
                "location": "Main",
                "lines": [{"sku": "PHN", "serials": ["P1"]}],
            },
        )
        assert sale.status_code == 201, sale.text
        document = client.get("/api/v1/epcis/events", headers=manager).json()
        assert not list(Draft7Validator(SCHEMA).iter_errors(document))
        sold = next(
            e for e in document["epcisBody"]["eventList"] if e["bizStep"] == "retail_selling"
        )
        assert sold["readPoint"]["id"] == "https://id.gs1.org/414/9520123456788"
        assert sold["destinationList"] == [
            {"type": "owning_party", "destination": "https://id.gs1.org/417/9520000000004"}
        ]
        cleared = client.patch("/api/v1/locations/Main", json={"gln": ""}, headers=manager)
        assert cleared.json()["gln"] is None


def test_the_on_hold_page_lists_and_releases(db_url: str) -> None:
    shop(db_url)
    with serialtrack.open(db_url) as inv:
        inv.hold(
            location="Main",
            lines=[("PHN", ["P1"]), {"sku": "PILL", "batches": [("L1", 2)]}],
            reason="recall",
        )
    with TestClient(create_app(db_url)) as client:
        as_user(client, "clara")
        page = client.get("/holds").text
        assert "HD-000001" in page
        assert "P1" in page
        assert "L1</a> \u00d7 2" in page
        assert "Release HD-000001" not in page
        csv = client.get("/exports/on-hold.csv").text
        assert csv.splitlines()[0].startswith("Hold,Since,From store,SKU,Quantity")
        assert "HD-000001" in csv
        assert "L1\u00d72" in csv
        csrf = as_user(client, "mia")
        assert "Release HD-000001" in client.get("/holds").text
        done = client.post(
            "/holds/release?number=HD-000001", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert done.status_code == 303
        assert "Nothing is on hold." in client.get("/holds").text


def test_the_recall_page_holds_and_releases_in_one_step(db_url: str) -> None:
    shop(db_url)
    scope = {"receipt": "RC-9"}
    with TestClient(create_app(db_url)) as client:
        csrf = as_user(client, "clara")
        page = client.get("/recall", params=scope).text
        assert 'id="hold-button"' in page
        assert "Put 9 in stock on hold" in page
        assert 'id="release-button"' not in page
        refused = client.post("/recall/hold", data={"csrf_token": csrf, **scope, "reason": ""})
        assert refused.status_code == 422
        assert "a hold needs a reason" in refused.text
        assert 'id="recall-rows"' in refused.text  # the recall stays on screen
        held = client.post(
            "/recall/hold", data={"csrf_token": csrf, **scope, "reason": "notice 42"}
        )
        assert held.status_code == 200, held.text
        assert 'id="recall-held"' in held.text
        assert "HD-000001" in held.text
        assert "9 on hold" in held.text
        assert 'id="hold-button"' not in held.text
        forbidden = client.post("/recall/release", data={"csrf_token": csrf, **scope})
        assert forbidden.status_code == 403
        csrf = as_user(client, "mia")
        assert 'id="release-button"' in client.get("/recall", params=scope).text
        done = client.post("/recall/release", data={"csrf_token": csrf, **scope})
        assert done.status_code == 200
        assert 'id="recall-released"' in done.text
        assert "RL-000001" in done.text
        assert "9 in stock" in done.text
    with serialtrack.open(db_url) as inv:
        assert inv.check() == []
        assert inv.stock_on_hand().on_hold == 0


def test_holds_by_command_line(db_url: str) -> None:
    from typer.testing import CliRunner

    from serialtrack.entrypoints.cli import app

    shop(db_url)

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["--db", db_url, *args])
        assert result.exit_code == 0, result.stdout + result.stderr
        return result.stdout

    refused = CliRunner().invoke(app, ["--db", db_url, "recall", "--receipt", "RC-9", "--hold"])
    assert refused.exit_code == 1
    assert "a hold needs a reason" in refused.stdout + refused.stderr
    held = run("recall", "--receipt", "RC-9", "--hold", "--reason", "notice 42")
    assert "put on hold: HD-000001 (9 units on hold)" in held
    assert "0 in stock, 9 on hold" in held
    assert "HD-000001" in run("holds")
    released = run("release", "HD-000001")
    assert "release RL-000001 posted" in released
    assert "P2" not in run("holds")
    made = run("hold", "--sku", "PHN", "--location", "Main", "--reason", "dented", "P3")
    assert "hold HD-000002 posted: 1 unit" in made
    parts = run("hold", "--sku", "PILL", "--location", "Main", "--reason", "wet", "--batch", "L1:2")
    assert "hold HD-000003 posted" in parts
    run("partner", "add", "Jane", "--customer", "--phone", "+1 555 0100", "--gln",
        "9520000000004")  # fmt: skip
    assert "+1 555 0100" in run("partner", "list", "--wide")
    with serialtrack.open(db_url) as inv:
        assert inv.partner("Jane").gln == "9520000000004"
        assert inv.serial("PHN", "P3").status.value == "on_hold"
        assert inv.stock_on_hand().on_hold == 3  # P3 and two of L1
        assert inv.check() == []
