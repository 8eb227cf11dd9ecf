"""Bad input never crashes and never writes a file (docs/reliability.md).

Each file in tests/cli/bad/ is a malformed scenario whose header says what must be reported:

    # expect: <substring of stderr naming the file (or --set), the line and the key>
    # expect-re: <regular expression searched in stderr>
    # args: <extra command-line arguments, e.g. --set key=value>
    # needs-memory-limit   (a regression would allocate without bound: run only under a limit)

For every file, `trede run FILE -o out.h5` and `trede validate FILE` must exit with code 2,
report the expected problems, write nothing (no out.h5, no out.h5.tmp-*), and leave an existing
out.h5 exactly as it was.
"""

import os
import re
import shlex
from pathlib import Path

import pytest

from conftest import (BAD_DIR, EXIT_BAD_INPUT, MEMORY_LIMIT_AVAILABLE, copy_bad_dir, describe, leftovers,
                      trede)

BAD_FILES = sorted(BAD_DIR.glob("*.toml"))


class Case:
    def __init__(self, path: Path):
        self.path = path
        self.name = path.name
        self.expect, self.expect_re, self.args = [], [], []
        self.needs_memory_limit = False
        for line in path.read_text().splitlines():
            if line.strip() == "# needs-memory-limit":
                self.needs_memory_limit = True
            if line.startswith("# expect: "):
                self.expect.append(line[len("# expect: "):])
            elif line.startswith("# expect-re: "):
                self.expect_re.append(line[len("# expect-re: "):])
            elif line.startswith("# args: "):
                self.args += shlex.split(line[len("# args: "):])

    def run(self, *args, cwd):
        """trede ARGS for this case, under the CPU-time and address-space limits."""
        if self.needs_memory_limit and not MEMORY_LIMIT_AVAILABLE:
            pytest.skip("needs an address-space limit, which this (sanitizer) build cannot run under")
        return trede(*args, *self.args, cwd=cwd, limited=True)

    def check_stderr(self, p):
        for e in self.expect:
            assert e in p.stderr, f"{self.name}: expected in stderr: {e!r}\n{describe(p)}"
        for r in self.expect_re:
            assert re.search(r, p.stderr), f"{self.name}: expected /{r}/ in stderr\n{describe(p)}"


CASES = [Case(p) for p in BAD_FILES]
IDS = [c.path.stem for c in CASES]

# One reported problem: "  <file>:<line>: <key>: <message>" or "  --set '<expr>': <key>: <message>".
FILE_DIAG = re.compile(r"^  (?P<file>[^:\s][^:]*):(?P<line>\d+): (?P<rest>.*)$")
SET_DIAG = re.compile(r"^  --set '(?P<expr>.*)': (?P<rest>.*)$")
KEY_AND_MESSAGE = re.compile(r"^(?P<key>[^\s:]+): (?P<message>\S.*)$")


def diagnostics(stderr):
    """The problem lines of a `bad input` report."""
    lines = stderr.splitlines()
    assert lines and re.match(r"^error: bad input \(\d+ problems?\):$", lines[0]), \
        f"stderr does not start with the bad-input header:\n{stderr}"
    return [ln for ln in lines[1:] if ln.strip()]


def check_every_diagnostic_is_located(p):
    """Every reported problem names its file and a line > 0 (or the --set override) and a key."""
    diags = diagnostics(p.stderr)
    count = int(re.match(r"^error: bad input \((\d+) problem", p.stderr).group(1))
    assert count == len(diags), f"header says {count} problems, {len(diags)} listed\n{describe(p)}"
    for d in diags:
        m = FILE_DIAG.match(d)
        if m:
            assert int(m["line"]) > 0, f"no line number in: {d!r}"
            rest = m["rest"]
            if rest.startswith("TOML syntax error"):
                continue  # no key exists yet: the file did not parse
        else:
            m = SET_DIAG.match(d)
            assert m, f"problem names neither a file with a line nor a --set override: {d!r}"
            rest = m["rest"]
            if rest.startswith("must be key=value"):
                continue  # the override has no key to name
        assert KEY_AND_MESSAGE.match(rest), f"problem does not name a key: {d!r}"


