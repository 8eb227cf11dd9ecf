"""trede sweep (grid, Latin hypercube, --resume after a kill) and MPI runs (`mpirun -np 2`):
the output of a distributed run is bitwise the same as that of one process."""

import os
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import (BM2_SMALL, EXIT_BAD_INPUT, MODELS, SANITIZED, TREDE, assert_values_identical, describe,
                      read_all, trede)

BM2 = MODELS / "ladder-bm2.toml"
MPIRUN = shutil.which("mpirun")
# Attributes that legitimately differ between two runs of the same thing.
VOLATILE_ATTRS = {"created", "command_line"}
VOLATILE_DATASETS = {"/points/wall_seconds"}


def assert_same_file(a, b):
    da, aa = read_all(a)
    db, ab = read_all(b)
    assert sorted(da) == sorted(db), "different datasets"
    for name in da:
        if name not in VOLATILE_DATASETS:
            assert_values_identical(da[name], db[name], name)
    for k in aa:
        if k not in VOLATILE_ATTRS:
            assert aa[k] == ab[k], f"attribute {k}: {aa[k]!r} != {ab[k]!r}"


def mpirun(*args, cwd, np_=2, timeout=300):
    # Under AddressSanitizer (the asan preset), Open MPI's dynamically loaded components leak
    # a few kB at MPI_Finalize, in code outside trede and unloaded by then (LeakSanitizer shows
    # "<unknown module>", so no suppression can name it): leak checking is off for MPI runs only.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS", ""), "detect_leaks=0"]))
    return subprocess.run([MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np", str(np_), TREDE, *map(str, args)],
                          cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, env=env)


GRID = ["--grid", "transition[bijstand->diagnose].rate=0.3,0.5,0.7",
        "--grid", "state[beschut_werk].capacity=50,200"]


def test_grid_sweep_writes_points_and_stacked_summaries(tmp_path):
    p = trede("sweep", BM2, *GRID, *BM2_SMALL, "-n", 3, "--seed", 4, "-o", "s.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert not (tmp_path / "s.h5.parts").exists(), "the parts directory is removed when the sweep is complete"
    with h5py.File(tmp_path / "s.h5") as f:
        assert f.attrs["kind"] == "sweep" and f.attrs["design"] == "grid"
        keys = [k.decode() for k in f["points/keys"][()]]
        assert keys == ["transition[bijstand->diagnose].rate", "state[beschut_werk].capacity"]
        numeric = f["points/numeric"][()]
        # The grid is the product, last key fastest.
        assert numeric.tolist() == [[0.3, 50], [0.3, 200], [0.5, 50], [0.5, 200], [0.7, 50], [0.7, 200]]
        K = len(f["kpi_names"])
        T, S = len(f["time"]), len(f["states"])
        assert f["summary/kpi/mean"].shape == (6, K)
        assert f["summary/occupancy/q95"].shape == (6, T, S)
        assert f["replicates/kpi"].shape == (6, 3, K)
        names = [n.decode() for n in f["kpi_names"][()]]
        uit = f["replicates/kpi"][:, :, names.index("uitstroom_werk")]
    # A higher rate into diagnose sends more people to work (same random numbers at every point).
    assert uit[0].mean() < uit[2].mean() < uit[4].mean()


def test_point_equals_a_plain_run_with_its_overrides(tmp_path):
    p = trede("sweep", BM2, *GRID, *BM2_SMALL, "-n", 3, "--seed", 4, "-o", "s.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    q = trede("run", BM2, *BM2_SMALL, "--set", "transition[bijstand->diagnose].rate=0.5",
              "--set", "state[beschut_werk].capacity=200", "-n", 3, "--seed", 4, "-q", "-o", "r.h5", cwd=tmp_path)
    assert q.returncode == 0, describe(q)
    with h5py.File(tmp_path / "s.h5") as s, h5py.File(tmp_path / "r.h5") as r:
        assert_values_identical(s["replicates/kpi"][3], r["replicates/kpi"][()], "point 3 KPIs")
        assert_values_identical(s["summary/occupancy/mean"][3], r["summary/occupancy/mean"][()], "point 3 occupancy")


def test_latin_hypercube_is_stratified_and_reproducible(tmp_path):
    args = ["sweep", BM2, "--lhs", "transition[bijstand->diagnose].rate=0.2:0.8",
            "--lhs", "state[tussengroep].capacity=10:99", "--points", 9, *BM2_SMALL, "-n", 2, "--seed", 17, "-q"]
    assert trede(*args, "-o", "a.h5", cwd=tmp_path).returncode == 0
    assert trede(*args, "-o", "b.h5", cwd=tmp_path).returncode == 0
    assert_same_file(tmp_path / "a.h5", tmp_path / "b.h5")
    with h5py.File(tmp_path / "a.h5") as f:
        x = f["points/numeric"][()]
    # One point in each ninth of each range.
    rate_strata = np.floor((x[:, 0] - 0.2) / 0.6 * 9).astype(int)
    assert sorted(rate_strata.tolist()) == list(range(9))
    caps = x[:, 1]
    assert np.all(caps == np.floor(caps)) and caps.min() >= 10 and caps.max() <= 99
    assert sorted(np.floor((caps - 10) / 90 * 9).astype(int).tolist()) == list(range(9))


def interrupt_after_parts(args, cwd, parts, count, sig, poll=0.02):
    """Starts trede ARGS and sends it `sig` once the directory `parts` holds `count` finished
    parts (point-*.h5); returns (exit code, stderr)."""
    proc = subprocess.Popen([TREDE, *map(str, args)], cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob("point-*.h5"))) < count:
        time.sleep(poll)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def test_interrupted_sweep_resumes_to_the_same_file(tmp_path):
    # Points big enough to be killed between them; a sanitizer build is ten to twenty times
    # slower, so there the model is smaller (arrivals dominate the cost: 10,000 a year).
    size = (["--set", "population[0].count=4000", "--set", "inflow[0].rate_per_year=400"] if SANITIZED
            else ["--set", "population[0].count=40000"])
    args = ["sweep", BM2, "--grid", "transition[bijstand->diagnose].rate=0.3,0.4,0.5,0.6,0.7,0.8",
            *size, "-n", 6, "--seed", 9, "--threads", 1, "-q"]
    full = trede(*args, "-o", "full.h5", cwd=tmp_path)
    assert full.returncode == 0, describe(full)
    # Interrupt a second run (Ctrl-C) once some points are written.
    parts = tmp_path / "cut.h5.parts"
    code, err = interrupt_after_parts([*args, "-o", "cut.h5"], tmp_path, parts, 2, signal.SIGINT, poll=0.05)
    assert code == 130, err
    assert err.strip() == ("interrupted: cut.h5 not written; the finished points are kept in cut.h5.parts: "
                           "add --resume to the same command to continue"), err
    written = sorted(parts.glob("point-*.h5"))
    assert 2 <= len(written) < 6, f"expected an interrupted sweep, got {len(written)} parts"
    assert not (tmp_path / "cut.h5").exists()
    for part in written:  # every finished part is a complete, readable result
        with h5py.File(part) as f:
            assert f["replicates/kpi"].shape[0] == 6
    # Without --resume the parts are not overwritten.
    again = trede(*args, "-o", "cut.h5", cwd=tmp_path)
    assert again.returncode == EXIT_BAD_INPUT and "--resume" in again.stderr
    resumed = trede(*args, "-o", "cut.h5", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, describe(resumed)
    assert not parts.exists()
    assert_same_file(tmp_path / "full.h5", tmp_path / "cut.h5")


def test_interrupted_psa_sweep_resumes_to_the_same_file(tmp_path):
    """A PSA at every point keeps one part per (point, draw): killed and resumed, it writes the
    file an uninterrupted run writes."""
    args = ["sweep", MODELS / "participatiewet" / "groningen-uncertain.toml", "--set", "horizon_years=4",
            "--grid", "region[Groningen].capacity.beschut_werk=100,200,300", "--draws", 4, "--seed", 5,
            "--threads", 1, "-q"]
    full = trede(*args, "-o", "full.h5", cwd=tmp_path)
    assert full.returncode == 0, describe(full)
    parts = tmp_path / "cut.h5.parts"
    interrupt_after_parts([*args, "-o", "cut.h5"], tmp_path, parts, 3, signal.SIGKILL)
    written = sorted(parts.glob("point-*.h5"))
    assert 3 <= len(written) < 12, f"expected an interrupted sweep, got {len(written)} of 12 parts"
    resumed = trede(*args, "-o", "cut.h5", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, describe(resumed)
    assert not parts.exists()
    assert_same_file(tmp_path / "full.h5", tmp_path / "cut.h5")


def test_interrupted_psa_run_says_how_to_resume(tmp_path):
    """`run --draws` keeps its finished draws as a sweep keeps its points, and says so."""
    args = ["run", MODELS / "participatiewet" / "groningen-uncertain.toml", "--set", "horizon_years=4",
            "--draws", 64, "--threads", 1, "-q", "-o", "p.h5"]
    parts = tmp_path / "p.h5.parts"
    code, err = interrupt_after_parts(args, tmp_path, parts, 2, signal.SIGINT)
    assert code == 130, err
    assert err.strip() == ("interrupted: p.h5 not written; the finished draws are kept in p.h5.parts: "
                           "add --resume to the same command to continue"), err
    assert not (tmp_path / "p.h5").exists() and len(list(parts.glob("point-*.h5"))) >= 2
    resumed = trede(*args, "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, describe(resumed)
    assert not parts.exists()


def test_resume_recomputes_parts_that_are_not_this_sweeps(tmp_path):
    """Every part carries its identity: a result copied in from elsewhere, or a damaged file, is
    reported and its point run again; the sweep file equals an uninterrupted sweep's."""
    base = ["sweep", BM2, *BM2_SMALL, "-n", 2, "-q", "--grid", "state[beschut_werk].capacity=1,2"]
    p = trede(*base, "-o", "whole.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    p = trede("run", BM2, *BM2_SMALL, "-n", 2, "-q", "-o", "other.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    parts = tmp_path / "s.h5.parts"
    parts.mkdir()
    (parts / "point-000000.h5").write_bytes((tmp_path / "other.h5").read_bytes())      # another run
    (parts / "point-000001.h5").write_bytes((tmp_path / "other.h5").read_bytes()[:500])  # damaged
    p = trede(*base, "-o", "s.h5", "--resume", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert "point-000000.h5: belongs to another sweep, PSA or point" in p.stderr, describe(p)
    assert "point-000001.h5" in p.stderr and "running the point again" in p.stderr, describe(p)
    assert not parts.exists()
    with h5py.File(tmp_path / "whole.h5", "r") as a, h5py.File(tmp_path / "s.h5", "r") as b:
        assert_values_identical(a["replicates/kpi"][()], b["replicates/kpi"][()], "sweep KPIs")
        assert_values_identical(a["summary/occupancy/mean"][()], b["summary/occupancy/mean"][()], "occupancy")


@pytest.mark.parametrize("args, message", [
    (["--grid", "horizon_years"], "key=v1,v2"),
    (["--grid", "x=1,,2"], "empty value"),
    (["--lhs", "transition[bijstand->diagnose].rate=0.7:zz", "--points", "3"], "numbers"),
    (["--lhs", "transition[bijstand->diagnose].rate=0.1:0.2"], "--points"),
    (["--grid", "transition[bijstand->diagnose].rate=-1,0.5"], "sweep point 0"),
    # A bad value of the design is the point's, not a --set the user never typed.
    (["--grid", "transition[0].rate=0.1,nan"],
     "sweep point 1 (transition[0].rate=nan): transition[bijstand->diagnose].rate: must be a finite number (got nan)"),
    (["--grid", "horizon_years=5,8"], "report grid"),
    ([], "--grid"),
])
def test_bad_sweeps_exit_2_and_write_nothing(tmp_path, args, message):
    p = trede("sweep", BM2, *BM2_SMALL, *args, "-n", 2, "-o", "s.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert message in p.stderr, describe(p)
    assert list(tmp_path.iterdir()) == []


def test_mpirun_is_installed():
    """MPI is part of trede (scripts/install-deps.sh installs openmpi-bin): a missing mpirun fails
    here rather than skipping the MPI tests."""
    assert MPIRUN is not None, "mpirun not found: run scripts/install-deps.sh (openmpi-bin)"


def test_mpi_run_is_bitwise_identical_to_one_process(tmp_path):
    args = ["run", BM2, *BM2_SMALL, "-n", 7, "--seed", 5, "-q"]
    one = trede(*args, "-o", "one.h5", cwd=tmp_path)
    assert one.returncode == 0, describe(one)
    two = mpirun(*args, "-o", "two.h5", cwd=tmp_path)
    assert two.returncode == 0, describe(two)
    assert_same_file(tmp_path / "one.h5", tmp_path / "two.h5")


def test_mpi_run_with_trajectories_is_bitwise_identical_to_one_process(tmp_path):
    args = ["run", BM2, *BM2_SMALL, "-n", 5, "--seed", 6, "-q", "--trajectories", 150]
    one = trede(*args, "-o", "one.h5", cwd=tmp_path)
    assert one.returncode == 0, describe(one)
    three = mpirun(*args, "-o", "three.h5", cwd=tmp_path, np_=3)
    assert three.returncode == 0, describe(three)
    with h5py.File(tmp_path / "one.h5", "r") as f:
        offsets = f["trajectories/offsets"][()]
        assert offsets.shape == (6,) and offsets[-1] == f["trajectories/person"].shape[0] > 5 * 150
        assert len(set(f["trajectories/person"][()].tolist())) == 150
    assert_same_file(tmp_path / "one.h5", tmp_path / "three.h5")


@pytest.mark.parametrize("command", [["run"], ["compare", "--organisation-models", "partieel,gecombineerd"]])
def test_mpi_streamed_regions_are_bitwise_identical_to_one_process(tmp_path, command):
    """A scenario with regions: the root writes the per-region arrays as batches of replicates
    arrive, the ranks taking batches in turn (one thread: batches of two, seven replicates over
    three ranks); the file equals one process's, for a run and for a comparison."""
    args = [command[0], MODELS / "participatiewet" / "arbeidsmarktregios.toml", *command[1:], "--set",
            "horizon_years=2", "--set", "sample_share=0.25", "-n", 7, "--seed", 8, "--threads", 1, "-q"]
    one = trede(*args, "-o", "one.h5", cwd=tmp_path)
    assert one.returncode == 0, describe(one)
    three = mpirun(*args, "-o", "three.h5", cwd=tmp_path, np_=3)
    assert three.returncode == 0, describe(three)
    at = "" if command[0] == "run" else "scenarios/1/"
    with h5py.File(tmp_path / "one.h5", "r") as f:
        assert f[at + "replicates/region/occupancy"].shape[0] == 7 and f[at + "regions"].shape[0] > 1
    assert_same_file(tmp_path / "one.h5", tmp_path / "three.h5")


def test_mpi_compare_is_bitwise_identical_to_one_process(tmp_path):
    args = ["compare", BM2, BM2, *BM2_SMALL, "-n", 5, "--seed", 2, "-q"]
    one = trede(*args, "-o", "one.h5", cwd=tmp_path)
    assert one.returncode == 0, describe(one)
    # Three ranks for five replicates: uneven shares.
    three = mpirun(*args, "-o", "three.h5", cwd=tmp_path, np_=3)
    assert three.returncode == 0, describe(three)
    assert_same_file(tmp_path / "one.h5", tmp_path / "three.h5")


def test_mpi_sweep_is_bitwise_identical_to_one_process(tmp_path):
    args = ["sweep", BM2, *GRID, *BM2_SMALL, "-n", 3, "--seed", 4, "-q"]
    one = trede(*args, "-o", "one.h5", cwd=tmp_path)
    assert one.returncode == 0, describe(one)
    two = mpirun(*args, "-o", "two.h5", cwd=tmp_path)
    assert two.returncode == 0, describe(two)
    assert_same_file(tmp_path / "one.h5", tmp_path / "two.h5")
    # Points run on rank 1 carry their run statistics to rank 0 with their results.
    with h5py.File(tmp_path / "two.h5") as f:
        assert np.all(f["points/wall_seconds"][()] > 0), f["points/wall_seconds"][()]


@pytest.mark.parametrize("command", [
    ["run", "--draws", 8, "-n", 2],                                                  # a PSA
    ["compare", "--organisation-models", "partieel,gecombineerd", "--draws", 4],     # a PSA comparison, /decision
    ["sweep", "--grid", "region[Groningen].capacity.beschut_werk=100,300", "--draws", 4],  # a PSA at every point
    ["run", "-n", 3, "--set", "report.by.age=[27,45]"],                              # results by attribute
])
def test_mpi_psa_and_breakdowns_are_bitwise_identical_to_one_process(tmp_path, command):
    args = [command[0], MODELS / "participatiewet" / "groningen-uncertain.toml", *command[1:],
            "--set", "horizon_years=2", "--seed", 3, "-q"]
    one = trede(*args, "-o", "one.h5", cwd=tmp_path)
    assert one.returncode == 0, describe(one)
    three = mpirun(*args, "-o", "three.h5", cwd=tmp_path, np_=3)
    assert three.returncode == 0, describe(three)
    assert_same_file(tmp_path / "one.h5", tmp_path / "three.h5")


def test_mpi_bad_input_exits_2_on_every_rank_and_reports_once(tmp_path):
    p = mpirun("run", BM2, "--set", "horizon_years=-1", "-n", 2, "-o", "x.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert p.stderr.count("horizon_years: must be > 0") == 1, describe(p)
    assert "interrupted" not in p.stderr, describe(p)  # every rank stopped by itself: no signal
    assert not (tmp_path / "x.h5").exists()


def test_mpi_sweep_stops_on_a_check_only_rank_0_makes(tmp_path):
    """The --resume checks run on rank 0 alone; the other ranks must not be left waiting."""
    (tmp_path / "s.h5.parts").mkdir()
    (tmp_path / "s.h5.parts" / "point-000000.h5").write_text("a finished point of an interrupted sweep\n")
    p = mpirun("sweep", BM2, *GRID, *BM2_SMALL, "-n", 2, "-q", "-o", "s.h5", cwd=tmp_path, timeout=120)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "add --resume" in p.stderr, describe(p)
    assert not (tmp_path / "s.h5").exists()


@pytest.mark.parametrize("args", [
    [BM2, "-n", 64],                                                                        # replicates over the ranks
    [MODELS / "participatiewet" / "groningen-uncertain.toml", "--draws", 64, "-o", "p.h5"],  # draws over the ranks
])
def test_mpi_run_reports_the_time_the_ranks_took_side_by_side(tmp_path, args):
    """The ranks simulate at the same time: the time `trede run` states is the time the run took,
    not the ranks' times summed, so it fits in the elapsed time of the whole job."""
    import re
    start = time.monotonic()
    p = mpirun("run", *args, "--threads", 1, cwd=tmp_path)
    elapsed = time.monotonic() - start
    assert p.returncode == 0, describe(p)
    stated = float(re.search(r"events in ([0-9.]+) s", p.stdout).group(1))
    assert 0 < stated < elapsed, (stated, elapsed, p.stdout)


def mpirun_split(first, second, cwd, timeout=120):
    """Rank 0 runs `first`, rank 1 `second` (Open MPI's MPMD form `-np 1 A : -np 1 B`): a way to
    make one rank fail where the other does not, as a machine with less memory would."""
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS", ""), "detect_leaks=0"]))
    cmd = [MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np", "1", TREDE, *map(str, first), ":",
           "-np", "1", TREDE, *map(str, second)]
    return subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, env=env)


# Rank 1 alone reports a million times (0.5 GB of result arrays per replicate of BM2), so its
# memory check fails where rank 0's passes: before the ranks agreed on failures, rank 0 waited
# for rank 1's results for ever.
TINY = ["--set", "population[0].count=50", "--set", "inflow[0].rate_per_year=50"]
HUGE_GRID = ["--set", "report.step_years=0.00001"]


def memory_bytes():
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def test_mpi_run_stops_every_rank_when_one_fails_its_memory_check(tmp_path):
    n = 2 * (memory_bytes() // 400_000_000 + 2)  # rank 1's half needs more than the machine has
    args = ["run", BM2, *TINY, "-n", n, "-q", "-o", "x.h5"]
    p = mpirun_split(args, [*args, *HUGE_GRID], cwd=tmp_path, timeout=60)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert p.stderr.count("replicates would need") == 1, describe(p)  # said once, by rank 0
    assert not (tmp_path / "x.h5").exists()


def test_mpi_sweep_stops_every_rank_when_one_fails_its_memory_check(tmp_path):
    """The points of a batch spread over the ranks (MpiExecutor::run_batch): 64 threads make
    batches of 8 points of 64 replicates, 4 points a rank, 128 GB for rank 1's."""
    args = ["sweep", BM2, *TINY, "--grid", "state[beschut_werk].capacity=1,2,3,4,5,6,7,8", "-n", 64, "--threads", 64,
            "-q", "-o", "s.h5"]
    assert 256 * 500_000_000 > memory_bytes(), "this machine would hold rank 1's batch: raise -n"
    p = mpirun_split(args, [*args, *HUGE_GRID], cwd=tmp_path, timeout=120)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert p.stderr.count("replicates would need") == 1, describe(p)
    assert not (tmp_path / "s.h5").exists()


def test_mpi_streamed_run_ends_the_job_when_one_rank_fails(tmp_path):
    """A streamed run (per-region arrays to the file in batches) does not synchronise the ranks
    between batches: the failing rank tells rank 0, which reports it and ends the job."""
    regions = MODELS / "participatiewet" / "arbeidsmarktregios.toml"
    threads = memory_bytes() // 26_000_000_000 + 1  # batches of 2 x threads replicates, 13 GB each on rank 1
    args = ["run", regions, "--set", "sample_share=0.001", "--set", "horizon_years=2", "-n", 4 * threads,
            "--threads", threads, "-q", "-o", "o.h5"]
    p = mpirun_split(args, [*args, "--set", "report.step_years=0.000002"], cwd=tmp_path, timeout=120)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)  # bad input, though rank 0 had to end the job
    assert "error: bad input on rank 1: replicates:" in p.stderr and "would need" in p.stderr, describe(p)
    assert not any(tmp_path.iterdir()), "nothing written"


@pytest.mark.parametrize("bad_rank", [0, 1])
def test_mpi_bad_input_on_one_rank_only_ends_the_job(tmp_path, bad_rank):
    """Input that differs between ranks (a machine with other files): the rank alone with its
    problem says why and ends the job; before, the others waited for it for ever."""
    good = ["run", BM2, *BM2_SMALL, "-n", 4, "-q", "-o", "x.h5"]
    bad = [*good, "--set", "horizon_years=-1"]
    start = time.monotonic()
    p = mpirun_split(*((bad, good) if bad_rank == 0 else (good, bad)), cwd=tmp_path, timeout=120)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert time.monotonic() - start < 60, describe(p)
    where = "" if bad_rank == 0 else f" on rank {bad_rank}"
    assert p.stderr.count(f"error: bad input{where} (1 problem):") == 1, describe(p)
    assert p.stderr.count("horizon_years: must be > 0") == 1, describe(p)
    # mpirun ends the other rank with SIGTERM: only rank 0 says it was interrupted, once (rank 1
    # said "interrupted: no output written" too, as if a user had stopped it)
    assert p.stderr.count("interrupted:") == (0 if bad_rank == 0 else 1), describe(p)
    assert not (tmp_path / "x.h5").exists()


@pytest.mark.parametrize("bad_rank", [0, 1])
def test_mpi_command_line_error_on_one_rank_only_ends_the_job(tmp_path, bad_rank):
    good = ["run", BM2, *BM2_SMALL, "-n", 4, "-q", "-o", "x.h5"]
    bad = [*good, "--bogus"]
    p = mpirun_split(*((bad, good) if bad_rank == 0 else (good, bad)), cwd=tmp_path, timeout=120)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert p.stderr.count("--bogus") >= 1, describe(p)
    assert (f"error: on rank {bad_rank}:" in p.stderr) == (bad_rank != 0), describe(p)
    assert not (tmp_path / "x.h5").exists()


def test_mpi_unreadable_input_is_reported_once(tmp_path):
    p = mpirun("run", tmp_path / "nergens.toml", "-n", 2, "-o", "x.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert p.stderr.count("nergens.toml") == 1, describe(p)


def test_sweep_over_a_key_that_changes_the_report_grid_is_bad_input(tmp_path):
    p = trede("sweep", BM2, "--grid", "horizon_years=5,10", *BM2_SMALL, "-n", 2, "-o", "s.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "changes the report grid or the states" in p.stderr
    assert list(tmp_path.iterdir()) == []


def test_two_sweeps_writing_one_output_exclude_each_other(tmp_path):
    """The parts directory is locked while a sweep uses it: a second sweep of the same output
    stops with a clear message (exit 2) and leaves the first one's work alone."""
    base = ["sweep", BM2, *BM2_SMALL, "-q", "-o", "s.h5", "--grid", "state[beschut_werk].capacity=1,2,3,4,5,6"]
    first = subprocess.Popen([TREDE, *map(str, base), "-n", "400", "--threads", "1"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while not (tmp_path / "s.h5.parts").exists() and time.time() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "s.h5.parts").exists(), "the first sweep never started"
        second = trede(*base, "-n", 2, "--resume", cwd=tmp_path)
        assert second.returncode == EXIT_BAD_INPUT, describe(second)
        assert "another trede sweep or PSA is writing s.h5" in second.stderr, describe(second)
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=60)
