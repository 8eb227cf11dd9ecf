#!/usr/bin/env python3
"""Prints the table of docs/uncertainty.md §8: the mean of repeated estimates of the first-order
index (trede._results.first_order_index, the estimator of the report, the export and
PsaResult.first_order) on models whose index is known, for several numbers of draws D, with the
spread of one estimate and its mean standard error.

Models (independent standard normals X1, X2, X3, e; U uniform on (-pi, pi); Z standard normal):
  Y = X1 + X2/2 + e/2         S(X1) = 2/3, S(X2) = 1/6, S(X3) = 0 (no effect)
  Y = sin U + e/sqrt(2)       S(U) = 1/2 (not monotone)
  Y = T + c e, T = exp(0.8 Z), c^2 = Var(T)    S(T) = 1/2 (a lognormal key)

usage: PYTHONPATH=build/release/python /usr/bin/python3 scripts/first_order_table.py [--repeats 500] [--seed 20261206]
"""
import argparse
import math

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=500)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--draws", type=int, nargs="+", default=[32, 64, 256, 1024])
    args = ap.parse_args()
    from trede._results import first_order_index  # after --help, which needs no trede
    rng = np.random.default_rng(args.seed)
    c = math.sqrt((math.exp(0.64) - 1) * math.exp(0.64))  # sd of exp(0.8 Z)
    print(f"Mean of {args.repeats} estimates (seed {args.seed}):\n")
    print("| D | linear, S = 2/3 | linear, S = 1/6 | no effect, S = 0 | sin U, S = 1/2 | e^{0.8Z}, S = 1/2 "
          "| sd of the S = 2/3 estimate | mean standard error |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for D in args.draws:
        est = {k: [] for k in ("x1", "x2", "x3", "sin", "lognormal")}
        ses = []
        for _ in range(args.repeats):
            x1, x2, x3 = rng.standard_normal((3, D))
            y = x1 + 0.5 * x2 + 0.5 * rng.standard_normal(D)
            s, se = first_order_index(x1, y)
            est["x1"].append(s)
            ses.append(se)
            est["x2"].append(first_order_index(x2, y)[0])
            est["x3"].append(first_order_index(x3, y)[0])
            u = rng.uniform(-np.pi, np.pi, D)
            est["sin"].append(first_order_index(u, np.sin(u) + rng.standard_normal(D) / np.sqrt(2))[0])
            t = np.exp(0.8 * x1)
            est["lognormal"].append(first_order_index(t, t + c * x2)[0])
        m = {k: np.mean(v) for k, v in est.items()}
        print(f"| {D} | {m['x1']:.3f} | {m['x2']:.3f} | {m['x3']:.3f} | {m['sin']:.3f} | {m['lognormal']:.3f} "
              f"| {np.std(est['x1'], ddof=1):.3f} | {np.mean(ses):.3f} |")


if __name__ == "__main__":
    main()
