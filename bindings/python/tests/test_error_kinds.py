"""Every error caused by input is trede.ModelError or trede.IoError (issue: "nothing silently
wrong", Python errors of the wrong kind):

- a bad argument to a public function (wrong type, out of range, unknown name) is a ModelError
  whose message and diagnostic name the argument, raised before anything runs — never a
  TypeError, ValueError, KeyError, IndexError, OverflowError or MemoryError from inside the
  package or the C++ core (ModelError is itself a ValueError and a TypeError);
- a damaged file of every kind trede writes (run, PSA, comparison, sweep, calibration report:
  a dataset removed, of the wrong type or shape, an attribute removed or of the wrong type, the
  file truncated, a text file named .h5) is an IoError naming the file and the dataset or
  attribute, from trede.read or from any method of what it returns; and `python3 -m
  trede.report` / `trede report` on such a file prints one `error:` line and exits 2, never a
  traceback.
"""

import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import pytest

import trede
from conftest import BM2, MODELS, cli, describe, set_args

SMALL = {"population[0].count": 300, "inflow[0].rate_per_year": 30, "horizon_years": 1}
PSA_SCENARIO = MODELS / "participatiewet" / "groningen-uncertain.toml"
CALIBRATION = MODELS / "calibration"


@pytest.fixture(scope="module")
def small():
    return trede.load_scenario(BM2, SMALL)


@pytest.fixture(scope="module")
def uncertain():
    return trede.load_scenario(PSA_SCENARIO, {"horizon_years": 1})


# ---- bad arguments ------------------------------------------------------------------------------

