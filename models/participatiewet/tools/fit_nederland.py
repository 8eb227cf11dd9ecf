#!/usr/bin/python3
"""Calibrates models/participatiewet/nederland.toml to the national figures of
calibration_targets.json by running `trede run` and adjusting rates (damped fixed-point
iteration on simulated means). Writes the fitted values into the model files with --write.

Usage (from the repository root; about 2-4 minutes on one core):
    TREDE_CLI=build/h-models/bin/trede /usr/bin/python3 models/participatiewet/tools/fit_nederland.py [--write]
        [--iterations 8] [--share 0.1] [-n 4]

What is fitted to what (README.md "Nederland", docs/validation.md):
  arrivals a_y (inflow[0..2], split 10/65/25 over trede 1/2/3), y = 2015..2023
        -> bijstand stock at the end of y (bijstand_stock_cbs; 2022 and 2023 from its notes);
           constant after 2023 (assumption)
  other-exit multiplier o_y on bijstand_* -> uitstroom_overig, keys 2015 (= 2017 value), 2017,
        2019, 2022, 2023 -> annual outflow as % of the stock (bijstand_outflow_pct_divosa)
  job-finding level m (multiplier on every bijstand -> regulier_werk transition, constant)
        -> exits from bijstand to work in 2021 (bijstand_exit_to_loondienst_2021)
  beschut arrivals b_y (inflow[3]), y = 2015..2019, 2020 on -> beschut werk at work
        (beschut_at_work) and the cumulative positive advices by mid 2022
        (beschut_positive_advice_2022)
  LKS: entry rate matching -> afspraakbaan l_2015 (ramp-up of the new instrument, 2015-2016)
        -> persons with LKS at 1 January 2017; from 2017 the rate is fixed at 2.5 a year
        (assumption); the referral covariate beta of doelgroep arbeidsbeperking on
        bijstand_t2/t3 -> diagnose -> the growth of LKS from 2017 to mid 2018 (lks_persons)
  Wsw exits to bijstand (both Wsw states, one scale) -> Wsw persons end 2017 (wsw_persons)
"""

import argparse
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pwlib as pw  # noqa: E402

NL = pw.MODEL_DIR / "nederland.toml"
PW = pw.MODEL_DIR / "participatiewet.toml"

ARRIVAL_SPLIT = (0.10, 0.65, 0.25)
ARRIVAL_YEARS = list(range(2015, 2024))
OTHER_KEYS = [2015, 2017, 2019, 2022, 2023]
OTHER_FROM = ["bijstand_t1", "bijstand_t2", "bijstand_t3", "bijstand_deeltijdwerk"]
JOB_FROM = ["bijstand_t2", "bijstand_t3", "bijstand_deeltijdwerk", "ontwikkeltraject", "matching"]
BESCHUT_YEARS = [2015, 2016, 2017, 2018, 2019, 2020]
LKS_KEYS = [2015, 2017]
LKS_RATE_2017 = 2.5
WSW_TO_BIJSTAND = ["wsw_intern", "wsw_gedetacheerd"]

# Initial values (the current contents of the files are read by --from-files).
START = {
    "a": {2015: 105000.0, 2016: 105000.0, 2017: 85000.0, 2018: 65000.0, 2019: 60000.0, 2020: 85000.0, 2021: 55000.0, 2022: 55000.0, 2023: 60000.0},
    "o": {k: 1.0 for k in OTHER_KEYS},
    "m": 1.0,
    "b": {2015: 100.0, 2016: 150.0, 2017: 1300.0, 2018: 1900.0, 2019: 2400.0, 2020: 2000.0},
    "l": {2015: 1.0, 2017: LKS_RATE_2017},
    "beta": 0.7,
    "w": 0.014,
}


def fmt(x):
    return f"{x:.6g}"


def year_table(d):
    return "{ " + ", ".join(f"{k} = {fmt(v)}" for k, v in sorted(d.items())) + " }"


def arrival_table(p, share):
    """One trede's arrivals by year: the fitted years, and the year after the last one repeating
    it. The arrivals held after 2023 have a key of their own, so that nederland.toml can state
    their uncertainty apart from that of the fitted value (tools/nederland_uncertainty.py)."""
    t = {y: p["a"][y] * share for y in ARRIVAL_YEARS}
    return t | {ARRIVAL_YEARS[-1] + 1: t[ARRIVAL_YEARS[-1]]}


