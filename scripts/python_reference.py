#!/usr/bin/python3
"""Writes docs/python-reference.md, the reference of every public name of the Python package:
the functions, classes (with their public methods and properties) and constants of ``trede`` and
the names of ``trede.plot``, ``trede.export``, ``trede.report`` and ``trede.notebook`` (their
``__all__``), each with its signature and its docstring. The docstrings are the one source: this
program only lays them out, and ``--check`` (run by the tests) fails when the file is not what
the package says, or when a public name has no docstring.

    PYTHONPATH=build/release/python /usr/bin/python3 scripts/python_reference.py           # writes the file
    PYTHONPATH=build/release/python /usr/bin/python3 scripts/python_reference.py --check   # exit 1 if stale
"""

import argparse
import dataclasses
import importlib
import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "python-reference.md"
MODULES = ("trede.plot", "trede.export", "trede.report", "trede.notebook")
HEADER = """# Python reference

Every public name of the `trede` package, with its signature and what its docstring says (the
same text as `help()` in Python). Written by `scripts/python_reference.py` from the package
itself; the tests fail when this file falls behind it. How the parts fit together, with examples:
[python.md](python.md).
"""


def annotation(a):
    """An annotation as written in the source (the package uses postponed annotations: strings)."""
    if isinstance(a, str):
        return a.strip("'\"")
    return inspect.formatannotation(a)


def signature(obj, name):
    """name(parameters) -> return, annotations unquoted, without ``self``."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return name
    parts, star_done = [], False
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    for i, p in enumerate(params):
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.kind is p.VAR_POSITIONAL:
            star_done = True
        if p.annotation is not p.empty:
            text += f": {annotation(p.annotation)}"
        if p.default is not p.empty:
            text += (" = " if p.annotation is not p.empty else "=") + repr(p.default)
        parts.append(text)
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(params) or params[i + 1].kind is not p.POSITIONAL_ONLY):
            parts.append("/")
    out = f"{name}({', '.join(parts)})"
    if sig.return_annotation is not sig.empty:
        out += f" -> {annotation(sig.return_annotation)}"
    return out


def fields(cls):
    """The fields of a named tuple or a dataclass, as one line, or None."""
    if hasattr(cls, "_fields"):
        return "Fields (a named tuple): " + ", ".join(f"`{f}`" for f in cls._fields) + "."
    if dataclasses.is_dataclass(cls):
        return "Fields (a dataclass): " + ", ".join(f"`{f.name}: {annotation(f.type)}`" for f in dataclasses.fields(cls)) + "."
    return None


def doc(obj, where, missing):
    d = inspect.getdoc(obj)
    if not d:
        missing.append(where)
        return ""
    return fence_examples(d.strip())


def fence_examples(text):
    """Interactive examples (lines from ``>>>`` to the next blank line) as Python code blocks."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith(">>>") and not inside:
            out.append("```python")
            inside = True
        elif inside and not line.strip():
            out.append("```")
            inside = False
        out.append(line)
    if inside:
        out.append("```")
    return "\n".join(out)


def block(title, sig, text):
    out = [f"#### `{title}`", ""]
    if sig:
        out += ["```python", sig, "```", ""]
    if text:
        out += [text, ""]
    return out


def members(cls):
    """Public attributes cls defines itself, in definition order (inherited ones are listed
    under the base class)."""
    return [(name, value) for name, value in vars(cls).items() if not name.startswith("_")]


def describe_class(cls, qual, missing):
    lines = [f"### `{qual}`", ""]
    if issubclass(cls, BaseException):
        bases = ", ".join(b.__name__ for b in cls.__bases__)
        lines += [f"An exception (`{bases}`).", ""]
    text = doc(cls, qual, missing)
    if text:
        lines += [text, ""]
    if issubclass(cls, BaseException):
        return lines
    f = fields(cls)
    if f:
        lines += [f, ""]
    names = set(getattr(cls, "_fields", ()))
    if dataclasses.is_dataclass(cls):
        names |= {x.name for x in dataclasses.fields(cls)}
    bases = [b for b in cls.__bases__ if b.__module__.startswith("trede")]
    if bases:
        lines += ["Everything of " + ", ".join(f"`trede.{b.__name__}`" for b in bases) + ", and:", ""]
    for name, value in members(cls):
        if name in names:
            continue
        where = f"{qual}.{name}"
        if isinstance(value, property):
            lines += block(f"{qual}.{name}", "", "(property) " + doc(value, where, missing))
        elif isinstance(value, (staticmethod, classmethod)):
            fn = value.__func__
            lines += block(f"{qual}.{name}", signature(fn, name), doc(fn, where, missing))
        elif callable(value):
            lines += block(f"{qual}.{name}", signature(value, name), doc(value, where, missing))
        else:
            lines += block(f"{qual}.{name}", "", f"`{value!r}`")
    return lines


def describe(obj, qual, missing):
    if inspect.isclass(obj):
        return describe_class(obj, qual, missing)
    if callable(obj):
        return [f"### `{qual}`", "", "```python", signature(obj, qual), "```", "", doc(obj, qual, missing), ""]
    return [f"### `{qual}`", "", f"`{obj!r}`", ""]


def reference():
    import trede

    missing = []
    lines = HEADER.splitlines() + [""]
    lines += ["## `trede`", ""]
    for name in trede.__all__:
        if name in ("__version__", "git_commit"):
            continue
        lines += describe(getattr(trede, name), f"trede.{name}", missing)
    lines += ["`trede.__version__` and `trede.git_commit` name the version and the commit the package was built from.", ""]
    for modname in MODULES:
        mod = importlib.import_module(modname)
        lines += [f"## `{modname}`", "", doc(mod, modname, missing), ""]
        for name in mod.__all__:
            obj = getattr(mod, name)
            if not (callable(obj) or inspect.isclass(obj)):
                lines += [f"### `{modname}.{name}`", "", "A constant.", ""]
                continue
            lines += describe(obj, f"{modname}.{name}", missing)
    text = "\n".join(lines).rstrip() + "\n"
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text, missing


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 when the file is stale or a docstring is missing")
    ap.add_argument("--out", type=Path, default=OUT, help=f"the file to write (default {OUT.relative_to(ROOT)})")
    args = ap.parse_args()
    text, missing = reference()
    if missing:
        print("public names without a docstring: " + ", ".join(missing), file=sys.stderr)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is not what the package says: run scripts/python_reference.py", file=sys.stderr)
            return 1
        return 1 if missing else 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.splitlines())} lines)")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
