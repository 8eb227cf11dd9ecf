"""Every trede file as tidy tables for spreadsheets and statistics tools: CSV files or one Excel
workbook (one sheet per table), numbers as numbers, the unit of every value in its column
header ("mean (people)", "time (calendar year)") or, where the rows mix units (KPIs), in a
``unit`` column.

Command line::

    python3 -m trede.export FILE.h5 --format csv|xlsx [-o DIR] [--force]
    trede export FILE.h5 --format xlsx -o tables/      # the same, from the trede program

From Python::

    tables = trede.export.tables("results.h5")       # {name: Table(frame, description)}
    trede.export.write("results.h5", "tables/", "xlsx")

What is written for each kind of file (``contents`` lists the tables with a description, ``about``
the file's attributes):

=============== ===========================================================================================
file            tables
=============== ===========================================================================================
run             kpi, kpi_replicates, kpi_period, occupancy, ladder, waiting, waiting_periods, flows,
                cost_cumulative, cost_by_state, organisation_cost, regions_kpi (more than one region)
psa             the run's tables over every draw and replicate (kpi_replicates with a draw column), and
                parameters, draws, draw_kpi, variance (R >= 2 replicates per draw), first_order
comparison      scenarios, answer, kpi, differences_kpi, differences_kpi_period, differences_ladder,
                variance_reduction, and occupancy, ladder, waiting, kpi_period, flows, cost_cumulative of
                every scenario; with decision summaries (``/decision``, every comparison ``trede compare``
                writes): decision (the summary rows), decision_kpi, decision_difference, cost_per_person,
                acceptability, ce_plane, and for comparisons with parameter draws evppi, sensitivity
sweep           points, kpi, kpi_period, occupancy, ladder, waiting, cost_cumulative (per point)
calibration     estimates, parameters, covariance, intensity, sojourn, starts, targets, notes
=============== ===========================================================================================

Files: ``DIR/<stem>_<table>.csv`` (UTF-8, comma-separated, decimal point, every digit, empty for
a missing value) or ``DIR/<stem>.xlsx`` (numbers with 16 significant digits, as openpyxl writes
them; missing and infinite values as empty cells), where ``<stem>`` is the input's name without ``.h5`` and ``DIR``
defaults to the input's directory (created if missing). Nothing is overwritten unless asked
(``--force``): if any file to be written exists, the export stops before writing and names
them. The input is never written. Every file is written to a temporary name first and renamed
into place when all are complete.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from ._answer import (MAIN_QUANTITIES, answer, ce_points, cost_per_person, decision_attrs, reference_lambda,
                      uncertainty_source)
from . import _files
from ._errors import Error, IoError
from ._i18n import KPIS, Language, kpi_unit
from ._results import (STATISTICS, Comparison, PsaResult, Result, Sweep, _as_str_list, _attrs, read, summarize,
                       t_quantile, variance_shown)

__all__ = ["Table", "tables", "write", "main", "FORMATS", "WriteError"]

PathLike = Union[str, "os.PathLike[str]"]
FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 1_048_575  # a worksheet's rows, without the header


class WriteError(IoError):
    """Writing the export failed (disk full, no permission): nothing was left behind."""


@dataclass
class Table:
    """One tidy table: the data and what it holds."""
    frame: pd.DataFrame
    description: str


# ---- building blocks --------------------------------------------------------------------------------

def _grid(axes: Sequence[Tuple[Sequence[str], Sequence[Any]]], values: Dict[str, Any]) -> pd.DataFrame:
    """A long table of arrays of one shape: one row per cell, the label columns of each axis
    (``axes[i] = (column names, label arrays)``), then one column per entry of ``values``."""
    first = np.asarray(next(iter(values.values())))
    shape = first.shape
    idx = np.indices(shape).reshape(len(shape), -1) if shape else np.zeros((0, 1), dtype=int)
    cols: Dict[str, Any] = {}
    for i, (names, labels) in enumerate(axes):
        for name, lab in zip(names, labels):
            cols[name] = np.asarray(lab, dtype=object if np.asarray(lab).dtype.kind in "OSU" else None)[idx[i]]
    for name, v in values.items():
        cols[name] = np.asarray(v).reshape(-1)
    return pd.DataFrame(cols)


def _stats(source: Any, group: str, unit: str, prefix: Tuple[int, ...] = ()) -> Dict[str, np.ndarray]:
    """{"mean (unit)": ..., ...} of the five summary statistics of ``group``; ``prefix`` indexes
    leading axes (a sweep point)."""
    suffix = f" ({unit})" if unit else ""
    return {f"{s}{suffix}": np.asarray(source[f"{group}/{s}"], dtype=float)[prefix] for s in STATISTICS}


def _kpi_frame(r: Result, confidence: float = 0.95) -> pd.DataFrame:
    """The KPI table of a run or a PSA: the statistics over its runs, the interval of the mean,
    and which sources of uncertainty they include. For a run the mean's interval is Student's t
    over the R replicates; for a PSA with independent streams, over the D draw means (the
    replicates of a draw share its parameters, so the draws are the independent units); for a
    PSA with common streams the draw means share the streams' noise and no interval is given."""
    t = r.kpi_table()
    names = list(t.index)
    mean = t["mean"].to_numpy(dtype=float)
    if isinstance(r, PsaResult):
        if r.common_streams:
            half = np.full(len(names), np.nan)
        else:
            D = r.draw_count
            sd = r.draw_means()[names].std(ddof=1).to_numpy(dtype=float)
            half = t_quantile(confidence, D) * sd / math.sqrt(D)
    else:
        half = t_quantile(confidence, r.replicates) * t["sd"].to_numpy(dtype=float) / math.sqrt(r.replicates)
    level = int(round(confidence * 100))
    return pd.DataFrame({
        "kpi": names, "label": [KPIS[k][2] if k in KPIS else k for k in names], "unit": [kpi_unit(k) for k in names],
        **{s: t[s].to_numpy(dtype=float) for s in STATISTICS},
        f"mean_low ({level} % interval of the mean)": mean - half,
        f"mean_high ({level} % interval of the mean)": mean + half,
        "uncertainty included": uncertainty_source(r)})


