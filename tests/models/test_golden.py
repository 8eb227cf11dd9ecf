"""Golden results: every model in models/ with a fixed seed, checked against tests/models/golden.

Each model runs with seed conftest.SEED, a few replicates and, for the national models, a 2%
sample (conftest.RUN_ARGS). Its summaries — the mean over replicates of every KPI, the
occupancy of every state at the middle and the last report time, the ladder at the end, the
waiting lists at the end, the total moves along every flow edge and the organisation costs — are
compared with the checked-in values.

Tolerance: relative 1e-9 (plus 1e-9 absolute). A replicate depends only on the scenario, the seed
and its index (docs/model-formalism.md §10), so the summaries are reproducible to floating-point summation noise;
anything larger means the model, a parameter or the engine changed. After a deliberate change:

    TREDE_UPDATE_GOLDEN=1 ctest -R models.golden      # or: TREDE_UPDATE_GOLDEN=1 pytest tests/models/test_golden.py

rewrites the golden files (review the diff, then commit tests/models/golden/).
"""

import json
import math
import os
import subprocess

import h5py
import numpy as np
import pytest

from conftest import (DEFAULT_REPLICATES, GOLDEN, MODELS, REPLICATES, RUN_ARGS, SEED, TREDE, all_models,
                      golden_name)

RTOL = 1e-9
ATOL = 1e-9
UPDATE = os.environ.get("TREDE_UPDATE_GOLDEN", "") not in ("", "0")


def _strings(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[()]]


def _num(x):
    x = float(x)
    return None if math.isnan(x) else x


def summarize(path):
    with h5py.File(path, "r") as f:
        states = _strings(f["states"])
        time = f["time"][()]
        occ = f["replicates/occupancy"][()].astype(float)
        kpi = f["replicates/kpi"][()]
        names = _strings(f["kpi_names"])
        tr = f["replicates/trede_occupancy"][()].astype(float)
        caps = _strings(f["capacity_states"])
        wait = f["replicates/waiting"][()].astype(float)
        edges = _strings(f["edges/id"])
        flows = f["replicates/flows"][()].astype(float)
        orgs = _strings(f["organisations"]) if "organisations" in f else []
        orgc = f["replicates/organisation_cost_eur"][()] if orgs else None
        cost = f["replicates/cost_eur"][()]
    mid = len(time) // 2
    s = {
        "time_mid": float(time[mid]),
        "time_end": float(time[-1]),
        "kpi": {n: _num(np.nanmean(kpi[:, i])) if not np.all(np.isnan(kpi[:, i])) else None for i, n in enumerate(names)},
        "occupancy_mid": {st: float(occ[:, mid, i].mean()) for i, st in enumerate(states)},
        "occupancy_end": {st: float(occ[:, -1, i].mean()) for i, st in enumerate(states)},
        "trede_end": [float(x) for x in tr[:, -1, :].mean(axis=0)],
        "waiting_end": {c: float(wait[:, -1, i].mean()) for i, c in enumerate(caps)},
        "flows_total": {e: float(flows[:, :, i].sum(axis=1).mean()) for i, e in enumerate(edges)},
        "cost_total_eur": float(cost.sum(axis=1).mean()),
    }
    if orgs:
        s["organisation_cost_total_eur"] = {o: float(orgc[:, :, i].sum(axis=1).mean()) for i, o in enumerate(orgs)}
    return s


def compare(golden, current, path=""):
    """Mismatches between two summaries, as readable lines."""
    out = []
    if isinstance(golden, dict):
        if not isinstance(current, dict):
            return [f"{path}: expected a table"]
        for k in sorted(set(golden) | set(current)):
            if k not in current:
                out.append(f"{path}.{k}: missing now")
            elif k not in golden:
                out.append(f"{path}.{k}: new (not in the golden file)")
            else:
                out += compare(golden[k], current[k], f"{path}.{k}")
    elif isinstance(golden, list):
        if not isinstance(current, list) or len(golden) != len(current):
            return [f"{path}: length changed"]
        for i, (g, c) in enumerate(zip(golden, current)):
            out += compare(g, c, f"{path}[{i}]")
    elif golden is None or current is None:
        if golden is not current:
            out.append(f"{path}: golden {golden}, now {current}")
    else:
        g, c = float(golden), float(current)
        if abs(c - g) > RTOL * max(abs(g), abs(c)) + ATOL:
            out.append(f"{path}: golden {g:.10g}, now {c:.10g} ({'%+.3g' % ((c - g) / g * 100) + '%' if g else ''})")
    return out


def run_model(model, tmp_path):
    n = REPLICATES.get(model, DEFAULT_REPLICATES)
    args = RUN_ARGS.get(model, [])
    out = tmp_path / "result.h5"
    cmd = [TREDE, "run", str(MODELS / model), "-n", str(n), "--seed", str(SEED), "--threads", "0",
           "-o", str(out), "-q", "--compression", "1"] + args
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"{' '.join(cmd)}\n{p.stderr}"
    return cmd, out


@pytest.mark.parametrize("model", all_models())
def test_golden(model, tmp_path):
    assert TREDE, "set TREDE_CLI to the trede program"
    cmd, out = run_model(model, tmp_path)
    current = summarize(out)
    gfile = GOLDEN / golden_name(model)
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        record = {
            "model": f"models/{model}",
            "command": "trede " + " ".join(cmd[1:2] + [f"models/{model}"] + cmd[3:]).replace(str(out), "result.h5"),
            "seed": SEED,
            "replicates": REPLICATES.get(model, DEFAULT_REPLICATES),
            "tolerance": {"relative": RTOL, "absolute": ATOL},
            "summary": current,
        }
        gfile.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
        return
    assert gfile.exists(), (f"no golden file {gfile.name} for models/{model}; create it with "
                            "TREDE_UPDATE_GOLDEN=1 ctest -R models.golden and commit it")
    golden = json.loads(gfile.read_text())["summary"]
    diffs = compare(golden, current)
    assert not diffs, (f"models/{model} differs from {gfile.name} in {len(diffs)} values "
                       f"(tolerance relative {RTOL}); first ones:\n  " + "\n  ".join(diffs[:25]) +
                       "\nIf the change is intended: TREDE_UPDATE_GOLDEN=1 ctest -R models.golden, review, commit.")


def test_no_stale_golden_files():
    expected = {golden_name(m) for m in all_models()}
    stale = sorted(p.name for p in GOLDEN.glob("*.json") if p.name not in expected)
    assert not stale, f"golden files without a model (delete them): {stale}"
