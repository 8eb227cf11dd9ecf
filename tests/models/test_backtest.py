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


def test_conditioning_on_the_figures_is_the_linear_gaussian_update():
    """conditioned_cov against closed forms: one value and one figure is the delta method (with
    the prior's small share), two values tied by one figure become negatively correlated with
    the figure's own error left, and a value the figures do not touch keeps its prior."""
    err, e = 0.01, 0.2
    c = bt.conditioned_cov([1.0], [[e]], [err])
    assert np.isclose(c[0, 0], 1 / (1 + (e / err) ** 2))                      # 1 / (1/s^2 + e^2/err^2)
    assert np.isclose(np.sqrt(c[0, 0]), err / e, rtol=2e-3)
    s1, s2 = 0.5, 0.3
    c = bt.conditioned_cov([s1, s2, 0.7], [[1.0, 1.0, 0.0]], [err])
    g = s1 ** 2 + s2 ** 2 + err ** 2
    assert np.allclose(c[:2, :2], [[s1 ** 2 - s1 ** 4 / g, -s1 ** 2 * s2 ** 2 / g], [-s1 ** 2 * s2 ** 2 / g, s2 ** 2 - s2 ** 4 / g]])
    assert np.isclose(c[2, 2], 0.49) and np.allclose(c[2, :2], 0) and np.allclose(c, c.T)
    # the figure's linearised spread under the conditioned draws: err^2 (s1^2 + s2^2) / g < err^2
    j = np.array([1.0, 1.0, 0.0])
    assert np.isclose(j @ c @ j, err ** 2 * (s1 ** 2 + s2 ** 2) / g) and j @ c @ j < err ** 2
    # and by sampling: the draws of the joint prior whose figure falls within a narrow window
    # around the centre have this covariance (seed 1, 400,000 draws; tolerance ~4 SE)
    rng = np.random.default_rng(1)
    th = rng.normal(size=(400_000, 3)) * [s1, s2, 0.7]
    y = th @ j + rng.normal(size=len(th)) * 0.1
    big = bt.conditioned_cov([s1, s2, 0.7], [j], [0.1])
    keep = th[np.abs(y) < 0.005]
    assert len(keep) > 2000
    assert np.allclose(np.cov(keep.T), big, atol=4 * 0.5 ** 2 * np.sqrt(2 / len(keep)))


def test_the_rule_holds_its_quantity_in_every_direction():
    """with_rule: the extended covariance gives the held quantity no spread (its linearised
    value j_hold . d_theta + j_rule * d_r is the same in every draw) and leaves theta's own block."""
    rng = np.random.default_rng(2)
    a = rng.normal(size=(4, 4))
    c = a @ a.T + np.eye(4)
    jh, jr = np.array([0.3, -0.2, 0.1, 0.0]), 0.5
    x = bt.with_rule(c, jh, jr)
    assert x.shape == (5, 5) and np.allclose(x[:4, :4], c)
    v = np.append(jh, jr)
    assert abs(v @ x @ v) < 1e-12
    assert np.isclose(x[4, 4], jh @ c @ jh / jr ** 2)


def test_nederland_carries_the_conditioned_group():
    """nederland.toml's multivariate normal group (tools/nederland_uncertainty.py --write) holds
    every fitted value and every lognormal prior of tools/nederland_priors.toml, none of them
    also as an entry of its own; conditioning never widens a prior; the arrivals held after 2023
    (key 2024) carry their stated extra sd_log 0.30."""
    import tomllib
    import nederland_uncertainty as nu
    with open(bt.NL, "rb") as f:
        unc = tomllib.load(f)["uncertainty"]
    (group,) = unc["multivariate_normal"]
    keys, cov = group["keys"], np.asarray(group["covariance"])
    assert group["scale"] == "log" and cov.shape == (len(keys), len(keys))
    assert group["name"] == nu.GROUP_NAME  # its label in the EVPPI and sensitivity tables of `trede compare`
    assert np.all(np.linalg.eigvalsh(cov) > 0)
    sd = dict(zip(keys, np.sqrt(np.diag(cov))))
    priors = bt.conditioned_priors()
    assert set(priors) <= set(keys) and not set(priors) & set(unc)
    for key, (_, sd_log) in priors.items():
        assert sd[key] <= sd_log * 1.001 + 1e-4, key
    held = [k for k in keys if k.startswith("inflow[") and k.endswith(".2024")]
    fitted = [k for k in keys if k.startswith("inflow[") and k.endswith(".2023")]
    assert len(held) == len(fitted) == 3
    assert all(sd[h] ** 2 >= sd[f] ** 2 + nu.ARRIVALS_LATER ** 2 - 1e-3 for h, f in zip(held, fitted))
    assert all(f"transition[{frm}->regulier_werk].multiplier" in keys for frm in bt.fn.JOB_FROM)
    # the LKS entry of 2015-16, the doelgroep's referral effect (both transitions, one value) and the
    # beschut arrivals are fitted values too: they carry their calibration uncertainty
    assert "transition[matching->afspraakbaan].rate.2015" in keys and set(bt.BETA_KEYS) <= set(keys)
    assert {f"inflow[3].rate_per_year.{y}" for y in bt.fn.BESCHUT_YEARS} <= set(keys)
    assert all(0 < sd[k] < bt.FIT_PRIOR for k in bt.BETA_KEYS + ["transition[matching->afspraakbaan].rate.2015"])
    assert nu.GROUP_BEGIN in bt.NL.read_text() and nu.GROUP_END in bt.NL.read_text()


