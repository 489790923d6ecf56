"""A transfer closed short (issue 16): the units that never arrived go back to the source or are
written off as lost with a reason (managers), and the transfer leaves "in transit"."""

from __future__ import annotations

import pytest

from builders import codes, shop
from serialtrack.domain.errors import Conflict, Invalid, SerialtrackError
from serialtrack.inventory import Inventory


@pytest.fixture
def sent(inv: Inventory) -> Inventory:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", codes("SN", 3))])
    inv.receive(supplier="Acme", location="Store", lines=[("CABLE", 10)])
    inv.dispatch(source="Store", destination="Warehouse",
                 lines=[("PHONE", codes("SN", 3)), ("CABLE", 4)])  # fmt: skip
    inv.receive_transfer(dispatch="TR-000001", lines=[("PHONE", ["SN-0001"]), ("CABLE", 1)])
    inv.add_user("kim", "clerk", "clerk-password-1")
    return inv


def test_what_never_arrived_goes_back_to_the_source(sent: Inventory) -> None:
    made = sent.as_user("kim").close_transfer("TR-000001", outcome="back")
    assert [(d.kind.value, d.to_location) for d in made] == [("transfer_receipt", "Store")]
    assert sent.in_transit() == []
    assert sent.serial("PHONE", "SN-0002").location == "Store"
    assert sent.serial("PHONE", "SN-0001").location == "Warehouse"
    stock = {(r["sku"], r["location"]): r["quantity"] for r in sent.stock()}
    assert stock[("CABLE", "Store")] == 9
    assert stock[("CABLE", "Warehouse")] == 1
    assert sent.document("TR-000001").in_transit == ()
    with pytest.raises(Conflict, match="nothing of TR-000001 is still in transit"):
        sent.close_transfer("TR-000001")


def test_what_was_lost_is_written_off_with_its_reason_by_a_manager(sent: Inventory) -> None:
    with pytest.raises(SerialtrackError, match="may not take off books"):
        sent.as_user("kim").close_transfer("TR-000001", outcome="write_off", reason="stolen")
    assert len(sent.in_transit()) == 2  # refused: nothing written
    with pytest.raises(Invalid) as refused:
        sent.close_transfer("TR-000001", outcome="write_off")
    assert refused.value.problems[0].where == "reason"
    made = sent.close_transfer("TR-000001", outcome="write_off", reason="stolen from the van")
    assert [d.kind.value for d in made] == ["transfer_receipt", "write_off"]
    assert made[1].note == "stolen from the van (lost in transit on TR-000001)"
    assert sent.in_transit() == []
    assert sent.serial("PHONE", "SN-0002").status.value == "written_off"
    sent.cancel(made[1].number)  # restores exactly, like any document
    assert sent.serial("PHONE", "SN-0002").status.value == "in_stock"


def test_the_serial_list_names_the_transfer_of_units_in_transit(sent: Inventory) -> None:
    rows = {r["serial"]: r for r in sent.serials(sku="PHONE")}
    assert rows["SN-0002"]["transfer"] == "TR-000001"
    assert rows["SN-0001"]["transfer"] is None
