"""The progress bar in a real terminal (tmux, 60 columns): it never wraps, names what it counts,
is erased when the work is done, and Ctrl-C ends its line with "interrupted: no output written".

tmux (installed by scripts/install-deps.sh) runs the command in a pane of its own server
(`tmux -L <name>`, so a user's sessions are never touched); `capture-pane` reads the screen. A
line that wrapped shows up as two rows without -J and as one row with -J, so comparing the
number of rows of the two captures finds wrapping whatever the text is.
"""

import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import MODELS, TREDE

COLUMNS = 60
TMUX = shutil.which("tmux")


class Pane:
    def __init__(self, tmp_path, command):
        if not TMUX:
            pytest.fail("tmux is missing: scripts/install-deps.sh installs it")
        self.server = f"trede-test-{os.getpid()}-{time.monotonic_ns()}"
        self.dir = tmp_path
        # The command's stdout goes to a file: the pane shows stderr (the bar) and the exit code.
        script = f"cd {shlex.quote(str(tmp_path))} && {command} > stdout.txt; echo EXIT=$?; sleep 600"
        self.tmux("new-session", "-d", "-s", "t", "-x", str(COLUMNS), "-y", "20", script)

    def tmux(self, *args):
        return subprocess.run([TMUX, "-L", self.server, "-f", "/dev/null", *args], check=True, capture_output=True,
                              text=True, timeout=30).stdout

    def rows(self, joined=False):
        """The screen's rows, trailing blanks and empty rows at the end removed."""
        text = self.tmux("capture-pane", "-p", *(["-J"] if joined else []), "-t", "t")
        rows = [r.rstrip() for r in text.split("\n")]
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def close(self):
        subprocess.run([TMUX, "-L", self.server, "kill-server"], capture_output=True, timeout=30)


def watch(pane, until, timeout=180):
    """Captures the screen every 50 ms until `until(rows)`; returns every distinct capture."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows, joined, again = pane.rows(), pane.rows(joined=True), pane.rows()
        if rows != again:
            continue  # the screen changed between the captures: compare a still one
        assert len(rows) == len(joined), f"a line wrapped in a {COLUMNS}-column terminal:\n" + "\n".join(rows)
        assert all(len(r) <= COLUMNS for r in rows), rows
        if not seen or seen[-1] != rows:
            seen.append(rows)
        if until(rows):
            return seen
        time.sleep(0.05)
    pytest.fail("timed out; last screen:\n" + "\n".join(seen[-1] if seen else []))


def finished(rows):
    return any(r.startswith("EXIT=") for r in rows)


@pytest.fixture
def pane_for(tmp_path):
    panes = []

    def make(command):
        panes.append(Pane(tmp_path, command))
        return panes[-1]

    yield make
    for p in panes:
        p.close()


RUN = f"{shlex.quote(TREDE)} run {shlex.quote(str(MODELS / 'ladder-bm.toml'))} -n 120 --seed 1 --threads 2 -o out.h5"


def test_run_bar_fits_names_its_unit_and_is_erased(pane_for):
    pane = pane_for(RUN)
    screens = watch(pane, finished)
    bars = [r for rows in screens for r in rows if r.startswith("replicates ")]
    assert bars, "no progress bar was ever drawn:\n" + "\n\n".join("\n".join(s) for s in screens)
    assert any("eta" in b for b in bars), bars
    # Done: the bar's row was erased, and the shell's next output starts on it.
    final = screens[-1]
    assert final == ["EXIT=0"], "the bar left something behind:\n" + "\n".join(final)
    assert "KPIs per replicate" in (pane.dir / "stdout.txt").read_text()


def test_compare_counts_replicates_per_scenario(pane_for):
    scen = shlex.quote(str(MODELS / "ladder-bm.toml"))
    pane = pane_for(f"{shlex.quote(TREDE)} compare {scen} {scen} --set horizon_years=8 -n 40 --seed 1 --threads 2")
    screens = watch(pane, finished)
    rows = [r for s in screens for r in s]
    assert any(r.startswith("scenario 1/2, replicates ") for r in rows), rows
    assert any(r.startswith("scenario 2/2, replicates ") for r in rows), rows
    assert screens[-1] == ["EXIT=0"], screens[-1]


def test_ctrl_c_ends_the_line_and_says_nothing_was_written(pane_for):
    pane = pane_for(RUN)
    watch(pane, lambda rows: any(r.startswith("replicates ") and "eta" in r for r in rows))
    pane.tmux("send-keys", "-t", "t", "C-c")
    final = watch(pane, finished)[-1]
    assert "interrupted: no output written" in final, final  # a row of its own: the bar's row was ended
    assert final[-1] == "EXIT=130", final
    assert not list(Path(pane.dir).glob("out.h5*")), "an output or a temporary was left"
