"""Online backup and restore of the whole database, SQLite or PostgreSQL.

SQLite: the backup is itself an SQLite database, copied with the sqlite3 backup API inside one
read transaction, so it is one consistent snapshot even while the app writes (WAL). PostgreSQL:
the backup is a ``pg_dump --format=custom`` of the inventory's schema. Either is written to a
temporary file beside the target and renamed into place only once it is complete and verified,
so an interrupted backup never leaves a file that looks complete.

A restore checks the whole file before it writes anything: it must be a serialtrack backup of
the same kind of database, at a schema revision this code knows (older ones are upgraded after
the restore), and it must not overwrite an inventory that has documents unless forced.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from alembic.script import ScriptDirectory
from sqlalchemy import URL
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from serialtrack.adapters.db import migrate
from serialtrack.adapters.db.engine import make_engine, normalize_url
from serialtrack.domain.errors import SerialtrackError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
COUNTED = ("documents", "serials", "moves")
SQLITE_STEP_PAGES = 256
Progress = Callable[[int, int], None]  # (pages copied, pages in total)


class BackupError(SerialtrackError):
    kind = "backup"


@dataclass
class BackupInfo:
    """What a backup holds (or what a restore wrote): where, how big, which schema, how much."""

    path: Path
    kind: str  # "sqlite" or "postgresql"
    size: int
    revision: str | None
    counts: dict[str, int] = field(default_factory=dict)
    upgraded_from: str | None = None  # a restore of an older backup: the revision it had
    notes: list[str] = field(default_factory=list)


# public entry points ------------------------------------------------------------------
@contextlib.contextmanager
def _database_errors(what: str) -> Iterator[None]:
    """A database that does not answer is one clear line, never a traceback or a password."""
    try:
        yield
    except SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        detail = " ".join(str(cause).split())[:500]
        raise BackupError(f"{what} failed: {detail}") from error


def backup(url: str, target: Path | str, progress: Progress | None = None) -> BackupInfo:
    """Write a consistent backup of the database at ``url`` to ``target`` (atomically)."""
    with _database_errors("the backup"):
        return _backup(url, target, progress)


def restore(url: str, source: Path | str, *, force: bool = False) -> BackupInfo:
    """Replace the database at ``url`` with the backup ``source``; see the module docstring."""
    with _database_errors("the restore"):
        return _restore(url, source, force=force)


def _backup(url: str, target: Path | str, progress: Progress | None) -> BackupInfo:
    target = Path(target).expanduser().absolute()
    parsed = make_url(normalize_url(url))
    if not target.parent.is_dir():
        raise BackupError(f"cannot write the backup: no directory {target.parent}")
    if target.is_dir():
        raise BackupError(f"cannot write the backup: {target} is a directory")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_backup(_sqlite_path(parsed), target, progress)
    if parsed.get_backend_name() == "postgresql":
        return _pg_backup(parsed, target)
    raise BackupError(f"cannot back up a {parsed.get_backend_name()} database")


def _restore(url: str, source: Path | str, *, force: bool) -> BackupInfo:
    source = Path(source).expanduser().absolute()
    parsed = make_url(normalize_url(url))
    kind = _file_kind(source)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if kind == "postgresql":
            raise BackupError(
                f"{source} is a PostgreSQL backup but the configured database is SQLite; "
                "restore it into a PostgreSQL database"
            )
        if kind != "sqlite":
            raise _not_a_backup(source, "it is not an SQLite database")
        return _sqlite_restore(source, _sqlite_path(parsed), force=force)
    if backend == "postgresql":
        if kind == "sqlite":
            raise BackupError(
                f"{source} is an SQLite backup but the configured database is PostgreSQL; "
                "restore it into an SQLite database"
            )
        if kind != "postgresql":
            raise _not_a_backup(source, "it is not a PostgreSQL custom-format dump")
        return _pg_restore(parsed, source, force=force)
    raise BackupError(f"cannot restore into a {backend} database")


# schema revisions ---------------------------------------------------------------------
def _check_revision(revision: str | None, source: Path) -> None:
    """Refuse a backup without a schema revision, or one newer than this code knows."""
    if not revision:
        raise _not_a_backup(source, "it has no alembic_version row")
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    if revision not in {script.revision for script in scripts.walk_revisions()}:
        raise BackupError(
            f"{source} is at schema revision {revision}, which this serialtrack does not know "
            f"(newest here: {scripts.get_current_head()}); restore it with a newer serialtrack"
        )


def _upgrade_if_older(url: str, revision: str, info: BackupInfo) -> None:
    if revision == migrate.head_revision():
        return
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        info.revision = migrate.current_revision(engine)
    finally:
        engine.dispose()
    info.upgraded_from = revision


def _not_a_backup(source: Path, why: str) -> BackupError:
    return BackupError(f"{source} is not a serialtrack backup: {why}; nothing was written")


def _file_kind(source: Path) -> str | None:
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    with source.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    return None


# files --------------------------------------------------------------------------------
def _temp_beside(target: Path, purpose: str) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".{purpose}",
                                    dir=target.parent)  # fmt: skip
    os.close(handle)
    return Path(name)


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _same_mode(path: Path, like: Path) -> None:
    """Give ``path`` the permissions of ``like`` (or the umask's default when it is new)."""
    if like.exists():
        mode = stat.S_IMODE(like.stat().st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    path.chmod(mode)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


@contextlib.contextmanager
def _cleanup_on_error(path: Path) -> Iterator[None]:
    try:
        yield
    except BaseException:
        _remove(path)
        raise


# SQLite -------------------------------------------------------------------------------
def _sqlite_path(url: URL) -> Path:
    if url.database in (None, "", ":memory:"):
        raise BackupError("serialtrack backs up an SQLite file, not an in-memory database")
    return Path(url.database).expanduser().absolute()


def _sqlite_backup(database: Path, target: Path, progress: Progress | None) -> BackupInfo:
    if not database.is_file():
        raise BackupError(f"no database to back up at {database}")
    if target == database or (target.exists() and target.samefile(database)):
        raise BackupError("the backup file cannot be the database itself")
    temp = _temp_beside(target, "partial")
    with _cleanup_on_error(temp):
        try:
            source = sqlite3.connect(f"{database.as_uri()}?mode=rw", uri=True,
                                     isolation_level=None, timeout=30)  # fmt: skip
        except sqlite3.Error as error:
            raise BackupError(f"cannot open the database {database}: {error}") from error
        try:
            copy = sqlite3.connect(temp, isolation_level=None)
            try:
                # One read transaction for the whole copy: a single snapshot under WAL, so
                # writers carry on and the backup never restarts on their commits.
                source.execute("BEGIN")
                source.execute("SELECT count(*) FROM sqlite_master").fetchone()

                def step(_status: int, remaining: int, total: int) -> None:
                    if progress is not None:
                        progress(total - remaining, total)

                source.backup(copy, pages=SQLITE_STEP_PAGES, progress=step)
                source.execute("COMMIT")
                copy.execute("PRAGMA journal_mode=DELETE")  # the backup is one plain file
                revision, counts = _sqlite_verify(copy, temp)
            finally:
                copy.close()
        except sqlite3.Error as error:
            raise BackupError(f"the backup of {database} failed: {error}") from error
        except BackupError as error:
            raise BackupError(f"the backup of {database} failed: {error.message}") from error
        finally:
            source.close()
        if revision is None:
            raise BackupError(f"{database} is not a serialtrack database (no alembic_version)")
        _fsync(temp)
        os.replace(temp, target)
        _fsync_dir(target.parent)
    return BackupInfo(target, "sqlite", target.stat().st_size, revision, counts)


def _sqlite_verify(connection: sqlite3.Connection, file: Path) -> tuple[str | None, dict]:
    """Integrity-check the SQLite ``file``; return its alembic revision and row counts."""
    rows = [r[0] for r in connection.execute("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        raise BackupError("it fails the integrity check: " + "; ".join(rows[:5]))
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    if file.stat().st_size != page_size * pages:  # a cut file reads as zeros at its end
        raise BackupError(
            f"it is {file.stat().st_size} bytes, not the {page_size * pages} its {pages} "
            "pages take (truncated?)"
        )
    tables = {
        r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if "alembic_version" not in tables:
        return None, {}
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    counts = {
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        for name in COUNTED
        if name in tables
    }
    return (row[0] if row else None), counts


def _sqlite_documents(database: Path) -> int:
    """How many documents the SQLite database at ``database`` holds (0 when none or no file)."""
    if not database.is_file() or database.stat().st_size == 0:
        return 0
    try:
        connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            found = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents'"
            ).fetchone()
            if not found:
                return 0
            return int(connection.execute("SELECT count(*) FROM documents").fetchone()[0])
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise BackupError(
            f"cannot read the current database {database} ({error}); "
            "move it away by hand if it is damaged"
        ) from error


def _sqlite_restore(source: Path, database: Path, *, force: bool) -> BackupInfo:
    if not database.parent.is_dir():
        raise BackupError(f"cannot restore: no directory {database.parent}")
    if database.exists() and database.samefile(source):
        raise BackupError("the backup file is the configured database itself")
    temp = _temp_beside(database, "restoring")
    with _cleanup_on_error(temp):
        shutil.copyfile(source, temp)
        _same_mode(temp, database)
        try:
            copy = sqlite3.connect(temp, isolation_level=None)
            try:
                revision, counts = _sqlite_verify(copy, temp)
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        except sqlite3.DatabaseError as error:
            raise _not_a_backup(source, f"it cannot be read as SQLite ({error})") from error
        except BackupError as error:
            raise _not_a_backup(source, error.message) from error
        if revision is None:
            raise _not_a_backup(source, "it has no alembic_version table")
        _check_revision(revision, source)
        documents = _sqlite_documents(database)
        if documents and not force:
            raise BackupError(
                f"{database} holds {documents} documents; restoring would replace them. "
                "Add --force to overwrite it (stop the app first)"
            )
        _fsync(temp)
        # A -wal or -journal left beside the target would be replayed into the restored file.
        for suffix in ("-wal", "-shm", "-journal"):
            _remove(database.with_name(database.name + suffix))
        os.replace(temp, database)
        _fsync_dir(database.parent)
    info = BackupInfo(database, "sqlite", database.stat().st_size, revision, counts)
    _upgrade_if_older(f"sqlite:///{database}", revision, info)
    return info


# PostgreSQL ---------------------------------------------------------------------------
def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found on PATH; install the PostgreSQL client tools "
            "(Debian/Ubuntu: apt install postgresql-client) matching the server's version"
        )
    return found


def _pg_schema(url: URL) -> str:
    """The schema the inventory lives in: the first of ``search_path`` in the URL's options."""
    options = url.query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    match = re.search(r"search_path\s*=\s*([^\s]+)", unquote(options))
    if not match:
        return "public"
    first = match.group(1).split(",")[0].strip().strip('"')
    return first if first and first != "$user" else "public"


def _pg_connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and an environment that carries the password."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    user = quote(url.username, safe="") + "@" if url.username else ""
    host = url.host or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{url.port}" if url.port else ""
    database = quote(url.database or "", safe="")
    query = "&".join(
        f"{quote(key, safe='')}={quote(value, safe='')}"
        for key, values in url.query.items()
        for value in ((values,) if isinstance(values, str) else values)
    )
    return f"postgresql://{user}{host}{port}/{database}" + (f"?{query}" if query else ""), env


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = " ".join(result.stderr.split())[:800] or f"exit status {result.returncode}"
        raise BackupError(f"{what} failed: {detail}")
    return result.stdout


_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ (SCHEMA -|COMMENT - SCHEMA|ACL - SCHEMA) ")
_COPY = re.compile(r'^COPY ("(?:[^"]|"")+"|[^\s.]+)\.("(?:[^"]|"")+"|[^\s(]+) ')


def _unquote_ident(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _pg_dump_contents(dump: Path, schema: str, env: dict[str, str]) -> tuple[str | None, dict]:
    """Read every row of the dump (which proves it is whole); return revision and counts.

    ``pg_restore --data-only`` writes each table as ``COPY ... FROM stdin;``, one line per row,
    then ``\\.``; a truncated or damaged file makes it fail.
    """
    command = [_tool("pg_restore"), "--data-only", f"--schema={schema}", "--file=-", str(dump)]
    counts: dict[str, int] = {}
    revision = None
    table = None
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        ) as process,  # fmt: skip
    ):
        assert process.stdout is not None
        for line in process.stdout:
            if table is None:
                match = _COPY.match(line)
                if match:
                    table = _unquote_ident(match.group(2))
                    counts[table] = 0
            elif line == "\\.\n":
                table = None
            else:
                counts[table] += 1
                if table == "alembic_version" and revision is None:
                    revision = line.rstrip("\n").split("\t")[0]
        failed = process.wait() != 0
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if failed or table is not None:
        detail = " ".join(stderr.split())[:800] or "it ends in the middle of a table"
        raise _not_a_backup(dump, f"pg_restore cannot read it whole ({detail})")
    if "alembic_version" not in counts:
        return None, {}
    return revision, {name: counts.get(name, 0) for name in COUNTED}


def _pg_toc(dump: Path, env: dict[str, str]) -> list[str]:
    try:
        listing = _run([_tool("pg_restore"), "--list", str(dump)], env, "reading the dump")
    except BackupError as error:
        if "not found on PATH" in error.message:
            raise
        raise _not_a_backup(dump, error.message) from error
    return [line for line in listing.splitlines() if line and not line.startswith(";")]


def _toc_tables(toc: list[str]) -> dict[str, set[str]]:
    """Schema → names of the tables the dump defines."""
    tables: dict[str, set[str]] = {}
    for line in toc:
        parts = line.split()
        if len(parts) >= 6 and parts[3] == "TABLE" and parts[4] != "DATA":
            tables.setdefault(parts[4], set()).add(parts[5])
    return tables


def _pg_backup(url: URL, target: Path) -> BackupInfo:
    pg_dump = _tool("pg_dump")
    _tool("pg_restore")  # needed to verify the dump
    schema = _pg_schema(url)
    connection, env = _pg_connection(url)
    temp = _temp_beside(target, "partial")
    with _cleanup_on_error(temp):
        _run([pg_dump, "--format=custom", f"--schema={schema}", f"--file={temp}",
              f"--dbname={connection}"], env, "pg_dump")  # fmt: skip
        if "alembic_version" not in _toc_tables(_pg_toc(temp, env)).get(schema, set()):
            raise BackupError(
                f"schema {schema} of the configured database is not a serialtrack database "
                "(no alembic_version table)"
            )
        revision, counts = _pg_dump_contents(temp, schema, env)
        _fsync(temp)
        os.replace(temp, target)
        _fsync_dir(target.parent)
    return BackupInfo(target, "postgresql", target.stat().st_size, revision, counts)


def _pg_target_state(url: URL, schema: str) -> tuple[int, set[str], bool]:
    """The target's document count, the tables its schema holds, whether the schema exists."""
    from sqlalchemy import inspect, text

    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"), {"schema": schema}
            ).first()
            tables = set(inspect(connection).get_table_names(schema=schema)) if exists else set()
            documents = 0
            if "documents" in tables:
                quoted = connection.dialect.identifier_preparer.quote_identifier(schema)
                documents = int(
                    connection.execute(text(f"SELECT count(*) FROM {quoted}.documents")).scalar()
                )
    finally:
        engine.dispose()
    return documents, tables, exists is not None


def _prepare_schema(url: URL, schema: str, names: set[str]) -> None:
    """Create the schema if it is missing; drop the tables ``names`` the backup does not have,
    and every foreign key left: a newer schema's key (a column the backup's tables lack)
    would keep ``pg_restore --clean`` from dropping the table it points to. The restore
    recreates the backup's own keys."""
    from sqlalchemy import text

    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            quote_ident = connection.dialect.identifier_preparer.quote_identifier
            connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}"))
            for name in sorted(names):
                connection.execute(
                    text(f"DROP TABLE IF EXISTS {quote_ident(schema)}.{quote_ident(name)} CASCADE")
                )
            keys = connection.execute(
                text(
                    "SELECT c.relname, k.conname FROM pg_constraint k "
                    "JOIN pg_class c ON c.oid = k.conrelid "
                    "JOIN pg_namespace n ON n.oid = k.connamespace "
                    "WHERE k.contype = 'f' AND n.nspname = :schema"
                ),
                {"schema": schema},
            ).all()
            for table, key in keys:
                connection.execute(
                    text(
                        f"ALTER TABLE {quote_ident(schema)}.{quote_ident(table)} "
                        f"DROP CONSTRAINT IF EXISTS {quote_ident(key)}"
                    )
                )
    finally:
        engine.dispose()


