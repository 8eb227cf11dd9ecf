#!/usr/bin/python3
"""Events per second of trede and of the SimPy 2 peer on the reference ladder benchmark.

Runs bench/peers/ladder_simpy2.py (SimPy 2.3.1, Debian's python3-simpy, under /usr/bin/python3)
and `trede run --threads 1` on the same models (models/ladder-bm.toml = BM1,
models/ladder-bm2.toml = BM2) at the same population, several times each, and prints the median
events/s of each tool and their ratio. For BM2 at a population other than 100,000, inflow and
places are scaled in proportion, as ladder_simpy2.py does.

Both sides count an event the same way (one state transition, one move on or off a waiting list,
or one arrival). `events/s` is what each tool reports: wall-clock time of the simulation only
(creating the population included; reading the model and starting the interpreter or program
excluded). `per CPU s` divides by the CPU time of the whole process instead (start-up included),
which is the steadier figure on a busy machine. Medians over the runs.

usage (from the repository root, after `cmake --build --preset release`):
    bench/peers.py                                   # BM1 and BM2, 100,000 people, 3 runs each
    bench/peers.py --trede build/h-bench/bin/trede --bm 1 --runs 5
    bench/peers.py --n 20000 --trede-only            # skip SimPy (BM2 takes ~70 s a run there)
"""
import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REFERENCE_PEOPLE = 100_000
MODELS = {1: "ladder-bm.toml", 2: "ladder-bm2.toml"}


def trede_sets(bm, n):
    """--set overrides scaling model BMbm to n people (BM2: inflow and places too)."""
    scale = n / REFERENCE_PEOPLE
    sets = [f"population[0].count={n}"]
    if bm == 2:
        sets += [f"inflow[0].rate_per_year={round(10_000 * scale)}",
                 f"state[beschut_werk].capacity={round(2_000 * scale)}",
                 f"state[tussengroep].capacity={round(1_000 * scale)}"]
    return sets


# "ladder-bm: 3 replicates, seed 1, 1 thread; 1.79 M events in 0.30 s (5.98 M events/s)"
HEADLINE = re.compile(r"; (?P<ev>[0-9.e+]+) (?:(?P<evu>[kMG]) )?events in (?P<s>[0-9.]+) s "
                      r"\((?P<rate>[0-9.e+]+) (?:(?P<rateu>[kMG]) )?events/s\)")
UNIT = {None: 1.0, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9}


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd):
    """stdout of cmd and the CPU seconds (user + system) the process used."""
    c0 = child_cpu()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return out, child_cpu() - c0


def run_trede(exe, bm, n, seed, replicates):
    """(events per replicate, events/s as trede prints it, events/s per process CPU second)."""
    cmd = [exe, "run", os.path.join(ROOT, "models", MODELS[bm]), "-n", str(replicates),
           "--threads", "1", "--seed", str(seed)]
    for s in trede_sets(bm, n):
        cmd += ["--set", s]
    out, cpu = timed(cmd)
    m = HEADLINE.search(out.splitlines()[0])
    if not m:
        sys.exit(f"peers.py: cannot read the headline of `{' '.join(cmd)}`:\n{out.splitlines()[0]}")
    total = float(m["ev"]) * UNIT[m["evu"]]
    return total / replicates, float(m["rate"]) * UNIT[m["rateu"]], total / cpu


def run_simpy(python, script, spec, bm, n, seed):
    """(events, events/s as the script times it, events/s per process CPU second)."""
    cmd = [python, script, spec, "--bm", str(bm), "--n", str(n), "--seed", str(seed)]
    out, cpu = timed(cmd)
    r = json.loads(out.strip().splitlines()[-1])
    return r["events"], r["events"] / r["sim_s"], r["events"] / cpu


def human(v):
    for u, f in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if v >= f:
            return f"{v / f:.3g}{u}"
    return f"{v:.3g}"


def default_trede():
    for cand in ("build/release/bin/trede", "build/ci/bin/trede"):
        p = os.path.join(ROOT, cand)
        if os.path.exists(p):
            return p
    return shutil.which("trede") or os.path.join(ROOT, "build/release/bin/trede")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trede", default=None,
                    help="the trede program (default: build/release/bin/trede, then build/ci/bin/trede, then PATH)")
    ap.add_argument("trede_pos", nargs="?", metavar="TREDE", help="same as --trede")
    ap.add_argument("--bm", type=int, nargs="+", choices=[1, 2], default=[1, 2])
    ap.add_argument("--n", type=int, default=REFERENCE_PEOPLE, help="people at the start (default 100000)")
    ap.add_argument("--runs", type=int, default=3, help="runs per tool and model; the median is reported")
    ap.add_argument("--replicates", type=int, default=3,
                    help="replicates per `trede run` (one thread; events/s is over all of them)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--python", default="/usr/bin/python3", help="interpreter with SimPy 2 (python3-simpy)")
    ap.add_argument("--simpy-script", default=os.path.join(HERE, "peers", "ladder_simpy2.py"))
    ap.add_argument("--spec", default=os.path.join(HERE, "peers", "ladder_bm.json"))
    ap.add_argument("--trede-only", action="store_true", help="do not run SimPy")
    ap.add_argument("--json", action="store_true", help="also print every run as one JSON line")
    a = ap.parse_args()
    exe = a.trede or a.trede_pos or default_trede()
    if not os.access(exe, os.X_OK):
        sys.exit(f"peers.py: no trede program at {exe}; build it (cmake --preset release && "
                 f"cmake --build --preset release) or pass its path")

    print(f"# {time.strftime('%Y-%m-%d %H:%M %Z')}  trede: {exe}  people: {a.n}  runs: {a.runs}  "
          f"load average: {os.getloadavg()[0]:.2f}")
    print(f"{'model':<6} {'tool':<8} {'events/run':>11} {'events/s':>9} {'per CPU s':>10}  all runs (events/s)")
    for bm in a.bm:
        med, med_cpu = {}, {}
        tools = ["trede"] + ([] if a.trede_only else ["simpy2"])
        for tool in tools:
            runs = []
            for i in range(a.runs):
                seed = a.seed + i
                if tool == "trede":
                    runs.append(run_trede(exe, bm, a.n, seed, a.replicates))
                else:
                    runs.append(run_simpy(a.python, a.simpy_script, a.spec, bm, a.n, seed))
                if a.json:
                    print(json.dumps({"bm": bm, "tool": tool, "n": a.n, "seed": seed, "events": runs[-1][0],
                                      "events_per_s": runs[-1][1], "events_per_cpu_s": runs[-1][2]}))
            rates = [r[1] for r in runs]
            med[tool] = statistics.median(rates)
            med_cpu[tool] = statistics.median(r[2] for r in runs)
            events = statistics.median(r[0] for r in runs)
            print(f"BM{bm:<4} {tool:<8} {events:>11,.0f} {human(med[tool]):>9} {human(med_cpu[tool]):>10}  "
                  f"{' '.join(human(r) for r in rates)}", flush=True)
        if "simpy2" in med:
            print(f"BM{bm:<4} trede / SimPy 2: {med['trede'] / med['simpy2']:.0f}x "
                  f"(per CPU second: {med_cpu['trede'] / med_cpu['simpy2']:.0f}x)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
