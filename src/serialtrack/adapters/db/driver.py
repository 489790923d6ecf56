"""The hot statements (a sale's, a lookup's, a token's) run on the driver, compiled once.

SQLAlchemy spends 40-60 us of Python on every ``Connection.execute`` of a cached statement
(execution context, parameter dict, result metadata, events), five times what the driver
spends running it (bench/README.md). A one-serial sale is fifteen statements, a lookup six.
``execute(connection, statement, params)`` runs such a statement on the DBAPI connection
under ``connection``, inside its transaction, and answers with the few things callers ask of
a result (``first``, ``one``, ``scalar``, ``mappings``, ``rowcount``, iteration).

What is sent and what comes back is what SQLAlchemy would send and return:

* the SQL is SQLAlchemy's own compilation of the statement, for the connection's dialect and
  the keys given (as ``Connection.execute`` compiles it), made once and remembered;
* each value goes through its bind parameter's type processor, each result column through
  its type's result processor (SQLite keeps dates and times as text);
* a driver error is turned into SQLAlchemy's (``IntegrityError`` ...), through the
  connection, so it is handled (and a lost connection invalidated) as any other;
* ``before_cursor_execute`` / ``after_cursor_execute`` listeners are called when there are
  any (the tests count statements with them).

What it does not handle it hands to ``connection.execute`` unchanged: statements whose
columns need Python-side defaults, an empty or long (bulk) list for an ``IN``, several rows
at once, escaped parameter names. Only statements that live as long as the process (module constants
or ``functools.cache``'d builders) may be passed: plans are remembered by statement.
``tests/integration/test_driver.py`` compares every answer with ``connection.execute``'s.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import Executable

_Processor = Callable[[Any], Any] | None
MAX_PLANS = 2000  # statements x key sets x list lengths; beyond it, plain execution
MAX_LIST = 32  # an IN list longer (a bulk chunk) goes to SQLAlchemy: no plan per length


@dataclass
class _Plan:
    sql: str
    positional: bool
    names: tuple[str, ...]  # the driver's parameters, in the statement's order
    sources: tuple[tuple[str, int | None], ...]  # each: the caller's key, list index or None
    defaults: dict[str, Any]  # values the statement carries itself (literals, defaults)
    processors: tuple[_Processor, ...]  # per driver parameter
    keys: tuple[str, ...]  # result columns
    types: tuple[Any, ...]
    row: type | None = None
    result: tuple[tuple[int, Callable[[Any], Any]], ...] | None = None  # once described
    statement: Executable | None = field(default=None, repr=False)  # keeps its id unique


_PLANS: dict[tuple[int, str, tuple[str, ...], tuple[int, ...]], _Plan | None] = {}


def execute(
    connection: Connection, statement: Executable, params: Mapping[str, Any] | None = None
) -> Any:
    """``connection.execute(statement, params)``, on the driver where it can be."""
    given = params or {}
    if not isinstance(given, Mapping):
        return connection.execute(statement, params)
    lengths = tuple(len(v) for v in given.values() if isinstance(v, list | tuple))
    if lengths and (0 in lengths or max(lengths) > MAX_LIST):
        return connection.execute(statement, params)
    key = (id(statement), connection.dialect.name, tuple(given), lengths)
    plan = _PLANS.get(key, False)
    if plan is False and len(_PLANS) < MAX_PLANS:
        plan = _PLANS[key] = _make_plan(connection, statement, given)
    if not plan:
        return connection.execute(statement, params)
    return _run(connection, plan, given)


def _make_plan(
    connection: Connection, statement: Executable, given: Mapping[str, Any]
) -> _Plan | None:
    dialect = connection.dialect
    compiled: Any = statement.compile(dialect=dialect, column_keys=sorted(given))
    if (
        compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.literal_execute_params
        or compiled.escaped_bind_names
        or getattr(compiled, "_numeric_binds", False)
    ):
        return None
    sql, names, processors = compiled.string, compiled.positiontup, compiled._bind_processors
    expanded_from: dict[str, tuple[str, int]] = {}
    if compiled.post_compile_params:
        expanded = compiled.construct_expanded_state(dict(given))
        sql, names, processors = expanded.statement, expanded.positiontup, expanded.processors
        for base, parts in expanded.parameter_expansion.items():
            for index, part in enumerate(parts):
                expanded_from[part] = (base, index)
    if not compiled.positional:
        names = list(compiled.bind_names.values())
        if expanded_from:
            bases = {base for base, _ in expanded_from.values()}
            names = [n for n in names if n not in bases] + list(expanded_from)
    keyed = {name: bind.key for bind, name in compiled.bind_names.items()}
    defaults = {}
    for name, bind in compiled.binds.items():
        if name not in given and keyed.get(name) not in given:
            if bind.required or bind.callable is not None:
                return None  # a value the caller forgot: let SQLAlchemy say so
            defaults[name] = bind.effective_value
    sources = tuple(
        (expanded_from[n][0], expanded_from[n][1]) if n in expanded_from
        else (n if n in given or n in defaults else keyed.get(n, n), None)
        for n in names
    )  # fmt: skip
    columns = compiled._result_columns
    return _Plan(
        sql=sql,
        positional=compiled.positional,
        names=tuple(names),
        sources=sources,
        defaults=defaults,
        processors=tuple(processors.get(n) for n in names),
        keys=tuple(c[0] for c in columns),
        types=tuple(c[3] for c in columns),
        statement=statement,
    )


def _values(plan: _Plan, given: Mapping[str, Any]) -> Any:
    values = []
    defaults = plan.defaults
    for (key, index), process in zip(plan.sources, plan.processors, strict=True):
        value = given[key] if key in given else defaults[key]
        if index is not None:
            value = value[index]
        if process is not None:  # as SQLAlchemy: None goes through it too
            value = process(value)
        values.append(value)
    return tuple(values) if plan.positional else dict(zip(plan.names, values, strict=True))


def _run(connection: Connection, plan: _Plan, given: Mapping[str, Any]) -> Rows:
    values = _values(plan, given)
    dbapi = connection.connection.driver_connection
    events = connection._has_events or connection.engine._has_events  # (the engine has some)
    before = connection.dispatch.before_cursor_execute if events else None
    cursor = None
    try:
        cursor = dbapi.cursor()
        if before:
            before(connection, cursor, plan.sql, values, None, False)
        cursor.execute(plan.sql, values)
        after = connection.dispatch.after_cursor_execute if events else None
        if after:
            after(connection, cursor, plan.sql, values, None, False)
        rows = cursor.fetchall() if cursor.description else []
        count = cursor.rowcount
        if rows and plan.result is None:
            _describe(connection, plan, cursor.description)
    except connection.dialect.loaded_dbapi.Error as error:
        connection._handle_dbapi_exception(error, plan.sql, values, cursor, None)
    finally:
        if cursor is not None:
            cursor.close()
    return Rows(plan, rows, count)


def _describe(connection: Connection, plan: _Plan, description: Sequence[Any]) -> None:
    """The result processors, by the driver's column types (as SQLAlchemy picks them)."""
    dialect = connection.dialect
    processors = []
    for index, (type_, column) in enumerate(zip(plan.types, description, strict=True)):
        process = type_._cached_result_processor(dialect, column[1])
        if process is not None:
            processors.append((index, process))
    plan.row = _row_class(plan.keys)
    plan.result = tuple(processors)  # last: another thread may be reading the plan


