"""`cmake --install` puts a working package into the prefix: importable with the prefix's
Python directory on PYTHONPATH, finding libtrede and the shipped models, and `trede report` and
`trede export` of the installed program find the installed package by themselves."""

import os
import subprocess
import sys

import pytest

from conftest import BINARY_DIR, describe

pytestmark = pytest.mark.skipif(not (BINARY_DIR / "CMakeCache.txt").exists(), reason="needs the build tree")


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    p = tmp_path_factory.mktemp("prefix")
    r = subprocess.run(["cmake", "--install", str(BINARY_DIR), "--prefix", str(p)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, describe(r)
    return p


def python_dir(prefix):
    found = list(prefix.glob("lib/python3*/dist-packages/trede/__init__.py"))
    assert len(found) == 1, found
    return found[0].parent.parent


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TREDE_PYTHONPATH", "LD_LIBRARY_PATH")}
    env.update(extra)
    return env


def test_installed_package_runs(prefix, tmp_path):
    site = python_dir(prefix)
    for f in ("_core.pyi", "py.typed", "report.py", "_paths.py"):
        assert (site / "trede" / f).exists(), f
    code = ("import trede, pathlib; "
            "s = trede.load_scenario(trede.models_dir() / 'ladder-bm.toml', {'population[0].count': 100}); "
            "r = trede.run(s, 2, seed=1); r.save('x.h5'); "
            "print(pathlib.Path(trede.__file__).parent); print(trede.models_dir())")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                       env=clean_env(PYTHONPATH=str(site)))
    assert r.returncode == 0, describe(r)
    pkg, models = r.stdout.split()
    assert pkg == str(site / "trede")
    assert models == str(prefix / "share" / "trede" / "models")


def test_installed_trede_report_and_export_find_the_installed_package(prefix, tmp_path):
    site = python_dir(prefix)
    r = subprocess.run([sys.executable, "-c", "import trede; s = trede.load_scenario(trede.models_dir() / "
                        "'ladder-bm.toml', {'population[0].count': 100, 'horizon_years': 2}); "
                        "trede.run(s, 2).save('x.h5')"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                       env=clean_env(PYTHONPATH=str(site)))
    assert r.returncode == 0, describe(r)
    r = subprocess.run([str(prefix / "bin" / "trede"), "report", "x.h5", "-o", "x.html"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300, env=clean_env())
    assert r.returncode == 0, describe(r)
    assert (tmp_path / "x.html").stat().st_size > 10000
    r = subprocess.run([str(prefix / "bin" / "trede"), "export", "x.h5", "--format", "xlsx", "-o", "tables"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300, env=clean_env())
    assert r.returncode == 0, describe(r)
    assert (tmp_path / "tables" / "x.xlsx").stat().st_size > 5000