def test_there_are_enough_bad_files():
    assert len(CASES) >= 25
    for c in CASES:
        assert c.expect or c.expect_re, f"{c.name} has no '# expect:' header"
        located = [e for e in c.expect + c.expect_re
                   if c.name in e or c.path.stem in e or "--set" in e or ".csv:" in e]
        assert located, f"{c.name}: no expectation names the file, a CSV file or --set"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_run_rejects_and_writes_nothing(case, tmp_path):
    work = copy_bad_dir(tmp_path / "w")
    before = sorted(os.listdir(work))
    p = case.run("run", case.name, "-o", "out.h5", "-n", "2", cwd=work)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    case.check_stderr(p)
    check_every_diagnostic_is_located(p)
    assert p.stdout == "", f"nothing belongs on stdout for bad input\n{describe(p)}"
    assert not (work / "out.h5").exists(), "an output file was written for bad input"
    assert leftovers(work) == []
    assert sorted(os.listdir(work)) == before, "bad input left files behind"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_run_leaves_existing_output_untouched(case, tmp_path):
    work = copy_bad_dir(tmp_path / "w")
    out = work / "out.h5"
    content = b"previous result, must survive a failed run\n" * 50
    out.write_bytes(content)
    stamp = 1_600_000_000_123_456_789
    os.utime(out, ns=(stamp, stamp))
    p = case.run("run", case.name, "-q", "-o", "out.h5", "-n", "2", cwd=work)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    case.check_stderr(p)
    assert out.read_bytes() == content, "existing output was changed"
    assert out.stat().st_mtime_ns == stamp, "existing output was touched (mtime changed)"
    assert leftovers(work) == []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_validate_rejects(case, tmp_path):
    work = copy_bad_dir(tmp_path / "w")
    p = case.run("validate", case.name, cwd=work)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    case.check_stderr(p)
    check_every_diagnostic_is_located(p)
    assert "OK" not in p.stdout, describe(p)


def test_several_problems_are_reported_at_once(tmp_path):
    """The four independent problems of multiple_problems.toml come in one report, in line order."""
    work = copy_bad_dir(tmp_path / "w")
    case = Case(work / "multiple_problems.toml")
    p = trede("validate", case.name, cwd=work)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    diags = diagnostics(p.stderr)
    assert len(diags) == 4, describe(p)
    located = [e for e in case.expect if not e.startswith("error:")]
    assert len(located) == 4
    for e in located:
        assert sum(e in d for d in diags) == 1, f"{e!r} not reported exactly once\n{describe(p)}"
    lines = [int(FILE_DIAG.match(d)["line"]) for d in diags]
    assert lines == sorted(lines), f"problems not in line order: {lines}"


def test_problems_in_several_overrides_and_the_file_are_reported_together(tmp_path):
    """A bad file value and two bad --set overrides: all three reported, each located."""
    work = copy_bad_dir(tmp_path / "w")
    p = trede("validate", "negative_rate.toml",
              "--set", "state[nosuch].capacity=3",
              "--set", "horizon_yaers=4", cwd=work)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    # Overrides are applied before the file is checked; a bad override path must not hide the
    # file's own problems, nor the other override's.
    assert "--set 'state[nosuch].capacity=3': state[nosuch]: no element 'nosuch'" in p.stderr, describe(p)
    assert "--set 'horizon_yaers=4': horizon_yaers: unknown key" in p.stderr, describe(p)
    assert re.search(r"negative_rate\.toml:\d+: transition\[bijstand->diagnose\]\.rate: must be >= 0",
                     p.stderr), describe(p)


def test_csv_paths_are_relative_to_the_scenario_file(tmp_path):
    """Run from another directory: the population CSV is still found next to the scenario, and
    the problem is reported in the CSV file with its row number."""
    copy_bad_dir(tmp_path / "sub" / "dir")
    p = trede("validate", "sub/dir/csv_unknown_state.toml", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert "unknown_state.csv:3: state: unknown state 'bijstnad'" in p.stderr, describe(p)
    assert "cannot open" not in p.stderr, describe(p)


def test_absolute_scenario_path_is_named_in_messages(tmp_path):
    work = copy_bad_dir(tmp_path / "w")
    path = work / "negative_rate.toml"
    p = trede("run", path, "-o", work / "out.h5", cwd=tmp_path)
    assert p.returncode == EXIT_BAD_INPUT, describe(p)
    assert re.search(re.escape(str(path)) + r":\d+: transition\[bijstand->diagnose\]\.rate", p.stderr), describe(p)
    assert not (work / "out.h5").exists()
