"""Figures of results with matplotlib: fan charts, the participatieladder, waiting lists, flows,
costs, and paired differences of comparisons. Each function draws on ``ax`` (a new figure when
None) and returns the Axes (or the Figure for multi-panel plots), so they compose in notebooks
and in the HTML report (:mod:`trede.report`). ``lang="nl"`` labels them in Dutch with Dutch
number formatting.

Axes read in their units: calendar years as whole years, euros in € mln or € bn, shares in
percent and differences of shares in percentage points. :func:`finish` makes a figure ready to
show (plain numbers on every axis, fewer ticks where labels would collide) and
:func:`label_problems` says which labels still overlap or fall outside the figure, measured
from matplotlib's own text extents.

>>> import trede, trede.plot
>>> r = trede.read("bm2.h5")
>>> trede.plot.fan(r, "wait_beschut_werk")
>>> trede.plot.ladder(r, share=True, lang="nl")
"""

from __future__ import annotations

import re
from itertools import combinations
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import matplotlib
import numpy as np

from ._i18n import KPIS, Language, kpi_kind
from ._results import Comparison, PsaResult, Result, _as_str_list, summarize, variance_shown

__all__ = ["fan_chart", "fan", "ladder", "waiting", "waiting_times", "flow_matrix", "flows_over_time",
           "cost", "cost_by_state", "trajectories", "kpi_differences", "trede_differences", "period_differences",
           "cumulative_differences", "compare_occupancy", "compare_waiting", "compare_cost", "differing_states",
           "declared_distribution", "parameter_draws", "variance_split", "first_order", "driver_scatter", "kpi_ranges",
           "ce_plane", "acceptability", "decision_drivers",
           "finish", "label_problems", "short_names", "state_colors", "scenario_color", "TREDE_COLORS",
           "KPI_LABELS"]

#: One colour per trede 1..6, from isolated (dark) to work without support (light).
TREDE_COLORS = [matplotlib.colormaps["viridis"](x) for x in np.linspace(0.05, 0.95, 6)]

#: Readable English labels of the KPIs (the catalogue with Dutch labels and units is trede._i18n.KPIS).
KPI_LABELS: Dict[str, str] = {k: v[2] for k, v in KPIS.items()}

_FAN_LEVELS = ((0.05, 0.95), (0.10, 0.90), (0.25, 0.75))

# Twenty colours that stay apart from each other: tab20's dark shades first, then its light ones.
_DISTINCT = [matplotlib.colormaps["tab20"](i) for i in list(range(0, 20, 2)) + list(range(1, 20, 2))]
# Scenario colours: the reference first (dark blue-grey), then tab10 without its grey.
_SCENARIO = ["#34495e", "#e6750a", "#2a9d3a", "#c62f2f", "#8457b3", "#8c564b", "#d45fb3", "#b5b21f", "#17a8b8",
             "#1f5fbf"]

LangLike = Union[str, Language]


def _lang(lang: LangLike) -> Language:
    return lang if isinstance(lang, Language) else Language(lang)


def scenario_color(i: int) -> str:
    """The colour of scenario ``i`` of a comparison (0: the reference), the same in every figure."""
    return _SCENARIO[i % len(_SCENARIO)]


def state_colors(states: Sequence[str]) -> Dict[str, Any]:
    """Distinct colours for ``states`` (no two alike up to 20 states; beyond that evenly spread hues)."""
    n = len(states)
    if n <= len(_DISTINCT):
        colours = _DISTINCT[:n]
    else:
        colours = [matplotlib.colormaps["hsv"](x) for x in np.linspace(0, 1, n, endpoint=False)]
    return dict(zip(states, colours))


def short_names(names: Sequence[str]) -> Tuple[List[str], str]:
    """Scenario names without their common prefix (cut at a '-' or '_'), and the prefix:
    ``nederland-partieel, nederland-klassiek`` -> ``partieel, klassiek`` and ``nederland-``;
    ``groningen (partieel), groningen (klassiek)`` -> ``partieel, klassiek`` and ``groningen``."""
    if len(names) < 2:
        return list(names), ""
    # "groningen (partieel)", "groningen (klassiek)" (trede compare --organisation-models): the models.
    parts = [re.fullmatch(r"(.+) \((.+)\)", n) for n in names]
    if all(parts) and len({m.group(1) for m in parts}) == 1 and len({m.group(2) for m in parts}) == len(names):
        return [m.group(2) for m in parts], parts[0].group(1)
    prefix = names[0]
    for n in names[1:]:
        while not n.startswith(prefix):
            prefix = prefix[:-1]
    cut = max(prefix.rfind("-"), prefix.rfind("_"))
    prefix = prefix[:cut + 1] if cut >= 0 else ""
    short = [n[len(prefix):] for n in names]
    if not prefix or any(not s for s in short):
        return list(names), ""
    return short, prefix


