"""``serialtrack product edit`` and ``product next-batch``: a product's fields, its lot rules
(shelf life, best-before, removal and alert days, batch pattern) and its next batch code."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from serialtrack.entrypoints.cli import (
    Alert,
    BatchPattern,
    BestBefore,
    Removal,
    ShelfLife,
    inventory,
    lot_fields,
    out,
    product_app,
)
from serialtrack.entrypoints.cli_documents import _date

CLEARABLE = ("shelf_life_days", "best_before_days", "removal_days", "alert_days",
             "batch_pattern")  # fmt: skip


@product_app.command("edit")
def product_edit(
    sku: str,
    name: Annotated[str | None, typer.Option(help="A new name.")] = None,
    unit: Annotated[str | None, typer.Option(help="A new unit.")] = None,
    shelf_life: ShelfLife = None,
    best_before: BestBefore = None,
    removal: Removal = None,
    alert: Alert = None,
    batch_pattern: BatchPattern = None,
    clear: Annotated[
        list[str] | None,
        typer.Option("--clear", metavar="FIELD",
                     help="Clear a lot rule: shelf_life_days, best_before_days, removal_days, "
                     "alert_days or batch_pattern (repeatable)."),
    ] = None,
) -> None:  # fmt: skip
    """Change a product's name, unit or lot rules (dates and batch pattern)."""
    fields: dict[str, Any] = {k: v for k, v in (("name", name), ("unit", unit)) if v is not None}
    fields |= lot_fields(shelf_life, best_before, removal, alert, batch_pattern)
    for field in clear or ():
        if field not in CLEARABLE:
            raise typer.BadParameter(f"{field!r} is not one of {', '.join(CLEARABLE)}",
                                     param_hint="--clear")  # fmt: skip
        fields[field] = None
    if not fields:
        raise typer.BadParameter("nothing to change: give an option", param_hint="SKU")
    with inventory() as inv:
        product = inv.update_product(sku, **fields)
    rules = ", ".join(f"{k} {getattr(product, k)}" for k in CLEARABLE
                      if getattr(product, k) is not None)  # fmt: skip
    out.print(f"product {product.sku} changed" + (f" ({rules})" if rules else ""), markup=False)


@product_app.command("next-batch")
def product_next_batch(
    sku: str,
    date: Annotated[
        str | None, typer.Option("--date", help="For a receipt of this day (YYYY-MM-DD).")
    ] = None,
) -> None:
    """The batch code the next receipt gets from the product's batch pattern (not taken)."""
    on = _date(date)
    with inventory() as inv:
        code = inv.next_batch_code(sku, on)
    out.print(code, markup=False)
