"""A self-contained HTML report of a result file (``trede run``), a probabilistic sensitivity
analysis (``trede run --draws``) or a comparison file (``trede compare``), in English or Dutch.
One HTML file, figures embedded as PNG, no scripts, no external resources: it opens anywhere,
also offline, and can be mailed as it is. Every page says which sources of uncertainty its
intervals include.

A comparison opens with the answer: per scenario (organisation model) people reaching work,
moves into work, total public cost and people per trede at the horizon, each with its interval,
its difference with the reference, and which uncertainty the intervals include; then the
differences as figures, the ladder, occupancy, waiting lists, costs, every KPI and the
assumptions the results rest on. A single run shows its headline KPIs, the ladder, fan charts,
waiting lists, flows, costs, every KPI and its assumptions. A PSA shows the same over all its
runs and, after the headline KPIs, the variance split of the headline KPIs into parameter and
Monte Carlo parts, the uncertain parameters with their declared distributions and drawn values,
and which parameter drives the spread (first-order indices, docs/uncertainty.md).

Command line::

    python3 -m trede.report results.h5 -o report.html [--title TEXT] [--lang nl]
    trede report results.h5 -o report.html            # the same, from the trede program

From Python::

    trede.report.write_report("results.h5", "report.html", lang="nl")
    trede.report.write_report(trede.run(...), "report.html")
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import math
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ._answer import MAIN_QUANTITIES, answer, ce_points, cost_per_person, decision_attrs, reference_lambda
from ._assumptions import Assumptions, delay_mean, delay_text, read_assumptions, uncertain_rows
from . import _files
from ._errors import Error, IoError
from ._i18n import LANGUAGES, Language, kpi_kind
from ._results import Comparison, PsaResult, Result, _as_str_list, _block_names, read, variance_shown

__all__ = ["write_report", "render", "main", "LayoutError"]

PathLike = Union[str, "os.PathLike[str]"]

HEADLINE_KPIS = ("persons_reaching_work", "uitstroom_werk", "share_reached_work", "mean_time_to_first_work_years",
                 "share_reached_trede_ge4", "uitval", "herinstroom", "cost_total_eur",
                 "mean_waiting_time_admitted_years", "persons")

# Figures are drawn at this resolution and shown at 96 CSS pixels per inch: sharp on high-density
# screens, the same size everywhere.
DPI = 144

CSS = """
:root { --ink: #1d2733; --muted: #5b6776; --line: #d9dee5; --card: #f5f7fa; --accent: #2a6f97;
        --up: #1e7b34; --down: #b0302a; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0; background: #fff; }
header { background: #12344d; color: #fff; padding: 22px 32px 18px; }
header h1 { margin: 0 0 4px; font-size: 24px; font-weight: 600; overflow-wrap: anywhere; }
header p { margin: 0; color: #c9d6e2; font-size: 13px; }
nav { padding: 8px 32px; border-bottom: 1px solid var(--line); font-size: 13px; background: #fafbfc; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; white-space: nowrap; }
main { max-width: 1180px; padding: 8px 32px 40px; margin: 0 auto; }
h2 { font-size: 19px; margin: 34px 0 6px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 4px; }
p.note { color: var(--muted); margin: 4px 0 10px; font-size: 13.5px; }
p.uncertainty { background: #fff8e6; border-left: 4px solid #e0a800; padding: 6px 10px; font-size: 13.5px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(205px, 1fr)); gap: 12px; margin: 14px 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .label { font-size: 12.5px; color: var(--muted); }
.card .value { font-size: 24px; font-weight: 600; margin: 2px 0; }
.card .range { font-size: 12px; color: var(--muted); }
figure { margin: 14px 0 22px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
.wide { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 10px 0 18px; }
th, td { padding: 4px 9px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
td { white-space: nowrap; }
th { font-weight: 600; vertical-align: bottom; }
th:first-child, td:first-child { text-align: left; }
td.name { white-space: normal; max-width: 260px; }
thead th { background: var(--card); }
td small, td .sub { display: block; font-size: 11.5px; color: var(--muted); }
th small { display: block; font-size: 11px; font-weight: normal; color: var(--muted); }
td .diff { display: block; font-size: 11.5px; color: var(--ink); white-space: normal; }
td.text, th.text { text-align: left; }
.up { color: var(--up); } .down { color: var(--down); }
td code, td.name code { font-size: 11px; color: var(--muted); }
tr.reference td { background: #fbfcfd; }
table.answer td.value b { font-size: 14.5px; }
details { margin: 10px 0; } summary { cursor: pointer; color: var(--accent); }
pre { background: var(--card); border: 1px solid var(--line); padding: 10px; overflow: auto; font-size: 12px; }
footer { color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); margin-top: 36px; padding-top: 10px;
         overflow-wrap: anywhere; }
"""


class LayoutError(Error):
    """A figure of the report has labels that overlap or are cut off (``strict`` rendering)."""


# ---- HTML helpers -------------------------------------------------------------------------------

def _esc(s: Any) -> str:
    return html.escape(str(s))


def _nb(s: str) -> str:
    """Escaped text that does not wrap inside (a number with its unit, an interval)."""
    return _esc(s).replace(" ", "&nbsp;")


def _breakable(name: str) -> str:
    """An escaped name that may wrap after '-' and '_' (long scenario names in table headers)."""
    return re.sub(r"([-_])", r"\1<wbr>", _esc(name))


def _sentence(text: str) -> str:
    """``text`` with its first letter in upper case (a caption that starts with a KPI label)."""
    return text[:1].upper() + text[1:]


def _key(key: str) -> str:
    """A key path as code that may wrap after '.', '[', '>' and '_' (long keys in narrow columns)."""
    return "<code>" + re.sub(r"(\.|\[|&gt;|_)", r"\1<wbr>", _esc(key)) + "</code>"


class _Page:
    """Collects the sections and figures of one report."""

    def __init__(self, title: str, subtitle: str, L: Language) -> None:
        self.title = title
        self.subtitle = subtitle
        self.L = L
        self.parts: List[str] = []
        self.nav: List[Tuple[str, str]] = []
        self.figures = 0
        self.problems: List[str] = []

    def section(self, anchor: str, heading: str, note: str = "") -> None:
        self.nav.append((anchor, heading))
        self.parts.append(f'<h2 id="{anchor}">{_esc(heading)}</h2>')
        if note:
            self.parts.append(f'<p class="note">{note}</p>')

    def html(self, text: str) -> None:
        self.parts.append(text)

    def note(self, text: str) -> None:
        self.parts.append(f'<p class="note">{text}</p>')

    def figure(self, fig: Any, caption: str, alt: str) -> None:
        import matplotlib.pyplot as plt

        from .plot import finish
        self.figures += 1
        problems = finish(fig, self.L)
        self.problems += [f"figure {self.figures} ({alt}): {p}" for p in problems]
        w, h = fig.get_size_inches()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white")
        plt.close(fig)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        self.parts.append(f'<figure class="plot" id="figure-{self.figures}"><img alt="{_esc(alt)}" '
                          f'width="{round(w * 96)}" height="{round(h * 96)}" src="data:image/png;base64,{data}">'
                          f'<figcaption>{self.L.t("figure")} {self.figures}. {caption}</figcaption></figure>')

    def render(self, footer: str) -> str:
        nav = " ".join(f'<a href="#{a}">{_esc(h)}</a>' for a, h in self.nav)
        return (f'<!DOCTYPE html>\n<html lang="{self.L.lang}"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                '<link rel="icon" href="data:,">'
                f"<title>{_esc(self.title)}</title><style>{CSS}</style></head><body>"
                f"<header><h1>{_esc(self.title)}</h1><p>{self.subtitle}</p></header><nav>{nav}</nav><main>"
                + "\n".join(self.parts) + f"<footer>{footer}</footer></main></body></html>\n")


def _new_figure(width: float = 9.5, height: float = 3.8, ncols: int = 1) -> Tuple[Any, Any]:
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), layout="constrained", squeeze=False)
    return fig, list(axes.flat)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], raw: bool = False, cls: str = "",
           container: str = "", row_classes: Sequence[str] = (), text_cols: Sequence[int] = ()) -> str:
    """An HTML table in a container that scrolls sideways only when it cannot fit. ``raw``:
    header and cells are HTML already (cells may be whole ``<td ...>`` elements);
    ``row_classes``: a class for each row ("" for none); ``text_cols``: columns of text, aligned
    left (numbers align right)."""
    def th(j: int, h: str) -> str:
        return f'<th class="text">{h}</th>' if j in text_cols else f"<th>{h}</th>"
    head = "".join(th(j, h if raw else _esc(h)) for j, h in enumerate(header))
    body = []
    for i, r in enumerate(rows):
        cells = []
        for j, c in enumerate(r):
            td = '<td class="text">' if j in text_cols else "<td>"
            cells.append(c if raw and c.startswith("<td") else f"{td}{c if raw else _esc(c)}</td>")
        rc = row_classes[i] if i < len(row_classes) else ""
        body.append((f'<tr class="{rc}">' if rc else "<tr>") + "".join(cells) + "</tr>")
    cid = f' id="{container}"' if container else ""
    klass = f' class="{cls}"' if cls else ""
    return f'<div class="wide"{cid}><table{klass}><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _provenance(attrs: dict, path: Optional[Path], L: Language) -> str:
    items = [(L.t("file"), str(path) if path else L.t("in_memory"))]
    for k in ("trede_version", "git_commit", "created", "master_seed", "replicates", "draws", "replicates_per_draw",
              "design", "streams", "scenario_hash", "command_line"):
        if k in attrs and attrs[k] != "":
            items.append((k, str(attrs[k])))
    return "; ".join(f"{_esc(k)}: <code>{_esc(v)}</code>" for k, v in items)


def _kpi_name_cell(name: str, L: Language) -> str:
    return f'<td class="name">{_esc(L.kpi(name))}<small><code>{_esc(name)}</code></small></td>'


def _mark(lo: float, hi: float) -> str:
    if np.isfinite(lo) and lo > 0:
        return '<span class="up">▲</span> '
    if np.isfinite(hi) and hi < 0:
        return '<span class="down">▼</span> '
    return ""


def _diff_kind(kind: str) -> str:
    return "points" if kind == "share" else kind


def _difference_line(kind: str, mean: float, lo: float, hi: float, L: Language) -> str:
    """"▲ +625 [586, 665]", breaking (when it must) only between the difference and its interval."""
    m, iv = L.fmt.interval(_diff_kind(kind), mean, lo, hi, sign=True)
    return f'<span class="diff">{_mark(lo, hi)}{_nb(m)} {_nb(iv)}</span>'


# ---- one ensemble -------------------------------------------------------------------------------

def _has_costs(r: Result) -> bool:
    return bool(np.any(np.asarray(r["replicates/cost_cumulative_eur"], dtype=float) != 0))


def _headline(r: Result) -> List[str]:
    """The headline KPIs of a run that say something: no waiting times without places, no
    costs when the scenario sets none."""
    names = set(r.kpi_names)
    out = []
    for k in HEADLINE_KPIS:
        if k not in names or (k == "mean_waiting_time_admitted_years" and not r.capacity_states):
            continue
        if k.startswith("cost") and not _has_costs(r):
            continue
        out.append(k)
    return out


def _kpi_cards(r: Result, L: Language) -> str:
    t = r.kpi_table()
    label = "range_90_psa" if isinstance(r, PsaResult) else "range_90"
    cards = []
    for k in _headline(r):
        row = t.loc[k]
        kind = kpi_kind(k)
        cards.append(f'<div class="card"><div class="label">{_esc(L.kpi(k))}</div>'
                     f'<div class="value">{_esc(L.fmt.value(kind, row["mean"]))}</div>'
                     f'<div class="range">{_esc(L.t(label, range=L.fmt.range(kind, row["q05"], row["q95"])))}'
                     "</div></div>")
    return '<div class="cards">' + "".join(cards) + "</div>"


def _uncertainty_note(r: Result, L: Language) -> str:
    """Which sources of uncertainty the run's ranges and intervals include, as a marked paragraph."""
    if isinstance(r, PsaResult):
        text = L.t("uncertainty_psa", k=len(r.draws.columns), D=r.draw_count, R=r.replicates_per_draw, N=r.replicates)
    else:
        text = L.t("uncertainty_run", R=r.replicates)
    return f'<p class="uncertainty">{text}</p>'


def _kpi_full_table(r: Result, L: Language) -> str:
    t = r.kpi_table()
    rows = []
    for k in t.index:
        kind = kpi_kind(k)
        rows.append([_kpi_name_cell(k, L), *(f"<td>{_esc(L.fmt.value(kind, t.loc[k, s]))}</td>"
                                              for s in ("mean", "sd", "q05", "q50", "q95"))])
    return _table([L.t("kpi"), L.t("mean"), L.t("sd"), L.t("q05"), L.t("median"), L.t("q95")], rows, raw=True,
                  container="kpi-table")


def _result_sections(page: _Page, r: Result) -> None:
    from . import plot
    L = page.L
    psa = r if isinstance(r, PsaResult) else None
    if psa is not None:
        page.section("kpis", L.t("sec_kpis"), _esc(L.t("note_kpis_psa", N=r.replicates, D=psa.draw_count,
                                                         R=psa.replicates_per_draw)))
    else:
        page.section("kpis", L.t("sec_kpis"), _esc(L.t("note_kpis", R=r.replicates)))
    page.html(_kpi_cards(r, L))
    page.html(_uncertainty_note(r, L))
    if psa is not None:
        _psa_sections(page, psa, _headline(r))

    page.section("ladder", L.t("sec_ladder"), _esc(L.t("note_ladder")))
    fig, (a, b) = _new_figure(11, 4, ncols=2)
    plot.ladder(r, ax=a, lang=L, legend=False)
    a.set_title(L.t("people_per_trede"))
    plot.ladder(r, ax=b, share=True, lang=L)
    b.set_title(L.t("share_per_trede"))
    page.figure(fig, _esc(L.t("cap_ladder")), "stacked trede distribution over time")

    page.section("occupancy", L.t("sec_occupancy"), _esc(L.t("note_occupancy")))
    page.figure(plot.fan(r, lang=L), _esc(L.t("cap_occupancy")), "fan charts of the occupancy of each state")
    if r.groups:
        _by_group_tables(page, r)

    page.section("waiting", L.t("sec_waiting"))
    if r.capacity_states:
        fig, (a, b) = _new_figure(11, 4, ncols=2)
        plot.waiting(r, ax=a, lang=L)
        a.set_title(L.t("waiting_length"))
        plot.waiting_times(r, ax=b, lang=L)
        b.set_title(L.t("waiting_time_admitted"))
        page.figure(fig, _esc(L.t("cap_waiting")), "waiting lists and waiting times")
        w = r.waiting_times()
        w = w[w.statistic == "mean"]
        rows = []
        for c in r.capacity_states:
            d = w[w.state == c]
            tot = {q: d[d.quantity == q].value.sum() for q in ("joined", "admitted", "reneged", "left")}
            rows.append([c, *(L.fmt.value("count", tot[q]) for q in ("joined", "admitted", "reneged", "left"))])
        page.html(f"<h3>{_esc(L.t('waiting_over_run'))}</h3>" +
                  _table([L.t("capacity_state"), L.t("joined"), L.t("admitted"), L.t("gave_up"), L.t("left_otherwise")],
                         rows))
    else:
        page.note(_esc(L.t("no_capacity")))

    page.section("flows", L.t("sec_flows"))
    fig, (a,) = _new_figure(10, 0.36 * (len(r.states) + 1) + 2.6)
    plot.flow_matrix(r, ax=a, lang=L)
    page.figure(fig, _esc(L.t("cap_flow_matrix")), "matrix of flows between states")
    fig, (a,) = _new_figure(9.5, 3.6)
    plot.flows_over_time(r, ax=a, lang=L)
    page.figure(fig, _esc(L.t("cap_flows_time")), "key flows per year")

    if "trajectories/person" in r:
        page.section("trajectories", L.t("sec_trajectories"))
        n = min(40, int(r["trajectories/people_per_replicate"][0]))
        fig, (a,) = _new_figure(10, 0.16 * n + 1.6)
        plot.trajectories(r, ax=a, people=n, lang=L)
        page.figure(fig, _esc(L.t("cap_trajectories", n=n)), "life courses of traced people")

    page.section("costs", L.t("sec_costs"))
    if _has_costs(r):
        fig, (a, b) = _new_figure(11.5, 4, ncols=2)
        plot.cost(r, ax=a, lang=L)
        a.set_title(L.t("cumulative_cost"))
        plot.cost_by_state(r, ax=b, lang=L)
        b.set_title(L.t("cost_per_year_by_state"))
        page.figure(fig, _esc(L.t("cap_costs")), "costs over time")
    else:
        page.note(L.t("no_costs"))

    if psa is not None:
        page.section("tables", L.t("sec_tables"), _esc(L.t("note_all_kpis_psa", N=r.replicates, D=psa.draw_count,
                                                             R=psa.replicates_per_draw)))
    else:
        page.section("tables", L.t("sec_tables"))
    page.html(_kpi_full_table(r, L))

    page.section("assumptions", L.t("sec_assumptions"), L.t("note_assumptions_psa" if psa is not None else
                                                            "note_assumptions"))
    _assumption_tables(page, [r.name], [read_assumptions(r)], drawn=psa is not None, sample_shares=[_sample_share(r)])
    page.html(f"<details><summary>{_esc(L.t('scenario_file'))}</summary><pre>" + _esc(r.scenario_text) +
              "</pre></details>")


# ---- a probabilistic sensitivity analysis ---------------------------------------------------------

#: KPIs whose drivers the report shows (the answer's quantities).
DRIVER_KPIS = ("persons_reaching_work", "uitstroom_werk", "cost_total_eur")


def _psa_sections(page: _Page, p: PsaResult, headline: Sequence[str]) -> None:
    """The variance split, the uncertain parameters and what drives the spread."""
    from . import plot
    L = page.L
    f = L.fmt
    D, R = p.draw_count, p.replicates_per_draw

    page.section("variance", L.t("sec_variance_split"))
    v = p.variance()
    if v.empty:
        page.note(L.t("psa_no_split"))
    else:
        method = L.t("method_two_way" if p.common_streams else "method_one_way")
        page.note(L.t("note_variance_split", method=_esc(method), D=D, R=R))
        v = v.set_index("kpi")
        shown = [k for k in headline if k in v.index and np.isfinite(v.loc[k, "total"]) and v.loc[k, "total"] > 0]
        fig, (a,) = _new_figure(9.5, 0.34 * len(shown) + 1.4)
        plot.variance_split(p, shown, ax=a, lang=L)
        page.figure(fig, _esc(L.t("cap_variance_split")), "variance split into parameter and Monte Carlo parts")
        rows = []
        sv = variance_shown(v)  # as trede info shows it
        for k in shown:
            x, s = v.loc[k], sv.loc[k]
            kind = kpi_kind(k)
            m, iv = f.interval("share", float(s["parameter_share"]), float(s["share_lower"]), float(s["share_upper"]))
            rows.append([_kpi_name_cell(k, L), f"<td>{_esc(f.value(kind, x['mean']))}</td>",
                         *(f"<td>{_esc(f.value(kind, float(s[c])))}</td>" for c in ("sd", "sd_parameter", "sd_monte_carlo")),
                         f"<td>{_nb(m)} {_nb(iv)}</td>"])
        page.html(_table([L.t("kpi"), L.t("mean"), L.t("psa_sd_total"), L.t("psa_sd_parameter"), L.t("psa_sd_mc"),
                          L.t("psa_share")], rows, raw=True, container="variance-table"))
        if p.common_streams:
            page.note(_esc(L.t("psa_common_caveat", R=R)))

    page.section("parameters", L.t("sec_parameters"))
    design = L.t("design_lhs" if str(p.attrs.get("design")) == "lhs" else "design_sobol")
    page.note(L.t("note_parameters", D=D, design=_esc(design), seed=p.seed))
    page.figure(plot.parameter_draws(p, lang=L), _esc(L.t("cap_parameters")), "drawn values of each uncertain parameter")
    d = p.distributions
    draws = p.draws
    _drawn_parameters(page, draws[d["key"].tolist()].to_numpy(dtype=float), d["key"].tolist(), d["distribution"].tolist(),
                      d["block"].tolist(), _block_names(p), container="parameters-table")
    for block in dict.fromkeys(d["block"].tolist()):
        keys = d.loc[d["block"] == block, "key"].tolist()
        if len(keys) < 2:
            continue
        rho = draws[keys].corr(method="spearman").to_numpy()
        pairs = [(i, j) for i in range(len(keys)) for j in range(i + 1, len(keys))]
        if len(pairs) <= 6:  # up to four keys: every pair
            page.note(L.t("psa_correlation", keys=", ".join(f"<code>{_esc(k)}</code>" for k in keys),
                          rho=_esc(", ".join(f.fixed(rho[i, j], 2) for i, j in pairs))))
            continue
        # A large group (a calibration's): its range, and the pair most strongly tied (a key whose
        # draws do not vary has no rank correlation: left out).
        values = np.array([rho[i, j] for i, j in pairs])
        if not np.isfinite(values).any():
            continue
        i, j = pairs[int(np.nanargmax(np.abs(values)))]
        label = str(d.loc[d["block"] == block, "block_name"].iloc[0])
        name = _esc(label) if _is_group_name(label, keys) else f"<code>{_esc(keys[0])}</code> … <code>{_esc(keys[-1])}</code>"
        page.note(L.t("psa_correlation_many", name=name, k=len(keys),
                      lo=_esc(f.fixed(float(np.nanmin(values)), 2)), hi=_esc(f.fixed(float(np.nanmax(values)), 2)),
                      a=f"<code>{_esc(keys[i])}</code>", b=f"<code>{_esc(keys[j])}</code>", rho=_esc(f.fixed(rho[i, j], 2))))

    page.section("drivers", L.t("sec_drivers"), _esc(L.t("note_drivers", D=D)))
    kpis = [k for k in DRIVER_KPIS if k in headline]
    indices = p.first_order(kpis)
    page.figure(plot.first_order(p, kpis, lang=L, indices=indices),
                _esc(L.t("cap_first_order", kpis=", ".join(L.kpi(k) for k in kpis))),
                "first-order index of each uncertain parameter")
    page.figure(plot.driver_scatter(p, kpis[0], lang=L), _esc(_sentence(L.t("cap_driver_scatter", kpi=L.kpi(kpis[0])))),
                "each KPI per draw against each parameter")
    rows = []
    for key in draws.columns:
        cells = [f'<td class="name">{_key(key)}</td>']
        for k in kpis:
            w = indices[(indices.kpi == k) & (indices.key == key)].iloc[0]
            text = (f"{f.fixed(w['index'], 2)} ± {f.fixed(2 * w['se'], 2)}" if np.isfinite(w["index"])
                    else L.t("none"))
            cells.append(f"<td>{_nb(text)}</td>")
        rows.append(cells)
    page.html(_table([L.t("psa_key"), *(f"{_esc(L.kpi(k))}<small>{_esc(L.t('psa_index_table'))}</small>"
                                        for k in kpis)], rows, raw=True, container="drivers-table"))


# ---- assumptions --------------------------------------------------------------------------------

def _sample_share(r: Result) -> float:
    """The share of the population a run simulated (file attribute ``sample_share``; 1 when absent)."""
    try:
        return float(r.attrs.get("sample_share", 1.0))
    except (TypeError, ValueError):
        return 1.0


def _is_group_name(label: str, keys: Any) -> bool:
    """Whether a block's label (``/draws/block_names``) is its group's name, not its key or its
    keys joined by ", " (``keys``: the drawn keys)."""
    return not all(k in keys for k in label.split(", "))


def _drawn_parameters(page: _Page, values: np.ndarray, keys: Sequence[str], distributions: Sequence[str],
                      blocks: Sequence[Any], block_names: Sequence[str], container: str) -> None:
    """The table of drawn parameters: key, declared distribution, the keys drawn with it (a named
    group by its name and size), the mean and 5–95 % range of its draws (``values`` [D, keys])."""
    L = page.L
    f = L.fmt
    rows = []
    for i, (key, text, block) in enumerate(zip(keys, distributions, blocks)):
        x = values[:, i]
        members = [k for k, b in zip(keys, blocks) if b == block]
        partners = [k for k in members if k != key]
        if _is_group_name(block_names[block], keys):
            drawn_with = f"{_esc(block_names[block])} ({_esc(L.t('psa_group_size', n=len(members)))})"
        else:
            drawn_with = ", ".join(_key(k) for k in partners) or _esc(L.t("psa_alone"))
        q05, q95 = np.quantile(x, [0.05, 0.95])
        rows.append([f'<td class="name">{_key(key)}</td>', f'<td class="text"><code>{_esc(text)}</code></td>',
                     f'<td class="name text">{drawn_with}</td>',
                     f"<td>{_esc(f.plain(np.mean(x)))}</td>", f"<td>{_nb(f.plain(q05) + ' – ' + f.plain(q95))}</td>"])
    page.html(_table([L.t("psa_key"), L.t("psa_distribution"), L.t("psa_drawn_with"), L.t("psa_drawn_mean"),
                      L.t("psa_drawn_range")], rows, raw=True, container=container, text_cols=(1, 2)))


def _assumption_tables(page: _Page, names: Sequence[str], items: Sequence[Assumptions], drawn: bool = False,
                       sample_shares: Sequence[float] = (), drawn_note: str = "") -> None:
    """Tables of the organisation model, region share and simulated share of the population
    (``sample_share``) per region, the handover rules, organisation costs, uncertain parameters
    and overrides of every scenario; rules and costs once when every scenario has the same.
    ``drawn``: the uncertain parameters were drawn (a PSA), ``drawn_note`` says how (HTML)."""
    L = page.L
    f = L.fmt
    for name, a in zip(names, items):
        if a.error:
            page.note(_esc(f"{name}: ") + _esc(L.t("asm_unreadable", error=a.error)))
    page.html(f"<h3>{_esc(L.t('asm_models'))}</h3>")
    rows = []
    scaled = False
    samples = list(sample_shares) + [1.0] * (len(names) - len(sample_shares))
    for name, a, sample in zip(names, items, samples):
        scaled |= bool(np.isfinite(sample) and sample < 1)
        for region, model, share in a.regions:
            scaled |= bool(np.isfinite(share) and share < 1)
            rows.append([f'<td class="name">{_breakable(name)}</td>', f'<td class="text">{_esc(region)}</td>',
                         f'<td class="text">{_esc(model or L.t("none"))}</td>', f"<td>{_esc(f.value('share', share))}</td>",
                         f"<td>{_esc(f.value('share', sample))}</td>"])
    page.html(_table([L.t("scenario"), L.t("asm_region"), L.t("organisation_model"), L.t("asm_share"), L.t("asm_sample")],
                     rows, raw=True, container="assumptions-models", text_cols=(1, 2)))
    page.note(L.t("asm_sample_note"))
    if scaled:
        page.note(_esc(L.t("asm_share_note")))

    def grouped(getter: Any) -> List[Tuple[List[str], Any]]:
        """[(scenario names, value)] with scenarios of equal value together."""
        groups: List[Tuple[List[str], Any]] = []
        for name, a in zip(names, items):
            v = getter(a)
            for g in groups:
                if repr(g[1]) == repr(v):
                    g[0].append(name)
                    break
            else:
                groups.append(([name], v))
        return groups

    with_orgs = [(n, a) for n, a in zip(names, items) if any(m for _, m, _ in a.regions)]
    if with_orgs:
        page.html(f"<h3>{_esc(L.t('asm_handover'))}</h3>")
        page.note(_esc(L.t("asm_handover_note")))
        for group, rules in grouped(lambda a: a.handovers):
            if not any(n in dict(with_orgs) for n in group):
                continue
            if len(names) > 1:
                page.html(f"<p class=\"note\"><b>{_esc(', '.join(group))}</b></p>")
            if not rules:
                page.note(_esc(L.t("asm_no_handover")))
                continue
            rows = []
            for h in rules:
                delay = h.get("delay", 0)
                mean = delay_mean(delay)
                text = delay_text(delay, f.plain)
                if isinstance(delay, dict) and np.isfinite(mean):
                    text += "; " + L.t("asm_mean", mean=f.plain(mean))
                leak = float(h.get("leakage", 0.0))
                rows.append([h.get("from", "*"), h.get("to", "*"), text, f.value("share", leak),
                             h.get("leak_to", "") or L.t("none")])
            page.html(_table([L.t("asm_from_org"), L.t("asm_to_org"), L.t("asm_delay"), L.t("asm_leakage"),
                              L.t("asm_leak_to")], rows, text_cols=(0, 1, 2, 4)))
        page.html(f"<h3>{_esc(L.t('asm_costs'))}</h3>")
        for group, costs in grouped(lambda a: sorted(a.organisation_costs.items())):
            if len(names) > 1:
                page.html(f"<p class=\"note\"><b>{_esc(', '.join(group))}</b></p>")
            if not costs:
                page.note(_esc(L.t("asm_none")))
                continue
            rows = [[org, f.value("eur", c.get("fixed_eur_per_year", 0.0)), f.value("eur", c.get("eur_per_person_year", 0.0))]
                    for org, c in costs]
            page.html(_table([L.t("asm_org"), L.t("asm_fixed"), L.t("asm_per_py")], rows))
    for group, u in grouped(lambda a: a.uncertain):
        if not u:
            continue
        page.html(f"<h3>{_esc(L.t('asm_uncertain'))}</h3>")
        page.note(drawn_note or L.t("asm_uncertain_drawn" if drawn else "asm_uncertain_not_drawn"))
        if len(names) > 1:
            page.html(f"<p class=\"note\"><b>{_esc(', '.join(group))}</b></p>")
        rows = []
        for kind, keys, text in uncertain_rows(u, f.plain):
            if kind == "correlated":
                keys = L.t("asm_correlated", keys=keys)
            elif kind == "multivariate_normal":
                keys = L.t("asm_mvn", scale=text.split(" ", 1)[0], keys=keys)
                text = text.split(", ", 1)[1] if ", " in text else text
            rows.append([keys, text])
        page.html(_table([L.t("asm_key"), L.t("asm_distribution")], rows, text_cols=(0, 1)))
    overrides = [(n, a.overrides) for n, a in zip(names, items) if a.overrides]
    if overrides:
        page.html(f"<h3>{_esc(L.t('asm_overrides'))}</h3>")
        for group, lines in grouped(lambda a: a.overrides):
            if not lines:
                continue
            label = (", ".join(group) + ": ") if len(names) > 1 else ""
            page.html(f"<p class=\"note\">{_esc(label)}<code>{'</code>, <code>'.join(_esc(x) for x in lines)}</code></p>")


def _by_group_tables(page: "_Page", r: Result) -> None:
    """Occupancy by person attribute at the last report time ([report.by]): one table per
    breakdown, a row per state that holds anyone, a column per group (mean, share of the row)."""
    L = page.L
    occ = r.by_group("occupancy")
    last = float(np.asarray(r.time)[-1])
    occ = occ[(occ.statistic == "mean") & np.isclose(occ.time, last)]
    breakdowns: Dict[str, List[str]] = {}
    for g in r.groups:  # "age < 27", "age 27-45", "doelgroep = beschut": the attribute is the first word
        breakdowns.setdefault(g.split(" ", 1)[0], []).append(g)
    for attr, groups in breakdowns.items():
        rows = []
        for state in r.states:
            d = occ[occ.state == state].set_index("group")["value"]
            total = float(sum(d.get(g, 0.0) for g in groups))
            if total <= 0:
                continue
            rows.append([state, *(f"{L.fmt.value('count', d.get(g, 0.0))} ({L.fmt.value('share', d.get(g, 0.0) / total)})"
                                  for g in groups)])
        page.html(f"<h3>{_esc(L.t('by_group_at', attr=attr, year=f'{last:.0f}'))}</h3>" +
                  _table([L.t("state"), *groups], rows, text_cols=(0,)))
    page.note(_esc(L.t("note_by_group")))


# ---- a comparison -------------------------------------------------------------------------------

_SOURCE_NL = ((r"(\d+) draws x (\d+) replicates", r"\1 trekkingen x \2 replicaties"),
              (r"interval of the mean over (\d+) runs: (\d+) draws", r"interval van het gemiddelde over \1 runs: \2 trekkingen"),
              (r"(\d+) replicates", r"\1 replicaties"), (r"\bparameter\b", "parameters"))


def _source_words(source: str, L: Language) -> str:
    """A source of uncertainty as the file states it (English) in the page's language."""
    if L.lang != "nl":
        return source
    for pattern, repl in _SOURCE_NL:
        source = re.sub(pattern, repl, source)
    return source


def _answer_section(page: _Page, c: Comparison, short: List[str]) -> None:
    L = page.L
    f = L.fmt
    level = int(round(c.confidence * 100))
    t = c.time
    a = answer(c)
    ref = short[0]
    if "draws" in c.attrs:
        D = int(c.attrs["draws"])
        page.section("answer", L.t("sec_answer"),
                     L.t("note_answer_psa", start=f"{t[0]:.0f}", end=f"{t[-1]:.0f}", D=D,
                         r=int(c.attrs.get("replicates_per_draw", max(1, c.replicates // max(D, 1)))), level=level,
                         ref=_esc(ref)))
    else:
        page.section("answer", L.t("sec_answer"),
                     L.t("note_answer", start=f"{t[0]:.0f}", end=f"{t[-1]:.0f}", R=c.replicates, level=level,
                         ref=_esc(ref)))

    def cell(name: str, quantity: str, bold: bool = True) -> str:
        row = a[(a.scenario == name) & (a.quantity == quantity)]
        if row.empty:
            return "<td></td>"
        x = row.iloc[0]
        if not np.isfinite(x["mean"]):  # e.g. an incremental ratio of the reference with itself
            return f'<td class="value">{_esc(L.t("none"))}</td>'
        m, iv = f.interval(x["kind"], x["mean"], x["lo"], x["hi"])
        text = f"<b>{_nb(m)}</b>" if bold else _nb(m)
        out = f'<td class="value">{text}<small>{_nb(iv)}</small>'
        if np.isfinite(x["difference"]):
            out += _difference_line(x["kind"], x["difference"], x["difference_lo"], x["difference_hi"], L)
        return out + "</td>"

    decision = list(dict.fromkeys(a[~a.quantity.isin(MAIN_QUANTITIES)].quantity))
    labels = {"incremental_cost_per_person_reaching_work_eur": L.t("incremental_cost_per_person"),
              "incremental_cost_per_person_year_in_work_eur": L.t("dec_ratio_year"),
              "person_years_in_work": L.t("dec_effect_years"),
              "probability_best": L.t("probability_best")}
    models = [a[a.scenario == name].iloc[0]["organisation_model"] for name in c.names]
    show_models = models != list(short)  # a column that repeats the scenario names says nothing
    header = [L.t("scenario"), *([L.t("organisation_model")] if show_models else []), L.t("people_reaching_work"),
              L.t("moves_into_work"), L.t("total_public_cost")]
    for q in decision:
        lab = a[a.quantity == q].iloc[0]["label"]
        header.append(labels.get(q, lab))
    rows = []
    for name, s, model in zip(c.names, short, models):
        tag = f'<small>{_esc(L.t("reference"))}</small>' if name == c.reference else ""
        rows.append([f'<td class="name"><b>{_breakable(s)}</b>{tag}</td>',
                     *([f'<td class="text">{_esc(model or L.t("none"))}</td>'] if show_models else []),
                     cell(name, "persons_reaching_work"), cell(name, "uitstroom_werk"), cell(name, "cost_total_eur"),
                     *(cell(name, q) for q in decision)])
    page.html(_table([_esc(h) for h in header], rows, raw=True, cls="answer", container="answer-table",
                     row_classes=["reference"], text_cols=(1,) if show_models else ()))
    page.note(f"<b>{_esc(L.t('people_reaching_work'))}</b>: {_esc(L.t('people_reaching_work_note'))}. "
              f"<b>{_esc(L.t('moves_into_work'))}</b>: {_esc(L.t('moves_into_work_note'))}.")
    sources = sorted(set(a.uncertainty))
    mc_only = all(s.startswith("Monte Carlo (") for s in sources)
    if mc_only:
        page.html(f'<p class="uncertainty">{L.t("uncertainty_mc", R=c.replicates)}</p>')
    else:
        page.html(f'<p class="uncertainty">'
                  f'{L.t("uncertainty_from_file", sources=_esc("; ".join(_source_words(x, L) for x in sources)))}</p>')

    year = f"{t[-1]:.0f}"
    page.html(f"<h3>{_esc(L.t('people_per_trede_at', year=year))}</h3>")
    page.note(_esc(L.t("note_trede_at", ref=ref, level=level)))
    rows = []
    for name, s in zip(c.names, short):
        rows.append([f'<td class="name">{_breakable(s)}</td>',
                     *(cell(name, f"trede_{r}_at_horizon", bold=False) for r in range(1, 7))])
    page.html(_table([L.t("scenario"), *(_esc(L.trede(r, long=True)) for r in range(1, 7))], rows, raw=True,
                     container="trede-table"))


def _fieller_text(row: Any, L: Language) -> str:
    """Fieller's confidence set of an incremental ratio in words: "[lo, hi]", or why it is not an
    interval."""
    kind = str(row.get("fieller_kind", "unbounded"))
    lo, hi = float(row.get("fieller_lower", math.nan)), float(row.get("fieller_upper", math.nan))
    if kind == "bounded":
        return L.fmt.interval("eur", float(row["ratio"]), lo, hi)[1] if np.isfinite(row["ratio"]) else \
            "[" + L.fmt.value("eur", lo) + L.fmt.words["sep"] + L.fmt.value("eur", hi) + "]"
    if kind == "exclusive":
        return L.t("fieller_exclusive", lo=L.fmt.value("eur", lo), hi=L.fmt.value("eur", hi))
    return L.t("fieller_unbounded")


def _decision_sections(page: _Page, c: Comparison, short: List[str]) -> None:
    """After the answer: the cost-effectiveness plane, the acceptability curves with the
    frontier and the EVPI, the extra cost per extra person in work with its Fieller interval,
    and (PSA comparisons) what drives the answer: first-order indices and EVPPI per group of
    uncertain parameters."""
    from . import plot
    L = page.L
    f = L.fmt
    ref = short[0]
    at = decision_attrs(c)
    if not at:
        page.section("decision", L.t("sec_decision"))
        page.note(_esc(L.t("dec_missing")))
        return
    psa = "draws" in c.attrs
    units = int(at.get("units", c.replicates))
    level = int(round(float(at.get("confidence", c.confidence)) * 100))
    years = str(at.get("effect", "")) == "person_years_in_work"
    per = L.t("dec_per_year" if years else "dec_per_person")
    i_ref, lam_ref = reference_lambda(c)
    wtp = f.value("eur", float(at.get("lambda_reference", lam_ref)))
    unit = L.t("dec_unit_draw" if psa else "dec_unit_replicate")
    page.section("decision", L.t("sec_decision"),
                 L.t("note_decision", ref=_esc(ref), draws=L.t("dec_common_draws") if psa else "", unit=_esc(unit),
                     U=units, uncertainty=_esc(_source_words(str(at.get("uncertainty", c.uncertainty)), L))))
    fig, (a,) = _new_figure(10.0, 4.6)
    plot.ce_plane(c, ax=a, lang=L, points=ce_points(c))
    page.figure(fig, _esc(L.t("cap_ce_plane", unit=unit, ref=ref, wtp=wtp, per=per)), "cost-effectiveness plane")
    page.figure(plot.acceptability(c, lang=L), _esc(L.t("cap_acceptability", per=per, U=units, wtp=wtp)),
                "acceptability curves and EVPI")
    evpi = float(np.asarray(c["decision/acceptability/evpi"], dtype=float)[i_ref])
    se = float(np.asarray(c["decision/acceptability/evpi_se"], dtype=float)[i_ref]) \
        if "decision/acceptability/evpi_se" in c.keys() else math.nan
    page.note(L.t("dec_evpi_at", wtp=_nb(f.value("eur", lam_ref)), per=_esc(per), evpi=_nb(f.value("eur", evpi)),
                  se=_nb(f.value("eur", se))))

    page.html(f"<h3>{_esc(L.t('dec_icer_heading'))}</h3>")
    page.note(_esc(L.t("note_icer", level=level)))
    person, year = cost_per_person(c, "person"), cost_per_person(c, "person_year")
    rows = []
    for j, s in enumerate(short[1:]):
        cells = [f'<td class="name">{_breakable(s)}</td>']
        for t, kind in ((person, "count"), (year, "count")):
            if j >= len(t):
                cells += ["<td></td>"] * 3
                continue
            x = t.iloc[j]
            if t is person:
                cells.append(f"<td>{_nb(f.value('count', x['delta_effect'], sign=True))}</td>")
                cells.append(f"<td>{_nb(f.value('eur', x['delta_cost'], sign=True))}</td>")
            else:
                cells.append(f"<td>{_nb(f.value('count', x['delta_effect'], sign=True))}</td>")
            boot = ""
            if str(x.get("bootstrap_kind", "")) == "bounded":
                boot = (f'<small>{_esc(L.t("dec_bootstrap"))} '
                        f'{_nb(f.interval("eur", float(x["ratio"]), x["bootstrap_lower"], x["bootstrap_upper"])[1])}'
                        "</small>")
            fieller = _fieller_text(x, L)
            fieller_html = _nb(fieller) if str(x.get("fieller_kind")) == "bounded" else \
                f'<span class="diff">{_esc(fieller)}</span>'
            cells.append(f'<td class="value"><b>{_nb(f.value("eur", x["ratio"]))}</b><small>{fieller_html}</small>'
                         f"{boot}</td>")
        rows.append(cells)
    header = [L.t("scenario"), L.t("dec_extra_people"), L.t("dec_extra_cost_h"),
              L.t("dec_ratio_person") + f"<small>{_esc(L.t('dec_fieller', level=level))}</small>",
              L.t("dec_extra_years"),
              L.t("dec_ratio_year") + f"<small>{_esc(L.t('dec_fieller', level=level))}</small>"]
    header = [_esc(h) if "<small>" not in h else _esc(h.split("<small>")[0]) + "<small>" + h.split("<small>")[1]
              for h in header]
    page.html(_table(header, rows, raw=True, container="icer-table"))
    notes = _as_str_list(c["decision/notes"]) if "decision/notes" in c.keys() else []

    keys = set(c.keys())
    if not psa:
        page.note(L.t("dec_plain_drivers"))
    elif "decision/sensitivity/effect" in keys or "decision/evppi/value" in keys:
        D = int(c.attrs.get("draws", units))
        page.section("drivers", L.t("sec_dec_drivers"),
                     _esc(L.t("note_dec_drivers", D=D, wtp=f.value("eur", lam_ref), per=per)))
        estimated = any(np.isfinite(np.asarray(c[k], dtype=float)).any() for k in
                        ("decision/sensitivity/effect", "decision/sensitivity/cost", "decision/evppi/value") if k in keys)
        if estimated:  # else the table below says "not estimated" and the notes say why
            page.figure(plot.decision_drivers(c, lang=L), _esc(L.t("cap_dec_drivers", ref=ref,
                                                                   wtp=f.value("eur", lam_ref))),
                        "first-order indices and EVPPI of each group of uncertain parameters")
        _drivers_table(page, c, short, lam_ref, i_ref, evpi)
    if notes:
        page.note(_esc(L.t("dec_notes", notes="; ".join(notes))))


def _drivers_table(page: _Page, c: Comparison, short: List[str], lam_ref: float, i_ref: int, evpi: float) -> None:
    """Per group of uncertain parameters: the range over the options of its first-order index
    for the effect and the cost difference, and its EVPPI at the reference willingness to pay."""
    L = page.L
    f = L.fmt
    keys = set(c.keys())
    groups = _as_str_list(c["decision/sensitivity/groups"] if "decision/sensitivity/groups" in keys
                          else c["decision/evppi/groups"])
    effect = L.t("dec_effect_years") if str(decision_attrs(c).get("effect")) == "person_years_in_work" \
        else L.t("people_reaching_work")

    def index_range(name: str, g: int) -> str:
        if f"decision/sensitivity/{name}" not in keys:
            return L.t("dec_not_estimated")
        v = np.asarray(c[f"decision/sensitivity/{name}"], dtype=float)[:, g]
        v = v[np.isfinite(v)]
        if not v.size:
            return L.t("dec_not_estimated")
        lo, hi = f.fixed(float(v.min()), 2), f.fixed(float(v.max()), 2)
        return lo if lo == hi else f"{lo} – {hi}"
    ev_groups = _as_str_list(c["decision/evppi/groups"]) if "decision/evppi/groups" in keys else []
    ev = np.asarray(c["decision/evppi/value"], dtype=float)[:, i_ref] if ev_groups else np.array([])
    drawn = set(_as_str_list(c["draws/keys"])) if "draws/keys" in keys else set()
    rows = []
    for g, name in enumerate(groups):
        v = float(ev[ev_groups.index(name)]) if name in ev_groups else math.nan  # labels are unique (one per block)
        share = v / evpi if np.isfinite(v) and evpi > 0 else math.nan
        # A block is labelled by its group's name (as text) or its keys (as key paths).
        label = _esc(name) if _is_group_name(name, drawn) else ", ".join(_key(k) for k in name.split(", "))
        rows.append([f'<td class="name">{label}</td>',
                     f"<td>{_nb(index_range('effect', g))}</td>", f"<td>{_nb(index_range('cost', g))}</td>",
                     f"<td>{_nb(f.value('eur', v) if np.isfinite(v) else L.t('dec_not_estimated'))}</td>",
                     f"<td>{_nb(f.value('share', share) if np.isfinite(share) else L.t('none'))}</td>"])
    page.html(_table([_esc(L.t("dec_group")),
                      _esc(L.t("dec_index_range", what=L.t("dec_diff_effect", effect=effect))),
                      _esc(L.t("dec_index_range", what=L.t("dec_diff_cost"))),
                      _esc(L.t("dec_evppi_col", wtp=f.value("eur", lam_ref))), _esc(L.t("dec_evppi_share"))],
                     rows, raw=True, container="decision-drivers-table"))


def _comparison_sections(page: _Page, c: Comparison) -> None:
    from . import plot
    L = page.L
    f = L.fmt
    level = int(round(c.confidence * 100))
    short, prefix = plot.short_names(c.names)
    ref = short[0]
    _answer_section(page, c, short)
    if prefix:
        page.note(L.t("common_prefix", prefix=_esc(prefix)))
    _decision_sections(page, c, short)

    page.section("differences", L.t("sec_differences"))
    page.figure(plot.kpi_differences(c, lang=L), _esc(L.t("cap_kpi_differences", ref=ref, level=level)),
                "KPI differences with intervals")
    page.figure(plot.cumulative_differences(c, lang=L), _esc(L.t("cap_cumulative_differences", ref=ref, level=level)),
                "cumulative differences over time")

    page.section("ladder", L.t("sec_ladder_cmp"))
    fig, (a,) = _new_figure(9.0, 3.6)
    plot.ladder(c.scenarios[0], ax=a, lang=L)
    page.figure(fig, _esc(L.t("cap_ladder_reference", ref=ref)), "stacked trede distribution of the reference")
    page.figure(plot.trede_differences(c, lang=L), _esc(L.t("cap_trede_differences", ref=ref, level=level)),
                "differences per trede over time")

    reference = c.scenarios[0]
    work = [s for s, t in zip(reference.states, reference.trede) if t >= 5]
    key_states = [s for s in ["bijstand", *work, *reference.capacity_states] if s in reference.states]
    key_states = list(dict.fromkeys(key_states))[:12]
    shown, same = plot.differing_states(c, key_states)
    page.section("occupancy", L.t("sec_occupancy_cmp"))
    if shown:
        page.figure(plot.compare_occupancy(c, shown[:9], lang=L), _esc(L.t("cap_occupancy_cmp")),
                    "occupancy of key states per scenario")
    if same:
        page.note(_esc(L.t("same_everywhere", states=", ".join(same))))

    page.section("waiting", L.t("sec_waiting_cmp"))
    lists = reference.capacity_states
    if lists:
        active = [s for s in lists if any(
            s in r.capacity_states and np.nanmax(np.asarray(r["replicates/waiting"], dtype=float)[:, :, r.capacity_states.index(s)]) > 0
            for r in c.scenarios)]
        if active:
            page.figure(plot.compare_waiting(c, active, lang=L), _esc(L.t("cap_waiting_cmp")), "waiting lists per scenario")
        empty = [s for s in lists if s not in active]
        if empty:
            page.note(_esc(L.t("empty_waiting", states=", ".join(empty))))
    else:
        page.note(_esc(L.t("no_capacity_cmp")))

    page.section("costs", L.t("sec_costs_cmp"))
    if any(_has_costs(r) for r in c.scenarios):
        page.figure(plot.compare_cost(c, lang=L), _esc(L.t("cap_costs_cmp", ref=ref, level=level)),
                    "cumulative cost and its differences")
    else:
        page.note(_esc(L.t("no_costs_cmp")))

    page.section("tables", L.t("sec_tables"), _esc(L.t("note_all_kpis", ref=ref, level=level)))
    d = c.difference("kpi").pivot_table(index=["scenario", "kpi"], columns="statistic", values="value", dropna=False)
    tables = [r.kpi_table() for r in c.scenarios]
    rows = []
    for k in c.kpi_names:
        kind = kpi_kind(k)
        cells = [_kpi_name_cell(k, L), f"<td>{_esc(f.value(kind, tables[0].loc[k, 'mean']))}</td>"]
        for n, t in zip(c.names[1:], tables[1:]):
            w = d.loc[(n, k)]
            cells.append(f"<td>{_esc(f.value(kind, t.loc[k, 'mean']))}"
                         f"{_difference_line(kind, w['mean'], w['lo'], w['hi'], L)}</td>")
        rows.append(cells)
    page.html(_table([L.t("kpi"), *(_breakable(s) for s in short)], rows, raw=True, container="kpi-table"))
    vr = c.variance_reduction()
    if len(vr):
        rows = []
        for n, s in zip(c.names[1:], short[1:]):
            v = vr[(vr.scenario == n)]["value"].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            stats = (np.median(v), v.min(), v.max()) if v.size else (math.nan,) * 3
            rows.append([s, *(f.value("ratio", x) for x in stats)])
        page.html(f"<h3>{_esc(L.t('sec_variance'))}</h3><p class=\"note\">{_esc(L.t('note_variance'))}</p>" +
                  _table([L.t("scenario"), L.t("median"), L.t("min"), L.t("max")], rows))

    page.section("assumptions", L.t("sec_assumptions"), L.t("note_assumptions"))
    psa = "draws" in c.attrs
    _assumption_tables(page, short, [read_assumptions(r, s) for r, s in zip(c.scenarios, short)], drawn=psa,
                       sample_shares=[_sample_share(r) for r in c.scenarios],
                       drawn_note=L.t("asm_uncertain_drawn_cmp", D=int(c.attrs["draws"])) if psa else "")
    if psa:
        _drawn_parameters(page, np.asarray(c["draws/parameters"], dtype=float), _as_str_list(c["draws/keys"]),
                          _as_str_list(c["draws/distributions"]), np.asarray(c["draws/block"]).tolist(),
                          _block_names(c), container="assumptions-drawn")
    texts = "".join(f"<details><summary>{_esc(s)}</summary><pre>{_esc(r.scenario_text)}</pre></details>"
                    for s, r in zip(short, c.scenarios))
    page.html(f"<h3>{_esc(L.t('scenario_texts'))}</h3>{texts}")


# ---- entry points -------------------------------------------------------------------------------

def render(source: Union[Result, Comparison, PathLike], title: Optional[str] = None, lang: str = "en",
           strict: bool = False) -> str:
    """The report of ``source`` (a Result, a PsaResult, a Comparison, or the path of a result,
    PSA or comparison file) as HTML text, in ``lang`` ("en" or "nl"). ``strict``: raise :class:`LayoutError` when a figure has
    tick labels that overlap or text cut off at its edge (measured from matplotlib's text
    extents), instead of writing it anyway."""
    import matplotlib
    if lang not in LANGUAGES:
        raise Error(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    L = Language(lang)
    with matplotlib.rc_context({"figure.dpi": 96, "axes.spines.top": False, "axes.spines.right": False,
                                "axes.formatter.useoffset": False}):
        res = source if isinstance(source, (Result, Comparison)) else read(source)
        if not isinstance(res, (Result, Comparison)):
            raise Error(f"{getattr(res, 'path', source)}: the report covers result and comparison files, not "
                        f"{_kind_of(res)}")
        if isinstance(res, Comparison):
            default = L.t("comparison_title", names=", ".join(res.names))
            subtitle = L.t("comparison_subtitle", N=len(res.names), R=res.replicates, seed=res.seed)
        elif isinstance(res, PsaResult):
            default = L.t("psa_title", name=res.name)
            t = res.time
            subtitle = L.t("psa_subtitle", D=res.draw_count, design=str(res.attrs.get("design", "")),
                           R=res.replicates_per_draw,
                           streams=L.t("streams_common" if res.common_streams else "streams_independent"),
                           seed=res.seed, start=f"{t[0]:.0f}", end=f"{t[-1]:.0f}", S=len(res.states))
        else:
            default = L.t("result_title", name=res.name)
            t = res.time
            subtitle = L.t("result_subtitle", R=res.replicates, seed=res.seed, start=f"{t[0]:.0f}", end=f"{t[-1]:.0f}",
                           S=len(res.states))
        page = _Page(title or default, _esc(subtitle), L)
        if isinstance(res, Comparison):
            _comparison_sections(page, res)
        else:
            _result_sections(page, res)
    if strict and page.problems:
        raise LayoutError("labels that cannot be read:\n  " + "\n  ".join(page.problems))
    footer = (_esc(L.t("made_by", version=res.attrs.get("trede_version", ""),
                       date=time.strftime("%Y-%m-%d %H:%M", time.localtime()))) + " "
              + _provenance(res.attrs, res.path, L))
    return page.render(footer)


def _kind_of(res) -> str:
    """What kind of file ``res`` was read from, in words ("sweep files", "calibration report files")."""
    return {"Sweep": "sweep files (trede sweep)", "CalibrationReport": "calibration reports (trede calibrate --report)"}.get(
        type(res).__name__, f"{type(res).__name__} files")


def write_report(source: Union[Result, Comparison, PathLike], output: PathLike, title: Optional[str] = None,
                 lang: str = "en", strict: bool = False) -> Path:
    """Writes the HTML report of ``source`` to ``output`` (atomically: a temporary file renamed
    into place) and returns its path. Raises :class:`trede.IoError` when the result cannot be
    read or the report cannot be written, :class:`LayoutError` (``strict``) when a figure has
    unreadable labels."""
    out = Path(os.fspath(output))
    _files.check_outputs([out])  # before the figures are drawn
    text = render(source, title, lang, strict)
    _files.write_all([(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))], "the report")
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python3 -m trede.report FILE [-o OUT] [--title T] [--lang en|nl] [--check-layout]``.
    Exit codes as the trede program: 0 success, 2 bad input (a result file that cannot be
    read or is damaged: one ``error:`` line naming the file and the dataset), 1 anything else
    (a figure with unreadable labels under --check-layout, a report that cannot be written)."""
    import matplotlib
    matplotlib.use("Agg")
    ap = argparse.ArgumentParser(prog="trede report",
                                 description="Write a self-contained HTML report of a trede result, probabilistic "
                                 "sensitivity analysis or comparison file.")
    ap.add_argument("file", help="HDF5 file written by `trede run -o` (also with --draws) or `trede compare -o`")
    ap.add_argument("-o", "--output", help="HTML file to write (default: FILE with the suffix .html)")
    ap.add_argument("--title", help="title of the page (default: from the scenario names)")
    ap.add_argument("--lang", choices=LANGUAGES, default="en",
                    help="language of the page: en (English, default) or nl (Dutch, with Dutch number formatting)")
    ap.add_argument("--check-layout", action="store_true",
                    help="fail (exit 1, nothing written) when a figure has overlapping or cut-off labels")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    args = ap.parse_args(argv)
    if args.output == "":
        print("error: -o: is empty: give the name of a file", file=sys.stderr)
        return 2
    out = Path(args.output) if args.output is not None else Path(args.file).with_suffix(".html")
    if out.exists() and Path(args.file).exists() and os.path.samefile(out, args.file):
        # The same file by identity (links and ./ spellings count): the report would replace its input.
        print(f"error: {'-o' if args.output else 'the default output (FILE with .html)'}: '{args.output or out}' is the same file as "
              f"FILE '{args.file}': an output may not replace an input; choose another file name", file=sys.stderr)
        return 2
    problem = _files.output_problem(out)
    if problem:
        print(f"error: -o {out}: {problem}", file=sys.stderr)
        return 2
    if out.resolve() == Path(args.file).resolve():
        print(f"error: -o {out}: is the input file", file=sys.stderr)
        return 2
    try:
        res = read(args.file)
        if not isinstance(res, (Result, Comparison)):
            raise Error(f"{args.file}: the report covers result and comparison files (trede run, trede compare), "
                        f"not {_kind_of(res)}")
    except Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        path = write_report(res, out, args.title, args.lang, args.check_layout)
    except Error as e:
        print(f"error: {e}", file=sys.stderr)
        # 2 for what the result file holds (its datasets are read as the report is drawn); 1 for
        # unreadable labels and a report that cannot be written.
        input_file = isinstance(e, IoError) and e.filename == str(res.path)
        return 2 if input_file or not isinstance(e, (IoError, LayoutError)) else 1
    if not args.quiet:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    from ._launch import run
    sys.exit(run(main))