# (label, call(small scenario, uncertain scenario), the argument the message must name)
ARGUMENT_CASES = [
    ("load_scenario path int", lambda s, u: trede.load_scenario(42), "path"),
    ("load_scenario path None", lambda s, u: trede.load_scenario(None), "path"),
    ("load_scenario overrides int", lambda s, u: trede.load_scenario(BM2, 5), "overrides"),
    ("load_scenario override tuple", lambda s, u: trede.load_scenario(BM2, [("horizon_years", 3)]), "overrides[0]"),
    ("load_scenario override value object", lambda s, u: trede.load_scenario(BM2, {"horizon_years": object()}),
     "overrides['horizon_years']"),
    ("load_scenario override key int", lambda s, u: trede.load_scenario(BM2, {5: 3}), "overrides"),
    ("parse_scenario text int", lambda s, u: trede.parse_scenario(5), "text"),
    ("parse_scenario text None", lambda s, u: trede.parse_scenario(None), "text"),
    ("parse_scenario base_dir int", lambda s, u: trede.parse_scenario("x = 1", base_dir=3), "base_dir"),
    ("format_overrides int", lambda s, u: trede.format_overrides(5), "overrides"),
    ("with_overrides int", lambda s, u: s.with_overrides(5), "overrides"),
    ("Scenario.state unknown", lambda s, u: s.state("nope"), "name"),
    ("run scenario int", lambda s, u: trede.run(42, 2), "scenario"),
    ("run scenario None", lambda s, u: trede.run(None, 2), "scenario"),
    ("run replicates str", lambda s, u: trede.run(s, "2"), "replicates"),
    ("run replicates float", lambda s, u: trede.run(s, 2.5), "replicates"),
    ("run replicates bool", lambda s, u: trede.run(s, True), "replicates"),
    ("run replicates 0", lambda s, u: trede.run(s, 0), "replicates"),
    ("run replicates -1", lambda s, u: trede.run(s, -1), "replicates"),
    ("run replicates 2**70", lambda s, u: trede.run(s, 2**70), "replicates"),
    ("run replicates 2**63", lambda s, u: trede.run(s, 2**63), "replicates"),
    ("run seed -1", lambda s, u: trede.run(s, 2, seed=-1), "seed"),
    ("run seed 2**64", lambda s, u: trede.run(s, 2, seed=2**64), "seed"),
    ("run seed str", lambda s, u: trede.run(s, 2, seed="1"), "seed"),
    ("run first_replicate 2**64-1", lambda s, u: trede.run(s, 2, first_replicate=2**64 - 1), "first_replicate"),
    ("run first_replicate 2**64", lambda s, u: trede.run(s, 2, first_replicate=2**64), "first_replicate"),
    ("run first_replicate -1", lambda s, u: trede.run(s, 2, first_replicate=-1), "first_replicate"),
    ("run threads 2**40", lambda s, u: trede.run(s, 2, threads=2**40), "threads"),
    ("run threads -2", lambda s, u: trede.run(s, 2, threads=-2), "threads"),
    ("run threads 2e9", lambda s, u: trede.run(s, 2, threads=2_000_000_000), "threads"),
    ("run threads 5e6", lambda s, u: trede.run(s, 2, threads=5_000_000), "threads"),
    ("run threads str", lambda s, u: trede.run(s, 2, threads="x"), "threads"),
    ("run progress int", lambda s, u: trede.run(s, 2, progress=5), "progress"),
    ("run trajectories 2**70", lambda s, u: trede.run(s, 2, trajectories=2**70), "trajectories"),
    ("run trajectories -1", lambda s, u: trede.run(s, 2, trajectories=-1), "trajectories"),
    ("run trajectories float", lambda s, u: trede.run(s, 2, trajectories=2.5), "trajectories"),
    ("run overrides int", lambda s, u: trede.run(s, 2, overrides=3), "overrides"),
    ("run draws 1", lambda s, u: trede.run(u, 1, draws=1), "draws"),
    ("run draws str", lambda s, u: trede.run(u, 1, draws="3"), "draws"),
    ("run draws -1", lambda s, u: trede.run(u, 1, draws=-1), "draws"),
    ("run draws 2**70", lambda s, u: trede.run(u, 1, draws=2**70), "draws"),
    ("run draws design", lambda s, u: trede.run(u, 1, draws=2, design="x"), "design"),
    ("run draws design int", lambda s, u: trede.run(u, 1, draws=2, design=3), "design"),
    ("run draws output int", lambda s, u: trede.run(u, 1, draws=2, output=3), "output"),
    ("run draws resume str", lambda s, u: trede.run(u, 1, draws=2, resume="yes"), "resume"),
    ("run output int", lambda s, u: trede.run(s, 2, output=3), "output"),
    ("run resume without draws", lambda s, u: trede.run(s, 2, resume=True), "resume"),
    # The options of a PSA are refused without draws, as on the command line, not ignored.
    ("run design without draws", lambda s, u: trede.run(s, 2, design="lhs"), "design"),
    ("run common_streams without draws", lambda s, u: trede.run(s, 2, common_streams=True), "common_streams"),
    ("compare common_streams without draws", lambda s, u: trede.compare([s, s], 2, common_streams=True),
     "common_streams"),
    ("sweep design without draws", lambda s, u: trede.sweep(s, {"horizon_years": [1, 2]}, design="lhs"), "design"),
    ("compare scenarios int", lambda s, u: trede.compare(3, 2), "scenarios"),
    ("compare output int", lambda s, u: trede.compare([s, s], 2, output=3), "output"),
    ("compare scenario int", lambda s, u: trede.compare([s, 4], 2), "scenarios[1]"),
    ("compare scenario None", lambda s, u: trede.compare([s, None], 2), "scenarios[1]"),
    ("compare mapping value int", lambda s, u: trede.compare({"a": s, "b": 3}, 2), "scenarios['b']"),
    ("compare confidence str", lambda s, u: trede.compare([s, s], 2, confidence="x"), "confidence"),
    ("compare confidence nan", lambda s, u: trede.compare([s, s], 2, confidence=float("nan")), "confidence"),
    ("compare confidence 1", lambda s, u: trede.compare([s, s], 2, confidence=1.0), "confidence"),
    ("compare organisation_models int", lambda s, u: trede.compare(s, 2, organisation_models=3),
     "organisation_models"),
    ("compare organisation_models [int]", lambda s, u: trede.compare(s, 2, organisation_models=[3]),
     "organisation_models[0]"),
    ("compare organisation_models unknown", lambda s, u: trede.compare(s, 2, organisation_models=["nope"]),
     "organisation_model"),
    ("compare effect unknown", lambda s, u: trede.compare([s, s], 2, effect="nope"), "effect"),
    ("compare wtp str", lambda s, u: trede.compare([s, s], 2, wtp="x"), "wtp"),
    ("compare wtp_max inf", lambda s, u: trede.compare([s, s], 2, wtp_max=float("inf")), "wtp_max"),
    ("compare independent str", lambda s, u: trede.compare([s, s], 2, independent="no"), "independent"),
    ("compare seed 2**64", lambda s, u: trede.compare([s, s], 2, seed=2**64), "seed"),
    ("compare first_replicate 2**64-1", lambda s, u: trede.compare([s, s], 2, first_replicate=2**64 - 1),
     "first_replicate"),
    ("sweep neither grid nor lhs", lambda s, u: trede.sweep(s, replicates=2), "grid/lhs"),
    ("sweep grid list", lambda s, u: trede.sweep(s, [1, 2], replicates=2), "grid"),
    ("sweep grid values int", lambda s, u: trede.sweep(s, {"horizon_years": 3}, replicates=2),
     "grid['horizon_years']"),
    ("sweep grid value object", lambda s, u: trede.sweep(s, {"horizon_years": [1, object()]}, replicates=2),
     "grid['horizon_years'][1]"),
    ("sweep grid key unknown", lambda s, u: trede.sweep(s, {"nope": [1, 2]}, replicates=2), "nope"),
    ("sweep lhs not a pair", lambda s, u: trede.sweep(s, lhs={"horizon_years": 3}, points=2, replicates=2),
     "lhs['horizon_years']"),
    ("sweep lhs str", lambda s, u: trede.sweep(s, lhs={"horizon_years": ("a", "b")}, points=2, replicates=2),
     "lhs['horizon_years'] lo"),
    ("sweep points str", lambda s, u: trede.sweep(s, lhs={"horizon_years": (1, 3)}, points="2", replicates=2),
     "points"),
    ("sweep points 2**70", lambda s, u: trede.sweep(s, lhs={"horizon_years": (1, 3)}, points=2**70, replicates=2),
     "points"),
    ("sweep compression 99", lambda s, u: trede.sweep(s, {"horizon_years": [1, 2]}, replicates=2, compression=99),
     "compression"),
    ("sweep compression str", lambda s, u: trede.sweep(s, {"horizon_years": [1, 2]}, replicates=2, compression="x"),
     "compression"),
    ("sweep output int", lambda s, u: trede.sweep(s, {"horizon_years": [1, 2]}, replicates=2, output=5), "output"),
    ("sweep seed 2**64", lambda s, u: trede.sweep(s, {"horizon_years": [1, 2]}, replicates=2, seed=2**64), "seed"),
    ("sweep draws 2**70", lambda s, u: trede.sweep(u, {"horizon_years": [1, 2]}, draws=2**70), "draws"),
    ("read path int", lambda s, u: trede.read(5), "path"),
    ("read path None", lambda s, u: trede.read(None), "path"),
    ("summarize text", lambda s, u: trede.summarize("x"), "samples"),
    ("summarize number", lambda s, u: trede.summarize(5), "samples"),
    ("summarize None", lambda s, u: trede.summarize(None), "samples"),
    ("summarize axis str", lambda s, u: trede.summarize([[1.0, 2.0]], axis="0"), "axis"),
    ("summarize axis 2", lambda s, u: trede.summarize([[1.0, 2.0]], axis=2), "axis"),
]
if hasattr(trede, "calibrate"):
    PANEL = CALIBRATION / "panel.csv"
    LADDER4 = CALIBRATION / "ladder4.toml"
    TARGETS = CALIBRATION / "targets.json"
    ARGUMENT_CASES += [
        ("calibrate scenario int", lambda s, u: trede.calibrate(5, PANEL), "scenario"),
        ("calibrate data int", lambda s, u: trede.calibrate(LADDER4, 5), "data"),
        ("calibrate starts str", lambda s, u: trede.calibrate(LADDER4, PANEL, starts="x"), "starts"),
        ("calibrate starts 2**40", lambda s, u: trede.calibrate(LADDER4, PANEL, starts=2**40), "starts"),
        ("calibrate seed 2**64", lambda s, u: trede.calibrate(LADDER4, PANEL, seed=2**64), "seed"),
        ("calibrate seed -5", lambda s, u: trede.calibrate(LADDER4, PANEL, seed=-5), "seed"),
        ("calibrate fixed value str", lambda s, u: trede.calibrate(LADDER4, PANEL, fixed={"x": "y"}), "fixed['x']"),
        ("calibrate fixed list", lambda s, u: trede.calibrate(LADDER4, PANEL, fixed=[1]), "fixed"),
        ("calibrate shared int", lambda s, u: trede.calibrate(LADDER4, PANEL, shared=5), "shared"),
        ("calibrate tolerance str", lambda s, u: trede.calibrate(LADDER4, PANEL, tolerance="x"), "tolerance"),
        ("calibrate tolerance 0", lambda s, u: trede.calibrate(LADDER4, PANEL, tolerance=0.0), "tolerance"),
        ("calibrate targets int", lambda s, u: trede.calibrate(LADDER4, targets=5), "targets"),
        ("calibrate targets not JSON", lambda s, u: trede.calibrate(LADDER4, targets={"x": object()}), "targets"),
        ("calibrate parameter int", lambda s, u: trede.calibrate(LADDER4, targets=TARGETS, parameters=[5]),
         "parameters[0]"),
        ("calibrate parameter mapping without bounds",
         lambda s, u: trede.calibrate(LADDER4, targets=TARGETS, parameters=[{"key": "x"}]), "parameters[0]"),
        ("calibrate parameter tuple short",
         lambda s, u: trede.calibrate(LADDER4, targets=TARGETS, parameters=[("x",)]), "parameters[0]"),
        ("calibrate replicates str", lambda s, u: trede.calibrate(LADDER4, targets=TARGETS, replicates="x"),
         "replicates"),
        ("calibrate replicates 1", lambda s, u: trede.calibrate(LADDER4, targets=TARGETS, replicates=1), "replicates"),
        ("calibrate algorithm int", lambda s, u: trede.calibrate(LADDER4, targets=TARGETS, algorithm=3), "algorithm"),
        ("calibrate DataFrame without columns", lambda s, u: trede.calibrate(LADDER4, pd.DataFrame({"a": [1]})),
         "data"),
        ("simulate_data people -1", lambda s, u: trede.simulate_data(LADDER4, -1), "people"),
        ("simulate_data people str", lambda s, u: trede.simulate_data(LADDER4, "x"), "people"),
        ("simulate_data people 2**70", lambda s, u: trede.simulate_data(LADDER4, 2**70), "people"),
        ("simulate_data seed 2**64", lambda s, u: trede.simulate_data(LADDER4, 10, seed=2**64), "seed"),
        ("simulate_data follow_up_years nan", lambda s, u: trede.simulate_data(LADDER4, 10, follow_up_years=float("nan")),
         "follow_up_years"),
        ("simulate_data covariates not a pair", lambda s, u: trede.simulate_data(LADDER4, 10, covariates={"age": 3}),
         "covariates['age']"),
        ("simulate_data schedules -1", lambda s, u: trede.simulate_data(LADDER4, 10, schedules=-1), "schedules"),
    ]


