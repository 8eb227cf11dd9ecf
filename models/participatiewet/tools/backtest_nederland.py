#!/usr/bin/python3
"""Rolling-origin back-test of the national model (models/participatiewet/nederland.toml) on the
shipped catalogue (data/calibration_targets.json): for each origin year Y it

  1. refits the model's fitted values on the catalogue figures dated up to the end of Y only
     (fit_nederland.py's machinery, restricted to those figures; what is refitted: below);
  2. states the calibration uncertainty of the values that carry the forecast together with the
     assumptions whose priors are lognormal: one normal on the log scale, the priors conditioned
     on the figures known at Y by the linear-Gaussian update (Jacobian: one extra run per value
     on common random numbers), so that every draw agrees, to first order, with the last figure
     of each kind the origin knows and with every LKS figure;
  3. forecasts the years after Y by a PSA: that group, the other priors of nederland.toml's
     assumptions (handover leakage, costs), and forecast rules for what the origin cannot know,
     each using only what was public by the end of Y:
     - arrivals into bijstand after Y: those that hold the model's bijstand stock at the last
       stock figure (the no-change forecast of the observed stock; found by the fit's own
       iteration; in each draw moved with the other values so that the stock stays held), with
       a random walk on the log scale around them whose step is the spread of the fitted
       arrivals up to Y;
     - the other-exit multiplier after Y: a random walk around the trend of the outflow figures
       up to Y (when there are two);
     - beschut werk: the places are 2/3 of the taakstelling known at Y (later years on the line
       from the last published year to the 30,000 places of 2048), and the arrivals with an
       indication after Y are those that fill these places by the end of each year (the gap
       between the people at work or waiting and the places, plus the places' exits; at least the
       arrivals of Y); places and arrivals share one uncertain factor, the realised share of the
       taakstelling, and the arrivals keep a random walk for the demand;
  4. counts how many held-back catalogue figures (dated after Y) fall inside the PSA's 50 % and
     90 % bands, and the bands' half-widths relative to their medians.

It writes the section "Back-test: forecast bands against later figures" of docs/validation.md
(between the markers <!-- backtest:begin --> and <!-- backtest:end -->, appended if absent).

    TREDE_CLI=build/release/bin/trede /usr/bin/python3 models/participatiewet/tools/backtest_nederland.py \
        [--origins 2016 2017 2019 2021] [--draws 128] [--share 0.1] [--out docs/validation.md]

What is refitted at origin Y (fit_nederland.py's parameters, START values where no figure up to
Y identifies them):
  arrivals a_y, y <= Y      -> bijstand stock end of y;  y > Y: the stock held at the figure of Y
  other-exit multiplier o_k -> Divosa outflow % for keys k <= Y;    later keys = the last fitted,
                               carried on along the trend of the last two fitted keys
  job-finding level m       -> exits to work 2021 (only Y >= 2021; else START = 1.0)
  beschut arrivals b_y      -> beschut at work up to the end of Y;  y > Y: the taakstelling rule
  LKS entry 2015-16, beta   -> LKS persons dated <= Y + 1 (beta: START 0.7 without two of them)
  Wsw exits to bijstand w   -> Wsw persons at the end of min(Y, 2017)
Everything else (rates set by hand, the starting population, places up to Y) is nederland.toml's;
some of those were set with figures in mind that a forecaster at Y would not have had (README.md
"Parameters" says which), which favours the back-test.
"""

import argparse
import json
import math
import re
import sys
import tomllib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_nederland as fn  # noqa: E402
import pwlib as pw  # noqa: E402

NL = pw.MODEL_DIR / "nederland.toml"
PRIORS = pw.MODEL_DIR / "tools" / "nederland_priors.toml"
B = pw.BIJSTAND
TO_WORK = ["regulier_werk", "afspraakbaan", "beschut_werk"]
BEGIN, END = "<!-- backtest:begin -->", "<!-- backtest:end -->"

# Assumed relative error of each fitted figure (one sd), for the calibration uncertainty:
# CBS stock (a count of all recipients, revised by about 1 %), Divosa outflow % (benchmark
# gemeenten, published as whole percents: about 1 point of 25-30), exits to work (a CBS
# count, 3 %), Wsw persons (reconstructed from detachering counts, "~": 2 %), LKS and beschut
# (counts of a new instrument with changing registration: 5 %).
FIGURE_ERROR = {"stock": 0.01, "outflow": 0.035, "work2021": 0.03, "wsw": 0.02, "lks": 0.05, "beschut": 0.05}
# Random-walk steps for what the origin cannot know, log scale per year: arrivals from the fitted
# arrivals up to Y (root mean square of their log changes, at least STEP_FLOOR); the other-exit
# multiplier, the beschut arrivals and the job-finding level (without a figure by Y) from
# OTHER_STEP, BESCHUT_STEP and JOB_PRIOR (assumptions, README.md "Back-test").
STEP_FLOOR = 0.10
OTHER_STEP = 0.10
JOB_PRIOR = 0.30
BESCHUT_STEP = 0.30
# Priors (log scale) of the LKS values before the origin has the figures that fit them: the entry
# rate of 2015-16 before the LKS persons of 1 January 2017 (START 1.0 a year), and the doelgroep's
# referral effect before a later LKS figure (START 0.7, a log hazard ratio: the doelgroep referred
# exp(0.7) = 2.0 times as fast as the rest; sd_log 0.5 puts 90 % of the draws between 0.31 and 1.6,
# 1.4 to 4.9 times as fast).
LKS_PRIOR = 0.5
BETA_PRIOR = 0.5
# A figure that counts people is used only when the fit's runs hold at least this many of them in
# all (value x fit_share x fit_n): a 10 % change of a value then moves it by about 5 people or more.
# Below, its elasticity is mostly the sample's noise (the beschut werk of 1 January 2017, 115
# people, is about 12 in the back-test's fit runs: elasticities 0 to 1.1 over four seeds).
MIN_SAMPLED = 50
COUNT_KINDS = ("stock", "work2021", "wsw", "lks", "beschut")
LAST_YEAR = 2023
# The beschut werk places are 2/3 of the national taakstelling because a third of gemeenten did not
# implement beschut werk as intended (beschut_municipal_nonimplementation): the share realised is
# uncertain, sd_log 0.2 puts 90 % of the draws between 0.48 and 0.93 of the taakstelling.
PLACES_SHARE = 2.0 / 3.0
PLACES_SD = 0.20
# The year in which each year's taakstelling (beschut_taakstelling) was public, from the
# catalogue's sources: 2017 in Staatscourant 2017 no. 4882, 2018 in Staatscourant 2017 no. 68246
# (public at the end of 2017); 2015, 2016 and 2019 from the news, taken as public only in their own
# year (the conservative reading); the structural 30,000 places of 2048 came with the law (2015).
# A year missing here counts as public in its own year.
TAAKSTELLING_PUBLIC = {2015: 2015, 2016: 2016, 2017: 2017, 2018: 2017, 2019: 2019, 2048: 2015}


