"""Determinism (docs/model-formalism.md §10): the result of replicate i depends only on (scenario, seed, i).

A small BM2 (inflow, capacities with separate waiting lists and reneging) run through the CLI:
- --threads 1, 2 and 0 (all cores) give bitwise-identical datasets and root attributes
  (except `created` and `command_line`);
- the same seed twice gives identical files; different seeds differ;
- the first 4 replicates of an 8-replicate run equal a 4-replicate run;
- the deflate level changes how data is stored, not the data.
"""

import numpy as np
import pytest

from conftest import BM2_SMALL, MODELS, assert_values_identical, describe, read_all, trede

BM2 = MODELS / "ladder-bm2.toml"
R = 8
IGNORED_ATTRS = {"created", "command_line"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    work = tmp_path_factory.mktemp("determinism")
    variants = {
        "t1": ["--seed", "42", "--threads", "1", "-n", str(R)],
        "t2": ["--seed", "42", "--threads", "2", "-n", str(R)],
        "t0": ["--seed", "42", "--threads", "0", "-n", str(R)],
        "t2_again": ["--seed", "42", "--threads", "2", "-n", str(R)],
        "seed43": ["--seed", "43", "--threads", "2", "-n", str(R)],
        "n4": ["--seed", "42", "--threads", "2", "-n", "4"],
        "deflate0": ["--seed", "42", "--threads", "2", "-n", str(R), "--compression", "0"],
    }
    out = {}
    for name, args in variants.items():
        p = trede("run", BM2, *BM2_SMALL, *args, "-q", "-o", f"{name}.h5", cwd=work)
        assert p.returncode == 0, describe(p)
        out[name] = read_all(work / f"{name}.h5")
    out["_paths"] = {name: work / f"{name}.h5" for name in variants}
    return out


def assert_files_identical(a, b):
    (da, aa), (db, ab) = a, b
    assert sorted(da) == sorted(db), "different sets of datasets"
    for path in sorted(da):
        assert_values_identical(da[path], db[path], path)
    keys_a = set(aa) - IGNORED_ATTRS
    keys_b = set(ab) - IGNORED_ATTRS
    assert keys_a == keys_b, "different root attributes"
    for k in sorted(keys_a):
        assert_values_identical(aa[k], ab[k], f"attribute {k}")


def test_the_run_is_not_trivial(runs):
    """Waiting lists fill, people renege and move: a comparison of these files means something."""
    data, _ = runs["t1"]
    assert data["/replicates/occupancy"].shape[0] == R
    assert data["/replicates/waiting_joined"].sum() > 0
    assert data["/replicates/waiting_reneged"].sum() > 0
    assert data["/replicates/waiting_admitted"].sum() > 0
    assert data["/replicates/waiting"].max() > 0
    assert data["/replicates/flows"].sum() > 10_000
    # Replicates differ from one another.
    occ = data["/replicates/occupancy"]
    assert len({occ[i].tobytes() for i in range(R)}) == R


@pytest.mark.parametrize("other", ["t2", "t0"])
def test_thread_count_does_not_change_results(runs, other):
    assert_files_identical(runs["t1"], runs[other])


def test_same_seed_twice_is_identical(runs):
    assert_files_identical(runs["t2"], runs["t2_again"])


def test_different_seeds_differ(runs):
    a, _ = runs["t2"]
    b, attrs = runs["seed43"]
    assert attrs["master_seed"] == 43
    for path in ("/replicates/occupancy", "/replicates/flows", "/replicates/kpi", "/summary/occupancy/mean"):
        assert not np.array_equal(a[path], b[path], equal_nan=True), f"{path} did not change with the seed"
    # Every replicate differs, not just some.
    for i in range(R):
        assert not np.array_equal(a["/replicates/occupancy"][i], b["/replicates/occupancy"][i])
    # The structure does not depend on the seed.
    for path in ("/time", "/states", "/trede", "/edges/id", "/kpi_names", "/scenario"):
        assert_values_identical(a[path], b[path], path)


def test_replicate_depends_only_on_its_index(runs):
    """Replicates 0..3 of an 8-replicate run equal a 4-replicate run, array by array."""
    full, _ = runs["t2"]
    part, attrs = runs["n4"]
    assert attrs["replicates"] == 4
    per_replicate = [p for p in full if p.startswith("/replicates/")]
    assert len(per_replicate) >= 10
    for path in per_replicate:
        assert part[path].shape[0] == 4, path
        assert_values_identical(full[path][:4], part[path], path)


def test_compression_level_does_not_change_data(runs):
    import h5py
    assert_files_identical(runs["t2"], runs["deflate0"])
    with h5py.File(runs["_paths"]["deflate0"], "r") as f0, h5py.File(runs["_paths"]["t2"], "r") as f4:
        assert f0["/replicates/occupancy"].compression is None
        assert f4["/replicates/occupancy"].compression == "gzip"


def test_more_threads_than_cores_are_used_and_change_nothing(runs, tmp_path):
    """--threads above the machine's cores runs that many threads (TBB's limit is raised for the
    run: before, TBB kept the cores' count, printed a warning of its own and the run reported
    threads it never had), and the file is the same as with one thread."""
    import os
    over = (os.cpu_count() or 1) + 3
    p = trede("run", BM2, *BM2_SMALL, "--seed", "42", "--threads", str(over), "-n", str(R), "-o", "over.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert "TBB" not in p.stderr and "Warning" not in p.stderr, describe(p)
    assert f", {over} threads;" in p.stdout, describe(p)
    assert_files_identical(runs["t1"], read_all(tmp_path / "over.h5"))
