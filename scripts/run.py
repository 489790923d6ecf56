"""Run the app on a fresh machine with only Python: the README's first command.

Creates ``.venv`` (once), installs the package, creates or upgrades the database (default
``serialtrack.db`` in the working directory; ``--demo`` loads a demo shop into an empty one) and
serves the web UI and API. Other arguments go to ``serialtrack serve`` (``--port 8080``).
"""

from __future__ import annotations

import sys

from bootstrap import BIN, ensure_venv, run


def main() -> None:
    args = sys.argv[1:]
    demo = "--demo" in args
    serve_args = [a for a in args if a != "--demo"]
    ensure_venv()
    serialtrack = BIN / "serialtrack"
    run(serialtrack, "init", *(["--demo"] if demo else []))
    run(serialtrack, "serve", *serve_args)


if __name__ == "__main__":
    main()
