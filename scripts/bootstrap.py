"""The project's own virtual environment, made on first use with only the standard library.

Offline too: when ``.venv`` already holds this project (editable, the version in
pyproject.toml) and every requirement it needs, nothing is installed and nothing is fetched.
Otherwise pip installs; from ``wheelhouse/`` alone (``--no-index --find-links``) when that
folder exists (fill it with ``pip download -d wheelhouse -e .[dev] setuptools`` where there is
a network).
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
PYTHON = BIN / "python"
WHEELHOUSE = ROOT / "wheelhouse"

# Run by the venv's python: exit 0 when the installed package matches pyproject.toml (name,
# version, editable from this folder) and every requirement (with the extras asked for) is met.
INSTALLED_MATCHES = r"""
import json, sys, tomllib
from importlib import metadata
from pathlib import Path
try:
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement

root, extras = Path(sys.argv[1]), [e for e in sys.argv[2:] if e]
project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]
try:
    dist = metadata.distribution(project["name"])
except metadata.PackageNotFoundError:
    sys.exit(f"{project['name']} is not installed")
direct = json.loads(dist.read_text("direct_url.json") or "{}")
if dist.version != project["version"]:
    sys.exit(f"installed {dist.version}, pyproject says {project['version']}")
if not direct.get("dir_info", {}).get("editable") or direct.get("url") != root.as_uri():
    sys.exit(f"not installed editable from {root}")
optional = project.get("optional-dependencies", {})
wanted = [*project.get("dependencies", []), *(r for e in extras for r in optional.get(e, []))]


def check(text, extra=""):
    requirement = Requirement(text)
    if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
        return
    try:
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        sys.exit(f"{requirement.name} is missing")
    if not requirement.specifier.contains(version, prereleases=True):
        sys.exit(f"{requirement.name} {version} does not satisfy {requirement.specifier}")
    for name in requirement.extras:  # psycopg[binary]: what the extra brings, too
        for sub in metadata.requires(requirement.name) or []:
            if Requirement(sub).marker:
                check(sub, name)


for text in wanted:
    check(text)
"""


def run(*command: str | Path) -> None:
    """Run a command from the project root; exit with its code if it fails."""
    print("+", " ".join(str(c) for c in command), flush=True)
    code = subprocess.call([str(c) for c in command], cwd=ROOT)
    if code != 0:
        sys.exit(code)


def installed(extras: str) -> bool:
    """Whether ``.venv`` already has the package with ``extras`` (e.g. ``[dev]``) as
    pyproject.toml describes it, and its ``serialtrack`` command."""
    if not (PYTHON.exists() and (BIN / "serialtrack").exists()):
        return False
    names = extras.strip("[]").split(",")
    check = [str(PYTHON), "-c", INSTALLED_MATCHES, str(ROOT), *names]
    result = subprocess.run(check, cwd=ROOT, capture_output=True, text=True)
    return result.returncode == 0


def ensure_venv(extras: str = "") -> Path:
    """Create ``.venv`` once and install the package (editable) with ``extras``; return python.

    Installs only when what is installed does not match pyproject.toml."""
    if sys.version_info < (3, 11):  # noqa: UP036  (this file runs before the venv exists)
        sys.exit("serialtrack needs Python 3.11 or newer")
    if installed(extras):
        return PYTHON
    fresh = not PYTHON.exists()
    if fresh:
        venv.EnvBuilder(with_pip=True).create(VENV)
    if WHEELHOUSE.is_dir():
        source = ["--no-index", "--find-links", str(WHEELHOUSE)]
    else:
        source = []
        if fresh:  # a newer pip is welcome, not needed
            subprocess.call([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run(PYTHON, "-m", "pip", "install", "--quiet", *source, "-e", f".{extras}")
    return PYTHON
