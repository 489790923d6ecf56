"""Interfaces: CLI, REST API, web UI. Thin: parse, call Inventory, present."""
