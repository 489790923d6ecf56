"""The help pages' words (``/help/<page>``), one entry per screen, in the README's words.

Plain text only: the template escapes every paragraph, so nothing here can become markup.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HelpPage:
    title: str
    paragraphs: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = ()  # (address, words): the screens it is about


# What a help link's screen needs (a permission's value); a link is shown only to who may use
# it, like the menu. Screens missing here only need to be logged in.
LINK_NEEDS: dict[str, str] = {
    "/locations/new": "manage_catalog",
    "/partners/new": "manage_catalog",
    "/products/new": "manage_catalog",
    "/receipts/new": "post_document",
    "/sales/new": "post_document",
    "/sales-returns/new": "post_document",
    "/purchase-returns/new": "post_document",
    "/refunds/new": "post_document",
    "/supplier-returns/new": "post_document",
    "/counter": "post_document",
    "/transfers/dispatch": "post_document",
}


HELP: dict[str, HelpPage] = {
    "home": HelpPage(
        "Home",
        (
            "Home shows the stock by store, what was received and sold per week, what expires "
            "soon, the stock on hand and the latest documents.",
            "On an empty shop it shows the first steps instead: add a location (your store), "
            "add a product, receive goods. Each step is ticked off once it is done.",
            "The search box at the top takes a scan: a serial, a GS1 code, a SKU or a "
            "document's number opens what it names. Press / to jump to it.",
        ),
        (("/", "Home"), ("/help/first-day", "Your first day")),
    ),
    "first-day": HelpPage(
        "Your first day",
        (
            "From an empty database to the first sale: log in as admin, add a store "
            "(Locations → New location), a supplier and a customer (Partners → New partner), "
            "a product (Products → New product, tracking serial), receive three serials "
            "(Receive), sell one (Sell), and look up its history (type its serial in the "
            "search box).",
            "The walkthrough with every click is docs/first-day.md in the project.",
        ),
        (
            ("/locations/new", "New location"),
            ("/partners/new", "New partner"),
            ("/products/new", "New product"),
            ("/receipts/new", "Receive goods"),
            ("/sales/new", "Sell"),
        ),
    ),
    "products": HelpPage(
        "Products",
        (
            "A product has a SKU (unique), a name, a unit, an optional GTIN (barcode) and a "
            "tracking mode: serial (one unique code per unit), none (quantity only), batch (a "
            "code shared by a quantity of units, with its expiry) or serial+batch.",
            "The product page shows the stock by location and its serials. A product can "
            "switch to serial tracking only while it has no stock on hand.",
            'A bundle is a product made of components (on the product page, "Components", '
            "one SKU and quantity per line); selling it moves its components.",
        ),
        (("/products", "Products"), ("/products/new", "New product")),
    ),
    "serials": HelpPage(
        "Serials",
        (
            "One row per unit: its product, code, status and where it is. Its page shows the "
            "whole history: every document that moved it, the supplier and purchase, the "
            "customer and invoice, and the warranty ends.",
            "Statuses: in stock, reserved (held by a draft sale or purchase return), in "
            "transit, sold, returned to supplier, written off.",
            "A corrected code still finds the unit: the unit keeps its history and the old code.",
        ),
        (("/serials", "Serials"),),
    ),
    "documents": HelpPage(
        "Documents",
        (
            "Documents are numbered per kind (OB- opening balance, RC- receipt, PR- purchase "
            "return, SO- sale, SR- sales return, TR- and TI- transfers, WO- write-off, CT- "
            "count...) and go draft → posted → cancelled.",
            "Posting writes the moves of the ledger; cancelling reverses them exactly, but "
            "only while every unit is still where the document put it; otherwise the refusal "
            "names the unit, where it is now and the later document that moved it.",
            "A form's Save as draft keeps what was typed without moving anything: a draft "
            "sale, purchase return, dispatch or write-off holds its serials (reserved) until "
            "it is posted or deleted. A draft opens in its form again (Edit on its page) to be "
            "changed, saved again or posted; Documents lists the drafts (state: draft).",
            "A document of more than 1,000 moves shows its first 1,000 and how many there are.",
            "A refused document writes nothing.",
        ),
        (("/documents", "Documents"), ("/documents?state=draft", "Drafts")),
    ),
    "receive": HelpPage(
        "Receive goods",
        (
            "A receipt brings units in from a supplier to one of your stores. A serial-tracked "
            "line needs exactly its quantity of serials, one row per unit: type or scan them "
            "one at a time, paste a list, or give a range such as SN-0001..SN-0100.",
            "A serial already in stock, in transit or sold is refused with where it is. The "
            "opening balance brings in units already on hand when serialtrack starts.",
        ),
        (("/receipts/new", "Receive goods"),),
    ),
    "sell": HelpPage(
        "Sell",
        (
            "A sale takes units from a store to a customer. Serials are picked from those in "
            "stock at that store (a list or a scan, never free text that does not exist). The "
            "sale date starts the customer warranty. With no customer chosen it is a walk-in "
            "sale.",
            "Only serials in stock at the store can be sold; two clerks selling the same unit "
            "at the same moment cannot both succeed.",
        ),
        (("/sales/new", "Sell"), ("/counter", "The counter")),
    ),
    "counter": HelpPage(
        "The counter",
        (
            "A sale made for a scanner and the keyboard. Scan a unit's serial (or its GS1 "
            "barcode) and its line appears with the warranty end the customer gets. If the "
            "unit can't be sold, the reason shows under the scan field.",
            "Scan a product's SKU or GTIN and the counter asks which unit. Keys: Ctrl+Enter "
            "sells, Alt+Backspace removes the last line, Alt+N starts a new sale, Esc closes "
            "the unit picker.",
        ),
        (("/counter", "The counter"),),
    ),
    "returns": HelpPage(
        "Returns and refunds",
        (
            "Sales returns are credit notes and purchase returns debit notes; both take a "
            "reason. Only sold units come back on a sales return; only units in stock at the "
            "store go back to the supplier.",
            "Refund by scan: scan the serials that come back, or the sales slip's number; each "
            "finds its latest sale. Purchase return by scan sends each unit back to the "
            "supplier of the receipt it came in on.",
        ),
        (
            ("/sales-returns/new", "Sales return"),
            ("/refunds/new", "Refund by scan"),
            ("/purchase-returns/new", "Purchase return"),
            ("/supplier-returns/new", "Purchase return by scan"),
        ),
    ),
    "transfers": HelpPage(
        "Transfers and write-offs",
        (
            "Transfers go in two legs: a dispatch (TR-) puts the units in transit, and a "
            "transfer receipt (TI-) at the destination takes what arrived; the rest stays in "
            "transit on the dispatch, visibly. Sold or reserved units cannot be moved.",
            "A unit that never arrives is resolved on the dispatch's page (Close it short): "
            "back to the store that sent it, or written off with a reason by a manager.",
            "Write-offs (WO-) send units to Scrap with a required reason; like every document "
            "they can be cancelled, which restores exactly.",
        ),
        (("/transfers", "Transfers"), ("/transfers/dispatch", "Dispatch a transfer")),
    ),
    "counts": HelpPage(
        "Counts and discrepancies",
        (
            "An inventory count (CT-) of a store: scan what is on the shelf from as many "
            "scanners as you like. On posting, what was expected but not found goes out as "
            "lost, and what was found but not expected comes in (or is moved, flagged).",
            "Every difference is listed under discrepancies; cancelling the count reverses it "
            "exactly. Nothing in transit can be counted.",
            "A wrong scan is taken back with Not this one; an open count can be discarded. A "
            "blind count hides what the books expect from the counter until it is posted. "
            "Products without serials are counted by quantity, per batch for batch products.",
        ),
        (("/counts", "Counts"), ("/discrepancies", "Discrepancies")),
    ),
    "stock": HelpPage(
        "Stock and the journal",
        (
            "Stock on hand lists what is in the stores, in transit and on hold per product, "
            "location, status and batch, with totals. The journal lists every move of the "
            "ledger: when, which document, product, serial, quantity, from, to and who.",
        ),
        (("/stock", "Stock"), ("/journal", "Journal")),
    ),
    "locations": HelpPage(
        "Locations",
        (
            "Locations are your stores and warehouses, plus the ones the system keeps for the "
            "world outside them (Suppliers, Customers, Transit, Scrap, Inventory adjustment): "
            "they are listed, never edited. Every change of "
            "stock is a move from one location to another, so units are never created or lost "
            "silently.",
            "Names are found whatever their case. A store no longer used can be archived on "
            "its edit page: it is offered nowhere, its history stays, and it can be restored. "
            "A store still holding stock cannot be archived.",
        ),
        (("/locations", "Locations"), ("/locations/new", "New location")),
    ),
    "partners": HelpPage(
        "Partners",
        (
            "Partners are your suppliers and customers; one partner may be both. A receipt "
            "names its supplier, a sale its customer. Phone, e-mail and address are what a "
            "recall shows to call a customer; a GLN names the partner in EPCIS exports.",
            "A partner no longer used can be archived on its edit page, and restored.",
        ),
        (("/partners", "Partners"), ("/partners/new", "New partner")),
    ),
}
