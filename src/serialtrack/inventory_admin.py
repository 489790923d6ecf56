"""Use cases of the REST API and user administration, mixed into ``Inventory``."""

from __future__ import annotations


class AdminMixin:
    """Methods here reach the services exactly like ``Inventory``'s own."""
