"""Every notebook in notebooks/ runs top to bottom (nbclient, a fresh python3 kernel) against
the freshly built package, in a temporary working directory; the notebooks are stored without
outputs and their figures really appear."""

import json
import os
import re

import pytest

from conftest import SOURCE_DIR

NOTEBOOKS = sorted((SOURCE_DIR / "notebooks").glob("*.ipynb"))
# Figures each notebook must show at least (one per plotting cell).
# A zero printed with a sign: -0, -0.000, -0.000000e+00 (not -0.05 or -0.0e+03).
NEGATIVE_ZERO = re.compile(r"(?<![\w.])-0(\.0*)?(e[+-]?0+)?(?![\w.,])")
MIN_FIGURES = {"01-quickstart": 3, "02-organisation-models": 4, "03-calibration": 2, "04-sensitivity": 3,
               "05-uncertainty": 5, "06-organisation-models-decision": 3}


def test_the_notebooks_exist():
    assert {p.stem for p in NOTEBOOKS} >= set(MIN_FIGURES)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, \
                f"{path.name}: cell {cell.get('id')} has stored outputs; strip them"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    from trede.notebook import execute, strip
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend makes the figures
    nb = execute(path, tmp_path / path.name, cwd=tmp_path, timeout=300)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "a cell did not run"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
    # Tables and printed numbers never show a signed zero ("-0.000000e+00", "-0.000").
    shown = [o.get("text", "") for c in code for o in c.outputs] + \
            [v for c in code for o in c.outputs for k, v in o.get("data", {}).items() if k.startswith("text/")]
    negative_zero = [m.group(0) for t in shown for m in NEGATIVE_ZERO.finditer(t)]
    assert not negative_zero, f"signed zeros shown: {negative_zero[:5]}"
    figures = sum(1 for c in code for o in c.outputs if "image/png" in o.get("data", {}))
    assert figures >= MIN_FIGURES.get(path.stem, 1), f"{figures} figures"
    # The notebook imported the package under test, not some other installation.
    first = "".join(o.get("text", "") for o in code[0].outputs)
    assert os.environ["PYTHONPATH"].split(os.pathsep)[0] in first, first
    assert (tmp_path / "results").is_dir()
    # --strip brings the executed copy back to the stored form.
    assert strip(tmp_path / path.name) and not strip(tmp_path / path.name)
    stored = json.loads((tmp_path / path.name).read_text())
    assert all(c.get("outputs", []) == [] for c in stored["cells"])
