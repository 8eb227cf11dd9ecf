"""trede: discrete-event Monte Carlo of participant flows under the Dutch Participatiewet.

>>> import trede
>>> s = trede.load_scenario(trede.models_dir() / "ladder-bm2.toml", {"population[0].count": 5000})
>>> r = trede.run(s, replicates=50, seed=42)        # all cores, GIL released
>>> r.ladder().query("statistic == 'mean'")          # tidy pandas DataFrame
>>> r.save("bm2.h5")                                 # the file `trede run -o bm2.h5` writes
>>> trede.read("bm2.h5").kpi_table()

Modules: :mod:`trede.plot` (matplotlib figures of results), :mod:`trede.report`
(``python3 -m trede.report results.h5 -o report.html [--lang nl]``) and :mod:`trede.export`
(``python3 -m trede.export results.h5 --format csv|xlsx``: tidy tables).
"""

from __future__ import annotations

from pathlib import Path

from . import _core, _paths
from ._errors import Diagnostic, Error, IoError, ModelError
from ._results import (DIFFERENCE_STATISTICS, STATISTICS, CalibrationReport, Comparison, PsaResult, Result, Sweep,
                       read, summarize)
from ._scenario import Region, Scenario, State, Transition, format_overrides, load_scenario, parse_scenario
from ._simulate import compare, run, sweep

if hasattr(_core, "calibrate"):  # calibration is an optional module of the C++ library
    from ._calibrate import Fit, calibrate, simulate_data  # noqa: F401

__version__: str = _core.version
#: Git commit the C++ core was built from.
git_commit: str = _core.git_commit

__all__ = [
    "__version__", "git_commit", "models_dir",
    "Error", "ModelError", "IoError", "Diagnostic",
    "Scenario", "State", "Transition", "Region", "load_scenario", "parse_scenario", "format_overrides",
    "run", "compare", "sweep", "read", "Result", "PsaResult", "Comparison", "Sweep", "CalibrationReport", "summarize", "STATISTICS", "DIFFERENCE_STATISTICS",
]
if hasattr(_core, "calibrate"):
    __all__ += ["calibrate", "simulate_data", "Fit"]


def models_dir() -> Path:
    """The directory of the models shipped with trede (``models/`` of the source tree for a
    build tree, ``<prefix>/share/trede/models`` for an installation)."""
    p = Path(_paths.MODELS_DIR)
    return (Path(__file__).resolve().parent / p).resolve() if _paths.MODELS_DIR_IS_RELATIVE else p
