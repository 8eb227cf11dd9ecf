"""Running scenarios: one ensemble (:func:`run`) or several with common random numbers
(:func:`compare`). The simulation runs in C++ on all cores with the GIL released; Ctrl-C (or a
notebook's "interrupt kernel") stops it after the replicates in progress."""

from __future__ import annotations

import os
import sys
import time
from typing import Callable, Mapping, Sequence, Union

from . import _core
from ._errors import ModelError
from ._results import Comparison, Result, _Memory
from ._scenario import Overrides, Scenario, load_scenario

__all__ = ["run", "compare", "Progress"]

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
        raise TypeError("progress must be None, a bool, or a function f(done, total)")
    return progress


def _scenario(s: ScenarioLike, overrides: Overrides) -> Scenario:
    if isinstance(s, Scenario):
        return s.with_overrides(overrides) if overrides else s
    if isinstance(s, (str, os.PathLike)):
        return load_scenario(s, overrides)
    raise TypeError(f"expected a trede.Scenario or a path, got {type(s).__name__}")


def _check(replicates: int, seed: int, threads: int, first_replicate: int, min_replicates: int = 1) -> None:
    problems = []
    for name, value in (("replicates", replicates), ("seed", seed), ("threads", threads),
                        ("first_replicate", first_replicate)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int (got {value!r})")
    if replicates < min_replicates:
        problems.append(("", 0, "replicates", f"must be >= {min_replicates} (got {replicates})"))
    if seed < 0 or seed >= 2**64:
        problems.append(("", 0, "seed", f"must be in [0, 2^64) (got {seed})"))
    if threads < 0:
        problems.append(("", 0, "threads", "must be >= 0 (0 = all cores)"))
    if first_replicate < 0:
        problems.append(("", 0, "first_replicate", f"must be >= 0 (got {first_replicate})"))
    if problems:
        raise ModelError("\n".join(f"{k}: {m}" for _, _, k, m in problems), problems)


def _check_trajectories(trajectories: int) -> None:
    if isinstance(trajectories, bool) or not isinstance(trajectories, int):
        raise TypeError(f"trajectories must be an int (got {trajectories!r})")
    if trajectories < 0:
        raise ModelError(f"trajectories: must be >= 0 (got {trajectories})",
                         [("", 0, "trajectories", f"must be >= 0 (got {trajectories})")])


def run(scenario: ScenarioLike, replicates: int = 100, *, seed: int = 1, threads: int = 0,
        first_replicate: int = 0, overrides: Overrides = None, progress: Progress = None,
        trajectories: int = 0) -> Result:
    """Runs ``replicates`` replicates of ``scenario`` in parallel and returns the
    :class:`Result` (in memory; ``result.save(path)`` writes the HDF5 file ``trede run -o``
    would).

    Replicate i uses the random streams of (seed, first_replicate + i): the result depends only
    on (scenario, seed, replicate indices), never on ``threads`` (0 = all cores, 1 = serial),
    and equals ``trede run SCENARIO -n replicates --seed seed`` bit for bit.

    ``scenario`` is a :class:`Scenario` or a path; ``overrides`` are applied to it first (see
    :func:`load_scenario`). Raises :class:`trede.ModelError` for bad input or options.

    ``trajectories`` = N records every change of state of the first N people of each replicate
    (the initial population first, then arrivals): :meth:`Result.trajectories`. Tracing changes
    no other result.

    >>> r = trede.run("models/ladder-bm.toml", 20, seed=42, overrides={"population[0].count": 2000})
    >>> r.ladder().query("statistic == 'mean'")
    """
    _check(replicates, seed, threads, first_replicate)
    _check_trajectories(trajectories)
    s = _scenario(scenario, overrides)
    core = _core.run(s._core, replicates, seed, threads, first_replicate, _progress(progress), trajectories)
    return Result(_Memory(core.arrays()), core.attrs(), core=core)


def compare(scenarios: Union[Sequence[ScenarioLike], Mapping[str, ScenarioLike]], replicates: int = 100, *,
            seed: int = 1, threads: int = 0, first_replicate: int = 0, independent: bool = True,
            confidence: float = 0.95, overrides: Overrides = None, progress: Progress = None,
            trajectories: int = 0) -> Comparison:
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
    """
    if isinstance(scenarios, Mapping):
        loaded = []
        for name, sc in scenarios.items():
            x = _scenario(sc, overrides)
            loaded.append(x if x.name == name else x.with_overrides({"name": str(name)}))
    else:
        loaded = [_scenario(sc, overrides) for sc in scenarios]
    if len(loaded) < 2:
        raise ModelError("compare needs at least two scenarios", [("", 0, "scenarios", "compare needs at least two")])
    _check(replicates, seed, threads, first_replicate, min_replicates=2)
    if not 0 < confidence < 1:
        raise ModelError("confidence: must be between 0 and 1", [("", 0, "confidence", "must be between 0 and 1")])
    _check_trajectories(trajectories)
    core = _core.compare([s._core for s in loaded], replicates, seed, threads, first_replicate, bool(independent),
                         float(confidence), _progress(progress), trajectories)
    results = [Result(_Memory(core.scenario_arrays(i)), core.scenario_attrs(i)) for i in range(len(loaded))]
    return Comparison(_Memory(core.arrays()), core.attrs(), results, core=core)
