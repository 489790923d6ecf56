"""``scripts/run.py`` passes CLI commands through to ``serialtrack`` in the venv (the README's
examples work without the venv on PATH), and serves as before with no command or only serve
options; the browser tests' screenshots go to build/, copied to docs/ by a script of its own."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def script(name: str) -> Any:
    """scripts/<name>.py as a module (scripts/ is on its own path, as when run)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        spec = importlib.util.spec_from_file_location(
            f"script_{name}", ROOT / "scripts" / f"{name}.py"
        )
        assert spec
        assert spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "scripts"))


@pytest.mark.parametrize(
    ("args", "serves"),
    [
        ([], True),
        (["--demo"], True),
        (["--port", "8080"], True),
        (["--host", "0.0.0.0", "--port=8080", "--workers", "2", "--demo"], True),
        (["stock", "--location", "Main"], False),
        (["--db", "sqlite:///x.db", "stock"], False),
        (["--port", "8080", "stock"], False),
        (["serve", "--port", "8080"], False),  # the CLI's own serve, as typed
        (["product", "list"], False),
    ],
)
def test_only_serve_options_serve_anything_else_is_a_command(args: list[str], serves: bool) -> None:
    assert script("run").serves(args) is serves


def test_a_command_runs_in_the_venv_on_the_apps_database(tmp_path: Path) -> None:
    bootstrap = script("bootstrap")
    if Path(sys.prefix).resolve() != bootstrap.VENV.resolve():
        pytest.skip(f"run from {sys.prefix}, not the project's .venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")}
    env["SERIALTRACK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    python = getattr(sys, "_base_executable", sys.executable)  # not the venv's: a new shell

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [python, str(ROOT / "scripts" / "run.py"), *args],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    assert run("init", "--generate-password").returncode == 0
    added = run("location", "add", "Main")
    assert added.returncode == 0, added.stderr
    listed = run("location", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Main" in listed.stdout
    refused = run("location", "add", "Main")  # the CLI's exit status comes through
    assert refused.returncode == 1
    assert "error:" in refused.stdout + refused.stderr


def test_browser_screenshots_go_to_build_and_a_script_copies_them_to_docs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from browser.accounts import SCREENSHOTS
    finally:
        sys.path.remove(str(ROOT / "tests"))
    assert SCREENSHOTS == ROOT / "build" / "screenshots"
    assert "/build/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    shots = script("screenshots")
    built, docs = tmp_path / "build", tmp_path / "docs"
    ran: list[tuple[str, ...]] = []

    def fake_run(*command: Any) -> None:  # the browser tests, saving one picture
        ran.append(tuple(str(c) for c in command))
        built.mkdir(parents=True)
        (built / "home.png").write_bytes(b"\x89PNG")

    monkeypatch.setattr(shots, "BUILT", built)
    monkeypatch.setattr(shots, "DOCS", docs)
    monkeypatch.setattr(shots, "run", fake_run)
    monkeypatch.setattr(shots, "ensure_venv", lambda extras="": Path("python"))
    monkeypatch.setattr(sys, "argv", ["screenshots.py", "-k", "home"])
    shots.main()
    assert ran == [("python", "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/browser",
                    "-k", "home")]  # fmt: skip
    assert (docs / "home.png").read_bytes() == b"\x89PNG"
