"""Scenarios: loading, overriding keys, and a read-only view of what was loaded."""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

import numpy as np

from . import _args, _core

if TYPE_CHECKING:
    import pandas

__all__ = ["Scenario", "State", "Transition", "Region", "load_scenario", "parse_scenario",
           "Overrides", "format_overrides"]

PathLike = Union[str, "os.PathLike[str]"]
#: Overrides of scenario keys: a mapping ``{key: python value}`` (values are converted to TOML:
#: ``{"horizon_years": 5, "state[beschut_werk].capacity": {2025: 2000, 2030: 3000}}``), or
#: strings ``"key=value"`` exactly as ``trede run --set`` takes them (value in TOML syntax).
Overrides = Union[Mapping[str, Any], Iterable[str], str, None]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_value(value: Any, key: str = "overrides") -> str:
    """The TOML text of a Python value (numbers, bools, strings, lists, dicts); a value of
    another type is a ModelError naming ``key``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (str, os.PathLike)):
        return json.dumps(os.fspath(value))  # a TOML basic string
    if isinstance(value, Mapping):
        items = []
        for k, v in value.items():
            name = str(k.item() if isinstance(k, np.generic) else k)
            if isinstance(k, float) and float(k).is_integer():
                name = str(int(k))  # calendar years given as floats: 2025.0 -> 2025
            items.append(f"{name if _BARE_KEY.match(name) else json.dumps(name)} = {_toml_value(v, f'{key}.{name}')}")
        return "{" + ", ".join(items) + "}"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_toml_value(v, f"{key}[{i}]") for i, v in enumerate(value)) + "]"
    _args.bad(key, f"cannot be written as a TOML value: {type(value).__name__} {value!r}"[:200])


def format_overrides(overrides: Overrides) -> List[str]:
    """The ``key=value`` strings (as for ``trede run --set``) of ``overrides``.

    >>> format_overrides({"horizon_years": 5, "state[beschut_werk].capacity": {2025: 2000}})
    ['horizon_years=5', 'state[beschut_werk].capacity={2025 = 2000}']
    """
    if overrides is None:
        return []
    if isinstance(overrides, str):
        return [overrides]
    if isinstance(overrides, Mapping):
        out = []
        for k, v in overrides.items():
            if not isinstance(k, str):
                _args.bad("overrides", f"a key must be a string such as 'horizon_years' (got {type(k).__name__} {k!r})")
            out.append(f"{k}={_toml_value(v, f'overrides[{k!r}]')}")
        return out
    if isinstance(overrides, (bytes, np.ndarray)) or not isinstance(overrides, Iterable):
        _args.bad("overrides", "must be a mapping {key: value}, a 'key=value' string or a list of them "
                  f"(got {type(overrides).__name__})")
    out = []
    for i, o in enumerate(overrides):
        if not isinstance(o, str):
            _args.bad(f"overrides[{i}]", f"an override must be a 'key=value' string (got {o!r}); "
                      "or pass a mapping {key: value}")
        out.append(o)
    return out


@dataclass(frozen=True)
class State:
    """One state of a scenario (a node of the state graph)."""

    name: str
    trede: int
    """Participatieladder rung 1..6, or 0 off the ladder (exits)."""
    functionality: str
    """"A".."H", "inkomen", "wsw", "uitval" or "none"."""
    cost_eur_per_year: float
    absorbing: bool
    generated: bool
    """Created by the loader (separate waiting states ``wait_<name>``)."""
    places: Optional[float]
    """Places before the first calendar change, summed over the regions (None without a capacity)."""
    places_by_year: Dict[float, float]
    waiting: Optional[str]
    """"stay" or "separate" for capacity states."""
    renege_rate: Optional[float]
    waiting_for: Optional[str]
    """For a separate waiting state: the capacity state it waits for."""
    line: int


@dataclass(frozen=True)
class Transition:
    """One transition (edge) of a scenario."""

    id: str
    source: str
    target: str
    hazard: str
    """"exponential", "weibull", "gamma", "lognormal", "fixed" or "table"."""
    rate: Optional[float]
    """Rate per year for exponential hazards, else None."""
    mean_years: float
    """Mean holding time of the hazard acting alone (years; inf if it may never fire)."""
    renege: bool
    line: int


@dataclass(frozen=True)
class Region:
    """One region of a scenario and its organisation model (None when none is set)."""

    name: str
    organisation_model: Optional[str]


class Scenario:
    """A parsed, validated scenario (immutable). Load one with :func:`load_scenario`.

    Units: time in years, calendar times as calendar years (2025.0 = 1 January 2025), rates per
    year, costs in euros per person-year.
    """

    __slots__ = ("_core", "_base_dir", "_source_name", "_from_text", "__weakref__")

    def __init__(self, core: "_core.Scenario", *, base_dir: str = ".", source_name: str = "",
                 from_text: bool = False) -> None:
        self._core = core
        self._base_dir = base_dir
        self._source_name = source_name
        self._from_text = from_text

    # ---- identity -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The scenario's ``name``."""
        return self._core.name

    @property
    def description(self) -> str:
        """The scenario's ``description`` ("" when it has none)."""
        return self._core.description

    @property
    def path(self) -> Optional[Path]:
        """The file it was read from (None when parsed from text)."""
        return None if self._from_text else Path(self._core.source_path)

    @property
    def text(self) -> str:
        """The scenario text exactly as read (without the overrides)."""
        return self._core.text

    @property
    def overrides(self) -> Tuple[str, ...]:
        """The ``key=value`` overrides applied, in order."""
        return tuple(self._core.overrides)

    # ---- time ---------------------------------------------------------------------------------
    @property
    def start_year(self) -> float:
        """``start_year``: the calendar year the simulation starts."""
        return self._core.start_year

    @property
    def horizon_years(self) -> float:
        """``horizon_years``: how many years are simulated."""
        return self._core.horizon_years

    @property
    def end_year(self) -> float:
        """The calendar year the simulation ends: ``start_year + horizon_years``."""
        return self._core.start_year + self._core.horizon_years

    @property
    def report_times(self) -> np.ndarray:
        """Report times (calendar years)."""
        return np.asarray(self._core.report_times, dtype=float)

    # ---- structure ----------------------------------------------------------------------------
    @property
    def states(self) -> Tuple[State, ...]:
        """The states, declared ones in file order, then generated waiting states."""
        return tuple(State(**d) for d in self._core.states)

    def state(self, name: str) -> State:
        """The state called ``name``; raises :class:`trede.ModelError` when there is none."""
        for s in self.states:
            if s.name == name:
                return s
        _args.bad("name", f"no state {name!r} in scenario {self.name!r} (states: "
                  f"{', '.join(s.name for s in self.states)})")

    @property
    def transitions(self) -> Tuple[Transition, ...]:
        """The transitions, in file order, then generated reneging transitions."""
        out = []
        for d in self._core.transitions:
            d = dict(d)
            d["source"], d["target"] = d.pop("from"), d.pop("to")
            out.append(Transition(**d))
        return tuple(out)

    @property
    def regions(self) -> Tuple[Region, ...]:
        """The regions (``[[region]]``, or the one implicit region), in file order."""
        return tuple(Region(**d) for d in self._core.regions)

    @property
    def organisation_models(self) -> Dict[str, Dict[str, str]]:
        """Organisation models by name: functionality -> organisation (built-in five first)."""
        return dict(self._core.organisation_models)

    @property
    def attributes(self) -> Tuple[str, ...]:
        """Names of the person attributes (``[[attribute]]``), in file order."""
        return tuple(self._core.attributes)

    @property
    def initial_population(self) -> int:
        """People present at the start (all regions)."""
        return int(self._core.initial_population)

    def states_frame(self) -> "pandas.DataFrame":
        """The states as a pandas DataFrame (one row per state)."""
        import pandas as pd
        return pd.DataFrame([s.__dict__ for s in self.states])

    def transitions_frame(self) -> "pandas.DataFrame":
        """The transitions as a pandas DataFrame (one row per transition)."""
        import pandas as pd
        return pd.DataFrame([t.__dict__ for t in self.transitions])

    def describe(self) -> str:
        """One line per state and transition, and the totals (what ``trede validate`` prints)."""
        return self._core.describe()

    # ---- variants -----------------------------------------------------------------------------
    def with_overrides(self, overrides: Overrides) -> "Scenario":
        """A new scenario: this one's source with its overrides and then ``overrides`` applied.

        >>> s2 = s.with_overrides({"state[beschut_werk].capacity": 3000})
        """
        extra = format_overrides(overrides)
        if self._from_text:
            return parse_scenario(self.text, name=self._source_name, overrides=[*self.overrides, *extra],
                                  base_dir=self._base_dir)
        return load_scenario(self._core.source_path, [*self.overrides, *extra])

    def __repr__(self) -> str:
        src = f"{self._core.source_path!r}" if not self._from_text else "<text>"
        extra = f", {len(self.overrides)} overrides" if self.overrides else ""
        return (f"<trede.Scenario {self.name!r} from {src}: {len(self.states)} states, "
                f"{len(self._core.transitions)} transitions, {self.initial_population} people, "
                f"{self.start_year:g}+{self.horizon_years:g} years{extra}>")


