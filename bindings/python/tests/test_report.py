"""The HTML report: `trede report` and `python3 -m trede.report` write one self-contained page
(no scripts, no external resources, figures as embedded PNG) with the sections a reader needs,
in English and in Dutch; numbers are formatted by one formatter; the figures' labels are
readable (checked from matplotlib's own text extents); every page says which sources of
uncertainty its intervals include (a PSA page: parameter and Monte Carlo, with the variance
split, the drawn parameters and what drives the spread; run and comparison pages: Monte Carlo
only); and in a real browser (Debian's chromium, headless, over the DevTools protocol) the run,
comparison and PSA reports, English and Dutch, load without console errors, exceptions, failed
loads or requests outside the page, at 1280 and 1920 px wide: no table scrolls sideways, every
figure renders (not blank). Screenshots are kept in the test's temporary directory (screens/).

The first-order index of the PSA page (trede._results.first_order_index) is checked against
closed forms: linear and non-monotone models with known Var(E[Y | X]) / Var(Y), a parameter
without effect, invariance to monotone rescaling, and its standard error against the spread
of repeated estimates."""

import base64
import io
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest
from PIL import Image

import trede
import trede.plot
import trede.report
from browser import Browser, blank_fraction
from conftest import BM2, BM2_SMALL, MODELS, PSA_SCENARIO, cli, describe, organisation_variants, set_args
from decision_files import PSA_COMPARE_DRAWS, psa_comparison
from trede._answer import answer, ce_points, cost_per_person
from trede._assumptions import _apply_override, delay_mean
from trede._results import first_order_index
from trede._format import NumberFormat
from trede._i18n import KPIS, TEXT, Language

# A figure counts as rendered when less than this share of its screenshot is one colour.
MAX_BLANK = 0.97
RUN_SECTIONS = ["kpis", "ladder", "occupancy", "waiting", "flows", "costs", "tables", "assumptions"]
COMPARE_SECTIONS = ["answer", "decision", "differences", "ladder", "occupancy", "waiting", "costs", "tables",
                    "assumptions"]
PSA_COMPARE_SECTIONS = ["answer", "decision", "drivers", *COMPARE_SECTIONS[2:]]
PSA_SECTIONS = ["kpis", "variance", "parameters", "drivers", *RUN_SECTIONS[1:]]
WIDTHS = (1280, 1920)
# Tables that must fit the page (no sideways scrolling) at every width.
TABLES = ("#answer-table", "#trede-table", "#kpi-table", "#assumptions-models", "#variance-table", "#parameters-table",
          "#drivers-table", "#icer-table", "#decision-drivers-table", "#assumptions-drawn")
# The seed of the estimator tests (TREDE_TEST_SEED overrides it); printed when a test fails.
SEED = int(os.environ.get("TREDE_TEST_SEED", "20261206"))


@pytest.fixture(scope="module")
def reports(cli_run_file, cli_compare_file, tmp_path_factory):
    """Run and comparison reports in English and Dutch: by `trede report --check-layout` (which
    fails on overlapping or cut-off labels) and, for one, by `python3 -m trede.report`."""
    work = tmp_path_factory.mktemp("reports")
    out = {}
    for kind, source in (("run", cli_run_file), ("compare", cli_compare_file)):
        for lang in ("en", "nl"):
            path = work / f"{kind}-{lang}.html"
            if (kind, lang) == ("compare", "en"):
                p = subprocess.run([sys.executable, "-m", "trede.report", str(source), "-o", str(path),
                                    "--check-layout"], cwd=work, capture_output=True, text=True, timeout=300)
            else:
                p = cli("report", source, "-o", path, "--lang", lang, "--check-layout", cwd=work)
            assert p.returncode == 0, describe(p)
            assert p.stdout.strip() == f"wrote {path}"
            out[kind, lang] = path
    return out


def images(html):
    return re.findall(r'<img [^>]*src="([^"]*)"', html)


def assert_self_contained(html):
    assert "<script" not in html.lower()
    assert not re.search(r'(src|href)="(?!data:|#)', html), "a reference outside the page"
    assert "url(" not in html and "@import" not in html
    srcs = images(html)
    assert srcs
    for src in srcs:
        assert src.startswith("data:image/png;base64,")
        im = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        assert im.format == "PNG" and im.size[0] > 300 and im.size[1] > 150


def section_ids(html):
    return re.findall(r'<h2 id="([^"]+)"', html)


def text_of(html):
    """The visible text of a page, entities decoded, tags and no-break spaces as blanks."""
    import html as h
    return re.sub(r"\s+", " ", h.unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " "))


# ---- numbers ---------------------------------------------------------------------------------------

def test_numbers_read_the_same_everywhere_in_english_and_dutch():
    en, nl = NumberFormat("en"), NumberFormat("nl")
    assert en.value("count", 1234.5) == "1,234" and nl.value("count", 1234.5) == "1.234"
    assert en.number(1234.5, 5) == "1,234.5" and nl.number(1234.5, 5) == "1.234,5"
    assert en.value("share", 0.488) == "48.8 %" and nl.value("share", 0.488) == "48,8 %"
    assert en.value("eur", 1.2e6) == "€ 1.2 mln" and nl.value("eur", 1.2e6) == "€ 1,2 mln"
    assert en.value("eur", 5.04e9) == "€ 5.04 bn" and nl.value("eur", 5.04e9) == "€ 5,04 mld"
    assert en.value("eur", 309540) == "€ 309,540" and nl.value("eur", 309540) == "€ 309.540"
    assert en.value("eur", -7.25e8, sign=True) == "−€ 725 mln"
    # A difference of shares is in percentage points, with its interval at the same precision.
    assert en.interval("points", 0.00785, 0.0072, 0.0085, sign=True) == ("+0.785 pp", "[0.720, 0.850]")
    assert nl.interval("points", 0.00785, 0.0072, 0.0085, sign=True) == ("+0,785 %-punt", "[0,720; 0,850]")
    assert en.interval("count", 625.4, 585.9, 664.9, sign=True) == ("+625", "[586, 665]")
    assert en.interval("eur", 5.0409e9, 5.0327e9, 5.0491e9) == ("€ 5.04 bn", "[5.03, 5.05]")
    assert en.value("count", -0.0001) == "−0.000100" and en.fixed(-0.0001, 2) == "0.00"  # no "−0.00"
    assert en.value("count", float("nan")) == "n/a" and nl.value("count", float("nan")) == "n.b."
    assert en.plain(0.05) == "0.05" and nl.plain(2.0) == "2" and nl.plain(1250) == "1.250"


