#!/usr/bin/python3
"""The calibration covariance of models/participatiewet/nederland.toml: the back-test's procedure
(tools/backtest_nederland.py, "calibration") at origin 2023, on every catalogue figure the fit
uses, for the values nederland.toml's forecast rests on:

  - the fitted values: the arrivals of 2023 (held after it), the other-exit multiplier from 2023,
    the job-finding level, the Wsw exit to bijstand, the LKS entry of 2015-16, the doelgroep's
    referral effect and the beschut arrivals (one factor on all their years);
  - the assumptions with lognormal priors (handover delays, the rates set by hand, the Wsw moves):
    their priors, as stated in nederland.toml;

conditioned on the figures of the end of 2023 (the stock, the Divosa outflow %, the exits to work of
2021, the Wsw persons of 2017, the three LKS persons figures of 2017-2018 and the last beschut werk
at work the fit uses). On top come two stated assumptions about the years after 2023,
independent of the rest: the job-finding level of 2021 holds in other years (sd_log JOB_LATER) and
the arrivals held after 2023 (nederland.toml's key 2024, equal to 2023's) vary around the fitted
arrivals of 2023 as much as the fitted arrivals of 2015-2023 did around their mean (sd_log
ARRIVALS_LATER); the arrivals of 2023 themselves keep their calibration uncertainty only.

It prints the [[uncertainty.multivariate_normal]] group, or with --write puts it into
nederland.toml between the lines GROUP_BEGIN and GROUP_END (the file's other priors stay as they
are). A run takes about 25 seconds:

    TREDE_CLI=build/release/bin/trede /usr/bin/python3 models/participatiewet/tools/nederland_uncertainty.py [--write]
"""

import argparse
import math
import sys
from argparse import Namespace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import backtest_nederland as bt  # noqa: E402
import fit_nederland as fn  # noqa: E402
import pwlib as pw  # noqa: E402

ORIGIN = 2023
JOB_LATER = 0.10
ARRIVALS_LATER = 0.30
GROUP_BEGIN = "# ---- calibration covariance: tools/nederland_uncertainty.py writes from here ----"
GROUP_END = "# ---- calibration covariance: to here ----"
GROUP_NAME = "calibration of nederland.toml"  # its label in EVPPI and sensitivity tables


def group(args):
    """The TOML text of the group, and the values' sd_log and correlations for the report."""
    p = fn.from_files()
    k = bt.known(bt.load_targets(), ORIGIN)
    values, C = bt.calibration(p, k, ORIGIN, Namespace(fit_share=args.share, fit_n=args.n, seed=args.seed), pw.tmpdir())
    names = [v[0] for v in values]
    # the arrivals held after ORIGIN: the fitted arrivals of ORIGIN plus their own deviation
    ia = names.index("a")
    _, keys, centres = values[ia]
    values.append(("a+", [key.replace(f".{ORIGIN}", f".{ORIGIN + 1}") for key in keys], centres))
    names.append("a+")
    T = np.vstack([np.eye(len(C)), np.eye(len(C))[ia]])
    total = T @ C @ T.T
    total[-1, -1] += ARRIVALS_LATER ** 2
    total[names.index("m"), names.index("m")] += JOB_LATER ** 2
    cov = bt.calibrated_cov(values, total, {})
    sd = np.sqrt(np.diag(total))
    comment = (f"Fitted values and the lognormal assumptions, conditioned on the figures of the end of {ORIGIN} "
               f"(tools/nederland_uncertainty.py, seed {args.seed}, sample_share {args.share}, {args.n} replicates): "
               + ", ".join(f"{n} sd_log {s:.3f}" for n, s in zip(names, sd) if n in bt.FITTED)
               + f"; the job-finding level includes sd_log {JOB_LATER} for 2021's level holding in other years, the arrivals "
               f"held after {ORIGIN} (a+, keys {ORIGIN + 1}) sd_log {ARRIVALS_LATER} around those of {ORIGIN}")
    text = bt.mvn([key for _, keys, _ in values for key in keys], [x for _, _, c in values for x in c], cov, comment,
                  name=GROUP_NAME)
    return GROUP_BEGIN + "\n" + text.lstrip("\n") + GROUP_END + "\n", names, total


def write(path, block):
    text = Path(path).read_text()
    if GROUP_BEGIN not in text or GROUP_END not in text:
        raise SystemExit(f"{path}: no lines '{GROUP_BEGIN}' and '{GROUP_END}' to write between")
    a = text.index(GROUP_BEGIN)
    b = text.index(GROUP_END) + len(GROUP_END) + 1
    Path(path).write_text(text[:a] + block + text[b:])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--share", type=float, default=0.1, help="sample_share of the runs")
    ap.add_argument("-n", type=int, default=4, help="replicates per run")
    ap.add_argument("--seed", type=int, default=20231231)
    ap.add_argument("--write", action="store_true", help="write the group into nederland.toml")
    args = ap.parse_args(argv)
    block, names, total = group(args)
    sd = np.sqrt(np.diag(total))
    corr = total / np.outer(sd, sd)
    for i, n in enumerate(names):
        strong = ", ".join(f"{names[j]} {corr[i, j]:+.2f}" for j in range(len(names)) if j != i and abs(corr[i, j]) >= 0.2)
        print(f"{n}: sd_log {sd[i]:.3f}" + (f"; correlation with {strong}" if strong else ""))
    if args.write:
        write(bt.NL, block)
        print(f"wrote {bt.NL}")
    else:
        print(block)
    return names, total


if __name__ == "__main__":
    main()
