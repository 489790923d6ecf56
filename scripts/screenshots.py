"""Refresh the README's screenshots: run the browser tests, then copy what they saved.

The browser tests (``tests/browser``, chromium driven by Playwright) save their screenshots in
``build/screenshots/`` (ignored by git), so a test run never touches the work tree. This script
runs them and copies every PNG into ``docs/screenshots/``, where the README links them; review
and commit the changes yourself. Extra arguments go to pytest (``-k counter``).
"""

from __future__ import annotations

import shutil
import sys

from bootstrap import ROOT, ensure_venv, run

BUILT = ROOT / "build" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"


def main() -> None:
    python = ensure_venv("[dev]")
    shutil.rmtree(BUILT, ignore_errors=True)
    run(python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/browser", *sys.argv[1:])
    DOCS.mkdir(parents=True, exist_ok=True)
    copied = sorted(BUILT.glob("*.png"))
    for png in copied:
        shutil.copy2(png, DOCS / png.name)
    print(f"copied {len(copied)} screenshots from {BUILT} to {DOCS}")


if __name__ == "__main__":
    main()
