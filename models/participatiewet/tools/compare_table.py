#!/usr/bin/python3
"""Prints a Markdown summary of a `trede compare` result file: for each scenario against the
reference, the paired difference of the headline KPIs (mean and 95% interval), the reference value,
and the variance reduction that common random numbers achieved; plus stocks at the end.

    /usr/bin/python3 models/participatiewet/tools/compare_table.py cmp.h5 [--scale 10]

--scale multiplies counts and euros (use 10 for a run of a 10% sample).
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pwlib as pw  # noqa: E402

KPIS = ["uitstroom_werk", "persons_reaching_work", "share_reached_work", "share_reached_trede_ge4",
        "mean_time_to_first_work_years", "uitval", "herinstroom", "waiting_joined", "handovers", "leaked",
        "cost_total_eur", "cost_per_person_reaching_work_eur"]
NOT_SCALED = {"share_reached_work", "share_reached_trede_ge4", "mean_time_to_first_work_years",
              "cost_per_person_reaching_work_eur"}
STOCKS = [("bijstand", ["bijstand_t1", "bijstand_t2", "bijstand_t3", "bijstand_deeltijdwerk", "diagnose",
                        "ontwikkeltraject", "matching", "tussengroep", "wacht_beschut"]),
          ("ontwikkeltraject", ["ontwikkeltraject"]), ("tussengroep", ["tussengroep"]), ("beschut werk", ["beschut_werk"]),
          ("waiting for beschut", ["wacht_beschut"]), ("afspraakbaan", ["afspraakbaan"]), ("regulier werk", ["regulier_werk"])]


def fmt(x, unit=""):
    a = abs(x)
    if unit == "eur":
        if a >= 1e9:
            return f"{x / 1e9:.2f} bn"
        if a >= 1e6:
            return f"{x / 1e6:.1f} M"
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 1:
        return f"{x:.2f}"
    return f"{x:.4f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args()
    c = pw.trede_package().read(a.file)
    names = c.names
    kn = c.kpi_names
    d = {k: c["difference/kpi/" + k] for k in ("mean", "lo", "hi")}
    vr = c["variance_reduction/kpi"] if "variance_reduction/kpi" in c.keys() else None
    refk = c[0]["replicates/kpi"]
    R = refk.shape[0]
    occ = {i: c[i]["replicates/occupancy"] for i in range(len(names))}
    states = c[0].states
    t_end = c[0].time[-1]
    print(f"Reference: **{names[0]}** ({R} replicates). Differences are scenario − reference, paired "
          f"(common random numbers), mean [95% interval], totals over the whole run"
          + (f", × {a.scale:g} for the sample" if a.scale != 1 else "") + ".\n")
    head = "| KPI | " + names[0] + " | " + " | ".join(f"{n} − ref" for n in names[1:]) + " |"
    print(head)
    print("| --- | ---: | " + " | ".join("---:" for _ in names[1:]) + " |")
    for k in KPIS:
        if k not in kn:
            continue
        j = kn.index(k)
        sc = 1.0 if k in NOT_SCALED else a.scale
        unit = "eur" if k.endswith("_eur") else ""
        ref = np.nanmean(refk[:, j]) * sc
        cells = [f"{fmt(d['mean'][i, j] * sc, unit)} [{fmt(d['lo'][i, j] * sc, unit)}, {fmt(d['hi'][i, j] * sc, unit)}]"
                 for i in range(len(names) - 1)]
        print(f"| {k} | {fmt(ref, unit)} | " + " | ".join(cells) + " |")
    print()
    if vr is not None:
        print("Variance reduction (variance of independent-stream differences / variance of paired differences):\n")
        print("| KPI | " + " | ".join(names[1:]) + " |")
        print("| --- | " + " | ".join("---:" for _ in names[1:]) + " |")
        for k in ("uitstroom_werk", "persons_reaching_work", "share_reached_work", "cost_total_eur", "mean_time_to_first_work_years"):
            j = kn.index(k)
            print(f"| {k} | " + " | ".join(f"× {vr[i, j]:.1f}" for i in range(len(names) - 1)) + " |")
        print()
    print(f"People in the state at {t_end:g} (mean over replicates" + (f", × {a.scale:g}" if a.scale != 1 else "") + "):\n")
    print("| state | " + " | ".join(names) + " |")
    print("| --- | " + " | ".join("---:" for _ in names) + " |")
    for label, group in STOCKS:
        idx = [states.index(g) for g in group if g in states]
        vals = [occ[i][:, -1, idx].sum(axis=1).mean() * a.scale for i in range(len(names))]
        print(f"| {label} | " + " | ".join(fmt(v) for v in vals) + " |")


if __name__ == "__main__":
    main()
