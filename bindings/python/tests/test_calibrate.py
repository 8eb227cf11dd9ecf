"""trede.calibrate (C++ trede::calib): panel data and event histories from pandas or CSV,
aggregate targets, the calibrated scenario, and the same estimates as `trede calibrate`."""

import re

import pandas as pd
import pytest

import trede
from conftest import MODELS, cli, describe

pytestmark = pytest.mark.skipif(not hasattr(trede, "calibrate"), reason="libtrede built without calib")

LADDER4 = MODELS / "calibration" / "ladder4.toml"
GUESS = {"transition[bijstand->traject].rate": 0.3, "transition[traject->werk].rate": 0.2}


@pytest.fixture(scope="module")
def truth():
    return trede.load_scenario(LADDER4)


@pytest.fixture(scope="module")
def panel(truth):
    return trede.simulate_data(truth, 1500, follow_up_years=5, seed=11)


def test_simulated_panel_data(panel, truth):
    assert list(panel.columns[:3]) == ["id", "time", "state"]
    assert panel.id.nunique() == 1500
    assert set(panel.state) <= {s.name for s in truth.states}
    first = panel.groupby("id").time.min()
    assert (first == truth.start_year).all()
    assert (panel.groupby("id").time.diff().dropna() > 0).all()


def test_panel_fit_recovers_the_rates(truth, panel):
    fit = trede.calibrate(truth.with_overrides(GUESS), panel)
    assert fit.method == "panel" and fit.converged, fit.summary()
    est = fit.estimates.set_index("name")
    true = {t.id: t.rate for t in truth.transitions}
    assert set(est.index) == set(true)
    covered = sum(est.loc[k, "lower"] <= v <= est.loc[k, "upper"] for k, v in true.items())
    assert covered >= 5, est  # 95 % intervals: at most one of six may miss by chance
    assert est.loc["bijstand->traject", "start"] == 0.3
    assert fit.q.loc["bijstand", "traject"] == pytest.approx(est.loc["bijstand->traject", "estimate"])
    assert fit.covariance.shape == (6, 6)
    assert "bijstand->traject" in str(fit) and fit.info["subjects"] == 1500
    # The calibrated scenario carries the estimates and runs.
    cal = fit.scenario
    rates = {t.id: t.rate for t in cal.transitions}
    for k in true:
        assert rates[k] == pytest.approx(est.loc[k, "estimate"], rel=1e-4)
    assert trede.run(cal, 2, seed=1).replicates == 2


def test_dataframe_and_csv_give_the_same_fit(truth, panel, tmp_path):
    panel.to_csv(tmp_path / "panel.csv", index=False)
    a = trede.calibrate(truth, panel)
    b = trede.calibrate(truth, tmp_path / "panel.csv")
    pd.testing.assert_frame_equal(a.estimates, b.estimates)


def test_event_histories(truth):
    hist = trede.simulate_data(truth, 1500, exact=True, seed=12)
    fit = trede.calibrate(truth, hist, exact=True, fixed={"werk->exit": 0.04})
    assert fit.method == "exact" and fit.converged
    est = fit.estimates.set_index("name")
    assert bool(est.loc["werk->exit", "fixed"]) and est.loc["werk->exit", "estimate"] == 0.04
    assert abs(est.loc["bijstand->traject", "estimate"] - 0.6) < 0.1


def test_aggregate_targets(truth):
    start = truth.with_overrides({"transition[traject->werk].rate": 0.2})
    werk = trede.run(truth, 30, seed=5).occupancy().query("state == 'werk' and statistic == 'mean'")
    werk = werk.set_index("time").value.loc[[2027.0, 2029.0]]
    targets = [{"id": "werk", "model": {"kind": "stock", "states": ["werk"]}, "times": list(werk.index),
                "values": list(werk), "sd": [20.0, 20.0]}]
    fit = trede.calibrate(start, targets=targets, parameters=[("transition[traject->werk].rate", 0.05, 2.0)],
                          replicates=8, seed=1, max_evaluations=60)
    assert fit.method == "targets" and fit.converged, fit.summary()
    assert abs(fit.estimates.estimate.item() - 0.5) < 0.1
    assert list(fit.targets.columns) == ["id", "time", "observed", "sd", "simulated", "simulated_se", "z"]


def test_same_estimates_as_the_cli(truth, panel, tmp_path):
    panel.to_csv(tmp_path / "panel.csv", index=False)
    p = cli("calibrate", LADDER4, "--data", "panel.csv", "-o", "cli.toml", "-q", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    fit = trede.calibrate(truth, tmp_path / "panel.csv")
    fit.save_scenario(tmp_path / "py.toml")
    fit.save_report(tmp_path / "py-report.h5")
    assert (tmp_path / "py-report.h5").stat().st_size > 0

    def body(path):  # the scenario lines, without the provenance comment block
        return [line for line in path.read_text().splitlines() if not line.startswith("#")]
    assert body(tmp_path / "cli.toml") == body(tmp_path / "py.toml")
    assert re.search(r"rate = 0\.\d+", (tmp_path / "py.toml").read_text())


def test_calibrate_errors(truth, panel, tmp_path):
    with pytest.raises(trede.ModelError):
        trede.calibrate(truth)
    with pytest.raises(trede.ModelError):
        trede.calibrate(truth, panel, targets={"targets": []})
    with pytest.raises(trede.ModelError):
        trede.calibrate(truth, panel.drop(columns=["state"]))
    bad = panel.copy()
    bad.loc[3, "state"] = "nowhere"
    with pytest.raises(trede.ModelError) as info:
        trede.calibrate(truth, bad)
    assert any("nowhere" in str(d) for d in info.value.diagnostics)
    with pytest.raises(trede.IoError):
        trede.calibrate(truth, tmp_path / "missing.csv")
    with pytest.raises(trede.IoError):
        trede.calibrate(truth, targets=tmp_path / "missing.json", parameters=["transition[traject->werk].rate=0.1:1"])
    # A key the targets file already fits, given again: it was fitted twice, one copy stuck at its start.
    with pytest.raises(trede.ModelError) as info:
        trede.calibrate(truth, targets=trede.models_dir() / "calibration" / "targets.json",
                        parameters=["transition[bijstand->traject].rate=0.05:2"])
    assert any("given twice" in d.message and d.key == "transition[bijstand->traject].rate"
               for d in info.value.diagnostics), info.value.diagnostics
    # The same parameter spelt by index (transition[0] is bijstand->traject) is the same parameter.
    with pytest.raises(trede.ModelError) as info:
        trede.calibrate(truth, targets=trede.models_dir() / "calibration" / "targets.json",
                        parameters=["transition[0].rate=0.05:2"])
    assert any("given twice" in d.message and d.key == "transition[0].rate" for d in info.value.diagnostics), \
        info.value.diagnostics
    # A problem of the model specification is named by its argument's entry, not blamed on the
    # scenario file (which says nothing about fixed rates or shared groups).
    with pytest.raises(trede.ModelError) as info:
        trede.calibrate(truth, panel, fixed={"nope->x": 1.0}, shared=[["werk->exit", "bijstand->exit"], ["werk->exit", "traject->werk"]])
    got = {(d.file, d.key) for d in info.value.diagnostics}
    assert ("", "fixed[nope->x]") in got and ("", "shared[1]") in got, got
    assert not any(d.file.endswith("ladder4.toml") for d in info.value.diagnostics), info.value.diagnostics
