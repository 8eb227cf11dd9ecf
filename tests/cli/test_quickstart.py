"""The quick start of the README (scripts/quickstart.sh) succeeds: exit code 0, the headline
results printed and ladder-bm.h5 written. Run against the program this suite built
(TREDE_BUILD_DIR), so it neither installs nor builds anything."""

import os
import subprocess
from pathlib import Path

import h5py

from conftest import SOURCE_DIR, TREDE


def test_quickstart_exits_zero(tmp_path):
    env = dict(os.environ, TREDE_BUILD_DIR=str(Path(TREDE).resolve().parent.parent), TREDE_QUICKSTART_DIR=str(tmp_path))
    p = subprocess.run(["bash", str(SOURCE_DIR / "scripts" / "quickstart.sh")], env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"exit {p.returncode}\n--- stdout ---\n{p.stdout}\n--- stderr ---\n{p.stderr}"
    assert "KPIs per replicate" in p.stdout and "participatieladder" in p.stdout, p.stdout
    assert "trede_version" in p.stdout and p.stdout.count("KPIs per replicate") == 2, p.stdout  # `trede info` ran too
    with h5py.File(tmp_path / "ladder-bm.h5", "r") as f:
        assert f.attrs["replicates"] == 100 and f.attrs["master_seed"] == 42
