"""Run the whole test suite on a fresh machine with only Python: the README's test command.

Creates ``.venv`` (once), installs the package with its dev extras, then runs, in order,
``ruff check``, ``ruff format --check`` and ``pytest``; stops at the first failure with its
exit code. Extra arguments go to pytest.
"""

from __future__ import annotations

import sys

from bootstrap import ROOT, ensure_venv, run

LINTED = [d for d in ("src", "tests", "bench", "scripts") if (ROOT / d).is_dir()]


def main() -> None:
    python = ensure_venv("[dev]")
    run(python, "-m", "ruff", "check", *LINTED)
    run(python, "-m", "ruff", "format", "--check", *LINTED)
    run(python, "-m", "pytest", *sys.argv[1:])


if __name__ == "__main__":
    main()
