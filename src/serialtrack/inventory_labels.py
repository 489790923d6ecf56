"""Labels, mixed into ``Inventory``: barcode labels for a document's units, a product's serials,
its stock at a location or a batch, units of several products, or codes not received yet, as
PDF or ZPL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from serialtrack.domain.model import Actor
from serialtrack.services import labels as label_jobs

if TYPE_CHECKING:
    from serialtrack.adapters.db.store import Store


class LabelsMixin:
    store: Store
    actor: Actor
    clock: Callable[[], datetime]

    def labels(
        self,
        document: str | None = None,
        *,
        sku: str | None = None,
        serials: str | Sequence[str] | None = None,
        location: str | None = None,
        batch: str | None = None,
        copies: int = 1,
        format: str = "pdf",
        layout: str = "sheet",
        preset: str | None = None,
        start: int = 1,
        digital_link: bool = False,
        digital_link_base: str | None = None,
        units: Sequence[label_jobs.Unit] | None = None,
        new: bool = False,
    ) -> label_jobs.LabelJob:
        """Labels for ``document``'s units, or for product ``sku``: the ``serials`` given, its
        units in stock (at ``location``), or its ``batch``; or for ``units`` of any products,
        each ``(sku, serial)`` or ``"SKU:SERIAL"`` (``copies`` labels each).

        ``new=True``: ``serials`` of ``sku`` that need not be in the books yet, only valid codes
        of a serial-tracked product (e.g. just generated; no expiry then). ``digital_link``
        adds a QR code of the GS1 Digital Link at ``digital_link_base`` (default: the
        ``digital_link_base`` setting).

        ``format`` ``pdf`` or ``zpl``; ``layout`` ``sheet`` (``preset`` e.g. ``a4-3x8``,
        ``start`` the first free position) or ``single`` (``50x25``, ``57x32``, ``100x50`` or
        ``WxH`` mm). Everything is checked here; the returned job's ``save(path)``,
        ``write(file)``, ``to_bytes()`` or ``chunks()`` renders it.
        """
        request = label_jobs.LabelRequest(
            document=document, sku=sku, serials=serials, location=location, batch=batch,
            copies=copies, digital_link=digital_link, digital_link_base=digital_link_base,
            units=units, new=new,
        )  # fmt: skip
        with self.store.transaction(write=False) as tx:
            return label_jobs.make_job(
                tx, self.actor, request, format=format, layout_kind=layout, preset=preset,
                start=start,
            )  # fmt: skip
