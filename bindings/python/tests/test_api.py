"""The Python API: scenarios and overrides, run, compare, tidy frames, the GIL and progress."""

import os
import re
import signal
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

import trede
from conftest import BM2, BM2_SMALL, MODELS


# ---- scenarios ----------------------------------------------------------------------------------

def test_load_scenario_exposes_the_model(bm2_small):
    s = bm2_small
    assert s.name == "ladder-bm2"
    assert s.path == BM2
    assert s.start_year == 2025.0 and s.horizon_years == 10.0 and s.end_year == 2035.0
    np.testing.assert_array_equal(s.report_times, np.arange(2025.0, 2036.0))
    names = [st.name for st in s.states]
    assert names[:3] == ["bijstand", "diagnose", "ontwikkeltraject"]
    assert "wait_beschut_werk" in names and s.state("wait_beschut_werk").generated
    assert s.state("wait_beschut_werk").waiting_for == "beschut_werk"
    bw = s.state("beschut_werk")
    assert (bw.trede, bw.functionality, bw.places, bw.waiting, bw.renege_rate) == (5, "H", 60.0, "separate", 0.5)
    assert s.state("bijstand").cost_eur_per_year == 15000.0
    assert s.initial_population == 3000
    t = {x.id: x for x in s.transitions}
    assert t["bijstand->diagnose"].rate == 0.5 and t["bijstand->diagnose"].hazard == "exponential"
    assert t["bijstand->diagnose"].mean_years == pytest.approx(2.0)
    assert set(s.organisation_models) >= {"gecombineerd", "integraal", "partieel", "bedrijf_beschut_werk", "klassiek"}
    assert s.regions[0].name == "all" and s.regions[0].organisation_model is None
    assert "bijstand" in s.describe()
    assert isinstance(s.states_frame(), pd.DataFrame) and len(s.transitions_frame()) == len(s.transitions)
    assert "ladder-bm2" in repr(s)


def test_overrides_as_mapping_strings_and_with_overrides():
    a = trede.load_scenario(BM2, {"horizon_years": 4, "state[beschut_werk].capacity": {2025: 100, 2027: 150},
                                  "organisation_model": "klassiek", "report.step_years": 0.5})
    assert a.horizon_years == 4.0 and len(a.report_times) == 9
    bw = a.state("beschut_werk")  # places: from the start; places_by_year: the changes after it
    assert bw.places == 100.0 and bw.places_by_year == {2027.0: 150.0}
    assert a.regions[0].organisation_model == "klassiek"
    assert a.overrides == ("horizon_years=4", "state[beschut_werk].capacity={2025 = 100, 2027 = 150}",
                           'organisation_model="klassiek"', "report.step_years=0.5")
    b = trede.load_scenario(BM2, ["horizon_years=4", "transition[bijstand->diagnose].rate=0.7"])
    assert {t.id: t.rate for t in b.transitions}["bijstand->diagnose"] == 0.7
    c = b.with_overrides({"transition[bijstand->diagnose].rate": 0.9})
    assert c.horizon_years == 4.0 and {t.id: t.rate for t in c.transitions}["bijstand->diagnose"] == 0.9
    assert b.overrides == ("horizon_years=4", "transition[bijstand->diagnose].rate=0.7")  # b itself unchanged
    assert trede.format_overrides({"x": True, "y": "separate", "z": [1, 2.5], "w": float("inf")}) == \
        ["x=true", 'y="separate"', "z=[1, 2.5]", "w=inf"]


def test_parse_scenario_from_text_resolves_relative_paths():
    text = (MODELS / "ladder-bm.toml").read_text()
    s = trede.parse_scenario(text, name="inline", overrides={"population[0].count": 100}, base_dir=MODELS)
    assert s.path is None and s.initial_population == 100
    assert s.with_overrides({"horizon_years": 2}).horizon_years == 2.0