def test_every_argument_case_has_its_own_label():
    assert len({label for label, _, _ in ARGUMENT_CASES}) == len(ARGUMENT_CASES)


@pytest.mark.parametrize("label", [c[0] for c in ARGUMENT_CASES])
def test_bad_argument_is_a_model_error_naming_it(label, small, uncertain):
    _, call, name = next(c for c in ARGUMENT_CASES if c[0] == label)
    with pytest.raises(trede.Error) as info:
        call(small, uncertain)
    e = info.value
    assert type(e) is trede.ModelError, f"{label}: {type(e).__name__}: {e}"
    assert isinstance(e, ValueError) and isinstance(e, TypeError)
    assert name in str(e), f"{label}: the message does not name {name!r}: {e}"
    assert any(name in d.key or name in d.message for d in e.diagnostics), f"{label}: {e.diagnostics}"


def test_lookups_in_results_are_model_errors_naming_the_key(small, tmp_path):
    """Asking a result for something it does not have (a dataset, a KPI, a scenario, a table)."""
    r = trede.run(small, 2, seed=1)
    c = trede.compare([small, small.with_overrides({"state[beschut_werk].capacity": 50})], 2, seed=1,
                      independent=False)
    cases = [
        (lambda: r["no/such/dataset"], "key"), (lambda: r[5], "key"), (lambda: r.trajectories(), "trajectories"),
        (lambda: r.by_group(), "by_group"), (lambda: c[7], "index"), (lambda: c[2.5], "key"),
        (lambda: c["no/such/dataset"], "key"), (lambda: c[0]["no/such/dataset"], "key"),
        (lambda: c.difference("kpi_independent"), "quantity"), (lambda: c.difference("nope"), "quantity"),
        (lambda: c.decision("nope"), "table"),
        # a table's `replicates` flag takes a bool, not any truthy value ('nope' once gave the replicates)
        (lambda: r.kpi("nope"), "replicates"), (lambda: r.kpi(replicates="False"), "replicates"),
        (lambda: r.occupancy(replicates="yes"), "replicates"), (lambda: r.flows("x"), "replicates"),
        (lambda: trede.read(c.save(tmp_path / "c.h5")).save(tmp_path / "again.h5"), "save"),
    ]
    for call, name in cases:
        with pytest.raises(trede.ModelError, match=re.escape(name)):
            call()
    read_back = trede.read(r.save(tmp_path / "r.h5"))
    with pytest.raises(trede.ModelError, match="save"):
        read_back.save(tmp_path / "again.h5")


