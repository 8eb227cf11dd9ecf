"""Results as NumPy arrays and tidy pandas DataFrames: from a run in memory or from a file.

A :class:`Result` (one ensemble) and a :class:`Comparison` (``trede compare``) read the same
names whether they come from :func:`trede.run` / :func:`trede.compare` or from an HDF5 file
written by the command line or by ``save``: ``result["replicates/occupancy"]`` is the dataset
``/replicates/occupancy`` of docs/hdf5-schema.md.

Tidy frames have one row per observation and the columns named in each method, ending in
``statistic`` and ``value`` for summaries over replicates (statistics ``mean``, ``sd``, ``q05``,
``q50``, ``q95``; for paired differences ``mean``, ``sd``, ``lo``, ``hi``) or in ``replicate``
and ``value`` for per-replicate data.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _args, _core, _schema
from ._errors import IoError, ModelError
# The statistics of the summaries belong to the file layout (_schema); re-exported here.
from ._schema import DIFFERENCE_STATISTICS, STATISTICS

__all__ = ["Result", "PsaResult", "Comparison", "Sweep", "read", "first_order_index", "first_order_fit", "STATISTICS", "DIFFERENCE_STATISTICS", "summarize"]

PathLike = Union[str, "os.PathLike[str]"]


# ---- helpers ------------------------------------------------------------------------------------

def summarize(samples: np.ndarray, axis: int = 0) -> Dict[str, np.ndarray]:
    """Mean, sd (n - 1), and the 5 %, 50 % and 95 % quantiles (linear, numpy's default) of
    ``samples`` along ``axis``, leaving NaN out (as the C++ summaries do)."""
    try:
        x = np.asarray(samples, dtype=float)
    except (TypeError, ValueError) as e:
        _args.bad("samples", f"must be an array of numbers ({e})")
    if samples is None or x.ndim == 0:
        _args.bad("samples", f"must be an array of at least one dimension (got {_args._shown(samples)})")
    axis = _args.integer("axis", axis, lo=-(2 ** 63), hi=2 ** 63)
    if not -x.ndim <= axis < x.ndim:
        _args.bad("axis", f"must be an axis of the {x.ndim}-d samples (got {axis})")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells give NaN, quietly
        n = np.sum(~np.isnan(x), axis=axis)
        sd = np.where(n > 1, np.nanstd(x, axis=axis, ddof=1), np.where(n == 1, 0.0, np.nan))
        q = np.nanquantile(x, [0.05, 0.5, 0.95], axis=axis)
        return {"mean": np.nanmean(x, axis=axis), "sd": sd, "q05": q[0], "q50": q[1], "q95": q[2]}


def variance_shown(v: pd.DataFrame) -> pd.DataFrame:
    """What ``trede info`` and ``trede run --draws`` show of each row of a variance split
    (``PsaResult.variance()``), computed by the same code (mc::shown): the parameter share with
    the half-width of its 95 % interval and that interval cut to [0, 1], and the sd of one run
    with those of its two parts."""
    cols = [c for c in _core.variance_columns() if c in v.columns]
    rows = [_core.variance_shown({c: float(r[c]) for c in cols}) for _, r in v.iterrows()]
    return pd.DataFrame(rows, index=v.index,
                        columns=["parameter_share", "share_halfwidth", "share_lower", "share_upper", "sd",
                                 "sd_parameter", "sd_monte_carlo"])


def t_quantile(confidence: float, n: Any) -> Any:
    """The Student-t quantile of a two-sided interval at ``confidence`` from ``n`` values
    (n - 1 degrees of freedom; NaN for n < 2), as the comparison file's intervals use."""
    n = np.asarray(n)
    p = 0.5 + confidence / 2
    # one quantile per distinct n (a comparison's cells nearly all share theirs)
    values, where = np.unique(n, return_inverse=True)
    qs = np.array([_core.student_t_quantile(p, float(k) - 1.0) if k >= 2 else np.nan for k in values], dtype=float)
    q = qs[where].reshape(n.shape)
    return float(q) if q.ndim == 0 else q


def _long(values: np.ndarray, axes: Sequence[Tuple[Sequence[str], Sequence[np.ndarray]]],
          order: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """A long frame of ``values`` (any shape): one row per cell, with the label columns of each
    axis. ``axes[i] = (column names, label arrays)`` for axis i (an axis may give several
    columns, e.g. state and trede)."""
    values = np.asarray(values)
    if values.ndim != len(axes):
        raise ValueError(f"{values.ndim}-d values, {len(axes)} axes")
    shape = values.shape
    cols: Dict[str, Any] = {}
    for i, (names, labels) in enumerate(axes):
        before = int(np.prod(shape[:i], dtype=np.int64))
        after = int(np.prod(shape[i + 1:], dtype=np.int64))
        index = np.repeat(np.tile(np.arange(shape[i]), before), after)
        for name, lab in zip(names, labels):
            cols[name] = np.asarray(lab)[index] if shape[i] else np.asarray(lab)[:0]
    cols["value"] = values.reshape(-1)
    df = pd.DataFrame(cols)
    if order is not None:
        df = df[[*order, "value"]]
    return df


def _stat_axis(arrays: Mapping[str, np.ndarray], stats: Sequence[str]) -> np.ndarray:
    return np.stack([np.asarray(arrays[s], dtype=float) for s in stats])


def _as_str_list(a: Any) -> List[str]:
    return [x.decode() if isinstance(x, bytes) else str(x) for x in np.asarray(a, dtype=object).reshape(-1)]


def _block_names(f: Any) -> List[str]:
    """The label of each block of a file's parameter draws (``/draws/block_names``: a group's
    ``name``, else its keys joined by ", "; files written before block names, the keys joined)."""
    keys, block = _as_str_list(f["draws/keys"]), np.asarray(f["draws/block"]).tolist()
    blocks = max(block, default=-1) + 1
    if "draws/block_names" not in f.keys():  # (`in` a Comparison asks for one of its scenarios)
        return [", ".join(k for k, b in zip(keys, block) if b == i) for i in range(blocks)]
    names = _as_str_list(f["draws/block_names"])
    if len(names) != blocks or min(block, default=0) < 0:
        where = _name(f.path) if getattr(f, "path", None) is not None else "<in memory>"
        raise IoError(f"{where}: damaged trede file: /draws/block_names holds {len(names)} names for the {blocks} blocks "
                      f"of /draws/block", where)
    return names


def _dataset_key(key: Any) -> str:
    """A dataset path given by a user (``result["summary/kpi"]``), without the leading '/'."""
    return _args.text("key", key).lstrip("/")


def _plain(v: Any) -> Any:
    """An HDF5 attribute or NumPy scalar as a plain Python value."""
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.generic):
        return v.item()
    return v


# ---- where the arrays come from -----------------------------------------------------------------

class _Memory:
    """Arrays of a run held in memory (read-only views of the C++ ensemble)."""

    def __init__(self, arrays: Mapping[str, Any]) -> None:
        self._arrays = dict(arrays)

    def keys(self) -> List[str]:
        return sorted(self._arrays)

    def __contains__(self, key: str) -> bool:
        return key in self._arrays

    def get(self, key: str) -> Any:
        if key not in self._arrays:
            _args.bad("key", f"no dataset /{key} in this result (result.keys() lists them)")
        return self._arrays[key]


def _name(path: Union[Path, bytes]) -> str:
    """How messages name a file: its path, or "<in memory>" for the bytes of a file image."""
    return "<in memory>" if isinstance(path, bytes) else str(path)


class _File:
    """Datasets of an HDF5 file below ``group``, read on first use and cached. ``path`` is a
    file, or the bytes of a file built in memory (e.g. a sweep run from Python).

    A dataset that is not in the file, or that cannot be read (a damaged file), is an IoError
    naming the file and the dataset (for the bytes of a file made in this session, a missing
    dataset is a ModelError naming the key asked for)."""

    def __init__(self, path: Union[Path, bytes], group: str = "") -> None:
        import h5py
        self.path = path
        self.group = group.strip("/")
        self._cache: Dict[str, Any] = {}
        meta: Dict[str, Tuple[Tuple[int, ...], str]] = {}
        with _open(path) as f:
            try:
                g = f[self.group] if self.group else f
            except KeyError as e:
                raise IoError(f"{_name(path)}: not a complete trede file: the group /{self.group} is missing",
                              _name(path)) from e

            def visit(name: str, obj: Any) -> None:
                if isinstance(obj, h5py.Dataset) and not name.startswith("scenarios/"):
                    meta[name] = (tuple(obj.shape), _schema.type_class(obj.dtype))
            try:
                g.visititems(visit)
            except (OSError, RuntimeError, ValueError, KeyError) as e:
                raise IoError(f"{_name(path)}: damaged HDF5 file: cannot list its datasets ({e})", _name(path)) from e
        #: Shape and type class of every dataset (docs: trede._schema).
        self.meta = meta
        self._keys = sorted(meta)

    def keys(self) -> List[str]:
        return list(self._keys)

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def _where(self, key: str) -> str:
        return "/" + (self.group + "/" + key if self.group else key)

    def get(self, key: str) -> Any:
        if key not in self._cache:
            if key not in self._keys:
                if isinstance(self.path, bytes):  # made in this session, complete: the key is wrong
                    _args.bad("key", f"no dataset {self._where(key)} in this result (keys() lists them)")
                raise IoError(f"{_name(self.path)}: no dataset {self._where(key)} in this file", _name(self.path))
            try:
                value = self._read(key)
            except IoError:
                raise
            except (OSError, RuntimeError, ValueError, TypeError, KeyError, UnicodeDecodeError) as e:
                raise IoError(f"{_name(self.path)}: cannot read the dataset {self._where(key)} ({e})",
                              _name(self.path)) from e
            self._cache[key] = value
        return self._cache[key]

    def _read(self, key: str) -> Any:
        import h5py
        with _open(self.path) as f:
            ds = f[(self.group + "/" + key) if self.group else key]
            if h5py.check_string_dtype(ds.dtype) is not None:
                value = ds.asstr()[()]
                value = value if isinstance(value, str) else np.asarray(value, dtype=object)
            elif ds.dtype.names:  # compound (the KPI table): decode the string fields
                raw = ds[()]
                fields = [(n, "O" if raw.dtype[n].kind in "OS" else raw.dtype[n]) for n in raw.dtype.names]
                value = np.empty(raw.shape, dtype=fields)
                for n in raw.dtype.names:
                    value[n] = _as_str_list(raw[n]) if raw.dtype[n].kind in "OS" else raw[n]
            else:
                value = ds[()]
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
            return value


def _open(path: Union[Path, bytes]) -> Any:
    import h5py
    if isinstance(path, bytes):  # a file image in memory
        import io
        return h5py.File(io.BytesIO(path), "r")
    if os.path.isdir(path):
        raise IoError(f"{path}: is a directory, not a trede file", str(path))
    try:
        return h5py.File(path, "r")
    except FileNotFoundError as e:
        raise IoError(f"{path}: no such file", str(path)) from e
    except OSError as e:
        raise IoError(f"{path}: cannot open as HDF5 ({e})", str(path)) from e


def _attrs(path: Union[Path, bytes], group: str = "") -> Dict[str, Any]:
    with _open(path) as f:
        try:
            g = f[group] if group else f
            return {k: _plain(g.attrs[k]) for k in g.attrs.keys()}
        except KeyError as e:
            raise IoError(f"{_name(path)}: not a complete trede file: the group /{group} is missing", _name(path)) from e
        except (OSError, RuntimeError, ValueError, TypeError) as e:
            raise IoError(f"{_name(path)}: damaged HDF5 file: cannot read the attributes of /{group} ({e})",
                          _name(path)) from e


# ---- one ensemble -------------------------------------------------------------------------------

class Result:
    """The result of one Monte Carlo run: from :func:`trede.run` or :func:`trede.read`.

    ``result[key]`` is the array of the dataset ``/key`` (docs/hdf5-schema.md), e.g.
    ``result["replicates/occupancy"]`` of shape [R, T, S]; ``result.keys()`` lists them. The
    methods return tidy pandas DataFrames.
    """

    def __init__(self, source: Union[_Memory, _File], attrs: Mapping[str, Any], *,
                 path: Optional[Path] = None, core: Any = None) -> None:
        self._src = source
        self.attrs: Dict[str, Any] = dict(attrs)
        """Root attributes: provenance (version, seed, replicates, scenario hash, ...)."""
        self.path: Optional[Path] = path
        """The file it was read from or last saved to (None for an unsaved run)."""
        self._core = core

    # ---- raw arrays ---------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self._src.get(_dataset_key(key))

    def __contains__(self, key: str) -> bool:
        return key.lstrip("/") in self._src

    def keys(self) -> List[str]:
        """Paths of every dataset (without the leading '/')."""
        return self._src.keys()

    # ---- labels -------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The scenario's name."""
        return str(self.attrs.get("scenario_name", ""))

    @property
    def seed(self) -> int:
        """The master seed of the run (``--seed``)."""
        return int(self.attrs["master_seed"])

    @property
    def replicates(self) -> int:
        """R, the number of replicates."""
        return int(self.attrs["replicates"])

    @property
    def time(self) -> np.ndarray:
        """[T] report times (calendar years)."""
        return self["time"]

    @property
    def period_start(self) -> np.ndarray:
        """[P] start of each period (calendar years); period k is (period_start[k], time[k]]."""
        return self["period_start"]

    @property
    def period_end(self) -> np.ndarray:
        """[P] end of each period (calendar years; equal to ``time``)."""
        return self["period_end"]

    @property
    def states(self) -> List[str]:
        """[S] state names."""
        return _as_str_list(self["states"])

    @property
    def trede(self) -> np.ndarray:
        """[S] trede of each state, 1..6, 0 off the ladder."""
        return np.asarray(self["trede"])

    @property
    def capacity_states(self) -> List[str]:
        """[C] states with places (labels of the waiting-list axis)."""
        return _as_str_list(self["capacity_states"])

    @property
    def kpi_names(self) -> List[str]:
        """[K] names of the KPIs of the whole run (labels of ``kpi/*`` and ``kpi_table()``)."""
        return _as_str_list(self["kpi_names"])

    @property
    def kpi_period_names(self) -> List[str]:
        """Names of the per-period KPIs (labels of ``kpi_period()``)."""
        return _as_str_list(self["kpi_period_names"])

    @property
    def regions(self) -> List[str]:
        """[G] region names (labels of the ``summary/region/*`` arrays)."""
        return _as_str_list(self["regions"])

    @property
    def organisations(self) -> List[str]:
        """[O] organisations that run a state under a model some region uses, in order of first appearance."""
        return _as_str_list(self["organisations"])

    @property
    def edges(self) -> pd.DataFrame:
        """[E] flow edges: id, from, to, kind (one row per edge, in edge order)."""
        return pd.DataFrame({k: _as_str_list(self[f"edges/{k}"]) for k in ("id", "from", "to", "kind")})

    @property
    def scenario_text(self) -> str:
        """The scenario file text as read."""
        return str(self["scenario"])

    def _state_axis(self) -> Tuple[Sequence[str], Sequence[np.ndarray]]:
        return ("state", "trede"), (np.array(self.states, dtype=object), self.trede)

    def _summary(self, group: str) -> Dict[str, np.ndarray]:
        return {s: self[f"summary/{group}/{s}"] for s in STATISTICS}

    # ---- tidy frames --------------------------------------------------------------------------
    def occupancy(self, replicates: bool = False) -> pd.DataFrame:
        """People per state at each report time: columns time, state, trede, statistic, value
        (or replicate, time, state, trede, value with ``replicates=True``). Absorbing states hold
        the cumulative number who ended there."""
        replicates = _args.boolean("replicates", replicates)
        t = ("time",), (self.time,)
        if replicates:
            return _long(self["replicates/occupancy"], [self._replicate_axis(), t, self._state_axis()])
        return _long(_stat_axis(self._summary("occupancy"), STATISTICS),
                     [(("statistic",), (np.array(STATISTICS),)), t, self._state_axis()],
                     order=["time", "state", "trede", "statistic"])

    def ladder(self, replicates: bool = False) -> pd.DataFrame:
        """People per trede 1..6 (the participatieladder) at each report time: columns time,
        trede, statistic, value (or replicate, time, trede, value)."""
        replicates = _args.boolean("replicates", replicates)
        t = ("time",), (self.time,)
        rung = ("trede",), (np.asarray(self["ladder"]),)
        if replicates:
            return _long(self["replicates/trede_occupancy"], [self._replicate_axis(), t, rung])
        return _long(_stat_axis(self._summary("trede_occupancy"), STATISTICS),
                     [(("statistic",), (np.array(STATISTICS),)), t, rung], order=["time", "trede", "statistic"])

    @property
    def sample_share(self) -> float:
        """The share of the population simulated (the scenario's ``sample_share``; 1 at full
        scale). People, moves and costs are those of the sample: divide them by it for full
        scale; shares, times and costs per person estimate the full-scale values."""
        return float(self.attrs.get("sample_share", 1.0))

    @property
    def groups(self) -> List[str]:
        """The groups of the results by person attribute (``[report.by]``), e.g. ``age < 27``,
        ``doelgroep = beschut``; empty when the scenario asks for none."""
        return _as_str_list(self["groups"]) if "groups" in self else []

    def by_group(self, array: str = "occupancy", replicates: bool = False) -> pd.DataFrame:
        """Results by person attribute (``[report.by]``, docs/scenario-format.md §5.1):
        ``"occupancy"`` (people per group and state at each report time: columns time, group,
        state, trede, statistic, value) or ``"flows"`` (moves per group along each flow edge per
        period: time, period_start, group, edge, id, from, to, kind, statistic, value); with
        ``replicates=True`` one row per replicate instead of the statistics. The groups of one
        breakdown add up to the totals. Raises :class:`trede.ModelError` when the scenario asked for none."""
        replicates = _args.boolean("replicates", replicates)
        if not self.groups:
            _args.bad("by_group", "no results by attribute in this result: give the scenario a [report.by] table")
        g = ("group",), (np.array(self.groups, dtype=object),)
        if array == "occupancy":
            axes = [(("time",), (self.time,)), g, self._state_axis()]
            order = ["time", "group", "state", "trede", "statistic"]
        elif array == "flows":
            e = self.edges
            edge_axis = (("edge", "id", "from", "to", "kind"),
                         (np.arange(len(e)), e["id"].to_numpy(object), e["from"].to_numpy(object),
                          e["to"].to_numpy(object), e["kind"].to_numpy(object)))
            axes = [(("time", "period_start"), (self.period_end, self.period_start)), g, edge_axis]
            order = ["time", "period_start", "group", "edge", "id", "from", "to", "kind", "statistic"]
        else:
            raise ModelError(f"by_group: 'occupancy' or 'flows' (got {array!r})",
                             [("", 0, "array", f"'occupancy' or 'flows' (got {array!r})")])
        if replicates:
            return _long(self[f"replicates/by_group/{array}"], [self._replicate_axis(), *axes])
        return _long(_stat_axis(self._summary(f"by_group/{array}"), STATISTICS),
                     [(("statistic",), (np.array(STATISTICS),)), *axes], order=order)

    def trajectories(self) -> pd.DataFrame:
        """Every change of state of the traced people (``trede run --trajectories N`` or
        ``trede.run(..., trajectories=N)``): columns replicate, person, time, from_state,
        to_state, one row per change in time order within each replicate. A person's first row
        is the entry into the model (``from_state`` None): the initial population at the start
        year, arrivals when they arrive. ``person`` is the same person in every scenario run with
        the same seed (0, 1, ... for the initial population; (inflow + 1) * 2**40 + n for the
        n-th arrival of an inflow). Raises :class:`trede.ModelError` when nothing was traced."""
        if "trajectories/person" not in self:
            _args.bad("trajectories", "no trajectories in this result: run with trajectories=N (trede run --trajectories N)")
        names = np.array(list(self.states) + [None], dtype=object)  # index -1 (entry) -> None
        frm = np.asarray(self["trajectories/from"], dtype=np.int64)
        to = np.asarray(self["trajectories/to"], dtype=np.int64)
        for key, index, lowest in (("from", frm, -1), ("to", to, 0)):
            if index.size and (index.min() < lowest or index.max() >= len(self.states)):
                where = self.path if self.path is not None else "<in memory>"
                raise IoError(f"{where}: damaged trede file: /trajectories/{key} holds state {int(index.min())}..."
                              f"{int(index.max())}, outside 0..{len(self.states) - 1} (/states)", str(where))
        return pd.DataFrame({
            "replicate": np.asarray(self["trajectories/replicate"], dtype=np.int64),
            "person": np.asarray(self["trajectories/person"], dtype=np.uint64),
            "time": np.asarray(self["trajectories/time"], dtype=float),
            "from_state": names[frm],
            "to_state": names[to],
        })

    def waiting(self, replicates: bool = False) -> pd.DataFrame:
        """Waiting-list length per capacity state at each report time: columns time, state,
        statistic, value (or replicate, time, state, value). Empty without capacity states."""
        replicates = _args.boolean("replicates", replicates)
        t = ("time",), (self.time,)
        c = ("state",), (np.array(self.capacity_states, dtype=object),)
        if replicates:
            return _long(self["replicates/waiting"], [self._replicate_axis(), t, c])
        return _long(_stat_axis(self._summary("waiting"), STATISTICS),
                     [(("statistic",), (np.array(STATISTICS),)), t, c], order=["time", "state", "statistic"])

    def waiting_times(self) -> pd.DataFrame:
        """Waiting lists per period and capacity state: columns time (end of the period),
        state, quantity, statistic, value. Quantities: ``joined``, ``admitted``, ``reneged``,
        ``left`` (people per period), ``mean_length`` (people, time-averaged over the period),
        ``mean_wait_admitted_years`` (years waited by those admitted in the period; NaN in
        replicates where nobody was admitted) and ``mean_wait_years`` (everyone who left the list)."""
        r = {k: np.asarray(self[f"replicates/waiting_{k}"], dtype=float)
             for k in ("joined", "admitted", "reneged", "left", "years", "time_sum", "time_admitted_sum")}
        length = np.asarray(self.period_end - self.period_start, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            quantities = {
                "joined": r["joined"], "admitted": r["admitted"], "reneged": r["reneged"], "left": r["left"],
                "mean_length": np.where(length[None, :, None] > 0, r["years"] / length[None, :, None], np.nan),
                "mean_wait_admitted_years": np.where(r["admitted"] > 0, r["time_admitted_sum"] / r["admitted"], np.nan),
                "mean_wait_years": np.where(r["admitted"] + r["reneged"] + r["left"] > 0,
                                            r["time_sum"] / (r["admitted"] + r["reneged"] + r["left"]), np.nan),
            }
        names = list(quantities)
        stats = [summarize(quantities[q]) for q in names]  # each [P, C]
        values = np.stack([_stat_axis(s, STATISTICS) for s in stats])  # [Q, 5, P, C]
        return _long(values, [(("quantity",), (np.array(names),)), (("statistic",), (np.array(STATISTICS),)),
                              (("time",), (self.period_end,)),
                              (("state",), (np.array(self.capacity_states, dtype=object),))],
                     order=["time", "state", "quantity", "statistic"])

    def flows(self, replicates: bool = False) -> pd.DataFrame:
        """Moves along each flow edge per period: columns time (end of the period),
        period_start, edge (index), id, from, to, kind, statistic, value (or replicate, ...,
        value)."""
        replicates = _args.boolean("replicates", replicates)
        e = self.edges
        edge_axis = (("edge", "id", "from", "to", "kind"),
                     (np.arange(len(e)), e["id"].to_numpy(object), e["from"].to_numpy(object),
                      e["to"].to_numpy(object), e["kind"].to_numpy(object)))
        p = ("time", "period_start"), (self.period_end, self.period_start)
        if replicates:
            return _long(self["replicates/flows"], [self._replicate_axis(), p, edge_axis])
        return _long(_stat_axis(self._summary("flows"), STATISTICS),
                     [(("statistic",), (np.array(STATISTICS),)), p, edge_axis],
                     order=["time", "period_start", "edge", "id", "from", "to", "kind", "statistic"])

    def flow_matrix(self, per_year: bool = True) -> pd.DataFrame:
        """Mean moves per replicate from each state (rows; ``(inflow)`` for arrivals) to each
        state (columns), summed over all edges between them and all periods; with
        ``per_year`` divided by the years the periods cover."""
        e = self.edges
        total = np.asarray(self["replicates/flows"], dtype=float).sum(axis=1).mean(axis=0)  # [E]
        years = float(np.sum(self.period_end - self.period_start))
        if per_year and years > 0:
            total = total / years
        df = pd.DataFrame({"from": e["from"], "to": e["to"], "value": total})
        m = df.pivot_table(index="from", columns="to", values="value", aggfunc="sum", fill_value=0.0)
        order = [s for s in ["(inflow)", *self.states] if s in m.index]
        cols = [s for s in self.states if s in m.columns]
        return m.reindex(index=order, columns=cols, fill_value=0.0)

    def cost(self, replicates: bool = False) -> pd.DataFrame:
        """Cumulative cost from the start to each report time (euros): columns time, statistic,
        value (or replicate, time, value)."""
        replicates = _args.boolean("replicates", replicates)
        t = ("time",), (self.time,)
        if replicates:
            return _long(self["replicates/cost_cumulative_eur"], [self._replicate_axis(), t])
        return _long(_stat_axis(self._summary("cost_cumulative_eur"), STATISTICS),
                     [(("statistic",), (np.array(STATISTICS),)), t], order=["time", "statistic"])

    def cost_by_state(self) -> pd.DataFrame:
        """Cost per period and state (person-years × cost per person-year, euros): columns time
        (end of the period), state, trede, statistic, value. Organisation costs are in
        :meth:`kpi_period` (``cost_eur``, the total) and ``result["replicates/organisation_cost_eur"]``."""
        py_ = np.asarray(self["replicates/person_years"], dtype=float)  # [R, P, S]
        cost = py_ * np.asarray(self["state_cost_eur_per_year"], dtype=float)[None, None, :]
        return _long(_stat_axis(summarize(cost), STATISTICS),
                     [(("statistic",), (np.array(STATISTICS),)), (("time",), (self.period_end,)), self._state_axis()],
                     order=["time", "state", "trede", "statistic"])

    def kpi(self, replicates: bool = False) -> pd.DataFrame:
        """The per-replicate KPIs summarised: columns kpi, statistic, value (or replicate, kpi,
        value). See :meth:`kpi_table` for the wide table."""
        replicates = _args.boolean("replicates", replicates)
        k = ("kpi",), (np.array(self.kpi_names, dtype=object),)
        if replicates:
            return _long(self["replicates/kpi"], [self._replicate_axis(), k])
        t = self["summary/kpi"]
        return _long(np.stack([np.asarray(t[s], dtype=float) for s in STATISTICS]),
                     [(("statistic",), (np.array(STATISTICS),)), k], order=["kpi", "statistic"])

    def kpi_table(self) -> pd.DataFrame:
        """KPI summary, wide: one row per KPI (index), columns mean, sd, q05, q50, q95."""
        t = self["summary/kpi"]
        return pd.DataFrame({s: np.asarray(t[s], dtype=float) for s in STATISTICS},
                            index=pd.Index(_as_str_list(t["name"]), name="kpi"))

    def replicate_kpis(self) -> pd.DataFrame:
        """The KPIs of every replicate, wide: one row per replicate (index), one column per KPI."""
        return pd.DataFrame(np.asarray(self["replicates/kpi"]), columns=self.kpi_names,
                            index=pd.Index(np.asarray(self["replicates/replicate"]), name="replicate"))

    def kpi_period(self, replicates: bool = False) -> pd.DataFrame:
        """KPIs counted per period (uitstroom_werk, uitval, ..., cost_eur): columns time (end of
        the period), kpi, statistic, value (or replicate, time, kpi, value)."""
        replicates = _args.boolean("replicates", replicates)
        p = ("time",), (self.period_end,)
        k = ("kpi",), (np.array(self.kpi_period_names, dtype=object),)
        if replicates:
            return _long(self["replicates/kpi_period"], [self._replicate_axis(), p, k])
        return _long(_stat_axis(self._summary("kpi_period"), STATISTICS),
                     [(("statistic",), (np.array(STATISTICS),)), p, k], order=["time", "kpi", "statistic"])

    def _replicate_axis(self) -> Tuple[Sequence[str], Sequence[np.ndarray]]:
        return ("replicate",), (np.asarray(self["replicates/replicate"]),)

    # ---- saving -------------------------------------------------------------------------------
    def save(self, path: PathLike, compression: int = 1) -> Path:
        """Writes this run to ``path`` (HDF5, the layout of ``trede run -o``; atomic: a failed
        write leaves no file). Only for runs made in this session (:func:`trede.run`).
        Raises :class:`trede.IoError` when the file cannot be written."""
        if self._core is None:
            _args.bad("save", "only a result of trede.run can be saved (this one was read from a file, or is "
                            "part of a comparison: save the comparison)")
        p = Path(os.fspath(path))
        self._core.save(os.fspath(p), compression, "")
        self.path = p
        return p

    def __repr__(self) -> str:
        src = f"from {str(self.path)!r}" if self.path else "in memory"
        return (f"<trede.Result {self.name!r} {src}: {self.replicates} replicates, seed {self.attrs.get('master_seed')}, "
                f"{len(self.time)} report times, {len(self.states)} states>")


# ---- a comparison -------------------------------------------------------------------------------

class Comparison:
    """Scenarios run with common random numbers (:func:`trede.compare`, ``trede compare``):
    paired differences against the reference (the first scenario) with intervals, and each
    scenario's full :class:`Result`.

    ``comparison[key]`` is a dataset of the comparison file (``difference/kpi/mean`` [N-1, K], ...);
    ``comparison[name]`` or ``comparison[i]`` is one scenario's Result.
    """

    def __init__(self, source: Union[_Memory, _File], attrs: Mapping[str, Any], scenarios: Sequence[Result], *,
                 path: Optional[Path] = None, image: Optional[bytes] = None) -> None:
        self._src = source
        self.attrs: Dict[str, Any] = dict(attrs)
        self.scenarios: List[Result] = list(scenarios)
        """One Result per scenario, the reference first."""
        self.path = path
        self._image = image

    @classmethod
    def from_image(cls, image: bytes, n: int) -> "Comparison":
        """The comparison held in `image`, the bytes of a comparison file built in memory."""
        scenarios = [Result(_File(image, f"scenarios/{i}"), _attrs(image, f"scenarios/{i}")) for i in range(n)]
        return cls(_File(image), _attrs(image), scenarios, image=image)

    @property
    def uncertainty(self) -> str:
        """What the intervals include: "Monte Carlo + parameter (D draws x R replicates)" (a PSA
        comparison) or "Monte Carlo (R replicates)"."""
        return str(self.attrs.get("uncertainty", f"Monte Carlo ({self.replicates} replicates)"))

    def decision(self, table: str = "summary") -> pd.DataFrame:
        """The decision summaries (``/decision``): ``"summary"`` (one row per quantity and option:
        people reaching work, cost, extra cost per extra person reaching work with its Fieller
        interval, probability best at the reference willingness to pay), ``"kpi"`` (each headline
        KPI per option with its interval and probability of being best), ``"difference"`` (paired
        differences against the reference), ``"acceptability"`` (the acceptability curve and
        EVPI over the willingness to pay), ``"evppi"`` (value of information per parameter group,
        PSA only), ``"sensitivity"`` (first-order indices of each parameter group for the
        difference in effect and cost, PSA only)."""
        names = self.names
        if table == "summary":
            q = _as_str_list(self["decision/summary/quantity"])
            rows = []
            for i, quantity in enumerate(q):
                for j, name in enumerate(names):
                    rows.append({"quantity": quantity, "kind": _as_str_list(self["decision/summary/kind"])[i],
                                 "scenario": name, "mean": self["decision/summary/mean"][i, j],
                                 "lo": self["decision/summary/lo"][i, j], "hi": self["decision/summary/hi"][i, j],
                                 "uncertainty": _as_str_list(self["decision/summary/uncertainty"])[i]})
            return pd.DataFrame(rows)
        if table == "kpi":
            k = _as_str_list(self["decision/kpi/names"])
            return pd.DataFrame([{"kpi": kk, "scenario": n, "mean": self["decision/kpi/mean"][i, j],
                                  "q_lower": self["decision/kpi/q_lower"][i, j], "q_upper": self["decision/kpi/q_upper"][i, j],
                                  "probability_best": self["decision/kpi/probability_best"][i, j]}
                                 for i, kk in enumerate(k) for j, n in enumerate(names)])
        if table == "difference":
            k = _as_str_list(self["decision/kpi/names"])
            cols = ["mean", "lower", "upper", "q_lower", "q_upper", "probability_positive"]
            return pd.DataFrame([{"kpi": kk, "scenario": n, **{c: self[f"decision/kpi/difference/{c}"][i, j] for c in cols}}
                                 for i, kk in enumerate(k) for j, n in enumerate(names[1:])])
        if table == "acceptability":
            lam = np.asarray(self["decision/acceptability/lambda"])
            p = np.asarray(self["decision/acceptability/probability"])
            df = pd.DataFrame({"lambda": np.repeat(lam, len(names)), "scenario": names * len(lam),
                               "probability": p.T.reshape(-1)})
            evpi = dict(zip(lam, np.asarray(self["decision/acceptability/evpi"])))
            df["evpi"] = df["lambda"].map(evpi)
            return df
        if table == "evppi":
            if "decision/evppi/value" not in self._src:
                return pd.DataFrame(columns=["group", "lambda", "evppi"])
            lam = np.asarray(self["decision/acceptability/lambda"])
            g = _as_str_list(self["decision/evppi/groups"])
            v = np.asarray(self["decision/evppi/value"])
            return pd.DataFrame([{"group": gg, "lambda": lam[l], "evppi": v[i, l]} for i, gg in enumerate(g)
                                 for l in range(len(lam))])
        if table == "sensitivity":
            if "decision/sensitivity/effect" not in self._src:
                return pd.DataFrame(columns=["scenario", "group", "effect", "cost"])
            g = _as_str_list(self["decision/sensitivity/groups"])
            e, c = np.asarray(self["decision/sensitivity/effect"]), np.asarray(self["decision/sensitivity/cost"])
            return pd.DataFrame([{"scenario": n, "group": gg, "effect": e[j, i], "cost": c[j, i]}
                                 for j, n in enumerate(names[1:]) for i, gg in enumerate(g)])
        _args.bad("table", f"unknown decision table {table!r}: summary, kpi, difference, acceptability, evppi, sensitivity")

    def __getitem__(self, key: Union[str, int]) -> Any:
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            if not -len(self.scenarios) <= key < len(self.scenarios):
                _args.bad("index", f"no scenario {key}: the comparison has {len(self.scenarios)} (0 is the reference)")
            return self.scenarios[key]
        if not isinstance(key, str):
            _args.bad("key", f"a scenario name, a scenario index or a dataset path (got {type(key).__name__} {key!r})")
        if key in self.names:
            return self.scenarios[self.names.index(key)]
        return self._src.get(_dataset_key(key))

    def keys(self) -> List[str]:
        """Paths of the comparison's own datasets (the scenarios' are in ``scenarios``)."""
        return self._src.keys()

    def __len__(self) -> int:
        return len(self.scenarios)

    def __iter__(self) -> Iterator[Result]:
        return iter(self.scenarios)

    @property
    def names(self) -> List[str]:
        """Scenario names (made unique), the reference first."""
        return _as_str_list(self._src.get("scenario_names"))

    @property
    def reference(self) -> str:
        """The reference scenario's name (the first): differences are scenario − reference."""
        return self.names[0]

    @property
    def confidence(self) -> float:
        """Level of the intervals, e.g. 0.95."""
        return float(self.attrs["confidence"])

    @property
    def replicates(self) -> int:
        """R, the replicates of each scenario (paired by replicate index)."""
        return int(self.attrs["replicates"])

    @property
    def seed(self) -> int:
        """The master seed of the comparison (``--seed``)."""
        return int(self.attrs["master_seed"])

    @property
    def time(self) -> np.ndarray:
        """[T] report times (calendar years), shared by every scenario."""
        return self._src.get("time")

    @property
    def kpi_names(self) -> List[str]:
        """[K] names of the KPIs compared (labels of ``difference("kpi")``)."""
        return _as_str_list(self._src.get("kpi_names"))

    @property
    def kpi_period_names(self) -> List[str]:
        """Names of the per-period KPIs compared (labels of ``difference("kpi_period")``)."""
        return _as_str_list(self._src.get("kpi_period_names"))

    def difference(self, quantity: str = "kpi") -> pd.DataFrame:
        """Paired differences (scenario - reference) with intervals, tidy. ``quantity``:

        - ``"kpi"``: columns scenario, kpi, statistic, value;
        - ``"kpi_period"``: scenario, time (end of the period), kpi, statistic, value;
        - ``"trede_occupancy"``: scenario, time, trede, statistic, value;
        - ``"kpi_independent"``: as ``"kpi"``, from independent streams (when measured).

        Statistics: mean, sd (of the R paired differences), lo and hi (the interval at level
        :attr:`confidence`).
        """
        group = f"difference/{quantity}"
        if f"{group}/mean" not in self._src:
            _args.bad("quantity", f"no differences of {quantity!r} in this comparison (kpi, kpi_period, "
                      "trede_occupancy; kpi_independent when measured)")
        values = _stat_axis({s: self._src.get(f"{group}/{s}") for s in DIFFERENCE_STATISTICS}, DIFFERENCE_STATISTICS)
        stat = ("statistic",), (np.array(DIFFERENCE_STATISTICS),)
        scen = ("scenario",), (np.array(self.names[1:], dtype=object),)
        if quantity in ("kpi", "kpi_independent"):
            axes = [stat, scen, (("kpi",), (np.array(self.kpi_names, dtype=object),))]
            order = ["scenario", "kpi", "statistic"]
        elif quantity == "kpi_period":
            axes = [stat, scen, (("time",), (self._src.get("period_end"),)),
                    (("kpi",), (np.array(self.kpi_period_names, dtype=object),))]
            order = ["scenario", "time", "kpi", "statistic"]
        elif quantity == "trede_occupancy":
            axes = [stat, scen, (("time",), (self.time,)), (("trede",), (np.arange(1, 7),))]
            order = ["scenario", "time", "trede", "statistic"]
        else:
            _args.bad("quantity", f"unknown quantity {quantity!r}: kpi, kpi_period, trede_occupancy or kpi_independent")
        return _long(values, axes, order=order)

    def paired_difference(self, key: str, index: Optional[int] = None,
                          cumulative: bool = False) -> List[Dict[str, np.ndarray]]:
        """Paired differences of any per-replicate dataset ``key`` of the scenarios (e.g.
        ``"replicates/cost_cumulative_eur"`` [R, T]): for every scenario but the reference, the
        mean, sd, lo and hi over replicates of scenario minus reference, replicate by replicate,
        with the Student-t interval at :attr:`confidence` (as the ``difference`` datasets of the
        file). In a PSA comparison (``--draws`` with R replicates per draw) the units are the
        draws: each draw's R differences are averaged first, and sd and interval are over the
        draws. ``index`` picks one entry of the last axis (a KPI of ``replicates/kpi_period``);
        ``cumulative`` sums along the second axis (periods) first."""
        def values(r: Result) -> np.ndarray:
            x = np.asarray(r[key], dtype=float)
            if index is not None:
                x = x[..., index]
            return np.cumsum(x, axis=1) if cumulative else x
        ref = self.scenarios[0]
        base = values(ref)
        out = []
        for r in self.scenarios[1:]:
            if not np.array_equal(np.asarray(r["replicates/replicate"]), np.asarray(ref["replicates/replicate"])):
                raise ValueError(f"{r.name}: other replicates than the reference's; differences are not paired")
            d = values(r) - base
            per_draw = int(self.attrs.get("replicates_per_draw", 0) or 0)
            if per_draw > 1:  # a draw's replicates share its parameters: one unit per draw
                with np.errstate(invalid="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # a draw without a value stays NaN
                    d = np.nanmean(d.reshape((-1, per_draw) + d.shape[1:]), axis=1)
            s = summarize(d)
            n = np.sum(~np.isnan(d), axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                half = t_quantile(self.confidence, n) * s["sd"] / np.sqrt(n)
            out.append({"mean": s["mean"], "sd": np.where(n >= 2, s["sd"], np.nan), "lo": s["mean"] - half,
                        "hi": s["mean"] + half})
        return out

    def variance_reduction(self) -> pd.DataFrame:
        """How much common random numbers helped, per scenario and KPI: var(independent
        differences) / var(paired differences); columns scenario, kpi, value. Empty when the
        comparison ran without independent streams."""
        if "variance_reduction/kpi" not in self._src:
            return pd.DataFrame(columns=["scenario", "kpi", "value"])
        return _long(self._src.get("variance_reduction/kpi"),
                     [(("scenario",), (np.array(self.names[1:], dtype=object),)),
                      (("kpi",), (np.array(self.kpi_names, dtype=object),))])

    def kpi_table(self) -> pd.DataFrame:
        """KPIs side by side: one row per KPI; per scenario its mean, and for every scenario but
        the reference the paired difference (mean, lo, hi)."""
        out = pd.DataFrame(index=pd.Index(self.kpi_names, name="kpi"))
        for name, r in zip(self.names, self.scenarios):
            out[name] = r.kpi_table()["mean"].to_numpy()
        d = self.difference("kpi")
        for name in self.names[1:]:
            w = d[d.scenario == name].pivot(index="kpi", columns="statistic", values="value").reindex(self.kpi_names)
            for s in ("mean", "lo", "hi"):
                out[f"{name} - {self.reference} ({s})"] = w[s].to_numpy()
        return out

    def save(self, path: PathLike, compression: int = 1) -> Path:
        """Writes the file ``trede compare -o`` would write (atomically). Only for comparisons run
        in this session (:func:`trede.compare`)."""
        if self._image is None:
            _args.bad("save", "only a comparison made by trede.compare can be saved (this one was read from a file)")
        p = Path(os.fspath(path))
        _core.save_image(os.fspath(p), self._image)
        self.path = p
        return p

    def __repr__(self) -> str:
        src = f"from {str(self.path)!r}" if self.path else "in memory"
        return (f"<trede.Comparison {src}: {', '.join(self.names)}; {self.replicates} replicates each, "
                f"seed {self.attrs.get('master_seed')}>")


# ---- a probabilistic sensitivity analysis ---------------------------------------------------

class PsaResult(Result):
    """A probabilistic sensitivity analysis (``trede run --draws``, ``trede.run(..., draws=D)``):
    every draw's runs as one result (row d·R + r of ``replicates/...`` is draw d, replicate r),
    so every summary (``occupancy()``, ``kpi()``, ``ladder()``, ...) includes parameter and Monte
    Carlo uncertainty. ``draws`` holds the parameter sets, ``variance()`` the split of each KPI's
    variance into its parameter and Monte Carlo parts."""

    def __init__(self, source: _File, attrs: Mapping[str, Any], *, path: Optional[Path] = None,
                 image: Optional[bytes] = None, notes: Sequence[str] = ()) -> None:
        super().__init__(source, attrs, path=path)
        self._image = image
        #: What a resumed analysis found and ran again (damaged or foreign parts).
        self.notes: List[str] = list(notes)

    @property
    def replicates_per_draw(self) -> int:
        """Replicates run for each parameter draw (``-n`` with ``--draws``)."""
        return int(self.attrs["replicates_per_draw"])

    @property
    def draws(self) -> pd.DataFrame:
        """One row per draw (index ``draw``), one column per uncertain key: the parameter values."""
        keys = _as_str_list(self["draws/keys"])
        return pd.DataFrame(np.asarray(self["draws/parameters"]).reshape(-1, len(keys)), columns=keys,
                            index=pd.Index(np.arange(int(self.attrs["draws"])), name="draw"))

    @property
    def distributions(self) -> pd.DataFrame:
        """Each uncertain key with its distribution, block (keys drawn together share one) and
        the block's name (a group's ``name`` from the scenario, else its keys joined by ", ")."""
        block = np.asarray(self["draws/block"])
        names = _block_names(self)
        return pd.DataFrame({"key": _as_str_list(self["draws/keys"]),
                             "distribution": _as_str_list(self["draws/distributions"]),
                             "block": block, "block_name": [names[b] for b in block.tolist()]})

    def variance(self) -> pd.DataFrame:
        """Per KPI: the variance over draws and replicates (``total``), its parameter and Monte
        Carlo parts with 95 % intervals, and the parameter share with its jackknife standard
        error (the one-way analysis of variance, or the two-way one when the draws share their
        replicates' streams, ``common_streams``; needs ``replicates`` >= 2). Empty with one
        replicate per draw."""
        cols = _core.variance_columns()
        if "variance/kpi/total" not in self._src:
            return pd.DataFrame(columns=["kpi", *cols])
        df = pd.DataFrame({c: np.asarray(self[f"variance/kpi/{c}"]) for c in cols})
        df.insert(0, "kpi", self.kpi_names)
        return df

    def draw_kpi(self, name: str) -> np.ndarray:
        """The KPI ``name`` per draw, [D], each the mean over the draw's replicates."""
        if name not in self.kpi_names:
            _args.bad("name", f"no KPI called {name!r} (KPIs: {', '.join(self.kpi_names)})")
        k = self.kpi_names.index(name)
        return np.asarray(self["replicates/kpi"])[:, k].reshape(-1, self.replicates_per_draw).mean(axis=1)

    @property
    def draw_count(self) -> int:
        """D, the number of parameter sets drawn."""
        return int(self.attrs["draws"])

    @property
    def common_streams(self) -> bool:
        """True when replicate r of every draw ran on the same random streams
        (``--common-streams``); False for independent streams per draw (the default)."""
        return str(self.attrs.get("streams", "independent")) == "common"

    def draw_means(self) -> pd.DataFrame:
        """Every KPI per draw: one row per draw (index ``draw``), one column per KPI, each the
        mean over the draw's replicates (:meth:`draw_kpi` for all KPIs at once)."""
        R = self.replicates_per_draw
        k = np.asarray(self["replicates/kpi"], dtype=float)
        means = k.reshape(-1, R, k.shape[1]).mean(axis=1)
        return pd.DataFrame(means, columns=self.kpi_names, index=pd.Index(np.arange(len(means)), name="draw"))

    def first_order(self, kpis: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Which parameter drives each KPI: for every KPI of ``kpis`` (default: all) and every
        uncertain key, the first-order index estimated from the draws by
        :func:`first_order_index` (the share of the variance of the per-draw means that the key
        alone explains) and its standard error. Columns kpi, key, index, se; rows in draw order
        of the keys. A key in a correlated group also explains what it reveals about the keys it
        is correlated with (docs/uncertainty.md, "What drives the spread")."""
        means = self.draw_means()
        draws = self.draws
        rows = []
        for kpi in (kpis if kpis is not None else self.kpi_names):
            y = means[kpi].to_numpy(dtype=float)
            for key in draws.columns:
                index, se = first_order_index(draws[key].to_numpy(dtype=float), y)
                rows.append({"kpi": kpi, "key": key, "index": index, "se": se})
        return pd.DataFrame(rows, columns=["kpi", "key", "index", "se"])

    def __repr__(self) -> str:
        src = f"from {str(self.path)!r}" if self.path else "in memory"
        return (f"<trede.PsaResult {self.name!r} {src}: {self.attrs.get('draws')} draws x {self.replicates_per_draw} "
                f"replicates, seed {self.attrs.get('master_seed')}, {len(self.draws.columns)} uncertain parameters>")

    def save(self, path: PathLike, compression: int = 1) -> Path:
        """Writes the file ``trede run --draws -o`` would write (atomically)."""
        out = Path(os.fspath(path))
        _core.save_image(os.fspath(out), self._image if self._image is not None else Path(self.path).read_bytes())
        self.path = out
        return out


def _natural_spline_basis(z: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """The natural cubic spline basis with ``knots`` (cubic between the knots, linear beyond
    the outer two): 1, z, and N_k = d_k − d_{K−2}, d_k = ((z − ξ_k)³₊ − (z − ξ_K)³₊)/(ξ_K − ξ_k)
    (Hastie, Tibshirani and Friedman, The Elements of Statistical Learning, eq. 5.4-5.5)."""
    def d(k: int) -> np.ndarray:
        return (np.maximum(z - knots[k], 0.0) ** 3 - np.maximum(z - knots[-1], 0.0) ** 3) / (knots[-1] - knots[k])
    last = d(len(knots) - 2)
    return np.column_stack([np.ones_like(z), z, *(d(k) - last for k in range(len(knots) - 2))])


def first_order_fit(x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, int]:
    """The regression behind :func:`first_order_index`: the fitted values [D] of the natural
    cubic regression spline of ``y`` on the normal score of the rank of ``x``, and its number of
    coefficients p (NaN values and p = 0 for fewer than 8 draws or values that are not finite)."""
    from scipy.stats import norm, rankdata
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    D = len(y)
    if D < 8 or len(x) != D or not np.all(np.isfinite(x)) or not np.all(np.isfinite(y)):
        return np.full(D, np.nan), 0
    z = norm.ppf((rankdata(x) - 0.5) / D)
    if z.min() == z.max():
        return np.full(D, y.mean()), 1
    p = min(10, 3 + D // 32)
    knots = np.quantile(z, np.linspace(0.05, 0.95, p))
    if np.any(np.diff(knots) <= 0):  # many tied values: fall back to a straight line
        X = np.column_stack([np.ones_like(z), z])
    else:
        X = _natural_spline_basis(z, knots)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    return X @ beta, X.shape[1]


def first_order_index(x: np.ndarray, y: np.ndarray) -> Tuple[float, float]:
    """The first-order sensitivity index of ``y`` [D] to ``x`` [D] estimated from D parameter
    draws, and its standard error: the adjusted R² of a least-squares natural cubic regression
    spline of y on the normal score of x's rank, z_d = Φ⁻¹((rank_d − ½)/D), with
    p = min(10, 3 + D // 32) knots at the 5 % to 95 % quantiles of z (p coefficients;
    :func:`first_order_fit`):

        S = 1 − (RSS / (D − p)) / (TSS / (D − 1)),

    an estimate of Var(E[y | x]) / Var(y), not truncated at 0 (for a key without effect it
    scatters around 0 on both sides, so sums over many keys stay unbiased). The rank makes it invariant to any
    monotone change of scale of x (log or not) and robust to outliers; the spline catches
    curved and non-monotone effects, more of them as D grows. The standard error is the delta
    method's for RSS/TSS with the fit held fixed. (NaN, NaN) for fewer than 8 draws or a
    constant or non-finite y. This is not ``trede::mc::first_order_indices`` (a penalised
    spline with its smoothing chosen by REML and a permutation correction, docs/uncertainty-math.md §6.2),
    which the Python package does not bind, but the simpler estimator docs/uncertainty.md
    describes and checks."""
    y = np.asarray(y, dtype=float)
    fitted, p = first_order_fit(x, y)
    D = len(y)
    if p == 0:
        return math.nan, math.nan
    c = y - y.mean()
    tss = float(c @ c)
    if not tss > 0:
        return math.nan, math.nan
    r = y - fitted
    ratio = float(r @ r) / tss
    k = (D - 1) / (D - p)
    influence = (r * r - ratio * c * c) / float(np.mean(c * c))
    se = k * float(np.std(influence, ddof=1)) / math.sqrt(D)
    return 1.0 - k * ratio, se


# ---- a sweep ------------------------------------------------------------------------------------

class Sweep:
    """A sweep file (``trede sweep -o``): N points over D scenario keys, each run on the same R
    replicates. ``sweep[key]`` is a dataset (``summary/kpi/mean`` [N, K], ``replicates/kpi``
    [N, R, K], ...)."""

    def __init__(self, source: _File, attrs: Mapping[str, Any], path: Optional[Path],
                 image: Optional[bytes] = None, notes: Sequence[str] = ()) -> None:
        self._src = source
        self.attrs: Dict[str, Any] = dict(attrs)
        self.path = path
        self._image = image
        #: What a resumed sweep found and ran again (damaged or foreign parts).
        self.notes: List[str] = list(notes)

    def save(self, path: PathLike) -> Path:
        """Writes the sweep file ``trede sweep -o`` would write (atomically)."""
        out = Path(os.fspath(path))
        if self._image is None:
            if self.path is None:
                raise IoError("this sweep has no file to save", str(out))
            _core.save_image(os.fspath(out), Path(self.path).read_bytes())
        else:
            _core.save_image(os.fspath(out), self._image)
        return out

    def __getitem__(self, key: str) -> Any:
        return self._src.get(_dataset_key(key))

    def keys(self) -> List[str]:
        """Paths of every dataset (without the leading '/')."""
        return self._src.keys()

    @property
    def replicates(self) -> int:
        """R, the replicates at each point (common random numbers across points)."""
        return int(self.attrs["replicates"])

    @property
    def time(self) -> np.ndarray:
        """[T] report times (calendar years)."""
        return self["time"]

    @property
    def states(self) -> List[str]:
        """[S] state names."""
        return _as_str_list(self["states"])

    @property
    def kpi_names(self) -> List[str]:
        """[K] names of the KPIs of ``kpi()``."""
        return _as_str_list(self["kpi_names"])

    @property
    def points(self) -> pd.DataFrame:
        """One row per point (index ``point``), one column per swept key: the values as numbers
        (text where a value is not a number)."""
        keys = _as_str_list(self["points/keys"])
        numeric = np.asarray(self["points/numeric"], dtype=float).reshape(-1, len(keys))
        text = np.array(_as_str_list(self["points/values"]), dtype=object).reshape(-1, len(keys))
        cols = {k: (numeric[:, j] if not np.isnan(numeric[:, j]).any() else text[:, j]) for j, k in enumerate(keys)}
        return pd.DataFrame(cols, index=pd.Index(np.arange(len(numeric)), name="point"))

    def kpi(self) -> pd.DataFrame:
        """KPI statistics per point: columns point, <swept keys>, kpi, statistic, value."""
        values = _stat_axis({s: self[f"summary/kpi/{s}"] for s in STATISTICS}, STATISTICS)  # [5, N, K]
        df = _long(values, [(("statistic",), (np.array(STATISTICS),)),
                            (("point",), (np.arange(values.shape[1]),)),
                            (("kpi",), (np.array(self.kpi_names, dtype=object),))], order=["point", "kpi", "statistic"])
        return self.points.reset_index().merge(df, on="point")

    def occupancy(self) -> pd.DataFrame:
        """Occupancy statistics per point: columns point, time, state, statistic, value."""
        values = _stat_axis({s: self[f"summary/occupancy/{s}"] for s in STATISTICS}, STATISTICS)  # [5, N, T, S]
        return _long(values, [(("statistic",), (np.array(STATISTICS),)), (("point",), (np.arange(values.shape[1]),)),
                              (("time",), (self.time,)), (("state",), (np.array(self.states, dtype=object),))],
                     order=["point", "time", "state", "statistic"])

    def __repr__(self) -> str:
        where = "in memory" if self.path is None else f"from {str(self.path)!r}"
        return (f"<trede.Sweep {where}: {len(self.points)} points over "
                f"{', '.join(self.points.columns)}; {self.replicates} replicates each>")


# ---- a calibration report -----------------------------------------------------------------------

class CalibrationReport:
    """A fit report (``trede calibrate --report``, ``Fit.save_report``): the estimates, their
    covariance, the fit per target and the scenario before and after. ``report[key]`` is a
    dataset (``estimates/estimate``, ``parameters/covariance``, ...)."""

    def __init__(self, source: _File, attrs: Mapping[str, Any], path: Optional[Path]) -> None:
        self._src = source
        self.attrs: Dict[str, Any] = dict(attrs)
        self.path = path

    def __getitem__(self, key: str) -> Any:
        return self._src.get(_dataset_key(key))

    def keys(self) -> List[str]:
        """Paths of every dataset (without the leading '/')."""
        return self._src.keys()

    @property
    def method(self) -> str:
        """"exact" (event histories), "panel" (panel data) or "targets" (simulated moments)."""
        return str(self.attrs.get("method", ""))

    @property
    def status(self) -> str:
        """How the fit ended: "converged", "max_iterations", "not_improving", "singular_information" or "failed"."""
        return str(self.attrs.get("status", ""))

    @property
    def estimates(self) -> pd.DataFrame:
        """One row per estimate: name, kind, key, estimate, se, lower, upper, start, fixed."""
        cols = ["name", "kind", "key", "estimate", "se", "lower", "upper", "start", "fixed"]
        out = {c: (_as_str_list(self[f"estimates/{c}"]) if c in ("name", "kind", "key") else np.asarray(self[f"estimates/{c}"]))
               for c in cols}
        out["fixed"] = out["fixed"].astype(bool)
        return pd.DataFrame(out, columns=cols)

    @property
    def covariance(self) -> pd.DataFrame:
        """Covariance of the free parameters (rates on the log scale)."""
        names = _as_str_list(self["parameters/name"])
        v = np.asarray(self["parameters/covariance"], dtype=float).reshape(len(names), len(names))
        return pd.DataFrame(v, index=names, columns=names)

    @property
    def targets(self) -> pd.DataFrame:
        """Targets fits: id, time, observed, sd, simulated, simulated_se, z (empty for data fits)."""
        cols = ["id", "time", "observed", "sd", "simulated", "simulated_se", "z"]
        if "targets/id" not in self._src:
            return pd.DataFrame(columns=cols)
        return pd.DataFrame({c: (_as_str_list(self[f"targets/{c}"]) if c == "id" else np.asarray(self[f"targets/{c}"]))
                             for c in cols}, columns=cols)

    @property
    def calibrated_text(self) -> str:
        """The calibrated scenario's TOML text (what ``trede calibrate -o`` wrote)."""
        return str(self["calibrated_scenario"])

    def __repr__(self) -> str:
        return f"<trede.CalibrationReport {self.method}: {self.status}, {len(self.estimates)} estimates>"


# ---- reading files ------------------------------------------------------------------------------

def read(path: PathLike) -> Union[Result, PsaResult, Comparison, Sweep, CalibrationReport]:
    """Opens a file written by ``trede run`` / ``trede compare`` / ``trede sweep`` / ``trede
    calibrate --report`` (or ``save``): a :class:`Result`, a :class:`Comparison` for comparison
    files, a :class:`Sweep` for sweep files, a :class:`CalibrationReport` for fit reports. Datasets are read when first used. Raises :class:`trede.IoError` (an
    OSError) when the file is missing or is not a trede result.

    >>> r = trede.read("bm2.h5")
    >>> r.occupancy().query("statistic == 'mean'")
    """
    p = Path(_args.path("path", path))
    attrs = _attrs(p)
    if "trede_version" not in attrs:
        raise IoError(f"{p}: not a trede result file (no trede_version attribute)", str(p))
    kind = attrs.get("kind", "result")
    if kind not in ("result", "psa", "comparison", "sweep", "calibration"):
        raise IoError(f"{p}: a trede file of kind {kind!r}, which trede.read does not know", str(p))
    src = _File(p)
    if kind == "comparison":
        def group_meta(group: str) -> _schema.Meta:
            with _open(p) as f:
                present = group in f
            return _File(p, group).meta if present else {}
        _schema.check(kind, str(p), str(p), attrs, src.meta, group_meta, lambda g: _attrs(p, g))
        n = len(src.get("scenario_names"))
        scenarios = [Result(_File(p, f"scenarios/{i}"), _attrs(p, f"scenarios/{i}"), path=p) for i in range(n)]
        return Comparison(src, attrs, scenarios, path=p)
    _schema.check(kind, str(p), str(p), attrs, src.meta)
    if kind == "calibration":
        return CalibrationReport(src, attrs, p)
    if kind == "psa":
        return PsaResult(src, attrs, path=p)
    if kind == "sweep":
        return Sweep(src, attrs, p)
    return Result(src, attrs, path=p)

