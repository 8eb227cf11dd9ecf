#!/bin/sh
# National PSA in minutes (issue "Fast enough for the national model"): a PSA of
# models/participatiewet/nederland.toml with DRAWS parameter draws, one replicate per draw, on a
# sample of the population (sample_share SHARE), timed with /usr/bin/time -v; then a full-scale
# PSA (sample_share 1) of the first FULL_DRAWS draws of the same Sobol design, and
# national_psa_compare.py states the accuracy lost by the share.
#
#   bench/national_psa.sh [BUILD_DIR] [OUT_DIR]
#   DRAWS=1024 SHARE=0.02 FULL_DRAWS=32 THREADS=0 SEED=1 bench/national_psa.sh build/release /tmp/npsa
#
# Sobol designs are balanced for powers of 2 and the first FULL_DRAWS draws of the DRAWS-draw
# design are the FULL_DRAWS-draw design, so the two PSAs share those parameter sets.
# Set SKIP_FULL=1 to time the sampled PSA only.
set -eu
BUILD=${1:-build/release}
OUT=${2:-/tmp/trede-national-psa}
DRAWS=${DRAWS:-1024}
SHARE=${SHARE:-0.02}
FULL_DRAWS=${FULL_DRAWS:-32}
THREADS=${THREADS:-0}
SEED=${SEED:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TREDE="$BUILD/bin/trede"
MODEL="$ROOT/models/participatiewet/nederland.toml"
mkdir -p "$OUT"
rm -rf "$OUT/share.h5" "$OUT/share.h5.parts" "$OUT/full.h5" "$OUT/full.h5.parts"

timed() {  # timed NAME CMD...: runs CMD under /usr/bin/time -v, prints wall time and peak memory
  name=$1; shift
  echo "\$ $*"
  /usr/bin/time -v "$@" > "$OUT/$name.stdout" 2> "$OUT/$name.time"
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/$name.time")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/$name.time")
  user=$(sed -n 's/.*User time (seconds): //p' "$OUT/$name.time")
  echo "$name: wall $wall, user ${user} s, peak memory $((rss / 1024)) MB"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
timed share "$TREDE" run "$MODEL" --draws "$DRAWS" -n 1 --design sobol --seed "$SEED" --threads "$THREADS" \
  --set "sample_share=$SHARE" -q -o "$OUT/share.h5"
if [ "${SKIP_FULL:-0}" != 1 ]; then
  timed full "$TREDE" run "$MODEL" --draws "$FULL_DRAWS" -n 1 --design sobol --seed "$SEED" --threads "$THREADS" \
    -q -o "$OUT/full.h5"
  PYTHONPATH="$BUILD/python${PYTHONPATH:+:$PYTHONPATH}" /usr/bin/python3 "$HERE/national_psa_compare.py" "$OUT/share.h5" "$OUT/full.h5"
fi
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
