"""The rolling-origin back-test (models/participatiewet/tools/backtest_nederland.py) in a quick
mode: it fits without looking ahead, and runs end to end into a section of a validation file.
Tiny samples (sample_share 0.01) and few iterations: this checks the procedure, not its figures
(docs/validation.md has those, with the command that makes them)."""

import copy
import json
import sys
from argparse import Namespace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "models" / "participatiewet" / "tools"))
import backtest_nederland as bt  # noqa: E402

QUICK = Namespace(fit_share=0.01, fit_n=1, iterations=2, seed=11)


def _later_figures_changed(tg, Y, factor):
    """The fit targets with every figure dated after the end of Y multiplied by `factor`."""
    t = copy.deepcopy(tg)
    for key in ("stock", "outflow", "lks", "wsw"):
        t[key] = {k: (v * factor if k > (Y + 1.0 if key == "lks" else Y) else v) for k, v in t[key].items()}
    t["beschut"] = {k: (v * factor if k > Y + 1.0 else v) for k, v in t["beschut"].items()}
    t["work2021"] *= factor
    t["advice"] *= factor
    t["taakstelling"] = {y: (v * factor if public > Y else v, public) for y, (v, public) in t["taakstelling"].items()}
    return t


def test_the_fit_at_an_origin_does_not_look_ahead(tmp_path):
    """Changing every figure after the origin leaves the fitted values bit for bit the same;
    changing a figure up to the origin moves them (so the comparison can fail)."""
    tg = bt.load_targets()
    Y = 2017
    p0, _, _ = bt.fit(Y, tg, QUICK, tmp_path, lambda *a: None)
    p1, _, _ = bt.fit(Y, _later_figures_changed(tg, Y, 1.5), QUICK, tmp_path, lambda *a: None)
    assert p0 == p1
    moved = copy.deepcopy(tg)
    moved["stock"][Y] *= 1.05
    p2, _, _ = bt.fit(Y, moved, QUICK, tmp_path, lambda *a: None)
    assert p2["a"][Y] != p0["a"][Y]


def test_the_beschut_forecast_uses_only_the_taakstelling_public_at_the_origin():
    """The places and the arrivals with an indication after Y follow the taakstelling public by
    the end of Y (the 2018 figure, published in 2017, counts at origin 2017; the 2019 figure does
    not) and nothing later; they fill the places by the end of each year."""
    tg = bt.load_targets()
    m = dict(beschut_end=800.0, waiting_end=100.0)
    p = dict(b={2015: 70.0, 2016: 110.0, 2017: 1400.0})

    def rule(targets, Y):
        q = copy.deepcopy(p)
        bt.beschut_rule(q, m, bt.known(targets, Y), Y)
        return q

    Y = 2017
    q0 = rule(tg, Y)
    assert sorted(q0["cap"]) == list(range(Y + 1, bt.LAST_YEAR + 4)) and q0["b"][2016] == 110.0
    assert q0["cap"][2018] == round(2 / 3 * tg["taakstelling"][2018][0])       # published in 2017
    # later taakstellingen change, the forecast does not
    later = copy.deepcopy(tg)
    later["taakstelling"] = {y: (v * 1.5 if public > Y else v, public) for y, (v, public) in tg["taakstelling"].items()}
    assert later["taakstelling"][2019] != tg["taakstelling"][2019]
    assert rule(later, Y) == q0
    # a taakstelling public by Y moves it
    moved = copy.deepcopy(tg)
    v, public = moved["taakstelling"][2018]
    moved["taakstelling"][2018] = (v * 1.2, public)
    q1 = rule(moved, Y)
    assert q1["cap"][2018] > q0["cap"][2018] and q1["b"][2018] > q0["b"][2018]
    # bookkeeping: the first year's arrivals fill the places from the people at work and waiting,
    # and never fall below the arrivals of the origin year
    keep = np.exp(-bt.beschut_exit_rate())
    assert q0["b"][2018] == max(1400.0, q0["cap"][2018] - keep * 800.0 - 100.0)
    assert all(q0["b"][y] >= 1400.0 for y in q0["cap"])


def test_the_held_back_figures_are_those_after_the_origin():
    T = bt.pw.targets()
    for Y in (2017, 2019, 2021):
        figs = bt.held_back(T, Y)
        stocks = [int(w) for label, _, w, _, _ in figs if label.startswith("bijstand stock")]
        assert stocks == list(range(Y + 1, 2024)), (Y, stocks)
        assert all(float(w.replace("end ", "").replace("Jan 2023", "2023")) > Y for _, _, w, _, _ in figs), Y
    assert len(bt.held_back(T, 2017)) > len(bt.held_back(T, 2019)) > len(bt.held_back(T, 2021)) > 0


def test_quick_back_test_writes_its_section(tmp_path):
    out = tmp_path / "validation.md"
    out.write_text("# Validation\n\nearlier text\n")
    args = ["--origins", "2019", "--draws", "8", "--share", "0.01", "--fit-share", "0.01", "--fit-n", "1",
            "--iterations", "1", "--seed", "3", "--threads", "1", "--out", str(out), "--json", str(tmp_path / "r.json"), "--quiet"]
    tot = bt.main(args)
    figs = bt.held_back(bt.pw.targets(), 2019)
    assert tot["n"] == len(figs)
    assert 0 <= tot["in50"] <= tot["in90"] <= tot["n"]
    res = json.loads((tmp_path / "r.json").read_text())
    rows = res["origins"]["2019"]
    for r in rows:
        assert r["q05"] <= r["q25"] <= r["q50"] <= r["q75"] <= r["q95"], r
        assert r["in90"] == (r["q05"] <= r["figure"] <= r["q95"]), r
    stock = [r for r in rows if r["label"].startswith("bijstand stock")]
    # parameter uncertainty: the stock bands are not degenerate and widen with the horizon
    widths = [r["q95"] - r["q05"] for r in stock]
    assert all(w > 0 for w in widths) and widths[-1] > widths[0], widths
    text = out.read_text()
    assert text.startswith("# Validation\n\nearlier text\n")
    assert text.count(bt.BEGIN) == 1 and "| **all** | **%d** |" % tot["n"] in text
    bt.main(args)                                     # a second run replaces the section
    assert out.read_text().count(bt.BEGIN) == 1
    assert np.isfinite(tot["hw90"])