# ---- damaged files ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """One small file of every kind trede writes, made by the trede program."""
    work = tmp_path_factory.mktemp("kinds")
    small = set_args(SMALL)
    commands = {
        "run": ["run", BM2, *small, "-n", 3, "-o", "run.h5"],
        "psa": ["run", PSA_SCENARIO, "--set", "horizon_years=1", "--draws", 4, "-n", 2, "-o", "psa.h5"],
        "comparison": ["compare", BM2, BM2, *small, "--set", "state[beschut_werk].capacity=50", "-n", 3,
                       "-o", "comparison.h5"],
        "sweep": ["sweep", BM2, *small, "--grid", "state[beschut_werk].capacity=50,100", "-n", 3, "-o", "sweep.h5"],
    }
    if hasattr(trede, "calibrate"):
        commands["calibration"] = ["calibrate", CALIBRATION / "ladder4.toml", "--data", CALIBRATION / "panel.csv",
                                   "-o", "fit.toml", "--report", "calibration.h5"]
    out = {}
    for kind, args in commands.items():
        p = cli(*args, "-q", cwd=work)
        assert p.returncode == 0, describe(p)
        out[kind] = work / f"{kind}.h5"
    return out


def _use(obj):
    """Calls every method and property of a file's object that reads it."""
    if isinstance(obj, trede.Comparison):
        calls = [lambda: obj.names, lambda: obj.confidence, lambda: obj.replicates, lambda: obj.seed,
                 lambda: obj.kpi_table(), lambda: obj.variance_reduction(), lambda: obj.uncertainty,
                 lambda: obj.paired_difference("replicates/kpi")]
        calls += [lambda q=q: obj.difference(q) for q in ("kpi", "kpi_period", "trede_occupancy")]
        calls += [lambda t=t: obj.decision(t) for t in ("summary", "kpi", "difference", "acceptability", "evppi",
                                                        "sensitivity")]
        for r in obj.scenarios:  # each is a result, used in full with the run file's damages
            calls += [lambda r=r: r.kpi_table(), lambda r=r: r.occupancy(), lambda r=r: r.ladder()]
    elif isinstance(obj, trede.Sweep):
        calls = [lambda: obj.replicates, lambda: obj.points, lambda: obj.kpi(), lambda: obj.occupancy(),
                 lambda: repr(obj)]
    elif isinstance(obj, trede.CalibrationReport):
        calls = [lambda: obj.estimates, lambda: obj.covariance, lambda: obj.targets, lambda: obj.calibrated_text,
                 lambda: repr(obj)]
    else:
        calls = [lambda: obj.seed, lambda: obj.replicates, lambda: obj.edges, lambda: obj.scenario_text,
                 lambda: obj.sample_share, lambda: obj.groups, lambda: obj.regions, lambda: obj.organisations,
                 lambda: repr(obj), lambda: obj.waiting_times(), lambda: obj.flow_matrix(), lambda: obj.cost_by_state(),
                 lambda: obj.kpi_table(), lambda: obj.replicate_kpis()]
        for m in ("occupancy", "ladder", "waiting", "flows", "cost", "kpi", "kpi_period"):
            calls += [lambda m=m: getattr(obj, m)(), lambda m=m: getattr(obj, m)(replicates=True)]
        if isinstance(obj, trede.PsaResult):
            calls += [lambda: obj.draws, lambda: obj.distributions, lambda: obj.variance(), lambda: obj.draw_means(),
                      lambda: obj.common_streams]
    for call in calls:
        call()


