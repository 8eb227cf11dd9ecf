#!/usr/bin/python3
"""Accuracy lost by running a PSA on a sample of the population: compares a PSA at
sample_share s < 1 (many draws) with a full-scale PSA (fewer draws of the same Sobol design).

    national_psa_compare.py SHARE.h5 FULL.h5

For each KPI and for the bijstand stock at 2025 and 2030, both at full scale (the sampled
PSA's extensive quantities divided by its share; shares, means and costs per person as they
are): the mean and 90 % range (5th to 95th percentile of the runs) of each PSA; the difference
of the means relative to the full-scale range's width; the ratio of the range widths. And,
paired on the draws the two PSAs share (the full-scale PSA's D draws are the sampled PSA's first
D), the mean and sd of the per-draw difference relative to the full-scale range's width: how far
one sampled run is from the full-scale run with the same parameters.
"""

import argparse

import h5py
import numpy as np

BIJSTAND = ["bijstand_t1", "bijstand_t2", "bijstand_t3", "bijstand_deeltijdwerk", "diagnose",
            "ontwikkeltraject", "matching", "tussengroep", "wacht_beschut"]
INTENSIVE = {"mean_time_to_first_work_years", "share_reached_trede_ge4", "share_reached_work",
             "cost_per_person_reaching_work_eur", "mean_waiting_time_admitted_years"}


def load(path):
    with h5py.File(path, "r") as f:
        assert f.attrs["kind"] == "psa", f"{path} is not a PSA file"
        s = float(f.attrs.get("sample_share", 1.0))
        names = list(f["kpi_names"].asstr()[()])
        kpi = f["replicates/kpi"][()].astype(float)
        draw = f["replicates/draw"][()]
        states = list(f["states"].asstr()[()])
        time = f["time"][()]
        occ = f["replicates/occupancy"][()][:, :, [states.index(x) for x in BIJSTAND]].sum(axis=2).astype(float)
        params = f["draws/parameters"][()]
    cols = {}
    for i, n in enumerate(names):
        cols[n] = kpi[:, i] if n in INTENSIVE else kpi[:, i] / s
    for y in (2025.0, 2030.0):
        cols[f"bijstand stock {y:.0f}"] = np.array([np.interp(y, time, o) for o in occ]) / s
    return s, cols, draw, params


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sampled", help="the PSA file at sample_share s < 1")
    ap.add_argument("full", help="the full-scale PSA file of the same design's first draws")
    args = ap.parse_args()
    s, a, da, pa = load(args.sampled)
    s1, b, db, pb = load(args.full)
    D = len(pb)
    assert s1 == 1.0, "the second file must be a full-scale PSA"
    same = np.allclose(pa[:D], pb)
    print(f"sampled PSA: share {s}, {len(pa)} draws; full-scale PSA: {D} draws; "
          f"the first {D} parameter sets are {'the same' if same else 'NOT the same'}")
    print(f"{'quantity':36s} {'mean (share)':>14s} {'90% range (share)':>29s} {'mean (full)':>14s} {'90% range (full)':>29s}"
          f" {'d mean/range':>12s} {'width ratio':>11s} {'paired d/range':>15s} {'sd':>6s}")
    for k in b:
        x, y = a[k], b[k]
        if np.isnan(x).any() or np.isnan(y).any():
            continue
        lo_a, hi_a = np.quantile(x, [0.05, 0.95])
        lo_b, hi_b = np.quantile(y, [0.05, 0.95])
        w = hi_b - lo_b
        if w <= 0:
            continue
        pair = (x[da < D][np.argsort(da[da < D], kind="stable")] - y[np.argsort(db, kind="stable")]) / w if same else np.array([np.nan])
        print(f"{k:36s} {x.mean():14.6g} {lo_a:14.6g} {hi_a:14.6g} {y.mean():14.6g} {lo_b:14.6g} {hi_b:14.6g}"
              f" {(x.mean() - y.mean()) / w:+12.3f} {(hi_a - lo_a) / w:11.3f} {pair.mean():+15.3f} {pair.std(ddof=1):6.3f}")


if __name__ == "__main__":
    main()
