"""docs/python-reference.md is what the package says: every public name of trede (and of
trede.plot, .export, .report, .notebook) has a docstring and a section, and the file is the one
scripts/python_reference.py writes from the package as built."""

import importlib.util
import inspect
import os
import subprocess
import sys
from pathlib import Path

import trede

SOURCE = Path(os.environ.get("TREDE_SOURCE_DIR", Path(__file__).resolve().parents[3]))
SCRIPT = SOURCE / "scripts" / "python_reference.py"


def load_script():
    spec = importlib.util.spec_from_file_location("python_reference", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_public_name_has_a_docstring():
    _, missing = load_script().reference()
    assert missing == []


def test_the_file_is_current():
    text, _ = load_script().reference()
    written = (SOURCE / "docs" / "python-reference.md").read_text(encoding="utf-8")
    assert written == text, "docs/python-reference.md is stale: run scripts/python_reference.py"


def test_every_public_name_and_member_has_a_section():
    text = (SOURCE / "docs" / "python-reference.md").read_text(encoding="utf-8")
    for name in trede.__all__:
        if name in ("__version__", "git_commit"):
            assert f"`trede.{name}`" in text
            continue
        obj = getattr(trede, name)
        assert f"### `trede.{name}`" in text, name
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for member in vars(obj):
                if member.startswith("_"):
                    continue
                fields = set(getattr(obj, "_fields", ())) | set(getattr(obj, "__dataclass_fields__", {}))
                if member in fields:
                    assert f"`{member}" in text
                else:
                    assert f"#### `trede.{name}.{member}`" in text, f"{name}.{member}"
    for modname in ("plot", "export", "report", "notebook"):
        mod = importlib.import_module(f"trede.{modname}")
        for name in mod.__all__:
            assert f"### `trede.{modname}.{name}`" in text, f"{modname}.{name}"


def test_check_mode_fails_on_a_stale_file(tmp_path):
    stale = tmp_path / "python-reference.md"
    stale.write_text("# Python reference\n", encoding="utf-8")
    env = dict(os.environ)
    r = subprocess.run([sys.executable, str(SCRIPT), "--check", "--out", str(stale)], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "is not what the package says" in r.stderr
    assert stale.read_text(encoding="utf-8") == "# Python reference\n"  # --check never writes
