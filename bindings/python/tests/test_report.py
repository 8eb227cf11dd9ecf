"""The HTML report: `trede report` and `python3 -m trede.report` write one self-contained page
(no scripts, no external resources, figures as embedded PNG) with the sections the issue asks
for; and in a real browser (Debian's chromium, headless, over the DevTools protocol) the page
loads without console errors, exceptions, failed loads or requests outside the page, and every
figure renders: a decoded image, and a screenshot of the figure that is not blank."""

import base64
import io
import os
import re
import shutil
import subprocess
import sys

import pytest
from PIL import Image

import trede
import trede.report
from browser import Browser, blank_fraction
from conftest import BM2, BM2_SMALL, MODELS, cli, describe, set_args

# A figure counts as rendered when less than this share of its screenshot is one colour.
MAX_BLANK = 0.97
RUN_SECTIONS = ["kpis", "ladder", "occupancy", "waiting", "flows", "costs", "tables"]
COMPARE_SECTIONS = ["scenarios", "kpis", "differences", "ladder", "occupancy", "waiting", "costs", "tables"]


@pytest.fixture(scope="module")
def reports(cli_run_file, cli_compare_file, tmp_path_factory):
    """The run file's report by `trede report`, the comparison's by `python3 -m trede.report`."""
    work = tmp_path_factory.mktemp("reports")
    p = cli("report", cli_run_file, "-o", work / "run.html", cwd=work)
    assert p.returncode == 0, describe(p)
    assert p.stdout.strip() == f"wrote {work / 'run.html'}"
    p = subprocess.run([sys.executable, "-m", "trede.report", str(cli_compare_file), "-o", str(work / "compare.html")],
                       cwd=work, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, describe(p)
    return {"run": work / "run.html", "compare": work / "compare.html"}


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


def test_run_report_content(reports, cli_run_file):
    html = reports["run"].read_text()
    assert_self_contained(html)
    assert section_ids(html) == RUN_SECTIONS
    assert len(images(html)) == 6
    r = trede.read(cli_run_file)
    k = r.kpi_table()
    assert trede.report._kpi_value("uitstroom_werk", k.loc["uitstroom_werk", "mean"]) in html
    assert trede.report._kpi_value("cost_total_eur", k.loc["cost_total_eur", "mean"]) in html
    assert r.attrs["scenario_hash"] in html  # provenance in the footer
    assert "beschut_werk" in html and "Waiting lists over the run" in html


def test_comparison_report_content(reports):
    html = reports["compare"].read_text()
    assert_self_contained(html)
    assert section_ids(html) == COMPARE_SECTIONS
    assert "gecombineerd, partieel, klassiek" in html
    assert "Variance reduction from common random numbers" in html
    assert "▲" in html  # klassiek hands people over, gecombineerd does not: a significant difference


def test_report_adapts_to_a_model_without_capacities_or_costs(tmp_path):
    r = trede.run(MODELS / "ladder-bm.toml", 3, seed=1, overrides={"population[0].count": 500, "horizon_years": 3})
    out = trede.report.write_report(r, tmp_path / "bm1.html", title="BM1 <small>")
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
    (tmp_path / "text.h5").write_text("not a result")
    p = cli("report", "text.h5", cwd=tmp_path)
    assert p.returncode == 2, describe(p)
    p = cli("report", "--help", cwd=tmp_path)
    assert p.returncode == 0 and "self-contained HTML report" in p.stdout
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


# ---- in the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    with Browser() as b:
        yield b


def check_page(browser, path, sections):
    page = browser.load(path)
    assert not page.problems, "\n".join(page.problems)
    assert page.title
    assert browser.evaluate("Array.from(document.querySelectorAll('h2')).map(h => h.id)") == sections
    assert len(page.figures) == len(page.images) >= 6
    for img in page.images:
        assert img["complete"] and img["width"] > 300 and img["height"] > 150, f"image not decoded: {img}"
        assert img["w"] > 300 and img["h"] > 100, f"image not laid out: {img}"
    shot = browser.full_page()  # one screenshot of the whole page, cut into the figures
    for fig in page.figures:
        blank = blank_fraction(shot, fig)
        assert blank < MAX_BLANK, f"{fig['id']} looks blank ({blank:.1%} one colour)"
    return page


def test_run_report_in_the_browser(browser, reports):
    page = check_page(browser, reports["run"], RUN_SECTIONS)
    assert "ladder-bm2" in page.title
    assert [r for r in page.requests if not r.startswith("data:")] == [page.url]  # nothing but the page


def test_comparison_report_in_the_browser(browser, reports):
    page = check_page(browser, reports["compare"], COMPARE_SECTIONS)
    assert "gecombineerd" in page.title


def test_traced_people_get_a_life_course_figure(browser, tmp_path):
    p = cli("run", BM2, *set_args(BM2_SMALL), "-n", 2, "--seed", 3, "-q", "--trajectories", 30, "-o", "t.h5",
            cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    p = cli("report", "t.h5", "-o", "t.html", cwd=tmp_path)
    assert p.returncode == 0, describe(p)
    html = (tmp_path / "t.html").read_text()
    assert_self_contained(html)
    assert "Life courses of the first 30 traced people" in html
    sections = RUN_SECTIONS[:RUN_SECTIONS.index("costs")] + ["trajectories"] + RUN_SECTIONS[RUN_SECTIONS.index("costs"):]
    check_page(browser, tmp_path / "t.html", sections)


def test_the_browser_checks_catch_a_broken_page(browser, tmp_path):
    """The checks above can fail: a page with a console error, an exception, a corrupt image,
    a request to the network and a blank figure is caught on every count."""
    bad = tmp_path / "bad.html"
    bad.write_text("""<!DOCTYPE html><html><head><title>bad</title><link rel="icon" href="data:,"></head><body>
        <figure id="broken"><img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAE="></figure>
        <figure id="blank" style="width:300px;height:200px;background:#fff"></figure>
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
