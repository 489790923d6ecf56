"""CLI commands for administering users and API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from serialtrack.domain.reports import Column, Report
from serialtrack.entrypoints.cli import app, err, inventory, out
from serialtrack.entrypoints.cli_output import OutputOption, WideOption, emit, say

user_app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Users: add, list, set-role, passwd, reset, disable, enable; failed logins.",
)
token_app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="API tokens: create, list, revoke.",
)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


def read_password(label: str, *, confirm: bool = False) -> str:
    """A password from the terminal (hidden; typed twice with ``confirm``), else one line of
    standard input. Never from the command line, where the process list would show it."""
    if sys.stdin.isatty():
        return str(typer.prompt(label, hide_input=True, confirmation_prompt=confirm))
    line = sys.stdin.readline()
    if not line:
        err.print(f"error: no {label.lower()} on standard input (one line expected)")
        raise typer.Exit(1)
    return line.removesuffix("\n").removesuffix("\r")


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="viewer, clerk, manager or admin")] = "clerk",
    password: Annotated[
        str | None,
        typer.Option(hidden=True, help="Refused: it would show in the process list."),
    ] = None,
    login: Annotated[bool, typer.Option(help="Give the user a password to log in with.")] = True,
    one_time: Annotated[
        bool, typer.Option(help="The user must change the password at their first login.")
    ] = True,
) -> None:
    """Add a user. The password is asked (hidden, twice) at a terminal, else read as one line
    from standard input; --no-login for API-only users."""
    if password is not None:
        err.print(
            "error: --password is refused: a password on the command line shows in the "
            "process list and the shell history; type it when asked, or pipe it on stdin"
        )
        raise typer.Exit(2)
    secret = read_password("Password", confirm=True) if login else None
    with inventory() as inv:
        user = inv.add_user(username, role, secret, one_time=one_time and login)
    then = " (to be changed at first login)" if user.get("must_change_password") else ""
    out.print(f"user {user['username']} added ({user['role']}){then}")


USER_COLUMNS = (
    Column("username", "username", "text", 16, True), Column("role", "role", "text", 8, True),
    Column("active", "active", "bool", 6, True),
    Column("last_login_at", "last login", "datetime", 16),
    Column("must_change_password", "must change password", "bool", 8, True),
)  # fmt: skip


@user_app.command("list")
def user_list(output: OutputOption = None, wide: WideOption = False) -> None:
    """List users."""
    with inventory() as inv:
        rows = [[u[c.key] for c in USER_COLUMNS] for u in inv.users()]
    emit(Report("users", "Users", USER_COLUMNS, rows), output, wide=wide)


@user_app.command("disable")
def user_disable(username: str) -> None:
    """Disable a user: their sessions end and their tokens stop working."""
    with inventory() as inv:
        inv.set_user_active(username, False)
    out.print(f"user {username} disabled")


@user_app.command("enable")
def user_enable(username: str) -> None:
    """Enable a disabled user again."""
    with inventory() as inv:
        inv.set_user_active(username, True)
    out.print(f"user {username} enabled")


@user_app.command("set-role")
def user_set_role(
    username: str, role: Annotated[str, typer.Argument(help="viewer, clerk, manager or admin")]
) -> None:
    """Change a user's role (the last active admin stays an admin)."""
    with inventory() as inv:
        inv.set_role(username, role)
    out.print(f"user {username} is now {role}")


@user_app.command("passwd")
def user_passwd(username: str) -> None:
    """Set a user's password (asked twice, hidden; else one line of stdin); their browser
    sessions end.

    Your own password (the --user you act as) also needs the current one (asked first; on
    stdin, the first line is the current password and the second the new one).
    """
    with inventory() as inv:
        current = None
        if username == inv.actor.username:
            current = read_password("Current password")
        password = read_password("New password", confirm=True)
        inv.set_password(username, password, current_password=current)
    out.print(f"password of {username} changed")


@user_app.command("reset")
def user_reset(username: str) -> None:
    """Give a user a generated one-time password, printed once: their sessions end and they
    must change it at their next login (admins; also how a lost admin password is recovered
    by whoever can reach the database: serialtrack --user admin user reset admin)."""
    with inventory() as inv:
        password = inv.reset_password(username)
    out.print(f"one-time password for {escape(username)} (shown once; to be changed at the "
              "next login):")  # fmt: skip
    out.print(password, markup=False)


FAILURE_COLUMNS = (
    Column("at", "at (UTC)", "datetime", 16, True),
    Column("username", "username", "text", 16, True),
    Column("client", "client", "text", 15, True), Column("reason", "reason", "text", 24, True),
)  # fmt: skip


@user_app.command("failures")
def user_failures(
    username: Annotated[str | None, typer.Option(help="Only this username (as typed).")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    output: OutputOption = None,
    wide: WideOption = False,
) -> None:
    """List recent failed logins: when, username as typed, client address, why."""
    with inventory() as inv:
        rows = [[f[c.key] for c in FAILURE_COLUMNS]
                for f in inv.login_failures(limit=limit, username=username)]  # fmt: skip
    emit(Report("failed-logins", "Failed logins", FAILURE_COLUMNS, rows), output, wide=wide)


@token_app.command("create")
def token_create(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    days: Annotated[
        int | None, typer.Option(help="It stops working this many days from now.")
    ] = None,
) -> None:
    """Create an API token for a user; it is printed once and stored hashed."""
    with inventory() as inv:
        secret = inv.create_token(username, name, days=days)
    out.print(secret, markup=False)


TOKEN_COLUMNS = (
    Column("id", "id", "int", 4, True), Column("username", "user", "text", 12, True),
    Column("name", "name", "text", 12, True), Column("created_at", "created", "datetime", 16),
    Column("last_used_at", "last used", "datetime", 16),
    Column("expires_at", "expires", "datetime", 16), Column("state", "state", "text", 8, True),
)  # fmt: skip


@token_app.command("list")
def token_list(output: OutputOption = None, wide: WideOption = False) -> None:
    """List API tokens (never their secrets); an empty "last used" or "expires": never."""
    with inventory() as inv:
        rows = [[t[c.key] for c in TOKEN_COLUMNS] for t in inv.tokens()]
    emit(Report("tokens", "API tokens", TOKEN_COLUMNS, rows), output, wide=wide)


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke an API token."""
    with inventory() as inv:
        inv.revoke_token(token_id)
    out.print(f"token {token_id} revoked")


@app.command("audit")
def audit_trail(
    entity: Annotated[
        str | None,
        typer.Option(help="product, location, partner, setting, user, token or serial."),
    ] = None,
    user: Annotated[str | None, typer.Option(help="Only changes made by this user.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date, included.")] = None,
    text: Annotated[str | None, typer.Option(help="A name or value to look for.")] = None,
    limit: Annotated[
        int, typer.Option(min=1, help="How many, newest first (--output writes them all).")
    ] = 50,
    output: OutputOption = None,
    wide: WideOption = False,
) -> None:
    """Show the audit trail: who changed which master data, setting, user, token or serial,
    and from what to what (managers and admins)."""
    filters = {"entity": entity, "user": user, "since": since, "until": until, "text": text}
    with inventory() as inv:
        shown = emit(inv.report_table("audit", **filters), output, wide=wide, limit=limit)
    if shown is not None and shown.more:
        say(f"the newest {limit} shown: more with --limit, all with --output FILE")
