"""Labels for a set of units: which units, what each label carries, in which file format.

The selection, the layout and every label's content are checked when the job is made, so a
refusal (unknown document, SKU, serial or location, an empty selection, a layout that does
not fit, a GTIN failing its check digit) comes before the first byte of a file is written.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from serialtrack.adapters.db.store import Tx
from serialtrack.domain.codes import code_key
from serialtrack.domain.entry import parse_entry
from serialtrack.domain.errors import Invalid, NotFound, Problem
from serialtrack.domain.labels import (
    DIGITAL_LINK_BASE,
    FORMATS,
    Label,
    LabelContent,
    Layout,
    layout,
    make_label,
)
from serialtrack.domain.model import Actor, Product, TrackingMode
from serialtrack.domain.permissions import Permission, require
from serialtrack.services import queries

MAX_LABELS = 100_000
MAX_COPIES = 1000
MEDIA_TYPES = {"pdf": "application/pdf", "zpl": "application/x-zpl"}


@dataclass(frozen=True)
class LabelRequest:
    """Which labels: a ``document``'s units; or a product (``sku``) with explicit
    ``serials``, or its units in stock (at ``location`` if given), or one ``batch``."""

    document: str | None = None
    sku: str | None = None
    serials: str | Sequence[str] | None = None
    location: str | None = None
    batch: str | None = None
    copies: int = 1  # labels per unit or batch
    digital_link: bool = False
    digital_link_base: str = DIGITAL_LINK_BASE


@dataclass(frozen=True)
class LabelJob:
    """Labels ready to render: ``write`` them to a file, or ``chunks`` for streaming."""

    labels: tuple[Label, ...]
    format: str
    layout: Layout
    name: str  # a file name stem: the document number or the SKU

    @property
    def count(self) -> int:
        return len(self.labels)

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def filename(self) -> str:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in self.name)
        return f"labels-{safe or 'labels'}.{self.format}"

    def write(self, out: BinaryIO) -> int:
        """Render into the binary file object ``out``; the number of labels."""
        if self.format == "zpl":
            from serialtrack.adapters.labels.zpl import zpl_chunks

            width, height = self._zpl_size()
            for chunk in zpl_chunks(self.labels, width, height):
                out.write(chunk.encode("utf-8"))
            return self.count
        from serialtrack.adapters.labels.pdf import write_pdf

        return write_pdf(self.labels, self.layout, out)

    def chunks(self) -> Iterator[bytes]:
        """The file in pieces as it is rendered (ZPL label by label, PDF a few pages at a
        time), for streaming."""
        if self.format == "zpl":
            from serialtrack.adapters.labels.zpl import zpl_chunks

            width, height = self._zpl_size()
            for chunk in zpl_chunks(self.labels, width, height):
                yield chunk.encode("utf-8")
            return
        from serialtrack.adapters.labels.pdf import pdf_chunks

        yield from pdf_chunks(self.labels, self.layout)

    def to_bytes(self) -> bytes:
        import io

        buffer = io.BytesIO()
        self.write(buffer)
        return buffer.getvalue()

    def save(self, path: str) -> int:
        """Write to ``path`` (through a temporary file, so a failure leaves no partial file)."""
        import os

        directory = os.path.dirname(os.path.abspath(path))
        with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".part") as part:
            try:
                self.write(part)  # type: ignore[arg-type]
            except BaseException:
                part.close()
                os.unlink(part.name)
                raise
        shutil.move(part.name, path)
        return self.count

    def _zpl_size(self) -> tuple[float, float]:
        if self.layout.sheet is not None:  # a sheet preset for ZPL: its label size
            return self.layout.sheet.label_width, self.layout.sheet.label_height
        assert self.layout.size is not None
        return self.layout.size


def make_job(
    tx: Tx,
    actor: Actor,
    request: LabelRequest,
    *,
    format: str = "pdf",
    layout_kind: str = "sheet",
    preset: str | None = None,
    start: int = 1,
) -> LabelJob:
    require(actor, Permission.READ)
    if format not in FORMATS:
        raise Invalid("unknown format", [Problem("format", f"choose one of {', '.join(FORMATS)}")])
    chosen = layout(layout_kind, preset, start=start)
    if not 1 <= request.copies <= MAX_COPIES:
        raise Invalid(
            "copies", [Problem("copies", f"from 1 to {MAX_COPIES}, not {request.copies}")]
        )
    contents, name = _select(tx, actor, request)
    if not contents:
        raise Invalid("nothing to print", [Problem("selection", "the selection has no units")])
    if len(contents) * request.copies > MAX_LABELS:
        raise Invalid(
            "too many labels",
            [Problem("selection", f"at most {MAX_LABELS} labels at once, not "
                     f"{len(contents) * request.copies}")],
        )  # fmt: skip
    made: dict[LabelContent, Label] = {}
    labels = []
    for content in contents:
        label = made.get(content)
        if label is None:
            label = made[content] = make_label(
                content,
                with_digital_link=request.digital_link,
                digital_link_base=request.digital_link_base,
            )
        labels.extend([label] * request.copies)
    return LabelJob(tuple(labels), format, chosen, name)


def _select(tx: Tx, actor: Actor, request: LabelRequest) -> tuple[list[LabelContent], str]:
    if request.document:
        if request.sku or request.serials or request.location or request.batch:
            raise Invalid(
                "choose one selection",
                [Problem("document", "a document, or a product with serials, location or batch")],
            )
        return _document(tx, actor, request.document), request.document
    if not request.sku:
        raise Invalid(
            "nothing selected", [Problem("selection", "name a document or a product (sku)")]
        )
    product = tx.catalog.product_by_sku(request.sku)
    if product is None:
        raise NotFound(f"no product with SKU {request.sku!r}", [Problem("sku", "unknown SKU")])
    if request.batch:
        return _batch(tx, product, request.batch), product.sku
    if request.serials:
        codes = list(parse_entry(request.serials, where="serials").codes)
        if len(codes) > MAX_LABELS:
            raise Invalid("too many labels", [Problem("serials", f"at most {MAX_LABELS}")])
        return _serials(tx, product, codes, strict=True), product.sku
    location_id = None
    if request.location:
        location = tx.catalog.location_by_name(request.location)
        if location is None:
            raise NotFound(
                f"no location named {request.location!r}", [Problem("location", "unknown")]
            )
        location_id = location.id
    return _in_stock(tx, product, location_id), product.sku


def _content(product: Product, **more: object) -> LabelContent:
    return LabelContent(product.sku, product.name, gtin=product.gtin, **more)  # type: ignore[arg-type]


def _serials(tx: Tx, product: Product, codes: list[str], *, strict: bool) -> list[LabelContent]:
    """``codes`` of ``product`` with their expiry, in the order given; unknown ones refused
    when ``strict``, else printed without an expiry."""
    keys = [code_key(c) for c in codes]
    found = tx.labels.serial_codes(product.id, keys)
    missing = [c for c, k in zip(codes, keys, strict=True) if k not in found]
    if strict and missing:
        raise NotFound(
            f"{len(missing)} serial(s) of {product.sku} not found",
            [Problem(f"serials.{codes.index(c)}", f"no serial {c!r} of {product.sku}")
             for c in missing[:50]],
        )  # fmt: skip
    out = []
    for code, key in zip(codes, keys, strict=True):
        shown, expiry = found.get(key, (code, None))
        out.append(_content(product, serial=shown, expiry=expiry))
    return out


def _in_stock(tx: Tx, product: Product, location_id: int | None) -> list[LabelContent]:
    if product.tracking is TrackingMode.BATCH:
        rows = tx.labels.in_stock_batches(product.id, location_id)
        return [_content(product, batch=r.code, expiry=r.expiry) for r in rows]
    rows = tx.labels.in_stock_serials(product.id, location_id)
    return [_content(product, serial=r.code, expiry=r.expiry) for r in rows]


def _batch(tx: Tx, product: Product, code: str) -> list[LabelContent]:
    row = tx.labels.batch(product.id, code_key(code))
    if row is None:
        raise NotFound(f"no batch {code!r} of {product.sku}", [Problem("batch", "unknown batch")])
    return [_content(product, batch=row.code, expiry=row.expiry)]


def _document(tx: Tx, actor: Actor, number: str) -> list[LabelContent]:
    view = queries.document(tx, actor, queries.find_document(tx, actor, number))
    out: list[LabelContent] = []
    for line in view.lines:
        product = tx.catalog.product_by_sku(line["sku"])
        assert product is not None
        if line["serials"]:
            out += _serials(tx, product, list(line["serials"]), strict=False)
        for part in line["batches"]:
            out += _batch(tx, product, part["code"])
    return out