def _axes(ax: Any = None, figsize: Sequence[float] = (7.0, 3.8)) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _grid(n: int, ncols: int = 3, panel: Sequence[float] = (3.6, 2.6), width: float = 11.0, legend: bool = False,
          **kw: Any) -> Any:
    """A figure of ``n`` panels in rows of ``ncols``, at most ``width`` inches wide. With
    ``legend``, also an Axes for the legend (returned third): the first free slot of the grid,
    or a narrow extra column when the grid is full, so that no panel is squeezed by it."""
    import matplotlib.pyplot as plt
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    extra = legend and n == nrows * ncols
    ratio = 0.45
    w = min(max(panel[0], 10.0 / ncols), 7.0, width / (ncols + (ratio if extra else 0)))
    cols = ncols + (1 if extra else 0)
    gridspec = {"width_ratios": [1.0] * ncols + [ratio]} if extra else None
    fig, axes = plt.subplots(nrows, cols, figsize=(w * (ncols + (ratio if extra else 0)), panel[1] * nrows),
                             layout="constrained", squeeze=False, gridspec_kw=gridspec, **kw)
    panels = [axes[i // ncols, i % ncols] for i in range(n)]
    spare = [axes[i // ncols, i % ncols] for i in range(n, nrows * ncols)] + \
        ([axes[r, ncols] for r in range(nrows)] if extra else [])
    lax = None
    if legend and spare:
        lax = spare[0]
    for a in spare:
        a.set_visible(False)
    if lax is not None:
        lax.set_visible(True)
        lax.axis("off")
    return (fig, panels, lax) if legend else (fig, panels)


def _legend_in(lax: Any, source: Any) -> None:
    """The legend of the Axes ``source`` drawn in the spare Axes ``lax``."""
    handles, labels = source.get_legend_handles_labels()
    lax.legend(handles, labels, loc="upper left", fontsize=8, frameon=False, borderaxespad=0.0)


def _years(ax: Any, L: Language, label: bool = True) -> None:
    """A calendar-year x axis: the data's span, whole years as ticks."""
    ax.autoscale(axis="x", tight=True)
    L.fmt.axis(ax, "x", "year", L.t("year") if label else None)


def _legend(ax: Any, outside: bool = False, **kw: Any) -> None:
    if outside:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False, **kw)
    else:
        ax.legend(fontsize=8, frameon=False, **kw)


def _per_year(result: Result) -> Tuple[np.ndarray, np.ndarray]:
    """Periods of positive length: their end times and lengths (years)."""
    start = np.asarray(result.period_start, dtype=float)
    end = np.asarray(result.period_end, dtype=float)
    keep = end > start
    return keep, end - start


# ---- one ensemble -------------------------------------------------------------------------------

def fan_chart(ax: Any, time: np.ndarray, samples: np.ndarray, color: Any = "C0", label: Optional[str] = None,
              median: bool = True, lang: LangLike = "en") -> Any:
    """Draws a fan chart of ``samples`` [R, T] over ``time`` [T]: shaded bands between the 5-95 %,
    10-90 % and 25-75 % quantiles over replicates, and the median line."""
    x = np.asarray(samples, dtype=float)
    for i, (lo, hi) in enumerate(_FAN_LEVELS):
        q = np.nanquantile(x, [lo, hi], axis=0)
        ax.fill_between(time, q[0], q[1], color=color, alpha=0.18 + 0.1 * i, linewidth=0,
                        label=f"{label}: {int(lo * 100)}–{int(hi * 100)} %" if label and i == 0 else None)
    if median:
        ax.plot(time, np.nanquantile(x, 0.5, axis=0), color=color, lw=1.8,
                label=f"{label}: {_lang(lang).t('median')}" if label else None)
    return ax


def fan(result: Result, states: Union[str, Sequence[str], None] = None, ax: Any = None, ncols: int = 3,
        lang: LangLike = "en") -> Any:
    """Fan charts of the occupancy of ``states`` (one name: one Axes; several or None = every
    non-absorbing state with anyone in it: a grid of panels, returned as the Figure). Each
    state has its own colour (:func:`state_colors`)."""
    L = _lang(lang)
    occ = np.asarray(result["replicates/occupancy"], dtype=float)
    names = result.states
    colours = state_colors(names)
    if isinstance(states, str):
        ax = _axes(ax)
        fan_chart(ax, result.time, occ[:, :, names.index(states)], color=colours[states], label=states, lang=L)
        ax.set_title(states)
        _years(ax, L)
        L.fmt.axis(ax, "y", "count", L.t("people"))
        return ax
    if states is None:
        absorbing = _absorbing(result)
        states = [s for i, s in enumerate(names) if not absorbing[i] and occ[:, :, i].max() > 0]
    fig, axes = _grid(len(states), ncols)
    for a, s in zip(axes, states):
        i = names.index(s)
        fan_chart(a, result.time, occ[:, :, i], color=colours[s])
        t = int(result.trede[i])
        a.set_title(f"{s} ({L.trede(t)})" if t else s, fontsize=10)
        a.set_ylim(bottom=0)
        _years(a, L, label=False)
        L.fmt.axis(a, "y", "count", L.t("people"))
    return fig


def _absorbing(result: Result) -> np.ndarray:
    """States with no outgoing edge (exits): their occupancy counts everyone who ended there."""
    e = result.edges
    has_out = {s for s in e["from"]}
    return np.array([s not in has_out for s in result.states])


def ladder(result: Result, ax: Any = None, share: bool = False, statistic: str = "mean", lang: LangLike = "en",
           legend: bool = True) -> Any:
    """Stacked area of the people per trede 1..6 over time (``share``: as fractions of everyone
    on the ladder)."""
    L = _lang(lang)
    ax = _axes(ax)
    v = np.stack([np.asarray(result[f"summary/trede_occupancy/{statistic}"], dtype=float)[:, r] for r in range(6)])
    if share:
        tot = v.sum(axis=0)
        v = np.divide(v, tot, out=np.zeros_like(v), where=tot > 0)
    ax.stackplot(result.time, v, colors=TREDE_COLORS, labels=[L.trede(r, long=True) for r in range(1, 7)], alpha=0.95)
    ax.set_xlim(result.time[0], result.time[-1])
    _years(ax, L)
    if share:
        ax.set_ylim(0, 1)
        L.fmt.axis(ax, "y", "share", L.t("share_on_ladder"))
    else:
        L.fmt.axis(ax, "y", "count", L.t("people_mean"))
    if legend:
        handles, labels = ax.get_legend_handles_labels()  # trede 6 on top, as in the stack
        ax.legend(handles[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8,
                  frameon=False)
    return ax


def trajectories(result: Result, ax: Any = None, replicate: Optional[int] = None, people: int = 40,
                 lang: LangLike = "en") -> Any:
    """Life courses of traced people (``trajectories=N``): one row per person, coloured by the
    trede of the state they are in (grey: states off the ladder, blank: not in the model or
    absorbed). ``replicate``: which one (default: the first); ``people``: how many rows."""
    from matplotlib.patches import Patch
    L = _lang(lang)
    ax = _axes(ax, figsize=(9.0, 0.16 * people + 1.5))
    t = result.trajectories()
    rep = int(t["replicate"].iloc[0]) if replicate is None else int(replicate)
    t = t[t["replicate"] == rep]
    persons = list(dict.fromkeys(t["person"].tolist()))[:people]
    index = {s: i for i, s in enumerate(result.states)}
    absorbing = _absorbing(result)
    end = float(result.time[-1])

    def colour(i: int) -> Any:
        r = int(result.trede[i])
        return TREDE_COLORS[r - 1] if 1 <= r <= 6 else "0.4"
    for row, person in enumerate(persons):
        mine = t[t["person"] == person]
        times = mine["time"].to_numpy(dtype=float)
        states = mine["to_state"].tolist()
        for k, state in enumerate(states):
            i = index[state]
            if absorbing[i]:
                continue
            stop = times[k + 1] if k + 1 < len(times) else end
            if stop > times[k]:
                ax.barh(row, stop - times[k], left=times[k], height=0.8, color=colour(i), linewidth=0)
    ax.set_ylim(len(persons) - 0.5, -0.5)
    ax.set_yticks([])
    ax.set_ylabel(L.t("traced_people", n=len(persons), r=rep))
    ax.set_xlim(float(result.time[0]), end)
    _years(ax, L)
    handles = [Patch(color=TREDE_COLORS[r], label=L.trede(r + 1)) for r in range(6)] + \
        [Patch(color="0.4", label=L.t("off_ladder"))]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    return ax


def waiting(result: Result, ax: Any = None, lang: LangLike = "en") -> Any:
    """Fan charts of waiting-list lengths, one colour per capacity state."""
    L = _lang(lang)
    ax = _axes(ax)
    w = np.asarray(result["replicates/waiting"], dtype=float)
    colours = state_colors(result.states)
    for c, name in enumerate(result.capacity_states):
        fan_chart(ax, result.time, w[:, :, c], color=colours[name], label=name, lang=L)
    ax.set_ylim(bottom=0)
    _years(ax, L)
    L.fmt.axis(ax, "y", "count", L.t("people_waiting"))
    if result.capacity_states:
        _legend(ax)
    return ax


def waiting_times(result: Result, ax: Any = None, lang: LangLike = "en") -> Any:
    """Mean waiting time of those admitted per period, per capacity state: median over
    replicates and the 5-95 % band."""
    L = _lang(lang)
    ax = _axes(ax)
    df = result.waiting_times()
    df = df[(df.quantity == "mean_wait_admitted_years") & (df.time > np.asarray(result.period_start)[0])]
    colours = state_colors(result.states)
    for name in result.capacity_states:
        d = df[df.state == name].pivot(index="time", columns="statistic", values="value")
        ax.fill_between(d.index, d["q05"], d["q95"], color=colours[name], alpha=0.25, linewidth=0)
        ax.plot(d.index, d["q50"], color=colours[name], marker="o", ms=2.5, label=name)
    ax.set_ylim(bottom=0)
    L.fmt.axis(ax, "x", "year", L.t("end_of_period"))
    L.fmt.axis(ax, "y", "years", L.t("years_waited"))
    if result.capacity_states:
        _legend(ax)
    return ax


def flow_matrix(result: Result, ax: Any = None, lang: LangLike = "en") -> Any:
    """Heat map of the mean moves per year between states (rows: from, columns: to)."""
    L = _lang(lang)
    m = result.flow_matrix(per_year=True)
    m = m.rename(index={"(inflow)": L.t("inflow_row")})
    ax = _axes(ax, figsize=(0.55 * len(m.columns) + 3.5, 0.45 * len(m.index) + 2.2))
    v = m.to_numpy()
    im = ax.imshow(np.log10(1 + v), cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(m.columns)), m.columns, rotation=90, fontsize=8)
    ax.set_yticks(range(len(m.index)), m.index, fontsize=8)
    ax.set_xlabel(L.t("to"))
    ax.set_ylabel(L.t("from"))
    top = v.max() if v.size else 0
    for i in range(v.shape[0]):
        for j in range(v.shape[1]):
            if v[i, j] > 0:
                ax.text(j, i, _short(v[i, j], L), ha="center", va="center", fontsize=6.5,
                        color="white" if np.log10(1 + v[i, j]) > 0.6 * np.log10(1 + top) else "black")
    ax.figure.colorbar(im, ax=ax, label=L.t("moves_per_year_log"), shrink=0.8)
    return ax


def _short(x: float, L: Language) -> str:
    """A cell label of at most 4 characters: 1.2M, 35k, 3.4k, 120, 0.5 (decimal sign of the language)."""
    a = abs(x)
    if a >= 1e6:
        return L.fmt.fixed(x / 1e6, 1) + "M"
    if a >= 1e4:
        return L.fmt.fixed(x / 1e3, 0) + "k"
    if a >= 1e3:
        return L.fmt.fixed(x / 1e3, 1) + "k"
    if a >= 10:
        return L.fmt.fixed(x, 0)
    return L.fmt.number(x, 2)


def flows_over_time(result: Result, kpis: Iterable[str] = ("uitstroom_werk", "uitval", "herinstroom"),
                    ax: Any = None, lang: LangLike = "en") -> Any:
    """The key flows per year (per-period counts ÷ the period's length): median over replicates
    and the 5-95 % band."""
    L = _lang(lang)
    ax = _axes(ax)
    names = result.kpi_period_names
    kp = np.asarray(result["replicates/kpi_period"], dtype=float)
    keep, length = _per_year(result)
    t = np.asarray(result.period_end)[keep]
    for j, k in enumerate(kpis):
        s = summarize(kp[:, keep, names.index(k)] / length[keep])
        ax.fill_between(t, s["q05"], s["q95"], color=f"C{j}", alpha=0.25, linewidth=0)
        ax.plot(t, s["q50"], color=f"C{j}", marker="o", ms=2.5, label=L.kpi(k))
    ax.set_ylim(bottom=0)
    L.fmt.axis(ax, "x", "year", L.t("end_of_period"))
    L.fmt.axis(ax, "y", "count", L.t("moves_per_year"))
    _legend(ax)
    return ax


def cost(result: Result, ax: Any = None, lang: LangLike = "en") -> Any:
    """Fan chart of the cumulative cost (euros, axis in € mln or € bn)."""
    L = _lang(lang)
    ax = _axes(ax)
    fan_chart(ax, result.time, np.asarray(result["replicates/cost_cumulative_eur"], dtype=float), color="C3",
              label=L.t("cumulative_cost"), lang=L)
    ax.set_ylim(bottom=0)
    _years(ax, L)
    L.fmt.axis(ax, "y", "eur", L.t("cumulative_cost"))
    _legend(ax, loc="upper left")
    return ax


def cost_by_state(result: Result, ax: Any = None, lang: LangLike = "en", max_states: int = 12) -> Any:
    """Mean cost per year, stacked by state (person-years × cost per person-year), plus
    organisation costs; beyond ``max_states`` states the smallest are summed as "other states"."""
    L = _lang(lang)
    ax = _axes(ax)
    keep, length = _per_year(result)
    t = np.asarray(result.period_end)[keep]
    py_ = np.asarray(result["replicates/person_years"], dtype=float).mean(axis=0)[keep]  # [P, S]
    c = py_ * np.asarray(result["state_cost_eur_per_year"], dtype=float)[None, :] / length[keep, None]
    totals = c.sum(axis=0)
    cols = [i for i in np.argsort(-totals) if totals[i] > 0]
    shown, rest = cols[:max_states], cols[max_states:]
    colours = state_colors(result.states)
    width = length[keep] * 0.85
    bottom = np.zeros(int(keep.sum()))
    for i in sorted(shown):
        ax.bar(t, c[:, i], bottom=bottom, width=-width, align="edge", color=colours[result.states[i]],
               label=result.states[i], linewidth=0)
        bottom += c[:, i]
    if rest:
        other = c[:, rest].sum(axis=1)
        ax.bar(t, other, bottom=bottom, width=-width, align="edge", color="0.75", label=L.t("other_states"),
               linewidth=0)
        bottom += other
    org = np.asarray(result["replicates/organisation_cost_eur"], dtype=float)
    if org.size and org.sum() > 0:
        o = org.mean(axis=0)[keep].sum(axis=1) / length[keep]
        ax.bar(t, o, bottom=bottom, width=-width, align="edge", color="0.45", hatch="//", label=L.t("organisations"),
               linewidth=0)
        bottom += o
    L.fmt.axis(ax, "x", "year", L.t("end_of_period"))
    L.fmt.axis(ax, "y", "eur", L.t("cost_per_year"), values=bottom)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7.5, frameon=False)
    return ax


# ---- comparisons -------------------------------------------------------------------------------

DEFAULT_DIFFERENCE_KPIS = ("persons_reaching_work", "uitstroom_werk", "share_reached_work", "share_reached_trede_ge4",
                           "mean_time_to_first_work_years", "uitval", "herinstroom", "cost_total_eur",
                           "mean_waiting_time_admitted_years", "handovers", "leaked")


def _names(comparison: Comparison) -> List[str]:
    return short_names(comparison.names)[0]


def kpi_differences(comparison: Comparison, kpis: Optional[Sequence[str]] = None, ncols: int = 3,
                    lang: LangLike = "en") -> Any:
    """Paired differences of KPIs (scenario - reference) with their intervals: one panel per KPI,
    one row per scenario. An interval that does not cross zero is drawn filled. Shares are
    shown in percentage points, costs in € mln / € bn."""
    L = _lang(lang)
    d = comparison.difference("kpi")
    kpis = [k for k in (kpis or DEFAULT_DIFFERENCE_KPIS) if k in comparison.kpi_names]
    names = comparison.names[1:]
    labels = _names(comparison)[1:]
    fig, axes = _grid(len(kpis), ncols, panel=(3.6, 0.32 * len(names) + 1.25))
    y = np.arange(len(names))
    for ax, k in zip(axes, kpis):
        w = d[d.kpi == k].pivot(index="scenario", columns="statistic", values="value").reindex(names)
        for j, n in enumerate(names):
            m, lo, hi = w.loc[n, "mean"], w.loc[n, "lo"], w.loc[n, "hi"]
            significant = bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))
            c = scenario_color(j + 1)
            ax.errorbar([m], [y[j]], xerr=[[m - lo], [hi - m]] if np.isfinite(lo) else None, fmt="o", color=c,
                        mfc=c if significant else "white", capsize=3, ms=5)
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.set_yticks(y, labels, fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        kind = "points" if kpi_kind(k) == "share" else kpi_kind(k)
        ax.margins(x=0.12)
        unit = L.fmt.axis(ax, "x", kind, None, values=w[["lo", "hi", "mean"]].to_numpy(dtype=float).ravel())
        ax.set_title(_wrap(f"{L.kpi(k)} ({unit})" if unit and unit != "%" else L.kpi(k), 30), fontsize=9)
    fig.suptitle(L.t("difference_title", ref=_names(comparison)[0], level=int(round(comparison.confidence * 100))),
                 fontsize=10)
    return fig


def trede_differences(comparison: Comparison, ncols: int = 3, lang: LangLike = "en") -> Any:
    """Paired difference in people per trede over time, one panel per scenario on one shared
    scale, with the interval band."""
    L = _lang(lang)
    d = comparison.difference("trede_occupancy")
    names = comparison.names[1:]
    labels = _names(comparison)[1:]
    fig, axes, lax = _grid(len(names), ncols, panel=(3.6, 2.7), legend=True, sharey=True)
    for ax, n, label in zip(axes, names, labels):
        for r in range(1, 7):
            w = d[(d.scenario == n) & (d.trede == r)].pivot(index="time", columns="statistic", values="value")
            ax.fill_between(w.index, w["lo"], w["hi"], color=TREDE_COLORS[r - 1], alpha=0.25, linewidth=0)
            ax.plot(w.index, w["mean"], color=TREDE_COLORS[r - 1], label=L.trede(r))
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_title(label, fontsize=10)
        _years(ax, L, label=False)
    for ax in axes:
        L.fmt.axis(ax, "y", "count", L.t("people") if ax is axes[0] or ax.get_subplotspec().is_first_col() else None)
    _legend_in(lax, axes[0])
    fig.suptitle(L.t("trede_difference_title", ref=_names(comparison)[0]), fontsize=10)
    return fig


def period_differences(comparison: Comparison, kpis: Sequence[str] = ("uitstroom_werk", "uitval", "cost_eur"),
                       ncols: int = 3, lang: LangLike = "en") -> Any:
    """Paired differences of per-period KPIs over time, one panel per KPI, one line (with the
    interval band) per scenario."""
    L = _lang(lang)
    d = comparison.difference("kpi_period")
    kpis = [k for k in kpis if k in comparison.kpi_period_names]
    fig, axes, lax = _grid(len(kpis), ncols, legend=True)
    ps = np.asarray(comparison["period_start"])
    pe = np.asarray(comparison["period_end"])
    real = set(pe[pe > ps].tolist())
    for ax, k in zip(axes, kpis):
        for j, (n, label) in enumerate(zip(comparison.names[1:], _names(comparison)[1:])):
            w = d[(d.scenario == n) & (d.kpi == k)].pivot(index="time", columns="statistic", values="value")
            w = w[w.index.isin(real)]
            ax.fill_between(w.index, w["lo"], w["hi"], color=scenario_color(j + 1), alpha=0.2, linewidth=0)
            ax.plot(w.index, w["mean"], color=scenario_color(j + 1), marker="o", ms=2.5, label=label)
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_title(L.kpi(k), fontsize=10)
        _years(ax, L, label=False)
        L.fmt.axis(ax, "y", kpi_kind(k), "" if kpi_kind(k) == "eur" else None)
    _legend_in(lax, axes[0])
    return fig


def cumulative_differences(comparison: Comparison,
                           kpis: Sequence[str] = ("persons_reaching_work", "uitstroom_werk", "cost_eur"),
                           ncols: int = 3, lang: LangLike = "en") -> Any:
    """Cumulative paired differences of per-period KPIs from the start to each report time (how
    many more people have reached work by year X, at what extra cost): one panel per KPI, one
    line with its interval band per scenario."""
    L = _lang(lang)
    kpis = [k for k in kpis if k in comparison.kpi_period_names]
    fig, axes, lax = _grid(len(kpis), ncols, panel=(3.4, 2.9), legend=True)
    t = np.asarray(comparison["period_end"], dtype=float)
    for ax, k in zip(axes, kpis):
        diffs = comparison.paired_difference("replicates/kpi_period", index=comparison.kpi_period_names.index(k),
                                             cumulative=True)
        values: List[float] = []
        for j, (label, s) in enumerate(zip(_names(comparison)[1:], diffs)):
            ax.fill_between(t, s["lo"], s["hi"], color=scenario_color(j + 1), alpha=0.2, linewidth=0)
            ax.plot(t, s["mean"], color=scenario_color(j + 1), label=label)
            values += [float(np.nanmax(np.abs(s["lo"]))), float(np.nanmax(np.abs(s["hi"])))]
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_title(L.kpi(k), fontsize=10)
        _years(ax, L, label=False)
        L.fmt.axis(ax, "y", kpi_kind(k), L.t("cumulative_difference") if ax is axes[0] or kpi_kind(k) == "eur" else None,
                   values=values)
    _legend_in(lax, axes[0])
    return fig


def differing_states(comparison: Comparison, states: Sequence[str], tolerance: float = 0.01) -> Tuple[List[str], List[str]]:
    """Splits ``states`` into those whose median occupancy differs between the scenarios by more
    than ``tolerance`` × its largest value at some report time, and those that are the same in
    every scenario (drawing these would give identical panels)."""
    differ, same = [], []
    for s in states:
        medians = [np.nanquantile(np.asarray(r["replicates/occupancy"], dtype=float)[:, :, r.states.index(s)], 0.5,
                                  axis=0) for r in comparison.scenarios if s in r.states]
        if not medians:
            continue
        m = np.stack(medians)
        top = np.nanmax(np.abs(m)) if m.size else 0.0
        spread = np.nanmax(m.max(axis=0) - m.min(axis=0)) if m.size else 0.0
        (differ if top > 0 and spread > tolerance * top else same).append(s)
    return differ, same


def compare_occupancy(comparison: Comparison, states: Sequence[str], ncols: int = 3, lang: LangLike = "en") -> Any:
    """Occupancy of ``states`` in every scenario: median and 5-95 % band, one panel per state,
    one colour per scenario (:func:`scenario_color`)."""
    L = _lang(lang)
    fig, axes, lax = _grid(len(states), ncols, legend=True)
    labels = _names(comparison)
    for ax, s in zip(axes, states):
        for j, r in enumerate(comparison.scenarios):
            if s not in r.states:
                continue
            x = np.asarray(r["replicates/occupancy"], dtype=float)[:, :, r.states.index(s)]
            q = np.nanquantile(x, [0.05, 0.5, 0.95], axis=0)
            ax.fill_between(r.time, q[0], q[2], color=scenario_color(j), alpha=0.15, linewidth=0)
            ax.plot(r.time, q[1], color=scenario_color(j), label=labels[j], lw=1.4)
        ax.set_title(s, fontsize=10)
        ax.set_ylim(bottom=0)
        _years(ax, L, label=False)
        L.fmt.axis(ax, "y", "count", L.t("people") if ax.get_subplotspec().is_first_col() else None)
    _legend_in(lax, axes[0])
    return fig


def compare_waiting(comparison: Comparison, states: Optional[Sequence[str]] = None, ncols: int = 3,
                    lang: LangLike = "en") -> Any:
    """Waiting-list lengths of the capacity ``states`` (default: all) in every scenario: median
    and 5-95 % band, one panel per list."""
    L = _lang(lang)
    states = list(states if states is not None else comparison.scenarios[0].capacity_states)
    fig, axes, lax = _grid(len(states), ncols, legend=True)
    labels = _names(comparison)
    for ax, cs in zip(axes, states):
        for j, r in enumerate(comparison.scenarios):
            if cs in r.capacity_states:
                x = np.asarray(r["replicates/waiting"], dtype=float)[:, :, r.capacity_states.index(cs)]
                q = np.nanquantile(x, [0.05, 0.5, 0.95], axis=0)
                ax.fill_between(r.time, q[0], q[2], color=scenario_color(j), alpha=0.15, linewidth=0)
                ax.plot(r.time, q[1], color=scenario_color(j), label=labels[j], lw=1.4)
        ax.set_title(L.t("waiting_for", state=cs), fontsize=10)
        ax.set_ylim(bottom=0)
        _years(ax, L, label=False)
        L.fmt.axis(ax, "y", "count", L.t("people_waiting") if ax.get_subplotspec().is_first_col() else None)
    _legend_in(lax, axes[0])
    return fig


def compare_cost(comparison: Comparison, lang: LangLike = "en") -> Any:
    """Left: the reference's cumulative cost (fan chart). Right: each scenario's paired
    difference in cumulative cost with the reference, with its interval band."""
    import matplotlib.pyplot as plt
    L = _lang(lang)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11.0, 3.8), layout="constrained")
    ref = comparison.scenarios[0]
    labels = _names(comparison)
    fan_chart(a, ref.time, np.asarray(ref["replicates/cost_cumulative_eur"], dtype=float), color=scenario_color(0))
    a.set_ylim(bottom=0)
    a.set_title(labels[0], fontsize=10)
    _years(a, L)
    L.fmt.axis(a, "y", "eur", L.t("cumulative_cost"))
    values: List[float] = []
    for j, s in enumerate(comparison.paired_difference("replicates/cost_cumulative_eur")):
        b.fill_between(ref.time, s["lo"], s["hi"], color=scenario_color(j + 1), alpha=0.2, linewidth=0)
        b.plot(ref.time, s["mean"], color=scenario_color(j + 1), label=labels[j + 1])
        values += [float(np.nanmax(np.abs(s["lo"]))), float(np.nanmax(np.abs(s["hi"])))]
    b.axhline(0, color="0.3", lw=0.8)
    b.set_title(L.t("diff_with", ref=labels[0]), fontsize=10)
    _years(b, L)
    L.fmt.axis(b, "y", "eur", L.t("cost_difference"), values=values)
    b.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


