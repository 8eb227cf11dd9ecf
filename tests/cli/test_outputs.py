"""Outputs never destroy inputs; interrupted writes leave nothing behind (docs/reliability.md).

1. An output that is, by file identity (the same name, `./` and `../d/` spellings, symbolic
   and hard links), one of the command's inputs or another of its outputs is refused with exit 2
   before any work, the message naming both; every file stays byte for byte as it was.
2. SIGINT or SIGTERM while the result is being written: exit 130 or 143, "interrupted: no
   output written", no temporary left, the old output intact. After SIGKILL the temporary stays;
   the next write of the same output removes it and says so.
3. A command with two outputs (calibrate -o and --report) that cannot write the second writes
   neither (a file-size limit stands in for a full disk).
"""

import os
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXIT_BAD_INPUT, MODELS, PYTHON_PACKAGE_DIR, TREDE, describe, trede

TINY = """\
name = "tiny"
start_year = 2025.0
horizon_years = 2.0

[report]
step_years = 1.0

[attributes]
leeftijd = { type = "age", default = 40 }

[[state]]
name = "bijstand"
trede = 2
functionality = "inkomen"

[[state]]
name = "werk"
trede = 6

[[transition]]
from = "bijstand"
to = "werk"
rate = 0.5

[[transition]]
from = "werk"
to = "bijstand"
rate = 0.2
"""

POPULATION = '\n[[population]]\nstate = "bijstand"\ncount = 200\n'


def snapshot(directory):
    """Every file below `directory` with its bytes (symbolic links as their target)."""
    files = {}
    for p in sorted(Path(directory).rglob("*")):
        if p.is_symlink():
            files[str(p.relative_to(directory))] = ("link", os.readlink(p))
        elif p.is_file():
            files[str(p.relative_to(directory))] = p.read_bytes()
    return files


