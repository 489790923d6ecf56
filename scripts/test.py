"""Run the whole test suite on a fresh machine with only Python: the README's test command.

Creates ``.venv`` (once), installs the package with its dev extras, then runs, in order,
``ruff check``, ``ruff format --check`` and ``pytest``; stops at the first failure with its
exit code. Extra arguments go to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*command: str | Path) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    code = subprocess.call([str(c) for c in command], cwd=ROOT)
    if code != 0:
        sys.exit(code)


def main() -> None:
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    python = BIN / "python"
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(python, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    run(python, "-m", "ruff", "check", "src", "tests", "bench", "scripts")
    run(python, "-m", "ruff", "format", "--check", "src", "tests", "bench", "scripts")
    run(python, "-m", "pytest", *sys.argv[1:])


if __name__ == "__main__":
    main()
