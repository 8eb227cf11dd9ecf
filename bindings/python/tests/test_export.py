"""`trede export` and `python3 -m trede.export`: the tables of every kind of trede file (run,
probabilistic sensitivity analysis, comparison, sweep, calibration report) as CSV files and as
an xlsx workbook, read back with pandas and openpyxl and compared with the HDF5 file (h5py):
the same numbers, as numbers, with the units in the headers and the sources of uncertainty the
intervals include; nothing overwritten without --force, the input never."""

import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import trede
import trede.export
from conftest import BM2, BM2_SMALL, MODELS, cli, describe, set_args
from decision_files import PSA_COMPARE_DRAWS, psa_comparison

STATS = ("mean", "sd", "q05", "q50", "q95")


def read_csv(path):
    return pd.read_csv(path, float_precision="round_trip", keep_default_na=True)


def export(source, out, fmt, *extra):
    p = cli("export", source, "--format", fmt, "-o", out, *extra, cwd=source.parent)
    assert p.returncode == 0, describe(p)
    return p


def assert_cells(cells, expected):
    """Worksheet cells equal to the file's numbers: numbers as numbers (openpyxl keeps 16
    significant digits, more than Excel shows), empty cells where a value is NaN or infinite."""
    expected = np.asarray(expected, dtype=float).reshape(-1)
    assert len(cells) == len(expected)
    finite = np.isfinite(expected)
    assert all(c is None for c, f in zip(cells, finite) if not f)
    got = [c for c, f in zip(cells, finite) if f]
    assert all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in got)
    np.testing.assert_allclose(np.array(got, dtype=float), expected[finite], rtol=1e-15, atol=0)