# ---- step 1: the fit at origin Y -----------------------------------------------------------------
def known(tg, Y):
    """The fit targets known at the end of year Y (stock and end-of-year figures of years <= Y;
    dated figures at times <= Y + 1)."""
    t1 = Y + 1.0
    return dict(
        stock={y: v for y, v in tg["stock"].items() if 2015 <= y <= Y},
        outflow={y: v for y, v in tg["outflow"].items() if y <= Y},
        work2021=tg["work2021"] if Y >= 2021 else None,
        beschut={t: v for t, v in tg["beschut"].items() if t <= t1 + 1e-9},
        lks={t: v for t, v in tg["lks"].items() if t <= t1 + 1e-9},
        wsw={y: v for y, v in tg["wsw"].items() if 2014 < y <= Y},
        taakstelling={y: v for y, (v, public) in tg["taakstelling"].items() if public <= Y},
    )


def load_targets():
    """fit_nederland's targets plus the beschut werk taakstelling: {year: (places, year public)}."""
    tg = fn.load_targets()
    t = pw.targets()["beschut_taakstelling"]
    tg["taakstelling"] = {int(y): (float(v), TAAKSTELLING_PUBLIC.get(int(y), int(y))) for y, v in zip(t["years"], t["values"])}
    return tg


def places_known(k, Y):
    """Beschut werk places of the years after Y as a forecaster at Y would set them: PLACES_SHARE
    of the taakstelling known at Y, the years without a known figure on the straight line between
    the known ones (after the last published year: towards the structural target), the rule
    participatiewet.toml applies after 2019."""
    ys = sorted(k["taakstelling"])
    vs = [k["taakstelling"][y] for y in ys]
    return {y: float(round(PLACES_SHARE * float(np.interp(y, ys, vs)))) for y in range(Y + 1, LAST_YEAR + 4)}


def places_in_model():
    """participatiewet.toml's beschut werk places {year: places}."""
    with open(pw.MODEL_DIR / "participatiewet.toml", "rb") as fh:
        cap = next(st for st in tomllib.load(fh)["state"] if st["name"] == "beschut_werk")["capacity"]
    return {int(y): float(v) for y, v in cap.items()}


def fill_after(d, Y):
    last = max(k for k in d if k <= Y)
    return {k: (v if k <= Y else d[last]) for k, v in d.items()}


def update_until(p, m, k, Y):
    """fit_nederland.update restricted to the figures in k (known at Y)."""
    q = {kk: (dict(v) if isinstance(v, dict) else v) for kk, v in p.items()}
    years = sorted(k["stock"])
    err = {y: k["stock"][y] - m["stock"][y] for y in years}
    for y in years:
        q["a"][y] = max(1000.0, p["a"][y] + 1.1 * (err[y] - 0.75 * err.get(y - 1, 0.0)))
    q["a"] = fill_after(q["a"], Y)
    for key in (2017, 2019, 2022, 2023):
        if key in k["outflow"]:
            gap = k["outflow"][key] - m["outflow"][key]
            q["o"][key] = max(0.2, p["o"][key] * (1 + 0.8 * gap / (m["outflow"][key] * m["other_share"][key])))
    if 2017 in k["outflow"]:
        q["o"][2015] = q["o"][2017]
    q["o"] = fill_after(q["o"], max(Y, 2015))
    if k["work2021"] is not None:
        q["m"] = p["m"] * (k["work2021"] / m["work2021"]) ** 0.9
    bt, bm = k["beschut"], m["beschut"]
    steps = {2015: (2015.0, 2016.0), 2016: (2016.0, 2017.0), 2017: (2017.0, 2017.7), 2018: (2017.7, 2019.0), 2019: (2019.0, 2020.0)}
    for y, (t0, t1) in steps.items():
        if t1 not in bt:
            continue
        lo = bt.get(t0, 0.0) if t0 > 2015.0 else 0.0
        mlo = bm.get(t0, 0.0) if t0 > 2015.0 else 0.0
        dt, dm = bt[t1] - lo, bm[t1] - mlo
        q["b"][y] = max(10.0, p["b"][y] * (1 + 0.8 * (dt - dm) / max(dm, 20.0)))
    fitted_b = [y for y, (_, t1) in steps.items() if t1 in bt]
    if fitted_b:
        q["b"] = fill_after(q["b"], max(fitted_b))
    lt, lm = k["lks"], m["lks"]
    if 2017.0 in lt:
        dt, dm = lt[2017.0] - lm[2015.0], lm[2017.0] - lm[2015.0]
        q["l"][2015] = max(0.05, p["l"][2015] * (1 + 0.7 * (dt - dm) / max(dm, 50.0)))
        later = [t for t in lt if t > 2017.0]
        if later:
            t2 = max(later)
            dt, dm = lt[t2] - lt[2017.0], lm[t2] - lm[2017.0]
            # kept positive: the calibration draws it on the log scale
            q["beta"] = max(0.05, p["beta"] + 0.8 * np.log(max(dt, 1.0) / max(dm, 1.0)))
    if k["wsw"]:
        yw = max(k["wsw"])
        gap = m["wsw"][yw + 1.0] - k["wsw"][yw]
        q["w"] = max(0.0, p["w"] + 0.8 * gap / ((yw - 2014) * 90000))
    return q


BESCHUT_TIMES = (2016.0, 2017.0, 2017.7, 2018.25, 2019.0, 2020.0, 2021.0)
LKS_TIMES = (2015.0, 2017.0, 2017.95, 2018.4)