# ---- probabilistic sensitivity analysis ----------------------------------------------------------

_DISTRIBUTION = re.compile(r"^\s*(\w+)\s*\((.*)\)\s*$")


def declared_distribution(text: str) -> Any:
    """The scipy.stats distribution of one declared distribution as a PSA file states it
    (``/draws/distributions``: "beta(a = 3.5, b = 31.5)", "lognormal(median = 0.3, sd_log =
    0.25)", "gamma(shape = 16, scale = 125)", "normal(mean = 1, sd = 0.2, lower = 0)",
    "uniform(min = 0, max = 1)", "triangular(min = 0, mode = 1, max = 3)"), or None when the
    text is not one of these. Parameters are as printed (6 significant digits): for drawing the
    curve over a histogram, not for computation."""
    from scipy import stats
    m = _DISTRIBUTION.match(str(text))
    if not m:
        return None
    try:
        p = {k.strip(): float(v) for k, v in (part.split("=") for part in m.group(2).split(","))}
        family = m.group(1)
        if family == "uniform":
            return stats.uniform(loc=p["min"], scale=p["max"] - p["min"])
        if family == "triangular":
            width = p["max"] - p["min"]
            return stats.triang((p["mode"] - p["min"]) / width, loc=p["min"], scale=width)
        if family == "normal":
            lo, hi = p.get("lower", -np.inf), p.get("upper", np.inf)
            return stats.truncnorm((lo - p["mean"]) / p["sd"], (hi - p["mean"]) / p["sd"], loc=p["mean"], scale=p["sd"])
        if family == "lognormal":
            return stats.lognorm(p["sd_log"], scale=p["median"])
        if family == "gamma":
            return stats.gamma(p["shape"], scale=p["scale"])
        if family == "beta":
            return stats.beta(p["a"], p["b"])
    except (KeyError, ValueError, ZeroDivisionError):
        return None
    return None


