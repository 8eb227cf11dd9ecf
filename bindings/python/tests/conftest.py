"""Shared fixtures of the Python package tests.

CMake runs each test file with PYTHONPATH set to the package in the build tree and passes
TREDE_CLI (the built program), TREDE_SOURCE_DIR and TREDE_BINARY_DIR in the environment.
Every test works in its own temporary directory under the build tree; nothing is written into
the source tree.
"""

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import trede

TREDE_CLI = os.environ.get("TREDE_CLI", "")
SOURCE_DIR = Path(os.environ.get("TREDE_SOURCE_DIR", Path(__file__).resolve().parents[3]))
BINARY_DIR = Path(os.environ.get("TREDE_BINARY_DIR", ""))
MODELS = SOURCE_DIR / "models"
BM2 = MODELS / "ladder-bm2.toml"

# A small BM2 whose waiting lists fill (as in tests/cli): 3,000 people, inflow 300 a year,
# 60 beschut werk places and 30 tussengroep places; costs so that cost figures are not flat.
BM2_SMALL = {
    "population[0].count": 3000,
    "inflow[0].rate_per_year": 300,
    "state[beschut_werk].capacity": 60,
    "state[tussengroep].capacity": 30,
    "state[bijstand].cost_eur_per_year": 15000,
    "state[beschut_werk].cost_eur_per_year": 32000,
}


def set_args(overrides):
    """--set arguments of the trede program for the overrides ``{key: value}``."""
    args = []
    for o in trede.format_overrides(overrides):
        args += ["--set", o]
    return args


def pytest_configure(config):
    if not TREDE_CLI or not os.access(TREDE_CLI, os.X_OK):
        raise pytest.UsageError(f"TREDE_CLI must name the built trede program (got {TREDE_CLI!r})")


def cli(*args, cwd, timeout=300, env=None):
    """Runs `trede ARGS` in `cwd`; returns the CompletedProcess (text, captured)."""
    return subprocess.run([TREDE_CLI, *map(str, args)], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout, env=env)


def describe(p):
    return f"exit {p.returncode}\n--- stdout ---\n{p.stdout}\n--- stderr ---\n{p.stderr}"


def read_all(path, group=""):
    """Every dataset of an HDF5 file below ``group`` as {path without '/': value}, and the
    group's attributes."""
    data = {}
    with h5py.File(path, "r") as f:
        g = f[group] if group else f

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not (not group and name.startswith("scenarios/")):
                data[name] = obj[()]
        g.visititems(visit)
        attrs = {k: g.attrs[k] for k in g.attrs.keys()}
    return data, attrs


def assert_same(a, b, where):
    """Bitwise-identical values (numbers) or equal text, across the h5py/in-memory forms:
    strings may be bytes or str, and the KPI table a compound array."""
    if isinstance(a, (bytes, str)) or isinstance(b, (bytes, str)):
        norm = lambda x: x.decode() if isinstance(x, bytes) else str(x)  # noqa: E731
        assert norm(a) == norm(b), f"{where}: {a!r} != {b!r}"
        return
    a = np.asarray(a)
    b = np.asarray(b)
    assert a.shape == b.shape, f"{where}: shape {a.shape} != {b.shape}"
    if a.dtype.names or b.dtype.names:
        assert a.dtype.names == b.dtype.names, f"{where}: fields {a.dtype.names} != {b.dtype.names}"
        for field in a.dtype.names:
            assert_same(a[field], b[field], f"{where}.{field}")
        return
    if a.dtype.kind in "OSU" or b.dtype.kind in "OSU":
        norm = lambda x: [v.decode() if isinstance(v, bytes) else str(v) for v in x.reshape(-1)]  # noqa: E731
        assert norm(a) == norm(b), f"{where}: strings differ"
        return
    assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != {b.dtype}"
    assert a.tobytes() == b.tobytes(), f"{where}: values differ"


def assert_same_attr(a, b, where):
    """Equal attribute values of the same kind (text, integer, float), in memory or from h5py."""
    plain = lambda x: x.decode() if isinstance(x, bytes) else x.item() if isinstance(x, np.generic) else x  # noqa: E731
    a, b = plain(a), plain(b)
    assert type(a) is type(b) and a == b, f"{where}: {a!r} != {b!r}"


@pytest.fixture(scope="session")
def bm2_small():
    return trede.load_scenario(BM2, BM2_SMALL)


@pytest.fixture(scope="session")
def cli_run_file(tmp_path_factory):
    """A result file written by `trede run` (small BM2, 6 replicates, seed 42)."""
    work = tmp_path_factory.mktemp("cli-run")
    p = cli("run", BM2, *set_args(BM2_SMALL), "-n", 6, "--seed", 42, "-q", "-o", "run.h5", cwd=work)
    assert p.returncode == 0, describe(p)
    return work / "run.h5"


def organisation_variants(models=("gecombineerd", "partieel", "klassiek")):
    """TOML texts of the small BM2 under organisation models, with a handover delay and leakage."""
    base = BM2.read_text()
    out = {}
    for m in models:
        out[m] = (f'organisation_model = "{m}"\n' + base.replace('name = "ladder-bm2"', f'name = "{m}"') +
                  '\n[[handover]]\nfrom = "*"\nto = "*"\ndelay = 0.2\nleakage = 0.05\nleak_to = "bijstand"\n')
    return out


@pytest.fixture(scope="session")
def cli_compare_file(tmp_path_factory):
    """A comparison file written by `trede compare` (three organisation models, 5 replicates, seed 7)."""
    work = tmp_path_factory.mktemp("cli-compare")
    files = []
    for m, text in organisation_variants().items():
        (work / f"{m}.toml").write_text(text)
        files.append(f"{m}.toml")
    p = cli("compare", *files, *set_args(BM2_SMALL), "-n", 5, "--seed", 7, "-q", "-o", "cmp.h5", cwd=work)
    assert p.returncode == 0, describe(p)
    return work / "cmp.h5"


#: The shipped PSA example (a gemeente with an [uncertainty] table), cut to 4 years for speed.
PSA_SCENARIO = MODELS / "participatiewet" / "groningen-uncertain.toml"


@pytest.fixture(scope="session")
def psa_file(tmp_path_factory):
    """A PSA file written by `trede run --draws` (the Groningen example, 4 years, 32 draws x 2
    replicates, seed 5)."""
    work = tmp_path_factory.mktemp("cli-psa")
    p = cli("run", PSA_SCENARIO, "--set", "horizon_years=4", "--draws", 32, "-n", 2, "--seed", 5, "-q", "-o", "psa.h5",
            cwd=work)
    assert p.returncode == 0, describe(p)
    return work / "psa.h5"


@pytest.fixture(scope="session")
def python():
    return sys.executable
