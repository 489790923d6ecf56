"""Run the app on a fresh machine with only Python: the README's first command.

Creates ``.venv`` (once), installs the package, creates or upgrades the database (default
``serialtrack.db`` in the project directory; ``--demo`` loads a demo shop into an empty one) and
serves the web UI and API. Serve options go to ``serialtrack serve`` (``--port 8080``).

Anything else is a ``serialtrack`` command, run in the venv on the same database:
``python3 scripts/run.py stock --location Main`` is ``serialtrack stock --location Main``.
"""

from __future__ import annotations

import os
import subprocess
import sys

from bootstrap import BIN, ROOT, ensure_venv, run

# ``run.py`` alone, or with only these, serves (the flags of ``serialtrack serve``, and --demo).
SERVE_FLAGS = {"--demo": False, "--host": True, "--port": True, "--workers": True}  # takes a value


def serves(args: list[str]) -> bool:
    """Whether ``args`` are only serve options (so: init and serve), not a CLI command."""
    expect_value = False
    for arg in args:
        if expect_value:
            expect_value = False
            continue
        name = arg.split("=", 1)[0]
        if name not in SERVE_FLAGS:
            return False
        expect_value = SERVE_FLAGS[name] and "=" not in arg
    return True


def main() -> None:
    args = sys.argv[1:]
    ensure_venv()
    serialtrack = BIN / "serialtrack"
    if not serves(args):  # a CLI command, e.g. ``stock --location Main``, on the same database
        env = dict(os.environ)
        env.setdefault("SERIALTRACK_DATABASE_URL", f"sqlite:///{ROOT / 'serialtrack.db'}")
        sys.exit(subprocess.call([str(serialtrack), *args], env=env))
    demo = "--demo" in args
    serve_args = [a for a in args if a != "--demo"]
    run(serialtrack, "init", *(["--demo"] if demo else []))
    run(serialtrack, "serve", *serve_args)


if __name__ == "__main__":
    main()
