"""Figures of results with matplotlib: fan charts, the participatieladder, waiting lists, flows,
costs, and paired differences of comparisons. Each function draws on ``ax`` (a new figure when
None) and returns the Axes (or the Figure for multi-panel plots), so they compose in notebooks
and in the HTML report (:mod:`trede.report`).

>>> import trede, trede.plot
>>> r = trede.read("bm2.h5")
>>> trede.plot.fan(r, "wait_beschut_werk")
>>> trede.plot.ladder(r, share=True)
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Sequence, Union

import matplotlib
import numpy as np

from ._results import Comparison, Result, summarize

__all__ = ["fan_chart", "fan", "ladder", "waiting", "waiting_times", "flow_matrix", "flows_over_time",
           "cost", "cost_by_state", "kpi_differences", "trede_differences", "period_differences",
           "compare_occupancy", "TREDE_COLORS", "KPI_LABELS"]

#: One colour per trede 1..6, from isolated (dark) to work without support (light).
TREDE_COLORS = [matplotlib.colormaps["viridis"](x) for x in np.linspace(0.05, 0.95, 6)]

#: Readable labels of the KPIs.
KPI_LABELS: Dict[str, str] = {
    "uitstroom_werk": "uitstroom naar werk (moves)",
    "uitval": "uitval (moves)",
    "herinstroom": "herinstroom (moves)",
    "mean_time_to_first_work_years": "time to first work (years)",
    "share_reached_trede_ge4": "share reaching trede ≥ 4",
    "share_reached_work": "share reaching work",
    "cost_total_eur": "total cost (€)",
    "cost_per_person_reaching_work_eur": "cost per person reaching work (€)",
    "persons": "people",
    "persons_reaching_work": "people reaching work",
    "arrivals": "arrivals",
    "absorbed": "exits",
    "events": "events",
    "waiting_joined": "joined a waiting list",
    "waiting_admitted": "admitted from a waiting list",
    "waiting_reneged": "gave up waiting",
    "mean_waiting_time_admitted_years": "waiting time of those admitted (years)",
    "handovers": "handovers between organisations",
    "leaked": "lost at a handover",
    "cost_eur": "cost (€)",
}

_FAN_LEVELS = ((0.05, 0.95), (0.10, 0.90), (0.25, 0.75))


def _axes(ax: Any = None, figsize: Sequence[float] = (7.0, 3.8)) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _grid(n: int, ncols: int = 3, panel: Sequence[float] = (3.6, 2.6)) -> Any:
    import matplotlib.pyplot as plt
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    width = min(max(panel[0], 10.0 / ncols), 7.0)  # one or two panels: wider ones
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, panel[1] * nrows), layout="constrained",
                             squeeze=False)
    for a in axes.flat[n:]:
        a.set_visible(False)
    return fig, list(axes.flat[:n])


def fan_chart(ax: Any, time: np.ndarray, samples: np.ndarray, color: Any = "C0", label: Optional[str] = None,
              median: bool = True) -> Any:
    """Draws a fan chart of ``samples`` [R, T] over ``time`` [T]: shaded bands between the 5-95 %,
    10-90 % and 25-75 % quantiles over replicates, and the median line."""
    x = np.asarray(samples, dtype=float)
    for i, (lo, hi) in enumerate(_FAN_LEVELS):
        q = np.nanquantile(x, [lo, hi], axis=0)
        ax.fill_between(time, q[0], q[1], color=color, alpha=0.18 + 0.1 * i, linewidth=0,
                        label=f"{label}: {int(lo * 100)}–{int(hi * 100)} %" if label and i == 0 else None)
    if median:
        ax.plot(time, np.nanquantile(x, 0.5, axis=0), color=color, lw=1.8, label=f"{label}: median" if label else None)
    return ax


def fan(result: Result, states: Union[str, Sequence[str], None] = None, ax: Any = None, ncols: int = 3) -> Any:
    """Fan charts of the occupancy of ``states`` (one name: one Axes; several or None = every
    non-absorbing state with anyone in it: a grid of panels, returned as the Figure)."""
    occ = np.asarray(result["replicates/occupancy"], dtype=float)
    names = result.states
    if isinstance(states, str):
        ax = _axes(ax)
        fan_chart(ax, result.time, occ[:, :, names.index(states)], label=states)
        ax.set_title(states)
        ax.set_xlabel("year")
        ax.set_ylabel("people")
        return ax
    if states is None:
        absorbing = _absorbing(result)
        states = [s for i, s in enumerate(names) if not absorbing[i] and occ[:, :, i].max() > 0]
    fig, axes = _grid(len(states), ncols)
    for a, s in zip(axes, states):
        i = names.index(s)
        fan_chart(a, result.time, occ[:, :, i], color=_state_color(result, i))
        a.set_title(s, fontsize=10)
        a.set_ylabel("people")
        a.set_ylim(bottom=0)
    return fig


def _absorbing(result: Result) -> np.ndarray:
    """States whose occupancy never decreases and that have no outgoing edge (exits)."""
    e = result.edges
    has_out = {s for s in e["from"]}
    return np.array([s not in has_out for s in result.states])


def _state_color(result: Result, i: int) -> Any:
    t = int(result.trede[i])
    return TREDE_COLORS[t - 1] if 1 <= t <= 6 else "0.4"


def ladder(result: Result, ax: Any = None, share: bool = False, statistic: str = "mean") -> Any:
    """Stacked area of the people per trede 1..6 over time (``share``: as fractions of everyone
    on the ladder)."""
    ax = _axes(ax)
    v = np.stack([np.asarray(result[f"summary/trede_occupancy/{statistic}"], dtype=float)[:, r] for r in range(6)])
    if share:
        tot = v.sum(axis=0)
        v = np.divide(v, tot, out=np.zeros_like(v), where=tot > 0)
    ax.stackplot(result.time, v, colors=TREDE_COLORS, labels=[f"trede {r}" for r in range(1, 7)], alpha=0.95)
    ax.set_xlabel("year")
    ax.set_ylabel("share of people on the ladder" if share else f"people ({statistic} over replicates)")
    ax.set_xlim(result.time[0], result.time[-1])
    if share:
        ax.set_ylim(0, 1)
    handles, labels = ax.get_legend_handles_labels()  # trede 6 on top, as in the stack
    ax.legend(handles[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    return ax


def trajectories(result: Result, ax: Any = None, replicate: Optional[int] = None, people: int = 40) -> Any:
    """Life courses of traced people (``trajectories=N``): one row per person, coloured by the
    trede of the state they are in (grey: states off the ladder, blank: not in the model or
    absorbed). ``replicate``: which one (default: the first); ``people``: how many rows."""
    from matplotlib.patches import Patch
    ax = _axes(ax, figsize=(9.0, 0.16 * people + 1.5))
    t = result.trajectories()
    rep = int(t["replicate"].iloc[0]) if replicate is None else int(replicate)
    t = t[t["replicate"] == rep]
    persons = list(dict.fromkeys(t["person"].tolist()))[:people]
    index = {s: i for i, s in enumerate(result.states)}
    absorbing = _absorbing(result)
    end = float(result.time[-1])
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
                ax.barh(row, stop - times[k], left=times[k], height=0.8, color=_state_color(result, i), linewidth=0)
    ax.set_ylim(len(persons) - 0.5, -0.5)
    ax.set_yticks([])
    ax.set_ylabel(f"{len(persons)} traced people (replicate {rep})")
    ax.set_xlabel("year")
    ax.set_xlim(float(result.time[0]), end)
    handles = [Patch(color=TREDE_COLORS[r], label=f"trede {r + 1}") for r in range(6)] + [Patch(color="0.4", label="off the ladder")]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    return ax


def waiting(result: Result, ax: Any = None) -> Any:
    """Fan charts of waiting-list lengths, one colour per capacity state."""
    ax = _axes(ax)
    w = np.asarray(result["replicates/waiting"], dtype=float)
    for c, name in enumerate(result.capacity_states):
        fan_chart(ax, result.time, w[:, :, c], color=f"C{c}", label=name)
    ax.set_xlabel("year")
    ax.set_ylabel("people waiting")
    ax.set_ylim(bottom=0)
    if result.capacity_states:
        ax.legend(fontsize=8, frameon=False)
    return ax


def waiting_times(result: Result, ax: Any = None) -> Any:
    """Mean waiting time of those admitted per period, per capacity state: median over
    replicates and the 5-95 % band."""
    ax = _axes(ax)
    df = result.waiting_times()
    df = df[(df.quantity == "mean_wait_admitted_years") & (df.time > np.asarray(result.period_start)[0])]
    for c, name in enumerate(result.capacity_states):
        d = df[df.state == name].pivot(index="time", columns="statistic", values="value")
        ax.fill_between(d.index, d["q05"], d["q95"], color=f"C{c}", alpha=0.25, linewidth=0)
        ax.plot(d.index, d["q50"], color=f"C{c}", marker="o", ms=3, label=name)
    ax.set_xlabel("end of period (year)")
    ax.set_ylabel("years waited (admitted)")
    ax.set_ylim(bottom=0)
    if result.capacity_states:
        ax.legend(fontsize=8, frameon=False)
    return ax


def flow_matrix(result: Result, ax: Any = None) -> Any:
    """Heat map of the mean moves per year between states (rows: from, columns: to)."""
    m = result.flow_matrix(per_year=True)
    ax = _axes(ax, figsize=(0.55 * len(m.columns) + 3.5, 0.45 * len(m.index) + 2.2))
    v = m.to_numpy()
    im = ax.imshow(np.log10(1 + v), cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(m.columns)), m.columns, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(m.index)), m.index, fontsize=8)
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    top = v.max() if v.size else 0
    for i in range(v.shape[0]):
        for j in range(v.shape[1]):
            if v[i, j] > 0:
                ax.text(j, i, _short(v[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if np.log10(1 + v[i, j]) > 0.6 * np.log10(1 + top) else "black")
    ax.figure.colorbar(im, ax=ax, label="log10(1 + moves per year)", shrink=0.8)
    return ax


def _short(x: float) -> str:
    a = abs(x)
    if a >= 1e6:
        return f"{x / 1e6:.1f}M"
    if a >= 1e4:
        return f"{x / 1e3:.0f}k"
    if a >= 1e3:
        return f"{x / 1e3:.1f}k"
    if a >= 10:
        return f"{x:.0f}"
    return f"{x:.2g}"


def flows_over_time(result: Result, kpis: Iterable[str] = ("uitstroom_werk", "uitval", "herinstroom"),
                    ax: Any = None) -> Any:
    """Per-period counts of the key flows (from the per-period KPIs): median and 5-95 % band."""
    ax = _axes(ax)
    names = result.kpi_period_names
    kp = np.asarray(result["replicates/kpi_period"], dtype=float)
    t = np.asarray(result.period_end)
    keep = t > np.asarray(result.period_start)
    for j, k in enumerate(kpis):
        s = summarize(kp[:, keep, names.index(k)])
        ax.fill_between(t[keep], s["q05"], s["q95"], color=f"C{j}", alpha=0.25, linewidth=0)
        ax.plot(t[keep], s["q50"], color=f"C{j}", marker="o", ms=3, label=KPI_LABELS.get(k, k))
    ax.set_xlabel("end of period (year)")
    ax.set_ylabel("moves per period")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, frameon=False)
    return ax


def cost(result: Result, ax: Any = None) -> Any:
    """Fan chart of the cumulative cost (millions of euros)."""
    ax = _axes(ax)
    fan_chart(ax, result.time, np.asarray(result["replicates/cost_cumulative_eur"], dtype=float) / 1e6,
              color="C3", label="cumulative cost")
    ax.set_xlabel("year")
    ax.set_ylabel("million €")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, frameon=False)
    return ax


def cost_by_state(result: Result, ax: Any = None) -> Any:
    """Mean cost per period, stacked by state (millions of euros), plus organisation costs."""
    ax = _axes(ax)
    t = np.asarray(result.period_end)
    keep = t > np.asarray(result.period_start)
    py_ = np.asarray(result["replicates/person_years"], dtype=float).mean(axis=0)[keep]  # [P, S]
    c = py_ * np.asarray(result["state_cost_eur_per_year"], dtype=float)[None, :] / 1e6
    cols = [i for i in range(c.shape[1]) if c[:, i].sum() > 0]
    bottom = np.zeros(int(keep.sum()))
    width = np.diff(np.asarray(result.period_start)[keep].tolist() + [t[keep][-1]]) * 0.8 if keep.any() else 0.8
    for k, i in enumerate(cols):
        ax.bar(t[keep], c[:, i], bottom=bottom, width=-np.asarray(width), align="edge", color=f"C{k % 10}",
               label=result.states[i])
        bottom += c[:, i]
    org = np.asarray(result["replicates/organisation_cost_eur"], dtype=float)
    if org.size and org.sum() > 0:
        o = org.mean(axis=0)[keep].sum(axis=1) / 1e6
        ax.bar(t[keep], o, bottom=bottom, width=-np.asarray(width), align="edge", color="0.5", hatch="//",
               label="organisations")
    ax.set_xlabel("end of period (year)")
    ax.set_ylabel("million € per period")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    return ax


# ---- comparisons -------------------------------------------------------------------------------

DEFAULT_DIFFERENCE_KPIS = ("uitstroom_werk", "share_reached_work", "mean_time_to_first_work_years", "uitval",
                           "herinstroom", "cost_total_eur", "cost_per_person_reaching_work_eur",
                           "mean_waiting_time_admitted_years", "handovers", "leaked")


def kpi_differences(comparison: Comparison, kpis: Optional[Sequence[str]] = None, ncols: int = 3) -> Any:
    """Paired differences of KPIs (scenario - reference) with their intervals: one panel per KPI,
    one row per scenario. An interval that does not cross zero is drawn solid."""
    d = comparison.difference("kpi")
    kpis = [k for k in (kpis or DEFAULT_DIFFERENCE_KPIS) if k in comparison.kpi_names]
    names = comparison.names[1:]
    fig, axes = _grid(len(kpis), ncols, panel=(3.9, 0.55 * len(names) + 1.3))
    for ax, k in zip(axes, kpis):
        w = d[d.kpi == k].pivot(index="scenario", columns="statistic", values="value").reindex(names)
        y = np.arange(len(names))
        for j, n in enumerate(names):
            m, lo, hi = w.loc[n, "mean"], w.loc[n, "lo"], w.loc[n, "hi"]
            significant = bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))
            ax.errorbar([m], [y[j]], xerr=[[m - lo], [hi - m]] if np.isfinite(lo) else None, fmt="o",
                        color=f"C{(j + 1) % 10}", mfc=f"C{(j + 1) % 10}" if significant else "white", capsize=3)
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(KPI_LABELS.get(k, k), fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle(f"difference with {comparison.reference}, {int(round(comparison.confidence * 100))} % intervals "
                 "(paired, common random numbers)", fontsize=10)
    return fig


def trede_differences(comparison: Comparison, ncols: int = 3) -> Any:
    """Paired difference in people per trede over time, per scenario, with the interval band."""
    d = comparison.difference("trede_occupancy")
    names = comparison.names[1:]
    fig, axes = _grid(len(names), ncols)
    for ax, n in zip(axes, names):
        for r in range(1, 7):
            w = d[(d.scenario == n) & (d.trede == r)].pivot(index="time", columns="statistic", values="value")
            ax.fill_between(w.index, w["lo"], w["hi"], color=TREDE_COLORS[r - 1], alpha=0.25, linewidth=0)
            ax.plot(w.index, w["mean"], color=TREDE_COLORS[r - 1], label=f"trede {r}")
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_title(n, fontsize=10)
        ax.set_ylabel("people")
    axes[0].legend(fontsize=7, frameon=False, ncol=2)
    fig.suptitle(f"difference with {comparison.reference} in people per trede", fontsize=10)
    return fig


def period_differences(comparison: Comparison, kpis: Sequence[str] = ("uitstroom_werk", "uitval", "cost_eur"),
                       ncols: int = 3) -> Any:
    """Paired differences of per-period KPIs over time, one panel per KPI, one line (with the
    interval band) per scenario."""
    d = comparison.difference("kpi_period")
    kpis = [k for k in kpis if k in comparison.kpi_period_names]
    fig, axes = _grid(len(kpis), ncols)
    ps = np.asarray(comparison["period_start"])
    pe = np.asarray(comparison["period_end"])
    real = set(pe[pe > ps].tolist())
    for ax, k in zip(axes, kpis):
        for j, n in enumerate(comparison.names[1:]):
            w = d[(d.scenario == n) & (d.kpi == k)].pivot(index="time", columns="statistic", values="value")
            w = w[w.index.isin(real)]
            ax.fill_between(w.index, w["lo"], w["hi"], color=f"C{(j + 1) % 10}", alpha=0.2, linewidth=0)
            ax.plot(w.index, w["mean"], color=f"C{(j + 1) % 10}", marker="o", ms=3, label=n)
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_title(KPI_LABELS.get(k, k) + " per period", fontsize=10)
    axes[0].legend(fontsize=7, frameon=False)
    return fig


def compare_occupancy(comparison: Comparison, states: Sequence[str], ncols: int = 3) -> Any:
    """Occupancy of ``states`` in every scenario: median and 5-95 % band, one panel per state."""
    fig, axes = _grid(len(states), ncols)
    for ax, s in zip(axes, states):
        for j, r in enumerate(comparison.scenarios):
            if s not in r.states:
                continue
            x = np.asarray(r["replicates/occupancy"], dtype=float)[:, :, r.states.index(s)]
            q = np.nanquantile(x, [0.05, 0.5, 0.95], axis=0)
            ax.fill_between(r.time, q[0], q[2], color=f"C{j % 10}", alpha=0.15, linewidth=0)
            ax.plot(r.time, q[1], color=f"C{j % 10}", label=comparison.names[j])
        ax.set_title(s, fontsize=10)
        ax.set_ylim(bottom=0)
    axes[0].legend(fontsize=7, frameon=False)
    return fig
