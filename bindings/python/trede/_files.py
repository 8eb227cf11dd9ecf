"""Output files of the Python side (the report, the export, a calibrated scenario), written as the
C++ library writes its own (trede::io::PendingFile): each to a temporary file beside it, renamed
over it only when every one is complete, so that an output appears whole or not at all. What
cannot be an output (an empty name, a directory, a device such as /dev/null, a named pipe, a
directory that does not exist) is refused before anything is written, by the library's own rule
(``trede::io::output_problem``)."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Callable, List, Sequence, Tuple, Type

from . import _core
from ._errors import IoError


def output_problem(path: os.PathLike | str) -> str:
    """Why ``path`` cannot be written as an output, or "" when it can."""
    return _core.output_problem(os.fspath(path))


def check_outputs(paths: Sequence[Path]) -> None:
    """Raises :class:`trede.IoError` naming the first of ``paths`` that cannot be an output."""
    for p in paths:
        problem = output_problem(p)
        if problem:
            raise IoError(f"{p}: {problem}", str(p))


#: True once this process has renamed an output into place (an interruption after that does not
#: undo it; the trede program's front end reads it to say so).
committed = False


def _hold_signals():
    """Defers SIGINT and SIGTERM: their Python handlers are replaced by one that only notes them
    (a signal mask would not do: the signal may reach another thread, whose C handler still
    trips the main thread's Python handler). Returns the handlers to put back, or None when
    called off the main thread (where handlers cannot be set; nothing is deferred then)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    held = {}
    for s in (signal.SIGINT, signal.SIGTERM):
        held[s] = signal.getsignal(s)
        if held[s] not in (signal.SIG_IGN, None):
            signal.signal(s, _note_signal)
    return held


_deferred: List[int] = []


def _note_signal(sig, frame) -> None:
    _deferred.append(sig)


def _release_signals(held) -> None:
    """Puts the handlers back. A signal deferred meanwhile is raised now as KeyboardInterrupt
    (the caller decides whether it still matters)."""
    if held is None:
        return
    for s, h in held.items():
        if h not in (signal.SIG_IGN, None):
            signal.signal(s, h)
    if _deferred:
        _deferred.clear()
        raise KeyboardInterrupt


def write_all(outputs: Sequence[Tuple[Path, Callable[[Path], None]]], what: str,
              write_error: Type[IoError] = IoError) -> None:
    """Writes every (target, write) pair: ``write(temporary)`` fills a temporary file beside the
    target; when all are written they are renamed over their targets. On any failure, or an
    interruption, the temporaries are removed and no target has changed, unless a rename itself
    fails after others succeeded (the targets are checked first, so that needs the file system to
    change under the command). Raises :class:`trede.IoError` naming a target that cannot be an
    output, ``write_error`` (an IoError) naming the target and ``what`` when writing fails."""
    global committed
    check_outputs([t for t, _ in outputs])
    temps: List[Tuple[Path, Path]] = []
    try:
        for target, write in outputs:
            tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
            temps.append((tmp, target))
            try:
                write(tmp)
            except OSError as e:
                raise write_error(f"{target}: cannot write {what} ({e.strerror or e})", str(target)) from e
        # The renames run with SIGINT and SIGTERM held back (as trede::io::commit_all does): an
        # interruption cannot leave some targets new and others old; arriving during them, it is
        # taken as coming after them, and the outputs stand complete.
        held = _hold_signals()
        try:
            for tmp, target in temps:
                try:
                    os.replace(tmp, target)
                except OSError as e:
                    raise write_error(f"{target}: cannot write {what} ({e.strerror or e})", str(target)) from e
        finally:
            temps_done = all(not tmp.exists() for tmp, _ in temps)
            if temps_done:
                committed = True
            try:
                _release_signals(held)
            except KeyboardInterrupt:
                if not temps_done:
                    raise
    except BaseException:
        for tmp, _ in temps:
            try:
                tmp.unlink()
            except OSError:
                pass
        raise