def _time(r: Any) -> Tuple[Tuple[str], Tuple[np.ndarray]]:
    return ("time (calendar year)",), (np.asarray(r["time"], dtype=float),)


def _periods(r: Any) -> Tuple[Tuple[str, str], Tuple[np.ndarray, np.ndarray]]:
    return ("period_start (calendar year)", "period_end (calendar year)"), \
        (np.asarray(r["period_start"], dtype=float), np.asarray(r["period_end"], dtype=float))


def _states(r: Any) -> Tuple[Tuple[str, str], Tuple[np.ndarray, np.ndarray]]:
    return ("state", "trede"), (np.array(_as_str_list(r["states"]), dtype=object), np.asarray(r["trede"]))


def _rungs() -> Tuple[Tuple[str], Tuple[np.ndarray]]:
    return ("trede",), (np.arange(1, 7),)


def _kpi_period_axis(r: Any) -> Tuple[Tuple[str, str], Tuple[np.ndarray, np.ndarray]]:
    names = _as_str_list(r["kpi_period_names"])
    return ("kpi", "unit"), (np.array(names, dtype=object), np.array([kpi_unit(k) for k in names], dtype=object))


def _stats_plain(source: Any, group: str, prefix: Tuple[int, ...] = ()) -> Dict[str, np.ndarray]:
    return {s: np.asarray(source[f"{group}/{s}"], dtype=float)[prefix] for s in STATISTICS}


# ---- one ensemble -------------------------------------------------------------------------------

def _result_tables(r: Result) -> Dict[str, Table]:
    out: Dict[str, Table] = {}
    out["kpi"] = Table(_kpi_frame(r), "KPIs over the whole run: mean, sd and quantiles over replicates, and the "
                       "95 % interval of the mean (Monte Carlo uncertainty only); values in the row's unit")
    k = _unit_columns(r.replicate_kpis())
    out["kpi_replicates"] = Table(k.reset_index(), "the KPIs of every replicate (one row per replicate)")
    out["kpi_period"] = Table(_grid([_periods(r), _kpi_period_axis(r)], _stats_plain(r, "summary/kpi_period")),
                              "KPIs counted in each period (end of the period included), in the row's unit")
    out["occupancy"] = Table(_grid([_time(r), _states(r)], _stats(r, "summary/occupancy", "people")),
                             "people in each state at each report time (absorbing states: everyone who ended there)")
    out["ladder"] = Table(_grid([_time(r), _rungs()], _stats(r, "summary/trede_occupancy", "people")),
                          "people per trede (participatieladder) at each report time")
    caps = r.capacity_states
    if caps:
        out["waiting"] = Table(_grid([_time(r), (("state",), (np.array(caps, dtype=object),))],
                                     _stats(r, "summary/waiting", "people")),
                               "people on each waiting list at each report time")
        w = r.waiting_times()
        units = {"joined": "people", "admitted": "people", "reneged": "people", "left": "people",
                 "mean_length": "people", "mean_wait_admitted_years": "years", "mean_wait_years": "years"}
        w = w.pivot_table(index=["time", "state", "quantity"], columns="statistic", values="value",
                          sort=False, dropna=False).reset_index()
        w.insert(3, "unit", w["quantity"].map(units))
        w = w.rename(columns={"time": "period_end (calendar year)"})[
            ["period_end (calendar year)", "state", "quantity", "unit", *STATISTICS]]
        out["waiting_periods"] = Table(w, "waiting lists per period: joins, admissions, people who gave up or left, "
                                       "mean length and mean waiting times, in the row's unit")
    e = r.edges
    out["flows"] = Table(_grid([_periods(r), (("edge", "edge_id", "from", "to", "edge_kind"),
                                              (np.arange(len(e)), *(e[c].to_numpy(dtype=object)
                                                                    for c in ("id", "from", "to", "kind"))))],
                               _stats(r, "summary/flows", "moves")),
                         "moves along each flow edge in each period (edges: docs/hdf5-schema.md, Flow edges)")
    out["cost_cumulative"] = Table(_grid([_time(r)], _stats(r, "summary/cost_cumulative_eur", "EUR")),
                                   "cost from the start to each report time")
    cost = np.asarray(r["replicates/person_years"], dtype=float) * \
        np.asarray(r["state_cost_eur_per_year"], dtype=float)[None, None, :]
    s = summarize(cost)
    out["cost_by_state"] = Table(_grid([_periods(r), _states(r)], {f"{k} (EUR)": s[k] for k in STATISTICS}),
                                 "cost of each state in each period: person-years × cost per person-year")
    if r.organisations:
        out["organisation_cost"] = Table(
            _grid([_periods(r), (("organisation",), (np.array(r.organisations, dtype=object),))],
                  _stats(r, "summary/organisation_cost_eur", "EUR")),
            "organisation costs in each period (fixed and per person-year), over all regions")
    if "summary/region/kpi/mean" in r:
        regions = r.regions
        models = _as_str_list(r["region_models"])
        names = r.kpi_names
        out["regions_kpi"] = Table(
            _grid([(("region", "organisation_model"), (np.array(regions, dtype=object), np.array(models, dtype=object))),
                   (("kpi", "unit"), (np.array(names, dtype=object), np.array([kpi_unit(k) for k in names], dtype=object)))],
                  _stats_plain(r, "summary/region/kpi")),
            "KPIs of each region (computed on the region's own people and moves), in the row's unit")
    return out


