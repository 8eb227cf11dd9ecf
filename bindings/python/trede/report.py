"""A self-contained HTML report of a result file (``trede run``) or a comparison file
(``trede compare``): headline KPIs, fan charts of occupancy, the participatieladder, waiting
lists and waiting times, flows between states, costs, and for comparisons the paired
differences with intervals. One HTML file, figures embedded as PNG, no scripts, no external
resources: it opens anywhere, also offline, and can be mailed as it is.

Command line::

    python3 -m trede.report results.h5 -o report.html [--title TEXT]
    trede report results.h5 -o report.html            # the same, from the trede program

From Python::

    trede.report.write_report("results.h5", "report.html")
    trede.report.write_report(trede.run(...), "report.html")
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ._errors import Error, IoError
from ._results import Comparison, Result, read

__all__ = ["write_report", "render", "main"]

PathLike = Union[str, "os.PathLike[str]"]

HEADLINE_KPIS = ("uitstroom_werk", "share_reached_work", "mean_time_to_first_work_years", "share_reached_trede_ge4",
                 "uitval", "herinstroom", "cost_total_eur", "cost_per_person_reaching_work_eur",
                 "mean_waiting_time_admitted_years", "persons")

CSS = """
:root { --ink: #1d2733; --muted: #5b6776; --line: #d9dee5; --card: #f5f7fa; --accent: #2a6f97; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0; background: #fff; }
header { background: #12344d; color: #fff; padding: 22px 32px 18px; }
header h1 { margin: 0 0 4px; font-size: 24px; font-weight: 600; }
header p { margin: 0; color: #c9d6e2; font-size: 13px; }
nav { padding: 8px 32px; border-bottom: 1px solid var(--line); font-size: 13px; background: #fafbfc; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
main { max-width: 1180px; padding: 8px 32px 40px; margin: 0 auto; }
h2 { font-size: 19px; margin: 34px 0 6px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 4px; }
p.note { color: var(--muted); margin: 4px 0 10px; font-size: 13.5px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(205px, 1fr)); gap: 12px; margin: 14px 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .label { font-size: 12.5px; color: var(--muted); }
.card .value { font-size: 24px; font-weight: 600; margin: 2px 0; }
.card .range { font-size: 12px; color: var(--muted); }
figure { margin: 14px 0 22px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
table { border-collapse: collapse; font-size: 13px; margin: 10px 0 18px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: var(--card); font-weight: 600; }
span.diff { font-size: 11.5px; color: var(--muted); }
.wide { overflow-x: auto; }
details { margin: 10px 0; } summary { cursor: pointer; color: var(--accent); }
pre { background: var(--card); border: 1px solid var(--line); padding: 10px; overflow: auto; font-size: 12px; }
footer { color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); margin-top: 36px; padding-top: 10px; }
"""


# ---- formatting -------------------------------------------------------------------------------

def _fmt(v: Any) -> str:
    """A number for people: 3 significant digits, thousands separated, n/a for NaN."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return html.escape(str(v))
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.3g} bn"
    if a >= 1e6:
        return f"{x / 1e6:.3g} M"
    if a >= 1e4:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:,.1f}"
    if a == 0:
        return "0"
    return f"{x:.3g}"


def _kpi_value(name: str, v: float) -> str:
    if name.startswith("share_") and np.isfinite(v):
        return f"{100 * v:.1f} %"
    if name.endswith("_eur") and np.isfinite(v):
        return "€ " + _fmt(v)
    return _fmt(v)


def _esc(s: Any) -> str:
    return html.escape(str(s))


class _Page:
    """Collects the sections and figures of one report."""

    def __init__(self, title: str, subtitle: str) -> None:
        self.title = title
        self.subtitle = subtitle
        self.parts: List[str] = []
        self.nav: List[Tuple[str, str]] = []
        self.figures = 0

    def section(self, anchor: str, heading: str, note: str = "") -> None:
        self.nav.append((anchor, heading))
        self.parts.append(f'<h2 id="{anchor}">{_esc(heading)}</h2>')
        if note:
            self.parts.append(f'<p class="note">{note}</p>')

    def html(self, text: str) -> None:
        self.parts.append(text)

    def figure(self, fig: Any, caption: str, alt: str) -> None:
        import matplotlib.pyplot as plt
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=96, metadata={"Software": None}, facecolor="white")
        plt.close(fig)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        self.figures += 1
        self.parts.append(f'<figure class="plot" id="figure-{self.figures}"><img alt="{_esc(alt)}" '
                          f'src="data:image/png;base64,{data}"><figcaption>Figure {self.figures}. {caption}</figcaption>'
                          "</figure>")

    def render(self, footer: str) -> str:
        nav = " ".join(f'<a href="#{a}">{_esc(h)}</a>' for a, h in self.nav)
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                '<link rel="icon" href="data:,">'
                f"<title>{_esc(self.title)}</title><style>{CSS}</style></head><body>"
                f"<header><h1>{_esc(self.title)}</h1><p>{self.subtitle}</p></header><nav>{nav}</nav><main>"
                + "\n".join(self.parts) + f"<footer>{footer}</footer></main></body></html>\n")


