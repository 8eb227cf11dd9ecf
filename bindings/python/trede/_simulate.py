"""Running scenarios: one ensemble (:func:`run`) or several with common random numbers
(:func:`compare`). The simulation runs in C++ on all cores with the GIL released; Ctrl-C (or a
notebook's "interrupt kernel") stops it after the replicates in progress."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _args, _core
from ._errors import ModelError
from ._results import Comparison, PsaResult, Result, Sweep, _File, _Memory, _attrs, read
from ._scenario import Overrides, Scenario, load_scenario

__all__ = ["run", "compare", "sweep", "Progress"]

#: ``progress``: None or False (quiet), True (a bar on stderr), or ``f(done, total)`` called
#: from the calling thread as replicates finish.
Progress = Union[None, bool, Callable[[int, int], object]]
ScenarioLike = Union[Scenario, str, "os.PathLike[str]"]


class _Bar:
    """A progress bar on stderr with the time elapsed and an estimate of the time left: tqdm's
    (Debian's python3-tqdm) when it is installed, else a plain one-line bar."""

    def __init__(self, unit: str = "replicates") -> None:
        self.start = time.monotonic()
        self.unit = unit
        self.bar = None
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        self.tqdm = tqdm

    def __call__(self, done: int, total: int) -> None:
        if self.tqdm is not None:
            if self.bar is None:
                self.bar = self.tqdm(total=total, desc=self.unit, unit="", file=sys.stderr, dynamic_ncols=True,
                                     bar_format="{desc} {n}/{total} |{bar}| {elapsed}, eta {remaining}")
            self.bar.update(done - self.bar.n)
            if done >= total:
                self.bar.close()
            return
        elapsed = time.monotonic() - self.start
        eta = f", eta {elapsed * (total - done) / done:.0f} s" if 0 < done < total else ""
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r{self.unit} {done}/{total} [{'#' * filled}{'.' * (width - filled)}] "
                         f"{elapsed:.0f} s{eta}\x1b[K")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _progress(progress: Progress) -> object:
    if progress is None or progress is False:
        return None
    if progress is True:
        return _Bar()
    if not callable(progress):
        _args.bad("progress", f"must be None, a bool, or a function f(done, total) (got {type(progress).__name__})")
    return progress


def _scenario(s: ScenarioLike, overrides: Overrides, name: str = "scenario") -> Scenario:
    if isinstance(s, Scenario):
        return s.with_overrides(overrides) if overrides else s
    if isinstance(s, (str, os.PathLike)):
        return load_scenario(_args.path(name, s), overrides)
    _args.bad(name, f"must be a trede.Scenario or the path of a scenario file, not {type(s).__name__} {s!r}"[:200])


def _check(replicates: int, seed: int, threads: int, first_replicate: int, min_replicates: int = 1) -> None:
    """The run options every function shares; ranges as the C++ core takes them (it checks
    replicates and first_replicate + replicates further, against memory and 2^64)."""
    _args.integer("replicates", replicates, lo=min_replicates)
    _args.integer("seed", seed)
    _args.integer("threads", threads, hi=_args.INT)
    _args.integer("first_replicate", first_replicate)


def _check_trajectories(trajectories: int) -> None:
    _args.integer("trajectories", trajectories)


def _output(output: Union[str, "os.PathLike[str]", None]) -> str:
    return "" if output is None else _args.path("output", output)


def _draw_options(draws: Any, design: Any, common_streams: Any) -> Tuple[int, str, bool]:
    """``draws``, ``design`` and ``common_streams`` of run, compare and sweep, checked by the
    library as the command line's --draws, --design and --common-streams are (mc::draws_problem):
    draws 0 (no PSA) or >= 2, and neither another design than "sobol" nor common streams without
    draws (refused, not ignored). The design's name is checked where it is used."""
    d = _args.integer("draws", draws, lo=-(2**63), hi=2**63 - 1)  # a negative one: the library says why
    design = _args.text("design", design)
    common = _args.boolean("common_streams", common_streams)
    key, message = _core.draws_problem(d, design != "sobol", common)
    if key:
        _args.bad(key, message)
    return d, design, common


