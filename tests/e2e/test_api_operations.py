"""The JSON API of issue 4's operations on both databases: counts, batches, expiry, warranty,
deleting a mistaken serial, switching tracking, discrepancies."""

from __future__ import annotations

from datetime import date, timedelta

from test_api import Api, api  # noqa: F401  (the fixture)

TODAY = date.today()


def test_a_count_over_http_scans_posts_and_cancels(api: Api) -> None:  # noqa: F811
    count = api.ok("POST", "/counts", role="clerk", status=201,
                   json={"location": "Main store", "sku": "PHN-X1"})  # fmt: skip
    assert count["state"] == "draft"
    expected = count["expected"]
    scanned = api.ok("POST", f"/counts/{count['number']}/scans", role="clerk",
                     json={"scans": ["X1-00004", "X1-00004", "X1-00005"]})  # fmt: skip
    outcomes = [i["outcome"] for i in scanned["items"]]
    assert outcomes == ["counted", "already counted", "counted"]
    assert (scanned["count"]["found"], scanned["count"]["expected"]) == (2, expected)
    # A GS1 scan names product and serial; the books say X1-00020 went back to the supplier.
    gs1 = api.ok("POST", f"/counts/{count['number']}/scans", role="clerk",
                 json={"scans": ["(01)09506000134352(21)X1-00020"]})  # fmt: skip
    assert gs1["count"]["unexpected"][0]["books"].startswith("returned to supplier")
    refused = api.refused("POST", f"/counts/{count['number']}/scans", 409, role="clerk",
                          json={"scans": ["X1-00006", "LP14-0003"]})  # fmt: skip
    assert refused["errors"][0]["where"] == "scans[1]"
    assert "of PHN-X1 only" in refused["errors"][0]["message"]
    api.refused("POST", f"/counts/{count['number']}/scans", 403, role="viewer",
                json={"scans": ["X1-00006"]})  # fmt: skip
    # What the shelf lacks leaves the books: a manager posts (PRODUCT.md, roles).
    api.refused("POST", f"/counts/{count['number']}/post", 403, role="clerk")
    posted = api.ok("POST", f"/counts/{count['number']}/post", role="manager")
    assert posted["state"] == "posted"
    assert len(posted["missing"]) == expected - 2
    assert posted["unexpected"][0]["code"] == "X1-00020"
    kinds = {d["kind"] for d in api.ok("GET", "/discrepancies")["items"]}
    assert kinds == {"count_missing", "count_not_restored"}
    api.refused("POST", f"/documents/{count['number']}/cancel", 403, role="clerk")
    api.ok("POST", f"/documents/{count['number']}/cancel")
    assert api.ok("GET", "/discrepancies")["items"] == []


def test_batches_expiry_and_warranty_over_http(api: Api) -> None:  # noqa: F811
    batches = api.ok("GET", "/batches?sku=VIT-C")["items"]
    assert {b["code"]: b["quantity"] for b in batches} == {"LOT-2401": 24, "LOT-2402": 36}
    sale = api.ok("POST", "/documents", role="clerk", status=201, json={
        "kind": "sale", "location": "Main store",
        "lines": [{"sku": "VIT-C", "batches": [{"code": "LOT-2401", "quantity": 4}]}],
    })  # fmt: skip
    assert sale["lines"][0]["batches"] == [{"code": "LOT-2401", "quantity": 4}]
    too_many = api.refused("POST", "/documents", 409, role="clerk", json={
        "kind": "sale", "location": "Main store",
        "lines": [{"sku": "VIT-C", "batches": [{"code": "LOT-2402", "quantity": 37}]}],
    })  # fmt: skip
    assert too_many["errors"][0]["where"] == "lines[0].batches[0].quantity"
    old = (TODAY - timedelta(days=1)).isoformat()
    api.ok("POST", "/documents", status=201, json={
        "kind": "receipt", "partner": "Acme Distribution", "location": "Main store",
        "lines": [{"sku": "LAP-14", "serials": ["OLD-1"], "expiry": old, "warranty_days": 30}],
    })  # fmt: skip
    serial = api.ok("GET", "/products/LAP-14/serials/OLD-1")
    assert serial["expired"] is True
    offered = api.ok("GET", "/serials?sku=LAP-14&status=in_stock&sellable=true")["items"]
    assert "OLD-1" not in [r["serial"] for r in offered]
    assert "OLD-1" in [r["serial"] for r in api.ok("GET", "/serials?sku=LAP-14")["items"]]
    assert serial["supplier_warranty_until"] == (TODAY + timedelta(days=30)).isoformat()
    sell_old = {"kind": "sale", "location": "Main store", "partner": "Jane Doe",
                "lines": [{"sku": "LAP-14", "serials": ["OLD-1"]}]}  # fmt: skip
    api.refused("POST", "/documents", 409, role="clerk", json=sell_old)
    api.refused("POST", "/documents", 403, role="clerk", json={**sell_old, "allow_expired": True})
    sold = api.ok("POST", "/documents", role="manager", status=201,
                  json={**sell_old, "allow_expired": True})  # fmt: skip
    assert sold["expired_allowed_by"] == "manager"
    serial = api.ok("GET", "/products/LAP-14/serials/OLD-1")
    assert serial["customer"] == "Jane Doe"
    assert serial["customer_warranty_until"] == (TODAY + timedelta(days=365)).isoformat()


def test_deleting_a_mistaken_serial_and_switching_tracking_over_http(api: Api) -> None:  # noqa: F811
    api.ok("POST", "/documents", status=201, json={
        "kind": "receipt", "partner": "Acme Distribution", "location": "Main store",
        "lines": [{"sku": "LAP-14", "serials": ["TYPO-1", "GOOD-2"]}],
    })  # fmt: skip
    api.refused("DELETE", "/products/LAP-14/serials/TYPO-1", 403, role="clerk", json={})
    gone = api.ok("DELETE", "/products/LAP-14/serials/TYPO-1", json={"reason": "typo"})
    assert gone["document"].startswith("RC-")
    api.refused("GET", "/products/LAP-14/serials/TYPO-1", 404)
    api.refused("DELETE", "/products/PHN-X1/serials/X1-00001", 409, json={})
    refused = api.refused("POST", "/products/CBL-USB/tracking", 409, json={"tracking": "serial"})
    assert "47 on hand" in refused["detail"]
    codes = [f"C-{n}" for n in range(47)]
    switched = api.ok("POST", "/products/CBL-USB/tracking",
                      json={"tracking": "serial", "serials": {"Main store": codes}})  # fmt: skip
    assert switched["product"]["tracking"] == "serial"
    assert switched["document"]["kind"] == "serial_assignment"
    assert api.ok("GET", "/products/CBL-USB/serials/C-46")["status"] == "in_stock"


def test_unknown_serial_at_sale_over_http(api: Api) -> None:  # noqa: F811
    sale = {
        "kind": "sale",
        "location": "Main store",
        "lines": [{"sku": "PHN-X1", "serials": ["ZZ-1"]}],
    }
    api.refused("POST", "/documents", 409, role="clerk", json=sale)
    api.ok("PUT", "/settings/unknown_serials_at_sale", json={"value": "allow"})
    api.ok("POST", "/documents", role="clerk", status=201, json=sale)
    (found,) = api.ok("GET", "/discrepancies")["items"]
    assert (found["kind"], found["code"]) == ("sold_without_receipt", "ZZ-1")
