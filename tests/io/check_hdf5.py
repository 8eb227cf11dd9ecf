"""Checks a trede result file against the in-memory Ensemble it was written from.

Usage: check_hdf5.py RESULT.h5 MEMORY.json [--expect-nan-kpi name,name,...]

MEMORY.json is written by hdf5_roundtrip_test.cpp from the trede::mc::Ensemble and the Scenario
given to trede::io::write_hdf5. Checks:
- every dataset of the documented layout (docs/hdf5-schema.md) exists with its shape and dtype;
- every dataset equals the values in memory (bitwise; NaN where memory has NaN);
- the root attributes (master_seed, replicates, start_time, scenario_hash, created, ...);
- /scenario is the scenario file's text exactly;
- the summaries are what numpy computes from /replicates (mean, sd with n-1, type-7 quantiles,
  NaN left out), and the arrays agree with one another (treden, costs, people, events).
Every failed check is listed; the exit code is the number of failures (0 = all good).
"""

import json
import re
import sys
import traceback

import h5py
import numpy as np

failures = []


def check(name):
    """Runs the decorated check at once and records a failure instead of stopping."""
    def run(fn):
        try:
            fn()
            print(f"ok   {name}")
        except Exception:  # noqa: BLE001 - report every failure
            failures.append(name)
            print(f"FAIL {name}\n{traceback.format_exc()}")
        return fn
    return run


def floats(values):
    """JSON list (null for NaN) -> float64 array."""
    return np.array([np.nan if v is None else v for v in np.ravel(np.array(values, dtype=object))],
                    dtype=np.float64)


def equal(actual, expected, where):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{where}: shape {actual.shape}, expected {expected.shape}"
    if actual.dtype.kind == "f" or expected.dtype.kind == "f":
        a = actual.astype(np.float64)
        e = expected.astype(np.float64)
        same = (a == e) | (np.isnan(a) & np.isnan(e))
        assert same.all(), (f"{where}: {int((~same).sum())} of {same.size} values differ; first at "
                            f"{np.argwhere(~same)[0].tolist()}: {a[~same][0]!r} vs {e[~same][0]!r}")
    else:
        assert np.array_equal(actual, expected), f"{where}: values differ"


def strings(ds):
    return [s.decode() if isinstance(s, bytes) else s for s in ds[()].tolist()]


h5_path, json_path = sys.argv[1], sys.argv[2]
expect_nan = []
if "--expect-nan-kpi" in sys.argv:
    expect_nan = sys.argv[sys.argv.index("--expect-nan-kpi") + 1].split(",")

mem = json.load(open(json_path, encoding="utf-8"))
f = h5py.File(h5_path, "r")
L = mem["layout"]
R = mem["replicates"]
T = len(L["report_times"])
P = len(L["period_end"])
S = len(L["states"])
C = len(L["capacity_states"])
E = len(L["edge_id"])
K = len(L["kpi_names"])
RUNGS = 6
INTS = ("int32",)
FLOAT64 = ("float64",)

# Path -> (shape, allowed dtypes, in-memory values). The core layout first, then the rest of the file.
documented = {
    "/time": ((T,), FLOAT64, L["report_times"]),
    "/trede": ((S,), ("int32", "int64", "uint8", "int8", "int16"), L["trede"]),
    "/replicates/occupancy": ((R, T, S), ("float32", "int32"), mem["replicates_data"]["occupancy"]),
    "/replicates/flows": ((R, P, E), INTS, mem["replicates_data"]["flows"]),
    "/replicates/kpi": ((R, K), FLOAT64, mem["replicates_data"]["kpi"]),
}
for stat in ("mean", "sd", "q05", "q50", "q95"):
    documented[f"/summary/occupancy/{stat}"] = ((T, S), FLOAT64, mem["summary"]["occupancy"][stat])
    documented[f"/summary/waiting/{stat}"] = ((T, C), FLOAT64, mem["summary"]["waiting"][stat])

further = {
    "/period_start": ((P,), FLOAT64, L["period_start"]),
    "/period_end": ((P,), FLOAT64, L["period_end"]),
    "/state_cost_eur_per_year": ((S,), FLOAT64, L["cost_eur_per_year"]),
    "/ladder": ((RUNGS,), INTS, [1, 2, 3, 4, 5, 6]),
    "/replicates/replicate": ((R,), ("uint64", "int64"),
                              list(range(mem["first_replicate"], mem["first_replicate"] + R))),
    "/replicates/events": ((R,), ("uint64", "int64"), mem["replicates_data"]["events"]),
}
per_replicate_shapes = {
    "trede_occupancy": (R, T, RUNGS), "waiting": (R, T, C), "person_years": (R, P, S), "cost_eur": (R, P),
    "cost_cumulative_eur": (R, T), "waiting_years": (R, P, C), "waiting_joined": (R, P, C),
    "waiting_admitted": (R, P, C), "waiting_reneged": (R, P, C), "waiting_left": (R, P, C),
    "waiting_time_sum": (R, P, C), "waiting_time_admitted_sum": (R, P, C), "waiting_time_max": (R, P, C),
    "sojourn_sum": (R, E),
    "sojourn_sumsq": (R, E),
}
for name, shape in per_replicate_shapes.items():
    values = mem["replicates_data"][name]
    is_int = name in ("trede_occupancy", "waiting", "waiting_joined", "waiting_admitted", "waiting_reneged",
                      "waiting_left")
    further[f"/replicates/{name}"] = (shape, INTS if is_int else FLOAT64, values)