def overrides(p):
    s = []
    for i, f in enumerate(ARRIVAL_SPLIT):
        s.append(f"inflow[{i}].rate_per_year=" + year_table(arrival_table(p, f)))
    s.append("inflow[3].rate_per_year=" + year_table(p["b"]))
    for frm in OTHER_FROM:
        s.append(f"transition[{frm}->uitstroom_overig].multiplier=" + year_table(p["o"]))
    for frm in JOB_FROM:
        s.append(f"transition[{frm}->regulier_werk].multiplier=" + year_table({2015: p["m"]}))
    s.append("transition[matching->afspraakbaan].rate=" + year_table(p["l"]))
    for frm in ("bijstand_t2", "bijstand_t3"):
        s.append(f'transition[{frm}->diagnose].covariates={{"doelgroep=arbeidsbeperking" = {fmt(p["beta"])}}}')
    for frm in WSW_TO_BIJSTAND:
        s.append(f"transition[{frm}->bijstand_t2].rate={fmt(p['w'])}")
    return s


# ---- targets --------------------------------------------------------------------------------------
def load_targets():
    T = pw.targets()
    stock = dict(zip(T["bijstand_stock_cbs"]["years"], T["bijstand_stock_cbs"]["values"]))
    stock[2022] = 394000.0   # notes of bijstand_stock_cbs: "2022 preliminary 394k"
    stock[2023] = 400000.0   # notes: "2023 later 400k"
    outflow = dict(zip(T["bijstand_outflow_pct_divosa"]["years"], T["bijstand_outflow_pct_divosa"]["values"]))
    work2021 = T["bijstand_exit_to_loondienst_2021"]["value"]
    b = T["beschut_at_work"]
    # integer years are ends of year (notes: "2018 = end 2018"), fractional years are dates
    beschut = {(y + 1.0 if float(y).is_integer() else y): v for y, v in zip(b["years"], b["values"])}
    advice = T["beschut_positive_advice_2022"]["value"]
    lks = dict(zip(T["lks_persons"]["years"], T["lks_persons"]["values"]))
    wsw = dict(zip(T["wsw_persons"]["years"], T["wsw_persons"]["values"]))
    return dict(stock=stock, outflow=outflow, work2021=work2021, beschut=beschut, advice=advice, lks=lks, wsw=wsw)


# ---- one evaluation -------------------------------------------------------------------------------
def measure(r, scale):
    m = {}
    m["stock"] = {y: r.stock(pw.BIJSTAND, y + 1.0).mean() * scale for y in ARRIVAL_YEARS}
    m["outflow"], m["other_share"] = {}, {}
    for y in (2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023):
        avg = (r.stock(pw.BIJSTAND, y).mean() + r.stock(pw.BIJSTAND, y + 1).mean()) / 2
        out = r.outflow_from(pw.BIJSTAND, y, y + 1).mean()
        other = r.flow(frm=pw.BIJSTAND, to=["uitstroom_overig"], t0=y, t1=y + 1).mean()
        m["outflow"][y] = 100 * out / avg
        m["other_share"][y] = other / out
    m["work2021"] = r.flow(frm=pw.BIJSTAND, to=["regulier_werk", "afspraakbaan", "beschut_werk"], t0=2021, t1=2022).mean() * scale
    m["beschut"] = {t: r.stock(["beschut_werk"], t).mean() * scale for t in (2016.0, 2017.0, 2017.7, 2018.25, 2019.0, 2020.0, 2021.0)}
    m["lks"] = {t: r.stock(["afspraakbaan"], t).mean() * scale for t in (2015.0, 2017.0, 2017.95, 2018.4)}
    m["wsw"] = {t: r.stock(pw.WSW, t).mean() * scale for t in (2016.0, 2017.0, 2018.0)}
    return m


