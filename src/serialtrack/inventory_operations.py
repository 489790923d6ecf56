"""Stock operations beyond buying and selling (transfers, write-offs, ...), mixed into Inventory."""

from __future__ import annotations


class OperationsMixin:
    """Methods here reach the services exactly like ``Inventory``'s own."""
