"""Calibration (C++ ``trede::calib``): transition rates from event histories or panel data by
maximum likelihood, or scenario keys from aggregate targets by the simulated method of moments
— what ``trede calibrate`` does, with data from pandas as well as from files."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _args, _core, _files
from ._errors import IoError, ModelError
from ._scenario import Overrides, Scenario, load_scenario, parse_scenario

__all__ = ["calibrate", "simulate_data", "Fit"]

PathLike = Union[str, "os.PathLike[str]"]
Data = Union[PathLike, pd.DataFrame]
Targets = Union[PathLike, Mapping[str, Any], Sequence[Mapping[str, Any]]]


def _scenario(s: Union[Scenario, PathLike], overrides: Overrides) -> Scenario:
    if isinstance(s, Scenario):
        return s.with_overrides(overrides) if overrides else s
    return load_scenario(_args.path("scenario", s), overrides)


def _panel(data: Data, s: Scenario, covariates: Sequence[str]) -> Any:
    if not isinstance(data, (pd.DataFrame, str, os.PathLike)):
        _args.bad("data", f"must be a pandas DataFrame or the path of a CSV file, not {type(data).__name__}")
    if isinstance(data, pd.DataFrame):
        missing = {"id", "time", "state"} - set(data.columns)
        if missing:
            raise ModelError(f"data: missing columns {sorted(missing)}", [("<DataFrame>", 0, "data",
                                                                           f"needs columns id, time, state (missing {sorted(missing)})")])
        return _core.parse_csv(data.to_csv(index=False), "<DataFrame>", s._core, list(covariates))
    return _core.read_csv(_args.path("data", data), s._core, list(covariates))


def simulate_data(scenario: Union[Scenario, PathLike], people: int = 1000, *, follow_up_years: float = 5.0,
                  mean_visit_gap_years: float = 1.0, visit_jitter: float = 0.5, exact: bool = False, seed: int = 1,
                  covariates: Optional[Mapping[str, Tuple[float, float]]] = None, engine: bool = False,
                  schedules: int = 50, overrides: Overrides = None) -> pd.DataFrame:
    """Synthetic longitudinal data from a scenario with known rates, in long format (columns id,
    time, state and any covariates): panel observations at irregular visits (mean gap
    ``mean_visit_gap_years``, uniform jitter ``visit_jitter``), or with ``exact`` every
    transition time (event histories). ``covariates``: ``{attribute: (mean, sd)}`` drawn per
    person from a normal distribution (Markov generator only). ``engine``: produce the data with
    trede's own simulation engine instead of the exact Markov process.

    >>> df = trede.simulate_data("models/calibration/ladder4.toml", 2000, seed=3)
    """
    s = _scenario(scenario, overrides)
    if covariates is not None and not isinstance(covariates, Mapping):
        _args.bad("covariates", f"must be a mapping {{attribute: (mean, sd)}} (got {type(covariates).__name__})")
    covs = []
    for k, v in (covariates or {}).items():
        m, sd = _args.pair(f"covariates[{k!r}]", v)
        covs.append((_args.text("covariates key", k), _args.number(f"covariates[{k!r}] mean", m),
                     _args.number(f"covariates[{k!r}] sd", sd, lo=0)))
    d = _core.simulate_data(s._core, _args.integer("people", people, lo=1),
                            _args.number("follow_up_years", follow_up_years),
                            _args.number("mean_visit_gap_years", mean_visit_gap_years),
                            _args.number("visit_jitter", visit_jitter), _args.boolean("exact", exact),
                            _args.integer("seed", seed), covs, _args.boolean("engine", engine),
                            _args.integer("schedules", schedules, lo=1))
    return pd.read_csv(io.StringIO(d.to_csv()), comment="#", dtype={"id": str})


class Fit:
    """The result of :func:`calibrate`: estimates with standard errors and 95 % intervals, the
    likelihood or objective, how the optimiser did, and the calibrated scenario."""

    def __init__(self, core: Any, scenario: Scenario) -> None:
        self._core = core
        self._r: Dict[str, Any] = core.result()
        self.input_scenario = scenario
        """The scenario that was fitted (before calibration)."""

    # ---- outcome ------------------------------------------------------------------------------
    @property
    def method(self) -> str:
        """"exact" (event histories), "panel" (panel data) or "targets" (simulated moments)."""
        return self._r["method"]

    @property
    def status(self) -> str:
        """"converged", "max_iterations", "not_improving", "singular_information" or "failed"."""
        return self._r["status"]

    @property
    def converged(self) -> bool:
        """True when the optimiser met its criterion (standard errors may still be missing)."""
        return self.status in ("converged", "singular_information")

    @property
    def message(self) -> str:
        """What the status means in words, and any caveat of the fit."""
        return self._r["message"]

    @property
    def notes(self) -> List[str]:
        """Caveats: edges without events, skipped targets, ..."""
        return list(self._r["notes"])

    @property
    def log_likelihood(self) -> float:
        """Log-likelihood at the estimates (panel and event-history fits; −objective/2 for targets)."""
        return float(self._r["log_likelihood"])

    @property
    def aic(self) -> float:
        """Akaike's information criterion, −2 log L + 2 p (p: the free parameters)."""
        return float(self._r["aic"])

    @property
    def objective(self) -> float:
        """Targets: weighted sum of squares; otherwise -2 log L."""
        return float(self._r["objective"])

    @property
    def info(self) -> Dict[str, Any]:
        """Counts and timings: parameters, iterations, evaluations, seconds, subjects,
        observations, transitions."""
        return {k: self._r[k] for k in ("parameters", "iterations", "evaluations", "seconds", "subjects",
                                        "observations", "transitions")}

    @property
    def stages(self) -> List["Fit"]:
        """Each stage's own fit: one for a data or targets fit; two for a two-stage fit (the data
        fit, then the targets fit on the scenario with the data fit's rates)."""
        out = []
        for r in self._core.stages():
            f = Fit.__new__(Fit)
            f._core, f._r, f.input_scenario = self._core, r, self.input_scenario
            out.append(f)
        return out

    # ---- estimates ----------------------------------------------------------------------------
    @property
    def estimates(self) -> pd.DataFrame:
        """One row per parameter: name, kind ("rate" per year, "beta", "piece", "parameter"),
        key (the scenario key written), estimate, se, lower, upper (95 %), start (the value
        before calibration), fixed."""
        cols = ["name", "kind", "key", "estimate", "se", "lower", "upper", "start", "fixed"]
        return pd.DataFrame(self._r["estimates"], columns=cols)

    def _matrix(self, key: str) -> pd.DataFrame:
        states = self._r["states"]
        v = np.asarray(self._r[key], dtype=float)
        if not states or v.size != len(states) ** 2:
            return pd.DataFrame()
        return pd.DataFrame(v.reshape(len(states), len(states)), index=pd.Index(states, name="from"),
                            columns=pd.Index(states, name="to"))

    @property
    def q(self) -> pd.DataFrame:
        """Fitted intensity matrix (rates per year, rows: from, columns: to), for data fits."""
        return self._matrix("q")

    @property
    def q_lower(self) -> pd.DataFrame:
        """Lower ends of the 95 % intervals of ``q`` (NaN where there is no edge)."""
        return self._matrix("q_lower")

    @property
    def q_upper(self) -> pd.DataFrame:
        """Upper ends of the 95 % intervals of ``q`` (NaN where there is no edge)."""
        return self._matrix("q_upper")

    @property
    def covariance(self) -> pd.DataFrame:
        """Covariance of the free parameters (rates on the log scale)."""
        names = self._r["parameter_names"]
        v = np.asarray(self._r["covariance"], dtype=float)
        if not names or v.size != len(names) ** 2:
            return pd.DataFrame()
        return pd.DataFrame(v.reshape(len(names), len(names)), index=names, columns=names)

    @property
    def starts(self) -> pd.DataFrame:
        """The log-likelihood reached from each starting point."""
        return pd.DataFrame(self._r["starts"], columns=["label", "log_likelihood", "iterations", "status"])

    @property
    def targets(self) -> pd.DataFrame:
        """Targets fits: id, time, observed, sd, simulated, simulated_se, z."""
        return pd.DataFrame(self._r["targets"], columns=["id", "time", "observed", "sd", "simulated", "simulated_se", "z"])

    # ---- the calibrated scenario --------------------------------------------------------------
    @property
    def calibrated_text(self) -> str:
        """The scenario text with the fitted values written in and a provenance comment on top."""
        return self._core.calibrated_text()

    @property
    def scenario(self) -> Scenario:
        """The calibrated scenario, ready for :func:`trede.run`."""
        s = self.input_scenario
        base = s.path.parent if s.path is not None else Path(s._base_dir)
        name = str(s.path) if s.path is not None else s._source_name
        return parse_scenario(self.calibrated_text, name=name, base_dir=base)

    def save_scenario(self, path: PathLike) -> Path:
        """Writes the calibrated scenario (TOML) to ``path`` atomically."""
        out = Path(os.fspath(path))
        _files.write_all([(out, lambda tmp: tmp.write_text(self.calibrated_text, encoding="utf-8"))],
                         "the calibrated scenario")
        return out

    def save_report(self, path: PathLike) -> Path:
        """Writes the fit report (HDF5, docs/calibration.md), as ``trede calibrate --report``."""
        out = Path(os.fspath(path))
        self._core.save_report(os.fspath(out))
        return out

    def summary(self) -> str:
        """A readable summary: estimates with intervals, log-likelihood, AIC, iterations, time."""
        return self._core.summary()

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<trede.Fit {self.method}: {self.status}, {len(self._r['estimates'])} estimates>"