def measure(r, scale, Y):
    """fit_nederland.measure at the times up to Y + 1 (the run stops there)."""
    m = {"stock": {}, "outflow": {}, "other_share": {}}
    for y in range(2015, Y + 1):
        m["stock"][y] = r.stock(B, y + 1.0).mean() * scale
        avg = (r.stock(B, y).mean() + r.stock(B, y + 1).mean()) / 2
        out = r.outflow_from(B, y, y + 1).mean()
        m["outflow"][y] = 100 * out / avg
        m["other_share"][y] = r.flow(frm=B, to=["uitstroom_overig"], t0=y, t1=y + 1).mean() / out
    m["work2021"] = r.flow(frm=B, to=TO_WORK, t0=2021, t1=2022).mean() * scale if Y >= 2021 else None
    t1 = Y + 1.0
    m["beschut"] = {t: r.stock(["beschut_werk"], t).mean() * scale for t in BESCHUT_TIMES if t <= t1}
    m["lks"] = {t: r.stock(["afspraakbaan"], t).mean() * scale for t in LKS_TIMES if t <= t1}
    m["wsw"] = {t: r.stock(pw.WSW, t).mean() * scale for t in (2016.0, 2017.0, 2018.0) if t <= t1}
    m["beschut_end"] = r.stock(["beschut_werk"], t1).mean() * scale
    m["waiting_end"] = r.stock(["wacht_beschut"], t1).mean() * scale
    return m


def overrides(p):
    """fit_nederland's --set overrides of the fitted values, plus the beschut werk places after
    the origin once the forecast rule has set them."""
    if "cap" not in p:
        return fn.overrides(p)
    cap = {y: v for y, v in places_in_model().items() if y < min(p["cap"])} | p["cap"]
    return fn.overrides(p) + ["state[beschut_werk].capacity=" + fn.year_table(cap)]


def fit_run(p, Y, share, n, seed, d, tag, extra_sets=(), to=None):
    """A run of the fit at origin Y to the end of Y (or of `to`), measured; with `to`, also
    m["hold"]: the geometric mean of the bijstand stock at the ends of the years Y + 1 to `to`."""
    end = Y if to is None else to
    sets = [f"sample_share={share}", f"horizon_years={end + 1 - 2015}"] + overrides(p) + list(extra_sets)
    r = pw.run(NL, d / f"fit-{tag}.h5", n=n, seed=seed, sets=sets)
    m = measure(r, 1.0 / share, Y)
    if to is not None and to > Y:
        m["hold"] = math.exp(np.mean([math.log(r.stock(B, y + 1.0).mean() / share) for y in range(Y + 1, to + 1)]))
    return m


def fit(Y, tg, args, d, log):
    """The fit at origin Y and the forecast rules' central values (they too use only what was
    public by the end of Y): returns the fitted values p with the forecast path after Y, the
    last fit run's measures m and the figures k known at Y."""
    k = known(tg, Y)
    p = {kk: (dict(v) if isinstance(v, dict) else v) for kk, v in fn.START.items()}
    p["a"] = fill_after(p["a"], Y)
    for it in range(args.iterations + 1):
        m = fit_run(p, Y, args.fit_share, args.fit_n, args.seed + it, d, f"{Y}-{it}")
        if it < args.iterations:
            p = update_until(p, m, k, Y)
    last = max(k["stock"])
    log(f"  origin {Y}: stock end {last} model {m['stock'][last]:,.0f} / figure {k['stock'][last]:,.0f}")
    beschut_rule(p, m, k, Y)
    other_exit_trend(p, k, Y)
    hold_stock(p, k, Y, args, d, log)
    return p, m, k


# ---- step 1b: the forecast rules' central path after Y -------------------------------------------
def beschut_exit_rate():
    """The constant exit rates out of beschut werk in participatiewet.toml (a year; mortality,
    a table by age of about 0.002 at these ages, left out)."""
    with open(pw.MODEL_DIR / "participatiewet.toml", "rb") as f:
        doc = tomllib.load(f)
    return sum(t["rate"] for t in doc["transition"] if t["from"] == "beschut_werk" and isinstance(t.get("rate"), (int, float)))


def beschut_rule(p, m, k, Y):
    """Beschut werk after Y: the places (p["cap"]) from the taakstelling known at Y, and the
    arrivals with an indication (p["b"]) that fill them by the end of each year: the places minus
    the people still at work from the year before and those already waiting, at least the
    arrivals of Y (the demand the origin has seen does not stop when the places are full).
    Bookkeeping in expectation, starting from the fitted model's people at work and waiting at
    the end of Y; the few who leave diagnose for bijstand before placement are left out."""
    cap = places_known(k, Y)
    keep = math.exp(-beschut_exit_rate())
    at, wait = m["beschut_end"], m["waiting_end"]
    b = dict(p["b"])
    level = b[max(y for y in b if y <= Y)] if any(y <= Y for y in b) else b[min(b)]
    for y in sorted(cap):
        b[y] = max(level, cap[y] - keep * at - wait)
        pool = keep * at + wait + b[y]
        at = min(pool, cap[y])
        wait = pool - at
    p["b"], p["cap"] = b, cap


def other_exit_trend(p, k, Y):
    """Other-exit multiplier after Y: the last fitted key's value, carried on along the log
    change a year between the last two fitted keys when the origin has two outflow figures
    (a local linear trend from the last figure's year; none with one figure)."""
    fy = sorted(k["outflow"])
    last = fy[-1] if fy else Y
    drift = (math.log(p["o"][fy[-1]]) - math.log(p["o"][fy[-2]])) / (fy[-1] - fy[-2]) if len(fy) >= 2 else 0.0
    p["o"] = {kk: (v * math.exp(drift * (kk - last)) if kk > Y else v) for kk, v in p["o"].items()}
    p["o_trend"] = (drift, last)


def hold_stock(p, k, Y, args, d, log):
    """Arrivals into bijstand after Y: those that hold the model's bijstand stock at the stock
    figure of Y in every later year (the no-change forecast of the observed stock), found by the
    fit's own iteration on runs to the end of LAST_YEAR with the forecast's other exits and
    beschut path. Starts from the arrivals of Y. The update is the fit's (a_y moves by the stock
    error of y less three quarters of that of y - 1), so a residual of the fit at Y is closed over a
    few years, not at once."""
    years = [y for y in fn.ARRIVAL_YEARS if y > Y]
    target = k["stock"][Y]
    sets0 = [f"sample_share={args.fit_share}", f"horizon_years={LAST_YEAR + 1 - 2015}"]
    for it in range(args.iterations if years else 0):
        r = pw.run(NL, d / f"hold-{Y}-{it}.h5", n=args.fit_n, seed=args.seed + 500 + it, sets=sets0 + overrides(p))
        err = {y: target - r.stock(B, y + 1.0).mean() / args.fit_share for y in [Y] + years}
        for y in years:
            p["a"][y] = max(1000.0, p["a"][y] + 1.1 * (err[y] - 0.75 * err[y - 1]))
        if it == args.iterations - 1:
            log(f"  arrivals holding the stock at {target:,.0f}: " + ", ".join(f"{y} {p['a'][y]:,.0f}" for y in years)
                + f" (last stock errors {min(err[y] for y in years):+,.0f} to {max(err[y] for y in years):+,.0f})")