def sheet(wb, name):
    """A worksheet as (header, rows) with the cells' Python values."""
    rows = list(wb[name].iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def strings(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in np.asarray(ds[()]).reshape(-1)]


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    work = tmp_path_factory.mktemp("sweep")
    small = {**BM2_SMALL, "horizon_years": 3}
    p = cli("sweep", BM2, *set_args(small), "--grid", "state[beschut_werk].capacity=40,80", "-n", 2, "--seed", 4,
            "-q", "-o", "sweep.h5", cwd=work)
    assert p.returncode == 0, describe(p)
    return work / "sweep.h5"


@pytest.fixture(scope="module")
def fit_file(tmp_path_factory):
    work = tmp_path_factory.mktemp("fit")
    cal = MODELS / "calibration"
    p = cli("calibrate", cal / "ladder4.toml", "--data", cal / "panel.csv", "-q", "--report", "fit.h5", cwd=work)
    assert p.returncode == 0, describe(p)
    return work / "fit.h5"


def test_run_file_as_csv_and_xlsx(cli_run_file, tmp_path):
    p = export(cli_run_file, tmp_path / "csv", "csv")
    assert "wrote" in p.stdout and "run_kpi.csv" in p.stdout
    export(cli_run_file, tmp_path / "xlsx", "xlsx")
    with h5py.File(cli_run_file, "r") as f:
        kpi = f["summary/kpi"][()]
        names = strings(f["kpi_names"])
        occ = {s: f[f"summary/occupancy/{s}"][()] for s in STATS}
        flows_mean = f["summary/flows/mean"][()]
        states = strings(f["states"])
        time = f["time"][()]
        reps = f["replicates/kpi"][()]
    # CSV: exact numbers (round trip), units in the headers.
    k = read_csv(tmp_path / "csv" / "run_kpi.csv")
    assert list(k.kpi) == names
    for s in STATS:
        np.testing.assert_array_equal(k[s].to_numpy(), kpi[s])
    assert k.loc[k.kpi == "cost_total_eur", "unit"].item() == "EUR"
    assert k.loc[k.kpi == "share_reached_work", "unit"].item() == "fraction"
    o = read_csv(tmp_path / "csv" / "run_occupancy.csv")
    assert list(o.columns[:3]) == ["time (calendar year)", "state", "trede"]
    for s in STATS:
        np.testing.assert_array_equal(o[f"{s} (people)"].to_numpy(), occ[s].reshape(-1))
    assert list(o.state[:len(states)]) == states and o["time (calendar year)"].iloc[-1] == time[-1]
    fl = read_csv(tmp_path / "csv" / "run_flows.csv")
    np.testing.assert_array_equal(fl["mean (moves)"].to_numpy(), flows_mean.reshape(-1))
    r = read_csv(tmp_path / "csv" / "run_kpi_replicates.csv")
    np.testing.assert_array_equal(r["persons_reaching_work (people)"].to_numpy(), reps[:, names.index("persons_reaching_work")])
    # xlsx: one sheet per table, in the order of contents; numbers are numbers.
    wb = load_workbook(tmp_path / "xlsx" / "run.xlsx", read_only=True)
    contents = read_csv(tmp_path / "csv" / "run_contents.csv")
    assert wb.sheetnames == list(contents.table)
    header, rows = sheet(wb, "kpi")
    assert header[:3] == ["kpi", "label", "unit"]
    assert [r[0] for r in rows] == names
    assert_cells([r[header.index("mean")] for r in rows], kpi["mean"])
    header, rows = sheet(wb, "occupancy")
    assert header[3] == "mean (people)"
    assert_cells([r[3] for r in rows], occ["mean"])
    assert_cells([r[0] for r in rows], np.repeat(time, len(states)))  # calendar years as numbers
    assert not list((tmp_path / "xlsx").glob(".*tmp*")) and not list((tmp_path / "csv").glob(".*tmp*"))


def test_psa_file(psa_file, tmp_path):
    """A PSA file: the draws, the declared distributions, the KPIs per draw, the variance split,
    the first-order indices, and the KPI table whose intervals state both sources."""
    export(psa_file, tmp_path / "csv", "csv")
    export(psa_file, tmp_path / "xlsx", "xlsx")
    with h5py.File(psa_file, "r") as f:
        kpi = f["summary/kpi"][()]
        names = strings(f["kpi_names"])
        keys = strings(f["draws/keys"])
        dists = strings(f["draws/distributions"])
        block = f["draws/block"][()]
        values = f["draws/parameters"][()]
        reps = f["replicates/kpi"][()]
        draw = f["replicates/draw"][()]
        v = {c: f[f"variance/kpi/{c}"][()] for c in ("mean", "total", "parameter", "parameter_lower", "parameter_upper",
                                                     "monte_carlo", "parameter_share", "parameter_share_se")}
        D, R = int(f.attrs["draws"]), int(f.attrs["replicates_per_draw"])
    contents = read_csv(tmp_path / "csv" / "psa_contents.csv")
    assert {"kpi", "kpi_replicates", "parameters", "draws", "draw_kpi", "variance", "first_order"} <= set(contents.table)
    about = read_csv(tmp_path / "csv" / "psa_about.csv")
    assert set(about.loc[about.attribute == "kind", "value"]) == {"psa"}  # the export's kind and the file's
    # The KPI table: statistics over all D x R runs, the interval of the mean over the draw means,
    # and the sources it includes.
    k = read_csv(tmp_path / "csv" / "psa_kpi.csv")
    assert list(k.kpi) == names
    for s in STATS:
        np.testing.assert_array_equal(k[s].to_numpy(), kpi[s])
    assert set(k["uncertainty included"]) == {"parameter (6 uncertain parameters, 32 draws, sobol) and Monte Carlo "
                                              "(2 replicates per draw, independent streams)"}
    means = reps.reshape(D, R, -1).mean(axis=1)
    j = names.index("persons_reaching_work")
    from scipy.stats import t as student_t
    half = student_t.ppf(0.975, D - 1) * means[:, j].std(ddof=1) / np.sqrt(D)
    row = k[k.kpi == "persons_reaching_work"].iloc[0]
    assert row["mean_low (95 % interval of the mean)"] == pytest.approx(kpi["mean"][j] - half, rel=1e-12)
    assert row["mean_high (95 % interval of the mean)"] == pytest.approx(kpi["mean"][j] + half, rel=1e-12)
    # The draws, one row per draw, and the declared distributions with their blocks.
    d = read_csv(tmp_path / "csv" / "psa_draws.csv")
    assert list(d.columns) == ["draw", *keys]
    np.testing.assert_array_equal(d[keys].to_numpy(), values.reshape(D, -1))
    par = read_csv(tmp_path / "csv" / "psa_parameters.csv")
    assert list(par.key) == keys and list(par.distribution) == dists and list(par.block) == list(block)
    grouped = par[par.block.duplicated(keep=False)]
    assert len(grouped) == 2 and set(grouped["drawn with"]) == set(grouped.key)  # the correlated pair
    assert set(grouped["block name"]) == {"local labour market"}  # the group's name in the scenario
    alone = par[~par.block.duplicated(keep=False)]
    assert list(alone["block name"]) == list(alone.key)
    np.testing.assert_allclose(par["mean of the draws"].to_numpy(), values.reshape(D, -1).mean(axis=0), rtol=1e-14)
    # Runs carry their draw; the draw means are the means over its replicates.
    r = read_csv(tmp_path / "csv" / "psa_kpi_replicates.csv")
    np.testing.assert_array_equal(r["draw"].to_numpy(), draw)
    dk = read_csv(tmp_path / "csv" / "psa_draw_kpi.csv")
    np.testing.assert_allclose(dk["persons_reaching_work (people)"].to_numpy(), means[:, j], rtol=1e-15)
    # The variance split as the file has it.
    var = read_csv(tmp_path / "csv" / "psa_variance.csv")
    assert list(var.kpi) == names
    np.testing.assert_array_equal(var["variance: parameter part (unit squared)"].to_numpy(), v["parameter"])
    np.testing.assert_array_equal(var["parameter_low (95 % interval, unit squared)"].to_numpy(), v["parameter_lower"])
    np.testing.assert_array_equal(var["parameter share (fraction)"].to_numpy(), v["parameter_share"])
    np.testing.assert_allclose(var["sd of one run"].to_numpy(), np.sqrt(v["total"]), rtol=1e-15)
    low = var["parameter share low (95 % interval)"].to_numpy()
    np.testing.assert_allclose(low, np.clip(v["parameter_share"] - 1.959963984540054 * v["parameter_share_se"], 0, 1))
    # First-order indices: as the package computes them, for every KPI and key.
    fo = read_csv(tmp_path / "csv" / "psa_first_order.csv")
    assert len(fo) == len(names) * len(keys)
    expect = trede.read(psa_file).first_order()
    np.testing.assert_allclose(fo["first-order index (fraction)"].to_numpy(), expect["index"].to_numpy(), rtol=1e-12)
    # xlsx: the same tables, numbers as numbers.
    wb = load_workbook(tmp_path / "xlsx" / "psa.xlsx", read_only=True)
    assert wb.sheetnames == list(contents.table)
    header, rows = sheet(wb, "draws")
    assert header == ["draw", *keys]
    assert_cells([row[1 + keys.index(keys[-1])] for row in rows], values.reshape(D, -1)[:, -1])
    header, rows = sheet(wb, "variance")
    assert_cells([row[header.index("parameter share (fraction)")] for row in rows], v["parameter_share"])
    header, rows = sheet(wb, "kpi")
    assert rows[0][header.index("uncertainty included")].startswith("parameter (6 uncertain parameters")


def test_psa_with_common_streams_gives_no_interval_of_the_mean(tmp_path):
    """With common streams the draw means share the streams' noise: the mean's interval is left
    empty rather than too narrow, and the table says the streams were common."""
    p = trede.run(MODELS / "participatiewet" / "groningen-uncertain.toml", 2, draws=8, seed=2, common_streams=True,
                  overrides={"horizon_years": 1})
    t = trede.export.tables(p)
    k = t["kpi"].frame
    assert k["mean_low (95 % interval of the mean)"].isna().all()
    assert k["uncertainty included"].iloc[0].endswith("(2 replicates per draw, common streams)")
    assert "two-way (common streams)" in t["variance"].description
    # ... and that its Monte Carlo interval is too narrow, as the report says (docs/uncertainty.md §7)
    assert "its interval is too narrow" in t["variance"].description, t["variance"].description
    independent = trede.export.tables(trede.run(MODELS / "participatiewet" / "groningen-uncertain.toml", 2, draws=8,
                                                seed=2, overrides={"horizon_years": 1}))
    assert "too narrow" not in independent["variance"].description
    run = trede.export.tables(trede.run(BM2, 3, seed=1, overrides={**BM2_SMALL, "horizon_years": 1}))
    assert set(run["kpi"].frame["uncertainty included"]) == {"Monte Carlo (3 replicates)"}


def test_comparison_file(cli_compare_file, tmp_path):
    p = subprocess.run([sys.executable, "-m", "trede.export", str(cli_compare_file), "--format", "csv", "-o",
                        str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, describe(p)
    export(cli_compare_file, tmp_path, "xlsx")
    c = trede.read(cli_compare_file)
    with h5py.File(cli_compare_file, "r") as f:
        d = {s: f[f"difference/kpi/{s}"][()] for s in ("mean", "lo", "hi")}
        occ1 = f["scenarios/1/summary/occupancy/mean"][()]
        ladder_d = f["difference/trede_occupancy/mean"][()]
    dk = read_csv(tmp_path / "cmp_differences_kpi.csv")
    level = int(round(c.confidence * 100))
    assert list(dk.columns) == ["scenario", "kpi", "unit", "mean", "sd", f"low ({level} % interval)",
                                f"high ({level} % interval)"]
    np.testing.assert_array_equal(dk["mean"].to_numpy(), d["mean"].reshape(-1))
    np.testing.assert_array_equal(dk[f"low ({level} % interval)"].to_numpy(), d["lo"].reshape(-1))
    np.testing.assert_array_equal(dk[f"high ({level} % interval)"].to_numpy(), d["hi"].reshape(-1))
    assert list(dict.fromkeys(dk.scenario)) == c.names[1:]
    occ = read_csv(tmp_path / "cmp_occupancy.csv")
    np.testing.assert_array_equal(occ[occ.scenario == c.names[1]]["mean (people)"].to_numpy(), occ1.reshape(-1))
    dl = read_csv(tmp_path / "cmp_differences_ladder.csv")
    np.testing.assert_array_equal(dl["mean (people)"].to_numpy(), ladder_d.reshape(-1))
    a = read_csv(tmp_path / "cmp_answer.csv")
    for i, name in enumerate(c.names):
        row = a[(a.scenario == name) & (a.quantity == "persons_reaching_work")].iloc[0]
        assert row["mean"] == c.scenarios[i].kpi_table().loc["persons_reaching_work", "mean"]
        assert row["unit"] == "people" and row["uncertainty included"].startswith("Monte Carlo")
        if i:
            assert row["difference with the reference"] == d["mean"][i - 1, c.kpi_names.index("persons_reaching_work")]
    wb = load_workbook(tmp_path / "cmp.xlsx", read_only=True)
    assert {"answer", "differences_kpi", "differences_kpi_period", "differences_ladder", "occupancy",
            "scenarios"} <= set(wb.sheetnames)
    header, rows = sheet(wb, "differences_kpi")
    assert_cells([r[header.index("mean")] for r in rows], d["mean"])


def test_decision_summaries_are_exported(cli_compare_file, tmp_path):
    path = tmp_path / "decision.h5"
    shutil.copy(cli_compare_file, path)
    n = len(trede.read(path).names)
    with h5py.File(path, "a") as f:
        del f["decision"]  # replaced by a hand-made table
        str_t = h5py.string_dtype()
        f.create_dataset("decision/summary/quantity", data=["probability_best"], dtype=str_t)
        f.create_dataset("decision/summary/kind", data=["prob"], dtype=str_t)
        f["decision/summary/mean"] = np.full((1, n), 1.0 / n)
        f["decision/summary/lo"] = np.full((1, n), 0.5 / n)
        f["decision/summary/hi"] = np.full((1, n), 1.5 / n)
    t = trede.export.tables(path)
    assert "decision" in t
    dec = t["decision"].frame
    assert list(dec.quantity) == ["probability_best"] * n and np.allclose(dec["mean"], 1.0 / n)


DECISION_TABLES = ("decision", "decision_kpi", "decision_difference", "cost_per_person", "acceptability", "ce_plane",
                   "evppi", "sensitivity")


def test_decision_tables_of_a_psa_comparison(tmp_path):
    """Every /decision table of a comparison with parameter draws, written by `trede export` as
    CSV and xlsx, read back (pandas, openpyxl) and compared with the file (h5py); units in the
    headers."""
    path = psa_comparison(tmp_path)
    export(path, tmp_path / "csv", "csv")
    export(path, tmp_path / "xl", "xlsx")
    c = trede.read(path)
    names = c.names
    N = len(names)
    wb = load_workbook(tmp_path / "xl" / "psa-cmp.xlsx", read_only=True)
    assert set(DECISION_TABLES) <= set(wb.sheetnames)
    with h5py.File(path, "r") as f:
        g = f["decision"]
        kpis = strings(g["kpi/names"])
        K = len(kpis)
        # decision_kpi: [K, N] in kpi-major order, with the unit of each row.
        t = read_csv(tmp_path / "csv" / "psa-cmp_decision_kpi.csv")
        assert list(t.columns[:4]) == ["kpi", "unit", "higher is better", "scenario"]
        assert list(t["kpi"]) == [k for k in kpis for _ in names] and list(t["scenario"]) == names * K
        np.testing.assert_array_equal(t["mean"], g["kpi/mean"][()].reshape(-1))
        np.testing.assert_array_equal(t["low (95 % range over the units)"], g["kpi/q_lower"][()].reshape(-1))
        np.testing.assert_array_equal(t["probability best on this KPI (fraction)"],
                                      g["kpi/probability_best"][()].reshape(-1))
        assert t.loc[t.kpi == "cost_total_eur", "unit"].eq("EUR").all()
        assert t.loc[t.kpi == "persons_reaching_work", "unit"].eq("people").all()
        header, rows = sheet(wb, "decision_kpi")
        assert_cells([r[header.index("mean")] for r in rows], g["kpi/mean"][()])
        # decision_difference: [K, N-1].
        t = read_csv(tmp_path / "csv" / "psa-cmp_decision_difference.csv")
        assert list(t["scenario"]) == names[1:] * K
        for col, ds in (("mean", "mean"), ("low (95 % interval of the mean)", "lower"),
                        ("high (95 % interval of the mean)", "upper"), ("low (95 % range over the units)", "q_lower"),
                        ("probability positive (fraction)", "probability_positive")):
            np.testing.assert_array_equal(t[col], g[f"kpi/difference/{ds}"][()].reshape(-1))
        # cost_per_person: per person reaching work, then per person-year in work.
        t = read_csv(tmp_path / "csv" / "psa-cmp_cost_per_person.csv")
        assert list(t["per"]) == ["extra person reaching work"] * (N - 1) + ["extra person-year in work"] * (N - 1)
        assert list(t["effect unit"]) == ["people"] * (N - 1) + ["person-years"] * (N - 1)
        for grp, part in (("cost_per_person", t.iloc[:N - 1]), ("cost_per_person_year", t.iloc[N - 1:])):
            np.testing.assert_array_equal(part["extra cost per extra unit of effect (EUR per effect unit)"],
                                          g[f"{grp}/ratio"][()])
            np.testing.assert_array_equal(part["extra effect (effect unit)"], g[f"{grp}/delta_effect"][()])
            np.testing.assert_array_equal(part["extra cost (EUR)"], g[f"{grp}/delta_cost"][()])
            assert list(part["Fieller set"]) == strings(g[f"{grp}/fieller_kind"])
            np.testing.assert_array_equal(part["Fieller low (95 %, EUR)"], g[f"{grp}/fieller_lower"][()])
        header, rows = sheet(wb, "cost_per_person")
        assert [r[header.index("Fieller set")] for r in rows][:N - 1] == strings(g["cost_per_person/fieller_kind"])
        # acceptability: [N, L] with the EVPI of each willingness to pay.
        lam = g["acceptability/lambda"][()]
        t = read_csv(tmp_path / "csv" / "psa-cmp_acceptability.csv")
        wtp = "willingness to pay (EUR per extra person reaching work)"
        assert list(t.columns[:2]) == ["scenario", wtp]
        np.testing.assert_array_equal(t[wtp], np.tile(lam, N))
        np.testing.assert_array_equal(t["probability of the largest net benefit (fraction)"],
                                      g["acceptability/probability"][()].reshape(-1))
        np.testing.assert_array_equal(t["expected net benefit (EUR)"],
                                      g["acceptability/expected_net_benefit"][()].reshape(-1))
        np.testing.assert_array_equal(t["EVPI (EUR)"], np.tile(g["acceptability/evpi"][()], N))
        frontier = g["acceptability/frontier_option"][()]
        on = t[t["on the frontier"]]
        assert len(on) == len(lam) and list(on.sort_values(wtp)["scenario"]) == [names[i] for i in frontier]
        # evppi: [G, L]; sensitivity: [N-1, G].
        groups = strings(g["evppi/groups"])
        t = read_csv(tmp_path / "csv" / "psa-cmp_evppi.csv")
        assert list(t["parameter group"]) == [x for x in groups for _ in lam]
        np.testing.assert_array_equal(t["EVPPI (EUR)"], g["evppi/value"][()].reshape(-1))
        t = read_csv(tmp_path / "csv" / "psa-cmp_sensitivity.csv")
        assert list(t["scenario"]) == [n for n in names[1:] for _ in strings(g["sensitivity/groups"])]
        np.testing.assert_array_equal(t["first-order index: difference in persons_reaching_work (fraction)"],
                                      g["sensitivity/effect"][()].reshape(-1))
        np.testing.assert_array_equal(t["first-order index: difference in cost (fraction)"],
                                      g["sensitivity/cost"][()].reshape(-1))
        header, rows = sheet(wb, "sensitivity")
        assert_cells([r[header.index("first-order index: difference in cost (fraction)")] for r in rows],
                     g["sensitivity/cost"][()])
        # ce_plane: one row per option and draw; the means are the file's differences.
        t = read_csv(tmp_path / "csv" / "psa-cmp_ce_plane.csv")
        assert list(t.columns) == ["scenario", "draw", "extra effect (people)", "extra cost (EUR)"]
        assert len(t) == (N - 1) * PSA_COMPARE_DRAWS
        m = t.groupby("scenario", sort=False).mean()
        np.testing.assert_allclose(m["extra effect (people)"], g["cost_per_person/delta_effect"][()], rtol=1e-12)
        np.testing.assert_allclose(m["extra cost (EUR)"], g["cost_per_person/delta_cost"][()], rtol=1e-12)
    # The summary rows carry their units.
    t = read_csv(tmp_path / "csv" / "psa-cmp_decision.csv")
    units = dict(zip(t["quantity"], t["unit"]))
    assert units["incremental_cost_per_person_reaching_work_eur"] == "EUR" and units["probability_best"] == "fraction"
    assert units["person_years_in_work"] == "person-years"


def test_plain_comparison_has_no_psa_only_tables(cli_compare_file):
    t = trede.export.tables(cli_compare_file)
    assert {"decision_kpi", "decision_difference", "cost_per_person", "acceptability", "ce_plane"} <= set(t)
    assert "evppi" not in t and "sensitivity" not in t
    assert "replicate" in t["ce_plane"].frame.columns


def test_sweep_file(sweep_file, tmp_path):
    export(sweep_file, tmp_path, "csv")
    export(sweep_file, tmp_path, "xlsx")
    with h5py.File(sweep_file, "r") as f:
        mean = f["summary/kpi/mean"][()]
        names = strings(f["kpi_names"])
        numeric = f["points/numeric"][()]
        ladder = f["summary/trede_occupancy/q95"][()]
    pts = read_csv(tmp_path / "sweep_points.csv")
    np.testing.assert_array_equal(pts["state[beschut_werk].capacity"].to_numpy(), numeric[:, 0])
    k = read_csv(tmp_path / "sweep_kpi.csv")
    assert list(k.columns[:4]) == ["point", "state[beschut_werk].capacity", "kpi", "unit"]
    np.testing.assert_array_equal(k["mean"].to_numpy(), mean.reshape(-1))
    assert list(k.kpi[:len(names)]) == names
    lad = read_csv(tmp_path / "sweep_ladder.csv")
    np.testing.assert_array_equal(lad["q95 (people)"].to_numpy(), ladder.reshape(-1))
    wb = load_workbook(tmp_path / "sweep.xlsx", read_only=True)
    header, rows = sheet(wb, "kpi")
    assert_cells([r[header.index("mean")] for r in rows], mean)


def test_calibration_report(fit_file, tmp_path):
    export(fit_file, tmp_path, "csv")
    export(fit_file, tmp_path, "xlsx")
    with h5py.File(fit_file, "r") as f:
        est = f["estimates/estimate"][()]
        lower = f["estimates/lower"][()]
        names = strings(f["estimates/name"])
        cov = f["parameters/covariance"][()]
        soj = f["sojourn/estimate"][()]
    e = read_csv(tmp_path / "fit_estimates.csv")
    assert list(e.name) == names
    np.testing.assert_array_equal(e.estimate.to_numpy(), est)
    np.testing.assert_array_equal(e["lower (95 % interval)"].to_numpy(), lower)
    assert set(e.unit) == {"per year"}
    c = read_csv(tmp_path / "fit_covariance.csv")
    np.testing.assert_array_equal(c.drop(columns="name").to_numpy(), cov.reshape(c.shape[0], -1))
    s = read_csv(tmp_path / "fit_sojourn.csv")
    finite = np.isfinite(soj)
    np.testing.assert_array_equal(s["mean sojourn (years)"].to_numpy()[finite], soj[finite])
    wb = load_workbook(tmp_path / "fit.xlsx", read_only=True)
    assert {"estimates", "covariance", "intensity", "sojourn", "starts"} <= set(wb.sheetnames)
    header, rows = sheet(wb, "estimates")
    assert_cells([r[header.index("estimate")] for r in rows], est)


def test_nothing_is_overwritten_without_force(cli_run_file, tmp_path):
    src = tmp_path / "r.h5"
    shutil.copy(cli_run_file, src)
    before = src.read_bytes()
    export(src, tmp_path, "xlsx")
    mtime = (tmp_path / "r.xlsx").stat().st_mtime_ns
    p = cli("export", src, "--format", "xlsx", cwd=tmp_path)  # default: the input's directory
    assert p.returncode == 2 and "r.xlsx" in p.stderr and "--force" in p.stderr, describe(p)
    assert (tmp_path / "r.xlsx").stat().st_mtime_ns == mtime
    p = cli("export", src, "--format", "xlsx", "--force", "-q", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout == "", describe(p)
    export(src, tmp_path, "csv")
    (tmp_path / "r_kpi.csv").write_text("edited by hand\n")
    p = cli("export", src, "--format", "csv", cwd=tmp_path)
    assert p.returncode == 2 and "r_kpi.csv" in p.stderr, describe(p)
    assert (tmp_path / "r_kpi.csv").read_text() == "edited by hand\n"  # all or nothing: not touched
    assert src.read_bytes() == before
    assert not list(tmp_path.glob(".*tmp*"))


def test_export_command_line_errors(cli_run_file, tmp_path):
    p = cli("export", tmp_path / "missing.h5", "--format", "csv", cwd=tmp_path)
    assert p.returncode == 2 and "missing.h5" in p.stderr, describe(p)
    (tmp_path / "text.h5").write_text("not a result")
    p = cli("export", "text.h5", "--format", "csv", cwd=tmp_path)
    assert p.returncode == 2 and "text.h5" in p.stderr, describe(p)
    p = cli("export", cli_run_file, "--format", "pdf", cwd=tmp_path)
    assert p.returncode == 2, describe(p)
    p = cli("export", cli_run_file, cwd=tmp_path)
    assert p.returncode == 2 and "--format" in p.stderr, describe(p)
    (tmp_path / "afile").write_text("x")
    p = cli("export", cli_run_file, "--format", "csv", "-o", tmp_path / "afile", cwd=tmp_path)
    assert p.returncode == 2 and "not a directory" in p.stderr, describe(p)
    p = cli("export", "--help", cwd=tmp_path)
    assert p.returncode == 0 and "--format" in p.stdout and "--force" in p.stdout
    os.chmod(tmp_path, 0o500)
    try:
        if os.access(tmp_path, os.W_OK):  # root ignores permissions: nothing to test
            return
        p = cli("export", cli_run_file, "--format", "csv", "-o", tmp_path / "sub", cwd="/")
        assert p.returncode == 1 and "cannot create" in p.stderr, describe(p)
    finally:
        os.chmod(tmp_path, 0o700)