def _unit_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """KPI columns named with their unit: ``cost_total_eur (EUR)``."""
    frame = frame.copy()
    frame.columns = [f"{c} ({kpi_unit(c)})" if kpi_unit(c) else c for c in frame.columns]
    return frame


# ---- a probabilistic sensitivity analysis -------------------------------------------------------

def _psa_tables(p: PsaResult) -> Dict[str, Table]:
    """The run's tables over every draw and replicate (both sources of uncertainty), and the
    draws, the declared distributions, the KPIs per draw, the variance split and the first-order
    indices."""
    out = _result_tables(p)
    out["kpi"] = Table(_kpi_frame(p), f"KPIs over all {p.replicates} runs (every draw and replicate): mean, sd and "
                       "quantiles over the runs include parameter and Monte Carlo uncertainty ('uncertainty "
                       "included'); the 95 % interval of the mean is over the draw means (independent streams; empty "
                       "with common streams); values in the row's unit")
    k = out["kpi_replicates"].frame
    k.insert(0, "draw", np.asarray(p["replicates/draw"], dtype=np.int64))
    out["kpi_replicates"] = Table(k, "the KPIs of every run: draw d, replicate (its random streams)")
    for name, t in out.items():
        if name not in ("kpi", "kpi_replicates"):
            t.description += " (over every draw and replicate: parameter and Monte Carlo uncertainty)"
    d = p.distributions
    draws = p.draws
    partners = [", ".join(k2 for k2, b2 in zip(d["key"], d["block"]) if b2 == b and k2 != k1)
                for k1, b in zip(d["key"], d["block"])]
    stats = {"mean of the draws": draws.mean().to_numpy(), "sd of the draws": draws.std(ddof=1).to_numpy(),
             "q05 of the draws": draws.quantile(0.05).to_numpy(), "q95 of the draws": draws.quantile(0.95).to_numpy()}
    out["parameters"] = Table(pd.DataFrame({"key": d["key"], "distribution": d["distribution"], "block": d["block"],
                                            "block name": d["block_name"], "drawn with": partners, **stats}),
                              f"the uncertain parameters: each key path (the unit is the key's own, "
                              f"docs/scenario-format.md), its declared distribution, its block (keys drawn together "
                              f"share one) and the block's name (a group's name, else its keys) and what was drawn ({p.draw_count} draws, design "
                              f"{p.attrs.get('design', '')}, seed {p.seed})")
    out["draws"] = Table(draws.reset_index(), "the parameter values of every draw (one row per draw, one column per "
                         "uncertain key, in the key's unit)")
    out["draw_kpi"] = Table(_unit_columns(p.draw_means()).reset_index(),
                            f"the KPIs of every draw: the mean over its {p.replicates_per_draw} replicate(s)")
    v = p.variance()
    if len(v):
        shown = variance_shown(v)  # as trede info shows it
        split = pd.DataFrame({
            "kpi": v["kpi"], "unit": [kpi_unit(k) for k in v["kpi"]], "mean": v["mean"],
            "sd of one run": shown["sd"], "sd: parameter part": shown["sd_parameter"],
            "sd: Monte Carlo part": shown["sd_monte_carlo"],
            "variance of one run (unit squared)": v["total"],
            "variance: parameter part (unit squared)": v["parameter"],
            "parameter_low (95 % interval, unit squared)": v["parameter_lower"],
            "parameter_high (95 % interval, unit squared)": v["parameter_upper"],
            "variance: Monte Carlo part (unit squared)": v["monte_carlo"],
            "monte_carlo_low (95 % interval, unit squared)": v["monte_carlo_lower"],
            "monte_carlo_high (95 % interval, unit squared)": v["monte_carlo_upper"],
            "parameter share (fraction)": shown["parameter_share"], "parameter share se": v["parameter_share_se"],
            "parameter share low (95 % interval)": shown["share_lower"],
            "parameter share high (95 % interval)": shown["share_upper"]})
        method = "two-way (common streams)" if p.common_streams else "one-way"
        caveat = (" " + Language("en").t("psa_common_caveat", R=p.replicates_per_draw)) if p.common_streams else ""
        out["variance"] = Table(split, f"the variance of each KPI over single runs split into its parameter part "
                                f"Var(E[Y | θ]) and Monte Carlo part E[Var(Y | θ)] ({method} analysis of variance over "
                                f"{p.draw_count} draws × {p.replicates_per_draw} replicates; intervals: jackknife over "
                                f"the draws); sd in the row's unit, variances in its square.{caveat}")
    first = p.first_order()
    first.insert(1, "unit", [kpi_unit(k) for k in first["kpi"]])
    out["first_order"] = Table(first.rename(columns={"index": "first-order index (fraction)", "se": "standard error"}),
                               "which parameter drives each KPI: the share of the variance of the draw means that the "
                               "key alone explains (adjusted R² of a natural cubic regression spline on the normal "
                               "score of its rank, docs/uncertainty.md), with its standard error")
    return out


