"""Shared helpers for the tests of the `trede` program.

The CMake test registration passes TREDE_CLI (the built program) and TREDE_SOURCE_DIR in the
environment. Every test works in its own temporary directory (pytest's tmp_path).
"""

import os
import resource
import shutil
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

TREDE = os.environ.get("TREDE_CLI", "")
SOURCE_DIR = Path(os.environ.get("TREDE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
MODELS = SOURCE_DIR / "models"
BAD_DIR = Path(__file__).resolve().parent / "bad"

# A small BM2: 5,000 people, inflow 500 a year, and capacities small enough that the waiting
# lists fill (the full model never queues at this size), so the capacity logic is exercised.
BM2_SMALL = [
    "--set", "population[0].count=5000",
    "--set", "inflow[0].rate_per_year=500",
    "--set", "state[beschut_werk].capacity=100",
    "--set", "state[tussengroep].capacity=50",
]

EXIT_BAD_INPUT = 2

# The directory holding the trede Python package that `trede report` and `trede export` run:
# TREDE_PYTHONPATH when set (as the program itself reads it; the sanitizer stage of
# scripts/test.sh points it at the ci build's package, since a sanitized program has no
# package of its own), else the build tree's <build>/python next to <build>/bin/trede.
PYTHON_PACKAGE_DIR = os.environ.get("TREDE_PYTHONPATH") or (
    str(Path(TREDE).resolve().parent.parent / "python") if TREDE else "")

# Bad input must be rejected before anything big is allocated or simulated: in milliseconds and
# a few megabytes. Runs that check this get an address-space limit and a CPU-time limit, so a
# regression fails the test quickly (bad_alloc, SIGXCPU) instead of loading the machine.
# Sanitizer builds reserve terabytes of address space and cannot run under such a limit; there,
# only the CPU limit applies and the cases that need the memory limit are skipped.
MEMORY_LIMIT_BYTES = 1 << 30
CPU_LIMIT_SECONDS = 2


def _sanitized(program):
    try:
        with open(program, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return any(sym in data for sym in (b"__asan_init", b"__tsan_init", b"__msan_init"))


#: The program is a sanitizer build (the asan stage of scripts/test.sh): it runs 10 to 20 times
#: slower, so tests that need a run to take a while use a smaller model there.
SANITIZED = bool(TREDE) and _sanitized(TREDE)
MEMORY_LIMIT_AVAILABLE = bool(TREDE) and not SANITIZED


def _lower_limit(which, value):
    soft, hard = resource.getrlimit(which)
    resource.setrlimit(which, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def _limit_resources():
    _lower_limit(resource.RLIMIT_CPU, CPU_LIMIT_SECONDS)
    if MEMORY_LIMIT_AVAILABLE:
        _lower_limit(resource.RLIMIT_AS, MEMORY_LIMIT_BYTES)


def pytest_configure(config):
    if not TREDE or not os.access(TREDE, os.X_OK):
        raise pytest.UsageError(f"TREDE_CLI must name the built trede program (got {TREDE!r})")


def trede(*args, cwd, timeout=120, env=None, limited=False, **kwargs):
    """Runs `trede ARGS` in `cwd`; returns the CompletedProcess (text, captured).
    limited: run under the CPU and address-space limits for bad input (see above)."""
    if limited:
        kwargs["preexec_fn"] = _limit_resources
    return subprocess.run(
        [TREDE, *map(str, args)],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        **kwargs,
    )


def describe(p):
    """Exit code, stdout and stderr of a finished process, for assertion messages."""
    return f"exit {p.returncode}\n--- stdout ---\n{p.stdout}\n--- stderr ---\n{p.stderr}"


def leftovers(directory, name="out.h5"):
    """Temporary files of an interrupted or failed write of `name` in `directory`."""
    return sorted(p.name for p in Path(directory).iterdir() if p.name.startswith(name + ".tmp"))


def copy_bad_dir(dest):
    """Copies tests/cli/bad (scenarios and their CSV files) to `dest`."""
    shutil.copytree(BAD_DIR, dest, dirs_exist_ok=True)
    return Path(dest)


def read_all(path):
    """Every dataset of an HDF5 file, as {path: numpy value}, and the root attributes."""
    data = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data["/" + name] = obj[()]
        f.visititems(visit)
        attrs = {k: f.attrs[k] for k in f.attrs.keys()}
    return data, attrs


def assert_values_identical(a, b, where):
    """Bitwise-identical values: same dtype and shape, equal including NaN positions."""
    a = np.asarray(a)
    b = np.asarray(b)
    assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != {b.dtype}"
    assert a.shape == b.shape, f"{where}: shape {a.shape} != {b.shape}"
    if a.dtype.names:  # compound (the KPI table): field by field
        for field in a.dtype.names:
            assert_values_identical(a[field], b[field], f"{where}.{field}")
        return
    if a.dtype.kind == "f":
        # Bitwise: compare the bytes, so NaN positions and signed zeros count too.
        assert np.array_equal(a, b, equal_nan=True), f"{where}: values differ"
        assert a.tobytes() == b.tobytes(), f"{where}: bytes differ"
    else:
        assert np.array_equal(a, b), f"{where}: values differ"
