"""Location and partner names ignore case; locations and partners can be archived and restored
(issue 16): archived ones are offered nowhere, documents naming them are refused with a clear
message, their history stays."""

from __future__ import annotations

import pytest

from builders import shop
from serialtrack.domain.errors import Conflict, Invalid, SerialtrackError
from serialtrack.inventory import Inventory


def test_names_are_unique_whatever_their_case(inv: Inventory) -> None:
    inv.add_location("Main Store")
    with pytest.raises(Conflict, match="a location named Main Store already exists"):
        inv.add_location("main store")
    inv.add_partner("Acme", supplier=True)
    with pytest.raises(Conflict, match="a partner named Acme already exists"):
        inv.add_partner("ACME", customer=True)
    assert inv.location("MAIN STORE").name == "Main Store"
    assert inv.partner("acme").name == "Acme"
    inv.update_location("main store", name="Main store")  # a change of case is a rename
    assert [x.name for x in inv.locations() if not x.kind.is_virtual] == ["Main store"]
    inv.add_location("Warehouse")
    with pytest.raises(Conflict, match="Main store already exists"):
        inv.update_location("Warehouse", name="MAIN STORE")


def test_documents_find_names_whatever_their_case(inv: Inventory) -> None:
    shop(inv)
    posted = inv.receive(supplier="ACME", location="store", lines=[("PHONE", ["SN-1"])])
    assert (posted.partner, posted.to_location) == ("Acme", "Store")


def test_an_archived_location_is_offered_nowhere_and_named_by_no_document(
    inv: Inventory,
) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Warehouse", lines=[("PHONE", ["SN-1"])])
    with pytest.raises(Conflict, match="Warehouse still holds 1 unit"):
        inv.archive_location("Warehouse")
    inv.dispatch(source="Warehouse", destination="Store", lines=[("PHONE", ["SN-1"])])
    with pytest.raises(Conflict, match="units are on their way to Store on TR-000001"):
        inv.archive_location("Store")
    inv.archive_location("warehouse")
    assert "Warehouse" not in [x.name for x in inv.locations()]
    archived = [x for x in inv.locations(archived=True) if x.name == "Warehouse"]
    assert archived
    assert not archived[0].active
    with pytest.raises(Invalid) as refused:
        inv.receive(supplier="Acme", location="Warehouse", lines=[("PHONE", ["SN-2"])])
    assert "Warehouse is archived: restore it to use it again" in str(refused.value.problems)
    history = inv.serial("PHONE", "SN-1")  # its history still names the archived store
    assert "Warehouse" in str(history)
    inv.restore_location("Warehouse")
    inv.receive(supplier="Acme", location="Warehouse", lines=[("PHONE", ["SN-2"])])


def test_an_archived_partner_is_named_by_no_document_until_restored(inv: Inventory) -> None:
    shop(inv)
    inv.archive_partner("globex")
    assert "Globex" not in [p.name for p in inv.partners()]
    assert "Globex" in [p.name for p in inv.partners(archived=True)]
    with pytest.raises(SerialtrackError) as refused:
        inv.receive(supplier="Globex", location="Store", lines=[("PHONE", ["SN-1"])])
    assert "Globex is archived" in str(refused.value.problems)
    inv.restore_partner("Globex")
    inv.receive(supplier="Globex", location="Store", lines=[("PHONE", ["SN-1"])])


def test_a_clerk_may_not_archive(inv: Inventory) -> None:
    shop(inv)
    inv.add_user("kim", "clerk", "clerk-password-1")
    with pytest.raises(SerialtrackError, match="may not manage catalog"):
        inv.as_user("kim").archive_location("Store")