def test_calibrated_cov_spreads_values_over_keys_and_adds_the_walks():
    """calibrated_cov against its closed form: the keys of one value share its variance (the
    diagonal raised by 1 - rho), keys of two values their covariance, and a value with a walk gets
    step^2 min(h, h') on top; a zero elasticity of the held quantity is refused by with_rule."""
    c = np.array([[0.04, -0.01], [-0.01, 0.09]])
    values = [("a+", ["k1", "k2"], [0.0, 0.0]), ("o", ["k3"], [0.0])]
    cov = bt.calibrated_cov(values, c, {"a+": (0.1, [1, 3])}, rho=0.999)
    want = np.array([[0.04 * 1.001 + 0.01 * 1, 0.04 + 0.01 * 1, -0.01],
                     [0.04 + 0.01 * 1, 0.04 * 1.001 + 0.01 * 3, -0.01],
                     [-0.01, -0.01, 0.09 * 1.001]])
    assert np.allclose(cov, want)
    assert np.all(np.linalg.eigvalsh(cov) > 0)
    import pytest
    with pytest.raises(ValueError):
        bt.with_rule(c, [0.1, 0.2], 0.0)


def test_the_lks_and_beschut_values_are_conditioned_on_the_figures_known_at_the_origin(tmp_path):
    """The LKS entry rate of 2015-16 ("l"), the doelgroep's referral effect ("beta") and the
    beschut arrivals up to the origin ("b") are in the calibration group at every origin, with the
    priors of what the origin knows: at 2016 only the LKS persons of 1 January 2017 are known, so
    beta starts from its assumed prior (BETA_PRIOR) and l from the flat one; at 2018 both start
    flat and the three LKS figures tie them. The conditioning never widens a prior, and the figures
    after the origin are not among those it uses."""
    tg = bt.load_targets()
    out = {}
    for Y in (2016, 2018):
        p, _, k = bt.fit(Y, tg, QUICK, tmp_path, lambda *a: None)
        values, C = bt.calibration(p, k, Y, QUICK, tmp_path)
        names = [v[0] for v in values]
        assert {"l", "beta", "b"} <= set(names), names
        sd = {n: float(np.sqrt(C[i, i])) for i, n in enumerate(names)}
        keys = dict((n, ks) for n, ks, _ in values)
        assert keys["beta"] == bt.BETA_KEYS and keys["l"] == ["transition[matching->afspraakbaan].rate.2015"]
        assert keys["b"] == [f"inflow[3].rate_per_year.{y}" for y in sorted(p["b"]) if y <= Y]
        out[Y] = (sd, C, p, k)
    # at 2016 nothing later than 1 January 2017 ties beta: it keeps most of its prior; at 2018
    # the LKS figures of 2017.95 and 2018.4 tie beta and l well inside their flat priors
    assert 0.5 * bt.BETA_PRIOR < out[2016][0]["beta"] <= bt.BETA_PRIOR * 1.001
    assert out[2018][0]["beta"] < 0.8 * bt.FIT_PRIOR and out[2018][0]["l"] < 0.8 * bt.FIT_PRIOR
    for Y in out:
        assert out[Y][0]["l"] <= bt.FIT_PRIOR * 1.001 and out[Y][0]["b"] <= bt.FIT_PRIOR * 1.001
    # beschut werk at the end of 2016 (115 people) is about 1 person in this sample: too few to
    # measure its elasticity (MIN_SAMPLED), so "b" keeps the prior of a value without a figure
    assert 115 * QUICK.fit_share * QUICK.fit_n < bt.MIN_SAMPLED
    assert out[2016][0]["b"] <= bt.BESCHUT_STEP * 1.001
    # the figures after the origin are not among those known to it (they cannot enter the update)
    _, _, _, k0 = out[2016]
    assert bt.known(_later_figures_changed(tg, 2016, 1.5), 2016) == k0
