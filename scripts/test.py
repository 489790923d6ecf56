"""Run the whole test suite on a fresh machine with only Python: the README's test command.

Creates ``.venv`` (once), installs the package with its dev extras, then runs, in order,
``ruff check``, ``ruff format --check`` and ``pytest`` on every core (pytest-xdist ``-n
auto``: each test has its own database, server port and browser page, so they run side by
side); stops at the first failure with its exit code. Extra arguments go to pytest (``-n 0``
runs in one process, e.g. with ``-x`` or ``--pdb``).
"""

from __future__ import annotations

import sys

from bootstrap import ROOT, ensure_venv, run

LINTED = [d for d in ("src", "tests", "bench", "scripts") if (ROOT / d).is_dir()]


def main() -> None:
    python = ensure_venv("[dev]")
    run(python, "-m", "ruff", "check", *LINTED)
    run(python, "-m", "ruff", "format", "--check", *LINTED)
    run(python, "-m", "pytest", "-n", "auto", *sys.argv[1:])


if __name__ == "__main__":
    main()