def _parameter_text(p: Any, name: str) -> str:
    """The "key=lo:hi[:start]" text of parameter ``p`` (``name`` in messages: parameters[i])."""
    if isinstance(p, str):
        return p
    if isinstance(p, Mapping):
        missing = [k for k in ("key", "lower", "upper") if k not in p]
        if missing:
            _args.bad(name, f"a parameter mapping needs key, lower and upper (missing {', '.join(missing)})")
        unknown = sorted(set(map(str, p)) - {"key", "lower", "upper", "start", "log_scale"})
        if unknown:
            _args.bad(name, f"unknown member {unknown[0]!r}: a parameter has key, lower, upper, start and log_scale")
        key, lo, hi = p["key"], p["lower"], p["upper"]
        start, log = p.get("start"), _args.boolean(f"{name}.log_scale", p.get("log_scale", False))
    elif isinstance(p, (tuple, list)) and 3 <= len(p) <= 4:
        key, lo, hi, *rest = p
        start, log = (rest[0] if rest else None), False
    else:
        _args.bad(name, "must be a 'key=lo:hi[:start]' string, a tuple (key, lo, hi[, start]) or a mapping "
                  f"{{key, lower, upper, start, log_scale}} (got {type(p).__name__} {p!r})"[:200])
    _args.text(f"{name} key", key)
    text = f"{key}={'log:' if log else ''}{_args.number(f'{name} lower', lo)!r}:{_args.number(f'{name} upper', hi)!r}"
    return text + (f":{_args.number(f'{name} start', start)!r}" if start is not None else "")


