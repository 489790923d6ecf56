"""The exception tree every interface maps to its own way of saying no.

    SerialtrackError
    ├── NotFound        something named does not exist (404)
    ├── Invalid         the input breaks a rule before any state is consulted (422)
    ├── Conflict        the input is well formed but the state refuses it (409)
    ├── Forbidden       the acting user's role does not allow it (403)
    └── Unauthenticated no valid login, session or token (401)

Each error carries a human ``message`` and a list of ``Problem`` entries that point at the
field, line or serial concerned, so a caller can show every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (a dotted path like ``lines.2.serials.5``) and why."""

    where: str
    message: str
    code: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class SerialtrackError(Exception):
    """Base of every refusal serialtrack raises on purpose."""

    kind = "error"

    def __init__(self, message: str, problems: list[Problem] | tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        shown = "; ".join(str(p) for p in self.problems[:10])
        more = len(self.problems) - 10
        tail = f" (and {more} more)" if more > 0 else ""
        return f"{self.message}: {shown}{tail}"


class NotFound(SerialtrackError):
    kind = "not-found"


class Invalid(SerialtrackError):
    kind = "invalid"


class Conflict(SerialtrackError):
    kind = "conflict"


class Forbidden(SerialtrackError):
    kind = "forbidden"


class Unauthenticated(SerialtrackError):
    kind = "unauthenticated"


def invalid_if(problems: list[Problem], message: str) -> None:
    """Raise ``Invalid`` carrying all ``problems`` when there are any."""
    if problems:
        raise Invalid(message, problems)


class Throttled(Unauthenticated):
    """Too many failed logins: refused without checking the password, ``retry_after`` s left."""

    kind = "throttled"

    def __init__(
        self, message: str, retry_after: int, problems: list[Problem] | tuple[Problem, ...] = ()
    ) -> None:
        super().__init__(message, problems)
        self.retry_after = retry_after
