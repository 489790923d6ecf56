"""The README's library example runs as written, and its two commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_library_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert len(blocks) >= 2, "the README has lost a Python example"
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    assert (tmp_path / "example.db").exists()
    assert (tmp_path / "stock.db").exists()


def test_readme_opens_with_the_run_and_test_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, flags=re.S)
    assert first_block is not None
    commands = [line.split("#")[0].split() for line in first_block.group(1).splitlines()]
    assert commands[0][:2] == ["python3", "scripts/run.py"]
    assert commands[1][:2] == ["python3", "scripts/test.py"]
    assert (ROOT / "scripts/run.py").exists()
    assert "scripts/test.py" in (ROOT / ".ci/run").read_text(encoding="utf-8")