def _datasets(path):
    names = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        attrs = sorted(f.attrs.keys())
    return sorted(names), attrs


def _delete(name):
    def change(f):
        del f[name]
    return change


def _retype(name):
    """Text where numbers were, numbers where text (or a table) was."""
    def change(f):
        d = f[name]
        shape, text = d.shape, h5py.check_string_dtype(d.dtype) is not None or bool(d.dtype.names)
        del f[name]
        if text:
            f[name] = np.zeros(shape, dtype=float)
        else:
            f.create_dataset(name, data=np.full(shape, "x", dtype=object) if shape else "x", dtype=h5py.string_dtype())
    return change


def _shrink(name):
    """One value fewer (a scalar becomes two values)."""
    def change(f):
        data = f[name][()]
        del f[name]
        f[name] = np.asarray([data, data]) if np.ndim(data) == 0 else data.reshape(-1)[:max(0, data.size - 1)]
    return change


def _check_damaged(path, what):
    """trede.read and every method either work or raise IoError naming the file and a dataset or
    attribute; returns the message (None when the damage went unnoticed)."""
    try:
        _use(trede.read(path))
    except trede.IoError as e:
        message = str(e)
        assert e.filename == str(path) and str(path) in message, f"{what}: {message}"
        assert re.search(r"/\w|attribute \w|no such file|HDF5", message), f"{what}: names no dataset: {message}"
        return message
    except Exception as e:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{what}: {type(e).__name__} instead of trede.IoError: {e}")
    return None