# ---- step 2: calibration uncertainty of the values that carry the forecast ----------------------
# Before its figure, a fitted value has a prior this wide on the log scale (in effect flat: the
# figure decides); values the origin has no figure for keep their own prior (JOB_PRIOR, ...).
FIT_PRIOR = 1.0
BUMP = 1.1
FITTED = ("a", "a+", "o", "m", "w", "l", "beta", "b")
BETA_KEYS = [f'transition[{frm}->diagnose].covariates."doelgroep=arbeidsbeperking"' for frm in ("bijstand_t2", "bijstand_t3")]


def conditioned_cov(prior_sd, J, err):
    """Covariance of log values theta ~ N(theta_hat, diag(prior_sd^2)) after the figures known at
    the origin: log y = log f(theta_hat) + J (theta - theta_hat) + e, e ~ N(0, diag(err^2)) (the
    linear-Gaussian update, Kalman's: S - S J' (J S J' + R)^-1 J S). With one value and one figure
    and a flat prior it is the delta method, (err / J)^2; with several values it keeps the
    directions the figures tie (a draw with a higher job-finding level has fewer other exits, so
    both still give the outflow % of the origin) and leaves the others at their priors."""
    prior_sd = np.asarray(prior_sd, float)
    S = np.diag(prior_sd ** 2)
    J = np.asarray(J, float).reshape(-1, len(prior_sd))
    if J.shape[0] == 0:
        return S
    G = J @ S @ J.T + np.diag(np.asarray(err, float) ** 2)
    C = S - S @ J.T @ np.linalg.solve(G, J @ S)
    return (C + C.T) / 2


def with_rule(C, j_hold, j_rule):
    """The covariance C of values theta extended by one value r set by a rule: r moves with theta
    so that a quantity h (elasticities j_hold to theta, j_rule to r) stays where it is,
    j_hold . d_theta + j_rule * d_r = 0 (linearised). The arrivals after the origin are such a
    value: they hold the bijstand stock, whatever the draw of the other values."""
    if not abs(j_rule) > 1e-3:
        raise ValueError(f"with_rule: the held quantity hardly moves with the rule's value (elasticity {j_rule:.2g})")
    T = np.vstack([np.eye(len(C)), -np.asarray(j_hold, float) / j_rule])
    return T @ C @ T.T


def assumption_priors():
    """The priors of the national model's assumptions: nederland.toml's own entries (every one
    whose key fit_nederland.py does not fit) and those of tools/nederland_priors.toml (the
    lognormal ones, which nederland.toml carries only conditioned): {key: distribution table}."""
    fitted = re.compile(r"^(inflow\[|transition\[(bijstand_t[123]|bijstand_deeltijdwerk|ontwikkeltraject|matching)->"
                        r"(regulier_werk|uitstroom_overig)\]\.multiplier|transition\[wsw_(intern|gedetacheerd)->bijstand_t2\])")
    out = {}
    for path in (NL, PRIORS):
        with open(path, "rb") as f:
            unc = tomllib.load(f)["uncertainty"]
        out |= {key: d for key, d in unc.items() if key not in ("correlated", "multivariate_normal") and not fitted.match(key)}
    return out


def conditioned_priors():
    """The assumptions whose priors are lognormal: {key: (median, sd_log)}. They join the fitted
    values in the conditioning (a lognormal is a normal of the log, so the joint prior is exact);
    the others (beta leakages, gamma costs) stay independent."""
    return {key: (float(d["median"]), float(d["sd_log"])) for key, d in assumption_priors().items() if d.get("dist") == "lognormal"}


