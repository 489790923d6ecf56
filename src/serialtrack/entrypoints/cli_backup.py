"""CLI commands for backing up and restoring the database."""

from __future__ import annotations
