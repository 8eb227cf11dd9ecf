"""`pip install` for Python users (docs/python.md): into a virtual environment made with
--system-site-packages, offline (no package index at all), with Debian's setuptools and wheel
(--no-build-isolation), `pip install ./bindings/python` builds the C++ project through CMake and
installs the package, the library, the program and the models. Then `import trede` works without
PYTHONPATH, runs a simulation, and the report works from Python and from the installed `trede`.

The build tree is this suite's own (TREDE_CMAKE_BUILD_DIR): setup.py installs from a tree it did
not configure as it is, without reconfiguring or rebuilding it, so the test compiles nothing and
takes seconds. (A fresh build directory, the default for users, runs the same steps after a CMake
configure of its own.)
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BINARY_DIR, SOURCE_DIR, describe

pytestmark = pytest.mark.skipif(not (BINARY_DIR / "CMakeCache.txt").exists(), reason="needs the build tree")


def clean_env(**extra):
    """The environment without anything that would find the build tree's package."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "TREDE_PYTHONPATH", "TREDE_PYTHON", "LD_LIBRARY_PATH", "VIRTUAL_ENV")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("pip")
    env_dir = root / "env"
    r = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, describe(r)
    cache_before = (BINARY_DIR / "CMakeCache.txt").read_bytes()
    env = clean_env(
        PIP_NO_INDEX="1",  # offline: nothing may come from a package index
        PIP_NO_CACHE_DIR="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        TREDE_CMAKE_BUILD_DIR=str(BINARY_DIR),
        TREDE_PIP_BUILD_BASE=str(root / "setuptools"),
    )
    r = subprocess.run([str(env_dir / "bin" / "pip"), "install", "--no-build-isolation", str(SOURCE_DIR / "bindings" / "python")],
                       cwd=root, capture_output=True, text=True, timeout=900, env=env)
    assert r.returncode == 0, describe(r)
    assert (BINARY_DIR / "CMakeCache.txt").read_bytes() == cache_before, "pip reconfigured the suite's build tree"
    return env_dir


def python(venv, code, cwd):
    return subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=clean_env())


def test_import_without_pythonpath_and_run(venv, tmp_path):
    code = ("import trede, sys; "
            "s = trede.load_scenario(trede.models_dir() / 'ladder-bm.toml', {'population[0].count': 200, 'horizon_years': 2}); "
            "r = trede.run(s, 3, seed=7); r.save('x.h5'); "
            "print(trede.__file__); print(trede.models_dir()); print(r.replicates); "
            "print(trede.read('x.h5').kpi_table().loc['persons', 'mean'])")
    r = python(venv, code, tmp_path)
    assert r.returncode == 0, describe(r)
    package, models, replicates, persons = r.stdout.split()
    site = Path(package).parent.parent
    assert site.name == "site-packages" and site.is_relative_to(venv), package  # the venv's, not the build tree's
    assert Path(models) == venv / "share" / "trede" / "models" and (Path(models) / "ladder-bm.toml").exists()
    assert int(replicates) == 3 and float(persons) == 200.0


def test_report_from_python_and_from_the_installed_program(venv, tmp_path):
    r = python(venv, "import trede; s = trede.load_scenario(trede.models_dir() / 'ladder-bm.toml', "
                     "{'population[0].count': 200, 'horizon_years': 2}); trede.run(s, 2).save('x.h5')", tmp_path)
    assert r.returncode == 0, describe(r)
    r = subprocess.run([str(venv / "bin" / "python"), "-m", "trede.report", "x.h5", "-o", "py.html"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300, env=clean_env(MPLBACKEND="Agg"))
    assert r.returncode == 0, describe(r)
    r = subprocess.run([str(venv / "bin" / "trede"), "report", "x.h5", "-o", "cli.html"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300, env=clean_env(MPLBACKEND="Agg"))
    assert r.returncode == 0, describe(r)
    for name in ("py.html", "cli.html"):
        assert (tmp_path / name).stat().st_size > 10000, name


def test_installed_program_runs(venv, tmp_path):
    r = subprocess.run([str(venv / "bin" / "trede"), "run", str(venv / "share" / "trede" / "models" / "ladder-bm.toml"),
                        "--set", "population[0].count=200", "-n", "2", "-q", "-o", "y.h5"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300, env=clean_env())
    assert r.returncode == 0, describe(r)
    assert (tmp_path / "y.h5").exists()