# ---- a comparison -------------------------------------------------------------------------------

def _stack(frames: Sequence[pd.DataFrame], names: Sequence[str]) -> pd.DataFrame:
    return pd.concat([f.assign(scenario=n)[["scenario", *f.columns]] for f, n in zip(frames, names)], ignore_index=True)


def _comparison_tables(c: Comparison) -> Dict[str, Table]:
    out: Dict[str, Table] = {}
    level = int(round(c.confidence * 100))
    models = [", ".join(sorted({m for m in _as_str_list(r["region_models"]) if m})) for r in c.scenarios]
    out["scenarios"] = Table(pd.DataFrame({"scenario": c.names, "reference": [i == 0 for i in range(len(c.names))],
                                           "organisation_model": models,
                                           "replicates": [r.replicates for r in c.scenarios]}),
                             "the scenarios compared, the reference first")
    a = answer(c)
    by_kind = {"eur": "EUR", "prob": "fraction", "share": "fraction", "count": "people", "years": "years"}
    a.insert(4, "unit", [kpi_unit(q) if q in KPIS else "people" if q.startswith("trede_") else
                         "person-years" if q == "person_years_in_work" else by_kind.get(k, "")
                         for q, k in zip(a.quantity, a.kind)])
    a = a.rename(columns={"lo": f"low ({level} % interval of the mean)", "hi": f"high ({level} % interval of the mean)",
                          "difference": "difference with the reference",
                          "difference_lo": f"difference_low ({level} % interval)",
                          "difference_hi": f"difference_high ({level} % interval)",
                          "uncertainty": "uncertainty included"}).drop(columns=["kind"])
    out["answer"] = Table(a, "the answer table of the report: per scenario people reaching work, moves into work, "
                          "total public cost and people per trede at the horizon (and decision summaries when "
                          "present), each with its interval and its paired difference with the reference; values "
                          "in the row's unit")
    out["kpi"] = Table(_stack([_kpi_frame(r, c.confidence) for r in c.scenarios], c.names),
                       "KPIs of every scenario (as the run table kpi)")
    stat_names = {"mean": "mean", "sd": "sd", "lo": f"low ({level} % interval)", "hi": f"high ({level} % interval)"}

    def diff(group: str, axes: List[Any]) -> pd.DataFrame:
        vals = {stat_names[s]: np.asarray(c[f"difference/{group}/{s}"], dtype=float) for s in stat_names}
        return _grid([(("scenario",), (np.array(c.names[1:], dtype=object),)), *axes], vals)
    kpis = c.kpi_names
    kaxis = (("kpi", "unit"), (np.array(kpis, dtype=object), np.array([kpi_unit(k) for k in kpis], dtype=object)))
    out["differences_kpi"] = Table(diff("kpi", [kaxis]), f"paired differences scenario − {c.reference} of the KPIs "
                                   "(replicate by replicate, common random numbers), in the row's unit")
    out["differences_kpi_period"] = Table(diff("kpi_period", [_periods(c), _kpi_period_axis(c)]),
                                          "paired differences of the per-period KPIs, in the row's unit")
    dl = diff("trede_occupancy", [_time(c), _rungs()])
    dl.columns = [f"{x} (people)" if x in stat_names.values() else x for x in dl.columns]
    out["differences_ladder"] = Table(dl, "paired differences in people per trede at each report time")
    vr = c.variance_reduction()
    if len(vr):
        out["variance_reduction"] = Table(vr.rename(columns={"value": "ratio"}),
                                          "var(independent differences) / var(paired differences) per KPI: how much "
                                          "common random numbers narrowed the intervals (empty: not defined)")
    decision = a[~a.quantity.isin(MAIN_QUANTITIES)]
    if len(decision):
        out["decision"] = Table(decision.reset_index(drop=True), "decision summaries stored in the file "
                                "(/decision/summary)")
    out.update(_decision_tables(c))
    per = [_result_tables(r) for r in c.scenarios]
    for name in ("occupancy", "ladder", "waiting", "kpi_period", "flows", "cost_cumulative"):
        if all(name in p for p in per):
            out[name] = Table(_stack([p[name].frame for p in per], c.names), per[0][name].description +
                              ", per scenario")
    return out