def test_axes_read_in_their_units():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot([2015, 2035], [0, -8e8])
    NumberFormat("nl").axis(ax, "x", "year")
    unit = NumberFormat("nl").axis(ax, "y", "eur", "kosten")
    fig.canvas.draw()
    xs = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    ys = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    plt.close(fig)
    assert unit == "€ mln" and ax.get_ylabel() == "kosten (€ mln)"
    assert all(re.fullmatch(r"20\d\d", x) for x in xs), xs           # whole calendar years
    assert "−800" in ys and not any("e" in y or "." in y for y in ys), ys


def test_every_text_has_both_languages():
    assert all(len(v) == 2 and all(v) for v in TEXT.values())
    assert all(len(v) == 4 and all(v) for v in KPIS.values())
    nl = Language("nl")
    assert nl.kpi("uitstroom_werk").startswith("uitstroom naar werk")
    assert nl.trede(5, long=True) == "trede 5 betaald werk met ondersteuning"


# ---- the layout check -------------------------------------------------------------------------------

def test_the_label_check_catches_overlapping_and_cut_off_labels():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_xticks(range(8), [f"a long label {i}" for i in range(8)])
    ax.set_ylabel("y " * 80)
    problems = trede.plot.label_problems(fig)
    assert any("overlap" in p for p in problems), problems
    assert any("reaches outside the figure" in p for p in problems), problems
    assert trede.plot.finish(fig) != []  # categorical labels are not thinned: still reported
    plt.close(fig)
    # Crowded numeric ticks are thinned until they fit.
    from matplotlib.ticker import MaxNLocator
    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.plot([0, 1e6], [0, 1])
    ax.xaxis.set_major_locator(MaxNLocator(nbins=40))
    assert any("overlap" in p for p in trede.plot.label_problems(fig))
    assert trede.plot.finish(fig) == []
    plt.close(fig)


def test_comparison_figures_have_readable_labels_and_people(cli_compare_file):
    import matplotlib.pyplot as plt
    c = trede.read(cli_compare_file)
    for lang in ("en", "nl"):
        fig = trede.plot.kpi_differences(c, lang=lang)
        titles = [a.get_title() for a in fig.axes if a.get_visible()]
        assert Language(lang).kpi("persons_reaching_work") in titles  # people, not only moves
        assert any(t.endswith("(pp)" if lang == "en" else "(%-punt)") for t in titles), titles
        for f in (fig, trede.plot.cumulative_differences(c, lang=lang), trede.plot.trede_differences(c, lang=lang),
                  trede.plot.compare_cost(c, lang=lang)):
            assert trede.plot.finish(f, lang) == []
            plt.close(f)


# ---- content ------------------------------------------------------------------------------------------

def test_run_report_content(reports, cli_run_file):
    html = reports["run", "en"].read_text()
    assert_self_contained(html)
    assert section_ids(html) == RUN_SECTIONS
    assert len(images(html)) == 6
    r = trede.read(cli_run_file)
    k = r.kpi_table()
    f = NumberFormat("en")
    text = text_of(html)
    for name in ("persons_reaching_work", "uitstroom_werk", "cost_total_eur", "share_reached_work"):
        assert f.value(KPIS[name][0], k.loc[name, "mean"]) in text, name
    assert r.attrs["scenario_hash"] in html  # provenance in the footer
    assert "beschut_werk" in html and "Waiting lists over the run" in html
    # Which uncertainty the ranges include: Monte Carlo only, and how to add the parameters'.
    assert "Ranges and intervals include Monte Carlo uncertainty only (6 replicates)" in text
    assert "trede run --draws" in text and "parameter uncertainty" not in text
    assert "Monte Carlo-onzekerheid" in text_of(reports["run", "nl"].read_text())
    assert not re.search(r"\d\.\d+e[+-]?\d", text), "a number in scientific notation"


def test_comparison_report_answers_first(reports, cli_compare_file):
    html = reports["compare", "en"].read_text()
    assert_self_contained(html)
    assert section_ids(html) == COMPARE_SECTIONS
    text = text_of(html)
    c = trede.read(cli_compare_file)
    a = answer(c)
    f = NumberFormat("en")
    # The answer table: people and moves into work, cost, per scenario with intervals.
    table = text_of(html[html.index('id="answer-table"'):html.index("</table>", html.index('id="answer-table"'))])
    for h in ("people reaching work", "moves into work", "total public cost"):
        assert h in table
    for name in c.names:
        row = a[(a.scenario == name) & (a.quantity == "persons_reaching_work")].iloc[0]
        mean, interval = f.interval("count", row["mean"], row["lo"], row["hi"])
        assert f"{mean} {interval}" in table, (name, mean, interval)
        if name != c.reference:
            m, iv = f.interval("count", row["difference"], row["difference_lo"], row["difference_hi"], sign=True)
            assert f"{m} {iv}" in table
    assert "Monte Carlo uncertainty only" in text
    assert "People per trede at" in text
    assert "Variance reduction from common random numbers" in text
    assert "▲" in html  # klassiek hands people over, gecombineerd does not: a significant difference
    # Shares differ in percentage points.
    assert re.search(r"[+−]\d+\.\d+ pp \[", text), "share differences in percentage points"


def test_comparison_report_lists_every_assumption(reports):
    text = text_of(reports["compare", "en"].read_text())
    assumptions = text[text.index("Assumptions What the results rest on"):]
    # organisation model per scenario, population share, handover rule, lost-to state
    for word in ("gecombineerd", "partieel", "klassiek", "100.0 %", "Handover rules", "5.0 %", "bijstand",
                 "population[0].count=3000"):
        assert word in assumptions, word
    assert "gamma" not in assumptions or "mean" in assumptions