KINDS = ["run", "psa", "comparison", "sweep", "calibration"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_file_reads_undamaged(files, kind):
    if kind not in files:
        pytest.skip("calibration is not built")
    _use(trede.read(files[kind]))


@pytest.mark.parametrize("damage", ["delete", "retype", "shrink"])
@pytest.mark.parametrize("kind", KINDS)
def test_damaged_dataset_is_an_io_error_naming_file_and_dataset(files, tmp_path, kind, damage):
    """Every dataset of the file deleted, made text or numbers, or cut by one value, one at a
    time (of a comparison: its own; its scenarios are results, damaged as the run file is, and
    by the report test below)."""
    if kind not in files:
        pytest.skip("calibration is not built")
    names, _ = _datasets(files[kind])
    names = [n for n in names if not n.startswith("scenarios/")]
    make = {"delete": _delete, "retype": _retype, "shrink": _shrink}[damage]
    noticed = 0
    for name in names:
        path = tmp_path / f"{kind}.h5"
        shutil.copy(files[kind], path)
        with h5py.File(path, "r+") as f:
            make(name)(f)
        message = _check_damaged(path, f"{kind}: {damage} /{name}")
        if message is not None:
            noticed += 1
            if damage == "delete":  # a missing dataset is named itself
                assert f"/{name} " in message, f"{kind}: delete /{name}: {message}"
    # What no method reads may go unnoticed (e.g. a sweep's summary/flows); the rest may not.
    assert noticed > 0


@pytest.mark.parametrize("kind", KINDS)
def test_damaged_attribute_is_an_io_error_naming_it(files, tmp_path, kind):
    if kind not in files:
        pytest.skip("calibration is not built")
    _, attrs = _datasets(files[kind])
    for name in attrs:
        for value in (None, "x"):
            path = tmp_path / f"{kind}.h5"
            shutil.copy(files[kind], path)
            with h5py.File(path, "r+") as f:
                if value is None:
                    del f.attrs[name]
                else:
                    f.attrs[name] = value
            message = _check_damaged(path, f"{kind}: attribute {name} {'deleted' if value is None else 'made text'}")
            if message is not None and name in ("trede_version", "master_seed", "replicates"):
                assert name in message or "trede_version" in message, message


@pytest.mark.parametrize("kind", KINDS)
def test_truncated_or_fake_file_is_an_io_error(files, tmp_path, kind):
    if kind not in files:
        pytest.skip("calibration is not built")
    for what, damage in (("cut in half", lambda p: os.truncate(p, os.path.getsize(p) // 2)),
                         ("cut to 1000 bytes", lambda p: os.truncate(p, 1000)),
                         ("a text file named .h5", lambda p: p.write_text("name = 'not hdf5'\n"))):
        path = tmp_path / f"{kind}.h5"
        shutil.copy(files[kind], path)
        damage(path)
        with pytest.raises(trede.IoError) as info:
            _use(trede.read(path))
        assert info.value.filename == str(path) and str(path) in str(info.value), f"{what}: {info.value}"


def _report(args, cwd, python_package):
    env = dict(os.environ, PYTHONPATH=python_package, MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "trede.report", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_report_of_a_damaged_or_unsupported_file_is_one_error_line(files, tmp_path):
    """`python3 -m trede.report` (what `trede report` runs) on damaged files, on files of kinds
    it does not report on, and on a missing file: exit 2 and an `error:` line naming the file,
    no traceback, nothing written."""
    package = str(os.path.dirname(os.path.dirname(trede.__file__)))
    cases = [
        ("run", _delete("summary/kpi"), "/summary/kpi"),
        ("run", _retype("time"), "/time"),
        ("run", lambda f: f.attrs.__delitem__("replicates"), "replicates"),
        ("comparison", _shrink("decision/summary/mean"), "/decision/summary/mean"),
        ("comparison", _delete("scenarios/1/replicates/kpi"), "/scenarios/1/replicates/kpi"),
        ("psa", _delete("draws/parameters"), "/draws/parameters"),
        ("sweep", None, "sweep"),
        ("run", lambda f: None, None),  # undamaged, but cut in half below
    ]
    if "calibration" in files:
        cases.append(("calibration", None, "calibration"))
    for i, (kind, change, words) in enumerate(cases):
        path = tmp_path / f"{i}-{kind}.h5"
        shutil.copy(files[kind], path)
        if change is not None:
            with h5py.File(path, "r+") as f:
                change(f)
        if words is None:
            os.truncate(path, os.path.getsize(path) // 2)
        p = _report([path.name, "-o", "out.html"], tmp_path, package)
        assert p.returncode == 2, describe(p)
        assert "Traceback" not in p.stderr and p.stderr.startswith("error: ") and p.stderr.count("\n") == 1, describe(p)
        assert path.name in p.stderr and (words is None or words in p.stderr), describe(p)
        assert not (tmp_path / "out.html").exists()
    p = _report(["missing.h5"], tmp_path, package)
    assert p.returncode == 2 and "missing.h5: no such file" in p.stderr and "Traceback" not in p.stderr, describe(p)


def test_trede_report_of_a_damaged_file_is_one_error_line(files, tmp_path):
    path = tmp_path / "damaged.h5"
    shutil.copy(files["comparison"], path)
    with h5py.File(path, "r+") as f:
        del f["difference/kpi/mean"]
    p = cli("report", path.name, "-o", "out.html", cwd=tmp_path)
    assert p.returncode == 2, describe(p)
    assert "Traceback" not in p.stderr and "damaged.h5" in p.stderr and "/difference/kpi/mean" in p.stderr, describe(p)
    assert not (tmp_path / "out.html").exists()


def test_export_of_a_damaged_file_is_one_error_line(files, tmp_path):
    """`python3 -m trede.export` (what `trede export` runs) on damaged files of every kind: exit
    2, one `error:` line naming the file and the dataset, nothing written."""
    package = str(os.path.dirname(os.path.dirname(trede.__file__)))
    env = dict(os.environ, PYTHONPATH=package, MPLBACKEND="Agg")
    damages = {"run": "replicates/flows", "psa": "draws/keys", "comparison": "difference/kpi/lo",
               "sweep": "points/keys", "calibration": "estimates/estimate"}
    for kind, name in damages.items():
        if kind not in files:
            continue
        path = tmp_path / f"{kind}.h5"
        shutil.copy(files[kind], path)
        with h5py.File(path, "r+") as f:
            _shrink(name)(f)
        out = tmp_path / f"out-{kind}"
        p = subprocess.run([sys.executable, "-m", "trede.export", path.name, "--format", "csv", "-o", out.name],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert p.returncode == 2, describe(p)
        assert "Traceback" not in p.stderr and p.stderr.startswith("error: ") and p.stderr.count("\n") == 1, describe(p)
        assert path.name in p.stderr and f"/{name}" in p.stderr, describe(p)
        assert not out.exists() or not any(out.iterdir()), describe(p)