def _decision_tables(c: Comparison) -> Dict[str, Table]:
    """The decision summaries of ``/decision`` as tidy tables, units in the headers (KPI rows: a
    ``unit`` column)."""
    at = decision_attrs(c)
    if not at:
        return {}
    out: Dict[str, Table] = {}
    keys = set(c.keys())
    psa = "draws" in c.attrs
    level = int(round(float(at.get("confidence", c.confidence)) * 100))
    source = str(at.get("uncertainty", c.uncertainty))
    unit_word = "parameter draw (its replicates averaged)" if psa else "replicate"
    effect = str(at.get("effect", "persons_reaching_work"))
    effect_unit = "person-years" if effect == "person_years_in_work" else "people"
    wtp = ("willingness to pay (EUR per extra " +
           ("person-year in work)" if effect == "person_years_in_work" else "person reaching work)"))
    names, ref = c.names, c.reference
    if "decision/kpi/names" in keys:
        kpis = _as_str_list(c["decision/kpi/names"])
        units = np.array([kpi_unit(k) if k in KPIS else ("person-years" if k == "person_years_in_work" else "")
                          for k in kpis], dtype=object)
        kaxis = (("kpi", "unit"), (np.array(kpis, dtype=object), units))
        get = lambda k: np.asarray(c[f"decision/kpi/{k}"], dtype=float)  # noqa: E731
        frame = _grid([kaxis, (("scenario",), (np.array(names, dtype=object),))],
                      {"mean": get("mean"), f"low ({level} % range over the units)": get("q_lower"),
                       f"high ({level} % range over the units)": get("q_upper"),
                       "probability best on this KPI (fraction)": get("probability_best")})
        better = dict(zip(kpis, np.asarray(c["decision/kpi/higher_is_better"]).astype(bool)))
        frame.insert(2, "higher is better", [bool(better[k]) for k in frame["kpi"]])
        frame["uncertainty included"] = source
        out["decision_kpi"] = Table(frame, f"the headline KPIs of every option over the {at.get('units', '')} units "
                                    f"of the decision (one unit: one {unit_word}): mean, the {level} % range of the "
                                    "values over the units, and the share of units in which the option is best on the "
                                    "KPI; values in the row's unit")
        dget = lambda k: np.asarray(c[f"decision/kpi/difference/{k}"], dtype=float)  # noqa: E731
        out["decision_difference"] = Table(
            _grid([kaxis, (("scenario",), (np.array(names[1:], dtype=object),))],
                  {"mean": dget("mean"), f"low ({level} % interval of the mean)": dget("lower"),
                   f"high ({level} % interval of the mean)": dget("upper"),
                   f"low ({level} % range over the units)": dget("q_lower"),
                   f"high ({level} % range over the units)": dget("q_upper"),
                   "probability positive (fraction)": dget("probability_positive")}).assign(
                       **{"uncertainty included": source}),
            f"paired differences option − {ref} of the headline KPIs over the units of the decision: the mean with "
            f"its {level} % interval, the {level} % range of the differences and the share of units in which the "
            "difference is positive; values in the row's unit")
    frames = []
    for per, label, unit in (("person", "extra person reaching work", "people"),
                             ("person_year", "extra person-year in work", "person-years")):
        t = cost_per_person(c, per)
        if len(t.columns) <= 1:
            continue
        rows = pd.DataFrame({"scenario": t["scenario"], "per": label,
                             f"extra effect ({unit})": t["delta_effect"], "extra cost (EUR)": t["delta_cost"],
                             f"extra cost per {label} (EUR)": t["ratio"],
                             "Fieller set": t.get("fieller_kind", ""),
                             f"Fieller low ({level} %, EUR)": t.get("fieller_lower", np.nan),
                             f"Fieller high ({level} %, EUR)": t.get("fieller_upper", np.nan),
                             "bootstrap interval": t.get("bootstrap_kind", ""),
                             f"bootstrap low ({level} %, EUR)": t.get("bootstrap_lower", np.nan),
                             f"bootstrap high ({level} %, EUR)": t.get("bootstrap_upper", np.nan)})
        rows.columns = [c2 if "extra cost per" not in c2 else "extra cost per extra unit of effect (EUR per effect unit)"
                        for c2 in rows.columns]
        rows.columns = [c2 if not c2.startswith("extra effect") else "extra effect (effect unit)"
                        for c2 in rows.columns]
        rows.insert(2, "effect unit", unit)
        frames.append(rows)
    if frames:
        out["cost_per_person"] = Table(
            pd.concat(frames, ignore_index=True),
            f"the extra cost per extra person reaching work and per extra person-year in work of every option "
            f"against {ref}: the ratio of the mean extra cost to the mean extra effect, Fieller's {level} % "
            "confidence set (bounded: [low, high]; exclusive: everything outside [low, high], the extra effect may "
            "be 0; unbounded: no bound) and the bootstrap interval over the units")
    if "decision/acceptability/lambda" in keys:
        lam = np.asarray(c["decision/acceptability/lambda"], dtype=float)
        prob = np.asarray(c["decision/acceptability/probability"], dtype=float)
        enb = np.asarray(c["decision/acceptability/expected_net_benefit"], dtype=float)
        frame = _grid([(("scenario",), (np.array(names, dtype=object),)),
                       ((wtp,), (lam,))],
                      {"probability of the largest net benefit (fraction)": prob,
                       "expected net benefit (EUR)": enb})
        frontier = np.asarray(c["decision/acceptability/frontier_option"], dtype=int)
        frame["on the frontier"] = [bool(names[frontier[i % len(lam)]] == n) for i, n in enumerate(frame["scenario"])]
        L = len(lam)
        evpi = np.asarray(c["decision/acceptability/evpi"], dtype=float)
        evpi_se = np.asarray(c["decision/acceptability/evpi_se"], dtype=float) if \
            "decision/acceptability/evpi_se" in keys else np.full(L, np.nan)
        frame["EVPI (EUR)"] = np.tile(evpi, len(names))
        frame["EVPI standard error (EUR)"] = np.tile(evpi_se, len(names))
        out["acceptability"] = Table(frame, "the cost-effectiveness acceptability curve of every option: at each "
                                     "willingness to pay the probability that the option has the largest net benefit "
                                     "(value of its effect minus its cost), its expected net benefit, whether it is "
                                     "the frontier option (largest expected net benefit) and the expected value of "
                                     "perfect information (the same for every option)")
    p = ce_points(c)
    out["ce_plane"] = Table(p.rename(columns={"unit": "draw" if psa else "replicate",
                                              "effect_difference": f"extra effect ({effect_unit})",
                                              "cost_difference": "extra cost (EUR)"}),
                            f"the cost-effectiveness plane: every option's paired difference from {ref} in the effect "
                            f"({effect}) and in total public cost, one row per unit of the decision (a {unit_word})")
    if "decision/evppi/value" in keys:
        lam = np.asarray(c["decision/acceptability/lambda"], dtype=float)
        groups = np.array(_as_str_list(c["decision/evppi/groups"]), dtype=object)
        vals = {"EVPPI (EUR)": np.asarray(c["decision/evppi/value"], dtype=float)}
        if "decision/evppi/se" in keys and np.asarray(c["decision/evppi/se"]).shape == vals["EVPPI (EUR)"].shape:
            vals["EVPPI standard error (EUR)"] = np.asarray(c["decision/evppi/se"], dtype=float)
        i_ref, lam_ref = reference_lambda(c)
        frame = _grid([(("parameter group",), (groups,)),
                       ((wtp,), (lam,))], vals)
        out["evppi"] = Table(frame, "the expected value of partial perfect information of every group of uncertain "
                             "parameters (parameters drawn together form one group) at each willingness to pay, by "
                             f"regression over the draws; the report quotes it at {lam_ref:.0f} EUR")
    if "decision/sensitivity/effect" in keys:
        groups = np.array(_as_str_list(c["decision/sensitivity/groups"]), dtype=object)
        frame = _grid([(("scenario",), (np.array(names[1:], dtype=object),)), (("parameter group",), (groups,))],
                      {f"first-order index: difference in {effect} (fraction)":
                       np.asarray(c["decision/sensitivity/effect"], dtype=float),
                       "first-order index: difference in cost (fraction)":
                       np.asarray(c["decision/sensitivity/cost"], dtype=float)})
        out["sensitivity"] = Table(frame, f"what drives the answer: for every option against {ref} and every group "
                                   "of uncertain parameters, the share of the variance over the draws of the "
                                   "difference in effect and in cost that the group alone explains (first-order "
                                   "index, by regression; empty: not estimated)")
    return out


