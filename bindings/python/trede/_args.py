"""Checks of the arguments of the public functions: every argument that is of the wrong type or
out of range is a :class:`trede.ModelError` naming the argument, raised before anything runs
(never a TypeError, ValueError or OverflowError from inside the package or the C++ core).

The integer ranges are those of the C++ core: ``UINT64`` for counts, seeds and replicate
indices (``std::uint64_t``), ``INT`` for thread and iteration counts (C ``int``).
"""

from __future__ import annotations

import math
import os
from typing import Any, Iterable, List, Mapping, NoReturn, Optional, Sequence, Tuple

import numpy as np

from ._errors import ModelError

__all__ = ["UINT64", "INT", "bad", "integer", "number", "boolean", "path", "text", "choice", "strings"]

#: The largest value of a C++ std::uint64_t (counts, seeds, replicate indices).
UINT64 = 2**64 - 1
#: The largest value of a C int (threads, iterations).
INT = 2**31 - 1


def bad(name: str, message: str) -> NoReturn:
    """Raises the ModelError "``name``: ``message``" (one diagnostic, key ``name``)."""
    raise ModelError(f"{name}: {message}", [("", 0, name, message)])


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def integer(name: str, value: Any, lo: int = 0, hi: int = UINT64) -> int:
    """``value`` as an int in [lo, hi]: a Python or NumPy integer (not a bool, not a float,
    not a string)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        bad(name, f"must be a whole number (an int), not {_type_name(value)} {_shown(value)}")
    v = int(value)
    if v < lo:
        bad(name, f"must be >= {lo} (got {v})")
    if v > hi:
        bad(name, f"must be <= {hi} (got {v})")
    return v


def number(name: str, value: Any, *, lo: Optional[float] = None, hi: Optional[float] = None,
           lo_open: bool = False, hi_open: bool = False, finite: bool = True) -> float:
    """``value`` as a float: a Python or NumPy int or float (not a bool, not a string), finite
    unless ``finite`` is False, within the bounds given (open bounds exclude the bound)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        bad(name, f"must be a number, not {_type_name(value)} {_shown(value)}")
    try:
        v = float(value)
    except OverflowError:
        bad(name, f"is too large for a floating-point number (got {_shown(value)})")
    if math.isnan(v) or (finite and math.isinf(v)):
        bad(name, f"must be a finite number (got {v})")
    if lo is not None and (v <= lo if lo_open else v < lo):
        bad(name, f"must be {'>' if lo_open else '>='} {lo:g} (got {v:g})")
    if hi is not None and (v >= hi if hi_open else v > hi):
        bad(name, f"must be {'<' if hi_open else '<='} {hi:g} (got {v:g})")
    return v


def boolean(name: str, value: Any) -> bool:
    """``value`` as a bool: True, False (also NumPy's), or the integers 0 and 1."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and int(value) in (0, 1):
        return bool(value)
    bad(name, f"must be True or False, not {_type_name(value)} {_shown(value)}")


def path(name: str, value: Any) -> str:
    """``value`` as a file path: a str or an os.PathLike giving a str."""
    if isinstance(value, (str, os.PathLike)):
        p = os.fspath(value)
        if isinstance(p, str):
            if not p:
                bad(name, "must name a file (got an empty path)")
            if "\0" in p:
                bad(name, f"must be a file path without NUL characters (got {_shown(p)})")
            return p
    bad(name, f"must be a file path (a str or pathlib.Path), not {_type_name(value)} {_shown(value)}")


def text(name: str, value: Any) -> str:
    """``value`` as a str."""
    if not isinstance(value, str):
        bad(name, f"must be a string, not {_type_name(value)} {_shown(value)}")
    return value


def choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """``value``, one of ``choices``."""
    v = text(name, value)
    if v not in choices:
        bad(name, f"must be one of {', '.join(repr(c) for c in choices)} (got {v!r})")
    return v


def strings(name: str, value: Any, *, allow_one: bool = True) -> List[str]:
    """A list of strings: a sequence of str, or (``allow_one``) one str standing for itself."""
    if isinstance(value, str):
        if allow_one:
            return [value]
        bad(name, f"must be a list of strings, not the string {_shown(value)}")
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        bad(name, f"must be a list of strings, not {_type_name(value)} {_shown(value)}")
    out = []
    for i, v in enumerate(value):
        out.append(text(f"{name}[{i}]", v))
    return out


def pair(name: str, value: Any) -> Tuple[Any, Any]:
    """``value`` as a pair (lo, hi) of anything."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        bad(name, f"must be a pair (lo, hi), not {_type_name(value)} {_shown(value)}")
    items = list(value)
    if len(items) != 2:
        bad(name, f"must be a pair (lo, hi), not {len(items)} values")
    return items[0], items[1]