def load_scenario(path: PathLike, overrides: Overrides = None) -> Scenario:
    """Reads and validates the scenario file at ``path`` (TOML, docs/scenario-format.md).

    ``overrides`` change keys before validation, like ``trede run --set``: a mapping
    ``{"horizon_years": 5, "transition[bijstand->diagnose].rate": 0.6}`` (Python values) or
    strings ``"key=value"`` (TOML values). Every problem is reported at once.

    Raises :class:`trede.ModelError` (a ValueError) listing every problem with file, line and
    key (also for an argument of the wrong type), and :class:`trede.IoError` (an OSError) when
    the file cannot be read.

    >>> s = trede.load_scenario("models/ladder-bm.toml", {"horizon_years": 5})
    """
    p = _args.path("path", path)
    return Scenario(_core.load_scenario(p, format_overrides(overrides)),
                    base_dir=os.path.dirname(p) or ".")


def parse_scenario(text: str, name: str = "<string>", overrides: Overrides = None,
                   base_dir: PathLike = ".") -> Scenario:
    """Like :func:`load_scenario`, from TOML text. ``name`` is used in messages and
    ``base_dir`` to resolve relative paths (population CSV files, ``extends``)."""
    bd = _args.path("base_dir", base_dir)
    _args.text("text", text)
    _args.text("name", name)
    return Scenario(_core.parse_scenario(text, name, format_overrides(overrides), bd), base_dir=bd,
                    source_name=name, from_text=True)