# ---- a sweep -------------------------------------------------------------------------------------

def _sweep_tables(s: Sweep) -> Dict[str, Table]:
    out: Dict[str, Table] = {}
    points = s.points.reset_index()
    points["events"] = np.asarray(s["points/events"])
    points["wall_seconds (s)"] = np.asarray(s["points/wall_seconds"], dtype=float)
    out["points"] = Table(points, "the points of the sweep: the value of each swept key, events simulated and "
                          "simulation time")
    keys = list(s.points.columns)
    n = len(points)
    paxis = (("point", *keys), (np.arange(n), *(s.points[k].to_numpy() for k in keys)))
    kpis = s.kpi_names
    out["kpi"] = Table(_grid([paxis, (("kpi", "unit"), (np.array(kpis, dtype=object),
                                                       np.array([kpi_unit(k) for k in kpis], dtype=object)))],
                             _stats_plain(s, "summary/kpi")),
                       "KPIs of every point over replicates, in the row's unit")
    out["kpi_period"] = Table(_grid([paxis, _periods(s), _kpi_period_axis(s)], _stats_plain(s, "summary/kpi_period")),
                              "per-period KPIs of every point, in the row's unit")
    out["occupancy"] = Table(_grid([paxis, _time(s), _states(s)], _stats(s, "summary/occupancy", "people")),
                             "people in each state at each report time, per point")
    out["ladder"] = Table(_grid([paxis, _time(s), _rungs()], _stats(s, "summary/trede_occupancy", "people")),
                          "people per trede at each report time, per point")
    caps = _as_str_list(s["capacity_states"])
    if caps:
        out["waiting"] = Table(_grid([paxis, _time(s), (("state",), (np.array(caps, dtype=object),))],
                                     _stats(s, "summary/waiting", "people")),
                               "people on each waiting list at each report time, per point")
    out["cost_cumulative"] = Table(_grid([paxis, _time(s)], _stats(s, "summary/cost_cumulative_eur", "EUR")),
                                   "cost from the start to each report time, per point")
    return out


# ---- a calibration report ----------------------------------------------------------------------------

