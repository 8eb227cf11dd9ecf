#!/usr/bin/env bash
# Re-measures the figures in bench/README.md.
#
# usage: bench/figures.sh [BUILD_DIR] [--no-peers]
#          every Google Benchmark in trede_bench (3 repetitions, medians shown) and the SimPy 2
#          comparison (bench/peers.py, 3 runs each, medians). BUILD_DIR default: build/release.
#        bench/figures.sh [BUILD_DIR] --against OTHER_BUILD_DIR [--limit LADDER_LIMIT] [--rounds N]
#          side by side: the replicate benchmarks (BM1, BM2 at 100,000 and 1,000,000 people) of
#          both builds in alternating order, N rounds (default 5), and, with --limit, the
#          hand-written reference ladder_limit (methods ind, seq, gill) in the same rounds;
#          medians of events/s per CPU second and their ratios, in two phases, each case in its
#          own processes: "cold", the first replicate of a fresh process (every page of memory is
#          new and the kernel must fault it in; Google Benchmark's --benchmark_min_time=0, one
#          replicate), and "steady", the replicates of a process once it has run replicates for
#          at least 0.5 s (the second of two repetitions of Google Benchmark's own timing), as
#          every later replicate of an ensemble, a PSA or a sweep runs. ladder_limit runs 3
#          replicates a process: its first is cold, its last steady.
# The full JSON of a benchmark run is written to BUILD_DIR/bench-<date>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/release
peers=1
against=""
limit=""
rounds=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-peers) peers=0 ;;
    --against) against=$2; shift ;;
    --limit) limit=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    *) build=$1 ;;
  esac
  shift
done
bench="$build/bin/trede_bench"
[[ -x "$bench" ]] || { echo "figures.sh: no $bench; configure with -DTREDE_BUILD_BENCH=ON and build" >&2; exit 2; }

stamp=$(date -u '+%Y-%m-%dT%H%MZ')
dirty=$(git diff --quiet HEAD -- libsim include bench 2>/dev/null || echo ' (+ uncommitted changes)')
echo "# $stamp  commit $(git rev-parse --short=12 HEAD)$dirty  $(nproc) cores  load $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ -z "$against" ]]; then
  "$bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
    --benchmark_out="$build/bench-$stamp.json" --benchmark_out_format=json |
    grep -v -E '_(mean|stddev|cv) '
  echo "# JSON: $build/bench-$stamp.json"
  if [[ $peers == 1 ]]; then
    bench/peers.py "$build/bin/trede"
  fi
  exit 0
fi

other="$against/bin/trede_bench"
[[ -x "$other" ]] || { echo "figures.sh: no $other" >&2; exit 2; }
[[ -z "$limit" || -x "$limit" ]] || { echo "figures.sh: no $limit (build: g++ -O2 -std=c++20 ladder_limit.cpp)" >&2; exit 2; }
[[ -z "$limit" ]] || limit=$(realpath "$limit")  # a bare name is the file here, not one on PATH
echo "# side by side: A = $build, B = $against, $rounds rounds"
for b in "$build" "$against"; do  # the commit each build was made from (the program's --version)
  if [[ -x "$b/bin/trede" ]]; then echo "#   $b: $("$b/bin/trede" --version)"; fi
done
/usr/bin/python3 - "$bench" "$other" "$rounds" "$limit" <<'EOF'
import json, statistics, subprocess, sys

a, b, rounds, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
cases = [(bm, n) for bm in (1, 2) for n in (100_000, 1_000_000)]
results = {}  # (tool, phase, bm, n) -> [events per CPU second]; phase 0 cold, 1 steady
phases = ("cold", "steady")

def trede(binary, tool):
    for bm, n in cases:
        flt = f"--benchmark_filter=^replicate/BM{bm}/people:{n}$"
        for phase, args in enumerate((["--benchmark_min_time=0", "--benchmark_repetitions=1"],
                                      ["--benchmark_repetitions=2"])):
            out = subprocess.run([binary, flt, *args, "--benchmark_format=json"], capture_output=True, text=True,
                                 check=True).stdout
            runs = [r for r in json.loads(out)["benchmarks"] if r.get("run_type") == "iteration"]
            if len(runs) != phase + 1:
                sys.exit(f"figures.sh: {binary} {flt} {args}: expected {phase + 1} runs, got {len(runs)}")
            results.setdefault((tool, phase, bm, n), []).append(runs[-1]["events/s"])

def ladder(method, bm, n):
    # ladder_limit times its own simulation by the wall clock (one thread), per replicate; trede_bench
    # counts CPU time. On a shared machine the wall clock runs ahead of the CPU time, so the
    # simulation's CPU seconds are taken as its wall seconds times the whole process's CPU/wall
    # ratio (os.wait4's rusage), which puts both tools on the same footing.
    import os, time
    start = time.monotonic()
    proc = subprocess.Popen([limit, "--bm", str(bm), "--method", method, "--n", str(n), "--reps", "3", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    err = proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"figures.sh: {limit} failed: {err}")
    cpu_share = min(1.0, (usage.ru_utime + usage.ru_stime) / wall) if wall > 0 else 1.0
    lines = err.splitlines()
    if len(lines) != 3:
        sys.exit(f"figures.sh: {limit} --reps 3 printed {len(lines)} lines: {err}")
    for phase, line in ((0, lines[0]), (1, lines[-1])):
        kv = dict(x.split("=") for x in line.split())
        results.setdefault((method, phase, bm, n), []).append(int(kv["events"]) / (float(kv["sim_s"]) * cpu_share))

for r in range(rounds):
    order = [(a, "A"), (b, "B")] if r % 2 == 0 else [(b, "B"), (a, "A")]
    for binary, tool in order:
        trede(binary, tool)
    if limit:
        for bm, n in cases:
            for method in ("ind", "seq", "gill"):
                if method == "seq" and bm == 2:
                    continue
                ladder(method, bm, n)

tools = ["A", "B"] + (["ind", "seq", "gill"] if limit else [])
for phase, name in enumerate(phases):
    print(f"\n{name}: median M events/s per CPU second over {rounds} rounds "
          f"(ladder_limit: its simulation's wall time times its process's CPU share)")
    print("| model | people | " + " | ".join(tools) + " | A/B | " + " | ".join(f"A/{t}" for t in tools[2:]) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in tools) + " | --- | " + " | ".join("---" for _ in tools[2:]) + " |")
    for bm, n in cases:
        med = {t: statistics.median(results[(t, phase, bm, n)]) for t in tools if (t, phase, bm, n) in results}
        cells = [f"{med[t] / 1e6:.2f}" if t in med else "—" for t in tools]
        ratios = [f"{med['A'] / med['B']:.2f}"] + [f"{med['A'] / med[t]:.2f}" if t in med else "—" for t in tools[2:]]
        print(f"| BM{bm} | {n:,} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
print("\nall rounds:")
for key in sorted(results):
    print(key[0], phases[key[1]], f"BM{key[2]}", key[3], " ".join(f"{v / 1e6:.2f}" for v in results[key]))
EOF
