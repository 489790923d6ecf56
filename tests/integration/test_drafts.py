"""Editing a draft: same id and number, holds re-taken, refusals leave the draft as it was."""

from __future__ import annotations

import pytest

from builders import shop, snapshot
from serialtrack import Conflict, DocumentState, Invalid, SerialStatus
from serialtrack.inventory import Inventory


def test_a_draft_sale_is_edited_in_place(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["A", "B", "C"])])
    draft = inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["A", "B"])], post=False)
    edited = inv.update_draft(
        draft.number, [("PHONE", ["B", "C"]), ("CABLE", 1)], location="Store", partner="Bob"
    )
    assert (edited.id, edited.number, edited.state) == (draft.id, draft.number, DocumentState.DRAFT)
    assert edited.partner == "Bob"
    assert inv.serial("PHONE", "A").status is SerialStatus.IN_STOCK  # released
    assert inv.serial("PHONE", "C").reserved_by == draft.number  # held now
    assert inv.serial("PHONE", "B").reserved_by == draft.number  # kept
    posted = inv.update_draft(draft.id, [("PHONE", ["C"])], location="Store", post=True)
    assert posted.state is DocumentState.POSTED
    assert inv.serial("PHONE", "C").status is SerialStatus.SOLD
    assert inv.serial("PHONE", "B").status is SerialStatus.IN_STOCK
    assert inv.check() == []


def test_a_refused_edit_leaves_the_draft_as_it_was(inv: Inventory) -> None:
    shop(inv)
    inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["A", "B"])])
    inv.sell(customer="Alice", location="Store", lines=[("PHONE", ["B"])])
    draft = inv.sell(location="Store", lines=[("PHONE", ["A"])], post=False)
    before = snapshot(inv)
    with pytest.raises(Conflict) as refused:
        inv.update_draft(draft.number, [("PHONE", ["A", "B"])], location="Store")
    assert "B" in str(refused.value.problems)
    with pytest.raises(Invalid):
        inv.update_draft(draft.number, [("GHOST", ["X"])], location="Store")
    assert snapshot(inv) == before
    assert inv.document(draft.number).lines[0]["serials"] == ["A"]


def test_only_drafts_are_edited(inv: Inventory) -> None:
    shop(inv)
    receipt = inv.receive(supplier="Acme", location="Store", lines=[("PHONE", ["A"])])
    with pytest.raises(Conflict, match="only a draft can be edited"):
        inv.update_draft(receipt.number, [("PHONE", ["Z"])], location="Store", partner="Acme")