def update(p, m, tg):
    q = {k: (dict(v) if isinstance(v, dict) else v) for k, v in p.items()}
    # arrivals: remove this year's stock error, minus what last year's error carries over
    err = {y: tg["stock"][y] - m["stock"][y] for y in ARRIVAL_YEARS}
    for y in ARRIVAL_YEARS:
        carry = 0.75 * err.get(y - 1, 0.0)
        q["a"][y] = max(1000.0, p["a"][y] + 1.1 * (err[y] - carry))
    # other exits: scale so that outflow % hits the target (only the other-exit part moves)
    for k in (2017, 2019, 2022, 2023):
        gap = tg["outflow"][k] - m["outflow"][k]
        q["o"][k] = max(0.2, p["o"][k] * (1 + 0.8 * gap / (m["outflow"][k] * m["other_share"][k])))
    q["o"][2015] = q["o"][2017]
    # job finding
    q["m"] = p["m"] * (tg["work2021"] / m["work2021"]) ** 0.9
    # beschut arrivals: the increase of the stock over each interval (exits are few)
    bt, bm = tg["beschut"], m["beschut"]
    steps = {2015: (2015.0, 2016.0), 2016: (2016.0, 2017.0), 2017: (2017.0, 2017.7), 2018: (2017.7, 2019.0), 2019: (2019.0, 2020.0)}
    for y, (t0, t1) in steps.items():
        lo = bt.get(t0, 0.0) if t0 > 2015.0 else 0.0
        mlo = bm.get(t0, 0.0) if t0 > 2015.0 else 0.0
        dt, dm = bt[t1] - lo, bm[t1] - mlo
        q["b"][y] = max(10.0, p["b"][y] * (1 + 0.8 * (dt - dm) / max(dm, 20.0)))
    # 2020 on: cumulative arrivals by mid 2022 = positive advices still valid
    cum = sum(q["b"][y] for y in (2015, 2016, 2017, 2018, 2019)) + 2.5 * p["b"][2020]
    q["b"][2020] = max(100.0, p["b"][2020] + (tg["advice"] - cum) / 2.5)
    # LKS: the 2015-2016 rate from the stock at 1 January 2017, the doelgroep's referral effect
    # from the growth between 1 January 2017 and mid 2018
    lt, lm = tg["lks"], m["lks"]
    dt, dm = lt[2017.0] - lm[2015.0], lm[2017.0] - lm[2015.0]
    q["l"][2015] = max(0.05, p["l"][2015] * (1 + 0.7 * (dt - dm) / max(dm, 50.0)))
    q["l"][2017] = LKS_RATE_2017
    dt, dm = lt[2018.4] - lt[2017.0], lm[2018.4] - lm[2017.0]
    q["beta"] = p["beta"] + 0.8 * np.log(max(dt, 1.0) / max(dm, 1.0))
    # Wsw: other exits to bijstand
    gap = m["wsw"][2018.0] - tg["wsw"][2017]
    q["w"] = max(0.0, p["w"] + 0.8 * gap / (3 * 90000))
    return q


def report(m, tg):
    print("  bijstand stock (k): " + "  ".join(f"{y}:{m['stock'][y]/1e3:.0f}/{tg['stock'][y]/1e3:.0f}" for y in ARRIVAL_YEARS))
    print("  outflow %:          " + "  ".join(f"{y}:{m['outflow'][y]:.1f}/{tg['outflow'][y]}" for y in (2017, 2019, 2022, 2023)))
    print(f"  to work 2021:       {m['work2021']:.0f}/{tg['work2021']}")
    print("  beschut:            " + "  ".join(f"{t}:{v:.0f}/{tg['beschut'].get(t, float('nan')):.0f}" for t, v in m["beschut"].items()))
    print("  LKS:                " + "  ".join(f"{t}:{v:.0f}/{tg['lks'].get(t, float('nan')):.0f}" for t, v in m["lks"].items()))
    print("  Wsw:                " + "  ".join(f"{t}:{v:.0f}/{tg['wsw'].get(int(t) - 1, float('nan')):.0f}" for t, v in m["wsw"].items()))


# ---- reading and writing the files ----------------------------------------------------------------
def _block(text, frm, to):
    pat = re.compile(r'\[\[transition\]\]\nfrom = "%s"\nto = "%s"\n(?:[^\[]*)' % (re.escape(frm), re.escape(to)))
    m = pat.search(text)
    if not m:
        raise KeyError(f"{frm}->{to}")
    return m


def _set_key(text, frm, to, key, value):
    m = _block(text, frm, to)
    blk = m.group(0)
    if re.search(r"^%s = .*$" % key, blk, re.M):
        blk2 = re.sub(r"^%s = .*$" % key, f"{key} = {value}", blk, count=1, flags=re.M)
    else:
        blk2 = re.sub(r"^(rate = .*)$", r"\1\n%s = %s" % (key, value), blk, count=1, flags=re.M)
    return text[: m.start()] + blk2 + text[m.end():]


def _parse_table(s):
    s = s.strip()
    if not s.startswith("{"):
        return {2015: float(s)}
    return {int(float(k.strip().strip('"'))): float(v) for k, v in (kv.split("=") for kv in s.strip("{} ").split(","))}


def _get_key(text, frm, to, key):
    blk = _block(text, frm, to).group(0)
    mm = re.search(r"^%s = (.*)$" % key, blk, re.M)
    return mm.group(1) if mm else None


