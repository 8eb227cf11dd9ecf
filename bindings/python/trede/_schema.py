"""What the Python reader relies on in each kind of trede file (docs/hdf5-schema.md), checked
when a file is opened: a dataset that is missing, of the wrong type (text where numbers belong,
or numbers where text belongs), or whose shape does not fit the labels of its axes, and a root
attribute that is missing or of the wrong type, is a :class:`trede.IoError` naming the file and
the dataset or attribute, raised by :func:`trede.read`, never an IndexError, KeyError,
TypeError or ValueError later in a method or in the report.

Only shapes and types are checked (from the file's metadata, without reading the arrays), so
opening a large file stays cheap. A dataset not named here is checked for the replicate axis
only (``replicates/*``), so that files of later versions with more arrays still open.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from . import _core
from ._errors import IoError

__all__ = ["Meta", "check", "type_class", "STATISTICS", "DIFFERENCE_STATISTICS"]

#: Shape and type of every dataset of a file (or of a group of it), by path below the group.
Meta = Mapping[str, Tuple[Tuple[int, ...], str]]

# Type classes: "text" (HDF5 strings), "number" (integers, floats, bools), "table" (a compound
# of a text field and numbers: the KPI table).
_TEXT, _NUMBER, _TABLE = "text", "number", "table"

# The labels of the axes of a result (symbol: dataset holding them, its type), and the datasets
# that carry the same labels again.
_LABELS: Dict[str, Tuple[str, str]] = {
    "T": ("time", _NUMBER), "P": ("period_start", _NUMBER), "S": ("states", _TEXT),
    "C": ("capacity_states", _TEXT), "E": ("edges/id", _TEXT), "K": ("kpi_names", _TEXT),
    "Kp": ("kpi_period_names", _TEXT), "G": ("regions", _TEXT), "O": ("organisations", _TEXT),
    "6": ("ladder", _NUMBER), "B": ("groups", _TEXT),
}
_ALSO: Dict[str, Tuple[str, str]] = {
    "period_end": ("P", _NUMBER), "trede": ("S", _NUMBER), "state_cost_eur_per_year": ("S", _NUMBER),
    "edges/from": ("E", _TEXT), "edges/to": ("E", _TEXT), "edges/kind": ("E", _TEXT),
    "region_models": ("G", _TEXT),
}
# The axes after the replicate axis of each per-replicate array (``replicates/<name>``), which
# are also the axes of its statistics (``summary/<name>/<statistic>``): from the library's result
# catalogue, plus a PSA file's draw index of each replicate.
_DIM_SYMBOL = {"time": "T", "period": "P", "state": "S", "capacity": "C", "edge": "E", "kpi": "K",
               "kpi_period": "Kp", "region": "G", "organisation": "O", "rung": "6", "group": "B"}
_CATALOGUE = _core.result_arrays()
_ARRAY_AXES: Dict[str, Tuple[str, ...]] = {a["name"]: tuple(_DIM_SYMBOL[d] for d in a["dims"]) for a in _CATALOGUE}
_ARRAY_AXES["draw"] = ()
# Every result has these (the rest are checked when present): the arrays of every layout (not
# per region, not by group), and the summaries of those summarised cell by cell.
_RESULT_REQUIRED = ("time", "period_start", "period_end", "states", "trede", "state_cost_eur_per_year", "ladder",
                    "capacity_states", "edges/id", "edges/from", "edges/to", "edges/kind", "kpi_names",
                    "kpi_period_names", "scenario", "replicates/replicate", "summary/kpi")
_EVERY_LAYOUT = [a for a in _CATALOGUE if not a["by_region"] and "group" not in a["dims"]]
_RESULT_ARRAYS_REQUIRED = tuple(a["name"] for a in _EVERY_LAYOUT)
_SUMMARIES_REQUIRED = tuple(a["name"] for a in _EVERY_LAYOUT if a["summarised"] == "cells")
#: Statistics over replicates, in the order of the result files.
STATISTICS: Tuple[str, ...] = ("mean", "sd", "q05", "q50", "q95")
#: Statistics of paired differences: mean, sd of the differences, and the interval [lo, hi].
DIFFERENCE_STATISTICS: Tuple[str, ...] = ("mean", "sd", "lo", "hi")

# Root attributes each kind needs, with their type.
_ATTRIBUTES: Dict[str, Tuple[Tuple[str, str], ...]] = {
    "result": (("master_seed", "int"), ("replicates", "int")),
    "psa": (("master_seed", "int"), ("replicates", "int"), ("draws", "int"), ("replicates_per_draw", "int")),
    "comparison": (("master_seed", "int"), ("replicates", "int"), ("confidence", "float")),
    "sweep": (("master_seed", "int"), ("replicates", "int")),
    "calibration": (),
}


# How messages call each kind of file.
_WHAT = {"result": "trede result", "psa": "trede PSA file", "comparison": "trede comparison file",
         "sweep": "trede sweep file", "calibration": "trede calibration report"}


class _Check:
    """The checks of one file (``where`` names it in messages; ``meta`` describes its datasets)."""

    def __init__(self, where: str, filename: str, meta: Meta, prefix: str = "", kind: str = "result") -> None:
        self.where, self.filename, self.meta, self.prefix = where, filename, meta, prefix
        self.what = _WHAT[kind]

    def bad(self, key: str, what: str) -> IoError:
        return IoError(f"{self.where}: not a complete {self.what}: /{self.prefix}{key} {what}", self.filename)

    def has(self, key: str) -> bool:
        return key in self.meta

    def shape(self, key: str, kind: Optional[str] = None, required: bool = True) -> Optional[Tuple[int, ...]]:
        """The shape of ``key`` after checking its type; None when it is absent and not required."""
        if key not in self.meta:
            if required:
                raise self.bad(key, "is missing")
            return None
        shape, got = self.meta[key]
        if kind is not None and got != kind:
            names = {_TEXT: "text", _NUMBER: "numbers", _TABLE: "a table of names and numbers"}
            raise self.bad(key, f"holds {names.get(got, got)}, expected {names[kind]}")
        return shape

    def expect(self, key: str, want: Sequence[Optional[int]], kind: str = _NUMBER, required: bool = True,
               axes: str = "") -> None:
        """Checks the type and shape of ``key``; None in ``want`` is an axis of any length."""
        got = self.shape(key, kind, required)
        if got is not None and (len(got) != len(want) or any(w is not None and g != w for g, w in zip(got, want))):
            shown = ["n" if w is None else w for w in want]
            raise self.bad(key, f"has shape {list(got)}, expected {shown}".replace("'", "") +
                           (f" ({axes})" if axes else ""))

    def length(self, key: str, kind: str, required: bool = True, non_empty: bool = False) -> int:
        got = self.shape(key, kind, required)
        if got is None:
            return 0
        if len(got) != 1 or (non_empty and got[0] == 0):
            raise self.bad(key, f"has shape {list(got)}, expected a {'non-empty ' if non_empty else ''}list")
        return got[0]

    def scalar_text(self, key: str, required: bool = True) -> None:
        got = self.shape(key, _TEXT, required)
        if got is not None and got != ():
            raise self.bad(key, f"has shape {list(got)}, expected one text")

    def same_length(self, keys: Sequence[Tuple[str, str]], required: bool = True) -> Optional[int]:
        """The common length of the 1-d datasets ``keys`` ((key, type) pairs); None when none
        is present (and they are not required)."""
        n: Optional[int] = None
        for key, kind in keys:
            got = self.shape(key, kind, required)
            if got is None:
                continue
            if len(got) != 1 or (n is not None and got[0] != n):
                raise self.bad(key, f"has shape {list(got)}, expected [{n if n is not None else 'n'}] "
                               f"(as /{self.prefix}{keys[0][0]})")
            n = got[0]
        return n


# Attributes that may be absent, with the type they must have when present.
_OPTIONAL_ATTRIBUTES: Tuple[Tuple[str, str], ...] = (
    ("first_replicate", "int"), ("start_time", "float"), ("horizon_years", "float"), ("sample_share", "float"),
    ("points", "int"), ("log_likelihood", "float"), ("aic", "float"), ("objective", "float"),
    ("iterations", "int"), ("evaluations", "int"), ("parameters", "int"), ("seconds", "float"),
    ("subjects", "int"), ("observations", "int"), ("transitions", "int"))


def _attributes(c: _Check, attrs: Mapping[str, Any], kind: str) -> None:
    import numpy as np
    required = {name for name, _ in _ATTRIBUTES[kind]}
    for name, typ in (*_ATTRIBUTES[kind], *_OPTIONAL_ATTRIBUTES):
        if name not in attrs:
            if name not in required:
                continue
            raise IoError(f"{c.where}: not a complete {c.what}: the attribute {name} is missing", c.filename)
        v = attrs[name]
        ok = (isinstance(v, (int, np.integer)) and not isinstance(v, bool)) if typ == "int" else \
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        if not ok:
            raise IoError(f"{c.where}: not a complete {c.what}: the attribute {name} is {type(v).__name__} {v!r}, "
                          f"expected {'a whole number' if typ == 'int' else 'a number'}", c.filename)


def _result(c: _Check) -> Dict[str, int]:
    """Checks one result (a file, or a group of a comparison); returns its axis lengths."""
    for key in _RESULT_REQUIRED:
        c.shape(key)
    dims: Dict[str, int] = {}
    for sym, (key, kind) in _LABELS.items():
        dims[sym] = c.length(key, kind, required=key != "groups", non_empty=sym in ("T", "P", "S", "K"))
    if dims["6"] != 6:
        raise c.bad("ladder", f"has {dims['6']} rungs, expected 6")
    for key, (sym, kind) in _ALSO.items():
        c.expect(key, (dims[sym],), kind, required=key != "region_models", axes=f"as /{c.prefix}{_LABELS[sym][0]}")
    c.scalar_text("scenario")
    dims["R"] = c.length("replicates/replicate", _NUMBER, non_empty=True)
    for name in _RESULT_ARRAYS_REQUIRED:
        c.shape(f"replicates/{name}")
    for key, (shape, kind) in c.meta.items():
        if key.startswith("replicates/") and key != "replicates/replicate":
            name = key[len("replicates/"):]
            if kind != _NUMBER:
                raise c.bad(key, "holds text, expected numbers")
            if len(shape) == 0 or shape[0] != dims["R"]:
                raise c.bad(key, f"has shape {list(shape)}, expected {dims['R']} rows (one per replicate, "
                            f"as /{c.prefix}replicates/replicate)")
            if name in _ARRAY_AXES:
                want = (dims["R"], *(dims[a] for a in _ARRAY_AXES[name]))
                c.expect(key, want, axes="R x " + " x ".join(_ARRAY_AXES[name]) if _ARRAY_AXES[name] else "R")
        elif key.startswith("summary/") and key != "summary/kpi":
            group, _, stat = key[len("summary/"):].rpartition("/")
            if stat in STATISTICS and group in _ARRAY_AXES:
                c.expect(key, tuple(dims[a] for a in _ARRAY_AXES[group]),
                         axes=" x ".join(_ARRAY_AXES[group]) or "one value")
    for name in _SUMMARIES_REQUIRED:
        for stat in STATISTICS:
            c.shape(f"summary/{name}/{stat}")
    c.expect("summary/kpi", (dims["K"],), _TABLE, axes="K")
    if c.has("trajectories/person"):
        c.same_length([(f"trajectories/{k}", _NUMBER) for k in ("person", "replicate", "time", "from", "to")])
    return dims


def _psa(c: _Check, attrs: Mapping[str, Any]) -> None:
    dims = _result(c)
    n = c.length("draws/keys", _TEXT)
    c.expect("draws/distributions", (n,), _TEXT, axes="as /draws/keys")
    c.expect("draws/block", (n,), axes="as /draws/keys")
    c.length("draws/block_names", _TEXT, required=False)
    c.expect("draws/parameters", (int(attrs["draws"]), n), axes="draws x keys")
    c.expect("replicates/draw", (dims["R"],), axes="R")
    if int(attrs["draws"]) * int(attrs["replicates_per_draw"]) != dims["R"]:
        raise c.bad("replicates/replicate", f"has {dims['R']} rows, expected draws x replicates_per_draw = "
                    f"{attrs['draws']} x {attrs['replicates_per_draw']}")
    for key, (shape, kind) in c.meta.items():
        if key.startswith("variance/kpi/"):
            c.expect(key, (dims["K"],), axes="K")


def _comparison(c: _Check, scenario_dims: Sequence[Dict[str, int]]) -> None:
    n = c.length("scenario_names", _TEXT, non_empty=True)
    d = scenario_dims[0]
    T, P, K, Kp = (c.length(k, kind, non_empty=True) for k, kind in
                   (("time", _NUMBER), ("period_end", _NUMBER), ("kpi_names", _TEXT), ("kpi_period_names", _TEXT)))
    if (T, P, K, Kp) != (d["T"], d["P"], d["K"], d["Kp"]):
        raise c.bad("time", "and the scenarios' report times, periods or KPIs differ")
    axes = {"kpi": (K,), "kpi_independent": (K,), "kpi_period": (P, Kp), "trede_occupancy": (T, 6)}
    for q, shape in axes.items():
        for stat in DIFFERENCE_STATISTICS:
            c.expect(f"difference/{q}/{stat}", (n - 1, *shape), required=q != "kpi_independent",
                     axes="scenarios after the reference x " + {"kpi": "K", "kpi_independent": "K",
                                                                "kpi_period": "P x Kp",
                                                                "trede_occupancy": "T x 6"}[q])
    c.expect("variance_reduction/kpi", (n - 1, K), required=False, axes="scenarios after the reference x K")
    # The decision summaries: each dataset checked when present (a method that needs a missing
    # one names it then).
    opt = False
    q = c.same_length([(f"decision/summary/{k}", _TEXT) for k in ("quantity", "kind", "label", "uncertainty")], opt)
    for k in ("mean", "lo", "hi"):
        c.expect(f"decision/summary/{k}", (q, n), required=opt, axes="quantities x scenarios")
    kd = c.same_length([("decision/kpi/names", _TEXT), ("decision/kpi/higher_is_better", _NUMBER)], opt)
    for k in ("mean", "q_lower", "q_upper", "probability_best"):
        c.expect(f"decision/kpi/{k}", (kd, n), required=opt, axes="KPIs x scenarios")
    for k in ("mean", "lower", "upper", "q_lower", "q_upper", "probability_positive"):
        c.expect(f"decision/kpi/difference/{k}", (kd, n - 1), required=opt, axes="KPIs x scenarios after the reference")
    lam = c.same_length([(f"decision/acceptability/{k}", _NUMBER)
                         for k in ("lambda", "evpi", "evpi_se", "frontier_option", "frontier_probability")], opt)
    for k in ("probability", "expected_net_benefit"):
        c.expect(f"decision/acceptability/{k}", (n, lam), required=opt, axes="scenarios x willingness to pay")
    c.expect("decision/probability_best_at_reference", (n,), required=opt, axes="scenarios")
    for group in ("cost_per_person", "cost_per_person_year"):
        keys = sorted(k for k in c.meta if k.startswith(f"decision/{group}/"))
        for k in keys:
            kind = _TEXT if k.endswith("_kind") else _NUMBER
            c.expect(k, (n - 1,), kind, required=opt, axes="scenarios after the reference")
    g = c.same_length([("decision/evppi/groups", _TEXT)], opt)
    c.expect("decision/evppi/value", (g, lam), required=opt, axes="parameter groups x willingness to pay")
    g = c.same_length([("decision/sensitivity/groups", _TEXT)], opt)
    for k in ("effect", "cost"):
        c.expect(f"decision/sensitivity/{k}", (n - 1, g), required=opt,
                 axes="scenarios after the reference x parameter groups")


def _sweep(c: _Check) -> None:
    dims: Dict[str, Optional[int]] = {}
    for sym, (key, kind) in _LABELS.items():  # a sweep file has no edges, ladder or groups
        if sym in ("T", "P", "S", "K", "Kp"):
            dims[sym] = c.length(key, kind, non_empty=True)
        else:
            dims[sym] = c.length(key, kind) if c.has(key) else None
    dims["6"] = 6
    c.scalar_text("scenario")
    d = c.length("points/keys", _TEXT, non_empty=True)
    got = c.shape("points/numeric", _NUMBER)
    if len(got) != 2 or got[1] != d or got[0] == 0:
        raise c.bad("points/numeric", f"has shape {list(got)}, expected [points, {d}] (points x /points/keys)")
    n = got[0]
    values = c.shape("points/values", _TEXT)
    if tuple(values) not in ((n * d,), (n, d)):
        raise c.bad("points/values", f"has shape {list(values)}, expected [{n * d}] (points x keys)")
    for k in ("events", "wall_seconds"):
        c.expect(f"points/{k}", (n,), required=False, axes="points")
    for key, (shape, kind) in c.meta.items():
        if key.startswith("summary/"):
            group, _, stat = key[len("summary/"):].rpartition("/")
            if stat in STATISTICS and group in _ARRAY_AXES:
                c.expect(key, (n, *(dims[a] for a in _ARRAY_AXES[group])),
                         axes="points x " + " x ".join(_ARRAY_AXES[group]) if _ARRAY_AXES[group] else "points")
    for name in ("kpi", "occupancy"):
        for stat in STATISTICS:
            c.shape(f"summary/{name}/{stat}")
    got = c.shape("replicates/kpi", _NUMBER, required=False)
    if got is not None and (len(got) != 3 or got[0] != n or got[2] != dims["K"]):
        raise c.bad("replicates/kpi", f"has shape {list(got)}, expected [{n}, replicates, {dims['K']}] "
                    "(points x replicates x K)")


def _calibration(c: _Check) -> None:
    c.scalar_text("calibrated_scenario")
    c.scalar_text("scenario", required=False)
    c.same_length([("estimates/name", _TEXT), ("estimates/kind", _TEXT), ("estimates/key", _TEXT)] +
                  [(f"estimates/{k}", _NUMBER) for k in ("estimate", "se", "lower", "upper", "start", "fixed")])
    p = c.same_length([("parameters/name", _TEXT), ("parameters/theta", _NUMBER)], required=False)
    c.expect("parameters/covariance", (p, p), required=False, axes="parameters x parameters")
    c.same_length([("targets/id", _TEXT)] + [(f"targets/{k}", _NUMBER) for k in
                                             ("time", "observed", "sd", "simulated", "simulated_se", "z")],
                  required=False)
    s = c.length("states", _TEXT, required=any(c.has(f"{g}/estimate") for g in ("q", "sojourn")))
    for k in ("estimate", "lower", "upper"):
        c.expect(f"q/{k}", (s, s), required=False, axes="states x states")
        c.expect(f"sojourn/{k}", (s,), required=False, axes="states")
    c.same_length([("starts/label", _TEXT), ("starts/log_likelihood", _NUMBER), ("starts/iterations", _NUMBER),
                   ("starts/status", _TEXT)], required=False)


def check(kind: str, where: str, filename: str, attrs: Mapping[str, Any], meta: Meta,
          group_meta: Callable[[str], Meta] = lambda g: {},
          group_attrs: Callable[[str], Mapping[str, Any]] = lambda g: {}) -> None:
    """Checks a file of ``kind`` (result, psa, comparison, sweep, calibration) whose datasets
    are described by ``meta``; ``group_meta(group)`` and ``group_attrs(group)`` describe the
    datasets and attributes of a group (the scenarios of a comparison). Raises IoError naming
    ``filename`` and the dataset or attribute."""
    c = _Check(where, filename, meta, kind=kind)
    _attributes(c, attrs, kind)
    if kind == "result":
        _result(c)
    elif kind == "psa":
        _psa(c, attrs)
    elif kind == "comparison":
        n = c.length("scenario_names", _TEXT, non_empty=True)
        dims: List[Dict[str, int]] = []
        for i in range(n):
            sub = group_meta(f"scenarios/{i}")
            if not sub:
                raise c.bad(f"scenarios/{i}", "is missing (one group per name in /scenario_names)")
            part = _Check(where, filename, sub, f"scenarios/{i}/")
            _attributes(part, group_attrs(f"scenarios/{i}"), "result")
            dims.append(_result(part))
        _comparison(c, dims)
    elif kind == "sweep":
        _sweep(c)
    elif kind == "calibration":
        _calibration(c)


def type_class(dtype: Any) -> str:
    """"text", "number" or "table" (compound) for an h5py dataset type; "other" for the rest."""
    import h5py
    if dtype.names:
        return _TABLE
    if h5py.check_string_dtype(dtype) is not None or dtype.kind in "SUO":
        return _TEXT
    if dtype.kind in "iufb":
        return _NUMBER
    return "other"