@pytest.fixture
def work(tmp_path):
    """A directory with a scenario, a scenario that extends it with a population CSV, a result
    file, calibration inputs, and links to some of them."""
    (tmp_path / "s.toml").write_text(TINY + POPULATION)
    (tmp_path / "pop.csv").write_text("state,leeftijd\nbijstand,30\nbijstand,40\nwerk,50\n")
    (tmp_path / "child.toml").write_text('extends = "s.toml"\nname = "child"\n\n[[population]]\ncsv = "pop.csv"\n')
    (tmp_path / "b.toml").write_text(TINY.replace('"tiny"', '"b"').replace("rate = 0.5", "rate = 0.6") + POPULATION)
    p = trede("run", "s.toml", "-n", "2", "-q", "-o", "r.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    os.link(tmp_path / "s.toml", tmp_path / "hard.toml")
    os.symlink("s.toml", tmp_path / "soft.toml")
    (tmp_path / "sub").mkdir()
    for name in ("ladder4.toml", "panel.csv", "targets.json"):
        (tmp_path / name).write_bytes((MODELS / "calibration" / name).read_bytes())
    return tmp_path


def refused(work, args, cwd=None, must_name=()):
    """Runs trede ARGS, which must be refused: exit 2, stderr naming `must_name`, no file changed."""
    before = snapshot(work)
    p = trede(*args, cwd=cwd or work)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "an output may not replace" in p.stderr or "holds" in p.stderr, describe(p)
    for text in must_name:
        assert text in p.stderr, f"expected {text!r} in stderr\n{describe(p)}"
    assert snapshot(work) == before, "a file changed although the command was refused"
    return p


CASES = {
    # name: (args, words the message must contain)
    "run over its scenario": (["run", "s.toml", "-o", "s.toml"], ["-o: 's.toml'", "scenario 's.toml'"]),
    "run over a hard link to its scenario": (["run", "s.toml", "-o", "hard.toml"], ["'hard.toml'", "scenario 's.toml'"]),
    "run over a symbolic link to its scenario": (["run", "s.toml", "-o", "soft.toml"], ["'soft.toml'", "'s.toml'"]),
    "run over ./ its scenario": (["run", "s.toml", "-o", "./s.toml"], ["'./s.toml'", "scenario 's.toml'"]),
    "run over the file it extends": (["run", "child.toml", "-o", "s.toml"], ["-o: 's.toml'", "extends"]),
    "run over its population CSV": (["run", "child.toml", "-o", "pop.csv"], ["-o: 'pop.csv'", "population file"]),
    "compare over one of its scenarios": (["compare", "s.toml", "b.toml", "-n", "2", "-o", "b.toml"],
                                          ["-o: 'b.toml'", "scenario 'b.toml'"]),
    "sweep over its scenario": (["sweep", "s.toml", "--grid", "transition[0].rate=0.1,0.2", "-n", "2", "-o", "s.toml"],
                                ["-o: 's.toml'", "scenario 's.toml'"]),
    "calibrate over its scenario": (["calibrate", "ladder4.toml", "--data", "panel.csv", "-o", "ladder4.toml"],
                                    ["-o: 'ladder4.toml'", "scenario 'ladder4.toml'"]),
    "calibrate report over its data": (["calibrate", "ladder4.toml", "--data", "panel.csv", "--report", "panel.csv"],
                                       ["--report: 'panel.csv'", "--data 'panel.csv'"]),
    "calibrate report over its targets": (["calibrate", "ladder4.toml", "--targets", "targets.json", "--report",
                                           "./targets.json"], ["--report: './targets.json'", "--targets 'targets.json'"]),
    "calibrate -o equal to --report": (["calibrate", "ladder4.toml", "--data", "panel.csv", "-o", "fit.h5", "--report",
                                        "./fit.h5"], ["--report: './fit.h5'", "-o 'fit.h5'", "another output"]),
    "calibrate -o equal to an existing --report": (["calibrate", "ladder4.toml", "--data", "panel.csv", "-o", "r.h5",
                                                    "--report", "r.h5"], ["--report: 'r.h5'", "-o 'r.h5'"]),
    "report over its result": (["report", "r.h5", "-o", "r.h5"], ["-o: 'r.h5'", "FILE 'r.h5'"]),
    "report over a hard link to its result": (["report", "hard.toml", "-o", "s.toml"], ["-o: 's.toml'", "FILE 'hard.toml'"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_output_that_is_an_input_is_refused(work, case):
    args, words = CASES[case]
    refused(work, args, must_name=words)


def test_python_report_over_its_result_is_refused(work):
    """python3 -m trede.report, the Python side of `trede report`, refuses the same."""
    os.link(work / "r.h5", work / "r-link.h5")
    env = dict(os.environ, PYTHONPATH=PYTHON_PACKAGE_DIR)
    for out in ("r.h5", "./r-link.h5"):
        before = snapshot(work)
        p = subprocess.run([sys.executable, "-m", "trede.report", "r.h5", "-o", out], cwd=work, env=env,
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == EXIT_BAD_INPUT, describe(p)
        assert f"-o: '{out}' is the same file as FILE 'r.h5'" in p.stderr, describe(p)
        assert snapshot(work) == before


def test_dotdot_spelling_is_the_same_file(work):
    refused(work, ["run", "../s.toml", "-o", "../sub/../s.toml"], cwd=work / "sub", must_name=["'../sub/../s.toml'"])


def test_report_default_output_equal_to_its_input_is_refused(work):
    (work / "r.html").write_bytes((work / "r.h5").read_bytes())
    refused(work, ["report", "r.html"], must_name=["FILE 'r.html'"])


def test_sweep_scenario_inside_its_parts_directory_is_refused(work):
    (work / "out.h5.parts").mkdir()
    (work / "out.h5.parts" / "s.toml").write_text(TINY + POPULATION)
    refused(work, ["sweep", "out.h5.parts/s.toml", "--grid", "transition[0].rate=0.1,0.2", "-n", "2", "-o", "out.h5"],
            must_name=["-o (its parts directory): 'out.h5.parts' is written and removed", "'out.h5.parts/s.toml'"])


SPECIAL_OUTPUTS = {
    # name: args with OUT where the output goes
    "run -o": ["run", "s.toml", "-n", "2", "-o", "OUT"],
    "compare -o": ["compare", "s.toml", "b.toml", "-n", "2", "-o", "OUT"],
    "sweep -o": ["sweep", "s.toml", "--grid", "transition[0].rate=0.1,0.2", "-n", "2", "-o", "OUT"],
    "calibrate -o": ["calibrate", "ladder4.toml", "--data", "panel.csv", "-o", "OUT"],
    "calibrate --report": ["calibrate", "ladder4.toml", "--data", "panel.csv", "--report", "OUT"],
    "report -o": ["report", "r.h5", "-o", "OUT"],
}


@pytest.mark.parametrize("case", sorted(SPECIAL_OUTPUTS))
def test_an_output_that_is_a_device_or_a_pipe_is_refused_and_left_alone(work, case):
    """The output is written to a temporary file renamed over it: over a named pipe or a device
    (/dev/null) that would put a regular file in its place (as root, /dev/null itself). Both are
    refused before any work, exit 2, and stay what they were; so is an empty name (-o '')."""
    os.mkfifo(work / "pipe")
    specials = {"pipe": "named pipe"}
    if os.geteuid() == 0:  # a character device can be made by root only: a second /dev/null
        os.mknod(work / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        specials["null"] = "device"
    for name in specials:
        args = [name if a == "OUT" else a for a in SPECIAL_OUTPUTS[case]]
        p = trede(*args, cwd=work)
        assert p.returncode == EXIT_BAD_INPUT, describe(p)
        assert "is not a regular file (a device, named pipe or socket)" in p.stderr, describe(p)
        mode = os.lstat(work / name).st_mode
        assert stat.S_ISFIFO(mode) if name == "pipe" else stat.S_ISCHR(mode), f"{name} was replaced"
    p = trede(*["" if a == "OUT" else a for a in SPECIAL_OUTPUTS[case]], cwd=work)
    assert p.returncode == EXIT_BAD_INPUT and "is empty" in p.stderr, describe(p)
    assert temporaries(work) == []


def test_an_export_into_a_pipe_or_over_a_directory_writes_nothing(work):
    """trede export --force writes all its files or none: a named pipe or a directory where one
    of them goes is refused (exit 2) before any file is written, naming that file."""
    for kind in ("pipe", "directory"):
        out = work / f"ex-{kind}"
        out.mkdir()
        (os.mkfifo if kind == "pipe" else os.mkdir)(out / "r_kpi.csv")
        p = trede("export", "r.h5", "--format", "csv", "-o", out.name, "--force", cwd=work)
        assert p.returncode == EXIT_BAD_INPUT, describe(p)
        assert f"r_kpi.csv: is {'not a regular file' if kind == 'pipe' else 'a directory'}" in p.stderr, describe(p)
        assert sorted(x.name for x in out.iterdir()) == ["r_kpi.csv"], "an export file was written"
    p = trede("export", "r.h5", "--format", "csv", "-o", "", cwd=work)
    assert p.returncode == EXIT_BAD_INPUT and "is empty" in p.stderr, describe(p)


def test_distinct_outputs_are_accepted(work):
    p = trede("run", "child.toml", "-n", "2", "-q", "-o", "sub/child.h5", cwd=work)
    assert p.returncode == 0, describe(p)


# ---- interruption ------------------------------------------------------------------------------

# A result of about 100 MB (no compression, every change of state of 20,000 people per replicate
# recorded): writing it takes long enough to be caught in the act.
BIG_RUN = ["run", str(MODELS / "ladder-bm.toml"), "-n", "24", "--seed", "3", "--threads", "2", "--compression", "0",
           "--trajectories", "20000", "-q", "-o", "out.h5"]


def temporaries(directory):
    return sorted(p.name for p in Path(directory).iterdir() if ".tmp-" in p.name)


def start_and_catch_writing(directory, args, min_bytes=0):
    """Starts trede ARGS and returns (process, temporary name) as soon as its temporary exists
    and holds more than `min_bytes` (the result is then being written: a streamed result's
    temporary is created, empty, when the run starts)."""
    proc = subprocess.Popen([TREDE, *args], cwd=directory, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        tmp = temporaries(directory)
        try:
            if tmp and (directory / tmp[0]).stat().st_size > min_bytes:
                return proc, tmp[0]
        except FileNotFoundError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.0005)
    proc.kill()
    out, err = proc.communicate()
    pytest.fail(f"never saw the temporary file being written (exit {proc.returncode})\n{err}")


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_write_leaves_no_temporary_and_the_old_file(tmp_path, sig, code):
    p = trede("run", str(MODELS / "ladder-bm.toml"), "-n", "2", "-q", "-o", "out.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    old = (tmp_path / "out.h5").read_bytes()
    # Caught while the 100 MB result is written: more than 4 MB in its temporary.
    proc, tmp = start_and_catch_writing(tmp_path, BIG_RUN, min_bytes=4_000_000)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, f"exit {proc.returncode}\n{err}"
    assert "interrupted: no output written" in err, err
    assert temporaries(tmp_path) == [], f"{tmp} was left behind"
    assert (tmp_path / "out.h5").read_bytes() == old, "the old output changed"


def test_stale_temporary_of_a_killed_run_is_removed_by_the_next_write(tmp_path):
    proc, tmp = start_and_catch_writing(tmp_path, BIG_RUN)
    proc.kill()  # SIGKILL: nothing can clean up
    proc.communicate(timeout=60)
    assert tmp in temporaries(tmp_path), "the killed run left no temporary: the test proves nothing"
    p = trede("run", str(MODELS / "ladder-bm.toml"), "-n", "2", "-q", "-o", "out.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert f"note: removed '{tmp}'" in p.stderr and f"process {proc.pid}" in p.stderr, describe(p)
    assert temporaries(tmp_path) == []


def test_the_rename_into_place_is_made_durable(tmp_path):
    """After the rename, the directory is synced, so that the new name survives a power loss
    (not only the file's data, synced before the rename)."""
    # LeakSanitizer (the asan build) cannot run under ptrace and aborts at exit: leaks are not
    # what this test is about.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS", ""), "detect_leaks=0"]))
    p = subprocess.run(["strace", "-f", "-e", "trace=fsync,rename,openat", TREDE, "run", str(MODELS / "ladder-bm.toml"),
                        "--set", "population[0].count=100", "-n", "2", "-q", "-o", "out.h5"],
                       cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, describe(p)
    import re
    calls = [re.sub(r"\s+= ", " = ", line.split("] ", 1)[-1]) for line in p.stderr.splitlines()]  # strace pads results
    renamed = [i for i, c in enumerate(calls) if re.fullmatch(r'rename\("out\.h5\.tmp-\d+-\d+", "out\.h5"\) = 0', c)]
    assert len(renamed) == 1, p.stderr
    i = renamed[0]
    assert any(re.fullmatch(r"fsync\(\d+\) = 0", c) for c in calls[:i]), "the file's data were not synced before the rename"
    opened = [j for j in range(i + 1, len(calls)) if re.fullmatch(r'openat\(AT_FDCWD, "\.", .*O_DIRECTORY.*\) = \d+', calls[j])]
    assert opened, f"the directory was not opened after the rename:\n{p.stderr}"
    fd = calls[opened[0]].rsplit(" = ", 1)[1]
    assert f"fsync({fd}) = 0" in calls[opened[0] + 1:], f"the directory was not synced:\n{p.stderr}"


def test_temporary_of_a_running_process_is_kept(tmp_path):
    live = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / f"out.h5.tmp-{live.pid}-0").write_bytes(b"in progress")
        p = trede("run", str(MODELS / "ladder-bm.toml"), "-n", "2", "-q", "-o", "out.h5", cwd=tmp_path)
        assert p.returncode == 0, describe(p)
        assert "removed" not in p.stderr, describe(p)
        assert temporaries(tmp_path) == [f"out.h5.tmp-{live.pid}-0"]
    finally:
        live.kill()
        live.wait()


# ---- two outputs: both or neither --------------------------------------------------------------

CALIBRATE = ["calibrate", "ladder4.toml", "--data", "panel.csv", "--starts", "1", "-q", "-o", "fit.toml",
             "--report", "fit.h5"]


def limited_file_size(limit):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("existing", [False, True], ids=["new", "replacing"])
def test_calibrate_writes_both_outputs_or_neither(work, existing):
    if existing:
        p = trede(*CALIBRATE, cwd=work)
        assert p.returncode == 0, describe(p)
        assert (work / "fit.toml").stat().st_size < (work / "fit.h5").stat().st_size
    size_toml = len((MODELS / "calibration" / "ladder4.toml").read_bytes())
    before = snapshot(work)
    # A limit the calibrated scenario (a few kB) fits under and the HDF5 report does not: the
    # second output fails after the first was written in full.
    p = trede(*CALIBRATE, cwd=work, preexec_fn=limited_file_size(4 * size_toml + 4096))
    assert p.returncode == 1, describe(p)
    assert "neither fit.toml nor fit.h5 was written" in p.stderr, describe(p)
    assert temporaries(work) == []
    assert snapshot(work) == before, "an output changed although the command failed"


@pytest.mark.parametrize("how", ["ctrl-c", "sigint", "sigterm"])
@pytest.mark.parametrize("command", ["report", "export"])
def test_ctrl_c_during_report_or_export_says_one_line_and_writes_nothing(work, command, how):
    """Ctrl-C reaches the whole process group (trede and the Python it runs); `kill -INT` and
    `kill` reach trede alone, which hands them on. Either way: exit 128 + the signal, one line,
    no Python traceback, and no output or temporary, at any moment of the run (Python's start-up
    included), or, when the outputs were already in place, a line that says they are complete."""
    args = {"report": ["report", "r.h5", "-o", "out.html"],
            "export": ["export", "r.h5", "--format", "csv", "-o", "out"]}[command]
    sig = signal.SIGTERM if how == "sigterm" else signal.SIGINT
    interrupted = 0
    for delay in (0.05, 0.15, 0.3, 0.6, 1.2):
        for p in (work / "out.html", *(work / "out").glob("*")):
            p.unlink(missing_ok=True)
        proc = subprocess.Popen([TREDE, *args], cwd=work, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        time.sleep(delay)
        (os.killpg if how == "ctrl-c" else os.kill)(proc.pid, sig)
        out, err = proc.communicate(timeout=120)
        written = (work / "out.html").exists() or bool(list((work / "out").glob("*.csv")))
        if proc.returncode == 0:  # finished before the signal
            assert written and err == "", err
            continue
        if proc.returncode == -sig:  # the signal came before trede had started (slow under ASan): as any program
            assert not written and err == "", err
            continue
        interrupted += 1
        assert proc.returncode == 128 + sig, (proc.returncode, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err, err
        if written:
            assert lines[0].startswith("interrupted: outputs already written are complete"), err
        else:
            assert lines[0] == "interrupted: no output written", err
        assert temporaries(work) == [] and not list((work / "out").glob("*tmp-*"))
    assert interrupted >= 1


def test_an_interruption_a_library_swallows_still_stops_the_writing(tmp_path):
    """A library may catch the KeyboardInterrupt itself (matplotlib's rc validation does): the
    signal is noted all the same (trede._launch), nothing is renamed into place, and the command
    says so, with 130."""
    script = tmp_path / "swallow.py"
    script.write_text(
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from trede import _files, _launch\n"
        "def main(argv):\n"
        "    try:\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})\n"
        "    except BaseException:\n"
        "        pass  # swallowed, as a library might\n"
        "    _files.write_all([(Path('out.txt'), lambda tmp: tmp.write_text('x'))], 'the test')\n"
        "    return 0\n"
        "sys.exit(_launch.run(main))\n")
    p = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=dict(os.environ, PYTHONPATH=PYTHON_PACKAGE_DIR),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 130, describe(p)
    assert p.stderr.strip() == "interrupted: no output written", describe(p)
    assert not (tmp_path / "out.txt").exists() and not list(tmp_path.glob("*out.txt.tmp-*"))


def test_the_python_writers_remove_what_a_killed_writer_left(tmp_path):
    """The report, export and calibrated-scenario writers (trede._files) name their temporaries as
    the library does, and remove, before writing, those of a process that is gone (as `trede run`
    does); a temporary of a process still running is kept."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    live = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / f"out.txt.tmp-{dead.pid}").write_bytes(b"left by a killed report")
        (tmp_path / f"out.txt.tmp-{live.pid}").write_bytes(b"in progress")
        script = ("from pathlib import Path\nfrom trede import _files\n"
                  "_files.write_all([(Path('out.txt'), lambda tmp: tmp.write_text('x'))], 'the test')\n")
        p = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ, PYTHONPATH=PYTHON_PACKAGE_DIR),
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, describe(p)
        assert (tmp_path / "out.txt").read_text() == "x"
        assert temporaries(tmp_path) == [f"out.txt.tmp-{live.pid}"]
        assert f"note: removed 'out.txt.tmp-{dead.pid}'" in p.stderr and str(live.pid) not in p.stderr, describe(p)
    finally:
        live.kill()
        live.wait()
