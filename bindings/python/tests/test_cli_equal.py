"""The same scenario, seed and replicates give the same results from Python as from the trede
program, bit for bit: in memory, and in the files `save` writes."""

import pytest

import trede
from conftest import (BM2, MODELS, BM2_SMALL, assert_same, assert_same_attr, cli, describe, organisation_variants, read_all,
                      set_args)

# Attributes that differ between two writes of the same result.
VOLATILE = {"created", "command_line"}
# Datasets that do (timings).
VOLATILE_DATA = {"points/wall_seconds"}


def test_run_equals_the_cli(cli_run_file, tmp_path):
    r = trede.run(trede.load_scenario(BM2, BM2_SMALL), 6, seed=42)
    cli_data, cli_attrs = read_all(cli_run_file)

    # In memory: every dataset of the CLI's file, with the same values, and nothing else.
    assert sorted(r.keys()) == sorted(cli_data)
    for key in cli_data:
        assert_same(r[key], cli_data[key], key)
    for k, v in cli_attrs.items():
        if k not in VOLATILE:
            assert_same_attr(r.attrs[k], v, f"attribute {k}")
    assert r.attrs["scenario_overrides"].splitlines() == trede.format_overrides(BM2_SMALL)

    # Saved by Python: the same file contents.
    r.save(tmp_path / "py.h5")
    py_data, py_attrs = read_all(tmp_path / "py.h5")
    assert sorted(py_data) == sorted(cli_data)
    for key in cli_data:
        assert_same(py_data[key], cli_data[key], key)
    assert set(py_attrs) - VOLATILE == set(cli_attrs) - VOLATILE


def test_another_seed_differs(cli_run_file):
    r = trede.run(trede.load_scenario(BM2, BM2_SMALL), 6, seed=43)
    cli_data, _ = read_all(cli_run_file)
    assert r["replicates/occupancy"].tobytes() != cli_data["replicates/occupancy"].tobytes()


def test_compare_equals_the_cli(cli_compare_file, tmp_path):
    scenarios = [trede.parse_scenario(text, name=f"{m}.toml", overrides=BM2_SMALL, base_dir=tmp_path)
                 for m, text in organisation_variants().items()]
    c = trede.compare(scenarios, 5, seed=7)
    cli_data, cli_attrs = read_all(cli_compare_file)
    assert sorted(c.keys()) == sorted(cli_data)
    for key in cli_data:
        assert_same(c[key], cli_data[key], key)
    for k, v in cli_attrs.items():
        if k not in VOLATILE:
            assert_same_attr(c.attrs[k], v, f"attribute {k}")
    for i, res in enumerate(c.scenarios):
        data, attrs = read_all(cli_compare_file, f"scenarios/{i}")
        assert sorted(res.keys()) == sorted(data)
        for key in data:
            assert_same(res[key], data[key], f"scenarios/{i}/{key}")
        for k in ("master_seed", "replicates", "scenario_name", "scenario_hash", "scenario_overrides"):
            assert_same_attr(res.attrs[k], attrs[k], f"scenarios/{i} attribute {k}")

    c.save(tmp_path / "py-cmp.h5")
    py_data, _ = read_all(tmp_path / "py-cmp.h5")
    for key in cli_data:
        assert_same(py_data[key], cli_data[key], key)
    py0, _ = read_all(tmp_path / "py-cmp.h5", "scenarios/2")
    cli0, _ = read_all(cli_compare_file, "scenarios/2")
    for key in cli0:
        assert_same(py0[key], cli0[key], f"scenarios/2/{key}")