def _row_class(keys: tuple[str, ...]) -> type:
    """A tuple with the columns as attributes and ``_mapping``, as SQLAlchemy's ``Row``."""
    base = namedtuple("Row", keys, rename=True)  # type: ignore[misc]

    class Row(base):  # type: ignore[valid-type,misc]
        __slots__ = ()

        @property
        def _mapping(self) -> dict[str, Any]:
            return dict(zip(keys, self, strict=True))

    return Row


class _Listed:
    """What ``CursorResult`` and ``MappingResult`` both answer: the rows, the first, one."""

    __slots__ = ("_rows",)
    _rows: list[Any]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return list(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise _one_error(len(self._rows))
        return self._rows[0]


class Rows(_Listed):
    """The rows of one execution, answering as a ``CursorResult`` is asked here."""

    __slots__ = ("_plan", "rowcount")

    def __init__(self, plan: _Plan, rows: list[Any], rowcount: int) -> None:
        self._plan, self.rowcount = plan, rowcount
        process = plan.result
        if process:
            converted = []
            for raw in rows:
                row = list(raw)
                for index, convert in process:
                    row[index] = convert(row[index])
                converted.append(row)
            rows = converted
        self._rows = [plan.row._make(r) for r in rows] if rows else []  # type: ignore[union-attr]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def mappings(self) -> _Mappings:
        keys = self._plan.keys
        return _Mappings([dict(zip(keys, row, strict=True)) for row in self._rows])


class _Mappings(_Listed):
    __slots__ = ()

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows


def _one_error(count: int) -> Exception:
    from sqlalchemy.exc import MultipleResultsFound, NoResultFound

    if count == 0:
        return NoResultFound("No row was found when one was required")
    return MultipleResultsFound("Multiple rows were found when exactly one was required")
