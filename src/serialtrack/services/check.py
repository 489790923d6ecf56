"""``serialtrack check``: replay the whole ledger and say everything that disagrees with it.

Serials (place, status, product, code, an unbroken chain of moves, a move that created each),
quantities and batches (on hand equals the sum of their moves; stock never below zero in date
order), documents (state agrees with the ledger's events, lines with moves, no number given out
and lost), bundles (no stock of their own; their lines in their own document), conservation
(no return beyond what was delivered) and the hash chain over every ledger entry, so an edit,
insertion or deletion anywhere is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from serialtrack.adapters.db.store import Tx
from serialtrack.adapters.db.verify import Finding, Verifier
from serialtrack.domain.model import Actor
from serialtrack.domain.permissions import Permission, require

# Each section of the check, in the order it runs and reports.
SECTIONS: tuple[tuple[str, Callable[[Verifier], Iterator[Finding]]], ...] = (
    ("chain", Verifier.chain),
    ("serials", Verifier.serials),
    ("continuity", Verifier.continuity),
    ("serial dates", Verifier.serial_dates),
    ("quantities", Verifier.quantities),
    ("dated stock", Verifier.dated_stock),
    ("conservation", Verifier.conservation),
    ("documents", Verifier.documents),
    ("bundles", Verifier.bundles),
    ("numbering", Verifier.numbering),
)


def findings(
    tx: Tx, actor: Actor, *, progress: Callable[[str], None] | None = None
) -> Iterator[Finding]:
    """Every disagreement, section by section (streamed: nothing is held but the findings)."""
    require(actor, Permission.VERIFY_LEDGER)
    verifier = Verifier(tx.connection)
    for name, section in SECTIONS:
        if progress:
            progress(name)
        yield from section(verifier)
