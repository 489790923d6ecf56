"""The first steps of an empty shop, shown on Home until goods have come in: add a location (a
store), add a product, receive goods. Each is a link, ticked off once done, for those whose
role may do it; the others read who does it instead."""

from __future__ import annotations

from dataclasses import dataclass

from serialtrack.domain.model import Role
from serialtrack.domain.permissions import ROLE_PERMISSIONS, Permission


@dataclass(frozen=True)
class Step:
    words: str
    href: str
    done: bool
    permission: Permission = Permission.MANAGE_CATALOG  # what doing the step takes

    @property
    def who(self) -> str:
        """Who does it, for someone who may not: "a manager or an admin"."""
        return who_may(self.permission)


def first_steps(*, has_store: bool, has_product: bool, has_received: bool) -> list[Step]:
    """The three steps, in order; goods received (or an opening balance) means all are done:
    they came in at a store, as a product."""
    return [
        Step("Add a location: your store or warehouse", "/locations/new",
             has_store or has_received, Permission.MANAGE_CATALOG),
        Step("Add a product", "/products/new", has_product or has_received,
             Permission.MANAGE_CATALOG),
        Step("Receive goods", "/receipts/new", has_received, Permission.POST_DOCUMENT),
    ]  # fmt: skip


def all_done(steps: list[Step]) -> bool:
    return all(step.done for step in steps)


def who_may(permission: Permission | str) -> str:
    """The roles that may do ``permission``, in words, least powerful first: "a clerk, a
    manager or an admin" (the roles as they are; a shop's settings may give clerks more)."""
    wanted = Permission(permission)
    names = [
        f"an {role.value}" if role.value[0] in "aeiou" else f"a {role.value}"
        for role in Role
        if wanted in ROLE_PERMISSIONS[role]
    ]
    if not names:
        return "nobody"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
