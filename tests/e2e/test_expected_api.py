"""Expected serials over the REST API and the command line, on SQLite and PostgreSQL: a notice
added to a draft receipt (lines, CSV), a bad one refused naming the row and writing nothing,
scans matched / unexpected (refused by the setting) / duplicate, posting what was scanned with
the missing still listed; the CLI's ``expect`` and ``expected``."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner
from webshop import PASSWORD, as_user

import serialtrack
from serialtrack.entrypoints.cli import app
from serialtrack.entrypoints.web import create_app

GTIN = "09506000134352"


def shop(db_url: str) -> str:
    with serialtrack.open(db_url) as inv:
        inv.add_location("Main")
        inv.add_partner("Acme", supplier=True)
        inv.add_product("PHN", "Phone", gtin=GTIN)
        inv.expect_receipt(supplier="Acme", location="Main", lines=[("PHN", ["P0"])])
        inv.add_user("clara", "clerk", PASSWORD)
        return inv.create_token("clara", "t")


def test_a_notice_and_scans_over_the_api(db_url: str) -> None:
    clerk = {"Authorization": f"Bearer {shop(db_url)}"}
    with TestClient(create_app(db_url)) as client:
        url = "/api/v1/documents/RC-000001"
        added = client.post(
            f"{url}/expected",
            headers=clerk,
            json={"lines": [{"sku": "PHN", "serial_text": "P1..P3"}]},
        )
        assert added.status_code == 200, added.text
        assert (added.json()["added"], added.json()["expected"]) == (3, 4)
        bad = client.post(
            f"{url}/expected", headers=clerk, json={"csv": "sku,serial\nPHN,P9\nNOPE,X\n"}
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["where"] == "row 3, sku"
        assert client.get(f"{url}/expected", headers=clerk).json()["expected"] == 4
        scan = client.post(f"{url}/scan", headers=clerk, json={"scan": f"(01){GTIN}(21)P1"})
        assert scan.status_code == 200, scan.text
        assert scan.json()["outcome"] == "matched"
        assert scan.json()["counts"] == {"expected": 4, "matched": 1, "missing": 3, "unexpected": 0}
        again = client.post(f"{url}/scan", headers=clerk, json={"scan": "p1"})
        assert again.json()["outcome"] == "duplicate"
        refused = client.post(f"{url}/scan", headers=clerk, json={"scan": "P9"})
        assert refused.status_code == 409
        assert (
            "not on the notice" in refused.json()["detail"] or "not on the notice" in refused.text
        )
        posted = client.post(f"{url}/expected/post", headers=clerk)
        assert posted.status_code == 200, posted.text
        assert posted.json()["state"] == "posted"
        after = client.get(f"{url}/expected", headers=clerk).json()
        assert [r["code"] for r in after["missing"]] == ["P0", "P2", "P3"]
        assert [r["code"] for r in after["matched"]] == ["P1"]


def test_a_notice_by_command_line(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shop(db_url)

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["--db", db_url, *args])
        assert result.exit_code == 0, result.stdout + result.stderr
        return result.stdout

    assert "2 added; 3 expected" in run("expect", "RC-000001", "--sku", "PHN", "P1", "P2")
    notice = tmp_path / "asn.csv"
    notice.write_text("sku;serial;expiry\nPHN;P3;2030-01-01\n")
    assert "1 added; 4 expected" in run("expect", "RC-000001", "--csv", str(notice))
    shown = run("expected", "RC-000001", "--wide")
    assert "4 expected, 0 matched, 4 missing" in shown
    assert "P3" in shown
    notice.write_text("sku;serial\nNOPE;P4\n")
    refused = CliRunner().invoke(app, ["--db", db_url, "expect", "RC-000001", "--csv", str(notice)])
    assert refused.exit_code == 1
    assert "row 2, sku" in refused.stderr


def test_the_receive_against_the_notice_page(db_url: str) -> None:
    shop(db_url)
    with TestClient(create_app(db_url)) as client:
        csrf = as_user(client, "clara")
        page = client.get("/documents/1/expected")
        assert page.status_code == 200, page.text
        assert 'id="missing-count">1<' in page.text
        htmx = {"HX-Request": "true"}
        scanned = client.post(
            "/documents/1/expected/scan", headers=htmx,
            data={"csrf_token": csrf, "scan": f"https://id.gs1.org/01/{GTIN}/21/P0"},
        )  # fmt: skip
        assert scanned.status_code == 200, scanned.text
        assert "matched" in scanned.text
        assert 'id="matched-count">1<' in scanned.text
        refused = client.post(
            "/documents/1/expected/scan", headers=htmx, data={"csrf_token": csrf, "scan": "P8"}
        )
        assert "not on the notice" in refused.text
        assert 'id="unexpected-count">0<' in refused.text
        posted = client.post(
            "/documents/1/expected/post", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert posted.status_code == 303, posted.text