def run(scenario: ScenarioLike, replicates: Union[int, None] = None, *, seed: int = 1, threads: int = 0,
        first_replicate: int = 0, overrides: Overrides = None, progress: Progress = None,
        trajectories: int = 0, draws: int = 0, design: str = "sobol", common_streams: bool = False,
        output: Union[str, "os.PathLike[str]", None] = None, resume: bool = False) -> Result:
    """Runs ``replicates`` replicates of ``scenario`` in parallel and returns the
    :class:`Result` (in memory; ``result.save(path)`` writes the HDF5 file ``trede run -o``
    would).

    ``output`` = PATH streams the run to that file instead, as ``trede run -o PATH`` does: each
    replicate's per-region arrays are written as it finishes (in replicate order, so the file is
    the same for any ``threads``) and are not held in memory, which is what a national model
    with many replicates needs. The file is written beside PATH and renamed into place when
    complete (a failed or interrupted run leaves no file); an ``output`` that is one of the
    scenario's own files is refused. The returned :class:`Result` reads from the file
    (:func:`trede.read`).

    Replicate i uses the random streams of (seed, first_replicate + i): the result depends only
    on (scenario, seed, replicate indices), never on ``threads`` (0 = all cores, 1 = serial),
    and equals ``trede run SCENARIO -n replicates --seed seed`` bit for bit.

    ``scenario`` is a :class:`Scenario` or a path; ``overrides`` are applied to it first (see
    :func:`load_scenario`). Raises :class:`trede.ModelError` for bad input or options.

    ``trajectories`` = N records every change of state of the first N people of each replicate
    (the initial population first, then arrivals): :meth:`Result.trajectories`. Tracing changes
    no other result.

    ``draws`` = D runs a probabilistic sensitivity analysis instead (as ``trede run --draws``):
    D parameter sets drawn from the scenario's ``[uncertainty]`` table by a scrambled Sobol
    (``design="sobol"``) or Latin hypercube (``"lhs"``) design, ``replicates`` each (default 1),
    on independent random streams per draw (``common_streams=True``: the same streams in every
    draw). The :class:`PsaResult` holds every draw's runs, so its
    summaries include parameter and Monte Carlo uncertainty; ``variance()`` splits each KPI's
    variance (``replicates`` >= 2), ``draws`` holds the parameter sets. With ``output`` the
    finished draws are kept in ``<output>.parts`` (``resume=True`` continues) and the file is
    written there.

    >>> r = trede.run("models/ladder-bm.toml", 20, seed=42, overrides={"population[0].count": 2000})
    >>> r.ladder().query("statistic == 'mean'")
    """
    draws, design, common_streams = _draw_options(draws, design, common_streams)
    if draws:
        if replicates is None:
            replicates = 1
        _check(replicates, seed, threads, first_replicate)
        if trajectories:
            raise ModelError("trajectories cannot be used with draws", [("", 0, "trajectories", "not with draws")])
        out = _output(output)
        s = _scenario(scenario, overrides)
        image, notes = _core.psa(s._core, draws, replicates, seed, threads, first_replicate, design, common_streams,
                                 _progress(progress), out,
                                 _args.boolean("resume", resume), 1)
        return PsaResult(_File(image), _attrs(image), path=Path(out) if out else None, image=image, notes=notes)
    if replicates is None:
        replicates = 100
    if resume:
        raise ModelError("resume applies to draws= runs", [("", 0, "resume", "only with draws=")])
    _check(replicates, seed, threads, first_replicate)
    _check_trajectories(trajectories)
    s = _scenario(scenario, overrides)
    if output is not None:
        out = _output(output)
        _core.run_to_file(s._core, replicates, seed, threads, first_replicate, _progress(progress), trajectories,
                          out, 1)
        return read(out)
    core = _core.run(s._core, replicates, seed, threads, first_replicate, _progress(progress), trajectories)
    return Result(_Memory(core.arrays()), core.attrs(), core=core)


