"""C++ errors arrive as trede.ModelError (a ValueError and a TypeError) and trede.IoError (an
OSError), with every problem, its file, line and key; bad options are caught before anything
runs. (Every bad argument and every damaged file of every kind: test_error_kinds.py.)"""

import h5py
import numpy as np
import pytest

import trede
from conftest import BM2

BAD = """name = "bad"
start_year = 2025.0
horizon_years = 5.0

[[state]]
name = "a"
trede = 2

[[state]]
name = "b"
trede = 9

[[transition]]
from = "a"
to = "b"
rate = -0.2

[[population]]
state = "a"
count = 10
"""


def test_exception_classes():
    assert issubclass(trede.ModelError, ValueError) and issubclass(trede.ModelError, trede.Error)
    assert issubclass(trede.ModelError, TypeError)  # wrong argument types are ModelErrors too
    assert issubclass(trede.IoError, OSError) and issubclass(trede.IoError, trede.Error)
    assert not issubclass(trede.ModelError, OSError)


def test_bad_scenario_reports_every_problem_with_file_line_and_key(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(BAD)
    with pytest.raises(trede.ModelError) as info:
        trede.load_scenario(f)
    e = info.value
    assert isinstance(e, ValueError)
    assert len(e.diagnostics) >= 2
    by_key = {d.key: d for d in e.diagnostics}
    rate = next(d for k, d in by_key.items() if k.endswith(".rate"))
    assert rate.file == str(f) and rate.line == 16 and "(got -0.2)" in rate.message
    tr = next(d for k, d in by_key.items() if k.endswith(".trede"))
    assert tr.line == 11
    assert f"{f}:16:" in str(e)


def test_bad_text_and_bad_override():
    with pytest.raises(ValueError) as info:
        trede.parse_scenario(BAD, name="inline.toml")
    assert all(d.file == "inline.toml" for d in info.value.diagnostics)
    with pytest.raises(trede.ModelError) as info:
        trede.load_scenario(BM2, {"horizon_years": -1, "state[nope].capacity": 3})
    msgs = [str(d) for d in info.value.diagnostics]
    assert any("horizon_years" in m and "must be > 0" in m for m in msgs), msgs
    assert any("nope" in m for m in msgs), msgs
    # a problem an override causes is named as the Python caller gave it, not as the CLI's --set
    files = {d.file for d in info.value.diagnostics}
    assert "override 'horizon_years=-1'" in files and not any("--set" in f for f in files), files
    s = trede.load_scenario(BM2)
    for bad in (lambda: s.with_overrides(["horizn=2"]), lambda: trede.parse_scenario(s.text, overrides={"horizn": 2})):
        with pytest.raises(trede.ModelError) as info:
            bad()
        (d,) = info.value.diagnostics
        assert d.file == "override 'horizn=2'" and d.key == "horizn" and "--set" not in str(info.value), str(info.value)
    with pytest.raises(trede.ModelError):
        trede.load_scenario(BM2, ["not an override"])
    with pytest.raises(trede.ModelError, match=r"overrides\[0\]"):
        trede.load_scenario(BM2, [("horizon_years", 3)])


def test_missing_scenario_file_is_an_io_error(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(OSError) as info:
        trede.load_scenario(missing)
    assert isinstance(info.value, trede.IoError)
    assert info.value.filename == str(missing)


def test_bad_run_options_are_model_errors(bm2_small):
    for kwargs in ({"replicates": 0}, {"replicates": -3}, {"seed": -1}, {"threads": -2}):
        with pytest.raises(trede.ModelError):
            trede.run(bm2_small, **{"replicates": 2, **kwargs})
    with pytest.raises(trede.ModelError, match="replicates"):
        trede.run(bm2_small, 2.5)
    with pytest.raises(trede.ModelError, match="scenario"):
        trede.run(42, 2)
    with pytest.raises(trede.ModelError):
        trede.compare([bm2_small], 3)
    with pytest.raises(trede.ModelError):
        trede.compare([bm2_small, bm2_small], 1)
    with pytest.raises(trede.ModelError):
        trede.compare([bm2_small, bm2_small], 3, confidence=1.5)


def test_compare_rejects_different_report_grids(bm2_small):
    with pytest.raises(trede.ModelError):
        trede.compare([bm2_small, bm2_small.with_overrides({"horizon_years": 5})], 2)


def test_save_to_a_missing_directory_is_an_io_error(tmp_path, bm2_small):
    r = trede.run(bm2_small.with_overrides({"horizon_years": 1}), 2)
    target = tmp_path / "no" / "such" / "dir" / "x.h5"
    with pytest.raises(trede.IoError) as info:
        r.save(target)
    assert info.value.filename == str(target)
    assert not target.parent.exists()


def test_reading_what_is_not_a_result(tmp_path):
    with pytest.raises(trede.IoError) as info:
        trede.read(tmp_path / "missing.h5")
    assert isinstance(info.value, OSError) and info.value.filename == str(tmp_path / "missing.h5")
    text = tmp_path / "text.h5"
    text.write_text("not hdf5")
    with pytest.raises(trede.IoError):
        trede.read(text)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(trede.IoError, match="not a trede result"):
        trede.read(other)


def test_a_read_result_cannot_be_saved(cli_run_file, tmp_path):
    r = trede.read(cli_run_file)
    with pytest.raises(trede.ModelError, match="save"):
        r.save(tmp_path / "copy.h5")


# A result file damaged after it was written (a dataset deleted or emptied by hand or by a broken
# copy) is an IoError naming the file and the dataset, never a KeyError or IndexError later.
_RESULT_DATASETS = ["time", "states", "kpi_names", "trede", "summary/kpi", "summary/occupancy/mean",
                    "summary/occupancy/q95"]


@pytest.fixture(scope="module")
def saved_result(tmp_path_factory, bm2_small):
    path = tmp_path_factory.mktemp("damaged") / "good.h5"
    trede.run(bm2_small.with_overrides({"horizon_years": 1}), 2).save(path)
    return path


def _damaged(saved_result, tmp_path, change):
    import shutil
    path = tmp_path / "damaged.h5"
    shutil.copy(saved_result, path)
    with h5py.File(path, "r+") as f:
        change(f)
    return path


@pytest.mark.parametrize("key", _RESULT_DATASETS + ["summary"])
def test_result_file_without_a_dataset_is_an_io_error_naming_it(saved_result, tmp_path, key):
    def delete(f):
        del f[key]
    path = _damaged(saved_result, tmp_path, delete)
    with pytest.raises(trede.IoError, match="not a complete trede result") as info:
        r = trede.read(path)
        r.occupancy()
        r.kpi()
    assert info.value.filename == str(path)
    assert str(path) in str(info.value) and "/" + key.split("/")[0] in str(info.value)


@pytest.mark.parametrize("key", _RESULT_DATASETS)
def test_result_file_with_an_emptied_dataset_is_an_io_error_naming_it(saved_result, tmp_path, key):
    def empty(f):
        data = f[key][...]
        del f[key]
        f[key] = data[:0]
    path = _damaged(saved_result, tmp_path, empty)
    with pytest.raises(trede.IoError, match=f"/{key} ") as info:
        r = trede.read(path)
        r.occupancy()
        r.kpi()
    assert info.value.filename == str(path)


def test_an_undamaged_result_file_reads(saved_result):
    r = trede.read(saved_result)
    assert len(r.occupancy()) > 0 and len(r.kpi()) > 0