def calibration(p, k, Y, args, d):
    """The forecast-carrying values and their covariance at origin Y: [(name, keys, log centres)]
    and the covariance of the names' log values, conditioned on the figures known at Y (stock at
    the end of Y, the last outflow %, the exits to work of 2021, the last Wsw persons, every LKS
    persons figure and the last beschut werk at work). The LKS values are the entry rate of
    2015-16 ("l") and the doelgroep's referral effect ("beta", on the log scale, so positive); the
    beschut arrivals up to Y move by one factor ("b"); the LKS rate from 2017 and the beschut
    placement rate are among the lognormal assumptions. A fitted value whose figure is unknown at Y,
    or too small a count for the fit's sample to resolve (MIN_SAMPLED), keeps the prior of a value
    without a figure (JOB_PRIOR, LKS_PRIOR, ...); with its figure, the flat FIT_PRIOR. The
    arrivals after Y ("a+") follow the forecast rule in every draw: they move with the other
    values so that the mean log stock of the years after Y stays where the centre holds it
    (with_rule; the rule's own uncertainty is the random walk added in forecast_scenario). The
    Jacobian: one run to LAST_YEAR per value with the value raised by 10 % (same seed as the base
    run)."""
    ko = max(k["outflow"]) if k["outflow"] else None
    okeys = [kk for kk in fn.OTHER_KEYS if kk >= max([x for x in fn.OTHER_KEYS if x <= Y] or [2015])]
    later = [y for y in fn.ARRIVAL_YEARS if y > Y]
    o_from = ko if ko is not None else okeys[0]

    def arrivals(ys):
        tables = [fn.arrival_table(p, f) for f in fn.ARRIVAL_SPLIT]
        return ([f"inflow[{i}].rate_per_year.{y}" for y in ys for i in range(len(tables))],
                [math.log(t[y]) for y in ys for t in tables])

    values = [  # name, prior sd_log (None: set by the figures used, below), keys, log centres, bump of p, extra --set
        ("a", None, *arrivals([Y]), lambda q: q["a"].update({Y: q["a"][Y] * BUMP}), []),
        ("o", None,
         [f"transition[{frm}->uitstroom_overig].multiplier.{kk}" for kk in okeys for frm in fn.OTHER_FROM],
         [math.log(p["o"][kk]) for kk in okeys for _ in fn.OTHER_FROM],
         lambda q: q["o"].update({kk: v * BUMP for kk, v in q["o"].items() if kk >= o_from}), []),
        ("m", None,
         [f"transition[{frm}->regulier_werk].multiplier" for frm in fn.JOB_FROM], [math.log(p["m"])] * len(fn.JOB_FROM),
         lambda q: q.update(m=q["m"] * BUMP), []),
        ("w", None, [f"transition[{frm}->bijstand_t2].rate" for frm in fn.WSW_TO_BIJSTAND],
         [math.log(max(p["w"], 1e-4))] * len(fn.WSW_TO_BIJSTAND), lambda q: q.update(w=q["w"] * BUMP), []),
        ("l", None, ["transition[matching->afspraakbaan].rate.2015"],
         [math.log(p["l"][2015])], lambda q: q["l"].update({2015: q["l"][2015] * BUMP}), []),
        ("beta", None, BETA_KEYS, [math.log(p["beta"])] * len(BETA_KEYS), lambda q: q.update(beta=q["beta"] * BUMP), []),
    ]
    byears = [y for y in sorted(p["b"]) if y <= Y]
    kb = max((t for t in k["beschut"] if t in BESCHUT_TIMES), default=None)
    if byears:
        values.append(("b", None, [f"inflow[3].rate_per_year.{y}" for y in byears],
                       [math.log(p["b"][y]) for y in byears], lambda q: q["b"].update({y: q["b"][y] * BUMP for y in byears}), []))
    for key, (median, sd_log) in conditioned_priors().items():
        values.append((key, sd_log, [key], [math.log(median)], lambda q: None, [f"{key}={median * BUMP!r}"]))
    # the rule's keys: the years after Y and the held year after the last fitted one
    rule = ("a+", None, *arrivals(later + [fn.ARRIVAL_YEARS[-1] + 1]), lambda q: q["a"].update({y: v * BUMP for y, v in q["a"].items() if y > Y}), [])
    figures = [("stock", None, lambda mm: mm["stock"][Y])]  # kind, date (LKS), read
    if ko is not None:
        figures.append(("outflow", None, lambda mm: mm["outflow"][ko]))
    if k["work2021"] is not None:
        figures.append(("work2021", None, lambda mm: mm["work2021"]))
    if k["wsw"]:
        yw = max(k["wsw"])
        figures.append(("wsw", None, lambda mm: mm["wsw"][yw + 1.0]))
    for t in sorted(tt for tt in k["lks"] if tt in LKS_TIMES and tt > 2015.0):
        figures.append(("lks", t, lambda mm, t=t: mm["lks"][t]))
    if kb is not None:
        figures.append(("beschut", kb, lambda mm: mm["beschut"][kb]))
    if later:
        figures.append(("hold", None, lambda mm: mm["hold"]))
    seed = args.seed + 1000
    base = fit_run(p, Y, args.fit_share, args.fit_n, seed, d, f"{Y}-base", to=LAST_YEAR)
    every = values + ([rule] if later else [])
    J = np.zeros((len(figures), len(every)))
    for j, (name, _, _, _, bump, sets) in enumerate(every):
        q = {kk: (dict(v) if isinstance(v, dict) else v) for kk, v in p.items()}
        bump(q)
        mm = fit_run(q, Y, args.fit_share, args.fit_n, seed, d, f"{Y}-bump{j}", sets, to=LAST_YEAR)
        for i, (_, _, read) in enumerate(figures):
            a, b = read(mm), read(base)
            J[i, j] = (math.log(a) - math.log(b)) / math.log(BUMP) if a > 0 and b > 0 else math.nan
    n, nf = len(values), len(figures) - (1 if later else 0)
    # A count the sample cannot resolve (fewer than MIN_SAMPLED people in it over the fit's runs:
    # the first years of LKS and beschut werk on a small sample) has an elasticity that is mostly
    # the sample's noise; it is left out, as if unknown, and the values it would identify keep the
    # prior of a value without a figure.
    used = [i for i in range(nf) if np.all(np.isfinite(J[i]))
            and (figures[i][0] not in COUNT_KINDS or figures[i][2](base) * args.fit_share * args.fit_n >= MIN_SAMPLED)]
    kinds = {figures[i][0] for i in used}
    lks = {figures[i][1] for i in used if figures[i][0] == "lks"}
    identified = {"a": "stock" in kinds, "o": "outflow" in kinds, "m": "work2021" in kinds, "w": "wsw" in kinds,
                  "l": 2017.0 in lks, "beta": any(t > 2017.0 for t in lks), "b": "beschut" in kinds}
    unknown = {"a": FIT_PRIOR, "o": 2 * OTHER_STEP, "m": JOB_PRIOR, "w": 0.5, "l": LKS_PRIOR, "beta": BETA_PRIOR, "b": BESCHUT_STEP}
    prior = [(FIT_PRIOR if identified[v[0]] else unknown[v[0]]) if v[0] in identified else v[1] for v in values]
    C = conditioned_cov(prior, J[used, :n], [FIGURE_ERROR[figures[i][0]] for i in used])
    if later:
        C = with_rule(C, J[-1, :n], J[-1, n])
    return [(name, keys, centres) for name, _, keys, centres, _, _ in every], C


# ---- step 3: the forecast scenario ---------------------------------------------------------------
def toml_dist(key, dist):
    return f'"{key}" = {{ ' + ", ".join(f'{a} = "{v}"' if isinstance(v, str) else f"{a} = {v}" for a, v in dist.items()) + " }"


def mvn(keys, mean, cov, comment, name=None):
    cov = np.asarray(cov) + 1e-8 * np.eye(len(keys))
    rows = ",\n  ".join("[" + ", ".join(f"{x:.8g}" for x in row) + "]" for row in cov)
    named = f'name = "{name}"\n' if name else ""
    return (f"\n# {comment}\n[[uncertainty.multivariate_normal]]\n{named}keys = [" + ", ".join(json.dumps(k) for k in keys) + "]\n"
            f'scale = "log"\nmean = [' + ", ".join(f"{x:.10g}" for x in mean) + f"]\ncovariance = [\n  {rows}]\n")