def test_a_file_saved_by_python_is_read_by_the_cli(tmp_path):
    r = trede.run(trede.load_scenario(BM2, {**BM2_SMALL, "horizon_years": 3}), 3, seed=1)
    r.save(tmp_path / "py.h5")
    p = cli("info", "py.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    assert "master_seed" in p.stdout and "uitstroom_werk" in p.stdout


def _temporary_watch(out):
    """A progress callback that records whether the temporary of `out` exists at each call."""
    seen = []

    def watch(done, total):
        seen.append(any(f.name.startswith(out.name + ".tmp-") for f in out.parent.iterdir()))
    return seen, watch


def _assert_same_file(mine, theirs, group=""):
    """The same datasets below `group` with the same values, and the same attributes but the
    volatile ones."""
    data, attrs = read_all(theirs, group)
    my_data, my_attrs = read_all(mine, group)
    assert sorted(my_data) == sorted(data)
    for key in data:
        assert_same(my_data[key], data[key], f"{group}/{key}")
    for k, v in attrs.items():
        if k not in VOLATILE:
            assert_same_attr(my_attrs[k], v, f"{group} attribute {k}")


def test_a_run_streamed_to_a_file_equals_the_cli_and_the_run_in_memory(tmp_path):
    """trede.run(..., output=PATH) writes its replicates as they finish, as `trede run -o` does:
    a model with 35 regions (per-region arrays streamed) gives the CLI's file bit for bit, for
    one and two threads, and the same values as the run held in memory."""
    scenario = MODELS / "participatiewet" / "arbeidsmarktregios.toml"
    over = {"sample_share": 0.01}
    p = cli("run", scenario, *set_args(over), "-n", 5, "--seed", 3, "--trajectories", 20, "-q",
            "-o", tmp_path / "cli.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    cli_data, _ = read_all(tmp_path / "cli.h5")
    assert "replicates/region/occupancy" in cli_data, "the model must have per-region arrays to stream"
    s = trede.load_scenario(scenario, over)
    for threads in (1, 2):
        out = tmp_path / f"py{threads}.h5"
        seen, watch = _temporary_watch(out)
        r = trede.run(s, 5, seed=3, threads=threads, trajectories=20, output=out, progress=watch)
        assert seen and all(seen), "the file must be written as the replicates finish"
        assert isinstance(r, trede.Result) and r.path == out
        _assert_same_file(out, tmp_path / "cli.h5")
        assert "trede.run(output=" in str(read_all(out)[1]["command_line"])
        assert [f.name for f in tmp_path.iterdir() if ".tmp" in f.name] == [], "no temporary left"
    memory = trede.run(s, 5, seed=3, trajectories=20)
    assert sorted(memory.keys()) == sorted(r.keys())
    for key in memory.keys():
        assert_same(r[key], memory[key], key)


def test_a_comparison_written_to_a_file_equals_the_cli(tmp_path):
    """trede.compare(..., output=PATH) writes the file `trede compare -o PATH` writes: streamed
    without draws (35 regions, per-region arrays of every scenario), built at the end with draws."""
    scenario = MODELS / "participatiewet" / "arbeidsmarktregios.toml"
    over = {"sample_share": 0.01}
    for draws, extra in ((0, ["-n", 3]), (2, ["-n", 1, "--draws", 2])):
        cli_file = tmp_path / f"cli{draws}.h5"
        p = cli("compare", scenario, "--organisation-models", "partieel,gecombineerd", *set_args(over), *extra,
                "--seed", 5, "-q", "-o", cli_file, cwd=tmp_path)
        assert p.returncode == 0, describe(p)
        out = tmp_path / f"py{draws}.h5"
        seen, watch = _temporary_watch(out)  # without draws the file is written while replicates run
        c = trede.compare(trede.load_scenario(scenario, over), 3 if draws == 0 else 1, seed=5, draws=draws,
                          organisation_models=["partieel", "gecombineerd"], output=out, progress=watch)
        assert seen and all(seen) == (draws == 0), seen
        assert isinstance(c, trede.Comparison) and c.path == out and c.names == ["arbeidsmarktregios (partieel)", "arbeidsmarktregios (gecombineerd)"]
        assert (draws == 0) == ("replicates/region/occupancy" in read_all(out, "scenarios/1")[0])
        for group in ("", "scenarios/0", "scenarios/1"):
            _assert_same_file(out, cli_file, group)
    assert [f.name for f in tmp_path.iterdir() if ".tmp" in f.name] == [], "no temporary left"
    (tmp_path / "s.toml").write_text(BM2.read_text())
    s = trede.load_scenario(tmp_path / "s.toml", BM2_SMALL)
    with pytest.raises(trede.ModelError, match="is the same file as scenario"):
        trede.compare([s, s.with_overrides({"state[tussengroep].capacity": 40})], 2, output=tmp_path / "s.toml")
    assert (tmp_path / "s.toml").read_text() == BM2.read_text()


def test_a_streamed_run_never_overwrites_its_scenario_nor_leaves_a_partial_file(tmp_path):
    text = BM2.read_text()
    (tmp_path / "s.toml").write_text(text)
    s = trede.load_scenario(tmp_path / "s.toml", BM2_SMALL)
    with pytest.raises(trede.ModelError, match="is the same file as scenario") as e:
        trede.run(s, 2, seed=1, output=tmp_path / "." / "s.toml")
    assert e.value.diagnostics[0][2] == "output"
    assert (tmp_path / "s.toml").read_text() == text
    with pytest.raises(trede.IoError):
        trede.run(s, 2, seed=1, output=tmp_path / "no-such-dir" / "r.h5")
    assert not (tmp_path / "no-such-dir").exists()
    (tmp_path / "old.h5").write_bytes(b"kept")

    def stop(done, total):
        raise RuntimeError("stop here")
    with pytest.raises(RuntimeError, match="stop here"):
        trede.run(s.with_overrides({"population[0].count": 20000}), 20, seed=1, threads=1, output=tmp_path / "old.h5",
                  progress=stop)
    assert (tmp_path / "old.h5").read_bytes() == b"kept", "an interrupted run leaves the old file as it was"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["old.h5", "s.toml"]


def test_traced_run_equals_the_cli(tmp_path):
    p = cli("run", BM2, *set_args(BM2_SMALL), "-n", 3, "--seed", 8, "-q",
            "--trajectories", 120, "-o", tmp_path / "cli.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    cli_data, _ = read_all(tmp_path / "cli.h5")
    r = trede.run(trede.load_scenario(BM2, BM2_SMALL), 3, seed=8, trajectories=120)
    assert sorted(r.keys()) == sorted(cli_data)
    for key in cli_data:
        assert_same(r[key], cli_data[key], key)
    t = r.trajectories()
    assert list(t.columns) == ["replicate", "person", "time", "from_state", "to_state"]
    assert t.groupby("replicate")["person"].nunique().tolist() == [120, 120, 120]
    first = t.groupby(["replicate", "person"]).head(1)
    assert first["from_state"].isna().all(), "a person's first row is the entry"
    assert t.equals(trede.read(tmp_path / "cli.h5").trajectories())


def test_traced_compare_follows_the_same_people_and_equals_the_cli(tmp_path):
    """With common random numbers, person k is the same person in every scenario: a traced
    comparison shows where the organisation models send the same people differently."""
    variants = organisation_variants(("gecombineerd", "partieel"))
    scenarios = [trede.parse_scenario(text, name=f"{m}.toml", overrides=BM2_SMALL, base_dir=tmp_path)
                 for m, text in variants.items()]
    for m, text in variants.items():
        (tmp_path / f"{m}.toml").write_text(text)
    p = cli("compare", *[f"{m}.toml" for m in variants], *set_args(BM2_SMALL), "-n", 2, "--seed", 4, "-q", "--trajectories", 80,
            "-o", tmp_path / "cmp.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    c = trede.compare(scenarios, 2, seed=4, trajectories=80)
    f = trede.read(tmp_path / "cmp.h5")
    a, b = c[0].trajectories(), c[1].trajectories()
    assert a.equals(f[0].trajectories()) and b.equals(f[1].trajectories())
    assert set(a["person"]) == set(b["person"]) and len(set(a["person"])) == 80
    entry_a = a[a["from_state"].isna()].set_index(["replicate", "person"])
    entry_b = b[b["from_state"].isna()].set_index(["replicate", "person"])
    assert entry_a["to_state"].equals(entry_b["to_state"]), "the same people start in the same states"
    assert not a.equals(b), "the organisation models send them on differently"


def test_sweep_equals_the_cli(tmp_path):
    """trede.sweep runs mc::sweep like `trede sweep` and holds the same file in memory."""
    grid = {"state[beschut_werk].capacity": [150, 300], "transition[bijstand->diagnose].rate": [0.3, 0.6]}
    p = cli("sweep", BM2, *set_args(BM2_SMALL), "-n", 3, "--seed", 4, "-q", "-o", tmp_path / "cli.h5",
            *[a for k, v in grid.items() for a in ("--grid", f"{k}={','.join(map(str, v))}")], cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    sw = trede.sweep(trede.load_scenario(BM2, BM2_SMALL), grid, replicates=3, seed=4)
    cli_data, cli_attrs = read_all(tmp_path / "cli.h5")
    assert sorted(sw.keys()) == sorted(cli_data)
    for key in set(cli_data) - VOLATILE_DATA:
        assert_same(sw[key], cli_data[key], key)
    for k, v in cli_attrs.items():
        if k not in VOLATILE:
            assert_same_attr(sw.attrs[k], v, f"attribute {k}")
    assert len(sw.points) == 4 and list(sw.points.columns) == list(grid)
    sw.save(tmp_path / "py.h5")
    py_data, _ = read_all(tmp_path / "py.h5")
    for key in set(cli_data) - VOLATILE_DATA:
        assert_same(py_data[key], cli_data[key], key)
    # With an output file: the parts are used and removed, and the file is the same.
    sw2 = trede.sweep(trede.load_scenario(BM2, BM2_SMALL), grid, replicates=3, seed=4, output=tmp_path / "out.h5")
    assert not (tmp_path / "out.h5.parts").exists() and sw2.notes == []
    out_data, _ = read_all(tmp_path / "out.h5")
    for key in set(cli_data) - VOLATILE_DATA:
        assert_same(out_data[key], cli_data[key], key)


def test_psa_sweep_equals_the_cli(tmp_path):
    """A PSA at every point (the same draws everywhere): the CLI and Python write the same file,
    with the draws and D x R runs per point; a key cannot be both swept and drawn."""
    groningen = MODELS / "participatiewet" / "groningen-uncertain.toml"
    small = ["--set", "horizon_years=2"]
    args = ("sweep", groningen, *small, "--grid", "region[Groningen].capacity.beschut_werk=100,300", "--draws", 4,
            "-n", 2, "--seed", 3, "-q")
    p = cli(*args, "-o", tmp_path / "cli.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    sw = trede.sweep(trede.load_scenario(groningen, {"horizon_years": 2}),
                     {"region[Groningen].capacity.beschut_werk": [100, 300]}, draws=4, replicates=2, seed=3)
    cli_data, cli_attrs = read_all(tmp_path / "cli.h5")
    assert cli_attrs["draws"] == 4 and cli_attrs["replicates_per_draw"] == 2 and cli_attrs["replicates"] == 8
    assert cli_data["draws/parameters"].shape[0] == 4 and cli_data["replicates/kpi"].shape[:2] == (2, 8)
    for key in set(cli_data) - VOLATILE_DATA:
        assert_same(sw[key], cli_data[key], key)
    # A key is either swept or drawn.
    bad = cli("sweep", groningen, *small, "--grid", "handover[0].leakage=0.1,0.2", "--draws", 4, "-o",
              tmp_path / "bad.h5", cwd=tmp_path)
    assert bad.returncode == 2 and "either swept or drawn" in bad.stderr, describe(bad)


def test_lhs_sweep_equals_the_cli(tmp_path):
    p = cli("sweep", BM2, *set_args(BM2_SMALL), "-n", 2, "--seed", 9, "-q", "-o", tmp_path / "cli.h5",
            "--lhs", "transition[bijstand->diagnose].rate=0.2:0.8", "--lhs", "state[beschut_werk].capacity=100:400",
            "--points", 4, cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    sw = trede.sweep(trede.load_scenario(BM2, BM2_SMALL),
                     lhs={"transition[bijstand->diagnose].rate": (0.2, 0.8), "state[beschut_werk].capacity": (100, 400)},
                     points=4, replicates=2, seed=9)
    cli_data, _ = read_all(tmp_path / "cli.h5")
    for key in set(cli_data) - VOLATILE_DATA:
        assert_same(sw[key], cli_data[key], key)


def test_two_stage_calibration_equals_the_cli(tmp_path):
    """Data and targets together: the panel fit's rates written in, then the targets fit on them,
    by calib::calibrate from both the program and Python."""
    models = trede.models_dir() / "calibration"
    scenario, data, targets = models / "ladder4.toml", models / "panel.csv", models / "targets.json"
    p = cli("calibrate", scenario, "--data", data, "--targets", targets, "-n", 4, "--max-evaluations", 20,
            "-o", tmp_path / "cli.toml", "--report", tmp_path / "cli-fit.h5", "-q", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    fit = trede.calibrate(scenario, data, targets=targets, replicates=4, max_evaluations=20)
    assert fit.method == "panel+targets" and [s.method for s in fit.stages] == ["panel", "targets"]
    cli_text = (tmp_path / "cli.toml").read_text()
    strip = lambda t: [l for l in t.splitlines() if not l.startswith("#")]  # the provenance comment differs
    assert strip(fit.calibrated_text) == strip(cli_text)
    fit.save_report(tmp_path / "py-fit.h5")
    a, _ = read_all(tmp_path / "cli-fit.h5")
    b, _ = read_all(tmp_path / "py-fit.h5")
    for key in ("estimates/estimate", "estimates/se", "parameters/covariance", "targets/simulated"):
        assert_same(b[key], a[key], key)
