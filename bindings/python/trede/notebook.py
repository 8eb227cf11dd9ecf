"""Runs Jupyter notebooks top to bottom without a Jupyter server (nbclient and ipykernel):
for the example notebooks in ``notebooks/`` on a machine without Jupyter, and for the tests.

    python3 -m trede.notebook notebooks/01-quickstart.ipynb            # writes results/01-quickstart.ipynb
    python3 -m trede.notebook notebooks/*.ipynb -o executed/ --cwd /tmp/work
    python3 -m trede.notebook --strip notebooks/*.ipynb                 # remove outputs in place (before a commit)

The kernel is Python 3 ("python3" kernel spec) with this process's environment, so a trede
package found through PYTHONPATH here is the one the notebook imports. Files the notebooks
write go to the working directory (``--cwd``, default: the current directory).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence, Union

if TYPE_CHECKING:
    import nbformat

__all__ = ["execute", "strip", "main"]

PathLike = Union[str, "os.PathLike[str]"]


def execute(notebook: PathLike, output: Optional[PathLike] = None, cwd: Optional[PathLike] = None,
            timeout: int = 600, kernel_name: str = "python3") -> "nbformat.NotebookNode":
    """Executes every cell of ``notebook`` in order, in a fresh kernel started in ``cwd``
    (default: the current directory), and returns the executed notebook (also written to
    ``output`` when given). Raises ``nbclient.exceptions.CellExecutionError`` at the first
    cell that fails, with the cell's source and traceback."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(os.fspath(notebook), as_version=4)
    # The kernel inherits this environment: quiet ipykernel's debugger warnings, and leave the
    # matplotlib backend to ipykernel (inline figures) unless the caller chose one on purpose.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    workdir = Path(os.fspath(cwd)) if cwd is not None else Path.cwd()
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    finally:
        if output is not None:
            nbformat.write(nb, os.fspath(output))
    return nb


def strip(notebook: PathLike) -> bool:
    """Removes the outputs and execution counts of every code cell of ``notebook`` in place;
    returns True when the file changed."""
    import nbformat
    nb = nbformat.read(os.fspath(notebook), as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count = [], None
            changed = True
    if changed:
        nbformat.write(nb, os.fspath(notebook))
    return changed


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The command ``python3 -m trede.notebook``: runs (or with ``--strip`` empties) the notebooks
    named in ``argv``; returns the exit status."""
    ap = argparse.ArgumentParser(prog="python3 -m trede.notebook",
                                 description="Run notebooks top to bottom (nbclient) and write the executed copies.")
    ap.add_argument("notebooks", nargs="+", help="notebook files (.ipynb)")
    ap.add_argument("-o", "--output", default="results",
                    help="directory for the executed notebooks (default: results/ in the working directory)")
    ap.add_argument("--cwd", default=".", help="working directory of the kernel (default: the current directory)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    ap.add_argument("--strip", action="store_true", help="only remove the stored outputs of the notebooks, in place")
    args = ap.parse_args(argv)
    if args.strip:
        for path in args.notebooks:
            print(("stripped " if strip(path) else "clean    ") + path)
        return 0
    from nbclient.exceptions import CellExecutionError

    cwd = Path(args.cwd).resolve()
    out_dir = Path(args.output)
    if not out_dir.is_absolute():
        out_dir = cwd / out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in map(Path, args.notebooks):
        out = out_dir / path.name
        try:
            nb = execute(path, out, cwd=cwd, timeout=args.timeout)
        except CellExecutionError as e:
            print(f"FAILED {path}: {e}", file=sys.stderr)
            failed += 1
            continue
        except FileNotFoundError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        cells = [c for c in nb.cells if c.cell_type == "code"]
        figures = sum(1 for c in cells for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
        print(f"ok {path}: {len(cells)} code cells, {figures} figures -> {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    from ._launch import run
    sys.exit(run(main))