def test_a_text_that_extends_a_file_is_checked_in_its_base_dir():
    # The load-time check that no uncertain key moves the report grid reads the scenario again,
    # in the base_dir it was parsed with (not the directory of its name).
    text = 'extends = "ladder-bm.toml"\n[uncertainty]\n"horizon_years" = { dist = "uniform", min = 5, max = 15 }\n'
    with pytest.raises(trede.ModelError, match=r'inline.toml:3: uncertainty."horizon_years": changes the report grid'):
        trede.parse_scenario(text, name="inline.toml", base_dir=MODELS)
    ok = trede.parse_scenario(text.replace('"horizon_years"', '"transition[bijstand->diagnose].rate"')
                              .replace("min = 5, max = 15", "min = 0.1, max = 0.3"), name="inline.toml", base_dir=MODELS)
    assert ok.with_overrides({"horizon_years": 2}).horizon_years == 2.0


# ---- run ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def result(bm2_small):
    return trede.run(bm2_small, 6, seed=42)


def test_run_gives_arrays_of_the_file_layout(result):
    R, T, S = 6, 11, 11
    assert result.replicates == R and result.seed == 42
    assert result["replicates/occupancy"].shape == (R, T, S)
    assert result["replicates/occupancy"].dtype == np.int32
    assert result["summary/occupancy/mean"].shape == (T, S)
    assert result.states[-2:] == ["wait_beschut_werk", "wait_tussengroep"]
    assert result.capacity_states == ["beschut_werk", "tussengroep"]
    assert list(result["replicates/replicate"]) == list(range(R))
    # The arrays are read-only views of the C++ ensemble: they cannot be changed by accident.
    with pytest.raises(ValueError):
        result["replicates/occupancy"][0, 0, 0] = 1
    # Conservation: everyone is somewhere (absorbing states count the cumulative exits).
    occ = result["replicates/occupancy"].sum(axis=2)
    persons = result.replicate_kpis()["persons"].to_numpy()
    np.testing.assert_array_equal(occ[:, -1], persons)


def test_tidy_frames_hold_the_arrays(result):
    occ = result.occupancy()
    assert list(occ.columns) == ["time", "state", "trede", "statistic", "value"]
    assert len(occ) == 11 * 11 * 5
    cell = occ[(occ.time == 2030.0) & (occ.state == "wait_beschut_werk") & (occ.statistic == "q95")]
    assert cell.value.item() == result["summary/occupancy/q95"][5, result.states.index("wait_beschut_werk")]
    assert cell.trede.item() == result.trede[result.states.index("wait_beschut_werk")]

    per = result.occupancy(replicates=True)
    assert list(per.columns) == ["replicate", "time", "state", "trede", "value"]
    x = per[(per.replicate == 3) & (per.time == 2027.0) & (per.state == "uitval")].value.item()
    assert x == result["replicates/occupancy"][3, 2, result.states.index("uitval")]

    lad = result.ladder()
    assert list(lad.columns) == ["time", "trede", "statistic", "value"]
    m = lad[lad.statistic == "mean"].pivot(index="time", columns="trede", values="value")
    np.testing.assert_array_equal(m.to_numpy(), result["summary/trede_occupancy/mean"])

    w = result.waiting()
    assert list(w.columns) == ["time", "state", "statistic", "value"] and set(w.state) == {"beschut_werk", "tussengroep"}
    k = result.kpi()
    assert list(k.columns) == ["kpi", "statistic", "value"]
    assert result.kpi_table().loc["persons", "mean"] == result.replicate_kpis()["persons"].mean()
    fl = result.flows()
    assert list(fl.columns) == ["time", "period_start", "edge", "id", "from", "to", "kind", "statistic", "value"]
    assert set(fl.kind) >= {"transition", "inflow", "renege", "to_waiting", "admission"}
    assert list(result.cost().columns) == ["time", "statistic", "value"]
    assert list(result.kpi_period().columns) == ["time", "kpi", "statistic", "value"]