def _calibration_tables(path: Path) -> Dict[str, Table]:
    import h5py
    out: Dict[str, Table] = {}
    with h5py.File(path, "r") as f:
        def col(name: str) -> np.ndarray:
            ds = f[name]
            return np.array(_as_str_list(ds[()]), dtype=object) if h5py.check_string_dtype(ds.dtype) else ds[()]
        if "estimates/name" in f:
            kinds = col("estimates/kind")
            unit = {"rate": "per year", "piece": "per year", "beta": "log hazard ratio", "parameter": "as the key"}
            est = pd.DataFrame({"name": col("estimates/name"), "kind": kinds, "key": col("estimates/key"),
                                "unit": [unit.get(k, "") for k in kinds]})
            for c in ("estimate", "se", "lower", "upper", "start"):
                est[c if c in ("estimate", "se", "start") else f"{c} (95 % interval)"] = col(f"estimates/{c}")
            est["fixed"] = col("estimates/fixed").astype(bool)
            est["parameter"] = col("estimates/parameter")
            out["estimates"] = Table(est, "fitted quantities with standard error and 95 % interval; start: the "
                                     "value in the input scenario")
        if "parameters/name" in f:
            names = list(col("parameters/name"))
            out["parameters"] = Table(pd.DataFrame({"parameter": np.arange(len(names)), "name": names,
                                                    "theta": col("parameters/theta")}),
                                      "free parameters on the scale of the fit (log rates, betas, scenario values)")
            cov = np.asarray(col("parameters/covariance"), dtype=float).reshape(len(names), len(names))
            out["covariance"] = Table(pd.DataFrame(cov, columns=names).assign(name=names)[["name", *names]],
                                      "covariance of the free parameters (theta scale); empty: not identified")
        if "q/estimate" in f and "states" in f:
            states = list(col("states"))
            S = len(states)
            q = {c: np.asarray(f[f"q/{c}"][()], dtype=float).reshape(S, S) for c in ("estimate", "lower", "upper")}
            rows = [(states[i], states[j], q["estimate"][i, j], q["lower"][i, j], q["upper"][i, j])
                    for i in range(S) for j in range(S) if i != j and (q["estimate"][i, j] != 0 or q["upper"][i, j] > 0)]
            out["intensity"] = Table(pd.DataFrame(rows, columns=["from", "to", "rate (per year)",
                                                                 "lower (95 % interval, per year)",
                                                                 "upper (95 % interval, per year)"]),
                                     "fitted transition intensities at covariates 0")
        if "sojourn/estimate" in f and "states" in f:
            out["sojourn"] = Table(pd.DataFrame({"state": col("states"), "mean sojourn (years)": col("sojourn/estimate"),
                                                 "lower (95 % interval, years)": col("sojourn/lower"),
                                                 "upper (95 % interval, years)": col("sojourn/upper")}),
                                   "mean time in each state (covariates 0); empty: absorbing (infinite)")
        if "starts/label" in f:
            out["starts"] = Table(pd.DataFrame({"start": col("starts/label"), "status": col("starts/status"),
                                                "log_likelihood": col("starts/log_likelihood"),
                                                "iterations": col("starts/iterations")}),
                                  "the starting points of the fit and where each ended")
        if "targets/id" in f:
            out["targets"] = Table(pd.DataFrame({"target": col("targets/id"), "time (calendar year)": col("targets/time"),
                                                 "observed": col("targets/observed"), "sd": col("targets/sd"),
                                                 "simulated": col("targets/simulated"),
                                                 "simulated_se": col("targets/simulated_se"), "z": col("targets/z")}),
                                   "fit per target value: observed, its sd, the simulated mean and its Monte Carlo "
                                   "standard error, z = (simulated − observed) / sd; in the target's unit")
        if "notes" in f:
            out["notes"] = Table(pd.DataFrame({"note": np.atleast_1d(col("notes"))}), "caveats of the fit")
    return out


# ---- all kinds ----------------------------------------------------------------------------------------

def tables(source: Union[Result, Comparison, Sweep, PathLike]) -> Dict[str, Table]:
    """Every table of ``source`` (a result, PSA, comparison, sweep or calibration report file, or a
    Result / PsaResult / Comparison / Sweep), in order: ``contents``, ``about``, then the data. Raises
    :class:`trede.IoError` when the file is not a trede file."""
    path: Optional[Path] = None
    if isinstance(source, (Result, Comparison, Sweep)):
        obj: Any = source
        path = source.path
        attrs = dict(source.attrs)
    else:
        path = Path(os.fspath(source))
        attrs = _attrs(path)
        if "trede_version" not in attrs:
            raise IoError(f"{path}: not a trede file (no trede_version attribute)", str(path))
        obj = read(path)  # checks the file's layout: a damaged file is an IoError naming the dataset
        if attrs.get("kind") == "calibration":
            obj = path
    if isinstance(obj, Comparison):
        kind, data = "comparison", _comparison_tables(obj)
    elif isinstance(obj, Sweep):
        kind, data = "sweep", _sweep_tables(obj)
    elif isinstance(obj, PsaResult):
        kind, data = "psa", _psa_tables(obj)
    elif isinstance(obj, Result):
        kind, data = "run", _result_tables(obj)
    else:
        kind, data = "calibration", _calibration_tables(obj)
    about = pd.DataFrame({"attribute": ["file", "kind", *attrs.keys()],
                          "value": [str(path) if path else "(in memory)", kind, *(str(v) for v in attrs.values())]})
    out = {"contents": Table(pd.DataFrame(), "the tables of this export"),
           "about": Table(about, "the file and its attributes (provenance)")}
    out.update(data)
    out["contents"] = Table(pd.DataFrame({"table": list(out), "rows": [len(t.frame) for t in out.values()],
                                          "description": [t.description for t in out.values()]}),
                            "the tables of this export")
    out["contents"].frame.loc[0, "rows"] = len(out)
    return out


