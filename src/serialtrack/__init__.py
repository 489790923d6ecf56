"""serialtrack: track every unit of a product by its serial number.

>>> import serialtrack
>>> inv = serialtrack.open("sqlite:///shop.db")          # doctest: +SKIP
>>> inv.receive(supplier="Acme", location="Store", lines=[("PH-1", ["SN1"])])  # doctest: +SKIP
"""

from serialtrack.domain.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Problem,
    SerialtrackError,
)
from serialtrack.domain.model import (
    DocumentKind,
    DocumentState,
    LocationKind,
    SerialStatus,
    TrackingMode,
)
from serialtrack.domain.model import LineInput as Line
from serialtrack.inventory import Inventory, open
from serialtrack.services.queries import REPORT_COLUMNS, DocumentView

__all__ = [
    "REPORT_COLUMNS",
    "Conflict",
    "DocumentKind",
    "DocumentState",
    "DocumentView",
    "Forbidden",
    "Invalid",
    "Inventory",
    "Line",
    "LocationKind",
    "NotFound",
    "Problem",
    "SerialStatus",
    "SerialtrackError",
    "TrackingMode",
    "open",
]
__version__ = "0.1.0"