def test_python_statistics_match_the_cpp_summaries(result):
    """trede.summarize (used for derived quantities) agrees with the C++ summaries."""
    s = trede.summarize(result["replicates/occupancy"])
    for stat in trede.STATISTICS:
        np.testing.assert_allclose(s[stat], result[f"summary/occupancy/{stat}"], rtol=1e-12, atol=1e-9)


def test_waiting_times_follow_from_the_per_period_arrays(result):
    wt = result.waiting_times()
    assert list(wt.columns) == ["time", "state", "quantity", "statistic", "value"]
    c = result.capacity_states.index("beschut_werk")
    adm = result["replicates/waiting_admitted"][:, 5, c].astype(float)
    tsum = result["replicates/waiting_time_admitted_sum"][:, 5, c]
    expected = np.nanmean(np.where(adm > 0, tsum / np.where(adm > 0, adm, 1), np.nan))
    got = wt[(wt.time == 2030.0) & (wt.state == "beschut_werk") & (wt.quantity == "mean_wait_admitted_years")
             & (wt.statistic == "mean")].value.item()
    assert got == pytest.approx(expected)
    assert got > 0  # the lists fill in this scenario, so people wait


def test_flow_matrix_totals_the_flows(result):
    m = result.flow_matrix(per_year=False)
    total = result["replicates/flows"].sum(axis=(1, 2)).mean()
    assert m.to_numpy().sum() == pytest.approx(total)
    assert m.loc["(inflow)", "bijstand"] == pytest.approx(result.kpi_table().loc["arrivals", "mean"])


def test_results_do_not_depend_on_threads(bm2_small):
    a = trede.run(bm2_small, 4, seed=5, threads=1)
    b = trede.run(bm2_small, 4, seed=5, threads=2)
    c = trede.run(bm2_small, 4, seed=6, threads=2)
    for key in ("replicates/occupancy", "replicates/flows", "replicates/kpi", "summary/occupancy/mean"):
        assert a[key].tobytes() == b[key].tobytes(), key
    assert a["replicates/occupancy"].tobytes() != c["replicates/occupancy"].tobytes()


def test_replicate_ranges_are_decomposable(bm2_small):
    whole = trede.run(bm2_small, 4, seed=9)
    tail = trede.run(bm2_small, 2, seed=9, first_replicate=2)
    assert list(tail["replicates/replicate"]) == [2, 3]
    assert whole["replicates/occupancy"][2:].tobytes() == tail["replicates/occupancy"].tobytes()


def test_run_accepts_a_path_and_overrides():
    r = trede.run(MODELS / "ladder-bm.toml", 2, seed=1, overrides={"population[0].count": 200, "horizon_years": 2})
    assert r.name == "ladder-bm" and r["replicates/occupancy"][0, 0].sum() == 200 and r.time[-1] == 2027.0


def test_progress_is_reported_from_the_calling_thread(bm2_small):
    calls = []
    caller = threading.get_ident()
    trede.run(bm2_small, 5, seed=1, threads=2, progress=lambda d, t: calls.append((d, t, threading.get_ident())))
    assert calls and calls[-1][:2] == (5, 5)
    assert all(t == 5 for _, t, _ in calls)
    assert [d for d, _, _ in calls] == sorted(d for d, _, _ in calls)
    assert {tid for _, _, tid in calls} == {caller}


def test_progress_bar_shows_the_time_left(bm2_small, capsys):
    trede.run(bm2_small, 5, seed=1, threads=2, progress=True)
    err = capsys.readouterr().err
    # tqdm (Debian's python3-tqdm): "replicates 5/5 |####| 00:01, eta 00:00".
    assert re.search(r"replicates 5/5 \|.*\| \d\d:\d\d, eta \d\d:\d\d", err), repr(err)