summary_shapes = {"trede_occupancy": (T, RUNGS), "flows": (P, E), "cost_cumulative_eur": (T,),
                  "waiting_time_max": (P, C)}
for name, shape in summary_shapes.items():
    for stat in ("mean", "sd", "q05", "q50", "q95"):
        further[f"/summary/{name}/{stat}"] = (shape, FLOAT64, mem["summary"][name][stat])


def check_numeric(table):
    for path, (shape, dtypes, values) in table.items():
        @check(f"{path}: shape {shape}, dtype in {dtypes}, equal to memory")
        def _(path=path, shape=shape, dtypes=dtypes, values=values):
            assert path in f, f"{path} is missing"
            ds = f[path]
            assert ds.shape == shape, f"{path}: shape {ds.shape}, documented {shape}"
            assert ds.dtype.name in dtypes, f"{path}: dtype {ds.dtype}, allowed {dtypes}"
            data = ds[()]
            expected = floats(values).reshape(shape) if ds.dtype.kind == "f" else \
                np.array(values, dtype=np.int64).reshape(shape)
            equal(data, expected, path)


check_numeric(documented)
check_numeric(further)


@check("per-replicate arrays are chunked along replicates and compressed as asked")
def _():
    level = mem["compression_level"]
    for path in ("/replicates/occupancy", "/replicates/flows", "/replicates/kpi"):
        ds = f[path]
        assert ds.chunks is not None, f"{path} is not chunked"
        if level > 0:
            assert ds.compression == "gzip", f"{path}: compression {ds.compression}"
            assert ds.compression_opts == level, f"{path}: level {ds.compression_opts}, asked {level}"


@check("/states and /capacity_states: names in order")
def _():
    assert f["/states"].shape == (S,)
    assert f["/states"].dtype.kind == "O", f"/states dtype {f['/states'].dtype}"
    assert strings(f["/states"]) == L["states"]
    assert f["/capacity_states"].shape == (C,)
    assert strings(f["/capacity_states"]) == L["capacity_states"]


@check("/edges/{id,from,to,kind} and /kpi_names")
def _():
    assert strings(f["/edges/id"]) == L["edge_id"]
    assert strings(f["/edges/from"]) == L["edge_from"]
    assert strings(f["/edges/to"]) == L["edge_to"]
    assert strings(f["/edges/kind"]) == L["edge_kind"]
    assert strings(f["/kpi_names"]) == L["kpi_names"]


@check("/summary/kpi: a table of name, mean, sd, q05, q50, q95 per KPI equal to memory")
def _():
    ds = f["/summary/kpi"]
    assert ds.shape == (K,), ds.shape
    fields = ds.dtype.names
    assert fields is not None and set(["name", "mean", "sd", "q05", "q50", "q95"]) <= set(fields), fields
    table = ds[()]
    names = [n.decode() if isinstance(n, bytes) else n for n in table["name"]]
    assert names == L["kpi_names"], names
    for stat in ("mean", "sd", "q05", "q50", "q95"):
        assert table[stat].dtype == np.float64
        equal(table[stat], floats(mem["summary"]["kpi"][stat]), f"/summary/kpi.{stat}")


@check("/scenario: the scenario file's text exactly, as a scalar string")
def _():
    ds = f["/scenario"]
    assert ds.shape == (), f"/scenario shape {ds.shape}"
    text = ds[()]
    text = text.decode("utf-8") if isinstance(text, bytes) else text
    with open(mem["scenario_file"], "rb") as src:
        assert text.encode("utf-8") == src.read(), "/scenario differs from the file"
    assert text == mem["scenario"]["text"]


