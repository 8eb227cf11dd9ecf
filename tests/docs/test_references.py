"""The repository stands alone: every reference in it resolves inside it.

- No file cites a document a reader of the repository does not have: internal working notes,
  source documents kept elsewhere, or an absolute path of the machine it was written on. Public documents are cited by title and publisher (docs/sources.md).
- Every relative link of a Markdown file names a file or directory that exists in the repository.
- Every notebook cell carries an id (nbformat 4.5), so nbformat reads them without a
  MissingIDFieldWarning.
"""

import os
import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("TREDE_SOURCE_DIR", Path(__file__).resolve().parents[2])).resolve()
TEXT_SUFFIXES = {".md", ".py", ".cpp", ".hpp", ".h", ".toml", ".json", ".ipynb", ".txt", ".sh", ".cmake", ".in",
                 ".R", ".csv", ".pyi"}
SKIP_DIRS = {".git", "__pycache__", ".ipynb_checkpoints"}

# What a reference outside the repository looks like.
OUTSIDE = [
    (re.compile(r"\bDESIGN(\.md| §)"), "the internal design notes"),
    (re.compile(r"\bseeds?/|\bseed documents?\b|\bseeds? 00\d"), "the seed documents"),
    (re.compile(r"\.\./shared/|/work/shared|shared notes|\bPEERS\.md"), "the shared notes"),
    (re.compile(r"(?<![\w.])/(?:work|home|root|tmp)/[\w.-]+/"), "an absolute path of one machine"),
]


def repository_files():
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel = Path(dirpath).relative_to(ROOT)
        dirnames[:] = [d for d in dirnames
                       if d not in SKIP_DIRS and not (rel == Path(".") and d.startswith(("build", "out")))]
        for name in filenames:
            path = Path(dirpath) / name
            if path.suffix in TEXT_SUFFIXES or name in ("CMakeLists.txt",):
                yield path


FILES = sorted(repository_files())
THIS = Path(__file__).resolve()


def test_the_walk_finds_the_repository():
    names = {p.relative_to(ROOT).as_posix() for p in FILES}
    assert {"README.md", "docs/sources.md", "models/ladder-bm.toml", "notebooks/01-quickstart.ipynb"} <= names


def test_nothing_cites_a_document_outside_the_repository():
    problems = []
    for path in FILES:
        if path == THIS:
            continue  # the patterns themselves
        text = path.read_text(errors="replace")
        for line_no, line in enumerate(text.splitlines(), 1):
            for pattern, what in OUTSIDE:
                if pattern.search(line):
                    problems.append(f"{path.relative_to(ROOT)}:{line_no}: cites {what}: {line.strip()[:120]}")
    assert not problems, "references that do not resolve in the repository:\n" + "\n".join(problems)


MD_LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_markdown_links_resolve_inside_the_repository():
    problems = []
    for path in FILES:
        if path.suffix != ".md":
            continue
        for line_no, line in enumerate(path.read_text().splitlines(), 1):
            for target in MD_LINK.findall(line):
                if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                    continue  # a web address, or an anchor in the same page
                file_part = target.split("#", 1)[0]
                resolved = (path.parent / file_part).resolve()
                where = f"{path.relative_to(ROOT)}:{line_no}: ({target})"
                if not resolved.is_relative_to(ROOT):
                    problems.append(f"{where} points outside the repository")
                elif not resolved.exists():
                    problems.append(f"{where} does not exist")
    assert not problems, "\n".join(problems)


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_cells_have_ids(path):
    nbformat = pytest.importorskip("nbformat")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # MissingIDFieldWarning and friends fail the test
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    ids = [c.get("id") for c in nb.cells]
    assert all(ids), f"cells without an id: {[i for i, x in enumerate(ids) if not x]}"
    assert len(set(ids)) == len(ids), "cell ids repeat"
