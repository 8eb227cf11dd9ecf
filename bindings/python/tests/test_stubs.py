"""The type stubs of the extension (trede/_core.pyi) match what the extension defines, and the
package declares itself typed (py.typed)."""

import ast
import inspect
from pathlib import Path

import trede
from trede import _core

STUB = Path(trede.__file__).with_name("_core.pyi")


def stub_names():
    tree = ast.parse(STUB.read_text())
    top, members = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top.add(node.target.id)
        if isinstance(node, ast.ClassDef):
            members[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
    return top, members


def test_stubs_cover_the_extension():
    top, members = stub_names()
    public = {n for n in dir(_core) if not n.startswith("_")}
    assert public == top, f"only in the extension: {public - top}; only in the stub: {top - public}"
    for cls, names in members.items():
        real = {n for n, _ in inspect.getmembers(getattr(_core, cls)) if not n.startswith("_")}
        assert real == names, f"{cls}: only in the extension: {real - names}; only in the stub: {names - real}"


def test_package_is_typed_and_documented():
    assert (Path(trede.__file__).parent / "py.typed").exists()
    for name in trede.__all__:
        obj = getattr(trede, name)
        if callable(obj):
            assert inspect.getdoc(obj), f"trede.{name} has no docstring"
