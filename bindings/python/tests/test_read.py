"""trede.read opens files written by the trede program: arrays, labels and tidy frames."""

import h5py
import numpy as np
import pandas as pd
import pytest

import trede
from conftest import cli


def test_read_a_run_file(cli_run_file):
    r = trede.read(cli_run_file)
    assert isinstance(r, trede.Result) and r.path == cli_run_file
    assert r.replicates == 6 and r.seed == 42 and r.name == "ladder-bm2"
    assert "trede run" in r.attrs["command_line"] or "run" in r.attrs["command_line"]
    with h5py.File(cli_run_file, "r") as f:
        np.testing.assert_array_equal(r["replicates/flows"], f["replicates/flows"][()])
        assert r.states == list(f["states"].asstr()[()])
        assert r.scenario_text == f["scenario"].asstr()[()]
        assert r.kpi_names == [n.decode() for n in f["summary/kpi"]["name"]]
        np.testing.assert_array_equal(r.kpi_table()["q95"].to_numpy(), f["summary/kpi"]["q95"])
    assert "replicates/occupancy" in r and "no/such/dataset" not in r
    with pytest.raises(trede.IoError, match="no dataset /no/such/dataset"):  # the file has no such dataset
        r["no/such/dataset"]
    e = r.edges
    assert list(e.columns) == ["id", "from", "to", "kind"] and e["id"][0] == "bijstand->diagnose"

    occ = r.occupancy()
    assert list(occ.columns) == ["time", "state", "trede", "statistic", "value"]
    assert occ.dtypes["value"] == np.float64 and occ.dtypes["time"] == np.float64
    mean = occ[occ.statistic == "mean"].pivot(index="time", columns="state", values="value")[r.states]
    np.testing.assert_array_equal(mean.to_numpy(), r["summary/occupancy/mean"])
    assert list(r.ladder(replicates=True).columns) == ["replicate", "time", "trede", "value"]
    assert len(r.ladder(replicates=True)) == 6 * 11 * 6
    assert isinstance(r.waiting_times(), pd.DataFrame) and isinstance(r.cost_by_state(), pd.DataFrame)
    assert "6 replicates" in repr(r)


def test_read_a_comparison_file(cli_compare_file):
    c = trede.read(cli_compare_file)
    assert isinstance(c, trede.Comparison)
    assert c.names == ["gecombineerd", "partieel", "klassiek"] and c.reference == "gecombineerd"
    assert c.replicates == 5 and c.seed == 7 and c.confidence == 0.95
    assert [s.name for s in c.scenarios] == c.names
    assert all(isinstance(s, trede.Result) for s in c)
    assert c["klassiek"]["replicates/occupancy"].shape == (5, 11, 11)
    assert list(c["klassiek"]["region_models"]) == ["klassiek"]
    d = c.difference("kpi")
    with h5py.File(cli_compare_file, "r") as f:
        lo = f["difference/kpi/lo"][()]
        k = [n.decode() for n in f["kpi_names"][()]].index("leaked")
    got = d[(d.scenario == "klassiek") & (d.kpi == "leaked") & (d.statistic == "lo")].value.item()
    assert got == lo[1, k]
    # Paired differences recomputed from the per-replicate arrays of the two scenarios.
    diff = c["klassiek"]["replicates/kpi"][:, k] - c["gecombineerd"]["replicates/kpi"][:, k]
    mean = d[(d.scenario == "klassiek") & (d.kpi == "leaked") & (d.statistic == "mean")].value.item()
    assert mean == pytest.approx(diff.mean()) and mean > 0
    assert len(c.variance_reduction()) == 2 * len(c.kpi_names)
    assert c.kpi_table().shape[0] == len(c.kpi_names)
    assert "gecombineerd, partieel, klassiek" in repr(c)


def test_a_psa_comparisons_paired_differences_are_over_the_draws(tmp_path):
    """With R = 2 replicates per draw the units of the paired differences are the draws: the
    file's /difference/kpi, Python's Comparison.paired_difference and the decision summary's
    t-interval (/decision/kpi/difference) are the same numbers, over the D draw means."""
    from trede._results import t_quantile
    scen = trede.models_dir() / "participatiewet" / "groningen-uncertain.toml"
    p = cli("compare", scen, "--organisation-models", "partieel,gecombineerd", "--draws", 8, "-n", 2,
            "--set", "horizon_years=2", "--set", "sample_share=0.25", "--seed", 5, "-q", "-o", "psa2.h5", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    c = trede.read(tmp_path / "psa2.h5")
    assert c.attrs["replicates_per_draw"] == 2 and c.replicates == 16
    k = c.kpi_names.index("persons_reaching_work")
    x = (c.scenarios[1]["replicates/kpi"][:, k] - c.scenarios[0]["replicates/kpi"][:, k]).reshape(8, 2).mean(axis=1)
    half = t_quantile(0.95, np.array([8]))[0] * x.std(ddof=1) / np.sqrt(8)
    py = c.paired_difference("replicates/kpi", index=k)[0]
    with h5py.File(tmp_path / "psa2.h5", "r") as f:
        lo, hi = f["difference/kpi/lo"][0, k], f["difference/kpi/hi"][0, k]
        names = [n.decode() for n in f["decision/kpi/names"][()]]
        j = names.index("persons_reaching_work")
        dlo, dhi = f["decision/kpi/difference/lower"][j, 0], f["decision/kpi/difference/upper"][j, 0]
    assert x.std() > 0
    for a, b in ((lo, x.mean() - half), (hi, x.mean() + half), (py["lo"], lo), (py["hi"], hi), (dlo, lo), (dhi, hi)):
        assert a == pytest.approx(b, rel=1e-10, abs=1e-9)


def test_read_a_sweep_file(tmp_path):
    from conftest import BM2, BM2_SMALL, describe, set_args
    p = cli("sweep", BM2, *set_args({**BM2_SMALL, "horizon_years": 3}), "--grid", "state[beschut_werk].capacity=30,90",
            "--grid", "inflow[0].rate_per_year=200,400", "-n", 3, "--seed", 5, "-q", "-o", "sweep.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    s = trede.read(tmp_path / "sweep.h5")
    assert isinstance(s, trede.Sweep) and s.replicates == 3
    pts = s.points
    assert list(pts.columns) == ["state[beschut_werk].capacity", "inflow[0].rate_per_year"] and len(pts) == 4
    assert sorted(map(tuple, pts.to_numpy().tolist())) == [(30, 200), (30, 400), (90, 200), (90, 400)]
    k = s.kpi()
    assert list(k.columns) == ["point", *pts.columns, "kpi", "statistic", "value"]
    with h5py.File(tmp_path / "sweep.h5", "r") as f:
        mean = f["summary/kpi/mean"][()]
    j = s.kpi_names.index("arrivals")
    got = k[(k.kpi == "arrivals") & (k.statistic == "mean")].sort_values("point").value.to_numpy()
    np.testing.assert_array_equal(got, mean[:, j])
    # More inflow, more arrivals, at either capacity.
    by = k[(k.kpi == "arrivals") & (k.statistic == "mean")].groupby("inflow[0].rate_per_year").value.mean()
    assert by[400] > by[200]
    assert set(s.occupancy().columns) == {"point", "time", "state", "statistic", "value"}
    # The report covers runs and comparisons, and says so for a sweep.
    p = cli("report", "sweep.h5", cwd=tmp_path)
    assert p.returncode == 2 and "sweep files" in p.stderr, describe(p)