def test_assumptions_follow_bases_and_overrides(tmp_path):
    """Overrides reach the assumptions: a handover leakage and a region share set with --set
    are what the report lists."""
    text = organisation_variants(("klassiek",))["klassiek"]
    s = trede.parse_scenario(text, "klassiek.toml", {**BM2_SMALL, "handover[0].leakage": 0.25,
                                                     "population[0].count": 400, "horizon_years": 2})
    r = trede.run(s, 2, seed=1)
    out = trede.report.write_report(r, tmp_path / "k.html", strict=True)
    text = text_of(out.read_text())
    assumptions = text[text.index("Handover rules"):]
    assert "25.0 %" in assumptions and "handover[0].leakage=0.25" in assumptions
    doc = {"region": [{"name": "Noord", "share": 1.0}], "handover": [{"leakage": 0.1}]}
    _apply_override(doc, "region[Noord].share=0.05")
    _apply_override(doc, "handover[0].delay={dist = \"gamma\", shape = 2, scale = 0.05}")
    assert doc["region"][0]["share"] == 0.05 and delay_mean(doc["handover"][0]["delay"]) == pytest.approx(0.1)


def test_dutch_report(reports, cli_compare_file, cli_run_file):
    for kind, source in (("compare", cli_compare_file), ("run", cli_run_file)):
        html = reports[kind, "nl"].read_text()
        assert '<html lang="nl">' in html
        assert_self_contained(html)
        text = text_of(html)
        for word in ("Aannames", "Participatieladder", "uitstroom naar werk", "Alle indicatoren", "geïsoleerd"):
            assert word in text, (kind, word)
        assert "Headline" not in text and "Assumptions" not in text
    text = text_of(reports["compare", "nl"].read_text())
    c = trede.read(cli_compare_file)
    nl = NumberFormat("nl")
    k = c.scenarios[0].kpi_table()
    assert nl.value("count", k.loc["persons_reaching_work", "mean"]) in text
    assert re.search(r"\d\.\d{3}", text) and re.search(r"\d,\d+ %", text)  # 1.234 and 48,8 %
    assert "alleen Monte Carlo-onzekerheid" in text and "personen naar werk" in text
    assert "%-punt" in text


def test_decision_summaries_are_picked_up(cli_compare_file, tmp_path):
    """A comparison file with /decision/summary (docs: trede._answer) gets those rows in the
    answer table, with their source of uncertainty."""
    path = tmp_path / "decision.h5"
    shutil.copy(cli_compare_file, path)
    n = len(trede.read(path).names)
    with h5py.File(path, "a") as f:
        del f["decision"]  # replaced by a hand-made table
        g = f.create_group("decision/summary")
        str_t = h5py.string_dtype()
        g["quantity"] = np.array(["incremental_cost_per_person_reaching_work_eur", "probability_best"], dtype=object)
        g["quantity"][...] = ["incremental_cost_per_person_reaching_work_eur", "probability_best"]
        g.create_dataset("kind", data=["eur", "prob"], dtype=str_t)
        g.create_dataset("label", data=["incremental cost", "probability best"], dtype=str_t)
        g.create_dataset("uncertainty", data=["Monte Carlo + parameter (40 draws)"] * 2, dtype=str_t)
        mean = np.array([[np.nan] + [12345.0 * (i + 1) for i in range(n - 1)], [0.5] + [0.5 / (n - 1)] * (n - 1)])
        g["mean"] = mean
        g["lo"] = mean * 0.9
        g["hi"] = mean * 1.1
    c = trede.read(path)
    a = answer(c)
    assert set(a.quantity) >= {"incremental_cost_per_person_reaching_work_eur", "probability_best"}
    html = trede.report.render(c)
    text = text_of(html[html.index('id="answer-table"'):html.index("</table>", html.index('id="answer-table"'))])
    assert "extra cost per extra person in work" in text and "probability best" in text
    assert "€ 12,345 [11,110, 13,580]" in text and "50.0 % [45.0, 55.0]" in text
    assert "Monte Carlo + parameter (40 draws)" in text_of(html)


def test_report_adapts_to_a_model_without_capacities_or_costs(tmp_path):
    r = trede.run(MODELS / "ladder-bm.toml", 3, seed=1, overrides={"population[0].count": 500, "horizon_years": 3})
    out = trede.report.write_report(r, tmp_path / "bm1.html", title="BM1 <small>", strict=True)
    html = out.read_text()
    assert_self_contained(html)
    assert "<title>BM1 &lt;small&gt;</title>" in html
    assert "no capacity-limited states" in html and "sets no costs" in html
    assert section_ids(html) == RUN_SECTIONS
    assert not list(tmp_path.glob(".bm1.html.tmp*"))


