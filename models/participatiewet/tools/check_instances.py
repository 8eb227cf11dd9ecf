#!/usr/bin/python3
"""Prints the checks of the local instances (Groningen, Werkzaak Rivierenland, IJmond Werkt,
AM match, Wedeka and its three futures) as Markdown tables: figure, target, model mean and 90% interval over replicates.

    TREDE_CLI=build/h-models/bin/trede /usr/bin/python3 models/participatiewet/tools/check_instances.py [-n 20]

The results are quoted in README.md under each instance.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pwlib as pw  # noqa: E402

B = pw.BIJSTAND
GE4 = ["ontwikkeltraject", "matching", "tussengroep", "bijstand_deeltijdwerk"]
WORK = ["regulier_werk", "afspraakbaan", "beschut_werk"]


def row(fig, target, values, scale=1.0, pct=False):
    m, lo, hi = pw.summary(values, scale)
    f = (lambda x: f"{100 * x:.1f}%") if pct else (lambda x: f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}")
    return f"| {fig} | {target} | {f(m)} | {f(lo)} – {f(hi)} |"


def table(title, rows):
    print(f"\n{title}\n\n| figure | target | model mean | model 90% interval |\n| --- | ---: | ---: | --- |")
    for r in rows:
        print(r)


def person_years(r, states, y):
    per = (r.period_end > y + 1e-9) & (r.period_end <= y + 1 + 1e-9)
    return r.py[:, per][:, :, r.idx(states)].sum(axis=(1, 2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    d = pw.tmpdir()
    M = pw.MODEL_DIR

    r = pw.run(M / "groningen.toml", d / "g.h5", n=a.n, seed=a.seed)
    table("Groningen (groningen.toml)", [
        row("Wsw employees retiring (AOW) 2024–2037, share of 885", "about 55% (fitted)",
            r.flow(frm=pw.WSW, to=["aow"], t0=2024, t1=2037) / 885, pct=True),
        row("starts in nieuw beschut 2024–2035", "about 158 (fitted)",
            r.flow(frm=["diagnose", "wacht_beschut"], to=["beschut_werk"], t0=2024, t1=2035)),
        row("exits from bijstand to regular work in 2024", "about 1,000 a year (2016–2018)",
            r.flow(frm=B, to=["regulier_werk"], t0=2024, t1=2025)),
        row("share of bijstand on trede ≥ 4, 1 Jan 2024", "20% (Oost)", r.stock(GE4, 2024.0) / r.stock(B, 2024.0), pct=True),
        row("share of bijstand on trede ≥ 4, 1 Jan 2025", "33% expected (Oost)", r.stock(GE4, 2025.0) / r.stock(B, 2025.0), pct=True),
        row("Wsw employees in 2037", "(885 in 2024)", r.stock(pw.WSW, 2037.0)),
        row("nieuw beschut in 2035", "(100 in 2024)", r.stock(["beschut_werk"], 2035.0)),
        row("afspraakbaan in 2030", "(500 working of 1,067 in 2024)", r.stock(["afspraakbaan"], 2030.0)),
    ])

    r = pw.run(M / "werkzaak-rivierenland.toml", d / "w.h5", n=a.n, seed=a.seed)
    y = 2019
    benefit = (person_years(r, ["bijstand_t1", "bijstand_t2", "wacht_beschut", "diagnose", "ontwikkeltraject", "matching",
                                "tussengroep", "bijstand_t3"], y) * 14500
               + person_years(r, ["bijstand_deeltijdwerk"], y) * 7000 + person_years(r, ["afspraakbaan"], y) * 13000)
    programmes = (person_years(r, ["diagnose"], y) * 2000 + person_years(r, ["ontwikkeltraject"], y) * 5000
                  + person_years(r, ["matching"], y) * 3000 + person_years(r, ["tussengroep"], y) * 8000
                  + person_years(r, ["bijstand_t3"], y) * 500 + person_years(r, ["afspraakbaan"], y) * 3000)
    wsw = person_years(r, pw.WSW, y) * 20500
    table("Werkzaak Rivierenland (werkzaak-rivierenland.toml), costs in 2019 (M€; the model's benefit and Wsw costs "
          "per person-year were derived from these lines, so only their split is a check)", [
        row("benefits incl. LKS (the BUIG line)", "39.2 (BUIG netto kosten)", benefit / 1e6),
        row("Wsw", "22.7 (netto lasten WSW)", wsw / 1e6),
        row("programmes and jobcoaching", "4.0 (participatiebudget lasten)", programmes / 1e6),
        row("bijstand stock end 2019", "(2,700 at the start)", r.stock(B, 2020.0)),
        row("SW employees end 2024", "(1,100 in 2019)", r.stock(pw.WSW, 2025.0)),
    ])

    r = pw.run(M / "ijmond-werkt.toml", d / "i.h5", n=a.n, seed=a.seed)
    task = ["bijstand_t2", "bijstand_t3", "bijstand_deeltijdwerk"]
    onward = ["diagnose", "ontwikkeltraject", "matching", "regulier_werk", "afspraakbaan", "beschut_werk", "tussengroep"]
    table("IJmond Werkt (ijmond-werkt.toml)", [
        row("share of bijstand not on trede 1, 1 Jan 2015", "69% (Beverwijk: doelgroep 1,250 of 1,810)",
            1 - r.stock(["bijstand_t1"], 2015.0) / r.stock(B, 2015.0), pct=True),
        row("moving on from bijstand t2/t3/part-time in 2015, share of them", "37% (Beverwijk: 462 of 1,250 doorgestroomd)",
            r.flow(frm=task, to=onward, t0=2015, t1=2016) / r.stock(task, 2015.0), pct=True),
        row("Wsw in 2025", "(670 in 2015)", r.stock(pw.WSW, 2025.0)),
        row("beschut werk in 2025", "(130 expected structurally)", r.stock(["beschut_werk"], 2025.0)),
    ])

    r = pw.run(M / "am-match.toml", d / "a.h5", n=a.n, seed=a.seed)
    table("AM match (am-match.toml)", [
        row("people finishing a traject in 2025", "148 (2022), 127 (2023)", r.flow(frm=["ontwikkeltraject"], t0=2025, t1=2026)),
        row("people finishing a traject in 2026", "148 (2022), 127 (2023)", r.flow(frm=["ontwikkeltraject"], t0=2026, t1=2027)),
        row("in an afspraakbaan (jobcoaching), 1 Jan 2027", "300 (2022), 240 (2023)", r.stock(["afspraakbaan"], 2027.0)),
        row("Wsw detached, share, 1 Jan 2025", "70% already in 2015", r.stock(["wsw_gedetacheerd"], 2025.0) / r.stock(pw.WSW, 2025.0), pct=True),
        row("people at AM match (Wsw, beschut, afspraakbaan, traject), 1 Jan 2030", "(900 in 2025)",
            r.stock(pw.WSW + ["beschut_werk", "afspraakbaan", "ontwikkeltraject"], 2030.0)),
    ])

    # Wedeka: the present form, and the share of its Wsw employees detached under each future.
    r = pw.run(M / "wedeka.toml", d / "wd.h5", n=a.n, seed=a.seed)
    rows = [
        row("Wedeka's workers (Wsw and beschut werk), 1 Jan 2025", "1,500 in 2022 (1,278 derived for 2025)",
            r.stock(pw.WSW + ["beschut_werk"], 2025.0)),
        row("Wedeka's workers (Wsw and beschut werk), 1 Jan 2030", "(1,550 in 2020, 1,500 in 2022)",
            r.stock(pw.WSW + ["beschut_werk"], 2030.0)),
        row("Wsw employees, 1 Jan 2035", "(1,131 in 2025)", r.stock(pw.WSW, 2035.0)),
        row("beschut werk, 1 Jan 2035", "(257 places)", r.stock(["beschut_werk"], 2035.0)),
        row("bijstand stock, 1 Jan 2030", "(4,047 in 2025, assumption)", r.stock(B, 2030.0)),
        row("exits from bijstand to regular work in 2025", "(none given)", r.flow(frm=B, to=["regulier_werk"], t0=2025, t1=2026)),
        row("Wsw detached, share, 1 Jan 2030 (present form)", "37% (national, wsw_detached_share)",
            r.stock(["wsw_gedetacheerd"], 2030.0) / r.stock(pw.WSW, 2030.0), pct=True),
    ]
    for future in ("werkgever", "netwerkorganisatie", "ontwikkelaar"):
        f = pw.run(M / f"wedeka-{future}.toml", d / f"wd-{future}.h5", n=a.n, seed=a.seed)
        target = "70% (AM match 2015)" if future != "werkgever" else "37% (national)"
        rows.append(row(f"Wsw detached, share, 1 Jan 2030 ({future})", target,
                        f.stock(["wsw_gedetacheerd"], 2030.0) / f.stock(pw.WSW, 2030.0), pct=True))
    table("Wedeka (wedeka.toml and its three futures)", rows)


if __name__ == "__main__":
    main()