def _pg_restore(url: URL, source: Path, *, force: bool) -> BackupInfo:
    pg_restore = _tool("pg_restore")
    schema = _pg_schema(url)
    connection, env = _pg_connection(url)
    toc = _pg_toc(source, env)
    dumped = _toc_tables(toc)
    holders = sorted(s for s, names in dumped.items() if "alembic_version" in names)
    if not holders:
        raise _not_a_backup(source, "it has no alembic_version table")
    if schema not in holders:
        raise BackupError(
            f"{source} is a backup of schema {holders[0]}, but the configured database uses "
            f"schema {schema}; pg_restore cannot rename a schema, so restore it into a "
            f"database whose search_path starts with {holders[0]}"
        )
    revision, counts = _pg_dump_contents(source, schema, env)
    _check_revision(revision, source)
    assert revision is not None
    documents, existing, _ = _pg_target_state(url, schema)
    if documents and not force:
        raise BackupError(
            f"the configured database (schema {schema}) holds {documents} documents; restoring "
            "would replace them. Add --force to overwrite it (stop the app first)"
        )
    info = BackupInfo(source, "postgresql", source.stat().st_size, revision, counts)
    # Keep the schema itself (its owner, comment and grants): restore what is inside it.
    entries = [line for line in toc if not _SCHEMA_ENTRY.search(line)]
    handle, name = tempfile.mkstemp(prefix="serialtrack-restore-", suffix=".list")
    os.close(handle)
    listing = Path(name)
    try:
        listing.write_text("\n".join(entries) + "\n", encoding="utf-8")
        # Tables a newer schema added would block dropping, or be in the way of the upgrade.
        leftovers = existing - dumped[schema]
        _prepare_schema(url, schema, leftovers)
        if leftovers:
            info.notes.append(
                "dropped tables the backup does not have: " + ", ".join(sorted(leftovers))
            )
        _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--schema={schema}", f"--use-list={listing}", f"--dbname={connection}",
              str(source)], env, "pg_restore")  # fmt: skip
    finally:
        _remove(listing)
    _upgrade_if_older(url.render_as_string(hide_password=False), revision, info)
    return info
