"""CLI commands for running the server and administering users and tokens."""

from __future__ import annotations