def calibrate(scenario: Union[Scenario, PathLike], data: Optional[Data] = None, *,
              targets: Optional[Targets] = None, exact: bool = False, covariates: Sequence[str] = (),
              shared_covariates: bool = False, fixed: Optional[Mapping[str, float]] = None,
              shared: Iterable[Sequence[str]] = (), parameters: Iterable[Any] = (), starts: int = 3,
              max_iterations: int = 200, tolerance: float = 1e-8, seed: Optional[int] = None,
              exact_absorbing: bool = False, replicates: Optional[int] = None, threads: int = 0,
              max_evaluations: int = 300, xtol_rel: float = 1e-4, algorithm: str = "bobyqa",
              standard_errors: bool = True, overrides: Overrides = None) -> Fit:
    """Fits a scenario to data, as ``trede calibrate`` does, and returns a :class:`Fit`.

    Give ``data``, ``targets``, or both (two stages: the rates from ``data`` are written into
    the scenario, then ``parameters`` are fitted to ``targets`` on it; ``fit.stages`` holds each
    stage's fit):

    - ``data``: long-format observations (columns ``id``, ``time`` in years, ``state``, and
      covariates) as a CSV path or a pandas DataFrame. Panel data (states seen at visit
      times; continuous-time Markov likelihood via the matrix exponential), or with ``exact``
      event histories (each row the time a state was entered). Options: ``covariates``
      (attributes acting on every estimated rate; ``shared_covariates`` for one effect each),
      ``fixed`` ``{"a->b": rate}``, ``shared`` groups of transition ids with one rate,
      ``starts``, ``max_iterations``, ``tolerance``, ``seed`` (random starts),
      ``exact_absorbing`` (absorbing states entered at the observed time).
    - ``targets``: aggregate figures (a JSON target file, or the same structure as a dict or
      list; docs/calibration.md) fitted by the simulated method of moments with common random
      numbers. ``parameters``: the scenario keys to fit with bounds, as ``"key=lo:hi[:start]"``
      texts, ``(key, lo, hi[, start])`` tuples or dicts ``{key, lower, upper, start,
      log_scale}``; also ``replicates``, ``seed``, ``threads``, ``max_evaluations``,
      ``xtol_rel``, ``algorithm`` ("bobyqa", "neldermead"), ``standard_errors``.

    Numerical trouble is a status (``fit.status``), never an exception; bad input raises
    :class:`trede.ModelError`, unreadable files :class:`trede.IoError`.

    >>> fit = trede.calibrate("models/calibration/ladder4.toml", df)   # panel data
    >>> fit.estimates[["name", "estimate", "lower", "upper"]]
    >>> trede.run(fit.scenario, 100)
    """
    s = _scenario(scenario, overrides)
    covariates = _args.strings("covariates", covariates)
    if fixed is not None and not isinstance(fixed, Mapping):
        _args.bad("fixed", f"must be a mapping {{transition id: rate}} (got {type(fixed).__name__})")
    fixed_rates = {_args.text("fixed key", k): _args.number(f"fixed[{k!r}]", v) for k, v in (fixed or {}).items()}
    if isinstance(shared, (str, bytes, Mapping)) or not isinstance(shared, Iterable):
        _args.bad("shared", f"must be a list of groups of transition ids (got {type(shared).__name__})")
    shared_groups = [_args.strings(f"shared[{i}]", g, allow_one=False) for i, g in enumerate(shared)]
    if isinstance(parameters, (str, bytes, Mapping)) or not isinstance(parameters, Iterable):
        parameters = [parameters]  # one parameter given alone
    params = [_parameter_text(p, f"parameters[{i}]") for i, p in enumerate(parameters)]
    if seed is not None:
        seed = _args.integer("seed", seed)
    if replicates is not None:
        replicates = _args.integer("replicates", replicates, lo=2)
    options = dict(starts=_args.integer("starts", starts, lo=1, hi=_args.INT),
                   max_iterations=_args.integer("max_iterations", max_iterations, lo=1, hi=_args.INT),
                   tolerance=_args.number("tolerance", tolerance, lo=0, lo_open=True),
                   threads=_args.integer("threads", threads, hi=_args.INT),
                   max_evaluations=_args.integer("max_evaluations", max_evaluations, lo=1, hi=_args.INT),
                   xtol_rel=_args.number("xtol_rel", xtol_rel, lo=0, lo_open=True),
                   algorithm=_args.text("algorithm", algorithm))
    if data is None and targets is None:
        raise ModelError("give data=, targets=, or both",
                         [("", 0, "data/targets", "give data= (observations), targets= (aggregates), or both (two stages)")])
    if data is None and (_args.boolean("exact", exact) or covariates or fixed_rates or shared_groups):
        raise ModelError("exact, covariates, fixed and shared apply to data fits",
                         [("", 0, "targets", "exact, covariates, fixed and shared apply to data= fits only")])
    if targets is None and params:
        raise ModelError("parameters apply to targets fits", [("", 0, "parameters", "apply to targets= fits only")])
    panel = _panel(data, s, covariates) if data is not None else None
    covs = [(c, [], _args.boolean("shared_covariates", shared_covariates)) for c in covariates]
    text, source = "", ""
    if targets is not None:
        if isinstance(targets, (str, os.PathLike)):
            p = Path(_args.path("targets", targets))
            try:
                text = p.read_text(encoding="utf-8")
            except UnicodeDecodeError as e:
                raise IoError(f"{p}: cannot read: not UTF-8 text ({e.reason} at byte {e.start})", str(p)) from e
            except OSError as e:
                raise IoError(f"{p}: cannot read ({e.strerror or e})", str(p)) from e
            source = str(p)
        elif isinstance(targets, (Mapping, list, tuple)):
            try:
                text, source = json.dumps(targets, allow_nan=False), "<targets>"
            except (TypeError, ValueError) as e:
                _args.bad("targets", f"cannot be written as JSON ({e})")
        else:
            _args.bad("targets", f"must be the path of a target file, a mapping or a list (got {type(targets).__name__})")
    core = _core.calibrate(s._core, panel, _args.boolean("exact", exact), fixed_rates, shared_groups, covs,
                           options["starts"], options["max_iterations"], options["tolerance"], seed,
                           _args.boolean("exact_absorbing", exact_absorbing), text, source, params, replicates,
                           options["threads"], options["max_evaluations"], options["xtol_rel"], options["algorithm"],
                           _args.boolean("standard_errors", standard_errors))
    return Fit(core, s)