def test_report_command_line_errors(cli_run_file, tmp_path):
    p = cli("report", tmp_path / "missing.h5", cwd=tmp_path)
    assert p.returncode == 2 and "missing.h5" in p.stderr, describe(p)
    p = cli("report", cli_run_file, "-o", tmp_path / "no" / "dir" / "x.html", cwd=tmp_path)
    assert p.returncode == 2 and "does not exist" in p.stderr, describe(p)
    p = cli("report", cli_run_file, "--lang", "fr", cwd=tmp_path)
    assert p.returncode == 2 and "fr" in p.stderr, describe(p)
    (tmp_path / "text.h5").write_text("not a result")
    p = cli("report", "text.h5", cwd=tmp_path)
    assert p.returncode == 2, describe(p)
    p = cli("report", "--help", cwd=tmp_path)
    assert p.returncode == 0 and "self-contained HTML report" in p.stdout and "--lang" in p.stdout
    assert not list(tmp_path.glob("*.html"))
    # Default output: next to the input, with the suffix .html.
    shutil.copy(cli_run_file, tmp_path / "copy.h5")
    p = cli("report", "copy.h5", "-q", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout == "", describe(p)
    assert (tmp_path / "copy.html").stat().st_size > 10000


def test_report_command_finds_the_interpreter_it_is_told(cli_run_file, tmp_path):
    env = {**os.environ, "TREDE_PYTHON": str(tmp_path / "no-python")}
    p = cli("report", cli_run_file, "-o", tmp_path / "x.html", cwd=tmp_path, env=env)
    assert p.returncode == 1 and "no-python" in p.stderr, describe(p)


# ---- a probabilistic sensitivity analysis -----------------------------------------------------------

@pytest.fixture(scope="module")
def psa_reports(psa_file, tmp_path_factory):
    """The PSA report in English and Dutch, by `trede report --check-layout`."""
    work = tmp_path_factory.mktemp("psa-reports")
    out = {}
    for lang in ("en", "nl"):
        path = work / f"psa-{lang}.html"
        p = cli("report", psa_file, "-o", path, "--lang", lang, "--check-layout", cwd=work)
        assert p.returncode == 0, describe(p)
        out[lang] = path
    return out


def table_text(html, container):
    start = html.index(f'id="{container}"')
    return text_of(html[start:html.index("</table>", start)])


def test_psa_report_states_both_sources_and_splits_the_variance(psa_reports, psa_file):
    html = psa_reports["en"].read_text()
    assert_self_contained(html)
    assert section_ids(html) == PSA_SECTIONS
    assert len(images(html)) == 10  # variance split, draws, drivers (2), and the run's six
    text = text_of(html)
    assert "probabilistic sensitivity analysis" in text
    assert "32 parameter draws (sobol) × 2 replicates, independent random streams per draw, seed 5" in text
    assert ("include parameter uncertainty (6 uncertain parameters, 32 draws) and Monte Carlo uncertainty "
            "(2 per draw): every figure and table below pools all 64 runs") in text
    assert "Monte Carlo uncertainty only" not in text and "90 % of runs:" in text
    f = NumberFormat("en")
    with h5py.File(psa_file, "r") as h:
        names = [x.decode() for x in h["kpi_names"][()]]
        v = {c: h[f"variance/kpi/{c}"][()] for c in ("mean", "total", "parameter", "monte_carlo", "parameter_share",
                                                     "parameter_share_se")}
        keys = [x.decode() for x in h["draws/keys"][()]]
        dists = [x.decode() for x in h["draws/distributions"][()]]
        values = h["draws/parameters"][()]
    # The variance table holds the file's split: sd of one run, its parts, the share with its interval.
    table = table_text(html, "variance-table")
    for k in ("persons_reaching_work", "uitstroom_werk", "cost_total_eur"):
        i = names.index(k)
        kind = KPIS[k][0]
        share, half = v["parameter_share"][i], 1.959963984540054 * v["parameter_share_se"][i]
        m, iv = f.interval("share", share, max(0.0, share - half), min(1.0, share + half))
        assert f"{m} {iv}" in table, (k, m, iv, table)
        for c in ("total", "parameter", "monte_carlo"):
            assert f.value(kind, np.sqrt(v[c][i])) in table, (k, c)
    assert "one-way analysis of variance over 32 draws × 2 replicates" in text
    # Every uncertain parameter with its declared distribution and what was drawn.
    table = table_text(html, "parameters-table")
    for j, (key, dist) in enumerate(zip(keys, dists)):
        assert key in table.replace(" ", "") and dist in table, key
        assert f.plain(values[:, j].mean()) in table
    assert "Rank correlation of their draws (Spearman)" in text
    # What drives the spread: the first-order indices the package computes, per headline KPI.
    first = trede.read(psa_file).first_order(["persons_reaching_work", "uitstroom_werk", "cost_total_eur"])
    table = table_text(html, "drivers-table")
    for row in first.itertuples():
        assert f"{f.fixed(row.index, 2)} ± {f.fixed(2 * row.se, 2)}" in table, row
    assert "adjusted R² of a cubic regression spline" in text
    # The assumptions say the uncertain parameters were drawn; every other value is stated.
    assumptions = text[text.index("Assumptions What the results rest on"):]
    assert "Drawn in this analysis" in assumptions
    assert "correlated: 'local labour market': transition[ontwikkeltraject->matching]" in assumptions
    # A named group is shown by its name in the table of drawn parameters.
    assert "local labour market (group of 2 keys)" in table_text(html, "parameters-table")
    assert "draws: 32" in text and "replicates_per_draw: 2" in text  # provenance


def test_psa_report_in_dutch(psa_reports):
    html = psa_reports["nl"].read_text()
    assert '<html lang="nl">' in html
    assert_self_contained(html)
    assert section_ids(html) == PSA_SECTIONS
    text = text_of(html)
    for words in ("probabilistische gevoeligheidsanalyse", "bevatten parameteronzekerheid", "en Monte Carlo-onzekerheid",
                  "Parameter- en Monte Carlo-variantie", "Onzekere parameters", "Wat de spreiding veroorzaakt",
                  "eerste-orde-index", "90 % van de doorrekeningen", "Getrokken in deze analyse"):
        assert words in text, words
    for english in ("What drives the spread", "Uncertain parameters", "Headline"):
        assert english not in text, english
    assert re.search(r"\d,\d+ % \[\d+,\d+; \d+,\d+\]", table_text(html, "variance-table"))  # 97,8 % [96,6; 99,1]


def psa_sections(psa, lang="en"):
    """The HTML of the PSA sections of the report alone (the whole page is checked above)."""
    page = trede.report._Page("t", "", Language(lang))
    trede.report._psa_sections(page, psa, trede.report._headline(psa))
    assert not page.problems, page.problems
    return "\n".join(page.parts)


def test_a_large_group_is_summarised_by_its_name_range_and_strongest_pair(tmp_path):
    """Five keys drawn together (as a calibration writes them) make ten pairs: the report names the
    group and gives the range of their rank correlations and the strongest pair, not every pair."""
    scenario = tmp_path / "g5.toml"
    scenario.write_text(f"""extends = "{PSA_SCENARIO}"
name = "g5"
[[uncertainty.multivariate_normal]]
name = "fit of the inflows"
keys = ["inflow[0].rate_per_year", "inflow[1].rate_per_year", "inflow[2].rate_per_year", "inflow[3].rate_per_year",
        "transition[diagnose->matching].rate"]
mean = [4.85, 6.73, 5.77, 2.69, -0.2]
covariance = [[0.01, 0.005, 0, 0, 0], [0.005, 0.01, 0, 0, 0], [0, 0, 0.01, -0.009, 0], [0, 0, -0.009, 0.01, 0],
              [0, 0, 0, 0, 0.02]]
""")
    p = trede.run(scenario, draws=32, overrides={"horizon_years": 1, "sample_share": 0.1}, seed=3)
    text = text_of(psa_sections(p))
    assert "fit of the inflows (group of 5 keys)" in text  # the drawn-parameters table
    keys = ["inflow[2].rate_per_year", "inflow[3].rate_per_year"]
    rho = p.draws[keys].corr(method="spearman").to_numpy()[0, 1]
    f = NumberFormat("en")
    assert (f"Drawn together as fit of the inflows (5 keys): the rank correlations of their draws (Spearman) lie "
            f"between {f.fixed(rho, 2)} and") in text, text
    assert f"the strongest is {f.fixed(rho, 2)}, between inflow[2].rate_per_year and inflow[3].rate_per_year" in text
    assert "Drawn together: transition[ontwikkeltraject->matching].rate" in text  # the pair: every correlation
    # The assumptions give its standard deviations, not the 5 x 5 matrix.
    page = trede.report._Page("t", "", Language("en"))
    trede.report._assumption_tables(page, [p.name], [trede.report.read_assumptions(p)], drawn=True)
    assumptions = text_of("\n".join(page.parts))
    assert "multivariate normal (log scale): 'fit of the inflows': inflow[0].rate_per_year" in assumptions, assumptions
    assert "sd [0.1, 0.1, 0.1, 0.1, 0.1414] (covariance 5 x 5)" in assumptions, assumptions


def test_psa_without_a_split_and_with_common_streams(tmp_path):
    """One replicate per draw: no variance split, said so; common streams: the two-way split and
    its caveat. Both from PSAs run in Python (in memory)."""
    small = {"horizon_years": 2}
    one = trede.run(PSA_SCENARIO, draws=8, overrides=small, seed=3)
    assert one.replicates_per_draw == 1 and one.variance().empty
    html = psa_sections(one)
    assert section_ids(html) == ["variance", "parameters", "drivers"]
    assert "the variance cannot be split" in text_of(html) and "variance-table" not in html
    assert "(in memory)" in trede.report._provenance(one.attrs, one.path, Language("en"))
    common = trede.run(PSA_SCENARIO, 2, draws=8, overrides=small, seed=3, common_streams=True)
    text = text_of(psa_sections(common))
    assert "two-way analysis of variance" in text
    assert "Common streams: the Monte Carlo part rests on the 2 streams" in text
    assert common.common_streams and not one.common_streams


def test_a_plain_run_of_an_uncertain_scenario_says_nothing_was_drawn(tmp_path):
    r = trede.run(PSA_SCENARIO, 2, seed=1, overrides={"horizon_years": 1})
    page = trede.report._Page("t", "", Language("en"))
    trede.report._assumption_tables(page, [r.name], [trede.report.read_assumptions(r)])
    assumptions = text_of("\n".join(page.parts))
    assumptions = assumptions[assumptions.index("Uncertain parameters"):]
    assert "drawn only by a probabilistic sensitivity analysis" in assumptions
    assert "handover[0].leakage beta (mean 0.1, sd 0.05)" in assumptions
    assert "correlated: 'local labour market': transition[ontwikkeltraject->matching].rate, " \
        "transition[matching->regulier_werk].rate " \
        "correlation [[1, 0.6], [0.6, 1]]" in assumptions
    assert "Monte Carlo uncertainty only" in trede.report._uncertainty_note(r, Language("en"))


def test_declared_distributions_are_the_drawn_ones(psa_file):
    """The curve drawn over each histogram is the distribution the draws come from: the file's
    text read back as a scipy distribution passes a Kolmogorov-Smirnov test on the draws, and
    every family reads back with the moments docs/uncertainty-math.md gives."""
    from scipy import stats
    p = trede.read(psa_file)
    draws = p.draws
    for key, text in zip(p.distributions["key"], p.distributions["distribution"]):
        dist = trede.plot.declared_distribution(text)
        assert dist is not None, text
        assert stats.kstest(draws[key].to_numpy(), dist.cdf).pvalue > 1e-4, (key, text)
    d = trede.plot.declared_distribution
    assert d("beta(a = 3.5, b = 31.5)").mean() == pytest.approx(0.1)
    assert d("gamma(shape = 16, scale = 125)").std() == pytest.approx(500)
    assert d("lognormal(median = 0.3, sd_log = 0.25)").median() == pytest.approx(0.3)
    assert d("uniform(min = 1, max = 3)").var() == pytest.approx(4 / 12)
    assert d("triangular(min = 0, mode = 1, max = 4)").mean() == pytest.approx(5 / 3)
    assert d("normal(mean = 1, sd = 0.5, lower = 0)").support() == (0.0, np.inf)
    assert d("weibull(shape = 2)") is None and d("not a distribution") is None


def test_first_order_index_recovers_known_shares():
    """Y = X1 + X2/2 + e/2 with independent standard normals: S1 = 2/3, S2 = 1/6, S3 = 0 for an
    X3 without effect; Y = sin(U) + e/√2, U uniform on (−π, π): S = 1/2 (non-monotone); 100
    data sets of 1024 draws, each mean within 4 standard errors of the truth (a bias below
    0.005 allowed for the spline's smoothing), and the estimator's standard error within 20 %
    of the spread of its estimates."""
    rng = np.random.default_rng(SEED)
    est = {k: [] for k in ("x1", "x2", "x3", "sin")}
    ses = []
    for _ in range(100):
        x1, x2, x3, e = rng.standard_normal((4, 1024))
        y = x1 + 0.5 * x2 + 0.5 * e
        s1, se1 = first_order_index(x1, y)
        est["x1"].append(s1)
        ses.append(se1)
        est["x2"].append(first_order_index(x2, y)[0])
        est["x3"].append(first_order_index(x3, y)[0])
        u = rng.uniform(-np.pi, np.pi, 1024)
        est["sin"].append(first_order_index(u, np.sin(u) + e / np.sqrt(2))[0])
    truth = {"x1": 2 / 3, "x2": 1 / 6, "x3": 0.0, "sin": 0.5}
    for k, values in est.items():
        values = np.asarray(values)
        se = values.std(ddof=1) / np.sqrt(len(values))
        assert abs(values.mean() - truth[k]) < 4 * se + 0.005, f"{k}: {values.mean():.4f} vs {truth[k]:.4f} (seed {SEED})"
    spread = np.std(est["x1"], ddof=1)
    assert 0.8 < np.mean(ses) / spread < 1.2, f"se {np.mean(ses):.4f} vs spread {spread:.4f} (seed {SEED})"
    # Ranks only: a monotone change of scale gives the same index; too few draws give NaN.
    x, y = rng.standard_normal((2, 200))
    assert first_order_index(np.exp(3 * x), y + x) == first_order_index(x, y + x)
    assert all(np.isnan(first_order_index(x[:7], y[:7])))


# ---- in the browser -----------------------------------------------------------------------------

# ---- the decision: cost-effectiveness plane, acceptability, cost per extra person, drivers ----------------

@pytest.fixture(scope="module")
def psa_compare_file(tmp_path_factory):
    return psa_comparison(tmp_path_factory.mktemp("psa-compare"))


@pytest.fixture(scope="module")
def psa_compare_reports(psa_compare_file):
    """The report of the PSA comparison in English and Dutch, by `trede report --check-layout`."""
    out = {}
    for lang in ("en", "nl"):
        path = psa_compare_file.parent / f"psa-compare-{lang}.html"
        p = cli("report", psa_compare_file, "-o", path, "--lang", lang, "--check-layout", cwd=psa_compare_file.parent)
        assert p.returncode == 0, describe(p)
        out[lang] = path
    return out


def test_ce_plane_points_are_the_paired_differences_of_the_file(psa_compare_file, cli_compare_file):
    """One point per unit (a draw in a PSA comparison, a replicate otherwise) and option, and
    their means are the file's /decision/cost_per_person/delta_effect and delta_cost, computed
    by the library from the same per-replicate KPIs; so are the person-years in work."""
    for path, units in ((psa_compare_file, PSA_COMPARE_DRAWS), (cli_compare_file, 5)):
        c = trede.read(path)
        p = ce_points(c)
        assert len(p) == units * (len(c.names) - 1)
        assert list(dict.fromkeys(p.scenario)) == c.names[1:]
        means = p.groupby("scenario", sort=False)[["effect_difference", "cost_difference"]].mean()
        with h5py.File(path, "r") as f:
            de = f["decision/cost_per_person/delta_effect"][()]
            dc = f["decision/cost_per_person/delta_cost"][()]
            dy = f["decision/cost_per_person_year/delta_effect"][()]
        np.testing.assert_allclose(means["effect_difference"].to_numpy(), de, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(means["cost_difference"].to_numpy(), dc, rtol=1e-12, atol=1e-6)
        from trede._answer import _replicate_values, _units
        ref = c.scenarios[0]
        y0 = _units(c, ref, _replicate_values(ref, "person_years_in_work"))[1]
        for j, r in enumerate(c.scenarios[1:]):
            y = _units(c, r, _replicate_values(r, "person_years_in_work"))[1]
            assert np.mean(y - y0) == pytest.approx(dy[j], rel=1e-12, abs=1e-9)


def test_decision_figures_draw_what_the_file_holds(psa_compare_file):
    import matplotlib.pyplot as plt
    c = trede.read(psa_compare_file)
    for lang in ("en", "nl"):
        ax = trede.plot.ce_plane(c, lang=lang)
        small = [col for col in ax.collections if len(col.get_offsets()) == PSA_COMPARE_DRAWS]
        assert len(small) == len(c.names) - 1, "one cloud of points per option"
        assert "€" in ax.get_ylabel() and trede.plot.finish(ax.figure, lang) == []
        plt.close(ax.figure)
        fig = trede.plot.acceptability(c, lang=lang)
        a, b = fig.axes[:2]
        frontier = np.asarray(c["decision/acceptability/frontier_probability"])
        assert any(np.allclose(line.get_ydata(), frontier) and line.get_linewidth() > 5 for line in a.lines)
        for j in range(len(c.names)):
            assert any(np.allclose(line.get_ydata(), np.asarray(c["decision/acceptability/probability"])[j])
                       for line in a.lines)
        assert any(np.allclose(line.get_ydata(), np.asarray(c["decision/acceptability/evpi"])) for line in b.lines)
        assert trede.plot.finish(fig, lang) == []
        plt.close(fig)
        fig = trede.plot.decision_drivers(c, lang=lang)
        assert len([ax for ax in fig.axes if ax.get_visible()]) == 3  # effect, cost, EVPPI
        assert trede.plot.finish(fig, lang) == []
        plt.close(fig)


def test_psa_comparison_report_answers_with_the_decision(psa_compare_reports, psa_compare_file):
    html = psa_compare_reports["en"].read_text()
    assert_self_contained(html)
    assert section_ids(html) == PSA_COMPARE_SECTIONS
    c = trede.read(psa_compare_file)
    f = NumberFormat("en")
    text = text_of(html)
    decision = text_of(html[html.index('<h2 id="decision"'):html.index('<h2 id="drivers"')])
    assert f"one parameter draw (its replicates averaged); there are {PSA_COMPARE_DRAWS}" in decision
    assert "Monte Carlo + parameter (40 draws x 1 replicate)" in decision
    # The cost per extra person: every ratio and its Fieller interval, and an unbounded one said in words.
    icer = table_text(html, "icer-table")
    t = cost_per_person(c)
    for _, row in t.iterrows():
        assert f.value("eur", row["ratio"]) in icer
        if row["fieller_kind"] == "bounded":
            assert f.interval("eur", row["ratio"], row["fieller_lower"], row["fieller_upper"])[1] in icer
    kinds = set(t["fieller_kind"])
    assert "unbounded" in kinds, "the fixture has an option whose ratio the data cannot bound"
    assert "unbounded: the data cannot bound the ratio" in icer
    # EVPI at the reference willingness to pay, and every parameter group with its EVPPI.
    lam = np.asarray(c["decision/acceptability/lambda"])
    i = int(np.argmin(np.abs(lam - 50000)))
    assert f.value("eur", np.asarray(c["decision/acceptability/evpi"])[i]) in text
    drivers = table_text(html.replace("<wbr>", ""), "decision-drivers-table")  # keys may wrap in the page
    groups = [g for g in (x.decode() if isinstance(x, bytes) else x for x in np.asarray(c["decision/evppi/groups"]))]
    for g, v in zip(groups, np.asarray(c["decision/evppi/value"])[:, i]):
        assert g.split(", ")[0] in drivers
        assert f.value("eur", v) in drivers
    # The tables are labelled by block: each key, and the correlated pair by the name the scenario gives it.
    with h5py.File(psa_compare_file, "r") as h:
        block_names = [x.decode() for x in h["draws/block_names"][()]]
        assert [x.decode() for x in h["decision/sensitivity/groups"][()]] == block_names
    assert groups == block_names and "local labour market" in groups
    assert '<td class="name">local labour market</td>' in html  # a name is text, not split into key paths
    assert "local labour market (group of 2 keys)" in table_text(html, "assumptions-drawn")  # the file's name, read back
    # The assumptions: every uncertain parameter with its distribution, and the simulated share.
    assumptions = text[text.index("Assumptions What the results rest on"):]
    with h5py.File(psa_compare_file, "r") as h:
        keys = [k.decode() for k in h["draws/keys"][()]]
        dists = [d.decode() for d in h["draws/distributions"][()]]
    for k, d in zip(keys, dists):
        assert k in assumptions and d in assumptions, (k, d)
    assert "simulated share" in assumptions and "50.0 %" in assumptions
    assert "Drawn in this comparison: 40 parameter sets" in assumptions
    assert len(images(html)) == 3 + 2 + 4 + 1  # decision (3), differences (2), ladder (2), occupancy, waiting, costs


def test_psa_comparison_report_in_dutch(psa_compare_reports, psa_compare_file):
    html = psa_compare_reports["nl"].read_text()
    text = text_of(html)
    for words in ("Besluit: extra effect en extra kosten", "Wat het antwoord bepaalt", "Extra kosten per extra persoon "
                  "naar werk", "onbegrensd", "Verwachte waarde van perfecte informatie", "gesimuleerd aandeel",
                  "grootste netto-opbrengst", "parametergroep"):
        assert words in text, words
    for english in ("Decision:", "What drives", "willingness to pay", "unbounded"):
        assert english not in text, english
    c = trede.read(psa_compare_file)
    nl = NumberFormat("nl")
    for r in cost_per_person(c)["ratio"]:
        assert nl.value("eur", r) in table_text(html, "icer-table")


def test_plain_comparison_has_a_decision_section_and_says_what_is_missing(reports, cli_compare_file, tmp_path):
    html = reports["compare", "en"].read_text()
    text = text_of(html)
    decision = text_of(html[html.index('<h2 id="decision"'):html.index('<h2 id="differences"')])
    assert "one replicate; there are 5" in decision and "trede compare … --draws D" in decision
    assert 'id="drivers"' not in html
    # A Fieller set outside an interval is said in words, with its ends.
    path = tmp_path / "exclusive.h5"
    shutil.copy(cli_compare_file, path)
    with h5py.File(path, "a") as f:
        kinds = f["decision/cost_per_person/fieller_kind"]
        kinds[0] = "exclusive"
        lo, hi = f["decision/cost_per_person/fieller_lower"][0], f["decision/cost_per_person/fieller_upper"][0]
    out = trede.report.write_report(path, tmp_path / "exclusive.html", strict=True)
    icer = table_text(out.read_text(), "icer-table")
    f = NumberFormat("en")
    assert f"not bounded: the extra effect may be 0 (below {f.value('eur', lo)} or above {f.value('eur', hi)})" in icer
    # A file without decision summaries (an older trede) says so instead of drawing empty panels.
    with h5py.File(path, "a") as f:
        del f["decision"]
    html = trede.report.render(path, strict=True)
    assert "has no decision summaries" in text_of(html)


@pytest.fixture(scope="module")
def browser():
    with Browser() as b:
        yield b


def check_page(browser, path, sections, screens=None, widths=WIDTHS):
    """Loads the page at each width: no problems, the sections, every image decoded and not
    blank, no table or the page wider than its box. Screenshots go to ``screens``."""
    page = None
    for width in widths:
        browser.resize(width)
        page = browser.load(path)
        assert not page.problems, "\n".join(page.problems)
        assert page.title
        assert browser.evaluate("Array.from(document.querySelectorAll('h2')).map(h => h.id)") == sections
        assert len(page.figures) == len(page.images) >= 5
        for img in page.images:
            assert img["complete"] and img["width"] > 300 and img["height"] > 150, f"image not decoded: {img}"
            assert img["w"] > 300 and img["h"] > 100, f"image not laid out: {img}"
            assert img["x"] + img["w"] <= width, f"image beyond the window at {width} px: {img}"
        for selector in ("document", *TABLES):
            o = browser.overflow(selector)
            if o is not None:
                assert o["scrollWidth"] <= o["clientWidth"], f"{selector} scrolls sideways at {width} px: {o}"
        shot = browser.full_page()  # one screenshot of the whole page, cut into the figures
        if screens is not None:
            screens.mkdir(exist_ok=True)
            (screens / f"{path.stem}-{width}.png").write_bytes(shot)
        for fig in page.figures:
            blank = blank_fraction(shot, fig)
            assert blank < MAX_BLANK, f"{fig['id']} looks blank at {width} px ({blank:.1%} one colour)"
    return page


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_run_report_in_the_browser(browser, reports, lang, tmp_path_factory):
    page = check_page(browser, reports["run", lang], RUN_SECTIONS, reports["run", lang].parent / "screens")
    assert "ladder-bm2" in page.title
    assert [r for r in page.requests if not r.startswith("data:")] == [page.url]  # nothing but the page


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_comparison_report_in_the_browser(browser, reports, lang):
    page = check_page(browser, reports["compare", lang], COMPARE_SECTIONS, reports["compare", lang].parent / "screens")
    assert "gecombineerd" in page.title


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_psa_comparison_report_in_the_browser(browser, psa_compare_reports, lang):
    page = check_page(browser, psa_compare_reports[lang], PSA_COMPARE_SECTIONS,
                      psa_compare_reports[lang].parent / "screens")
    assert "groningen-uncertain" in page.title
    assert len(page.images) == 10
    for selector in ("#icer-table", "#decision-drivers-table", "#assumptions-drawn"):
        assert browser.overflow(selector) is not None, f"{selector} missing"


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_psa_report_in_the_browser(browser, psa_reports, lang):
    page = check_page(browser, psa_reports[lang], PSA_SECTIONS, psa_reports[lang].parent / "screens")
    assert "groningen-uncertain" in page.title
    assert len(page.images) == 10


def test_five_scenarios_fit_the_page(browser, tmp_path):
    """Five organisation models with long names, as the national comparison has: every table
    fits at 1280 px."""
    files = []
    for m, text in organisation_variants(("partieel", "gecombineerd", "integraal", "bedrijf_beschut_werk",
                                          "klassiek")).items():
        (tmp_path / f"{m}.toml").write_text(text.replace(f'name = "{m}"', f'name = "nederland-{m}"'))
        files.append(f"{m}.toml")
    small = {**BM2_SMALL, "population[0].count": 600, "inflow[0].rate_per_year": 60, "horizon_years": 3}
    p = cli("compare", *files, *set_args(small), "-n", 3, "--seed", 2, "-q", "-o", "five.h5", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    p = cli("report", "five.h5", "-o", "five.html", "--check-layout", "-q", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    html = (tmp_path / "five.html").read_text()
    assert "without their common prefix" in html
    check_page(browser, tmp_path / "five.html", COMPARE_SECTIONS, tmp_path / "screens", widths=(1280,))


def test_traced_people_get_a_life_course_figure(browser, tmp_path):
    p = cli("run", BM2, *set_args(BM2_SMALL), "-n", 2, "--seed", 3, "-q", "--trajectories", 30, "-o", "t.h5",
            cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    p = cli("report", "t.h5", "-o", "t.html", "--check-layout", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    html = (tmp_path / "t.html").read_text()
    assert_self_contained(html)
    assert "Life courses of the first 30 traced people" in html
    sections = RUN_SECTIONS[:RUN_SECTIONS.index("costs")] + ["trajectories"] + RUN_SECTIONS[RUN_SECTIONS.index("costs"):]
    check_page(browser, tmp_path / "t.html", sections, widths=(1280,))


def test_the_browser_checks_catch_a_broken_page(browser, tmp_path):
    """The checks above can fail: a page with a console error, an exception, a corrupt image,
    a request to the network, a blank figure and a table wider than its box is caught on every
    count."""
    browser.resize(1280)
    bad = tmp_path / "bad.html"
    bad.write_text("""<!DOCTYPE html><html><head><title>bad</title><link rel="icon" href="data:,"></head><body>
        <figure id="broken"><img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAE="></figure>
        <figure id="blank" style="width:300px;height:200px;background:#fff"></figure>
        <div id="answer-table" style="max-width:400px;overflow-x:auto"><table><tr><td style="white-space:nowrap">
        """ + "wide " * 200 + """</td></tr></table></div>
        <img src="http://127.0.0.1:9/x.png">
        <script>console.error("something went wrong"); null.x;</script></body></html>""")
    page = browser.load(bad)
    text = "\n".join(page.problems)
    assert "console.error: something went wrong" in text
    assert "exception:" in text
    assert "request outside the page: http://127.0.0.1:9/x.png" in text
    broken = next(i for i in page.images if i["id"] == "broken")
    assert broken["width"] == 0, "a corrupt image must not decode"
    blank = next(f for f in page.figures if f["id"] == "blank")
    assert blank_fraction(browser.full_page(), blank) >= MAX_BLANK
    o = browser.overflow("#answer-table")
    assert o["scrollWidth"] > o["clientWidth"]


def test_results_by_attribute_are_shown(tmp_path):
    """[report.by]: the run page shows the people of each state by age band and by doelgroep at
    the last report time, in English and Dutch, with the same numbers as the file."""
    r = trede.run(MODELS / "participatiewet" / "groningen.toml", 2, seed=1,
                  overrides={"horizon_years": 2, "report.by.age": [27, 45, 60], "report.by.doelgroep": True})
    html = trede.report.render(r, strict=True)
    assert section_ids(html) == RUN_SECTIONS
    text = text_of(html)
    assert "People by age at 2026" in text and "People by doelgroep at 2026" in text
    assert "age 27-45" in text and "doelgroep = beschut" in text
    occ = r.by_group("occupancy")
    row = occ[(occ.statistic == "mean") & (occ.state == "bijstand_t2") & (occ.group == "age 27-45")]
    from trede._format import NumberFormat
    shown = NumberFormat("en").value("count", float(row[row.time == row.time.max()].value.iloc[0]))
    assert shown in text
    nl = text_of(trede.report.render(r, lang="nl", strict=True))
    assert "Personen naar age in 2026" in nl