def _new_figure(width: float = 9.5, height: float = 3.8, ncols: int = 1) -> Tuple[Any, Any]:
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), layout="constrained", squeeze=False)
    return fig, list(axes.flat)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], raw: bool = False) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = []
    for r in rows:
        cells = []
        for c in r:
            cells.append(c if raw and c.startswith("<td") else f"<td>{c if raw else _esc(c)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _provenance(attrs: dict, path: Optional[Path]) -> str:
    items = [("file", str(path) if path else "(in memory)")]
    for k in ("trede_version", "git_commit", "created", "master_seed", "replicates", "scenario_hash", "command_line"):
        if k in attrs and attrs[k] != "":
            items.append((k, str(attrs[k])))
    return "; ".join(f"{_esc(k)}: <code>{_esc(v)}</code>" for k, v in items)


# ---- one ensemble -------------------------------------------------------------------------------

def _kpi_cards(r: Result) -> str:
    t = r.kpi_table()
    cards = []
    from .plot import KPI_LABELS
    for k in HEADLINE_KPIS:
        if k not in t.index:
            continue
        row = t.loc[k]
        if k == "mean_waiting_time_admitted_years" and not r.capacity_states:
            continue
        if k.startswith("cost") and not np.any(np.asarray(r["state_cost_eur_per_year"]) > 0) and row["mean"] == 0:
            continue
        cards.append(f'<div class="card"><div class="label">{_esc(KPI_LABELS.get(k, k))}</div>'
                     f'<div class="value">{_kpi_value(k, row["mean"])}</div>'
                     f'<div class="range">90 % of replicates: {_kpi_value(k, row["q05"])} – {_kpi_value(k, row["q95"])}'
                     "</div></div>")
    return '<div class="cards">' + "".join(cards) + "</div>"


def _kpi_full_table(r: Result) -> str:
    t = r.kpi_table()
    return _table(["KPI", "mean", "sd", "5 %", "median", "95 %"],
                  [[k, *(_fmt(t.loc[k, s]) for s in ("mean", "sd", "q05", "q50", "q95"))] for k in t.index])


def _result_sections(page: _Page, r: Result) -> None:
    from . import plot
    R = r.replicates
    page.section("kpis", "Headline KPIs",
                 f"Per replicate over the whole run, mean over {R} replicates; the range holds 90 % of the replicates.")
    page.html(_kpi_cards(r))

    page.section("ladder", "Participatieladder",
                 "People per trede (1 geïsoleerd … 6 betaald werk zonder ondersteuning), mean over replicates.")
    fig, (a, b) = _new_figure(11, 4, ncols=2)
    plot.ladder(r, ax=a)
    a.set_title("people per trede")
    a.get_legend().remove()
    plot.ladder(r, ax=b, share=True)
    b.set_title("share per trede")
    page.figure(fig, "The participatieladder over time: people (left) and shares (right) per trede, stacked.",
                "stacked trede distribution over time")

    page.section("occupancy", "Occupancy",
                 "Fan charts: the median over replicates (line) and the bands holding 50 %, 80 % and 90 % of them.")
    fig = plot.fan(r)
    page.figure(fig, "People in each state over time (states nobody ever occupies and exits are left out).",
                "fan charts of the occupancy of each state")

    page.section("waiting", "Waiting lists and waiting times")
    if r.capacity_states:
        fig, (a, b) = _new_figure(11, 4, ncols=2)
        plot.waiting(r, ax=a)
        a.set_title("waiting-list length")
        plot.waiting_times(r, ax=b)
        b.set_title("waiting time of those admitted, per period")
        page.figure(fig, "Left: people on each waiting list (fan chart). Right: mean years waited by those admitted "
                    "in each period (median over replicates and the 5–95 % band).", "waiting lists and waiting times")
        w = r.waiting_times()
        last = w[(w.statistic == "mean")]
        rows = []
        for c in r.capacity_states:
            d = last[last.state == c]
            tot = {q: d[d.quantity == q].value.sum() for q in ("joined", "admitted", "reneged", "left")}
            rows.append([c, *(_fmt(tot[q]) for q in ("joined", "admitted", "reneged", "left"))])
        page.html("<h3>Waiting lists over the run (mean per replicate)</h3>" +
                  _table(["capacity state", "joined", "admitted", "gave up", "left otherwise"], rows))
    else:
        page.html('<p class="note">This scenario has no capacity-limited states, so there are no waiting lists.</p>')

    page.section("flows", "Flows between states")
    fig, (a,) = _new_figure(10, 0.42 * (len(r.states) + 1) + 2.4)
    plot.flow_matrix(r, ax=a)
    page.figure(fig, "Mean moves per year from each state (rows; (inflow) = arrivals) to each state (columns), "
                "over the whole run.", "matrix of flows between states")
    fig, (a,) = _new_figure(9.5, 3.6)
    plot.flows_over_time(r, ax=a)
    page.figure(fig, "Uitstroom naar werk, uitval and herinstroom per period (median and 5–95 % band).",
                "key flows per period")

    if "trajectories/person" in r:
        page.section("trajectories", "Traced people")
        n = min(40, int(r["trajectories/people_per_replicate"][0]))
        fig, (a,) = _new_figure(10, 0.16 * n + 1.6)
        plot.trajectories(r, ax=a, people=n)
        page.figure(fig, f"Life courses of the first {n} traced people of the first replicate, coloured by the "
                    "trede of their state (blank after an exit or before arrival).", "life courses of traced people")

    page.section("costs", "Costs")
    costs = np.asarray(r["replicates/cost_cumulative_eur"], dtype=float)
    if np.any(costs != 0):
        fig, (a, b) = _new_figure(11.5, 4, ncols=2)
        plot.cost(r, ax=a)
        a.set_title("cumulative cost")
        plot.cost_by_state(r, ax=b)
        b.set_title("cost per period by state")
        page.figure(fig, "Left: cumulative cost (fan chart). Right: mean cost per period, by state "
                    "(person-years × cost per person-year) and organisation overhead.", "costs over time")
    else:
        page.html('<p class="note">The scenario sets no costs (every <code>cost_eur_per_year</code> is 0 and there '
                  "are no organisation costs).</p>")

    page.section("tables", "All KPIs")
    page.html(_kpi_full_table(r))
    page.html("<details><summary>Scenario file</summary><pre>" + _esc(r.scenario_text) + "</pre></details>")
    if r.attrs.get("scenario_overrides"):
        page.html("<details><summary>Overrides</summary><pre>" + _esc(r.attrs["scenario_overrides"]) + "</pre></details>")


# ---- a comparison -------------------------------------------------------------------------------

def _comparison_sections(page: _Page, c: Comparison) -> None:
    from . import plot
    level = int(round(c.confidence * 100))
    page.section("scenarios", "Scenarios",
                 f"{len(c.names)} scenarios, {c.replicates} replicates each, common random numbers (seed "
                 f"{c.seed}); differences are against the reference, <b>{_esc(c.reference)}</b>.")
    rows = []
    for name, r in zip(c.names, c.scenarios):
        models = sorted({m for m in (r["region_models"] if "region_models" in r else []) if m})
        rows.append([name, ", ".join(models) or "—", _fmt(r.kpi_table().loc["persons", "mean"])])
    page.html(_table(["scenario", "organisation model", "people (mean)"], rows))

    page.section("kpis", "Headline KPIs and paired differences",
                 f"Mean per replicate; below it, in brackets, the difference with {_esc(c.reference)}: the mean of the "
                 f"paired differences and its {level} % interval. ▲ / ▼: the interval lies wholly above / below zero.")
    d = c.difference("kpi")
    rows = []
    for k in HEADLINE_KPIS + ("handovers", "leaked"):
        if k not in c.kpi_names:
            continue
        cells = [f"<td>{_esc(k)}</td>", f"<td>{_kpi_value(k, c.scenarios[0].kpi_table().loc[k, 'mean'])}</td>"]
        for n, r in zip(c.names[1:], c.scenarios[1:]):
            w = d[(d.scenario == n) & (d.kpi == k)].set_index("statistic")["value"]
            mark = "▲ " if w["lo"] > 0 else "▼ " if w["hi"] < 0 else ""
            cells.append(f'<td>{_kpi_value(k, r.kpi_table().loc[k, "mean"])}<br><span class="diff">{mark}'
                         f'{_fmt(w["mean"])} [{_fmt(w["lo"])}, {_fmt(w["hi"])}]</span></td>')
        rows.append(cells)
    page.html('<div class="wide">' + _table(["KPI", *c.names], rows, raw=True) + "</div>")

    page.section("differences", "Paired differences with intervals")
    page.figure(plot.kpi_differences(c), f"KPI differences with {level} % intervals (filled: the interval excludes "
                "zero).", "KPI differences with intervals")
    page.figure(plot.trede_differences(c), f"Difference in people per trede over time, with {level} % bands.",
                "differences per trede over time")
    page.figure(plot.period_differences(c), f"Differences per period in uitstroom naar werk, uitval and cost, with "
                f"{level} % bands.", "differences per period")
    vr = c.variance_reduction()
    if len(vr):
        rows = []
        for n in c.names[1:]:
            v = vr[(vr.scenario == n)]["value"].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            rows.append([n, _fmt(np.median(v)) if v.size else "n/a", _fmt(v.min()) if v.size else "n/a",
                         _fmt(v.max()) if v.size else "n/a"])
        page.html("<h3>Variance reduction from common random numbers</h3><p class=\"note\">var(independent "
                  "differences) / var(paired differences) over the KPIs; above 1 means common random numbers "
                  "narrowed the intervals.</p>" + _table(["scenario", "median", "min", "max"], rows))

    page.section("ladder", "Participatieladder per scenario")
    n = len(c.scenarios)
    fig, axes = _new_figure(min(4.2 * n, 16), 3.6, ncols=n)
    for ax, name, r in zip(axes, c.names, c.scenarios):
        plot.ladder(r, ax=ax, share=True)
        ax.set_title(name, fontsize=10)
        if ax is not axes[-1]:
            ax.get_legend().remove()
    page.figure(fig, "Share of people per trede over time in each scenario (mean over replicates).",
                "stacked trede shares per scenario")

    ref = c.scenarios[0]
    work = [s for s, t in zip(ref.states, ref.trede) if t >= 5]
    key_states = [s for s in ["bijstand", *work, *ref.capacity_states] if s in ref.states]
    key_states = list(dict.fromkeys(key_states))[:9]
    page.section("occupancy", "Occupancy per scenario")
    page.figure(plot.compare_occupancy(c, key_states), "People in key states: median over replicates and the "
                "5–95 % band, one colour per scenario.", "occupancy of key states per scenario")

    page.section("waiting", "Waiting lists per scenario")
    if ref.capacity_states:
        fig, axes = _new_figure(min(4.6 * len(ref.capacity_states), 14), 3.6, ncols=len(ref.capacity_states))
        for ax, cs in zip(axes, ref.capacity_states):
            for j, r in enumerate(c.scenarios):
                if cs in r.capacity_states:
                    x = np.asarray(r["replicates/waiting"], dtype=float)[:, :, r.capacity_states.index(cs)]
                    q = np.nanquantile(x, [0.05, 0.5, 0.95], axis=0)
                    ax.fill_between(r.time, q[0], q[2], color=f"C{j % 10}", alpha=0.15, linewidth=0)
                    ax.plot(r.time, q[1], color=f"C{j % 10}", label=c.names[j])
            ax.set_title(f"waiting for {cs}", fontsize=10)
            ax.set_ylim(bottom=0)
        axes[0].legend(fontsize=7, frameon=False)
        page.figure(fig, "Waiting-list lengths per scenario (median and 5–95 % band).", "waiting lists per scenario")
    else:
        page.html('<p class="note">No capacity-limited states, so no waiting lists.</p>')

    page.section("costs", "Costs per scenario")
    if any(np.any(np.asarray(r["replicates/cost_cumulative_eur"]) != 0) for r in c.scenarios):
        fig, (ax,) = _new_figure(9.5, 3.8)
        for j, r in enumerate(c.scenarios):
            x = np.asarray(r["replicates/cost_cumulative_eur"], dtype=float) / 1e6
            q = np.nanquantile(x, [0.05, 0.5, 0.95], axis=0)
            ax.fill_between(r.time, q[0], q[2], color=f"C{j % 10}", alpha=0.15, linewidth=0)
            ax.plot(r.time, q[1], color=f"C{j % 10}", label=c.names[j])
        ax.set_ylabel("million €")
        ax.set_xlabel("year")
        ax.legend(fontsize=8, frameon=False)
        page.figure(fig, "Cumulative cost per scenario (median and 5–95 % band).", "cumulative cost per scenario")
    else:
        page.html('<p class="note">The scenarios set no costs.</p>')

    page.section("tables", "All KPIs")
    page.html(_table(["KPI", *c.names], [[k, *(_fmt(r.kpi_table().loc[k, "mean"]) for r in c.scenarios)]
                                         for k in c.kpi_names]))


# ---- entry points -------------------------------------------------------------------------------

def render(source: Union[Result, Comparison, PathLike], title: Optional[str] = None) -> str:
    """The report of ``source`` (a Result, a Comparison, or the path of a result file) as HTML text."""
    import matplotlib
    matplotlib.rcParams.update({"figure.dpi": 96, "axes.spines.top": False, "axes.spines.right": False})
    res = source if isinstance(source, (Result, Comparison)) else read(source)
    if not isinstance(res, (Result, Comparison)):
        raise Error(f"{getattr(res, 'path', source)}: the report covers result and comparison files, not "
                    f"{type(res).__name__.lower()} files")
    if isinstance(res, Comparison):
        default = "Comparison: " + ", ".join(res.names)
        subtitle = (f"{len(res.names)} scenarios with common random numbers, {res.replicates} replicates each, "
                    f"seed {res.seed}")
    else:
        default = f"{res.name}: Monte Carlo result"
        t = res.time
        subtitle = (f"{res.replicates} replicates, seed {res.seed}, {t[0]:g}–{t[-1]:g}, "
                    f"{len(res.states)} states")
    page = _Page(title or default, _esc(subtitle))
    if isinstance(res, Comparison):
        _comparison_sections(page, res)
    else:
        _result_sections(page, res)
    footer = ("Made by trede " + _esc(res.attrs.get("trede_version", "")) + " on "
              + time.strftime("%Y-%m-%d %H:%M", time.localtime()) + ". " + _provenance(res.attrs, res.path))
    return page.render(footer)


def write_report(source: Union[Result, Comparison, PathLike], output: PathLike, title: Optional[str] = None) -> Path:
    """Writes the HTML report of ``source`` to ``output`` (atomically: a temporary file renamed
    into place) and returns its path. Raises :class:`trede.IoError` when the result cannot be
    read or the report cannot be written."""
    text = render(source, title)
    out = Path(os.fspath(output))
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as e:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise IoError(f"{out}: cannot write the report ({e.strerror or e})", str(out)) from e
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python3 -m trede.report FILE [-o OUT] [--title T]``. Exit codes as the trede program:
    0 success, 2 bad input (a result file that cannot be read), 1 anything else."""
    import matplotlib
    matplotlib.use("Agg")
    ap = argparse.ArgumentParser(prog="trede report",
                                 description="Write a self-contained HTML report of a trede result or comparison file.")
    ap.add_argument("file", help="HDF5 file written by `trede run -o` or `trede compare -o`")
    ap.add_argument("-o", "--output", help="HTML file to write (default: FILE with the suffix .html)")
    ap.add_argument("--title", help="title of the page (default: from the scenario names)")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    args = ap.parse_args(argv)
    out = Path(args.output) if args.output else Path(args.file).with_suffix(".html")
    if out.exists() and Path(args.file).exists() and os.path.samefile(out, args.file):
        # The same file by identity (links and ./ spellings count): the report would replace its input.
        print(f"error: {'-o' if args.output else 'the default output (FILE with .html)'}: '{args.output or out}' is the same file as "
              f"FILE '{args.file}': an output may not replace an input; choose another file name", file=sys.stderr)
        return 2
    if out.is_dir():
        print(f"error: -o {out}: is a directory", file=sys.stderr)
        return 2
    if not out.resolve().parent.is_dir():
        print(f"error: -o {out}: directory '{out.parent}' does not exist", file=sys.stderr)
        return 2
    try:
        res = read(args.file)
        if not isinstance(res, (Result, Comparison)):
            raise Error(f"{args.file}: the report covers result and comparison files (trede run, trede compare), "
                        f"not {type(res).__name__.lower()} files")
    except Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        path = write_report(res, out, args.title)
    except Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
