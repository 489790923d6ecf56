"""Labels for a set of units: which units, what each label carries, in which file format.

The selection, the layout and every label's content are checked when the job is made, so a
refusal (unknown document, SKU, serial, unit or location, an empty selection, a layout that
does not fit, a GTIN failing its check digit) comes before the first byte of a file is written.

A selection is one of: a document's units; a product's serials, its units in stock (at a
location) or one batch; a list of units of any products (``units``, each ``(sku, serial)`` or
the text ``SKU:SERIAL``); or codes not in the books yet (``new``: a product's ``serials`` that
need only be valid codes for it, e.g. just generated, printed before they are received).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from serialtrack.adapters.db.store import Tx
from serialtrack.adapters.files import write_atomically
from serialtrack.domain.codes import code_key, code_problem
from serialtrack.domain.entry import expand_range, parse_entry
from serialtrack.domain.errors import Invalid, NotFound, Problem
from serialtrack.domain.labels import (
    FORMATS,
    Label,
    LabelContent,
    Layout,
    layout,
    make_label,
)
from serialtrack.domain.model import Actor, Product, TrackingMode
from serialtrack.domain.permissions import Permission, require
from serialtrack.services import catalog, queries

MAX_LABELS = 100_000
MAX_COPIES = 1000
MEDIA_TYPES = {"pdf": "application/pdf", "zpl": "application/x-zpl"}
DIGITAL_LINK_SETTING = "digital_link_base"
UNIT_SEPARATOR = ":"  # in the text form of a unit, ``SKU:SERIAL``
UNKNOWN = "unknown"  # the code of a problem naming a SKU or serial not in the books

Unit = tuple[str, str] | str  # (sku, serial), or the text ``SKU:SERIAL``


@dataclass(frozen=True)
class LabelRequest:
    """Which labels: a ``document``'s units; or a product (``sku``) with explicit
    ``serials``, or its units in stock (at ``location`` if given), or one ``batch``; or
    ``units`` of any products, each ``(sku, serial)`` or ``"SKU:SERIAL"``.

    ``new``: the ``serials`` of ``sku`` need not be in the books, only be valid codes of a
    serial-tracked product (printed before they are received; expiry unknown then).
    ``digital_link_base`` None: the ``digital_link_base`` setting."""

    document: str | None = None
    sku: str | None = None
    serials: str | Sequence[str] | None = None
    location: str | None = None
    batch: str | None = None
    copies: int = 1  # labels per unit or batch
    digital_link: bool = False
    digital_link_base: str | None = None
    units: Sequence[Unit] | None = None
    new: bool = False


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
        return write_atomically(path, self.write)

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
    base = request.digital_link_base
    if request.digital_link and base is None:
        base = catalog.setting(tx, actor, DIGITAL_LINK_SETTING)
    made: dict[LabelContent, Label] = {}
    labels = []
    for content in contents:
        label = made.get(content)
        if label is None:
            label = made[content] = make_label(
                content, with_digital_link=request.digital_link, digital_link_base=base or ""
            )
        labels.extend([label] * request.copies)
    return LabelJob(tuple(labels), format, chosen, name)


def _select(tx: Tx, actor: Actor, request: LabelRequest) -> tuple[list[LabelContent], str]:
    _one_selection(request)
    if request.document:
        return _document(tx, actor, request.document), request.document
    if request.units is not None:
        return _units(tx, list(request.units))
    if not request.sku:
        raise Invalid(
            "nothing selected",
            [Problem("selection", "name a document, a product (sku) or units (SKU:SERIAL)")],
        )
    product = tx.catalog.product_by_sku(request.sku)
    if product is None:
        raise NotFound(f"no product with SKU {request.sku!r}", [Problem("sku", "unknown SKU")])
    if request.batch:
        return _batch(tx, product, request.batch), product.sku
    if request.new and not product.tracking.serialized:
        raise Invalid(
            f"{product.sku} is not serial-tracked",
            [Problem("sku", f"{product.sku} has no serials to print new codes of")],
        )
    if request.serials:
        codes = list(parse_entry(request.serials, where="serials").codes)
        if len(codes) > MAX_LABELS:
            raise Invalid("too many labels", [Problem("serials", f"at most {MAX_LABELS}")])
        return _serials(tx, product, codes, strict=not request.new), product.sku
    if request.new:
        raise Invalid("no codes given", [Problem("serials", "name the new codes to print")])
    location_id = None
    if request.location:
        location = tx.catalog.location_by_name(request.location)
        if location is None:
            raise NotFound(
                f"no location named {request.location!r}", [Problem("location", "unknown")]
            )
        location_id = location.id
    return _in_stock(tx, product, location_id), product.sku


def _one_selection(request: LabelRequest) -> None:
    """``Invalid`` when ``request`` mixes selections: a document, units, or one product's."""
    product_parts = [
        name for name in ("sku", "serials", "location", "batch") if getattr(request, name)
    ]
    if request.document and (product_parts or request.units is not None):
        raise Invalid(
            "choose one selection",
            [Problem("document", "a document, units, or a product with serials, location or "
                     "batch")],
        )  # fmt: skip
    if request.units is not None and product_parts:
        raise Invalid(
            "choose one selection",
            [Problem("units", f"units name their products; leave out {', '.join(product_parts)}")],
        )
    if request.new and (request.document or request.units is not None or request.location
                        or request.batch):  # fmt: skip
        raise Invalid(
            "new codes are a product's serials",
            [Problem("new", "applies to a product (sku) with the serials to print")],
        )


