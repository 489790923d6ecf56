"""CLI commands for backing up and restoring the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from serialtrack.adapters.db import backup as backups
from serialtrack.domain.errors import SerialtrackError
from serialtrack.entrypoints.cli import _fail, app, err, inventory, out, state

BACKUP_HELP = (
    "Back up the database to FILE while the app keeps running.\n\n"
    "SQLite: FILE is itself an SQLite database (a consistent snapshot, integrity-checked). "
    "PostgreSQL: FILE is a pg_dump custom-format dump of serialtrack's schema (needs pg_dump "
    "and pg_restore on PATH). FILE appears only once the backup is complete and verified."
)
RESTORE_HELP = (
    "Replace the configured database with the backup FILE. Stop the app first.\n\n"
    "The whole file is checked before anything is written: it must be a serialtrack backup of "
    "the same kind of database (SQLite or PostgreSQL) at a schema revision this version knows; "
    "a backup from an older version is upgraded after the restore. A database that has "
    "documents is only overwritten with --force."
)


def _size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover


def _summary(info: backups.BackupInfo) -> str:
    counts = ", ".join(f"{info.counts.get(name, 0)} {name}" for name in backups.COUNTED)
    return f"schema revision {info.revision}; {counts}"


@app.command("backup", help=BACKUP_HELP, short_help=BACKUP_HELP.split("\n")[0])
def backup_command(
    file: Annotated[Path, typer.Argument(help="The backup file to write (replaced if it exists).")],
) -> None:
    try:
        with Progress(
            TextColumn("copying pages"), BarColumn(), MofNCompleteColumn(),
            console=err, transient=True,
        ) as bar:  # fmt: skip
            task = bar.add_task("backup", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            info = backups.backup(state.settings.database_url, file, progress=progress)
    except SerialtrackError as error:
        _fail(error)
    except OSError as error:
        _fail(SerialtrackError(f"the backup failed: {error}"))
    out.print(f"backup written: {info.path} ({info.kind}, {_size(info.size)})", markup=False)
    out.print(_summary(info), markup=False)


@app.command("restore", help=RESTORE_HELP, short_help=RESTORE_HELP.split("\n")[0])
def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup written by `serialtrack backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite a database that already has documents.")
    ] = False,
) -> None:
    try:
        info = backups.restore(state.settings.database_url, file, force=force)
    except SerialtrackError as error:
        _fail(error)
    except OSError as error:
        _fail(SerialtrackError(f"the restore failed: {error}"))
    for note in info.notes:
        err.print(f"note: {note}", markup=False)
    out.print(f"restored {file} into {_where(state.settings.database_url)}", markup=False)
    if info.upgraded_from:
        out.print(f"upgraded the schema from revision {info.upgraded_from}", markup=False)
    out.print(_summary(info), markup=False)
    with inventory() as inv:  # the restored books must agree with their ledger
        found = inv.findings()
    for finding in found:
        err.print(f"[{finding.kind}] {finding.message}", markup=False)
    if found:
        err.print(f"the restored database fails its check: {len(found)} disagreement(s)")
        raise typer.Exit(1)
    out.print("check: ledger and current state agree; the ledger's chain is intact")


def _where(url: str) -> str:
    """The configured database, never with its password."""
    from sqlalchemy.engine import make_url

    from serialtrack.adapters.db.engine import normalize_url

    return make_url(normalize_url(url)).render_as_string(hide_password=True)