@check("root attributes")
def _():
    a = f.attrs
    assert a["master_seed"] == mem["seed"] and a["master_seed"].dtype.kind in "ui", a["master_seed"]
    assert a["replicates"] == R and a["replicates"].dtype.kind in "ui"
    assert a["first_replicate"] == mem["first_replicate"]
    assert a["start_time"] == mem["scenario"]["start_year"] and isinstance(a["start_time"], (float, np.floating))
    assert a["horizon_years"] == mem["scenario"]["horizon_years"]
    assert a["trede_version"] == mem["version"], a["trede_version"]
    assert a["git_commit"] == mem["git_commit"]
    assert a["scenario_name"] == mem["scenario"]["name"]
    assert a["scenario_path"] == mem["scenario"]["path"]
    assert a["scenario_overrides"] == "\n".join(mem["scenario"]["overrides"])
    assert re.fullmatch(r"[0-9a-f]{64}", a["scenario_hash"]), a["scenario_hash"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", a["created"]), a["created"]
    if "command_line" in mem:
        assert a["command_line"] == mem["command_line"]
    else:
        assert "command_line" not in a


# ---- the file agrees with itself ----------------------------------------------------------------

def nan_stats(x):
    """Mean, sd (n-1), q05, q50, q95 over axis 0, NaN left out; NaN where a column has no values."""
    with np.errstate(all="ignore"), np.testing.suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        n = np.sum(~np.isnan(x), axis=0)
        mean = np.nanmean(x, axis=0)
        sd = np.where(n > 1, np.nanstd(x, axis=0, ddof=1), np.where(n == 1, 0.0, np.nan))
        q = {p: np.nanquantile(x, p / 100, axis=0, method="linear") for p in (5, 50, 95)}
    return {"mean": mean, "sd": sd, "q05": q[5], "q50": q[50], "q95": q[95]}


def close(actual, expected, where, rtol=1e-12, atol=1e-9):
    same = np.isclose(actual, expected, rtol=rtol, atol=atol) | (np.isnan(actual) & np.isnan(expected))
    assert same.all(), f"{where}: {int((~same).sum())} values differ, e.g. {actual[~same][:3]} vs {expected[~same][:3]}"


for group, rep, shape in (("occupancy", "occupancy", (T, S)), ("waiting", "waiting", (T, C)),
                          ("trede_occupancy", "trede_occupancy", (T, RUNGS)), ("flows", "flows", (P, E)),
                          ("cost_cumulative_eur", "cost_cumulative_eur", (T,))):
    @check(f"/summary/{group} = statistics of /replicates/{rep} over replicates")
    def _(group=group, rep=rep):
        stats = nan_stats(f[f"/replicates/{rep}"][()].astype(np.float64))
        for stat, values in stats.items():
            close(f[f"/summary/{group}/{stat}"][()], values, f"/summary/{group}/{stat}")


@check("/summary/kpi = statistics of /replicates/kpi over replicates")
def _():
    stats = nan_stats(f["/replicates/kpi"][()])
    table = f["/summary/kpi"][()]
    for stat, values in stats.items():
        close(table[stat], values, f"/summary/kpi.{stat}")


@check("/replicates/trede_occupancy = occupancy summed over the states of each trede")
def _():
    occ = f["/replicates/occupancy"][()].astype(np.int64)
    trede = f["/trede"][()]
    by_rung = np.stack([occ[:, :, trede == r].sum(axis=2) for r in range(1, RUNGS + 1)], axis=2)
    equal(f["/replicates/trede_occupancy"][()], by_rung, "trede_occupancy")


@check("/replicates/cost_eur = person-years x cost per state; cost_cumulative_eur is its running sum")
def _():
    py = f["/replicates/person_years"][()]
    cost = f["/state_cost_eur_per_year"][()]
    close(f["/replicates/cost_eur"][()], py @ cost, "cost_eur", rtol=1e-9)
    close(f["/replicates/cost_cumulative_eur"][()], np.cumsum(f["/replicates/cost_eur"][()], axis=1),
          "cost_cumulative_eur", rtol=1e-9)


@check("people: the population at each report time = the start + arrivals so far")
def _():
    occ = f["/replicates/occupancy"][()].astype(np.int64)
    flows = f["/replicates/flows"][()].astype(np.int64)
    kinds = strings(f["/edges/kind"])
    inflow = np.array([k == "inflow" for k in kinds])
    arrived = np.cumsum(flows[:, :, inflow].sum(axis=2), axis=1)  # [R, P], P == T
    n0 = mem["scenario"]["initial_population"]
    equal(occ.sum(axis=2), n0 + arrived, "sum of occupancy")
    names = strings(f["/kpi_names"])
    kpi = f["/replicates/kpi"][()]
    equal(kpi[:, names.index("arrivals")], arrived[:, -1], "kpi arrivals")
    equal(kpi[:, names.index("persons")], n0 + arrived[:, -1], "kpi persons")
    equal(kpi[:, names.index("events")], f["/replicates/events"][()], "kpi events = /replicates/events")


@check("report grid: /time within [start, start + horizon], periods end at the report times")
def _():
    t = f["/time"][()]
    start = f.attrs["start_time"]
    assert np.all(np.diff(t) > 0)
    assert t[0] >= start and t[-1] <= start + f.attrs["horizon_years"] + 1e-9
    equal(f["/period_end"][()], t, "/period_end")
    equal(f["/period_start"][()][1:], t[:-1], "/period_start")


if expect_nan:
    @check(f"undefined KPIs {expect_nan} are NaN in every replicate and in the summary")
    def _():
        names = strings(f["/kpi_names"])
        kpi = f["/replicates/kpi"][()]
        table = f["/summary/kpi"][()]
        for name in expect_nan:
            i = names.index(name)
            assert np.all(np.isnan(kpi[:, i])), f"{name}: {kpi[:, i]}"
            for stat in ("mean", "sd", "q05", "q50", "q95"):
                assert np.isnan(table[stat][i]), f"{name}.{stat} = {table[stat][i]}"

print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(min(len(failures), 100))
