"""How the package's commands run: ``trede report`` and ``trede export`` (the trede program starts
Python for them, with SIGINT and SIGTERM blocked until :func:`run` is ready) and
``python3 -m trede.report``, ``trede.export``, ``trede.notebook``.

An interruption (Ctrl-C, SIGTERM) ends the command with 128 + the signal's number and one line
saying what it left: ``interrupted: no output written``, or, when its outputs had already been
renamed into place (:data:`trede._files.committed`), that they are complete. Never a traceback,
also when a library the command uses catches the ``KeyboardInterrupt`` itself: the signal is
noted here, and :func:`trede._files.write_all` refuses to rename anything once it has come.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Callable, Optional, Sequence

#: The first SIGINT or SIGTERM that arrived while a command ran (0: none).
interrupted = 0
_done = False


def _stop(sig, frame) -> None:
    global interrupted
    if interrupted or _done:  # the second (a terminal's Ctrl-C reaches trede and Python) changes nothing
        interrupted = interrupted or sig
        return
    interrupted = sig
    raise KeyboardInterrupt


def run(main: Callable[[Optional[Sequence[str]]], int], argv: Optional[Sequence[str]] = None) -> int:
    """Runs ``main(argv)`` as a command and returns its exit code (see the module's text). A
    signal the caller ignores (``nohup``; under trede, said by TREDE_SIGINT / TREDE_SIGTERM =
    ignore) stays ignored."""
    global _done
    for sig, env in ((signal.SIGINT, "TREDE_SIGINT"), (signal.SIGTERM, "TREDE_SIGTERM")):
        if os.environ.pop(env, "") != "ignore" and signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _stop)
    try:
        if hasattr(signal, "pthread_sigmask"):  # a signal that came while Python started arrives now
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
        rc = main(argv)
    except BaseException:
        if not interrupted:
            raise
        rc = 1
    finally:
        _done = True
    if interrupted:
        from . import _files
        print("interrupted: " + ("outputs already written are complete; nothing else was written" if _files.committed
                                 else "no output written"), file=sys.stderr)
        rc = 128 + int(interrupted)
    # Python's shutdown puts the default actions back, which would let a late signal kill it.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    return rc