def _units(tx: Tx, units: list[Unit]) -> tuple[list[LabelContent], str]:
    """The labels of ``units`` (of any products), in the order given; every unknown SKU or
    serial, unreadable or repeated unit refused, each named by its position ``units[i]``."""
    if not units:
        raise Invalid("nothing to print", [Problem("units", "the selection is empty")])
    if len(units) > MAX_LABELS:
        raise Invalid("too many labels", [Problem("units", f"at most {MAX_LABELS} units")])
    products: dict[str, Product | None] = {}
    problems: list[tuple[int, Problem]] = []
    wanted: list[tuple[int, Product, str]] = []  # position, product, serial
    seen: dict[tuple[int, str], int] = {}
    for i, unit in enumerate(units):
        read = _unit(tx, unit, f"units[{i}]", products)
        if isinstance(read, Problem):
            problems.append((i, read))
            continue
        product, serial = read
        first = seen.setdefault((product.id, code_key(serial)), i)
        if first != i:
            message = f"{product.sku} {serial} is selected twice (first at units[{first}])"
            problems.append((i, Problem(f"units[{i}]", message, "duplicate")))
            continue
        wanted.append((i, product, serial))
    by_product: dict[int, list[str]] = {}
    for _, product, serial in wanted:
        by_product.setdefault(product.id, []).append(code_key(serial))
    found = {pid: tx.labels.serial_codes(pid, keys) for pid, keys in by_product.items()}
    out = []
    for i, product, serial in wanted:
        known = found[product.id].get(code_key(serial))
        if known is None:
            message = f"no serial {serial!r} of {product.sku}"
            problems.append((i, Problem(f"units[{i}]", message, UNKNOWN)))
            continue
        out.append(_content(product, serial=known[0], expiry=known[1], batch=known[2]))
    if problems:
        problems.sort(key=lambda pair: pair[0])
        error = NotFound if all(p.code == UNKNOWN for _, p in problems) else Invalid
        raise error(f"{len(problems)} of the {len(units)} unit(s) cannot be printed",
                    [p for _, p in problems[:50]])  # fmt: skip
    skus = {product.sku for _, product, _ in wanted}
    return out, skus.pop() if len(skus) == 1 else "selection"


def _unit(
    tx: Tx, unit: Unit, where: str, products: dict[str, Product | None]
) -> tuple[Product, str] | Problem:
    """``unit``'s product and serial, or the problem with it."""
    if isinstance(unit, str):
        pair = _split_unit(tx, unit, where, products)
        if isinstance(pair, Problem):
            return pair
        sku, serial = pair
    elif isinstance(unit, tuple | list) and len(unit) == 2:
        sku, serial = unit
    else:
        return Problem(where, "a unit is (sku, serial) or the text SKU:SERIAL")
    problem = code_problem(serial, where)
    if problem is not None:
        return problem
    product = _product(tx, str(sku), products)
    if product is None:
        return Problem(where, f"no product with SKU {sku!r}", UNKNOWN)
    return product, serial.strip()


def _split_unit(
    tx: Tx, text: str, where: str, products: dict[str, Product | None]
) -> tuple[str, str] | Problem:
    """``SKU:SERIAL`` split where what comes before the ``:`` is a known SKU (a SKU or a serial
    may hold a ``:`` too); refused when no split or more than one names a product."""
    cuts = [i for i, ch in enumerate(text) if ch == UNIT_SEPARATOR]
    if not cuts:
        return Problem(where, f"{text!r}: write a unit as SKU:SERIAL")
    fits = [(text[:i], text[i + 1 :]) for i in cuts if _product(tx, text[:i], products)]
    if not fits:
        return Problem(where, f"no product with SKU {text[: cuts[0]]!r} ({text!r})", UNKNOWN)
    if len(fits) > 1:
        skus = " and ".join(repr(sku) for sku, _ in fits)
        return Problem(where, f"{text!r} is ambiguous: SKUs {skus} both fit; name the unit as "
                              "(sku, serial)")  # fmt: skip
    return fits[0]


def _product(tx: Tx, sku: str, products: dict[str, Product | None]) -> Product | None:
    if sku not in products:
        products[sku] = tx.catalog.product_by_sku(sku) if sku.strip() else None
    return products[sku]


def compact_codes(codes: Sequence[str]) -> str:
    """``codes`` as entry text: ``FIRST..LAST`` when they are exactly that range (generated
    codes are), else the codes separated by spaces. ``parse_entry`` reads either back."""
    if len(codes) > 2:
        try:
            if expand_range(f"{codes[0]}..{codes[-1]}") == list(codes):
                return f"{codes[0]}..{codes[-1]}"
        except Invalid:
            pass
    return " ".join(codes)


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
        shown, expiry, lot = found.get(key, (code, None, None))
        out.append(_content(product, serial=shown, expiry=expiry, batch=lot))
    return out


def _in_stock(tx: Tx, product: Product, location_id: int | None) -> list[LabelContent]:
    if product.tracking is TrackingMode.BATCH:
        rows = tx.labels.in_stock_batches(product.id, location_id)
        return [_content(product, batch=r.code, expiry=r.expiry) for r in rows]
    rows = tx.labels.in_stock_serials(product.id, location_id)
    return [_content(product, serial=r.code, expiry=r.expiry, batch=r.batch) for r in rows]


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
