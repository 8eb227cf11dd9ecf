#!/usr/bin/python3
"""Runs `trede calibrate --targets` on an instance and writes the fitted inflow rates into it.

    TREDE_CLI=build/h-models/bin/trede /usr/bin/python3 models/participatiewet/tools/calibrate_instance.py \
        models/participatiewet/am-match.toml models/participatiewet/tools/targets_am_match.json

The targets file names the parameters (keys `inflow[N].rate_per_year`), bounds and starts.
trede calibrate fits them by simulated moments with common random numbers (BOBYQA); this script
reads the estimates from its fit report (HDF5) and puts each value into the N-th [[inflow]]
table of the scenario with a short comment, leaving the rest of the file as it is. The full fit
report is kept next to the targets file as <targets>.report.h5 (not committed).
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pwlib as pw  # noqa: E402


def set_inflow_rate(text, n, value, note):
    blocks = [m.start() for m in re.finditer(r"^\[\[inflow\]\]$", text, re.M)]
    start = blocks[n]
    end = blocks[n + 1] if n + 1 < len(blocks) else len(text)
    blk = re.sub(r"^rate_per_year = .*$", f"rate_per_year = {value:.2f}  # {note}", text[start:end], count=1, flags=re.M)
    return text[:start] + blk + text[end:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Further options are passed to trede calibrate.")
    ap.add_argument("model", type=Path, help="the instance scenario (TOML); its [[inflow]] rates are rewritten")
    ap.add_argument("targets", type=Path, help="the targets file (JSON) naming inflow[N].rate_per_year parameters")
    args, extra = ap.parse_known_args()
    model, targets = args.model.resolve(), args.targets.resolve()
    d = pw.tmpdir()
    report = d / "report.h5"
    cmd = [pw.trede_cli(), "calibrate", str(model), "--targets", str(targets), "-o", str(d / "out.toml"),
           "--report", str(report), "--threads", "1"] + extra
    print(" ".join(cmd))
    subprocess.run(cmd, check=True)
    fit = pw.trede_package().read(report).estimates
    keys, est = list(fit["key"]), list(fit["estimate"])
    text = model.read_text()
    for k, v in zip(keys, est):
        m = re.fullmatch(r"inflow\[(\d+)\]\.rate_per_year", k)
        if not m:
            raise SystemExit(f"cannot write {k}: only inflow[N].rate_per_year is supported")
        text = set_inflow_rate(text, int(m.group(1)), float(v), f"fitted with trede calibrate ({targets.name})")
    model.write_text(text)
    print(f"wrote {model}")


if __name__ == "__main__":
    main()