def test_progress_bar_without_tqdm_shows_the_time_left(bm2_small, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # `from tqdm import tqdm` now fails
    # Long enough (about a second) for a report before the end.
    trede.run(bm2_small.with_overrides({"population[0].count": 20000}), 20, seed=1, threads=1, progress=True)
    err = capsys.readouterr().err
    assert re.search(r"replicates (1?[0-9])/20 \[#*\.*\] \d+ s, eta \d+ s", err), repr(err)
    assert "replicates 20/20" in err


def test_an_exception_in_progress_stops_the_run(bm2_small):
    seen = []

    def stop(done, total):
        seen.append(done)
        raise RuntimeError("stop here")
    with pytest.raises(RuntimeError, match="stop here"):
        trede.run(bm2_small.with_overrides({"population[0].count": 20000}), 40, seed=1, threads=1, progress=stop)
    assert len(seen) == 1 and seen[0] < 40  # raised while replicates were still to run


def test_ctrl_c_stops_a_run(bm2_small):
    """SIGINT (Ctrl-C, a notebook's "interrupt kernel") during a run raises KeyboardInterrupt
    after the replicates in progress, instead of waiting for the whole run."""
    big = bm2_small.with_overrides({"population[0].count": 40000, "inflow[0].rate_per_year": 4000})
    t0 = time.monotonic()
    trede.run(big, 2, seed=1, threads=1)
    per_replicate = (time.monotonic() - t0) / 2
    timer = threading.Timer(3 * per_replicate, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        trede.run(big, 60, seed=1, threads=1)  # about 60 replicate-times if not interrupted
    elapsed = time.monotonic() - t0
    timer.join()
    assert elapsed < 20 * per_replicate, f"stopped after {elapsed:.2f} s ({per_replicate:.3f} s per replicate)"


def test_the_gil_is_released_while_simulating(bm2_small):
    """Another Python thread keeps running while the simulation runs."""
    big = bm2_small.with_overrides({"population[0].count": 40000, "inflow[0].rate_per_year": 4000})
    ticks = []
    box = {}

    def work():
        t0 = time.monotonic()
        box["r"] = trede.run(big, 16, seed=3, threads=1)
        box["seconds"] = time.monotonic() - t0

    th = threading.Thread(target=work)
    th.start()
    while th.is_alive():
        ticks.append(time.monotonic())
        x = 0
        for i in range(2000):  # pure Python work: needs the GIL
            x += i
    th.join()
    assert box["seconds"] > 0.3, "the run was too short to tell"
    # With the GIL held for the whole run this thread could not tick at all meanwhile.
    assert len(ticks) > 50, f"{len(ticks)} ticks in {box['seconds']:.2f} s"


# ---- compare ------------------------------------------------------------------------------------

def test_compare_pairs_scenarios_with_common_random_numbers(bm2_small):
    variants = {m: bm2_small.with_overrides({"organisation_model": m,
                                              "handover": [{"from": "*", "to": "*", "delay": 0.2, "leakage": 0.05,
                                                            "leak_to": "bijstand"}]})
                for m in ("gecombineerd", "klassiek")}
    variants["klassiek_again"] = variants["klassiek"]
    c = trede.compare(variants, 6, seed=11)
    assert c.names == ["gecombineerd", "klassiek", "klassiek_again"] and c.reference == "gecombineerd"
    assert len(c) == 3 and c["klassiek"] is c.scenarios[1]
    d = c.difference("kpi")
    assert list(d.columns) == ["scenario", "kpi", "statistic", "value"]
    assert set(d.statistic) == {"mean", "sd", "lo", "hi"}
    h = d[(d.kpi == "handovers") & (d.statistic == "lo")].set_index("scenario").value
    assert h["klassiek"] > 0  # klassiek hands people over between organisations, gecombineerd does not
    # Identical scenarios with the same random numbers: the same per-replicate results.
    assert c[1]["replicates/kpi"].tobytes() == c[2]["replicates/kpi"].tobytes()
    # The paired difference is the mean of per-replicate differences.
    k = c[0].kpi_names.index("uitstroom_werk")
    diff = (c[1]["replicates/kpi"][:, k] - c[0]["replicates/kpi"][:, k]).mean()
    got = d[(d.scenario == "klassiek") & (d.kpi == "uitstroom_werk") & (d.statistic == "mean")].value.item()
    assert got == pytest.approx(diff)
    tr = c.difference("trede_occupancy")
    assert list(tr.columns) == ["scenario", "time", "trede", "statistic", "value"]
    kp = c.difference("kpi_period")
    assert list(kp.columns) == ["scenario", "time", "kpi", "statistic", "value"]
    vr = c.variance_reduction()
    assert list(vr.columns) == ["scenario", "kpi", "value"] and len(vr) == 2 * len(c.kpi_names)
    assert "klassiek - gecombineerd (lo)" in c.kpi_table().columns


def test_compare_without_independent_streams(bm2_small):
    c = trede.compare([bm2_small, bm2_small.with_overrides({"state[beschut_werk].capacity": 120})], 3, seed=1,
                      independent=False)
    assert c.names == ["ladder-bm2", "ladder-bm2-2"] or len(set(c.names)) == 2
    assert len(c.variance_reduction()) == 0
    with pytest.raises(trede.ModelError, match="kpi_independent"):
        c.difference("kpi_independent")


def test_version():
    assert trede.__version__.count(".") == 2
    assert isinstance(trede.git_commit, str) and trede.git_commit


def test_trajectories_need_tracing_and_a_whole_number():
    r = trede.run(trede.load_scenario(BM2, BM2_SMALL), 2, seed=3)
    with pytest.raises(trede.ModelError, match="trajectories=N"):
        r.trajectories()
    with pytest.raises(trede.ModelError, match="trajectories"):
        trede.run(trede.load_scenario(BM2, BM2_SMALL), 2, seed=3, trajectories=-1)
    with pytest.raises(trede.ModelError, match="trajectories"):
        trede.run(trede.load_scenario(BM2, BM2_SMALL), 2, seed=3, trajectories=2.5)


def test_results_by_attribute_add_up_and_read_back(tmp_path):
    """[report.by]: occupancy and flows by age band and by doelgroep, written to the file, read
    back with h5py and as tidy frames; each breakdown adds up to the totals exactly."""
    import h5py
    r = trede.run(MODELS / "participatiewet" / "groningen.toml", 2, seed=1,
                  overrides={"horizon_years": 2, "report.by.age": [27, 45, 60], "report.by.doelgroep": True})
    assert r.groups[:4] == ["age < 27", "age 27-45", "age 45-60", "age >= 60"]
    assert r.groups[4:] == [f"doelgroep = {x}" for x in ("geen", "arbeidsbeperking", "beschut")]
    occ = r.by_group("occupancy", replicates=True)
    total = r.occupancy(replicates=True).set_index(["replicate", "time", "state"])["value"].sort_index()
    for ages in (True, False):
        part = occ[occ.group.str.startswith("age") == ages]
        summed = part.groupby(["replicate", "time", "state"])["value"].sum().sort_index()
        assert (summed.to_numpy() == total.to_numpy()).all()
    flows = r.by_group("flows")
    assert set(flows.statistic) == {"mean", "sd", "q05", "q50", "q95"} and set(flows.group) == set(r.groups)
    r.save(tmp_path / "by.h5")
    with h5py.File(tmp_path / "by.h5") as f:
        assert [g.decode() for g in f["groups"][()]] == r.groups
        T, S = len(r.time), len(r.states)
        assert f["summary/by_group/occupancy/mean"].shape == (T, len(r.groups), S)
        assert f["replicates/by_group/flows"].shape[:3] == (2, len(r.period_end), len(r.groups))
    plain = trede.run(MODELS / "ladder-bm2.toml", 2, seed=1, overrides={"population[0].count": 200})
    assert plain.groups == []
    with pytest.raises(trede.ModelError, match="report.by"):
        plain.by_group()
    with pytest.raises(trede.ModelError, match="no attribute 'agee'"):
        trede.run(MODELS / "participatiewet" / "groningen.toml", 1, overrides={"report.by.agee": [27]})
