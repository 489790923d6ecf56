"""Who may do what. Checked in the service layer, so every interface enforces the same."""

from __future__ import annotations

from enum import StrEnum

from serialtrack.domain.errors import Forbidden, Unauthenticated
from serialtrack.domain.model import Actor, DocumentKind, Role


class Permission(StrEnum):
    READ = "read"
    POST_DOCUMENT = "post_document"  # receipts, sales, returns (and later transfers, counts)
    OPENING_BALANCE = "opening_balance"
    CANCEL_DOCUMENT = "cancel_document"
    MANAGE_CATALOG = "manage_catalog"  # products, locations, partners
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_USERS = "manage_users"
    IMPORT_SERIALS = "import_serials"  # bulk files
    ALLOW_EXPIRED = "allow_expired"  # sell or transfer units past their expiry date
    DELETE_SERIAL = "delete_serial"  # one created by mistake, untouched since
    # Write-offs and posting counts: units leave the books. A manager's, unless the setting
    # ``clerks_take_off_books`` gives it to clerks too (PRODUCT.md, roles).
    TAKE_OFF_BOOKS = "take_off_books"
    VERIFY_LEDGER = "verify_ledger"  # replay the whole ledger: `serialtrack check`
    # Releasing stock put on hold (a recall) back to sale: a manager's decision. Anyone who
    # posts documents may put stock on hold.
    RELEASE_HOLD = "release_hold"
    # What the books expect on an open blind count (the counter sees only what was found).
    SEE_BLIND_COUNT = "see_blind_count"


_VIEWER = {Permission.READ}
_CLERK = _VIEWER | {Permission.POST_DOCUMENT}
_MANAGER = _CLERK | {
    Permission.OPENING_BALANCE,
    Permission.CANCEL_DOCUMENT,
    Permission.MANAGE_CATALOG,
    Permission.MANAGE_SETTINGS,
    Permission.IMPORT_SERIALS,
    Permission.ALLOW_EXPIRED,
    Permission.DELETE_SERIAL,
    Permission.TAKE_OFF_BOOKS,
    Permission.RELEASE_HOLD,
    Permission.SEE_BLIND_COUNT,
}
_ADMIN = _MANAGER | {Permission.MANAGE_USERS, Permission.VERIFY_LEDGER}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset(_VIEWER),
    Role.CLERK: frozenset(_CLERK),
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: frozenset(_ADMIN),
}


def allowed(actor: Actor, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[actor.role]


ANONYMOUS = Actor(0, "anonymous", Role.VIEWER)  # before login: may do nothing guarded


def require(actor: Actor, permission: Permission) -> None:
    if actor.user_id == ANONYMOUS.user_id:
        raise Unauthenticated("log in first")
    if not allowed(actor, permission):
        raise Forbidden(
            f"{actor.username} ({actor.role.value}) may not {permission.value.replace('_', ' ')}"
        )


def document_permission(kind: DocumentKind) -> Permission:
    if kind is DocumentKind.OPENING_BALANCE:
        return Permission.OPENING_BALANCE
    if kind is DocumentKind.SERIAL_ASSIGNMENT:
        return Permission.MANAGE_CATALOG
    if kind is DocumentKind.WRITE_OFF:
        return Permission.TAKE_OFF_BOOKS
    if kind is DocumentKind.RELEASE:
        return Permission.RELEASE_HOLD
    return Permission.POST_DOCUMENT


def minimum_permission(kind: DocumentKind) -> Permission:
    """What any maker of ``kind`` needs at least, checked before the work starts (the service
    then checks the rest, with the shop's settings)."""
    permission = document_permission(kind)
    return Permission.POST_DOCUMENT if permission is Permission.TAKE_OFF_BOOKS else permission


def may(actor: Actor, permission: Permission, *, clerks_take_off_books: bool = False) -> bool:
    """``allowed``, with taking units off the books given to clerks when the shop says so."""
    if permission is Permission.TAKE_OFF_BOOKS and clerks_take_off_books:
        permission = Permission.POST_DOCUMENT
    return allowed(actor, permission)


def require_may(actor: Actor, permission: Permission, *, clerks_take_off_books: bool) -> None:
    if not may(actor, permission, clerks_take_off_books=clerks_take_off_books):
        require(actor, permission)  # raises, naming what is missing
    elif actor.user_id == ANONYMOUS.user_id:
        raise Unauthenticated("log in first")