def compare(scenarios: Union[ScenarioLike, Sequence[ScenarioLike], Mapping[str, ScenarioLike]], replicates: Union[int, None] = None, *,
            seed: int = 1, threads: int = 0, first_replicate: int = 0, independent: bool = True,
            confidence: float = 0.95, overrides: Overrides = None, progress: Progress = None,
            trajectories: int = 0, organisation_models: Union[str, Sequence[str], None] = None,
            draws: int = 0, design: str = "sobol", common_streams: bool = False,
            effect: str = "persons_reaching_work", wtp: float = 50000.0, wtp_max: float = 200000.0,
            output: Union[str, "os.PathLike[str]", None] = None) -> Comparison:
    """Runs two or more scenarios with common random numbers and returns the paired
    differences against the first (the reference) with intervals, as ``trede compare`` does.

    ``scenarios``: a list of Scenarios or paths, or a mapping ``{name: scenario}`` (the names
    label the results). ``overrides`` apply to every scenario. ``independent``: also run each
    non-reference scenario on independent streams to measure the variance reduction (doubles
    their work). ``confidence``: level of the intervals. ``trajectories`` = N traces the first N
    people of each replicate in every scenario (the same people everywhere):
    ``comparison[i].trajectories()`` or ``comparison[name].trajectories()``.

    >>> c = trede.compare({"klassiek": s.with_overrides({"organisation_model": "klassiek"}),
    ...                    "gecombineerd": s.with_overrides({"organisation_model": "gecombineerd"})}, 50)
    >>> c.difference("kpi")

    ``organisation_models``: one scenario compared under several organisation models (a list of
    names, or ``"all"`` for the five built-in ones, partieel first as the reference).
    ``draws`` = D: every scenario on the same D parameter draws of their ``[uncertainty]``
    tables (a PSA each; ``replicates`` per draw, default 1), so that intervals include parameter
    uncertainty. ``effect``, ``wtp`` and ``wtp_max`` steer the decision summaries
    (:meth:`Comparison.decision`): the effect decided on (``persons_reaching_work`` or
    ``person_years_in_work``), the willingness to pay (EUR per extra unit of effect) at which the
    probability of being best is quoted, and the range of the acceptability curve.

    ``output`` = PATH writes the comparison to that file, as ``trede compare -o PATH`` does:
    without ``draws`` each scenario's per-region arrays are written as its replicates finish and
    are not held in memory. The file is written beside PATH and renamed into place when complete
    (a failed or interrupted comparison leaves no file); an ``output`` that is one of the
    scenarios' own files is refused. The returned :class:`Comparison` reads from the file.
    """
    out = _output(output)
    if organisation_models is not None:
        base = _scenario(scenarios, overrides, "scenarios") if isinstance(scenarios, (Scenario, str, os.PathLike)) else None
        if base is None:
            raise ModelError("organisation_models compares one scenario: give one", [("", 0, "organisation_models", "give one scenario")])
        models = _args.strings("organisation_models", organisation_models)
        scenarios = [Scenario(c, base_dir=base._base_dir, source_name=base._source_name)
                     for c in _core.organisation_variants(base._core, models)]
        overrides = None
    if isinstance(scenarios, (Scenario, str, os.PathLike)):
        raise ModelError("compare needs at least two scenarios (or one with organisation_models=)",
                         [("", 0, "scenarios", "compare needs at least two")])
    if isinstance(scenarios, Mapping):
        loaded = []
        for name, sc in scenarios.items():
            x = _scenario(sc, overrides, f"scenarios[{name!r}]")
            loaded.append(x if x.name == name else x.with_overrides({"name": str(name)}))
    elif isinstance(scenarios, Sequence) and not isinstance(scenarios, (str, bytes)):
        loaded = [_scenario(sc, overrides, f"scenarios[{i}]") for i, sc in enumerate(scenarios)]
    else:
        _args.bad("scenarios", "must be a list of trede.Scenario objects or paths, or a mapping {name: scenario} "
                  f"(got {type(scenarios).__name__})")
    if len(loaded) < 2:
        raise ModelError("compare needs at least two scenarios", [("", 0, "scenarios", "compare needs at least two")])
    draws, design, common_streams = _draw_options(draws, design, common_streams)
    if replicates is None:
        replicates = 1 if draws else 100
    _check(replicates, seed, threads, first_replicate, min_replicates=1 if draws else 2)
    confidence = _args.number("confidence", confidence, lo=0, hi=1, lo_open=True, hi_open=True)
    _check_trajectories(trajectories)
    image = _core.compare([s._core for s in loaded], replicates, seed, threads, first_replicate,
                          _args.boolean("independent", independent), confidence, _progress(progress), trajectories,
                          draws, design, common_streams,
                          _args.choice("effect", effect, ("persons_reaching_work", "person_years_in_work")),
                          _args.number("wtp", wtp), _args.number("wtp_max", wtp_max), out)
    if out:
        return read(out)
    return Comparison.from_image(image, len(loaded))


