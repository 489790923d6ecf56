"""The ``shop`` fixture of the page tests: the demo shop served by the app, with users."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webshop import PASSWORD

import serialtrack
from serialtrack.demo import load_demo
from serialtrack.entrypoints.web import create_app
from templates import initialized


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[TestClient]:
    """The demo data (PHN-X1 X1-00004..X1-00019 at Main store, LAP-14 at Warehouse, VIT-C
    batches at Main store) served by the app; users kim (clerk), mia (manager), vic (viewer)."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    with serialtrack.open(initialized(url)) as inv:
        load_demo(inv)
        for name, role in (("kim", "clerk"), ("mia", "manager"), ("vic", "viewer")):
            inv.add_user(name, role, PASSWORD)
    with TestClient(create_app(url)) as client:
        yield client