def _targets(stem: str, directory: Path, fmt: str, names: Sequence[str]) -> List[Path]:
    if fmt == "xlsx":
        return [directory / f"{stem}.xlsx"]
    return [directory / f"{stem}_{n}.csv" for n in names]


def _cell(v: Any) -> Any:
    """A value for a worksheet: numbers as numbers, missing and infinite values as empty cells."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v if isinstance(v, (int, str)) else str(v)


def _write_xlsx(data: Dict[str, Table], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, t in data.items():
        if len(t.frame) > XLSX_MAX_ROWS:
            raise Error(f"table {name} has {len(t.frame):,} rows, more than a worksheet holds "
                        f"({XLSX_MAX_ROWS:,}); export it with --format csv")
        ws = wb.create_sheet(title=name[:31])
        ws.freeze_panes = "A2"
        widths = [max(10, min(48, len(str(c)) + 2)) for c in t.frame.columns]
        for i, w in enumerate(widths):
            ws.column_dimensions[_column_letter(i)].width = w
        header = []
        for c in t.frame.columns:
            cell = WriteOnlyCell(ws, value=str(c))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in t.frame.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
    wb.save(path)


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(i + 1)


def write(source: Union[Result, Comparison, Sweep, PathLike], directory: Optional[PathLike] = None,
          fmt: str = "csv", force: bool = False) -> List[Path]:
    """Writes the tables of ``source`` into ``directory`` (default: the file's directory) as
    CSV files or one xlsx workbook, and returns the paths written. Refuses (IoError, nothing
    written) when a file to be written exists and ``force`` is false, or when it would be the
    input; writes to temporary files renamed into place when all are complete."""
    if fmt not in FORMATS:
        raise Error(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    src_path = getattr(source, "path", None) if isinstance(source, (Result, Comparison, Sweep)) \
        else Path(os.fspath(source))
    if directory is not None and os.fspath(directory) == "":
        raise IoError("-o: is empty: give the name of a directory", "")
    if directory is None:
        if src_path is None:
            raise Error("a result in memory needs an output directory")
        directory = Path(src_path).parent
    out_dir = Path(os.fspath(directory))
    stem = Path(src_path).name if src_path else "trede"
    stem = stem[:-3] if stem.endswith(".h5") else Path(stem).stem
    data = tables(source)
    targets = _targets(stem, out_dir, fmt, list(data))
    if src_path is not None and any(t.resolve() == Path(src_path).resolve() for t in targets if t.exists()):
        raise IoError(f"{src_path}: the export would overwrite its own input", str(src_path))
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing[:5]) + (f" and {len(existing) - 5} more" if len(existing) > 5 else "")
        raise IoError(f"{names}: already exist{'s' if len(existing) == 1 else ''} (use --force to overwrite)",
                      str(existing[0]))
    if out_dir.exists() and not out_dir.is_dir():
        raise IoError(f"{out_dir}: not a directory", str(out_dir))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WriteError(f"{out_dir}: cannot create the directory ({e.strerror or e})", str(out_dir)) from e
    if fmt == "xlsx":
        outputs = [(targets[0], lambda tmp: _write_xlsx(data, tmp))]
    else:
        outputs = [(target, lambda tmp, t=t: t.frame.to_csv(tmp, index=False, lineterminator="\n"))
                   for t, target in zip(data.values(), targets)]
    _files.write_all(outputs, "the export", WriteError)
    return targets


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python3 -m trede.export FILE --format csv|xlsx [-o DIR] [--force] [-q]``. Exit codes as
    the trede program: 0 success, 2 bad input (a file that cannot be read, files that would be
    overwritten), 1 anything else (a write that failed)."""
    ap = argparse.ArgumentParser(prog="trede export",
                                 description="Write the tables of a trede file (run, probabilistic sensitivity "
                                 "analysis, comparison, sweep or calibration report) as CSV files or an Excel workbook.")
    ap.add_argument("file", help="HDF5 file written by trede run (also with --draws), compare, sweep or calibrate "
                    "--report")
    ap.add_argument("--format", choices=FORMATS, required=True,
                    help="csv: one file per table, DIR/<name>_<table>.csv; xlsx: one workbook DIR/<name>.xlsx with "
                    "a sheet per table")
    ap.add_argument("-o", "--output", metavar="DIR", help="directory to write into (default: the file's directory; "
                    "created if missing)")
    ap.add_argument("--force", action="store_true", help="overwrite files of an earlier export")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    args = ap.parse_args(argv)
    try:
        data_source = Path(args.file)
        if not data_source.exists():
            raise IoError(f"{data_source}: no such file", str(data_source))
        if data_source.is_dir():
            raise IoError(f"{data_source}: is a directory", str(data_source))
        paths = write(data_source, args.output, args.format, args.force)
    except WriteError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not args.quiet:
        where = paths[0].parent
        print(f"wrote {len(paths)} file{'s' if len(paths) != 1 else ''} to {where}: "
              + ", ".join(p.name for p in paths[:4]) + (", ..." if len(paths) > 4 else ""))
    return 0


if __name__ == "__main__":
    from ._launch import run
    sys.exit(run(main))
