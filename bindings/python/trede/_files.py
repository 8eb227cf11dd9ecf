"""Output files of the Python side (the report, the export, a calibrated scenario): each written to
a temporary file ``NAME.tmp-PID`` beside it, synced, and renamed over it only when every one is
complete, so that an output appears whole or not at all, as the C++ library's
trede::io::PendingFile and commit_all do for theirs. The temporaries are named as the library's, so
that the library's rule removes those a killed process left (``trede::io::remove_stale_temporaries``:
the process is gone) before the next write of the same output, whichever side wrote them. What cannot be an output (an empty name, a directory, a
device such as /dev/null, a named pipe, a directory that does not exist) is refused before
anything is written, by the library's own rule (``trede::io::output_problem``)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Callable, List, Sequence, Tuple, Type

from . import _core, _launch
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
    """Defers SIGINT and SIGTERM while the renames run: their Python handlers are replaced by one
    that notes them (a signal mask would not do: the signal may reach another thread, whose C
    handler still trips the main thread's Python handler). Returns the handlers to put back, or
    None off the main thread (where handlers cannot be set; nothing is deferred then)."""
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
    """Puts the handlers back and delivers a signal deferred meanwhile to them, as it would have
    been: the default action of SIGTERM ends the process, SIGINT raises KeyboardInterrupt (under a
    command, trede._launch says the outputs are complete)."""
    if held is None:
        return
    for s, h in held.items():
        if h not in (signal.SIG_IGN, None):
            signal.signal(s, h)
    if _deferred:
        sig = _deferred[0]
        _deferred.clear()
        signal.raise_signal(sig)


def _sync(path: Path) -> None:
    """Flushes a written file to the disk. \raises OSError."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_directory(path: Path) -> None:
    """Makes the renames into directory ``path`` durable; best effort (the renames are done, and a
    directory that cannot be opened or a file system that cannot sync one leaves nothing to undo)."""
    try:
        _sync(path)
    except OSError:
        pass


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
            for name in _core.remove_stale_temporaries(str(target)):
                print(_core.stale_temporary_note(name, str(target)), file=sys.stderr)
            tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
            temps.append((tmp, target))
            try:
                write(tmp)
            except OSError as e:
                raise write_error(f"{target}: cannot write {what} ({e.strerror or e})", str(target)) from e
            try:
                _sync(tmp)
            except OSError as e:
                raise write_error(f"{target}: cannot write {what} ({e.strerror or e})", str(target)) from e
        # A command interrupted before this point writes nothing, also when a library caught the
        # KeyboardInterrupt on its way (trede._launch noted the signal).
        if _launch.interrupted:
            raise KeyboardInterrupt
        # The renames run with SIGINT and SIGTERM held back (as trede::io::commit_all does): an
        # interruption cannot leave some targets new and others old; one arriving during them is
        # delivered after them, to outputs that are complete.
        held = _hold_signals()
        try:
            for tmp, target in temps:
                try:
                    os.replace(tmp, target)
                except OSError as e:
                    raise write_error(f"{target}: cannot write {what} ({e.strerror or e})", str(target)) from e
            committed = True
            for d in {t.parent for _, t in temps}:
                _sync_directory(d)
        finally:
            _release_signals(held)
    except BaseException:
        for tmp, _ in temps:
            try:
                tmp.unlink()
            except OSError:
                pass
        raise
