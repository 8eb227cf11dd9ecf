"""Every Python program of the repository (a script with a main, outside the package and the
tests) answers --help with its usage and does nothing else. Three model tools once took --help
for "run": one refitted groningen.toml and wrote it back."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("TREDE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
PROGRAMS = sorted(p for d in ("bench", "scripts", "models") for p in (ROOT / d).rglob("*.py")
                  if 'if __name__ == "__main__"' in p.read_text())


def test_programs_are_found():
    names = {p.name for p in PROGRAMS}
    assert {"fit_groningen.py", "make_policy.py", "calibrate_instance.py", "backtest_nederland.py"} <= names, names


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: str(p.relative_to(ROOT)))
def test_help_prints_usage_and_changes_nothing(program, tmp_path):
    text = program.read_text()
    # Checked before running it: without an argument parser, --help would run the program.
    assert "argparse" in text, f"{program} does not parse its arguments (argparse): --help would run it"
    before = {p: p.stat().st_mtime_ns for p in ROOT.joinpath("models").rglob("*.toml")}
    p = subprocess.run([sys.executable, str(program), "--help"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120, env={**os.environ, "TREDE_CLI": "/nonexistent/trede"})
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("usage:"), p.stdout
    assert list(tmp_path.iterdir()) == []
    after = {q: q.stat().st_mtime_ns for q in ROOT.joinpath("models").rglob("*.toml")}
    assert after == before, [str(q) for q in after if after[q] != before.get(q)]