def rms_step(values):
    v = np.log(np.asarray(values, float))
    d = np.diff(v)
    return max(STEP_FLOOR, float(np.sqrt(np.mean(d ** 2)))) if len(d) else 2 * STEP_FLOOR


def calibrated_cov(values, C, walks, rho=0.999):
    """Covariance of the keys of `values` ([(name, keys, centres)]): the names' covariance C
    spread over their keys (the edges of one value move as one, correlation rho), plus each
    name's random walk after the origin (walks: {name: (step, [years after the origin per key])})."""
    owner = [j for j, (_, keys, _) in enumerate(values) for _ in keys]
    name = [values[j][0] for j in owner]
    cov = C[np.ix_(owner, owner)].copy()
    cov[np.diag_indices_from(cov)] *= 1 + (1 - rho)
    for n_, (step, h) in walks.items():
        idx = [i for i, x in enumerate(name) if x == n_]
        cov[np.ix_(idx, idx)] += step ** 2 * np.minimum.outer(np.asarray(h, float), np.asarray(h, float))
    return cov


def forecast_scenario(p, values, C, Y, d):
    """The origin's scenario: nederland.toml without its uncertainty table, its fitted values
    as of Y (given as --set overrides by the caller) and the forecast uncertainty."""
    text = NL.read_text()
    text = text[: text.index("\n[uncertainty]")]
    text = re.sub(r'^extends = "participatiewet.toml"', f'extends = "{pw.MODEL_DIR / "participatiewet.toml"}"', text, flags=re.M)
    text = re.sub(r'^name = "nederland"', f'name = "nederland-backtest-{Y}"', text, flags=re.M)
    text = re.sub(r"^horizon_years = .*$", f"horizon_years = {LAST_YEAR + 3 - 2015}.0", text, flags=re.M)
    joint = conditioned_priors()
    lines = ["", "[uncertainty]", "# nederland.toml's priors of its assumptions that are not lognormal (those are in the group below)"]
    lines += [toml_dist(key, dist) for key, dist in assumption_priors().items() if key not in joint]
    blocks = []
    # the fitted values and the lognormal assumptions, conditioned on the figures known at Y, with
    # random walks after Y: the arrivals (step from the fitted arrivals up to Y) and the other-exit
    # multiplier around its trend (other_exit_trend: already in p["o"])
    step_a = rms_step([p["a"][y] for y in fn.ARRIVAL_YEARS if y <= Y])
    horizon = {n_: [max(int(key.rsplit(".", 1)[1]) - Y, 0) for key in keys] for n_, keys, _ in values if n_ in ("a+", "o")}
    cov = calibrated_cov(values, C, {"a+": (step_a, horizon.get("a+", [])), "o": (OTHER_STEP, horizon["o"])})
    drift, last = p["o_trend"]
    sds = ", ".join(f"{n_} {math.sqrt(C[j, j]):.3f}" for j, (n_, _, _) in enumerate(values) if n_ in FITTED)
    blocks.append(mvn([key for _, keys, _ in values for key in keys], [x for _, _, c in values for x in c], cov,
                      f"fitted values and lognormal assumptions conditioned on the figures known at {Y} (sd_log {sds}); "
                      f"arrivals after {Y} hold the stock at the figure of {Y}, random-walk step {step_a:.3f} a year; "
                      f"other-exit multiplier trend {drift:+.3f} a year from {last}, random-walk step {OTHER_STEP} a year"))
    # beschut werk after Y (beschut_rule): the places and the arrivals that fill them share one
    # factor, the realised share of the taakstelling (sd_log PLACES_SD); the arrivals carry on top
    # the demand's own random walk (step BESCHUT_STEP a year)
    cyears = sorted(p["cap"])
    beschut = [("places", [f"state[beschut_werk].capacity.{y}" for y in cyears], [math.log(p["cap"][y]) for y in cyears]),
               ("arrivals", [f"inflow[3].rate_per_year.{y}" for y in cyears], [math.log(p["b"][y]) for y in cyears])]
    cov = calibrated_cov(beschut, np.full((2, 2), PLACES_SD ** 2), {"arrivals": (BESCHUT_STEP, [y - Y for y in cyears])})
    blocks.append(mvn([k for _, keys, _ in beschut for k in keys], [x for _, _, c in beschut for x in c], cov,
                      f"beschut werk after {Y}: places {PLACES_SHARE:.3f} x the taakstelling known at {Y}, arrivals that fill "
                      f"them; one factor sd_log {PLACES_SD}, arrivals' random-walk step {BESCHUT_STEP} a year"))
    f = d / f"nederland-backtest-{Y}.toml"
    f.write_text(text + "\n".join(lines) + "\n" + "".join(blocks))
    return f


# ---- step 4: the held-back figures --------------------------------------------------------------
def held_back(T, Y):
    """(label, source id, when, figure, function of a Result -> per-run values at full scale,
    kind) for every catalogue figure dated after Y that the back-test uses."""
    out = []
    stock = dict(zip(T["bijstand_stock_cbs"]["years"], T["bijstand_stock_cbs"]["values"]))
    stock.update({2022: 394000.0, 2023: 400000.0})
    for y, v in sorted(stock.items()):
        if y > Y:
            out.append(("bijstand stock, end of year", "bijstand_stock_cbs", str(y), v, lambda r, s, y=y: r.stock(B, y + 1.0) * s))
    for id_, label, fn_ in (("bijstand_outflow_pct_divosa", "outflow % of the stock", lambda r, y: r.outflow_from(B, y, y + 1)),
                            ("bijstand_inflow_pct_divosa", "inflow % of the stock", lambda r, y: r.inflow_into(B, y, y + 1))):
        t = T[id_]
        for y, v in zip(t["years"], t["values"]):
            if y > Y:
                out.append((label, id_, str(y), v, lambda r, s, y=y, f=fn_: 100 * f(r, y) / ((r.stock(B, y) + r.stock(B, y + 1)) / 2)))
    if Y < 2021:
        out.append(("exits from bijstand to work", "bijstand_exit_to_loondienst_2021", "2021", T["bijstand_exit_to_loondienst_2021"]["value"],
                    lambda r, s: r.flow(frm=B, to=TO_WORK, t0=2021, t1=2022) * s))
    t = T["wsw_persons"]
    for y, v in zip(t["years"], t["values"]):
        if y > Y:
            out.append(("Wsw persons, end of year", "wsw_persons", str(y), v, lambda r, s, y=y: r.stock(pw.WSW, y + 1.0) * s))
    t = T["wsw_annual_attrition"]
    for y, v in zip(t["years"], t["values"]):
        if y > Y:
            out.append(("annual change of Wsw persons, %", "wsw_annual_attrition", str(y), v,
                        lambda r, s, y=y: 100 * (r.stock(pw.WSW, y + 1.0) / r.stock(pw.WSW, float(y)) - 1)))
    t = T["wsw_detached_share"]
    for y, v in zip(t["years"], t["values"]):
        if y > Y:
            out.append(("Wsw detached share", "wsw_detached_share", str(y), v,
                        lambda r, s, y=y: r.stock(["wsw_gedetacheerd"], y + 1.0) / r.stock(pw.WSW, y + 1.0)))
    t = T["beschut_at_work"]
    for y, v in list(zip(t["years"], t["values"])) + [(2023.0 - 1e-9, 6980)]:
        when = y + 1.0 if float(y).is_integer() else round(y, 6)
        if when > Y + 1.0 + 1e-9:
            label = f"end {y}" if float(y).is_integer() else ("Jan 2023" if when >= 2023 - 1e-6 else str(y))
            out.append(("beschut werk at work", "beschut_at_work", label, v, lambda r, s, t=when: r.stock(["beschut_werk"], t) * s))
    t = T["lks_persons"]
    for y, v in zip(t["years"], t["values"]):
        if y > Y + 1.0 + 1e-9:
            out.append(("persons with LKS", "lks_persons", str(y), v, lambda r, s, t=y: r.stock(["afspraakbaan"], t) * s))
    return out


