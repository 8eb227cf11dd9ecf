"""The `trede` program: help, exit codes, validate, run, info, --set, quiet and progress output.

Exit codes (cli/main.cpp, `trede --help`): 0 success, 2 bad input, 1 anything else.
"""

import os
import pty
import re
import resource
import select
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import (BM2_SMALL, EXIT_BAD_INPUT, MODELS, TREDE, describe, leftovers, trede)

BM = MODELS / "ladder-bm.toml"
BM2 = MODELS / "ladder-bm2.toml"
# BM1 with 1,000 people: no inflow, so the number of people ever present is exactly 1,000.
BM_SMALL = ["--set", "population[0].count=1000"]


def kpi_names(path):
    with h5py.File(path, "r") as f:
        return list(f["/kpi_names"].asstr()[:])


# ---- help and argument errors ---------------------------------------------------------------

def test_top_level_help_lists_subcommands(tmp_path):
    p = trede("--help", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    for word in ("validate", "run", "info", "--version", "--help", "Exit codes"):
        assert word in p.stdout, f"{word!r} missing from trede --help\n{p.stdout}"


@pytest.mark.parametrize("sub, words", [
    ("run", ["scenario", "-n", "--replicates", "--seed", "--threads", "-o", "--output", "--set",
             "--compression", "-q", "--quiet", "--help"]),
    ("validate", ["scenario", "--set", "--help"]),
    ("info", ["file", "--help"]),
])
def test_subcommand_help_mentions_every_option(sub, words, tmp_path):
    p = trede(sub, "--help", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    tokens = set(re.findall(r"[-\w]+", p.stdout))
    for w in words:
        assert w in tokens, f"{w!r} missing from trede {sub} --help\n{p.stdout}"
    # Every option CLI11 knows appears in the help (the list above is not the only source).
    for opt in re.findall(r"^\s+(-[-\w,]+)", p.stdout, re.M):
        for o in opt.split(","):
            assert o in tokens


def test_version(tmp_path):
    p = trede("--version", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert re.match(r"^trede \d+\.\d+\.\d+", p.stdout), describe(p)


@pytest.mark.parametrize("argv", [
    [],
    ["--bogus"],
    ["frobnicate"],
    ["run"],
    ["validate"],
    ["info"],
    ["run", str(BM), "--bogus"],
    ["run", str(BM), "-n", "abc"],
    ["run", str(BM), "-n", "-3"],
    ["run", str(BM), "--seed", "x"],
    ["run", str(BM), "--threads", "two"],
    ["run", str(BM), "--set"],
    ["validate", str(BM), "extra-positional"],
], ids=lambda a: " ".join(os.path.basename(x) for x in a) or "no-arguments")
def test_usage_errors_exit_2(argv, tmp_path):
    p = trede(*argv, cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert p.stderr.strip(), f"no message for a usage error\n{describe(p)}"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv,hint", [
    (["run", str(BM), "--replicate", "5"], "unknown option '--replicate'; did you mean '-n/--replicates'?"),
    (["compare", str(BM), str(BM), "--sed", "3"], "unknown option '--sed'; did you mean '--seed'?"),
    (["sweep", str(BM), "--gird", "horizon_years=1,2", "-o", "x.h5"], "did you mean '--grid'?"),
    (["rnu", str(BM)], "unknown command 'rnu'; did you mean 'run'?"),
], ids=["--replicate", "--sed", "--gird", "rnu"])
def test_misspelt_option_or_command_gets_a_suggestion(argv, hint, tmp_path):
    p = trede(*argv, cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert hint in p.stderr, describe(p)
    assert "A subcommand is required" not in p.stderr, describe(p)  # the suggestion says it better
    assert os.listdir(tmp_path) == []


# ---- validate ---------------------------------------------------------------------------------

@pytest.mark.parametrize("model", sorted(MODELS.glob("*.toml")), ids=lambda p: p.name)
def test_validate_models(model, tmp_path):
    p = trede("validate", model, cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert f"OK: {model} is valid" in p.stdout, describe(p)
    # The summary lists the states and transitions of the file.
    text = model.read_text()
    for name in re.findall(r'^name = "([^"]+)"', text, re.M)[1:]:
        assert re.search(rf"^  {re.escape(name)}\b", p.stdout, re.M), f"state {name} not listed\n{p.stdout}"
    # Loader-generated states and transitions (separate waiting lists, reneging) come on top.
    m = re.search(r"(\d+) states, (\d+) transitions", p.stdout)
    assert m, describe(p)
    assert int(m.group(1)) >= len(re.findall(r"^\[\[state\]\]", text, re.M))
    assert int(m.group(2)) >= len(re.findall(r"^\[\[transition\]\]", text, re.M))
    assert p.stderr == ""


def test_validate_applies_set(tmp_path):
    p = trede("validate", BM2, "--set", "state[beschut_werk].capacity=123", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert re.search(r"^  beschut_werk\b.*capacity 123\b", p.stdout, re.M), describe(p)


# ---- run: option checks ---------------------------------------------------------------------

@pytest.mark.parametrize("opts, mentions", [
    (["-n", "0"], "-n: must be >= 1 (got 0)"),
    (["-n", "-2"], "-n: must be a whole number >= 1 (got '-2')"),
    (["--threads", "-1"], "--threads"),
    # A thread count in the millions crashed TBB (2,000,000,000) or ran out of memory (5,000,000).
    (["--threads", "2000000000"], "--threads: must be <= 4096 (got 2000000000)"),
    (["--threads", "5000000"], "--threads: must be <= 4096"),
    (["--compression", "10"], "--compression"),
    (["--compression", "-1"], "--compression"),
    # Numbers out of range are refused, not wrapped or cut (2^63 replicates, a seed of 2^64).
    (["-n", "9223372036854775808"], "-n: must be at most"),
    (["--seed", "18446744073709551616"], "--seed: must be at most 18446744073709551615"),
    (["--seed", "-1"], "--seed: must be a whole number >= 0"),
    # The options of a PSA are refused without --draws, not ignored.
    (["--design", "lhs"], "--design: needs --draws"),
    (["--design", "sobol"], "--design: needs --draws"),
    (["--common-streams"], "--common-streams: needs --draws"),
    (["--draws", "1"], "--draws: must be 0 (no PSA) or >= 2 (got 1)"),
    (["--draws", "-3"], "--draws: must be 0 (no PSA) or >= 2 (got -3)"),
    (["--draws", "4", "--design", "halton"], "--design: must be sobol or lhs (got \"halton\")"),
])
def test_run_bad_options_exit_2(opts, mentions, tmp_path):
    p = trede("run", BM, *BM_SMALL, *opts, "-o", "out.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert mentions in p.stderr, describe(p)
    assert os.listdir(tmp_path) == []


def test_output_into_missing_directory_exits_2(tmp_path):
    p = trede("run", BM, *BM_SMALL, "-n", "2", "-o", "no/such/dir/out.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "no/such/dir" in p.stderr, describe(p)
    assert os.listdir(tmp_path) == [], "the missing directory must not be created"


def test_output_that_is_a_directory_exits_2(tmp_path):
    (tmp_path / "out.h5").mkdir()
    p = trede("run", BM, *BM_SMALL, "-n", "2", "-o", "out.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "out.h5" in p.stderr
    assert os.listdir(tmp_path / "out.h5") == []
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("sub", ["run", "validate"])
def test_missing_scenario_file_exits_2(sub, tmp_path):
    p = trede(sub, "no_such_scenario.toml", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "no_such_scenario.toml" in p.stderr, describe(p)
    assert os.listdir(tmp_path) == []


def test_scenario_that_is_a_directory_exits_2(tmp_path):
    (tmp_path / "scen.toml").mkdir()
    p = trede("validate", "scen.toml", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "scen.toml" in p.stderr, describe(p)
    # A directory is not an empty scenario: say it cannot be read, not that keys are missing.
    assert "missing required key" not in p.stderr, describe(p)


def test_run_without_output_prints_headline_and_writes_nothing(tmp_path):
    p = trede("run", BM, *BM_SMALL, "-n", "3", "--seed", "5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert os.listdir(tmp_path) == []
    assert "3 replicates, seed 5" in p.stdout, describe(p)
    for name in ("uitstroom_werk", "persons", "trede 1", "trede 6", "regulier_werk"):
        assert name in p.stdout, describe(p)
    assert re.search(r"^\s+persons\s+1,000\s", p.stdout, re.M), describe(p)
    assert "wrote" not in p.stdout


def test_run_writes_output_and_says_so(tmp_path):
    p = trede("run", BM, *BM_SMALL, "-n", "3", "-o", "res.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert "wrote res.h5" in p.stdout, describe(p)
    assert sorted(os.listdir(tmp_path)) == ["res.h5"]
    with h5py.File(tmp_path / "res.h5", "r") as f:
        assert f.attrs["replicates"] == 3
        assert f["/replicates/occupancy"].shape[0] == 3


def test_run_replaces_existing_output(tmp_path):
    (tmp_path / "out.h5").write_bytes(b"not a result")
    p = trede("run", BM, *BM_SMALL, "-n", "2", "-q", "-o", "out.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert h5py.is_hdf5(tmp_path / "out.h5")
    assert sorted(os.listdir(tmp_path)) == ["out.h5"]


def _limit_file_size(limit):
    def pre():
        # Writes past `limit` bytes then fail with EFBIG instead of killing the process.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return pre


def test_failed_write_exits_1_and_keeps_existing_output(tmp_path):
    """A result that cannot be written (a file size limit below the reservation of its largest size) is not bad input: exit 1,
    a message naming the output, the previous file untouched, no temporary file left."""
    out = tmp_path / "out.h5"
    old = b"old result\n" * 10
    out.write_bytes(old)
    stamp = 1_500_000_000_000_000_000
    os.utime(out, ns=(stamp, stamp))
    p = trede("run", BM2, *BM2_SMALL, "-n", "6", "-q", "-o", "out.h5", cwd=tmp_path,
              preexec_fn=_limit_file_size(16 * 1024))
    assert p.returncode == 1, describe(p)
    assert "error: out.h5: writing it may need up to" in p.stderr and "more than the file size limit (16384 bytes)" in p.stderr, describe(p)
    assert out.read_bytes() == old
    assert out.stat().st_mtime_ns == stamp
    assert leftovers(tmp_path) == [], f"partial temporary file left: {leftovers(tmp_path)}"


@pytest.mark.parametrize("limit", [64 * 1024, 24 * 1024 * 1024])
def test_streamed_run_that_cannot_grow_exits_1_before_writing(tmp_path, limit):
    """A run with regions streams its file: before HDF5 writes, the room the file may need is
    checked (and reserved on disk), so a file size limit, a full disk or a quota ends in exit 1
    with a message naming the output, never in HDF5 failing half-way (which HDF5 1.10 cannot
    close cleanly). The previous output stays, no temporary is left."""
    out = tmp_path / "out.h5"
    old = b"old result\n"
    out.write_bytes(old)
    p = trede("run", MODELS / "participatiewet" / "arbeidsmarktregios.toml", "--set", "horizon_years=1",
              "--set", "sample_share=0.1", "-n", "3", "-q", "-o", "out.h5", cwd=tmp_path,
              preexec_fn=_limit_file_size(limit))
    assert p.returncode == 1, describe(p)
    assert "out.h5" in p.stderr and "file size limit" in p.stderr, describe(p)
    assert out.read_bytes() == old
    assert leftovers(tmp_path) == [], f"temporary file left: {leftovers(tmp_path)}"


def test_interrupted_run_keeps_existing_output(tmp_path):
    """SIGINT while the replicates run: the previous output stays as it was."""
    out = tmp_path / "out.h5"
    out.write_bytes(b"old")
    proc = subprocess.Popen([TREDE, "run", str(BM), *BM_SMALL, "-n", "20000", "-q", "-o", "out.h5"],
                            cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        time.sleep(0.5)
        assert proc.poll() is None, "the run finished before it could be interrupted; raise -n"
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert out.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


# ---- --set ------------------------------------------------------------------------------------

def test_set_horizon_changes_time(tmp_path):
    p = trede("run", BM, *BM_SMALL, "--set", "horizon_years=3", "-n", "2", "-q", "-o", "out.h5",
              cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    with h5py.File(tmp_path / "out.h5", "r") as f:
        assert np.array_equal(f["/time"][:], [2025.0, 2026.0, 2027.0, 2028.0])
        assert f["/replicates/occupancy"].shape[1] == 4
        assert f.attrs["horizon_years"] == 3.0
        assert f.attrs["scenario_overrides"] == "population[0].count=1000\nhorizon_years=3"
        # /scenario is the file as read; the overrides are recorded beside it.
        assert f["/scenario"][()].decode() == BM.read_text()


def test_later_set_wins_and_nested_keys_work(tmp_path):
    p = trede("run", BM, *BM_SMALL, "--set", "horizon_years=3", "--set", "horizon_years=2",
              "--set", "report.step_years=0.5", "-n", "2", "-q", "-o", "out.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    with h5py.File(tmp_path / "out.h5", "r") as f:
        assert np.array_equal(f["/time"][:], [2025.0, 2025.5, 2026.0, 2026.5, 2027.0])


def test_set_rate_changes_results(tmp_path):
    """Setting every way into work to zero leaves nobody reaching work."""
    sets = BM_SMALL[:]
    for t in ("ontwikkeltraject->afspraakbaan", "ontwikkeltraject->regulier_werk", "diagnose->beschut_werk",
              "ontwikkeltraject->beschut_werk", "tussengroep->afspraakbaan", "tussengroep->regulier_werk"):
        sets += ["--set", f"transition[{t}].rate=0"]
    p = trede("run", BM, *sets, "-n", "2", "-q", "-o", "out.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    with h5py.File(tmp_path / "out.h5", "r") as f:
        names = list(f["/kpi_names"].asstr()[:])
        kpi = f["/replicates/kpi"][:]
        assert np.all(kpi[:, names.index("persons_reaching_work")] == 0)
        assert np.all(kpi[:, names.index("persons")] == 1000)


# ---- quiet and progress -----------------------------------------------------------------------

def test_quiet_prints_nothing(tmp_path):
    p = trede("run", BM, *BM_SMALL, "-n", "3", "-q", "-o", "out.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert p.stdout == ""
    assert p.stderr == ""
    assert (tmp_path / "out.h5").exists()


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    p = trede("run", BM, *BM_SMALL, "-n", "20", "-o", "out.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert p.stderr == "", f"stderr must stay empty when it is not a terminal\n{describe(p)}"
    assert "\r" not in p.stdout
    assert "KPIs" in p.stdout


def _run_with_terminal_stderr(args, cwd):
    """Runs trede with stderr on a pseudo-terminal; returns (exit code, stdout, terminal output)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([TREDE, *map(str, args)], cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=slave)
    finally:
        os.close(slave)
    tty = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            tty += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    out, _ = proc.communicate(timeout=60)
    return proc.returncode, out.decode(), tty.decode(errors="replace")


def test_progress_bar_on_a_terminal(tmp_path):
    # A run long enough (about a second) for the bar to be drawn at least once.
    rc, out, tty = _run_with_terminal_stderr(["run", BM, "-n", "20", "--threads", "2", "-o", "out.h5"], tmp_path)
    assert rc == 0, tty
    assert "\rreplicates " in tty and "/20 [" in tty, f"no progress bar on a terminal: {tty!r}"
    assert tty.endswith("\r\x1b[K"), f"the bar must be erased when done: {tty!r}"
    assert "replicates " not in out, "the progress bar belongs on stderr"


def test_quiet_has_no_progress_bar_on_a_terminal(tmp_path):
    rc, out, tty = _run_with_terminal_stderr(["run", BM, *BM_SMALL, "-n", "20", "-q", "-o", "out.h5"],
                                             tmp_path)
    assert rc == 0, tty
    assert tty == "", f"-q must print nothing: {tty!r}"
    assert out == ""


# ---- info -------------------------------------------------------------------------------------

# A zero printed with a sign ("-0", "-0.0", "-0.000000e+00"), which the number formats never write.
NEGATIVE_ZERO = re.compile(r"-0(\.0*)?(?![.\d])")


def kpi_rows(text):
    """{kpi name: the rest of its row} of the KPI table ("KPIs..." up to a blank line)."""
    table = re.search(r"^KPIs.*\n((?:  .*\n?)+)", text, re.M).group(1)
    return {m.group(1): m.group(2) for m in re.finditer(r"^  ([a-z_0-9]+) +(\S.*\])$", table, re.M)}


def test_run_and_info_write_numbers_the_same_way(tmp_path):
    p = trede("run", BM2, *BM_SMALL, "-n", "6", "--seed", "3", "-o", "out.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    q = trede("info", "out.h5", cwd=tmp_path)
    assert q.returncode == 0, describe(q)
    shown_by_run, shown_by_info = kpi_rows(p.stdout), kpi_rows(q.stdout)
    assert len(shown_by_run) == 19 and shown_by_run == shown_by_info, f"{p.stdout}\n{q.stdout}"
    assert re.search(r"^  share_reached_work +\d+\.\d %  \[\d+\.\d %, \d+\.\d %\]$", p.stdout, re.M), p.stdout
    assert re.search(r"^  persons +\d{1,3}(,\d{3})+  ", p.stdout, re.M), p.stdout  # thousands separators
    for out in (p.stdout, q.stdout):
        assert not NEGATIVE_ZERO.search(out), out


def test_compare_and_sweep_write_no_negative_zero(tmp_path):
    """Identical scenarios differ by exactly 0 everywhere: the differences must read 0, not -0."""
    p = trede("compare", BM2, BM2, *BM_SMALL, "-n", "4", "--no-independent", "--detail", "-o", "cmp.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    q = trede("info", "cmp.h5", cwd=tmp_path)
    r = trede("sweep", BM2, *BM_SMALL, "--grid", "transition[0].rate=0.4,0.5", "-n", "3", "-o", "sw.h5", cwd=tmp_path)
    assert q.returncode == 0 and r.returncode == 0, describe(q) + describe(r)
    for out in (p.stdout, q.stdout, r.stdout):
        assert not NEGATIVE_ZERO.search(out), out
    assert re.search(r"^  share_reached_work +\d+\.\d %  +0\.0 pp  \[0\.0 pp, 0\.0 pp\]$", p.stdout, re.M), p.stdout
    # The sweep's table and info's agree on how a KPI is written.
    s = trede("info", "sw.h5", cwd=tmp_path)
    assert s.returncode == 0, describe(s)
    first = lambda text: re.search(r"^\s+0\s.*?(\S+)\s+(\S+)$", text, re.M).groups()
    assert first(r.stdout) == first(s.stdout), r.stdout + s.stdout


def test_info_prints_attributes_datasets_and_kpis(tmp_path):
    p = trede("run", BM, *BM_SMALL, "-n", "4", "--seed", "77", "-q", "-o", "out.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    q = trede("info", "out.h5", cwd=tmp_path)
    assert q.returncode == 0, describe(q)
    assert re.search(r"^\s+master_seed\s+77$", q.stdout, re.M), describe(q)
    assert re.search(r"^\s+replicates\s+4$", q.stdout, re.M), describe(q)
    assert re.search(r"^\s+/replicates/occupancy\s+int32\s+4 x 11 x 9$", q.stdout, re.M), describe(q)
    for name in kpi_names(tmp_path / "out.h5"):
        assert re.search(rf"^\s+{name}\s+\S", q.stdout, re.M), f"KPI {name} not shown\n{q.stdout}"
    assert re.search(r"^\s+persons\s+1,000\s+\[1,000, 1,000\]$", q.stdout, re.M), describe(q)
    # The KPI means shown are the ones in /summary/kpi.
    with h5py.File(tmp_path / "out.h5", "r") as f:
        table = f["/summary/kpi"][:]
    row = table[[n.decode() if isinstance(n, bytes) else n for n in table["name"]].index("share_reached_work")]
    shown = float(re.search(r"^\s+share_reached_work\s+(\S+) %", q.stdout, re.M).group(1)) / 100  # a percentage
    assert shown == pytest.approx(row["mean"], abs=5e-4)


def test_info_on_a_text_file_exits_2(tmp_path):
    (tmp_path / "notes.h5").write_text("this is not HDF5\n")
    p = trede("info", "notes.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "notes.h5" in p.stderr


def test_info_on_a_missing_file_exits_2(tmp_path):
    p = trede("info", "absent.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "absent.h5" in p.stderr


def test_info_on_a_foreign_hdf5_file_exits_2(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = np.arange(3)
    p = trede("info", "other.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "other.h5" in p.stderr


def test_info_on_a_truncated_result_exits_2(tmp_path):
    p = trede("run", BM, *BM_SMALL, "-n", "4", "-q", "-o", "out.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    data = (tmp_path / "out.h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 2])
    q = trede("info", "cut.h5", cwd=tmp_path)
    assert q.returncode == EXIT_BAD_INPUT, describe(q)
    assert "cut.h5" in q.stderr


def test_run_trajectories_replay_to_the_recorded_occupancy(tmp_path):
    """--trajectories N: every change of state of the first N people; with N above the number of
    people, replaying them gives /replicates/occupancy exactly at every report time."""
    p = trede("run", BM2, *BM2_SMALL, "-n", 2, "--seed", 9, "-q", "--trajectories", 10**9, "-o", "t.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    with h5py.File(tmp_path / "t.h5", "r") as f:
        t = {k: f["trajectories"][k][()] for k in ("replicate", "person", "time", "from", "to", "offsets")}
        occ, times = f["replicates/occupancy"][()], f["time"][()]
        assert f["trajectories/people_per_replicate"][0] == 10**9
    R, T, S = occ.shape
    assert t["offsets"].tolist()[0] == 0 and t["offsets"][-1] == len(t["time"])
    for r in range(R):
        mine = t["replicate"] == r
        assert np.all(np.diff(t["time"][mine]) >= 0), "time order within a replicate"
        for i, when in enumerate(times):
            sel = mine & (t["time"] <= when)
            o = np.bincount(t["to"][sel], minlength=S) - np.bincount(t["from"][sel][t["from"][sel] >= 0], minlength=S)
            np.testing.assert_array_equal(o, occ[r, i], err_msg=f"replicate {r}, time {when}")


def test_run_trajectories_must_not_be_negative(tmp_path):
    p = trede("run", BM2, *BM2_SMALL, "-n", 1, "--trajectories", -1, "-o", "t.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "--trajectories" in p.stderr
    assert not (tmp_path / "t.h5").exists()


def test_compare_rejects_scenarios_with_different_report_grids_before_running(tmp_path):
    (tmp_path / "short.toml").write_text(f'extends = "{BM}"\nname = "short"\nhorizon_years = 5\n')
    (tmp_path / "cmp.h5").write_bytes(b"keep me")
    p = trede("compare", BM, "short.toml", *BM_SMALL, "-n", 2, "-o", "cmp.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "short.toml" in p.stderr and "report" in p.stderr
    assert (tmp_path / "cmp.h5").read_bytes() == b"keep me"


def test_a_sampled_run_says_what_its_numbers_are(tmp_path):
    """sample_share: the run states the share, and the file carries it (12.4)."""
    p = trede("run", BM2, *BM_SMALL, "--set", "sample_share=0.5", "-n", "2", "-o", "half.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert "sample: 50 % of the population (sample_share 0.5)" in p.stdout and "divide by 0.5" in p.stdout, p.stdout
    full = trede("run", BM2, *BM_SMALL, "-n", "2", "-q", "-o", "full.h5", cwd=tmp_path)
    assert full.returncode == 0 and "sample:" not in full.stdout
    import h5py
    with h5py.File(tmp_path / "half.h5") as f, h5py.File(tmp_path / "full.h5") as g:
        assert f.attrs["sample_share"] == 0.5 and g.attrs["sample_share"] == 1.0
        # people: half the population (1000 -> 500 at the start)
        assert f["replicates/kpi"].shape == g["replicates/kpi"].shape


def test_psa_comparison_leaves_out_only_the_block_too_large_for_its_draws(tmp_path):
    """32 draws are too few for a regression on the national model's 29-key calibration group,
    but enough for every single key: the sensitivity table keeps the keys and leaves out the
    group, with a note, as the EVPPI table does (it used to drop the whole table)."""
    p = trede("compare", MODELS / "participatiewet" / "nederland-effects.toml", "--organisation-models",
              "partieel,gecombineerd", "--draws", 32, "--set", "sample_share=0.002", "-o", "c.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    group = "calibration of nederland.toml"
    assert f"note: sensitivity of {group} not estimated: SplineSmoother: 32 draws are too few" in p.stdout, describe(p)
    assert "what drives the difference" in p.stdout, describe(p)
    lines = p.stdout.splitlines()
    header = lines[next(i for i, x in enumerate(lines) if "what drives the difference" in x) + 1]
    with h5py.File(tmp_path / "c.h5", "r") as f:
        # the sensitivity columns are headed by the scenario each compares with the reference
        assert header.strip() == f["scenario_names"][1].decode(), (header, describe(p))
        blocks = [x.decode() for x in f["draws/block_names"][()]]
        kept = [x.decode() for x in f["decision/sensitivity/groups"][()]]
        evppi = [x.decode() for x in f["decision/evppi/groups"][()]]
        assert group in blocks
        assert kept == [b for b in blocks if b != group] == evppi
        assert f["decision/sensitivity/effect"].shape == (1, len(kept))
        assert np.isfinite(f["decision/sensitivity/effect"][()]).all()


def test_info_splits_a_psa_variance_as_run_prints_it(tmp_path):
    """`trede info` of a PSA file gives each KPI's parameter share and the standard deviation
    split into its parts, the figures `trede run --draws` printed."""
    scenario = MODELS / "participatiewet" / "groningen-uncertain.toml"
    p = trede("run", scenario, "--draws", 8, "-n", 2, "--threads", 1, "-o", "p.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    line = next(x for x in p.stdout.splitlines() if x.strip().startswith("uitstroom_werk") and "Monte Carlo" in x)
    sd, sd_par, sd_mc = re.search(r"sd (\S+): parameter (\S+), Monte Carlo (\S+)$", line).groups()
    i = trede("info", "p.h5", cwd=tmp_path)
    assert i.returncode == 0, describe(i)
    row = next(x for x in i.stdout.splitlines() if x.strip().startswith("uitstroom_werk") and "Monte Carlo" in x)
    assert row == line, (line, row)  # the same numbers in the same form
    assert f" sd {sd}: parameter {sd_par}, Monte Carlo {sd_mc}" in row, (line, row)
    # ... under the same titles
    for title in ("KPIs over every draw and replicate", "variance of each KPI: the parameter part's share"):
        assert title in p.stdout and title in i.stdout, describe(i)


@pytest.mark.parametrize("args", [
    ["compare", BM, BM, "-n", "2", "--common-streams"],
    ["compare", BM, BM, "-n", "2", "--design", "lhs"],
    # a sweep's own Latin hypercube is --lhs; --design is the design of a PSA's draws
    ["sweep", BM, "--lhs", "population[0].count=10:20", "--points", "2", "--design", "lhs", "-o", "s.h5"],
    ["sweep", BM, "--grid", "population[0].count=10,20", "--common-streams", "-o", "s.h5"],
])
def test_psa_options_without_draws_are_refused(args, tmp_path):
    p = trede(*args, cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert ": needs --draws" in p.stderr, describe(p)
    assert os.listdir(tmp_path) == [], describe(p)


@pytest.mark.parametrize("opts, note", [
    (["-n", 1], "(one replicate per draw: the variance is not split"),
    (["-n", 2, "--common-streams"], "common streams: the Monte Carlo part rests on the 2 streams every draw shares"),
])
def test_run_and_info_say_what_a_psa_split_leaves_out(opts, note, tmp_path):
    """What the split cannot show (one replicate per draw) or how far it holds (common streams):
    said by `trede run --draws` and again by `trede info` of its file."""
    scenario = MODELS / "participatiewet" / "groningen-uncertain.toml"
    p = trede("run", scenario, "--draws", 4, *opts, "--threads", 1, "--set", "horizon_years=1", "-o", "p.h5",
              cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    i = trede("info", "p.h5", cwd=tmp_path)
    assert i.returncode == 0, describe(i)
    assert p.stdout.count(note) == 1 and i.stdout.count(note) == 1, (p.stdout, i.stdout)
    independent = trede("run", scenario, "--draws", 4, "-n", 2, "--threads", 1, "--set", "horizon_years=1",
                        "-o", "q.h5", cwd=tmp_path)
    assert "common streams:" not in independent.stdout and "one replicate per draw" not in independent.stdout


def test_a_refused_sweep_leaves_no_parts_directory(tmp_path):
    """A sweep refused after its parts directory was made (a key both swept and drawn) leaves
    nothing behind, as every other bad input does."""
    scenario = MODELS / "participatiewet" / "groningen-uncertain.toml"
    p = trede("sweep", scenario, "--grid", "handover[0].leakage=0.1,0.2", "--draws", 4, "-o", "s.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "a key is either swept or drawn" in p.stderr, describe(p)
    assert sorted(x.name for x in tmp_path.iterdir()) == [], describe(p)


def test_a_finished_sweep_removes_only_its_own_parts(tmp_path):
    """<o>.parts/ is where a sweep keeps its finished points; files someone else put there (a
    note, a subdirectory) are left, with the directory, and a note names them; the parts go."""
    parts = tmp_path / "n.h5.parts"
    (parts / "sub").mkdir(parents=True)
    (parts / "notes.txt").write_text("mine\n")
    (parts / "sub" / "y.txt").write_text("mine too\n")
    args = ["sweep", MODELS / "ladder-bm.toml", "--set", "population[0].count=100",
            "--grid", "transition[0].rate=0.1,0.2", "-n", 1, "-o", "n.h5"]
    p = trede(*args, cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert (tmp_path / "n.h5").is_file()
    assert sorted(str(x.relative_to(parts)) for x in parts.rglob("*")) == ["notes.txt", "sub", "sub/y.txt"]
    assert (parts / "notes.txt").read_text() == "mine\n"
    assert "n.h5.parts: kept, with what a sweep did not write there (notes.txt, sub)" in p.stderr, describe(p)
    # Without such files the directory goes, as before.
    p = trede(*args[:-1], "m.h5", cwd=tmp_path)
    assert p.returncode == 0 and not (tmp_path / "m.h5.parts").exists(), describe(p)


UNCERTAIN = MODELS / "participatiewet" / "groningen-uncertain.toml"
CAL = MODELS / "calibration"


@pytest.mark.parametrize("args, message", [
    # numbers out of range are refused as typed, naming the option (not clamped, not std::bad_alloc)
    (["run", UNCERTAIN, "--draws", "5000000000", "--design", "lhs", "-o", "p.h5"], "--draws: must be at most 4294967296 (got 5000000000)"),
    (["run", UNCERTAIN, "--draws", "99999999999999999999", "-o", "p.h5"], "--draws: must be at most 4294967296 (got 99999999999999999999)"),
    (["run", UNCERTAIN, "--draws", "2000000000", "--design", "lhs", "-o", "p.h5"], "more than half this machine's memory"),
    (["compare", BM, BM, "-n", "2", "--wtp-max", "1e307"], "--wtp-max: must be a positive number of euros per unit of effect, at most 1e15"),
    (["compare", BM, BM, "-n", "1"], "-n: must be >= 2 (got 1)"),  # the option, not the library's key
    (["calibrate", CAL / "ladder4.toml", "--targets", CAL / "targets.json", "-n", "-5"], "-n: must be a whole number >= 2 (got '-5')"),
    (["calibrate", CAL / "ladder4.toml", "--targets", CAL / "targets.json", "--seed", "-7"], "--seed: must be a whole number >= 0 (got '-7')"),
    (["calibrate", CAL / "ladder4.toml", "--targets", CAL / "targets.json", "-n", "99999999999999999999999"], "-n: must be at most 4294967296"),
    # options that would change nothing in the mode chosen are refused, not ignored
    (["calibrate", CAL / "ladder4.toml", "--targets", CAL / "targets.json", "--starts", "7"], "--starts: applies to panel-data fits only"),
    (["calibrate", CAL / "ladder4.toml", "--data", CAL / "panel.csv", "-n", "5"], "-n: applies to --targets fits only"),
    (["calibrate", CAL / "ladder4.toml", "--data", CAL / "panel.csv", "--exact", "--exact-absorbing"], "--exact-absorbing: applies to panel-data fits only"),
    (["sweep", BM, "--grid", "population[0].count=10,20", "--points", "7", "-o", "s.h5"], "--points: applies to --lhs only"),
    (["run", BM, "-n", "2", "--trajectories", "5"], "--trajectories: the traced life courses are written to -o"),
    (["run", BM, "-n", "2", "--compression", "9"], "--compression: applies to the output file: give -o"),
    (["compare", BM, BM, "-n", "2", "-q", "--detail"], "--detail: prints tables, which -q turns off"),
    (["help", "nosuch"], "help: no command 'nosuch'"),
    # a problem of a --set-for is the --set-for typed, with its scenario
    (["compare", BM, BM, "-n", "2", "--set-for", "2:horizn=2"], "--set-for '2:horizn=2' ("),
])
def test_option_values_and_combinations_that_mean_nothing_are_refused(args, message, tmp_path):
    p = trede(*args, cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert message in p.stderr, describe(p)
    assert p.stderr.count(message) == 1, describe(p)
    assert os.listdir(tmp_path) == [], describe(p)


def test_help_command_is_the_commands_help(tmp_path):
    for cmd in ("run", "sweep", "calibrate"):
        a, b = trede("help", cmd, cwd=tmp_path), trede(cmd, "--help", cwd=tmp_path)
        assert a.returncode == 0 and a.stdout == b.stdout and f" {cmd} [OPTIONS]" in a.stdout, describe(a)
    assert trede("help", cwd=tmp_path).stdout == trede("--help", cwd=tmp_path).stdout