def parameter_draws(psa: PsaResult, ncols: int = 3, lang: LangLike = "en") -> Any:
    """The drawn values of every uncertain parameter: one panel per key, a histogram of the D
    draws (``/draws/parameters``) with the density of the declared distribution
    (``/draws/distributions``) drawn over it. Keys drawn together (a correlated group) share a
    colour."""
    L = _lang(lang)
    d = psa.distributions
    draws = psa.draws
    keys = list(draws.columns)
    fig, axes = _grid(len(keys), ncols, panel=(3.7, 2.5))
    blocks = list(dict.fromkeys(d["block"].tolist()))
    grouped = {b for b in blocks if (d["block"] == b).sum() > 1}
    for ax, key, text, block in zip(axes, keys, d["distribution"], d["block"]):
        x = draws[key].to_numpy(dtype=float)
        colour = f"C{1 + sorted(grouped).index(block)}" if block in grouped else "C0"
        ax.hist(x, bins=max(8, min(30, len(x) // 6)), density=True, color=colour, alpha=0.45, linewidth=0,
                label=L.t("psa_drawn", D=len(x)))
        dist = declared_distribution(text)
        if dist is not None:
            lo, hi = np.min(x), np.max(x)
            pad = 0.15 * (hi - lo if hi > lo else abs(hi) or 1.0)
            a, b = dist.support()
            grid = np.linspace(max(lo - pad, a), min(hi + pad, b), 300)
            with np.errstate(all="ignore"):
                y = dist.pdf(grid)
            ax.plot(grid, np.where(np.isfinite(y), y, np.nan), color="0.15", lw=1.3, label=L.t("psa_declared"))
        ax.set_title(key, fontsize=8.5)
        ax.set_yticks([])
        ax.tick_params(axis="x", labelsize=8)
        ax.set_xlabel(text, fontsize=7.5, color="0.35")
    _legend(axes[0], loc="upper right")
    return fig


def variance_split(psa: PsaResult, kpis: Optional[Sequence[str]] = None, ax: Any = None, lang: LangLike = "en") -> Any:
    """Where the spread of each KPI comes from: one bar per KPI of ``kpis`` (default: the
    headline KPIs of the report that vary), split into the parameter part's share of the
    variance of one run (dark) and the Monte Carlo part's (light), with the 95 % interval of
    the parameter share. Needs R >= 2 replicates per draw (``psa.variance()`` not empty)."""
    L = _lang(lang)
    v = psa.variance()
    if v.empty:
        raise ValueError("one replicate per draw: the variance is not split (run with 2 or more replicates per draw)")
    v = v[np.isfinite(v["total"].to_numpy(dtype=float)) & (v["total"].to_numpy(dtype=float) > 0)]
    if kpis is not None:
        v = v.set_index("kpi").reindex([k for k in kpis if k in set(v.kpi)]).reset_index()
    ax = _axes(ax, figsize=(9.0, 0.34 * len(v) + 1.3))
    shown = variance_shown(v)  # as trede info shows it
    share, lo, hi = (shown[c].to_numpy(dtype=float) for c in ("parameter_share", "share_lower", "share_upper"))
    y = np.arange(len(v))
    ax.barh(y, share, color="#2a6f97", height=0.62, label=L.t("psa_parameter_part"))
    ax.barh(y, 1 - share, left=share, color="#c9dcea", height=0.62, label=L.t("psa_mc_part"))
    ax.errorbar(share, y, xerr=[share - lo, hi - share], fmt="none", ecolor="0.1", capsize=2.5, lw=1)
    ax.set_yticks(y, [L.kpi(k) for k in v["kpi"]], fontsize=8)
    ax.set_ylim(len(v) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    L.fmt.axis(ax, "x", "share", L.t("psa_share_of_variance"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax


def first_order(psa: PsaResult, kpis: Sequence[str] = ("persons_reaching_work", "uitstroom_werk", "cost_total_eur"),
                ncols: int = 3, lang: LangLike = "en", indices: Any = None) -> Any:
    """Which parameter drives each KPI: one panel per KPI of ``kpis``, one bar per uncertain
    key, its first-order index (``psa.first_order()``: the share of the variance of the
    per-draw means the key alone explains) with ± 2 standard errors. Keys in the same order in
    every panel, the most influential on the first KPI on top. ``indices``: a frame from
    ``psa.first_order(kpis)`` already computed."""
    L = _lang(lang)
    kpis = [k for k in kpis if k in psa.kpi_names]
    f = indices if indices is not None else psa.first_order(kpis)
    keys = list(psa.draws.columns)
    first = f[f.kpi == kpis[0]].set_index("key").reindex(keys)["index"].fillna(0).to_numpy()
    order = [keys[i] for i in np.argsort(-first, kind="stable")]
    fig, axes = _grid(len(kpis), ncols, panel=(2.6, 0.36 * len(keys) + 1.2), width=11.0, sharey=True)
    y = np.arange(len(order))
    for ax, k in zip(axes, kpis):
        w = f[f.kpi == k].set_index("key").reindex(order)
        idx = w["index"].to_numpy(dtype=float)
        se = w["se"].to_numpy(dtype=float)
        ax.barh(y, np.nan_to_num(idx), color="#2a6f97", height=0.62)
        ax.errorbar(np.nan_to_num(idx), y, xerr=np.nan_to_num(2 * se), fmt="none", ecolor="0.25", capsize=2, lw=0.9)
        ax.set_xlim(0, 1)
        ax.set_ylim(len(order) - 0.5, -0.5)
        ax.set_title(L.kpi(k), fontsize=9.5)
        L.fmt.axis(ax, "x", "share", None)
        ax.tick_params(axis="x", labelsize=8)
    axes[0].set_yticks(y, order, fontsize=8)
    fig.supxlabel(L.t("psa_first_order_axis"), fontsize=9)
    return fig


def driver_scatter(psa: PsaResult, kpi: str = "persons_reaching_work", keys: Optional[Sequence[str]] = None,
                   ncols: int = 3, lang: LangLike = "en") -> Any:
    """The KPI ``kpi`` per draw (mean over its replicates) against each uncertain key's drawn
    value: one panel per key, the draws as points and the regression the first-order index is
    computed from (:func:`trede._results.first_order_fit`) as a line; its index in the title."""
    from ._results import first_order_fit, first_order_index
    L = _lang(lang)
    y = psa.draw_kpi(kpi)
    draws = psa.draws
    keys = list(keys if keys is not None else draws.columns)
    fig, axes = _grid(len(keys), ncols, panel=(3.7, 2.7), sharey=True)
    kind = kpi_kind(kpi)
    for ax, key in zip(axes, keys):
        x = draws[key].to_numpy(dtype=float)
        ax.scatter(x, y, s=10, color="#2a6f97", alpha=0.65, linewidths=0)
        fitted, _ = first_order_fit(x, y)
        order = np.argsort(x, kind="stable")
        ax.plot(x[order], fitted[order], color="#b0302a", lw=1.4)
        index, se = first_order_index(x, y)
        ax.set_title(f"{key}\n{L.t('psa_index_short')} {L.fmt.fixed(index, 2)} ± {L.fmt.fixed(2 * se, 2)}"
                     if np.isfinite(index) else key, fontsize=8.5)
        ax.tick_params(axis="both", labelsize=8)
        L.fmt.axis(ax, "y", kind, L.kpi(kpi) if ax.get_subplotspec().is_first_col() else None, values=y)
    return fig


def kpi_ranges(results: Dict[str, Result], kpis: Sequence[str] = ("persons_reaching_work", "uitstroom_werk",
                                                                     "cost_total_eur"),
               ncols: int = 3, lang: LangLike = "en") -> Any:
    """The 5-95 % range and the median of KPIs over the runs of each result side by side (e.g.
    a plain run, whose ranges hold Monte Carlo uncertainty only, and a PSA of the same
    scenario, whose ranges also hold parameter uncertainty): one panel per KPI, one row per
    result (``{label: result}``)."""
    L = _lang(lang)
    labels = list(results)
    kpis = [k for k in kpis if all(k in r.kpi_names for r in results.values())]
    fig, axes = _grid(len(kpis), ncols, panel=(3.6, 0.42 * len(labels) + 1.2))
    y = np.arange(len(labels))
    for ax, k in zip(axes, kpis):
        values: List[float] = []
        for j, label in enumerate(labels):
            t = results[label].kpi_table()
            lo, mid, hi = (float(t.loc[k, s]) for s in ("q05", "q50", "q95"))
            ax.plot([lo, hi], [j, j], color=scenario_color(j), lw=5, solid_capstyle="butt", alpha=0.55)
            ax.plot([mid], [j], "o", color=scenario_color(j), ms=5)
            values += [lo, hi]
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.margins(x=0.1)
        ax.tick_params(axis="x", labelsize=8)
        unit = L.fmt.axis(ax, "x", kpi_kind(k), None, values=values)
        ax.set_title(f"{L.kpi(k)} ({unit})" if unit else L.kpi(k), fontsize=9)
    return fig


# ---- the decision between organisation models ------------------------------------------------------

def _effect_words(comparison: Comparison, L: Language) -> Tuple[str, str]:
    """(effect, per-unit words) of the decision: "people reaching work" and "per extra person
    in work", or the person-years in work."""
    from ._answer import decision_attrs
    years = str(decision_attrs(comparison).get("effect", "")) == "person_years_in_work"
    return (L.t("dec_effect_years") if years else L.t("people_reaching_work"),
            L.t("dec_per_year") if years else L.t("dec_per_person"))


def ce_plane(comparison: Comparison, ax: Any = None, lang: LangLike = "en", points: Any = None) -> Any:
    """The cost-effectiveness plane: for every option against the reference, one point per unit
    of the decision (a replicate, or a parameter draw in a PSA comparison) at its paired
    difference in the effect (x: extra people reaching work) and in total public cost (y, in
    € mln or € bn), the mean of each option as a large marker, and the line of the reference
    willingness to pay (points below it are worth it at that price). ``points``: a frame from
    :func:`trede._answer.ce_points` already computed."""
    from ._answer import ce_points, decision_attrs
    L = _lang(lang)
    p = points if points is not None else ce_points(comparison)
    ax = _axes(ax, figsize=(9.5, 4.6))
    labels = _names(comparison)
    effect, per = _effect_words(comparison, L)
    x_all = p["effect_difference"].to_numpy(dtype=float)
    y_all = p["cost_difference"].to_numpy(dtype=float)
    for j, name in enumerate(comparison.names[1:]):
        w = p[p.scenario == name]
        x, y = w["effect_difference"].to_numpy(dtype=float), w["cost_difference"].to_numpy(dtype=float)
        colour = scenario_color(j + 1)
        ax.scatter(x, y, s=14, color=colour, alpha=0.45, linewidths=0)
        ax.scatter([np.mean(x)], [np.mean(y)], s=70, color=colour, edgecolors="black", linewidths=0.8, zorder=3,
                   label=labels[j + 1])
    ax.axhline(0, color="0.35", lw=0.8)
    ax.axvline(0, color="0.35", lw=0.8)
    lam = float(decision_attrs(comparison).get("lambda_reference", np.nan))
    finite = np.isfinite(x_all) & np.isfinite(y_all)
    span_x = max(float(np.max(np.abs(x_all[finite]))) if finite.any() else 1.0, 1e-9)
    ax.set_xlim(-1.08 * span_x, 1.08 * span_x)
    ylim = ax.get_ylim()
    if np.isfinite(lam) and lam > 0:
        xs = np.linspace(-1.08 * span_x, 1.08 * span_x, 2)
        ax.plot(xs, lam * xs, color="0.2", ls="--", lw=1.0,
                label=L.t("dec_wtp_line", wtp=L.fmt.value("eur", lam), per=per))
        ax.set_ylim(*ylim)  # the line does not stretch the cost axis
    L.fmt.axis(ax, "x", "count", L.t("dec_extra_effect", effect=effect))
    L.fmt.axis(ax, "y", "eur", L.t("dec_extra_cost"), values=list(ylim))
    ax.set_title(L.t("dec_plane_title", ref=labels[0]), fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax


def acceptability(comparison: Comparison, lang: LangLike = "en") -> Any:
    """Left: the cost-effectiveness acceptability curves, for every option the probability that
    it has the largest net benefit at each willingness to pay (€ per extra unit of effect), with
    the frontier (the option of the largest expected net benefit; a thick grey band under its
    curve) and the reference willingness to pay. Right: the expected value of perfect
    information per willingness to pay with ± 2 standard errors."""
    import matplotlib.pyplot as plt
    from ._answer import reference_lambda
    L = _lang(lang)
    labels = _names(comparison)
    _, per = _effect_words(comparison, L)
    lam = np.asarray(comparison["decision/acceptability/lambda"], dtype=float)
    prob = np.asarray(comparison["decision/acceptability/probability"], dtype=float)
    frontier = np.asarray(comparison["decision/acceptability/frontier_option"], dtype=int)
    fprob = np.asarray(comparison["decision/acceptability/frontier_probability"], dtype=float)
    evpi = np.asarray(comparison["decision/acceptability/evpi"], dtype=float)
    se = np.asarray(comparison["decision/acceptability/evpi_se"], dtype=float) \
        if "decision/acceptability/evpi_se" in comparison.keys() else np.zeros_like(evpi)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11.0, 4.0), layout="constrained", gridspec_kw={"width_ratios": [1.3, 1]})
    a.plot(lam, fprob, color="0.75", lw=7, solid_capstyle="butt", label=L.t("dec_frontier"), zorder=1)
    # Where the frontier changes option: a tick at the top.
    for i in range(1, len(lam)):
        if frontier[i] != frontier[i - 1]:
            a.axvline(0.5 * (lam[i] + lam[i - 1]), color="0.6", lw=0.8, ls=":")
    for j in range(prob.shape[0]):
        a.plot(lam, prob[j], color=scenario_color(j), lw=1.6, label=labels[j], zorder=2)
    from ._answer import decision_attrs
    lref = float(decision_attrs(comparison).get("lambda_reference", reference_lambda(comparison)[1]))
    a.axvline(lref, color="0.2", ls="--", lw=0.9)
    a.set_ylim(-0.02, 1.02)
    a.set_xlim(lam[0], lam[-1])
    L.fmt.axis(a, "y", "prob", L.t("dec_probability_best"))
    L.fmt.axis(a, "x", "eur", None)
    a.set_xlabel(L.t("dec_wtp_axis", per=per))
    a.set_title(L.t("dec_ceac_title"), fontsize=10)
    b.fill_between(lam, np.maximum(evpi - 2 * se, 0), evpi + 2 * se, color="#2a6f97", alpha=0.2, linewidth=0)
    b.plot(lam, evpi, color="#2a6f97", lw=1.6)
    b.axvline(lref, color="0.2", ls="--", lw=0.9)
    b.set_xlim(lam[0], lam[-1])
    b.set_ylim(bottom=0)
    L.fmt.axis(b, "x", "eur", None)
    b.set_xlabel(L.t("dec_wtp_axis", per=per))
    L.fmt.axis(b, "y", "eur", L.t("dec_evpi_axis"), values=list(evpi + 2 * se))
    b.set_title(L.t("dec_evpi_title"), fontsize=10)
    b.legend(*a.get_legend_handles_labels(), loc="upper left", bbox_to_anchor=(1.03, 1.0), fontsize=7.5, frameon=False)
    return fig


def _wrap(text: str, width: int = 34) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False))


def decision_drivers(comparison: Comparison, lang: LangLike = "en") -> Any:
    """What drives the answer (PSA comparisons): for each group of uncertain parameters, its
    first-order index for every option's difference from the reference in the effect (left)
    and in the cost (middle) — the share of the variance of the difference over the draws the
    group alone explains — and its expected value of partial perfect information at the
    reference willingness to pay (right, €). Groups ordered by their largest index; panels
    whose values were not estimated (too few draws) are left out."""
    import matplotlib.pyplot as plt
    from ._answer import reference_lambda
    L = _lang(lang)
    labels = _names(comparison)
    keys = set(comparison.keys())
    panels: List[Tuple[str, str, np.ndarray]] = []  # (title, kind, values [options, groups] or [1, groups])
    groups: List[str] = []
    if "decision/sensitivity/effect" in keys:
        groups = _as_str_list(comparison["decision/sensitivity/groups"])
        effect, _ = _effect_words(comparison, L)
        for name, title in (("effect", L.t("dec_index_effect", effect=effect)), ("cost", L.t("dec_index_cost"))):
            v = np.asarray(comparison[f"decision/sensitivity/{name}"], dtype=float)
            if np.isfinite(v).any():
                panels.append((title, "index", v))
    if "decision/evppi/value" in keys:
        g = _as_str_list(comparison["decision/evppi/groups"])
        groups = groups or g
        i, lref = reference_lambda(comparison)
        v = np.asarray(comparison["decision/evppi/value"], dtype=float)[:, i]
        v = np.array([v[g.index(x)] if x in g else np.nan for x in groups])
        if np.isfinite(v).any():
            panels.append((L.t("dec_evppi_title", wtp=L.fmt.value("eur", lref)), "eur", v[None, :]))
    if not panels:
        raise ValueError("no sensitivity indices or EVPPI in this comparison (a PSA comparison with enough draws has them)")
    score = np.nanmax(np.vstack([np.nan_to_num(p[2], nan=0.0) for p in panels if p[1] == "index"] or
                                [np.nan_to_num(panels[0][2], nan=0.0)]), axis=0)
    order = np.argsort(-score, kind="stable")
    G = len(groups)
    fig, axes = plt.subplots(1, len(panels), figsize=(11.0, 0.42 * G * max(1, min(4, len(labels) - 1)) ** 0.5 + 1.9),
                             layout="constrained", sharey=True, squeeze=False)
    y = np.arange(G)
    for ax, (title, kind, v) in zip(axes.flat, panels):
        rows = v.shape[0]
        height = 0.8 / rows
        for j in range(rows):
            vals = v[j, order]
            colour = scenario_color(j + 1) if kind == "index" else "#2a6f97"
            ax.barh(y - 0.4 + height * (j + 0.5), np.nan_to_num(vals), height=height * 0.92, color=colour,
                    label=labels[j + 1] if kind == "index" else None)
        ax.set_ylim(G - 0.5, -0.5)
        if kind == "index":
            ax.set_xlim(0, 1)
            L.fmt.axis(ax, "x", "share", None)
            title += " (%)"
        else:
            ax.set_xlim(left=0)
            L.fmt.axis(ax, "x", "eur", None, values=[float(np.nanmax(v))])
            unit = "€ " + L.fmt.euro_scale(float(np.nanmax(v)))[1] if L.fmt.euro_scale(float(np.nanmax(v)))[1] else "€"
            title = f"{title} ({unit})"
        ax.set_title(_wrap(title, 38), fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    axes.flat[0].set_yticks(y, [_wrap(groups[i]) for i in order], fontsize=7.5)
    first_index = next((ax for ax, p in zip(axes.flat, panels) if p[1] == "index"), None)
    if first_index is not None:
        axes.flat[-1].legend(*first_index.get_legend_handles_labels(), loc="upper left", bbox_to_anchor=(1.02, 1.0),
                             fontsize=7.5, frameon=False)
    return fig


# ---- making a figure ready, and checking it ---------------------------------------------------------

def _drawn_ticklabels(axis: Any, renderer: Any) -> List[Tuple[str, Any]]:
    """(text, extent) of the tick labels that are drawn: visible, non-empty, inside the view."""
    lo, hi = sorted(axis.get_view_interval())
    tol = 1e-9 * max(1.0, abs(hi - lo))
    out = []
    for tick in axis.get_major_ticks() + axis.get_minor_ticks():
        loc = tick.get_loc()
        if loc is None or not (lo - tol <= loc <= hi + tol):
            continue
        for lab in (tick.label1, tick.label2):
            if lab.get_visible() and lab.get_text().strip():
                out.append((lab.get_text(), lab.get_window_extent(renderer)))
    return out


def _overlap(a: Any, b: Any, gap: float = 4.0) -> bool:
    """Whether two text extents (display pixels) overlap or come closer than ``gap`` pixels."""
    return a.x0 < b.x1 + gap and b.x0 < a.x1 + gap and a.y0 < b.y1 + gap and b.y0 < a.y1 + gap


def label_problems(fig: Any) -> List[str]:
    """Draws ``fig`` and lists its unreadable labels, from matplotlib's own text extents: tick
    labels of one axis that overlap each other or come closer than 4 pixels, and titles, axis labels, tick labels and legend
    entries that reach outside the figure (clipped in the image). Empty when all are readable."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    problems: List[str] = []

    def outside(what: str, text: str, e: Any) -> None:
        if e.x0 < box.x0 - 1 or e.x1 > box.x1 + 1 or e.y0 < box.y0 - 1 or e.y1 > box.y1 + 1:
            problems.append(f"{what} {text!r} reaches outside the figure")

    for n, ax in enumerate(fig.axes):
        if not ax.get_visible() or not ax.axison:
            continue
        name = ax.get_title() or ax.get_label() or f"axes {n}"
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = _drawn_ticklabels(axis, renderer)
            for (ta, ea), (tb, eb) in combinations(labels, 2):
                if _overlap(ea, eb):
                    problems.append(f"{name}: {which} tick labels {ta!r} and {tb!r} overlap")
            for text, e in labels:
                outside(f"{name}: {which} tick label", text, e)
        for t in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label):  # noqa: SLF001
            if t.get_visible() and t.get_text().strip():
                outside(f"{name}: label", t.get_text(), t.get_window_extent(renderer))
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            for t in legend.get_texts():
                outside(f"{name}: legend entry", t.get_text(), t.get_window_extent(renderer))
    for legend in fig.legends:
        for t in legend.get_texts():
            outside("figure legend entry", t.get_text(), t.get_window_extent(renderer))
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_visible() and sup.get_text().strip():
        outside("title", sup.get_text(), sup.get_window_extent(renderer))
    return problems


def finish(fig: Any, lang: LangLike = "en") -> List[str]:
    """Makes ``fig`` ready to show and returns :func:`label_problems` of the result: every
    numeric axis still on matplotlib's default formatter gets this language's plain numbers (no
    offset, no "1e8"), and where tick labels of an axis overlap, the axis gets fewer ticks
    (numeric axes only; categorical labels are left as they are and reported)."""
    from matplotlib.ticker import FixedLocator, MaxNLocator, ScalarFormatter
    L = _lang(lang)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), ScalarFormatter):
                axis.set_major_formatter(L.fmt.tick_formatter(axis))
    for _ in range(4):
        problems = label_problems(fig)
        crowded = [p for p in problems if "tick labels" in p and "overlap" in p]
        if not crowded:
            return problems
        renderer = fig.canvas.get_renderer()
        changed = False
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                labels = _drawn_ticklabels(axis, renderer)
                if any(_overlap(a, b) for (_, a), (_, b) in combinations(labels, 2)) and \
                        not isinstance(axis.get_major_locator(), FixedLocator) and len(labels) > 2:
                    loc = axis.get_major_locator()
                    integer = bool(getattr(loc, "_integer", False))
                    axis.set_major_locator(MaxNLocator(nbins=max(2, len(labels) // 2), integer=integer))
                    changed = True
        if not changed:
            return problems
    return label_problems(fig)
