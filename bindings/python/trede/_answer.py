"""The answer table of a comparison, as data: per scenario (organisation model) the quantities
a council asks about, each with its interval, the paired difference with the reference and its
interval, and which sources of uncertainty the interval includes. The HTML report shows it
first; ``trede export`` writes it as the table ``answer``.

Quantities, in this order:

- ``persons_reaching_work``, ``uitstroom_werk`` (moves into work), ``cost_total_eur``: totals
  over the run (KPIs); the scenario's value is the mean over replicates with its Student-t
  interval of the mean, the difference is the file's paired difference
  (``/difference/kpi``);
- ``trede_1_at_horizon`` … ``trede_6_at_horizon``: people per trede at the last report time
  (``/summary/trede_occupancy``, ``/difference/trede_occupancy``);
- decision summaries when the file has them (``/decision/summary``, see :func:`decision_rows`).

Decision summaries are stored by ``trede compare`` in the comparison file as

========================================= ======= ===========================================
dataset                                   shape   meaning
========================================= ======= ===========================================
``/decision/summary/quantity``            [M]     ids, e.g. ``incremental_cost_per_person_reaching_work_eur``, ``probability_best``
``/decision/summary/label``               [M]     English label (the report translates known ids itself)
``/decision/summary/kind``                [M]     count, share, points, eur, years, ratio or prob (trede._format)
``/decision/summary/uncertainty``         [M]     the sources the interval includes, e.g. ``Monte Carlo``, ``Monte Carlo + parameter (200 draws)``
``/decision/summary/{mean,lo,hi}``        [M, N]  per scenario, reference first (NaN where undefined)
========================================= ======= ===========================================

and every row of it becomes a row of the answer (value only: a decision summary is already a
comparison with the reference).
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np
import pandas as pd

from ._i18n import KPIS
from ._results import Comparison, PsaResult, Result, _as_str_list, _attrs, t_quantile

__all__ = ["answer", "decision_rows", "uncertainty_source", "decision_attrs", "ce_points", "cost_per_person",
           "reference_lambda", "ANSWER_KPIS", "MAIN_QUANTITIES", "COLUMNS"]

#: KPIs of the answer table, in order.
ANSWER_KPIS = ("persons_reaching_work", "uitstroom_werk", "cost_total_eur")
#: Quantities every answer has (decision summaries come on top of these).
MAIN_QUANTITIES = ANSWER_KPIS + tuple(f"trede_{r}_at_horizon" for r in range(1, 7))

#: Columns of :func:`answer`.
COLUMNS = ["scenario", "organisation_model", "quantity", "kind", "mean", "lo", "hi", "difference", "difference_lo",
           "difference_hi", "uncertainty"]

_KINDS = {"persons_reaching_work": "count", "uitstroom_werk": "count", "cost_total_eur": "eur"}


def _models(comparison: Comparison) -> List[str]:
    out = []
    for r in comparison.scenarios:
        m = sorted({x for x in (_as_str_list(r["region_models"]) if "region_models" in r else []) if x})
        out.append(", ".join(m))
    return out


def monte_carlo_source(comparison: Comparison) -> str:
    n = comparison.replicates
    return f"Monte Carlo ({n} replicate{'s' if n != 1 else ''})"


def _psa_kpis(comparison: Comparison) -> Dict[str, Dict[str, np.ndarray]]:
    """For a PSA comparison (attribute ``draws``): the headline KPIs of ``/decision/kpi`` with
    their uncertainty intervals over the draws (quantiles, parameter and Monte Carlo
    uncertainty) and the quantile intervals of the paired differences; empty otherwise."""
    keys = set(comparison.keys())
    if "draws" not in comparison.attrs or "decision/kpi/names" not in keys:
        return {}
    names = _as_str_list(comparison["decision/kpi/names"])
    get = lambda k: np.asarray(comparison[f"decision/kpi/{k}"], dtype=float)  # noqa: E731
    mean, lo, hi = get("mean"), get("q_lower"), get("q_upper")
    dm, dl, dh = get("difference/mean"), get("difference/q_lower"), get("difference/q_upper")
    return {k: {"mean": mean[i], "lo": lo[i], "hi": hi[i], "dm": dm[i], "dl": dl[i], "dh": dh[i]}
            for i, k in enumerate(names)}


def uncertainty_source(result: Result) -> str:
    """The sources of uncertainty the ranges and intervals of one run include, in words (the
    exported tables' ``uncertainty included`` column): ``Monte Carlo (R replicates)`` for a run;
    for a PSA ``parameter (k uncertain parameters, D draws, sobol) and Monte Carlo (R replicates
    per draw, independent streams)``."""
    if isinstance(result, PsaResult):
        k = len(_as_str_list(result["draws/keys"]))
        R = result.replicates_per_draw
        return (f"parameter ({k} uncertain parameter{'s' if k != 1 else ''}, {result.draw_count} draws, "
                f"{result.attrs.get('design', '')}) and Monte Carlo ({R} replicate{'s' if R != 1 else ''} per draw, "
                f"{'common' if result.common_streams else 'independent'} streams)")
    n = result.replicates
    return f"Monte Carlo ({n} replicate{'s' if n != 1 else ''})"


def decision_rows(comparison: Comparison) -> List[Dict[str, Any]]:
    """The rows of ``/decision/summary`` (empty when the file has none): one dict per scenario
    and quantity with the keys of :data:`COLUMNS` (the difference columns NaN) and ``label``."""
    keys = set(comparison.keys())
    if "decision/summary/quantity" not in keys:
        return []
    q = _as_str_list(comparison["decision/summary/quantity"])
    m = len(q)

    def strings(name: str, default: str) -> List[str]:
        return _as_str_list(comparison[f"decision/summary/{name}"]) if f"decision/summary/{name}" in keys else [default] * m
    labels, kinds = strings("label", ""), strings("kind", "ratio")
    sources = strings("uncertainty", monte_carlo_source(comparison))
    stats = {s: np.asarray(comparison[f"decision/summary/{s}"], dtype=float).reshape(m, -1) for s in ("mean", "lo", "hi")}
    models = _models(comparison)
    rows = []
    for i, quantity in enumerate(q):
        for j, name in enumerate(comparison.names):
            rows.append({"scenario": name, "organisation_model": models[j], "quantity": quantity, "kind": kinds[i],
                         "mean": stats["mean"][i, j], "lo": stats["lo"][i, j], "hi": stats["hi"][i, j],
                         "difference": np.nan, "difference_lo": np.nan, "difference_hi": np.nan,
                         "uncertainty": sources[i], "label": labels[i] or quantity})
    return rows


def answer(comparison: Comparison) -> pd.DataFrame:
    """The answer table, tidy: one row per scenario and quantity, columns :data:`COLUMNS` (and
    ``label`` for decision rows). ``lo``/``hi`` bound the scenario's mean at the comparison's
    confidence level; ``difference*`` is the paired difference with the reference (NaN for the
    reference itself)."""
    c = comparison
    level = c.confidence
    models = _models(c)
    source = monte_carlo_source(c)
    if "draws" in c.attrs:  # the runs span the parameter draws: an interval of the mean over all of them
        source = f"Monte Carlo + parameter (interval of the mean over {c.replicates} runs: {c.attrs['draws']} draws)"
    psa = _psa_kpis(c)
    d_kpi = c.difference("kpi")
    d_kpi = d_kpi.pivot_table(index=["scenario", "kpi"], columns="statistic", values="value", dropna=False)
    d_trede = c.difference("trede_occupancy")
    last = float(np.asarray(c.time)[-1])
    d_trede = d_trede[np.isclose(d_trede.time, last)].pivot_table(index=["scenario", "trede"], columns="statistic",
                                                                   values="value", dropna=False)
    rows: List[Dict[str, Any]] = []
    for j, (name, r) in enumerate(zip(c.names, c.scenarios)):
        k = r.kpi_table()
        R = r.replicates
        t = t_quantile(level, R)
        entries = []
        for q in ANSWER_KPIS:
            if q not in k.index:
                continue
            mean, sd = float(k.loc[q, "mean"]), float(k.loc[q, "sd"])
            diff = d_kpi.loc[(name, q)] if j > 0 else None
            entries.append((q, _KINDS[q], mean, sd, diff, KPIS[q][2]))
        occ_mean = np.asarray(r["summary/trede_occupancy/mean"], dtype=float)[-1]
        occ_sd = np.asarray(r["summary/trede_occupancy/sd"], dtype=float)[-1]
        for rung in range(1, 7):
            diff = d_trede.loc[(name, rung)] if j > 0 else None
            entries.append((f"trede_{rung}_at_horizon", "count", float(occ_mean[rung - 1]), float(occ_sd[rung - 1]), diff,
                            f"people on trede {rung} at {last:.0f}"))
        for q, kind, mean, sd, diff, label in entries:
            if q in psa:  # a PSA: the spread over the draws, not the precision of the mean
                p = psa[q]
                rows.append({"scenario": name, "organisation_model": models[j], "quantity": q, "kind": kind,
                             "mean": float(p["mean"][j]), "lo": float(p["lo"][j]), "hi": float(p["hi"][j]),
                             "difference": float(p["dm"][j - 1]) if j > 0 else np.nan,
                             "difference_lo": float(p["dl"][j - 1]) if j > 0 else np.nan,
                             "difference_hi": float(p["dh"][j - 1]) if j > 0 else np.nan,
                             "uncertainty": c.uncertainty, "label": label})
                continue
            half = t * sd / np.sqrt(R)
            rows.append({"scenario": name, "organisation_model": models[j], "quantity": q, "kind": kind,
                         "mean": mean, "lo": mean - half, "hi": mean + half,
                         "difference": float(diff["mean"]) if diff is not None else np.nan,
                         "difference_lo": float(diff["lo"]) if diff is not None else np.nan,
                         "difference_hi": float(diff["hi"]) if diff is not None else np.nan,
                         "uncertainty": source, "label": label})
    rows += decision_rows(c)
    return pd.DataFrame(rows, columns=COLUMNS + ["label"])


# ---- the decision: cost-effectiveness plane and incremental ratios ---------------------------------

def decision_attrs(comparison: Comparison) -> Dict[str, Any]:
    """The attributes of ``/decision`` (effect, cost, lambda_reference, units, uncertainty,
    confidence); empty when the file has no decision summaries."""
    if "decision/acceptability/lambda" not in set(comparison.keys()):
        return {}
    source = comparison.path if comparison.path is not None else comparison._image  # noqa: SLF001
    try:
        return _attrs(source, "decision") if source is not None else {}
    except (KeyError, OSError):
        return {}


def _work_states(result: Result) -> np.ndarray:
    """The states whose person-years count as years in work: the scenario's ``[kpi]
    work_states`` (read from the scenario text and its bases stored in the file), by default
    the states on trede 5 and 6 that people leave again (not exits)."""
    from ._assumptions import document
    try:
        named = document(result)[0].get("kpi", {}).get("work_states")
    except ValueError:  # an unreadable scenario text: the default below
        named = None
    if named:
        return np.array([result.states.index(s) for s in named if s in result.states], dtype=int)
    leaving = set(result.edges["from"])
    return np.array([i for i, (s, t) in enumerate(zip(result.states, result.trede)) if t >= 5 and s in leaving],
                    dtype=int)


def _replicate_values(result: Result, name: str) -> np.ndarray:
    """[R] the value of KPI ``name`` in every replicate (``person_years_in_work``: summed from
    the person-years of the work states)."""
    if name == "person_years_in_work":
        py = np.asarray(result["replicates/person_years"], dtype=float)  # [R, P, S]
        return py[:, :, _work_states(result)].sum(axis=(1, 2))
    return np.asarray(result["replicates/kpi"], dtype=float)[:, result.kpi_names.index(name)]


def _units(comparison: Comparison, result: Result, values: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(unit labels, value per unit): per draw (its replicates averaged) in a PSA comparison,
    per replicate otherwise."""
    if "draws" in comparison.attrs and "replicates/draw" in result:
        draw = np.asarray(result["replicates/draw"], dtype=np.int64)
        units = np.unique(draw)
        return units, np.array([values[draw == u].mean() for u in units])
    return np.asarray(result["replicates/replicate"], dtype=np.int64), values


def ce_points(comparison: Comparison) -> pd.DataFrame:
    """The cost-effectiveness plane as data: one row per option (every scenario but the
    reference) and unit of the decision (a replicate; in a PSA comparison a parameter draw with
    its replicates averaged), with the option's paired difference from the reference in the
    effect (``effect_difference``, the decision's effect: people reaching work unless the file
    says ``person_years_in_work``) and in the cost (``cost_difference``, EUR). Computed from the
    scenarios' per-replicate KPIs; the means over the units are the file's
    ``/decision/cost_per_person/delta_effect`` and ``delta_cost``. Columns: scenario, unit,
    effect_difference, cost_difference."""
    at = decision_attrs(comparison)
    effect, cost = str(at.get("effect", "persons_reaching_work")), str(at.get("cost", "cost_total_eur"))
    ref = comparison.scenarios[0]
    units, e0 = _units(comparison, ref, _replicate_values(ref, effect))
    _, c0 = _units(comparison, ref, _replicate_values(ref, cost))
    frames = []
    for name, r in zip(comparison.names[1:], comparison.scenarios[1:]):
        u, e = _units(comparison, r, _replicate_values(r, effect))
        _, c = _units(comparison, r, _replicate_values(r, cost))
        if not np.array_equal(u, units):
            raise ValueError(f"{name}: other units than the reference's; the differences are not paired")
        frames.append(pd.DataFrame({"scenario": name, "unit": units, "effect_difference": e - e0,
                                    "cost_difference": c - c0}))
    return pd.concat(frames, ignore_index=True) if frames else \
        pd.DataFrame(columns=["scenario", "unit", "effect_difference", "cost_difference"])


def cost_per_person(comparison: Comparison, per: str = "person") -> pd.DataFrame:
    """The extra cost per extra person reaching work (``per="person"``) or per extra
    person-year in work (``per="person_year"``) of every option against the reference
    (``/decision/cost_per_person{,_year}``): one row per option with the ratio of the mean
    differences, the differences themselves, Fieller's confidence set (``fieller_kind``:
    bounded, exclusive — the effect difference may be 0 and the set is everything outside
    [lower, upper] — or unbounded) and the bootstrap interval. Empty without decision
    summaries."""
    group = "decision/cost_per_person" + ("_year" if per == "person_year" else "")
    keys = [k for k in comparison.keys() if k.startswith(group + "/") and "/" not in k[len(group) + 1:]]
    if not keys:
        return pd.DataFrame(columns=["scenario"])
    out: Dict[str, Any] = {"scenario": comparison.names[1:]}
    for k in sorted(keys):
        v = comparison[k]
        col = k[len(group) + 1:]
        out[col] = _as_str_list(v) if np.asarray(v).dtype.kind in "OSU" else np.asarray(v, dtype=float)
    return pd.DataFrame(out)


def reference_lambda(comparison: Comparison) -> Tuple[int, float]:
    """(index, value) of the willingness to pay of the acceptability grid nearest the
    decision's reference (``lambda_reference``, EUR per extra unit of effect)."""
    lam = np.asarray(comparison["decision/acceptability/lambda"], dtype=float)
    ref = float(decision_attrs(comparison).get("lambda_reference", 50000.0))
    i = int(np.argmin(np.abs(lam - ref)))
    return i, float(lam[i])