def score(r, figs, scale):
    rows = []
    for label, src, when, v, f in figs:
        x = np.asarray(f(r, scale), float)
        q05, q25, q50, q75, q95 = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95])
        rows.append(dict(label=label, src=src, when=when, figure=float(v), q05=q05, q25=q25, q50=q50, q75=q75, q95=q95,
                         in50=bool(q25 <= v <= q75), in90=bool(q05 <= v <= q95),
                         hw90=(q95 - q05) / 2 / abs(q50), hw50=(q75 - q25) / 2 / abs(q50), err=(q50 - v) / abs(v)))
    return rows


def num(x):
    a = abs(x)
    return f"{x:,.0f}" if a >= 100 else (f"{x:.1f}" if a >= 10 else (f"{x:.2f}" if a >= 1 else f"{x:.3f}"))


def render(results, args, cmd):
    allr = [row for _, rows, _ in results for row in rows]
    n = len(allr)
    in50, in90 = sum(r["in50"] for r in allr), sum(r["in90"] for r in allr)
    hw90 = float(np.median([r["hw90"] for r in allr])) if allr else float("nan")
    hw50 = float(np.median([r["hw50"] for r in allr])) if allr else float("nan")
    out = [BEGIN, "## Back-test: forecast bands against later figures", "",
           "A rolling-origin back-test with the shipped catalogue only: for each origin Y the model's fitted values "
           "are refitted on the catalogue figures dated up to the end of Y (`tools/backtest_nederland.py` says "
           "exactly which), the years after Y are forecast by a PSA that includes the calibration uncertainty of "
           "the values that carry the forecast and the priors of `nederland.toml`'s assumptions (those two together, "
           "conditioned on the figures known at Y, the last of each kind and every LKS figure: every draw agrees with them to first order) "
           "and forecast rules for "
           "what the origin cannot know, each from what was public by the end of Y (arrivals that hold the bijstand stock at its "
           "last figure in every draw, with a random walk around them; other exits around their trend; beschut werk places from the "
           "taakstelling known at Y and arrivals with an indication that fill them, one uncertain factor for the realised "
           "share of the taakstelling), and every catalogue "
           "figure dated after Y is held against the forecast's bands (50 %: the 25th to 75th percentile of the "
           f"runs; 90 %: 5th to 95th). Each PSA: {args.draws} draws (Sobol), one replicate per draw, "
           f"sample_share {args.share} (results scaled to the whole country); fits at sample_share "
           f"{args.fit_share}, {args.fit_n} replicates, {args.iterations} iterations. Figures of the same origin "
           "are not independent (one forecast path misses several years together). Held back: the bijstand stock (CBS, "
           "with 2022 and 2023 from its notes), Divosa's outflow and inflow %, the exits to work of 2021, the Wsw persons, "
           "attrition and detached share, beschut werk at work (with January 2023 from its notes) and LKS persons. Not held "
           "back: Divosa's volume change (benchmark gemeenten, not the national stock), CBS's quarterly flows (counted "
           "differently from Divosa's, whose % the model is fitted to: the first known gap above) and figures the model "
           "does not report (by age, duration, register).", "",
           f"Produced by `{cmd}`.", "",
           "| origin | held-back figures | inside 50 % band | inside 90 % band | median half-width of the 90 % band | of the 50 % band |",
           "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for Y, rows, _ in results:
        out.append(f"| {Y} | {len(rows)} | {sum(r['in50'] for r in rows)} | {sum(r['in90'] for r in rows)} | "
                   f"{100 * np.median([r['hw90'] for r in rows]):.1f} % | {100 * np.median([r['hw50'] for r in rows]):.1f} % |")
    out.append(f"| **all** | **{n}** | **{in50} ({100 * in50 / max(n, 1):.0f} %)** | **{in90} ({100 * in90 / max(n, 1):.0f} %)** | "
               f"**{100 * hw90:.1f} %** | **{100 * hw50:.1f} %** |")
    out += ["", "Half-widths are relative to the band's median. By kind of figure, over all origins (the median "
            "error is the forecast median's deviation from the figure, (median − figure)/|figure|, so + is above the "
            "figure also for a negative one: a sign that holds across a kind is a bias, not noise):", "",
            "| figure | held back | inside 50 % | inside 90 % | median error of the forecast median | median half-width (90 %) |",
            "| --- | ---: | ---: | ---: | ---: | ---: |"]
    kinds = {}
    for r in allr:
        kinds.setdefault(r["label"], []).append(r)
    for label, rows in kinds.items():
        out.append(f"| {label} | {len(rows)} | {sum(r['in50'] for r in rows)} | {sum(r['in90'] for r in rows)} | "
                   f"{100 * np.median([r['err'] for r in rows]):+.1f} % | {100 * np.median([r['hw90'] for r in rows]):.1f} % |")
    out += ["", f"The counts carry Monte Carlo error ({args.draws} draws, the fit's own noise; the README gives the same "
            "procedure with another seed). Reading the misses: [models/participatiewet/README.md, \"Back-test\"]"
            "(../models/participatiewet/README.md#back-test). "
            "Per figure (median and bands of the forecast; ✓ inside, – outside):", ""]
    for Y, rows, notes in results:
        out += [f"### Origin {Y}", "", notes, "",
                "| figure | source | when | figure's value | forecast median | 50 % band | 90 % band | in 50 | in 90 | median vs figure |",
                "| --- | --- | --- | ---: | ---: | --- | --- | :-: | :-: | ---: |"]
        for r in rows:
            out.append(f"| {r['label']} | {r['src']} | {r['when']} | {num(r['figure'])} | {num(r['q50'])} | "
                       f"{num(r['q25'])} – {num(r['q75'])} | {num(r['q05'])} – {num(r['q95'])} | "
                       f"{'✓' if r['in50'] else '–'} | {'✓' if r['in90'] else '–'} | {100 * r['err']:+.1f} % |")
        out.append("")
    out.append(END)
    return "\n".join(out) + "\n", dict(n=n, in50=in50, in90=in90, hw90=hw90, hw50=hw50)


def write_section(path, section):
    p = Path(path)
    text = p.read_text() if p.exists() else ""
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    p.write_text(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--origins", type=int, nargs="+", default=[2016, 2017, 2019, 2021])
    ap.add_argument("--draws", type=int, default=128, help="PSA draws per origin (Sobol: a power of 2)")
    ap.add_argument("--share", type=float, default=0.1, help="sample_share of the forecast PSA")
    ap.add_argument("--fit-share", type=float, default=0.05, help="sample_share of the fit runs")
    ap.add_argument("--fit-n", type=int, default=2, help="replicates per fit run")
    ap.add_argument("--iterations", type=int, default=6, help="fit iterations")
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--threads", type=int, default=0, help="threads of the PSA runs (0: all cores)")
    ap.add_argument("--out", default=str(pw.REPO / "docs" / "validation.md"), help="file to write the section into")
    ap.add_argument("--json", help="also write the per-figure results as JSON here")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    T = pw.targets()
    tg = load_targets()
    d = pw.tmpdir()
    results, fits = [], {}
    for Y in args.origins:
        if not 2015 <= Y <= LAST_YEAR - 1:
            raise SystemExit(f"--origins: {Y} is outside 2015-{LAST_YEAR - 1}")
        log(f"origin {Y}: fitting on figures up to the end of {Y} ...")
        p, m, k = fit(Y, tg, args, d, log)
        values, C = calibration(p, k, Y, args, d)
        sd = {n_: math.sqrt(C[j, j]) for j, (n_, _, _) in enumerate(values) if n_ in FITTED}
        fits[Y] = (p, sd)
        scen = forecast_scenario(p, values, C, Y, d)
        log(f"  calibration sd_log: " + ", ".join(f"{a} {b:.3f}" for a, b in sd.items()) + f"; PSA of {args.draws} draws ...")
        out = d / f"psa-{Y}.h5"
        r = pw.run(scen, out, n=1, seed=args.seed, threads=args.threads,
                   sets=[f"sample_share={args.share}"] + overrides(p), extra=["--draws", str(args.draws), "--design", "sobol"])
        rows = score(r, held_back(T, Y), 1.0 / args.share)
        notes = ("Refitted: arrivals " + ", ".join(f"{y} {p['a'][y]:,.0f}" for y in fn.ARRIVAL_YEARS if y <= Y)
                 + f"; other-exit multiplier " + ", ".join(f"{kk}: {p['o'][kk]:.3f}" for kk in fn.OTHER_KEYS if kk <= max(Y, 2015))
                 + f"; job-finding level {p['m']:.3f}{'' if Y >= 2021 else ' (START: no figure by the origin)'}"
                 + f"; Wsw exits to bijstand {p['w']:.4f}; LKS entry 2015–16 {p['l'][2015]:.3f}, doelgroep referral effect {p['beta']:.3f}. "
                 + f"Forecast path: arrivals holding the stock at {k['stock'][Y]:,.0f}: "
                 + ", ".join(f"{y} {p['a'][y]:,.0f}" for y in fn.ARRIVAL_YEARS if y > Y)
                 + f"; beschut werk places (2/3 of the taakstelling known at {Y}) "
                 + ", ".join(f"{y} {p['cap'][y]:,.0f}" for y in sorted(p["cap"]) if y <= LAST_YEAR)
                 + ", arrivals with an indication " + ", ".join(f"{y} {p['b'][y]:,.0f}" for y in sorted(p["cap"]) if y <= LAST_YEAR)
                 + (f"; other-exit trend {p['o_trend'][0]:+.3f} a year from {p['o_trend'][1]}" if p["o_trend"][0] else "") + ". "
                 + "Calibration sd_log: " + ", ".join(f"{a} {b:.3f}" for a, b in sd.items()) + ".")
        results.append((Y, rows, notes))
        log(f"  {len(rows)} held-back figures: {sum(x['in50'] for x in rows)} inside 50 %, {sum(x['in90'] for x in rows)} inside 90 %")
    cmd = "TREDE_CLI=build/release/bin/trede /usr/bin/python3 models/participatiewet/tools/backtest_nederland.py " + " ".join(
        (["--origins"] + [str(y) for y in args.origins]) + ["--draws", str(args.draws), "--share", str(args.share),
         "--fit-share", str(args.fit_share), "--fit-n", str(args.fit_n), "--iterations", str(args.iterations), "--seed", str(args.seed)])
    section, tot = render(results, args, cmd)
    write_section(args.out, section)
    log(f"all origins: {tot['n']} figures, {tot['in50']} inside 50 %, {tot['in90']} inside 90 %, "
        f"median half-width 90 % {100 * tot['hw90']:.1f} %, 50 % {100 * tot['hw50']:.1f} %; wrote {args.out}")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(total=tot, origins={str(Y): rows for Y, rows, _ in results},
                                                   fits={str(Y): dict(p={kk: ({str(a): b for a, b in v.items()} if isinstance(v, dict) else v)
                                                                          for kk, v in p.items()}, sd=sd) for Y, (p, sd) in fits.items()}),
                                              indent=1))
    return tot


if __name__ == "__main__":
    main()