def from_files():
    nl, pwt = NL.read_text(), PW.read_text()
    p = {k: (dict(v) if isinstance(v, dict) else v) for k, v in START.items()}
    inflows = re.findall(r"\[\[inflow\]\]\nstate = \"(\w+)\"\nrate_per_year = (.*)\n", nl)
    t2 = _parse_table(dict(inflows)["bijstand_t2"])
    if len(t2) > 1:
        p["a"] = {y: t2.get(y, t2[max(k for k in t2 if k <= y)]) / ARRIVAL_SPLIT[1] for y in ARRIVAL_YEARS}
    b = _parse_table(dict(inflows)["diagnose"])
    p["b"] = {y: b.get(y, b[max(k for k in b if k <= y)]) for y in BESCHUT_YEARS}
    o = _get_key(pwt, "bijstand_t2", "uitstroom_overig", "multiplier")
    if o:
        oo = _parse_table(o)
        p["o"] = {k: oo.get(k, oo[max(x for x in oo if x <= k)]) for k in OTHER_KEYS}
    mm = _get_key(pwt, "bijstand_t2", "regulier_werk", "multiplier")
    if mm:
        p["m"] = _parse_table(mm)[2015]
    p["l"] = _parse_table(_get_key(pwt, "matching", "afspraakbaan", "rate"))
    p["l"] = {2015: p["l"][2015], 2017: LKS_RATE_2017}
    cov = _get_key(pwt, "bijstand_t2", "diagnose", "covariates")
    p["beta"] = float(re.search(r"= ([-0-9.e]+)", cov).group(1)) if cov else START["beta"]
    p["w"] = float(_get_key(pwt, "wsw_intern", "bijstand_t2", "rate"))
    return p


def write(p):
    nl = NL.read_text()
    for i, (st, f) in enumerate(zip(("bijstand_t1", "bijstand_t2", "bijstand_t3"), ARRIVAL_SPLIT)):
        tab = year_table({y: round(v) for y, v in arrival_table(p, f).items()})
        nl = re.sub(r'(\[\[inflow\]\]\nstate = "%s"\nrate_per_year = ).*\n' % st, r"\g<1>%s\n" % tab, nl, count=1)
    tab = year_table({y: round(v) for y, v in p["b"].items()})
    nl = re.sub(r'(\[\[inflow\]\]\nstate = "diagnose"\nrate_per_year = ).*\n', r"\g<1>%s\n" % tab, nl, count=1)
    NL.write_text(nl)
    t = PW.read_text()
    for frm in OTHER_FROM:
        t = _set_key(t, frm, "uitstroom_overig", "multiplier", year_table({k: round(v, 3) for k, v in p["o"].items()}))
    for frm in JOB_FROM:
        t = _set_key(t, frm, "regulier_werk", "multiplier", year_table({2015: round(p["m"], 3)}))
    t = _set_key(t, "matching", "afspraakbaan", "rate", year_table({k: round(v, 3) for k, v in p["l"].items()}))
    for frm in ("bijstand_t2", "bijstand_t3"):
        t = _set_key(t, frm, "diagnose", "covariates", '{ "doelgroep=arbeidsbeperking" = %.3f }' % p["beta"])
    for frm in WSW_TO_BIJSTAND:
        t = _set_key(t, frm, "bijstand_t2", "rate", f"{p['w']:.4f}")
    PW.write_text(t)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iterations", type=int, default=8)
    ap.add_argument("--share", type=float, default=0.1, help="run a sample of this share of the population")
    ap.add_argument("-n", type=int, default=4, help="replicates per evaluation")
    ap.add_argument("--seed", type=int, default=20150101)
    ap.add_argument("--write", action="store_true", help="write the fitted values into the model files")
    ap.add_argument("--fresh", action="store_true", help="start from the built-in initial values, not the files")
    args = ap.parse_args()
    tg = load_targets()
    p = START if args.fresh else from_files()
    d = pw.tmpdir()
    scale = 1.0 / args.share
    for it in range(args.iterations + 1):
        r = pw.run(NL, d / "fit.h5", n=args.n, seed=args.seed + it,
                   sets=[f"region[Nederland].share={args.share}"] + overrides(p))
        m = measure(r, scale)
        print(f"iteration {it}:")
        report(m, tg)
        if it < args.iterations:
            p = update(p, m, tg)
    print("fitted values:")
    for k, v in p.items():
        print(f"  {k}: {v}")
    if args.write:
        write(p)
        print(f"wrote {NL.name} and {PW.name}")


if __name__ == "__main__":
    main()
