"""The audit trail: who changed which master data, setting, user, token or serial, from what.

Writers record, per change, the values before and after it::

    {"changes": {"name": {"old": "Phone X", "new": "Phone X renamed"}}, ...}

(creations record the values created; a password change records that it happened, never the
password). Readers get the records newest first with the user's name, the entity's name (SKU,
location or partner name, username, token, serial code) and a one-line summary.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.errors import Invalid, Problem
from serialtrack.domain.model import Actor
from serialtrack.domain.permissions import Permission, require

ENTITIES = (
    "product", "location", "partner", "setting", "user", "token", "serial", "discrepancy",
)  # fmt: skip
MAX_LIMIT = 1000
ARROW = "→"


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"old": ..., "new": ...}}`` for each field of ``new`` that differs from ``old``."""
    return {
        key: {"old": old.get(key), "new": value}
        for key, value in new.items()
        if old.get(key) != value
    }


def record(
    tx: Tx, actor: Actor, entity: str, entity_id: int, action: str, detail: dict[str, Any],
    now: datetime,
) -> None:  # fmt: skip
    """Append one audit record (to the chained trail)."""
    tx.catalog.audit(
        user_id=actor.user_id, entity=entity, entity_id=entity_id, action=action,
        detail=detail, now=now,
    )  # fmt: skip


# reading ----------------------------------------------------------------------------------
def trail(
    tx: Tx,
    actor: Actor,
    *,
    entity: str | None = None,
    user: str | None = None,
    since: date | datetime | str | None = None,
    until: date | datetime | str | None = None,
    text: str | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """Audit records, newest first (managers and admins).

    ``since``/``until`` are dates (both days included) or datetimes (``until`` excluded);
    ``before_id`` gives the records older than that one (the next page).
    """
    require(actor, Permission.MANAGE_CATALOG)
    problems: list[Problem] = []
    entity = (entity or "").strip() or None
    if entity is not None and entity not in ENTITIES:
        problems.append(Problem("entity", f"entity is one of {', '.join(ENTITIES)}"))
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        problems.append(Problem("limit", f"limit is 1 to {MAX_LIMIT}"))
    if before_id is not None and (not isinstance(before_id, int) or before_id < 1):
        problems.append(Problem("before_id", "a record id"))
    start = _moment("since", since, problems, end=False)
    end = _moment("until", until, problems, end=True)
    if problems:
        raise Invalid("the audit query is not valid", problems)
    rows = tx.catalog.audit_rows(
        entity=entity, username=(user or "").strip() or None, since=start, until=end,
        text=(text or "").strip() or None, limit=limit, before_id=before_id,
    )  # fmt: skip
    return [_view(row) for row in rows]


def _moment(
    field: str, value: date | datetime | str | None, problems: list[Problem], *, end: bool
) -> datetime | None:
    """A bound as a naive UTC datetime; a date's ``until`` bound is the next midnight."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = (
                datetime.fromisoformat(value.strip())
                if "T" in value or " " in value.strip()
                else date.fromisoformat(value.strip())
            )
        except ValueError:
            problems.append(Problem(field, "a date is written YYYY-MM-DD"))
            return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        start = datetime.combine(value, time())
        return start + timedelta(days=1) if end else start
    problems.append(Problem(field, "a date is written YYYY-MM-DD"))
    return None


def _view(row: Any) -> dict[str, Any]:
    try:
        detail = json.loads(row["detail"]) if row["detail"] else {}
    except ValueError:
        detail = {"text": row["detail"]}
    if not isinstance(detail, dict):
        detail = {"value": detail}
    return {
        "id": row["id"],
        "at": row["at"],
        "user": row["username"],
        "entity": row["entity"],
        "entity_id": row["entity_id"],
        "name": _entity_name(row, detail),
        "action": row["action"],
        "summary": summary(row["entity"], row["action"], detail),
        "detail": detail,
    }


def _entity_name(row: Any, detail: dict[str, Any]) -> str:
    """What the record is about, by name: its current name, or the one recorded with it."""
    entity = row["entity"]
    if entity == "product":
        return row["product_sku"] or str(detail.get("sku") or f"#{row['entity_id']}")
    if entity == "location":
        return row["location_name"] or str(detail.get("name") or f"#{row['entity_id']}")
    if entity == "partner":
        return row["partner_name"] or str(detail.get("name") or f"#{row['entity_id']}")
    if entity == "user":
        return row["subject_username"] or str(detail.get("username") or f"#{row['entity_id']}")
    if entity == "token":
        name = row["token_name"] or detail.get("name") or f"#{row['entity_id']}"
        owner = row["token_username"] or detail.get("user")
        return f"{name} ({owner})" if owner else str(name)
    if entity == "serial":
        if row["serial_code"]:
            return f"{row['serial_sku']} {row['serial_code']}"
        code = detail.get("code") or detail.get("new_code")
        return f"{detail.get('sku', '')} {code or '#' + str(row['entity_id'])}".strip()
    if entity == "setting":
        if "key" in detail:
            return str(detail["key"])
        return ", ".join(sorted(detail)) or "setting"
    return f"#{row['entity_id']}"


def _show(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _said(entity: str, key: str, value: Any) -> Any:
    """A stored value in the product's words: a location of kind ``internal`` is a store."""
    if entity == "location" and key == "kind" and value == "internal":
        return "store"
    return value


def summary(entity: str, action: str, detail: dict[str, Any]) -> str:
    """One line saying what changed: ``name: Phone X → Phone X renamed``."""
    parts: list[str] = []
    found = detail.get("changes")
    if isinstance(found, dict):
        for key, change in found.items():
            if isinstance(change, dict) and ("old" in change or "new" in change):
                old = _show(_said(entity, key, change.get("old")))
                new = _show(_said(entity, key, change.get("new")))
                parts.append(f"{key}: {old} {ARROW} {new}")
            else:
                parts.append(f"{key}: {_show(change)}")
    elif "old_code" in detail and "new_code" in detail:  # serial code corrections
        parts.append(f"code: {detail['old_code']} {ARROW} {detail['new_code']}")
    elif "from" in detail and "to" in detail:  # records written before old values were kept
        parts.append(f"{action}: {_show(detail['from'])} {ARROW} {_show(detail['to'])}")
    elif action == "password":
        parts.append("password changed")
    elif action == "revoke":
        parts.append("revoked")
    elif action in ("enable", "disable"):
        parts.append(f"{action}d")
    else:
        skip = {"changes", "reason", "key"}
        parts += [
            f"{k}: {_show(_said(entity, k, v))}"
            for k, v in detail.items()
            if k not in skip and v not in (None, "")
        ]
    if detail.get("reason"):
        parts.append(f"reason: {detail['reason']}")
    return "; ".join(parts) or action
