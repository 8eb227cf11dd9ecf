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
import fit_nederland as fn  # noqa: E402

QUICK = Namespace(fit_share=0.01, fit_n=1, iterations=2, seed=11)


def _later_figures_changed(tg, Y, factor):
    """The fit targets with every figure dated after the end of Y multiplied by `factor`."""
    t = copy.deepcopy(tg)
    for key in ("stock", "outflow", "lks", "wsw"):
        t[key] = {k: (v * factor if k > (Y + 1.0 if key == "lks" else Y) else v) for k, v in t[key].items()}
    t["beschut"] = {k: (v * factor if k > Y + 1.0 else v) for k, v in t["beschut"].items()}
    t["work2021"] *= factor
    t["advice"] *= factor
    return t


def test_the_fit_at_an_origin_does_not_look_ahead(tmp_path):
    """Changing every figure after the origin leaves the fitted values bit for bit the same;
    changing a figure up to the origin moves them (so the comparison can fail)."""
    tg = fn.load_targets()
    Y = 2017
    p0, _, _ = bt.fit(Y, tg, QUICK, tmp_path, lambda *a: None)
    p1, _, _ = bt.fit(Y, _later_figures_changed(tg, Y, 1.5), QUICK, tmp_path, lambda *a: None)
    assert p0 == p1
    moved = copy.deepcopy(tg)
    moved["stock"][Y] *= 1.05
    p2, _, _ = bt.fit(Y, moved, QUICK, tmp_path, lambda *a: None)
    assert p2["a"][Y] != p0["a"][Y]


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
