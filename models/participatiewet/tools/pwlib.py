"""Helpers for calibrating and validating the Participatiewet models.

Runs the `trede` program (TREDE_CLI, or build/*/bin/trede under the repository root) and reads
its HDF5 output with the trede Python package (`trede.read`; from the build tree next to the
program when it is not installed).

Conventions
-----------
- A stock "at the end of year Y" (CBS Q4, Panteia end of year) is the model occupancy at
  calendar time Y + 1.0; a stock at a fractional year X (2017.7, 2018.25) is read at X.
  Occupancy between report times is interpolated linearly.
- A flow "in year Y" is the sum of the moves in the periods that end in (Y, Y + 1].
- The bijstand stock of the model (BIJSTAND) is everyone on the benefit: the bijstand states,
  the programmes people follow with their benefit (diagnose, ontwikkeltraject, matching,
  tussengroep) and the beschut werk waiting list. README.md explains the choice.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import sys

import numpy as np

HERE = Path(__file__).resolve().parent
MODEL_DIR = HERE.parent
REPO = MODEL_DIR.parents[1]
TARGETS_JSON = Path(os.environ.get("TREDE_TARGETS", MODEL_DIR / "data" / "calibration_targets.json"))

BIJSTAND = ["bijstand_t1", "bijstand_t2", "bijstand_t3", "bijstand_deeltijdwerk", "diagnose",
            "ontwikkeltraject", "matching", "tussengroep", "wacht_beschut"]
REINTEGRATIE = ["diagnose", "ontwikkeltraject", "matching", "tussengroep"]
WSW = ["wsw_intern", "wsw_gedetacheerd"]
WORK = ["regulier_werk", "afspraakbaan", "beschut_werk", "wsw_intern", "wsw_gedetacheerd"]


def trede_cli() -> str:
    cli = os.environ.get("TREDE_CLI")
    if cli:
        return cli
    for sub in ("release", "h-models", "ci", "debug"):
        p = REPO / "build" / sub / "bin" / "trede"
        if p.exists():
            return str(p)
    raise SystemExit("set TREDE_CLI to the trede program")


def trede_package():
    """The trede Python package: installed, or the one built next to the trede program."""
    try:
        import trede
    except ImportError:
        sys.path.insert(0, str(Path(trede_cli()).resolve().parent.parent / "python"))
        import trede
    return trede


def targets() -> dict:
    with open(TARGETS_JSON) as f:
        return {t["id"]: t for t in json.load(f)}


def run(scenario, out, n=4, seed=42, sets=(), threads=1, extra=()):
    """Runs `trede run` quietly; raises with trede's message on failure."""
    cmd = [trede_cli(), "run", str(scenario), "-n", str(n), "--seed", str(seed), "--threads", str(threads),
           "-o", str(out), "-q", "--compression", "1"]
    for s in sets:
        cmd += ["--set", s]
    cmd += list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"trede failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return Result(out)


class Result:
    """One `trede run` output file, per replicate (read with trede.read)."""

    def __init__(self, path):
        r = trede_package().read(path)
        self.time = np.asarray(r.time)
        self.period_end = np.asarray(r.period_end)
        self.states = r.states
        edges = r.edges
        self.edge_from, self.edge_to = list(edges["from"]), list(edges["to"])
        self.edge_kind, self.edge_id = list(edges["kind"]), list(edges["id"])
        self.occ = r["replicates/occupancy"].astype(float)        # [R, T, S]
        self.flows = r["replicates/flows"].astype(float)          # [R, P, E]
        self.py = r["replicates/person_years"]                    # [R, P, S]
        self.kpi_names = r.kpi_names
        self.kpi = r["replicates/kpi"]
        self.kpp_names = r.kpi_period_names
        self.kpp = r["replicates/kpi_period"]                     # [R, P, Kp]
        self.cap_states = r.capacity_states
        self.waiting = r["replicates/waiting"].astype(float)      # [R, T, C]
        self.waiting_joined = r["replicates/waiting_joined"].astype(float)
        self.cost = r["replicates/cost_eur"]
        self.regions = r.regions
        self.occ_region = r["replicates/region/occupancy"].astype(float) if "replicates/region/occupancy" in r else None  # [R, T, G, S]
        self.org_names = r.organisations
        self.org_cost = r["replicates/organisation_cost_eur"] if "replicates/organisation_cost_eur" in r else None
        self.R = self.occ.shape[0]

    # ---- stocks ----------------------------------------------------------------------------------
    def idx(self, names):
        names = [names] if isinstance(names, str) else list(names)
        missing = [n for n in names if n not in self.states]
        if missing:
            raise KeyError(f"no state(s) {missing}")
        return [self.states.index(n) for n in names]

    def stock(self, names, t):
        """People in `names` at calendar time t, per replicate (linear between report times)."""
        s = self.occ[:, :, self.idx(names)].sum(axis=2)
        return np.array([np.interp(t, self.time, s[r]) for r in range(self.R)])

    def waiting_list(self, state, t):
        c = self.cap_states.index(state)
        return np.array([np.interp(t, self.time, self.waiting[r, :, c]) for r in range(self.R)])

    # ---- flows -----------------------------------------------------------------------------------
    def _periods(self, t0, t1):
        return (self.period_end > t0 + 1e-9) & (self.period_end <= t1 + 1e-9)

    def flow(self, frm=None, to=None, t0=None, t1=None, kinds=None, exclude_within=None):
        """Moves per replicate with origin in `frm` and destination in `to` (None = any) in periods
        ending in (t0, t1]. `exclude_within`: drop moves whose origin and destination both lie
        in this set (moves inside an aggregate)."""
        sel = np.ones(len(self.edge_id), bool)
        if frm is not None:
            sel &= np.isin(self.edge_from, list(frm))
        if to is not None:
            sel &= np.isin(self.edge_to, list(to))
        if kinds is not None:
            sel &= np.isin(self.edge_kind, list(kinds))
        if exclude_within is not None:
            inside = np.isin(self.edge_from, list(exclude_within)) & np.isin(self.edge_to, list(exclude_within))
            sel &= ~inside
        per = self._periods(t0, t1)
        return self.flows[:, per][:, :, sel].sum(axis=(1, 2))

    def inflow_into(self, group, t0, t1):
        """Moves and arrivals into `group` from outside it."""
        return self.flow(frm=None, to=group, t0=t0, t1=t1, exclude_within=group)

    def outflow_from(self, group, t0, t1):
        return self.flow(frm=group, to=None, t0=t0, t1=t1, exclude_within=group)

    def kpp_sum(self, name, t0, t1):
        k = self.kpp_names.index(name)
        return self.kpp[:, self._periods(t0, t1), k].sum(axis=1)

    def kpi_value(self, name):
        return self.kpi[:, self.kpi_names.index(name)]


