"""The first steps of an empty shop, shown on Home until goods have come in: add a location (a
store), add a product, receive goods. Each is a link, ticked off once done."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    words: str
    href: str
    done: bool


def first_steps(*, has_store: bool, has_product: bool, has_received: bool) -> list[Step]:
    """The three steps, in order; goods received (or an opening balance) means all are done:
    they came in at a store, as a product."""
    return [
        Step("Add a location: your store or warehouse", "/locations/new",
             has_store or has_received),
        Step("Add a product", "/products/new", has_product or has_received),
        Step("Receive goods", "/receipts/new", has_received),
    ]  # fmt: skip


def all_done(steps: list[Step]) -> bool:
    return all(step.done for step in steps)
