"""The exceptions trede raises (C++ ``trede::Error`` and its subclasses, translated)."""

from __future__ import annotations

from typing import Iterable, NamedTuple, Optional, Sequence, Tuple, Union

__all__ = ["Error", "ModelError", "IoError", "Diagnostic"]


class Diagnostic(NamedTuple):
    """One problem found in user input: where it is and what is wrong."""

    file: str
    """Scenario or data file; ``"override 'k=v'"`` for an override given in Python (``"--set 'k=v'"``
    from the command line); empty for a problem of an argument that is no file (``key`` names it)."""
    line: int
    """1-based line in ``file``; 0 when no line applies."""
    key: str
    """Dotted key path, e.g. ``"transition[bijstand->diagnose].rate"``."""
    message: str
    """What is wrong, e.g. ``"must be > 0 (got -0.2)"``."""

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [p for p in (where, self.key, self.message) if p]
        return ": ".join(parts)


class Error(Exception):
    """Base of every exception trede raises."""


class ModelError(Error, ValueError, TypeError):
    """Bad input: a scenario, an override, a data file, or an argument of the wrong type or
    out of range (its key is then the argument's name, e.g. ``replicates``).

    ``diagnostics`` lists every problem found (not just the first), each with file, line and key.
    It is also a ValueError and a TypeError, so that ``except ValueError`` and ``except
    TypeError`` written for Python's built-in errors catch it too.
    """

    diagnostics: Tuple[Diagnostic, ...]

    def __init__(self, message: str,
                 diagnostics: Iterable[Union[Diagnostic, Sequence[object]]] = ()) -> None:
        super().__init__(message)
        self.diagnostics = tuple(d if isinstance(d, Diagnostic) else Diagnostic(*d)  # type: ignore[arg-type]
                                 for d in diagnostics)

    def __str__(self) -> str:
        if not self.diagnostics:
            return super().__str__()
        n = len(self.diagnostics)
        lines = [f"bad input ({n} problem{'s' if n != 1 else ''}):"]
        lines += [f"  {d}" for d in self.diagnostics]
        return "\n".join(lines)


class IoError(Error, OSError):
    """A file could not be read or written. ``filename`` is the file it is about."""

    def __init__(self, message: str, filename: Optional[str] = None) -> None:
        super().__init__(message)
        self.filename = filename

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