def summary(x, scale=1.0):
    """(mean, q05, q95) of per-replicate values x, scaled."""
    x = np.asarray(x, float) * scale
    return float(np.mean(x)), float(np.quantile(x, 0.05)), float(np.quantile(x, 0.95))


def tmpdir():
    d = Path(tempfile.mkdtemp(prefix="trede-pw-"))
    return d


def cohort(base, state, year, count, out, attributes=None, sets=(), n=2, seed=7, horizon=5.0, extra_toml=""):
    """Runs `base` with everybody replaced by `count` people entering `state` at `year`
    (time in state 0) and no inflow. Returns the Result. Used for cohort measures such as
    herinstroom after leaving bijstand and the status of LKS starters after 4 years."""
    base = Path(base).resolve()
    attrs = attributes or '{ age = { dist = "normal", mean = 38, sd = 11, min = 18, max = 60 }, doelgroep = "geen" }'
    # The base's uncertainty groups name keys of its own inflows and year tables, which a cohort
    # (one inflow, the population replaced, --set rates) does not have: they are dropped.
    text = (f'extends = "{base}"\nstart_year = {year}\nhorizon_years = {horizon}\n{extra_toml}\n'
            '[uncertainty]\nmultivariate_normal = []\ncorrelated = []\n\n'
            f'[[population]]\nstate = "{state}"\ncount = {count}\nattributes = {attrs}\n\n'
            '[[inflow]]\nstate = "bijstand_t2"\nrate_per_year = 0\nattributes = { age = 30 }\n'
            # the structure check wants every state reachable: one Wsw employee each, retiring at once
            '\n[[population]]\nstate = "wsw_intern"\ncount = 1\nattributes = { age = 70, doelgroep = "arbeidsbeperking" }\n'
            '\n[[population]]\nstate = "wsw_gedetacheerd"\ncount = 1\nattributes = { age = 70, doelgroep = "arbeidsbeperking" }\n')
    d = Path(out).parent
    f = d / f"cohort-{state}.toml"
    f.write_text(text)
    return run(f, out, n=n, seed=seed, sets=sets)


def returned(r, t0, t):
    """Share of a cohort that (re)entered bijstand within t years of t0 (moves counted; second
    returns within the window are rare), per replicate."""
    n0 = r.occ[:, 0, :].sum(axis=1) - r.occ[:, 0, r.idx(WSW)].sum(axis=1)
    return r.inflow_into(BIJSTAND, t0, t0 + t) / n0


def trap_bijstand_sets(model=None):
    """--set overrides that switch off every exponential transition out of the bijstand states
    (death by age stays), so that a cohort's entries into bijstand count persons, not moves."""
    import tomllib
    model = Path(model or MODEL_DIR / "participatiewet.toml")
    with open(model, "rb") as f:
        doc = tomllib.load(f)
    sets = []
    for tr in doc["transition"]:
        if tr["from"] in BIJSTAND and tr.get("hazard", "exponential") == "exponential":
            sets.append(f"transition[{tr['from']}->{tr['to']}].rate=0")
            if "multiplier" in tr:
                sets.append(f"transition[{tr['from']}->{tr['to']}].multiplier=1")
    return sets
