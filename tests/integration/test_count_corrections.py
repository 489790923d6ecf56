"""An open count can be corrected and discarded, and counted blind (issue 16): a wrong scan is
undone; a draft count is discarded (cancelling it says how); a blind count hides what the
books expect from the counter until it posts, while managers see it."""

from __future__ import annotations

import pytest

from builders import codes, shop
from serialtrack.domain.errors import Conflict, NotFound, SerialtrackError
from serialtrack.inventory import Inventory


@pytest.fixture
def stocked(inv: Inventory) -> Inventory:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", codes("SN", 3))])
    inv.add_user("kim", "clerk", "clerk-password-1")
    return inv


def test_a_wrong_scan_is_undone(stocked: Inventory) -> None:
    count = stocked.open_count(location="Store")
    stocked.count_scan(count, ["SN-0001", "SN-0002"])
    assert [f["code"] for f in stocked.count(count).scanned] == ["SN-0002", "SN-0001"]
    removed = stocked.as_user("kim").count_unscan(count, " sn-0002 ")
    assert removed == {"sku": "PHONE", "code": "SN-0002", "outcome": "removed"}
    seen = stocked.count(count)
    assert seen.found == 1
    assert [m["code"] for m in seen.missing] == ["SN-0002", "SN-0003"]
    with pytest.raises(NotFound, match="SN-0003 is not among what CT-000001 found"):
        stocked.count_unscan(count, "SN-0003")
    stocked.post_count(count)
    with pytest.raises(Conflict, match="posted"):
        stocked.count_unscan(count, "SN-0001")


def test_an_open_count_is_discarded_not_cancelled(stocked: Inventory) -> None:
    count = stocked.open_count(location="Store")
    stocked.count_scan(count, ["SN-0001"])
    with pytest.raises(Conflict, match="a draft is discarded instead"):
        stocked.cancel(count.number)
    stocked.as_user("kim").discard_count(count.number)
    assert stocked.documents(kind="inventory_count") == []
    assert stocked.serial("PHONE", "SN-0001").status.value == "in_stock"


def test_a_blind_count_hides_what_the_books_expect_until_it_posts(stocked: Inventory) -> None:
    count = stocked.as_user("kim").open_count(location="Store", blind=True)
    clerk = stocked.as_user("kim")
    clerk.count_scan(count, ["SN-0001"])
    seen = clerk.count(count)
    assert seen.blind
    assert seen.hidden
    assert (seen.expected, seen.matched, seen.missing, seen.unexpected) == (None, None, (), ())
    assert seen.found == 1
    assert [f["code"] for f in seen.scanned] == ["SN-0001"]
    managed = stocked.count(count)  # the admin (a manager too) sees it all
    assert not managed.hidden
    assert managed.expected == 3
    assert len(managed.missing) == 2
    stocked.post_count(count)
    posted = clerk.count(count)
    assert not posted.hidden
    assert len(posted.missing) == 2


def test_a_viewer_may_not_undo_a_scan(stocked: Inventory) -> None:
    stocked.add_user("vic", "viewer", "viewer-password-1")
    count = stocked.open_count(location="Store")
    stocked.count_scan(count, ["SN-0001"])
    with pytest.raises(SerialtrackError, match="may not post document"):
        stocked.as_user("vic").count_unscan(count, "SN-0001")
    with pytest.raises(SerialtrackError, match="may not post document"):
        stocked.as_user("vic").discard_count(count)
    stocked.discard_count(count)