def _values_text(values: Iterable[object], name: str = "grid") -> list:
    out = []
    for i, v in enumerate(values):
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, bool):
            out.append("true" if v else "false")
        elif isinstance(v, str):
            out.append(v)
        elif isinstance(v, (int, float)):
            out.append(repr(float(v)) if isinstance(v, float) else str(v))
        else:
            _args.bad(f"{name}[{i}]", f"must be a number, a bool or a string (got {type(v).__name__} {v!r})"[:200])
    return out


def sweep(scenario: ScenarioLike, grid: Union[Mapping[str, Sequence[object]], None] = None, *,
          lhs: Union[Mapping[str, Tuple[float, float]], None] = None, points: int = 0,
          replicates: Optional[int] = None, seed: int = 1, threads: int = 0, overrides: Overrides = None,
          progress: Progress = None, output: Union[str, "os.PathLike[str]", None] = None, resume: bool = False,
          compression: int = 1, draws: int = 0, design: str = "sobol", common_streams: bool = False) -> Sweep:
    """Runs a sweep over scenario keys, as ``trede sweep`` does, and returns the :class:`Sweep`
    (the same file ``trede sweep -o`` writes, held in memory; ``sweep.save(path)`` writes it).

    Give ``grid`` ``{key: [v1, v2, ...]}`` (the product of the axes, the last key fastest) or
    ``lhs`` ``{key: (lo, hi)}`` with ``points`` (a seeded Latin hypercube; integer bounds draw
    whole numbers). Every point runs the same ``replicates`` of the same ``seed`` (common random
    numbers across points). With ``output``, finished points are kept in ``<output>.parts`` while
    the sweep runs (``resume=True`` continues an interrupted sweep) and the file is written there.

    With ``draws=D`` every point runs a probabilistic sensitivity analysis on the same D parameter
    draws of the scenario's ``[uncertainty]`` table (``design`` "sobol" or "lhs",
    ``common_streams`` as for :func:`run`), ``replicates`` per draw (default 1; without draws
    100): each point's summaries then include parameter and Monte Carlo uncertainty, and the
    file holds ``/draws``. A swept key may not be uncertain.

    >>> sw = trede.sweep("models/ladder-bm2.toml", {"state[beschut_werk].capacity": [1000, 2000]}, replicates=50)
    >>> sw.kpi().query("kpi == 'uitstroom_werk' and statistic == 'mean'")
    """
    draws, design, common_streams = _draw_options(draws, design, common_streams)
    if replicates is None:
        replicates = 1 if draws else 100
    _check(replicates, seed, threads, 0)
    if (grid is None) == (lhs is None):
        raise ModelError("give either grid= or lhs=", [("", 0, "grid/lhs", "give either grid={key: values} or lhs={key: (lo, hi)}")])
    for name, table in (("grid", grid), ("lhs", lhs)):
        if table is not None and not isinstance(table, Mapping):
            _args.bad(name, f"must be a mapping {{key: {'[values]' if name == 'grid' else '(lo, hi)'}}} "
                      f"(got {type(table).__name__})")
    axes = []
    for k, v in (grid or {}).items():
        if isinstance(v, (str, bytes, Mapping)) or not isinstance(v, Iterable):
            _args.bad(f"grid[{k!r}]", f"must be a list of values (got {type(v).__name__} {v!r})"[:200])
        axes.append((_args.text("grid key", k), _values_text(v, f"grid[{k!r}]")))
    ranges = []
    for k, r in (lhs or {}).items():
        lo, hi = _args.pair(f"lhs[{k!r}]", r)
        ranges.append((_args.text("lhs key", k), _args.number(f"lhs[{k!r}] lo", lo), _args.number(f"lhs[{k!r}] hi", hi),
                       isinstance(lo, int) and isinstance(hi, int)))
    if lhs is not None and (isinstance(points, bool) or not isinstance(points, int) or points < 1):
        raise ModelError("points: a Latin hypercube needs points >= 1", [("", 0, "points", "must be >= 1")])
    _args.integer("points", points)
    compression = _args.integer("compression", compression, hi=9)
    out = _output(output)
    s = _scenario(scenario, overrides)
    image, notes = _core.sweep(s._core, axes, ranges, int(points), replicates, seed, threads, _progress(progress),
                               out, _args.boolean("resume", resume), compression, draws, design, common_streams)
    path = Path(out) if out else None
    return Sweep(_File(image), _attrs(image), path, image=image, notes=notes)
